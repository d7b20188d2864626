/* SPDX-License-Identifier: MIT */
/* Safe removal: fence a batch, wait one grace period, re-read and re-judge each object from
 * scratch, then remove it or give its mode back; under Quarantine=yes, copy and commit its
 * contents first and re-check again. */
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "evaluate.h"
#include "log.h"
#include "macro.h"
#include "posixipc.h"
#include "process.h"
#include "quarantine-copy.h"
#include "reaper.h"
#include "sysvipc.h"

const char *reap_outcome_to_string(ReapOutcome o) {
        static const char *const names[] = {
                [REAP_REMOVED] = "removed", [REAP_GONE] = "gone",     [REAP_CHANGED] = "changed",
                [REAP_IN_USE] = "in use",   [REAP_FAILED] = "failed",
        };
        return o >= 0 && (size_t) o < ELEMENTSOF(names) ? names[o] : NULL;
}

/* ---- the real kernel ---- */

struct RealKernel {
        ReaperKernel ops;
        KindSources src;
        char *procfs;
        ProcessCache cache;
        bool cache_valid;
        /* Threads blocked on queues, walked afresh for each batch with a queue in it. */
        QueueWaiters waiters;
        int waiters_error; /* 1: not walked; negative: the walk failed */
        uint64_t ns_inode;
        /* Processes mapping or holding POSIX files, walked afresh after each fence. */
        FileUsers users;
        int users_error;
};

static int real_stat(const IpcObject *seen, IpcObject *ret, void *userdata) {
        RealKernel *k = userdata;
        const KindOps *ops = kind_ops(seen->kind);
        int r = ops ? ops->stat(&k->src, seen, ret) : -EINVAL;

        if (r >= 0 && ipc_kind_is_posix(seen->kind)) {
                if (k->users_error == 0)
                        r = posixipc_set_users(ret, &k->users);
                else if (!(ret->users_unknown = strdup("cannot walk the processes in /proc")))
                        r = -ENOMEM;
                if (r < 0)
                        ipc_object_done(ret);
                return r;
        }
        if (r < 0 || seen->kind != IPC_KIND_MSG)
                return r;
        if (k->waiters_error == 0)
                r = sysvipc_set_queue_waiters(ret, &k->waiters, k->ns_inode);
        else if (!(ret->waiters_unknown = strdup("cannot walk the threads in /proc")))
                r = -ENOMEM;
        if (r < 0)
                ipc_object_done(ret);
        return r;
}

static int real_set_mode(const IpcObject *o, int64_t expect_ctime, uint32_t expect_mode,
                         uint32_t mode, int64_t *ret_ctime, void *userdata) {
        RealKernel *k = userdata;
        const KindOps *ops = kind_ops(o->kind);
        return ops ? ops->set_mode(&k->src, o, expect_ctime, expect_mode, mode, ret_ctime)
                   : -EINVAL;
}

static int real_grace_period(void *userdata) {
        /* MEMBARRIER_CMD_GLOBAL runs synchronize_rcu(): every shmat, semop, msgsnd and msgrcv
         * that passed ipcperms() before the fence (under rcu_read_lock, before taking the
         * object's lock) has by then attached, queued or finished, so the re-check sees it.
         * On a machine with one online CPU the kernel skips the wait; see ipcreapd(8). */
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
                return -errno;
        return 0;
}

static int real_remove(const IpcObject *o, void *userdata) {
        RealKernel *k = userdata;
        const KindOps *ops = kind_ops(o->kind);
        return ops ? ops->remove(&k->src, o) : -EINVAL;
}

static void real_drop_views(RealKernel *k) {
        if (k->cache_valid)
                process_cache_done(&k->cache);
        k->cache_valid = false;
        if (k->waiters_error == 0)
                queue_waiters_done(&k->waiters);
        k->waiters_error = 1;
        if (k->users_error == 0)
                file_users_done(&k->users);
        k->users_error = 1;
}

