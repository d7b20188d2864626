/* SPDX-License-Identifier: MIT */
/* One scan-and-reap pass: read the kernel's tables, judge liveness, track, evaluate every
 * object under the policy, and remove the orphans of reap rules. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "evaluate.h"
#include "kind.h"
#include "object-table.h"
#include "policy.h"
#include "process.h"
#include "reaper.h"
#include "sysvipc.h"
#include "tracker.h"

/* What a query needs of one object beyond its kernel snapshot. */
typedef struct ObjectInfo {
        Verdict verdict;
        int64_t first_seen;
        Creator creator; /* a copy; pid 0 when unknown */
        /* Restored from the quarantine: the object shows its original cuid and cgid; the
         * kernel's (the daemon's) are these, which the reaper's kernel calls need. */
        bool restored;
        uint32_t kernel_cuid, kernel_cgid;
} ObjectInfo;

/* What a pass found in one IPC namespace. */
typedef struct NamespaceResult {
        IpcNamespace *ns; /* a reference */
        /* The remaining objects by kind and state, and as found (before removal). */
        size_t counts[_IPC_KIND_MAX][_OBJECT_STATE_MAX];
        size_t n_objects, n_orphans;
        unsigned kinds_read; /* as ScanResult.kinds_read, for this namespace */
        IpcLimits limits;    /* after removal */
        size_t first, n;     /* its objects in ScanResult.table, after removal */
} NamespaceResult;

typedef struct ScanResult {
        unsigned n_ref; /* heap results are shared by the daemon and streaming replies */
        Policy *policy; /* a reference: verdict.rule indexes its rules */
        int64_t time;   /* Unix seconds when the pass began */
        uint64_t duration_usec;
        bool dry_run;

        /* The objects that remain after the pass, with their verdicts. */
        ObjectTable table;
        ObjectInfo *info;

        /* The remaining objects by kind and state, of the kinds read (a mask: the System V
         * kinds always, POSIX kinds when their directories exist). */
        size_t counts[_IPC_KIND_MAX][_OBJECT_STATE_MAX];
        unsigned kinds_read;
        /* As found, before removal. */
        size_t n_objects, n_orphans;
        size_t reaped, would_reap, deferred, skipped, failed;
        /* Semaphore sets whose pids an earlier pass read (unchanged since), and the
         * per-semaphore calls this pass made. */
        size_t sem_pids_kept;
        uint64_t sem_calls;
        bool full; /* read without an earlier pass's help */
        uint64_t reclaimed_bytes;
        IpcLimits limits; /* after removal: the host namespace's */

        /* Each namespace scanned, the host's first (n_namespaces >= 1 after a pass). counts,
         * n_objects and n_orphans above are the sums over them. */
        NamespaceResult *namespaces;
        size_t n_namespaces;
} ScanResult;

/* At most this many objects of all containers' IPC namespaces together are held in a pass
 * (about 250 bytes each, twice while a pass replaces the last): any user can fill a
 * thousand namespaces of their own with 98,304 objects each. */
#define SCAN_CONTAINER_OBJECTS_MAX 500000

/* Orphans fenced together behind one grace period (tens of milliseconds each). */
#define SCAN_REAP_BATCH_MAX 4096

typedef struct ScanOptions {
        const char *procfs;
        /* The POSIX directories; NULL: /dev/shm and /dev/mqueue. */
        const char *shm_dir, *mqueue_dir;
        const ReaperKernel *kernel; /* NULL: the real one */
        /* Where Quarantine=yes rules keep what they remove; NULL: none, and their orphans
         * are kept (no removal that could not be undone). */
        QuarantineStore *quarantine;
        /* The last pass, whose semaphore pids may be kept for sets unchanged since; NULL: a
         * full read (at start, after a reload, every FullReadEvery= passes). */
        const ScanResult *previous;
        bool dry_run;
        /* Log each orphan of a report rule (and each dry-run would-remove) every pass, not
         * just the first time it is seen: for --once. */
        bool announce_every_pass;
} ScanOptions;

int scan_run(Policy *policy, Tracker *tracker, const ScanOptions *opt, ScanResult *ret);
void scan_result_done(ScanResult *r);
ScanResult *scan_result_ref(ScanResult *r);
/* Drops a reference to a heap ScanResult, freeing it with the last. */
ScanResult *scan_result_unref(ScanResult *r);

/* Whether r (NULL: no pass yet) reports kind k: the System V kinds always. */
static inline bool scan_result_covers(const ScanResult *r, IpcKind k) {
        return (IPC_KIND_SYSV & (1u << k)) || (r && (r->kinds_read & (1u << k)));
}

/* "12 objects, 2 orphans, 1 reaped" and the like, for STATUS= and --once. */
void scan_result_summary(const ScanResult *r, char *buf, size_t size);

/* Owner-process lookups through a ProcessCache, for EvaluationContext. */
int scan_owner_has_processes(uint32_t uid, void *userdata);
