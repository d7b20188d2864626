/* SPDX-License-Identifier: MIT */
/* Safe removal. Orphans are removed in batches: each object is fenced (its permission bits
 * set to 0, so new attaches, semops and queue calls fail with EACCES), one RCU grace period
 * lets every call that passed its permission check before the fence finish, and then each
 * object is re-read and re-judged from scratch and removed only if it is still the same,
 * untouched orphan; otherwise its mode is given back. Under Quarantine=yes its contents are
 * copied and committed durably to the quarantine store between that re-check and a second
 * one, which ignores the daemon's own changes (its read-only attach) and keeps the object,
 * dropping the copy, on any other. The kernel is reached through ReaperKernel, so that tests
 * can put a fake one in its place. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "ipc-object.h"
#include "kind.h"
#include "policy.h"
#include "quarantine-store.h"
#include "removal-log.h"
#include "tracker.h"

typedef enum ReapOutcome {
        REAP_REMOVED,
        REAP_GONE,    /* already removed by someone else */
        REAP_CHANGED, /* another object now has the id, or it was used or changed */
        REAP_IN_USE,  /* attached, or waiters, since the scan */
        REAP_FAILED,  /* a kernel call failed; error says which errno */
} ReapOutcome;

typedef struct ReaperKernel {
        /* Re-reads the object seen names (kind.h: by id, or by name), with a semaphore set's
         * per-semaphore pids and waiters and a queue's waiters. -EINVAL, -EIDRM or -ENOENT
         * when nothing has that id or name any more. */
        int (*stat)(const IpcObject *seen, IpcObject *ret, void *userdata);
        /* Sets the permission bits to mode (IPC_SET keeping owner, group and a queue's qbytes;
         * fchmod for a POSIX file) only if the object still is o (its identity), with
         * permission bits expect_mode and (when expect_ctime >= 0) ctime expect_ctime:
         * -ESTALE if not. *ret_ctime: the ctime after the change. */
        int (*set_mode)(const IpcObject *o, int64_t expect_ctime, uint32_t expect_mode,
                        uint32_t mode, int64_t *ret_ctime, void *userdata);
        /* Waits until every system call that began before it has left its RCU read-side
         * section (membarrier(MEMBARRIER_CMD_GLOBAL)). */
        int (*grace_period)(void *userdata);
        int (*remove)(const IpcObject *o, void *userdata);
        /* Starts a fresh view of the processes for the re-check (kinds: a mask of the kinds
         * about to be re-read), so that nothing cached in the pass is trusted. */
        int (*begin_recheck)(unsigned kinds, void *userdata);
        /* Liveness as in process_alive_since(), and owner processes as in
         * process_uid_has_processes(), from the fresh view. */
        bool (*pid_alive)(pid_t pid, int64_t last_activity, void *userdata);
        int (*owner_has_processes)(uint32_t uid, void *userdata);
        /* Copies o's contents to fd and what a restore needs to meta (quarantine_copy()). */
        int (*copy)(const IpcObject *o, int fd, json_t *meta, uint64_t *ret_bytes, void *userdata);
        void *userdata;
} ReaperKernel;

/* The real kernel, with processes read from src->procfs. */
typedef struct RealKernel RealKernel;
/* ns_inode: the namespace the calling thread is in (0: read it from /proc). */
int real_kernel_new(const KindSources *src, uint64_t ns_inode, RealKernel **ret);
RealKernel *real_kernel_free(RealKernel *k);
const ReaperKernel *real_kernel_ops(RealKernel *k);

typedef struct ReapCandidate {
        const IpcObject *seen; /* as the pass read and judged it */
        int rule;              /* the reap rule the pass found, an index into the policy */
        const char *creator_comm;

        /* Results. */
        ReapOutcome outcome;
        int error;          /* errno, for REAP_FAILED */
        const char *detail; /* a short human reason for anything but REAP_REMOVED */

        bool fenced;
        int64_t fence_ctime;

        /* Quarantine=yes: the store entry begun before the intent was written (the intent
         * carries its id), committed before the removal, dropped if the object stays. NULL:
         * a plain removal. The reaper consumes it. */
        QuarantineWriter *writer;
        json_t *metadata; /* kept beside the contents (rule, creator, namespace): borrowed */
        /* The entry holding the contents of a REAP_REMOVED quarantined object. */
        char quarantine_id[QUARANTINE_ID_MAX];
        /* Kept because its contents cannot be quarantined (why in detail): no removal
         * without its copy. */
        bool quarantine_refused;
        /* A restored object is judged with the cuid and cgid it had (seen has the kernel's:
         * the daemon's). */
        bool restored;
        uint32_t restored_cuid, restored_cgid;

        /* The reaper's own: the first re-check's reading, which the second compares with. */
        IpcObject checked;
        bool awaiting_copy;
} ReapCandidate;

/* Fences, waits one grace period, re-checks and removes or unfences every candidate. The
 * candidates' intents (intents[i] for c[i]) must be in log (fsync'd) before this runs; the
 * fenced ones are marked there before anything is removed. log may be NULL (tests). Never
 * removes an object whose fresh re-read is not an orphan of the same rule under p at now.
 * A candidate with a writer is removed only after its copy is committed to store (one
 * directory fsync for the batch) and a second re-check found nothing changed but what the
 * copy itself did. A candidate still fenced afterwards (its mode could not be given back)
 * has fenced set. */
void reaper_remove_batch(const ReaperKernel *k, const Policy *p, int64_t now, ReapCandidate *c,
                         size_t n, RemovalLog *log, const RemovalIntent *intents,
                         QuarantineStore *store);

/* The second re-check: what changed between after (read once the copy is committed) and
 * before (the first re-check's reading) that the daemon did not do itself: NULL for nothing.
 * The daemon's read-only attach moves a segment's atime and dtime and makes it lpid, nothing
 * else; anything else (another attach, a send, a semop, a write) keeps the object. */
const char *reaper_changed_since_copy(const IpcObject *before, const IpcObject *after,
                                      int64_t fence_ctime, pid_t self);

/* Settles the removal log's unfinished intents after a crash, those that select() picks (all
 * when it is NULL): an object still there gets its mode back if the daemon had fenced it (and
 * its quarantine copy, if any, is dropped: no removal happened), one that is gone is recorded
 * as removed, with its quarantine id when the intent had one and store holds that entry
 * complete (else the daemon cannot have removed it: never before its copy was committed).
 * k NULL: their namespace is gone, and their objects with it; nothing says the daemon
 * removed them, so they are settled as kept (and their copies dropped). store may be NULL. */
int reaper_recover(const ReaperKernel *k, Tracker *t, QuarantineStore *store,
                   bool (*select)(const RemovalIntent *in, void *userdata), void *userdata);

const char *reap_outcome_to_string(ReapOutcome o);