static int real_begin_recheck(unsigned kinds, void *userdata) {
        RealKernel *k = userdata;
        int r;

        real_drop_views(k);
        r = process_cache_init(&k->cache, k->procfs);
        if (r < 0)
                return r;
        k->cache_valid = true;
        if (kinds & (1u << IPC_KIND_MSG)) {
                /* After the grace period: a caller past the fence now sleeps in the call. */
                k->waiters_error =
                        sysvipc_read_queue_waiters(k->procfs, k->cache.hidepid, &k->waiters);
                if (k->waiters_error > 0)
                        k->waiters_error = 0;
        }
        if (kinds & IPC_KIND_POSIX) {
                /* After the fence (mode 000): a process that opens the file now fails. */
                k->users_error = posixipc_read_users(&k->src, k->cache.hidepid, &k->users);
                if (k->users_error > 0)
                        k->users_error = 0;
        }
        return 0;
}

static bool real_pid_alive(pid_t pid, int64_t last_activity, void *userdata) {
        RealKernel *k = userdata;
        return !k->cache_valid || process_alive_since(&k->cache, pid, last_activity);
}

static int real_owner_has_processes(uint32_t uid, void *userdata) {
        RealKernel *k = userdata;
        return k->cache_valid ? process_uid_has_processes(&k->cache, uid) : -EAGAIN;
}

static int real_copy(const IpcObject *o, int fd, json_t *meta, uint64_t *ret_bytes,
                     void *userdata) {
        RealKernel *k = userdata;
        return quarantine_copy(&k->src, o, fd, meta, ret_bytes);
}

int real_kernel_new(const KindSources *src, uint64_t ns_inode, RealKernel **ret) {
        RealKernel *k = calloc(1, sizeof(RealKernel));

        if (!k || !(k->procfs = strdup(src->procfs))) {
                free(k);
                return -ENOMEM;
        }
        k->src = *src;
        k->src.procfs = k->procfs;
        k->waiters_error = 1;
        k->users_error = 1;
        k->ns_inode = ns_inode ? ns_inode : sysvipc_namespace_inode(src->procfs);
        k->ops = (ReaperKernel){
                .stat = real_stat,
                .set_mode = real_set_mode,
                .grace_period = real_grace_period,
                .remove = real_remove,
                .begin_recheck = real_begin_recheck,
                .pid_alive = real_pid_alive,
                .owner_has_processes = real_owner_has_processes,
                .copy = real_copy,
                .userdata = k,
        };
        *ret = k;
        return 0;
}

RealKernel *real_kernel_free(RealKernel *k) {
        if (!k)
                return NULL;
        real_drop_views(k);
        free(k->procfs);
        free(k);
        return NULL;
}

const ReaperKernel *real_kernel_ops(RealKernel *k) {
        return &k->ops;
}

/* ---- the batch ---- */

static void set_outcome(ReapCandidate *c, ReapOutcome outcome, int error, const char *detail) {
        c->outcome = outcome;
        c->error = error;
        c->detail = detail;
}

/* Activity the daemon did not cause: every time field but ctime, which the fence moved. */
static bool same_activity(const IpcObject *a, const IpcObject *b) {
        switch (a->kind) {
        case IPC_KIND_SHM:
                return a->atime == b->atime && a->dtime == b->dtime && a->cpid == b->cpid &&
                       a->lpid == b->lpid;
        case IPC_KIND_SEM:
                return a->otime == b->otime && a->nsems == b->nsems;
        case IPC_KIND_MSG:
                return a->stime == b->stime && a->rtime == b->rtime && a->lspid == b->lspid &&
                       a->lrpid == b->lrpid && a->messages == b->messages && a->size == b->size;
        case IPC_KIND_POSIX_SHM:
        case IPC_KIND_POSIX_SEM:
        case IPC_KIND_POSIX_MQ:
                return a->mtime == b->mtime && a->size == b->size;
        default:
                return false;
        }
}

static bool has_pid(const IpcObject *o, pid_t pid) {
        for (size_t i = 0; i < o->n_pids; i++)
                if (o->pids[i].pid == pid)
                        return true;
        return false;
}

static void fence(const ReaperKernel *k, ReapCandidate *c) {
        const IpcObject *o = c->seen;
        int r;

        r = k->set_mode(o, o->ctime, o->mode & 0777, 0, &c->fence_ctime, k->userdata);
        if (r == -EINVAL || r == -EIDRM || r == -ENOENT)
                set_outcome(c, REAP_GONE, 0, "already gone");
        else if (r == -ESTALE)
                set_outcome(c, REAP_CHANGED, 0, "it changed since the scan");
        else if (r < 0)
                set_outcome(c, REAP_FAILED, -r,
                            r == -EPERM ? "cannot fence it (IPC_SET needs CAP_SYS_ADMIN)"
                                        : "cannot fence it (IPC_SET failed)");
        else
                c->fenced = true;
}

static void unfence(const ReaperKernel *k, ReapCandidate *c) {
        const IpcObject *o = c->seen;
        int64_t ctime;
        int r;

        /* Only while it is the same object and still at the daemon's 0000: a mode its owner
         * set since wins. Whatever moved its ctime meanwhile (a use: a write, a send) does not
         * matter here. */
        r = k->set_mode(o, -1, 0, o->mode & 0777, &ctime, k->userdata);
        if (r < 0 && r != -EINVAL && r != -EIDRM && r != -ENOENT && r != -ESTALE) {
                /* Still fenced: its intent stays unsettled, and the next pass tries again. */
                log_error_errno(r,
                                "Failed to give %s %d its mode %04o back; trying again at the "
                                "next pass: %m",
                                ipc_kind_to_string(o->kind), o->id, o->mode & 0777);
                set_outcome(c, REAP_FAILED, -r, "cannot give its mode back");
                return;
        }
        c->fenced = false;
}

static void remove_checked(const ReaperKernel *k, ReapCandidate *c);

/* The re-check after the grace period: the object is read afresh and judged afresh, with
 * the daemon's own fence taken out of the comparison. */
static void recheck(const ReaperKernel *k, const Policy *p, int64_t now, ReapCandidate *c) {
        const IpcObject *seen = c->seen;
        IpcObject fresh = { 0 };
        int r;

        r = k->stat(seen, &fresh, k->userdata);
        if (r == -EINVAL || r == -EIDRM || r == -ENOENT) {
                set_outcome(c, REAP_GONE, 0, "already gone");
                c->fenced = false;
                return;
        }
        if (r < 0) {
                /* Cannot look at it: cannot vouch that it is unused either. */
                set_outcome(c, REAP_FAILED, -r, "could not re-read it");
                goto keep;
        }
        if (!fresh.ns)
                fresh.ns = ipc_namespace_ref((IpcNamespace *) seen->ns);
        if (!ipc_object_same_object(seen, &fresh)) {
                set_outcome(c, REAP_CHANGED, 0,
                            ipc_kind_is_posix(seen->kind) ? "the name now names another file"
                                                          : "the id now names another object");
                c->fenced = false; /* Not ours to touch. */
                goto done;
        }
        if ((fresh.mode & 0777) != 0) {
                /* Its owner set a mode after the fence: they decide its mode. */
                set_outcome(c, REAP_CHANGED, 0, "its owner changed it since the fence");
                c->fenced = false;
                goto done;
        }
        if (fresh.ctime != c->fence_ctime) {
                /* Changed since the fence: used through a descriptor opened before it (a
                 * write, a send), or an IPC_SET that kept 0000. */
                set_outcome(c, REAP_CHANGED, 0, "it was used since the fence");
                goto keep;
        }
        if (!same_activity(seen, &fresh)) {
                set_outcome(c, REAP_CHANGED, 0, "it was used since the scan");
                goto keep;
        }
        for (size_t i = 0; i < fresh.n_pids; i++)
                if (!has_pid(seen, fresh.pids[i].pid)) {
                        set_outcome(c, REAP_CHANGED, 0, "a recorded pid changed since the scan");
                        goto keep;
                }

        /* Judged as the pass judged it, with fresh liveness and waiters, and the ctime the
         * object had before the daemon's fence. */
        int64_t fresh_ctime = fresh.ctime;
        uint32_t kernel_cuid = fresh.cuid, kernel_cgid = fresh.cgid;
        fresh.ctime = seen->ctime;
        fresh.creator_unknown = seen->creator_unknown;
        if (c->restored) {
                fresh.cuid = c->restored_cuid;
                fresh.cgid = c->restored_cgid;
        }
        for (size_t i = 0; i < fresh.n_pids; i++)
                fresh.pids[i].alive = k->pid_alive(fresh.pids[i].pid,
                                                   ipc_object_last_activity(&fresh), k->userdata);
        EvaluationContext ctx = {
                .now = now,
                .owner_has_processes = k->owner_has_processes,
                .userdata = k->userdata,
        };
        Verdict v = policy_evaluate(p, &fresh, c->creator_comm, &ctx);
        if (v.state != OBJECT_ORPHAN || v.rule != c->rule) {
                if (v.pending & PENDING_IN_USE)
                        set_outcome(c, REAP_IN_USE, 0, "it came into use");
                else if (v.pending & (PENDING_PIDS_ALIVE | PENDING_NO_PIDS_OWNER_RUNNING |
                                      PENDING_NO_PIDS_OWNER_UNKNOWN | PENDING_OWNER_PROCESSES |
                                      PENDING_OWNER_PROCESSES_UNKNOWN))
                        set_outcome(c, REAP_IN_USE, 0, "a process that may use it is alive");
                else
                        set_outcome(c, REAP_CHANGED, 0, "it is no longer an orphan of its rule");
                goto keep;
        }

        if (c->writer) {
                /* Copied, committed and re-checked again before it goes. */
                fresh.ctime = fresh_ctime;
                fresh.cuid = kernel_cuid;
                fresh.cgid = kernel_cgid;
                c->checked = fresh;
                c->awaiting_copy = true;
                return;
        }
        remove_checked(k, c);
        goto done;
keep:
        unfence(k, c);
done:
        ipc_object_done(&fresh);
}

static void remove_checked(const ReaperKernel *k, ReapCandidate *c) {
        const IpcObject *seen = c->seen;
        int r;

        r = k->remove(seen, k->userdata);
        if (r == -EINVAL || r == -EIDRM || r == -ENOENT) {
                set_outcome(c, REAP_GONE, 0, "already gone");
                c->fenced = false;
        } else if (r < 0) {
                set_outcome(c, REAP_FAILED, -r,
                            r == -EPERM ? "permission denied (needs CAP_SYS_ADMIN)"
                                        : "IPC_RMID failed");
        } else {
                set_outcome(c, REAP_REMOVED, 0, NULL);
                c->fenced = false;
                return;
        }
        if (r < 0 && c->fenced && r != -EINVAL && r != -EIDRM && r != -ENOENT)
                unfence(k, c);
}

/* Marks the fenced candidates in the log: after a crash, only an object the daemon had
 * fenced and that is gone counts as its removal. */
static int log_fenced(RemovalLog *log, const RemovalIntent *intents, const ReapCandidate *c,
                      size_t n, size_t fenced) {
        _cleanup_free_ RemovalIntent *marks = calloc(fenced, sizeof(RemovalIntent));
        _cleanup_free_ RemovalOutcome *outcomes = calloc(fenced, sizeof(RemovalOutcome));
        size_t m = 0;

        if (!marks || !outcomes)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (c[i].fenced) {
                        marks[m] = (RemovalIntent){ .seq = intents[i].seq };
                        outcomes[m++] = REMOVAL_OUTCOME_FENCED;
                }
        return removal_log_write_outcomes(log, marks, outcomes, m);
}

/* ---- the quarantine ---- */

const char *reaper_changed_since_copy(const IpcObject *before, const IpcObject *after,
                                      int64_t fence_ctime, pid_t self) {
        if (!ipc_object_same_object(before, after))
                return ipc_kind_is_posix(before->kind) ? "the name now names another file"
                                                       : "the id now names another object";
        if ((after->mode & 0777) != 0)
                return "its owner changed it since the fence";
        if (after->ctime != fence_ctime)
                return "it was used while its contents were copied";
        if (ipc_object_in_use(after) != 0)
                return "it came into use while its contents were copied";
        switch (before->kind) {
        case IPC_KIND_SHM:
                /* The copy's attach and detach: lpid becomes the daemon's, atime and dtime
                 * move. Another process's attach leaves its pid, or is still attached. */
                if (after->cpid != before->cpid || after->size != before->size ||
                    (after->lpid != before->lpid && after->lpid != self))
                        return "it was attached while its contents were copied";
                break;
        default:
                if (!same_activity(before, after))
                        return "it was used while its contents were copied";
        }
        for (size_t i = 0; i < after->n_pids; i++)
                if (!has_pid(before, after->pids[i].pid))
                        return "a recorded pid changed while its contents were copied";
        return NULL;
}

/* The copies of the candidates that passed the re-check, committed together, then each
 * re-checked once more and removed, or kept with its mode back and its copy dropped. */
static void quarantine_batch(const ReaperKernel *k, ReapCandidate *c, size_t n,
                             QuarantineStore *store, unsigned kinds) {
        _cleanup_free_ QuarantineWriter **writers = NULL;
        _cleanup_free_ json_t **metas = NULL;
        _cleanup_free_ size_t *index = NULL;
        _cleanup_free_ int *results = NULL;
        size_t m = 0;
        int r;

        for (size_t i = 0; i < n; i++)
                if (c[i].awaiting_copy)
                        m++;
        if (m == 0)
                return;
        writers = calloc(m, sizeof(QuarantineWriter *));
        metas = calloc(m, sizeof(json_t *));
        index = calloc(m, sizeof(size_t));
        results = calloc(m, sizeof(int));
        m = 0;
        for (size_t i = 0; i < n; i++) {
                ReapCandidate *ci = &c[i];
                uint64_t bytes = 0;
                json_t *meta;

                if (!ci->awaiting_copy)
                        continue;
                meta = ci->metadata ? json_deep_copy(ci->metadata) : json_object();
                r = !writers || !metas || !index || !results || !meta || !store ? -ENOMEM : 0;
                if (r >= 0)
                        r = k->copy(ci->seen, quarantine_writer_fd(ci->writer), meta, &bytes,
                                    k->userdata);
                if (r >= 0 && ci->restored &&
                    (json_object_set_new(meta, "creatorUid",
                                         json_integer((json_int_t) ci->restored_cuid)) < 0 ||
                     json_object_set_new(meta, "creatorGid",
                                         json_integer((json_int_t) ci->restored_cgid)) < 0))
                        r = -ENOMEM;
                if (r < 0) {
                        const char *why = quarantine_copy_kept_reason(r);
                        json_decref(meta);
                        ci->quarantine_refused = why != NULL;
                        set_outcome(ci, why ? REAP_CHANGED : REAP_FAILED, why ? 0 : -r,
                                    why ? why : "cannot copy its contents to the quarantine");
                        if (r == -ESTALE)
                                set_outcome(ci, REAP_CHANGED, 0,
                                            "it changed while its contents were copied");
                        ci->awaiting_copy = false;
                        ci->writer = quarantine_store_abort(ci->writer);
                        ipc_object_done(&ci->checked);
                        unfence(k, ci);
                        continue;
                }
                writers[m] = TAKE_PTR(ci->writer);
                metas[m] = meta;
                index[m++] = i;
        }
        if (m == 0)
                return;

        (void) quarantine_store_commit_many(store, writers, metas, m, results);
        for (size_t j = 0; j < m; j++)
                json_decref(metas[j]);

        /* What the copies did to the process views (none) and what others did meanwhile:
         * read afresh, as for the first re-check. */
        r = k->begin_recheck(kinds, k->userdata);
        for (size_t j = 0; j < m; j++) {
                ReapCandidate *ci = &c[index[j]];
                IpcObject after = { 0 };
                const char *changed;
                char id[QUARANTINE_ID_MAX];
                int q;

                ci->awaiting_copy = false;
                snprintf(id, sizeof(id), "%s", ci->quarantine_id);
                if (results[j] < 0) {
                        set_outcome(ci, REAP_FAILED, -results[j],
                                    results[j] == -ENOSPC
                                            ? "the quarantine store or its disk is full"
                                            : "cannot write its copy to the quarantine store");
                        ci->quarantine_refused = results[j] == -ENOSPC;
                        goto keep;
                }
                if (r < 0) {
                        set_outcome(ci, REAP_FAILED, -r, "cannot re-read the processes");
                        goto drop;
                }
                q = k->stat(ci->seen, &after, k->userdata);
                if (q == -EINVAL || q == -EIDRM || q == -ENOENT) {
                        /* Someone else removed it: not the daemon's removal. */
                        set_outcome(ci, REAP_GONE, 0, "already gone");
                        ci->fenced = false;
                        goto drop;
                }
                if (q < 0) {
                        set_outcome(ci, REAP_FAILED, -q, "could not re-read it");
                        goto drop;
                }
                if (!after.ns)
                        after.ns = ipc_namespace_ref(ci->seen->ns);
                changed =
                        reaper_changed_since_copy(&ci->checked, &after, ci->fence_ctime, getpid());
                if (changed && !ipc_object_same_object(&ci->checked, &after))
                        ci->fenced = false;
                else if (changed && (after.mode & 0777) != 0)
                        ci->fenced = false;
                ipc_object_done(&after);
                if (changed) {
                        set_outcome(ci,
                                    ipc_object_in_use(&ci->checked) ? REAP_IN_USE : REAP_CHANGED, 0,
                                    changed);
                        goto drop;
                }
                remove_checked(k, ci);
                if (ci->outcome == REAP_REMOVED) {
                        ipc_object_done(&ci->checked);
                        continue;
                }
        drop:
                /* The object stays (or went some other way): its copy is no removal's. */
                if (quarantine_store_remove(store, id) < 0)
                        log_warning("Failed to drop quarantine entry %s of an object kept.", id);
                ci->quarantine_id[0] = 0;
        keep:
                ipc_object_done(&ci->checked);
                if (ci->fenced)
                        unfence(k, ci);
        }
}

void reaper_remove_batch(const ReaperKernel *k, const Policy *p, int64_t now, ReapCandidate *c,
                         size_t n, RemovalLog *log, const RemovalIntent *intents,
                         QuarantineStore *store) {
        unsigned kinds = 0;
        size_t fenced = 0;
        int r;

        for (size_t i = 0; i < n; i++) {
                c[i].fenced = false;
                c[i].awaiting_copy = false;
                c[i].checked = (IpcObject){ 0 };
                c[i].quarantine_id[0] = 0;
                if (c[i].writer)
                        snprintf(c[i].quarantine_id, sizeof(c[i].quarantine_id), "%s",
                                 quarantine_writer_id(c[i].writer));
                set_outcome(&c[i], REAP_FAILED, 0, "not reached");
                fence(k, &c[i]);
                if (c[i].fenced) {
                        fenced++;
                        kinds |= 1u << c[i].seen->kind;
                }
        }
        if (fenced == 0) {
                for (size_t i = 0; i < n; i++) {
                        c[i].writer = quarantine_store_abort(c[i].writer);
                        c[i].quarantine_id[0] = 0;
                }
                return;
        }

        /* One grace period for the whole batch: it costs tens of milliseconds. */
        r = log && intents ? log_fenced(log, intents, c, n, fenced) : 0;
        if (r >= 0)
                r = k->grace_period(k->userdata);
        if (r >= 0)
                r = k->begin_recheck(kinds, k->userdata);
        if (r < 0) {
                log_error_errno(r,
                                "Cannot wait for calls that passed their permission check before "
                                "the fence (membarrier) or re-read processes, keeping %zu "
                                "object%s: %m",
                                fenced, fenced == 1 ? "" : "s");
                for (size_t i = 0; i < n; i++)
                        if (c[i].fenced) {
                                set_outcome(&c[i], REAP_FAILED, -r,
                                            "cannot wait out calls already past the fence");
                                unfence(k, &c[i]);
                        }
                for (size_t i = 0; i < n; i++) {
                        c[i].writer = quarantine_store_abort(c[i].writer);
                        c[i].quarantine_id[0] = 0;
                }
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (c[i].fenced)
                        recheck(k, p, now, &c[i]);
        quarantine_batch(k, c, n, store, kinds);
        for (size_t i = 0; i < n; i++)
                c[i].writer = quarantine_store_abort(c[i].writer);
}

/* ---- after a crash ---- */

/* One intent settled against the kernel: its outcome, or a negative errno to try later. */
/* The intent's quarantine copy, when the object was not removed: no removal's, dropped. */
static void drop_copy(QuarantineStore *store, RemovalIntent *in) {
        const char *id = in->event.quarantine_id;

        if (!store || !id[0])
                return;
        if (quarantine_store_get(store, id, NULL) >= 0 && quarantine_store_remove(store, id) >= 0)
                log_info("Dropped quarantine entry %s: its object was not removed.", id);
        in->event.quarantine_id[0] = 0;
}

static int recover_one(const ReaperKernel *k, QuarantineStore *store, RemovalIntent *in,
                       RemovalOutcome *ret, size_t *restored) {
        IpcObject probe = removal_intent_object(in), now = { 0 };
        int r;

        if (!k) {
                *ret = REMOVAL_OUTCOME_KEPT;
                drop_copy(store, in);
                return 0;
        }
        r = k->stat(&probe, &now, k->userdata);
        if (!now.ns)
                now.ns = ipc_namespace_ref(probe.ns);
        if (r == -EINVAL || r == -EIDRM || r == -ENOENT ||
            (r >= 0 && !ipc_object_same_object(&probe, &now))) {
                /* Gone. If the daemon had fenced it, it removed it right before it
                 * stopped (its owner removing it in those milliseconds is the one case
                 * miscounted); if not, it went some other way and is no removal of
                 * the daemon's. */
                *ret = in->fenced ? REMOVAL_OUTCOME_REMOVED : REMOVAL_OUTCOME_KEPT;
                /* A quarantined object is removed only after its copy is complete in the
                 * store: without it, it went some other way. */
                if (in->event.quarantine_id[0] &&
                    (!store || quarantine_store_get(store, in->event.quarantine_id, NULL) < 0)) {
                        *ret = REMOVAL_OUTCOME_KEPT;
                        in->event.quarantine_id[0] = 0;
                }
                if (*ret == REMOVAL_OUTCOME_KEPT)
                        drop_copy(store, in);
                ipc_object_done(&now);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r,
                                       "Failed to re-read %s %d after a restart, trying again at "
                                       "the next pass: %m",
                                       ipc_kind_to_string(in->kind), in->id);
        *ret = REMOVAL_OUTCOME_KEPT;
        drop_copy(store, in);
        if ((now.mode & 0777) == 0 && (in->mode & 0777) != 0) {
                int64_t ctime;
                r = k->set_mode(&probe, -1, 0, in->mode & 0777, &ctime, k->userdata);
                if (r < 0 && r != -EINVAL && r != -EIDRM && r != -ENOENT && r != -ESTALE) {
                        ipc_object_done(&now);
                        return log_error_errno(r,
                                               "Failed to give %s %d its mode %04o back, trying "
                                               "again at the next pass: %m",
                                               ipc_kind_to_string(in->kind), in->id,
                                               in->mode & 0777);
                }
                (*restored)++;
                log_notice("Gave %s %d (namespace %s) its mode %04o back: the daemon had fenced "
                           "it before it stopped.",
                           ipc_kind_to_string(in->kind), in->id, ipc_object_namespace_name(&probe),
                           in->mode & 0777);
        }
        ipc_object_done(&now);
        return 0;
}

int reaper_recover(const ReaperKernel *k, Tracker *t, QuarantineStore *store,
                   bool (*select)(const RemovalIntent *in, void *userdata), void *userdata) {
        RemovalLog *log = t->removal_log;
        _cleanup_free_ RemovalOutcome *outcomes = NULL;
        _cleanup_free_ RemovalIntent *picked = NULL;
        _cleanup_free_ size_t *index = NULL;
        size_t restored = 0, removed = 0, n = 0, kept = 0;
        int r;

        if (!log || log->n_unfinished == 0)
                return 0;
        outcomes = calloc(log->n_unfinished, sizeof(RemovalOutcome));
        picked = calloc(log->n_unfinished, sizeof(RemovalIntent));
        index = calloc(log->n_unfinished, sizeof(size_t));
        if (!outcomes || !picked || !index)
                return log_oom();
        for (size_t i = 0; i < log->n_unfinished; i++) {
                RemovalIntent *in = &log->unfinished[i];

                if (select && !select(in, userdata))
                        continue;
                r = recover_one(k, store, in, &outcomes[n], &restored);
                if (r < 0)
                        return r;
                index[n] = i;
                picked[n++] = *in; /* a shallow copy, for writing the outcomes */
        }
        if (n == 0)
                return 0;
        r = removal_log_write_outcomes(log, picked, outcomes, n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                RemovalIntent *in = &log->unfinished[index[i]];
                if (outcomes[i] == REMOVAL_OUTCOME_REMOVED) {
                        removed++;
                        if (tracker_record_removal(t, &in->event) < 0)
                                log_oom();
                }
                removal_intent_done(in);
                in->seq = 0; /* settled: leaves the list below */
        }
        for (size_t i = 0, j = 0; i < log->n_unfinished; i++) {
                /* index[] is ascending: the settled ones are exactly those. */
                if (j < n && index[j] == i) {
                        j++;
                        continue;
                }
                log->unfinished[kept++] = log->unfinished[i];
        }
        log->n_unfinished = kept;
        t->dirty = true;
        if (k)
                log_info("Settled the removals under way at the last stop: %zu removed, %zu "
                         "given their mode back.",
                         removed, restored);
        else
                log_notice("%zu removal%s under way at the last stop were in a namespace that "
                           "is gone: their objects went with it.",
                           n, n == 1 ? "" : "s");
        return 0;
}
