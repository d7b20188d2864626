/* SPDX-License-Identifier: MIT */
/* One scan-and-reap pass: read the kernel's tables, judge liveness, track, evaluate every
 * object under the policy, and remove the orphans of reap rules. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "journal.h"
#include "namespaces.h"
#include "log.h"
#include "macro.h"
#include "posixipc.h"
#include "quarantine.h"
#include "reaper.h"
#include "scan.h"
#include "sem-cache.h"
#include "sysvipc.h"

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

int scan_owner_has_processes(uint32_t uid, void *userdata) {
        return process_uid_has_processes(userdata, uid);
}

static void fill_liveness(ProcessCache *cache, IpcObject *o) {
        int64_t last = ipc_object_last_activity(o);

        for (size_t i = 0; i < o->n_pids; i++)
                o->pids[i].alive = process_alive_since(cache, o->pids[i].pid, last);
}

/* The first time one of its pids is seen alive, that process is recorded as the creator.
 * pids[] lists cpid (shm) or lspid (msg) first, so the likeliest creator wins. A process that
 * started after the object was made (ctime) reused the pid of whoever made it. */
static void attribute_creator(ProcessCache *cache, Tracker *tracker, TrackedObject *tracked,
                              const IpcObject *o) {
        if (tracked->creator.pid > 0)
                return;
        for (size_t i = 0; i < o->n_pids; i++) {
                Creator c;
                if (!o->pids[i].alive || !process_alive_since(cache, o->pids[i].pid, o->ctime) ||
                    process_read_creator(cache, o->pids[i].pid, &c) < 0)
                        continue;
                tracked->creator = c;
                tracker->dirty = true;
                return;
        }
}

static RemovalEvent removal_event(const IpcObject *o, const Rule *rule, uint64_t idle,
                                  const Creator *creator, int64_t now) {
        RemovalEvent ev = {
                .time = now,
                .kind = o->kind,
                .id = o->id,
                .key = o->key,
                .owner_uid = o->uid,
                .rule = strdup(rule->name),
                .size = o->size,
                .idle_sec = idle,
        };
        if (ipc_kind_is_posix(o->kind))
                ev.name = strdup(ipc_object_display_name(o));
        if (!ipc_object_in_host_namespace(o))
                ev.ns = ipc_namespace_ref(o->ns);
        if (creator_copy(&ev.creator, creator) < 0)
                ev.creator = (Creator){ 0 };
        return ev;
}

/* Queues that would otherwise be orphans: one walk of every thread finds those blocked in
 * msgrcv or msgsnd on them (the kernel's tables do not show it), and they are judged again.
 * No candidate, no walk. */
static void judge_queue_waiters(ScanResult *res, ProcessCache *cache, const ScanOptions *opt,
                                const EvaluationContext *ctx) {
        QueueWaiters w;
        size_t candidates = 0;
        int r;

        for (size_t i = 0; i < res->table.n; i++)
                if (res->table.objects[i].kind == IPC_KIND_MSG &&
                    res->info[i].verdict.state == OBJECT_ORPHAN)
                        candidates++;
        if (candidates == 0)
                return;

        r = sysvipc_read_queue_waiters(opt->procfs, cache->hidepid, &w);
        if (r < 0)
                log_warning_errno(r,
                                  "Failed to look for threads blocked on queues, keeping %zu "
                                  "queue%s: %m",
                                  candidates, candidates == 1 ? "" : "s");
        for (size_t i = 0; i < res->table.n; i++) {
                IpcObject *o = &res->table.objects[i];
                ObjectInfo *info = &res->info[i];

                if (o->kind != IPC_KIND_MSG || info->verdict.state != OBJECT_ORPHAN)
                        continue;
                /* A waiter counts only in the queue's own namespace: the same msqid in
                 * another is another queue. */
                int k = r < 0 ? r : sysvipc_set_queue_waiters(o, &w, o->ns ? o->ns->inode : 0);
                o->users_looked_for = true;
                if (k < 0 && !o->waiters_unknown)
                        o->waiters_unknown = strdup(r < 0 ? "cannot walk the threads in /proc"
                                                          : "out of memory");
                info->verdict = policy_evaluate(res->policy, o, info->creator.comm, ctx);
                if (k < 0 && info->verdict.state == OBJECT_ORPHAN) {
                        /* Not even the reason could be kept: still, cannot tell, keep. */
                        info->verdict.state = OBJECT_IN_USE;
                        info->verdict.pending |= PENDING_MSG_WAITERS_UNKNOWN;
                }
        }
        if (r >= 0) {
                log_debug("Looked at %zu threads of %zu processes for waiters on %zu queue%s.",
                          w.n_threads, w.n_processes, candidates, candidates == 1 ? "" : "s");
                queue_waiters_done(&w);
        }
}

/* POSIX objects that would otherwise be orphans: one walk of every process's maps and fd
 * finds those mapped or held open, and they are judged again. No candidate, no walk. */
static void judge_file_users(ScanResult *res, ProcessCache *cache, const NamespaceSet *set,
                             const EvaluationContext *ctx) {
        _cleanup_free_ uint64_t *devs = calloc(2 * set->n + 1, sizeof(uint64_t));
        FileUsers u;
        size_t candidates = 0, n_devs = 0;
        int r;

        for (size_t i = 0; i < res->table.n; i++)
                if (ipc_kind_is_posix(res->table.objects[i].kind) &&
                    res->info[i].verdict.state == OBJECT_ORPHAN)
                        candidates++;
        if (candidates == 0)
                return;

        if (!devs) {
                log_oom();
                r = -ENOMEM;
        } else {
                /* One walk for the POSIX mounts of every namespace: the processes of a
                 * container are in the host's /proc like any other. */
                for (size_t k = 0; k < set->n; k++) {
                        const NamespaceHandle *h = &set->handles[k];
                        if (h->src.shm_dir && h->shm_dev)
                                devs[n_devs++] = h->shm_dev;
                        if (h->src.mqueue_dir && h->mqueue_dev && h->mqueue_dev != h->shm_dev)
                                devs[n_devs++] = h->mqueue_dev;
                }
                r = posixipc_read_users_of(set->handles[0].src.procfs, devs, n_devs, cache->hidepid,
                                           &u);
        }
        if (r < 0)
                log_warning_errno(r,
                                  "Failed to look for processes using POSIX objects, keeping "
                                  "%zu: %m",
                                  candidates);
        for (size_t i = 0; i < res->table.n; i++) {
                IpcObject *o = &res->table.objects[i];
                ObjectInfo *info = &res->info[i];

                if (!ipc_kind_is_posix(o->kind) || info->verdict.state != OBJECT_ORPHAN)
                        continue;
                int k = r < 0 ? r : posixipc_set_users(o, &u);
                o->users_looked_for = true;
                if (k < 0 && !o->users_unknown)
                        o->users_unknown = strdup(r < 0 ? "cannot walk the processes in /proc"
                                                        : "out of memory");
                info->verdict = policy_evaluate(res->policy, o, info->creator.comm, ctx);
                if (k < 0 && info->verdict.state == OBJECT_ORPHAN) {
                        info->verdict.state = OBJECT_IN_USE;
                        info->verdict.pending |= PENDING_FILE_USERS_UNKNOWN;
                }
        }
        if (r >= 0) {
                log_debug("Looked at %zu processes (%zu descriptors, %zu mappings) for users of "
                          "%zu POSIX object%s.",
                          u.n_processes, u.n_fds, u.n_maps_lines, candidates,
                          candidates == 1 ? "" : "s");
                file_users_done(&u);
        }
}

/* An orphan of a report rule, or of a reap rule in a dry run: logged once per lifetime. */
static void announce_orphan(ScanResult *res, Tracker *tracker, const ScanOptions *opt, size_t i,
                            RemovalEventType type) {
        const IpcObject *o = &res->table.objects[i];
        ObjectInfo *info = &res->info[i];
        TrackedObject *tracked = tracker_observe(tracker, o, res->time);

        if (opt->announce_every_pass || !tracked || !tracked->announced)
                journal_log_removal(type, o, res->policy->rules[info->verdict.rule].name,
                                    ipc_object_idle_sec(o, res->time), &info->creator, NULL);
        if (tracked)
                tracked->announced = true;
}

/* Settles one batch's outcomes: the log first, then the journal, history and counters. */
static void settle_batch(ScanResult *res, Tracker *tracker, const size_t *which,
                         RemovalIntent *intents, const ReapCandidate *c, size_t n, bool *gone) {
        _cleanup_free_ RemovalOutcome *outcomes =
                calloc(MAX(n, (size_t) 1), sizeof(RemovalOutcome));
        _cleanup_free_ RemovalIntent *settled = calloc(MAX(n, (size_t) 1), sizeof(RemovalIntent));
        uint64_t last_seq = intents[n - 1].seq;
        size_t m = 0;

        if (!outcomes || !settled) {
                log_oom();
                return;
        }
        for (size_t j = 0; j < n; j++) {
                if (c[j].fenced)
                        continue; /* Still at 0000: no outcome yet, see below. */
                settled[m] = (RemovalIntent){ .seq = intents[j].seq };
                outcomes[m++] = c[j].outcome == REAP_REMOVED ? REMOVAL_OUTCOME_REMOVED
                                                             : REMOVAL_OUTCOME_KEPT;
        }
        /* On failure the intents stay unfinished in the file: the next start settles them
         * against the kernel, so no record is lost either way. */
        if (m > 0)
                (void) removal_log_write_outcomes(tracker->removal_log, settled, outcomes, m);

        for (size_t j = 0; j < n; j++) {
                size_t i = which[j];
                const IpcObject *o = &res->table.objects[i];
                ObjectInfo *info = &res->info[i];
                const char *rule = res->policy->rules[info->verdict.rule].name;
                uint64_t idle = ipc_object_idle_sec(o, res->time);
                char buf[256];

                if (c[j].quarantine_refused) {
                        info->verdict.state = OBJECT_IDLE;
                        info->verdict.pending |= c[j].outcome == REAP_FAILED
                                                         ? PENDING_QUARANTINE_FULL
                                                         : PENDING_QUARANTINE_UNCOPYABLE;
                }
                switch (c[j].outcome) {
                case REAP_REMOVED:
                        if (c[j].quarantine_id[0])
                                journal_log_removal(REMOVAL_QUARANTINED, o, rule, idle,
                                                    &info->creator, c[j].quarantine_id);
                        else
                                journal_log_removal(REMOVAL_DONE, o, rule, idle, &info->creator,
                                                    NULL);
                        snprintf(intents[j].event.quarantine_id,
                                 sizeof(intents[j].event.quarantine_id), "%s", c[j].quarantine_id);
                        if (tracker_record_removal(tracker, &intents[j].event) < 0)
                                log_oom();
                        tracker_forget_object(tracker, o);
                        res->reaped++;
                        res->reclaimed_bytes += o->size;
                        gone[i] = true;
                        break;
                case REAP_GONE:
                        log_debug("%s %d vanished before removal.", ipc_kind_to_string(o->kind),
                                  o->id);
                        tracker_forget_object(tracker, o);
                        gone[i] = true;
                        break;
                case REAP_CHANGED:
                case REAP_IN_USE:
                        journal_log_removal(REMOVAL_SKIPPED, o, rule, idle, &info->creator,
                                            c[j].detail);
                        res->skipped++;
                        break;
                case REAP_FAILED:
                default:
                        snprintf(buf, sizeof(buf), "%s%s%s", c[j].detail, c[j].error ? ": " : "",
                                 c[j].error ? strerror(c[j].error) : "");
                        journal_log_removal(REMOVAL_FAILED, o, rule, idle, &info->creator, buf);
                        res->failed++;
                        break;
                }
                if (c[j].fenced) {
                        /* Its mode could not be given back: the next pass tries again, and no
                         * save marks it settled meanwhile. */
                        intents[j].fenced = true;
                        if (removal_log_keep_unfinished(tracker->removal_log, &intents[j]) < 0)
                                log_oom();
                }
                removal_intent_done(&intents[j]);
        }
        tracker->log_applied = last_seq;
        tracker->dirty = true;
}

/* An orphan of a Quarantine=yes rule whose copy has no room (or no store): it stays, and the
 * journal and Explain say why. */
static void keep_for_quarantine(ScanResult *res, size_t i, int error, QuarantineStore *store) {
        const IpcObject *o = &res->table.objects[i];
        ObjectInfo *info = &res->info[i];
        char buf[160];

        info->verdict.state = OBJECT_IDLE;
        info->verdict.pending |= PENDING_QUARANTINE_FULL;
        snprintf(buf, sizeof(buf), "Quarantine=yes: %s",
                 !store             ? "there is no quarantine store (see the log at start)"
                 : error == -ENOSPC ? "its copy does not fit in QuarantineMaxBytes or on the disk"
                                    : strerror(-error));
        journal_log_removal(REMOVAL_SKIPPED, o, res->policy->rules[info->verdict.rule].name,
                            ipc_object_idle_sec(o, res->time), &info->creator, buf);
        res->skipped++;
}

/* Removes the orphans which[0..n) of reap rules, in batches: intents written durably, then
 * fence, one grace period, re-check, removal, outcomes. Runs in the orphans' namespace. */
static void reap_orphans(ScanResult *res, Tracker *tracker, const ReaperKernel *kernel,
                         QuarantineStore *store, const size_t *which, size_t n, bool *gone) {
        _cleanup_free_ RemovalIntent *intents = NULL;
        _cleanup_free_ ReapCandidate *c = NULL;
        _cleanup_free_ IpcObject *kernel_view = NULL;
        _cleanup_free_ size_t *picked = NULL;
        size_t batch = MIN(n, (size_t) SCAN_REAP_BATCH_MAX);

        if (n == 0)
                return;
        if (!tracker->removal_log) {
                log_warning("No removal log in the state directory: keeping %zu orphan%s, "
                            "since their removal could not be recorded.",
                            n, n == 1 ? "" : "s");
                res->failed += n;
                return;
        }
        intents = calloc(batch, sizeof(RemovalIntent));
        c = calloc(batch, sizeof(ReapCandidate));
        kernel_view = calloc(batch, sizeof(IpcObject));
        picked = calloc(batch, sizeof(size_t));
        if (!intents || !c || !kernel_view || !picked) {
                log_oom();
                return;
        }
        for (size_t first = 0; first < n; first += batch) {
                size_t m = 0, size = MIN(batch, n - first);

                for (size_t l = 0; l < size; l++) {
                        const IpcObject *o = &res->table.objects[which[first + l]];
                        ObjectInfo *info = &res->info[which[first + l]];
                        const Rule *rule = &res->policy->rules[info->verdict.rule];
                        QuarantineWriter *writer = NULL;
                        json_t *meta = NULL;
                        size_t j = m;

                        if (rule->quarantine) {
                                /* No removal without room for its copy: kept, and said why. */
                                int q = store ? quarantine_prepare(store, o, rule->name,
                                                                   &info->creator, res->time,
                                                                   &writer, &meta)
                                              : -ENOSPC;
                                if (q < 0) {
                                        keep_for_quarantine(res, which[first + l], q, store);
                                        continue;
                                }
                        }
                        /* The kernel's calls need the object as the kernel has it. */
                        kernel_view[j] = *o;
                        if (info->restored) {
                                kernel_view[j].cuid = info->kernel_cuid;
                                kernel_view[j].cgid = info->kernel_cgid;
                        }
                        o = &kernel_view[j];
                        picked[m++] = which[first + l];
                        intents[j] = (RemovalIntent){
                                .kind = o->kind,
                                .id = o->id,
                                .key = o->key,
                                .cuid = o->cuid,
                                .ctime = o->ctime,
                                .mode = o->mode & 0777,
                                .name = o->name ? strdup(o->name) : NULL,
                                .dev = o->dev,
                                .ino = o->ino,
                                .uid = o->uid,
                                .event = removal_event(o, rule, ipc_object_idle_sec(o, res->time),
                                                       &info->creator, res->time),
                        };
                        c[j] = (ReapCandidate){
                                .seen = o,
                                .rule = info->verdict.rule,
                                .creator_comm = info->creator.comm,
                                .writer = writer,
                                .metadata = meta,
                                .restored = info->restored,
                                .restored_cuid = res->table.objects[which[first + l]].cuid,
                                .restored_cgid = res->table.objects[which[first + l]].cgid,
                        };
                        if (writer)
                                snprintf(intents[j].event.quarantine_id,
                                         sizeof(intents[j].event.quarantine_id), "%s",
                                         quarantine_writer_id(writer));
                }
                if (m == 0)
                        continue;
                if (removal_log_write_intents(tracker->removal_log, intents, m) < 0) {
                        /* Nothing was touched: keep them all, say so once. */
                        log_error("Keeping %zu orphan%s: their removal could not be recorded.", m,
                                  m == 1 ? "" : "s");
                        for (size_t j = 0; j < m; j++) {
                                removal_intent_done(&intents[j]);
                                quarantine_store_abort(c[j].writer);
                                json_decref(c[j].metadata);
                        }
                        res->failed += m;
                        continue;
                }
                reaper_remove_batch(kernel, res->policy, res->time, c, m, tracker->removal_log,
                                    intents, store);
                for (size_t j = 0; j < m; j++)
                        json_decref(c[j].metadata);
                settle_batch(res, tracker, picked, intents, c, m, gone);
        }
}

/* The work of a pass that must happen inside one namespace, on its thread (namespace.h). */
typedef struct NamespaceWork {
        ScanResult *res;
        Tracker *tracker;
        const ScanOptions *opt;
        const NamespaceHandle *h;
        NamespaceResult *nr;
        /* Its objects: res->table.objects[first, first + n). */
        size_t first, n;
        /* Its orphans to remove, and the pass's removed marks. */
        const size_t *which;
        size_t n_which;
        bool *gone;
        /* Semaphore sets whose waiters to read (would-be orphans), and the results. */
        size_t *sem_candidates;
        size_t n_sem_candidates;
        int *sem_results;
} NamespaceWork;

/* The kernel the reaper acts through: the test's, or the real one of this thread's
 * namespace. */
static int namespace_kernel(const NamespaceWork *w, RealKernel **real, const ReaperKernel **ret) {
        int r;

        if (w->opt->kernel) {
                *ret = w->opt->kernel;
                return 0;
        }
        r = real_kernel_new(&w->h->src, w->h->ns->inode, real);
        if (r < 0)
                return r;
        *ret = real_kernel_ops(*real);
        return 0;
}

static bool intent_in_namespace(const RemovalIntent *in, void *userdata) {
        const NamespaceHandle *h = userdata;
        return ipc_namespace_same(in->event.ns, h->ns);
}

static bool intent_namespace_gone(const RemovalIntent *in, void *userdata) {
        return !namespace_set_find(userdata, in->event.ns);
}

/* Settles what the daemon was removing here when it stopped, then reads every kind. */
static int namespace_read(void *userdata) {
        NamespaceWork *w = userdata;
        ObjectTable *t = &w->res->table;
        RealKernel *real = NULL;
        const ReaperKernel *kernel;
        int r;

        if (w->tracker->removal_log && w->tracker->removal_log->n_unfinished > 0 &&
            namespace_kernel(w, &real, &kernel) >= 0) {
                (void) reaper_recover(kernel, w->tracker, w->opt->quarantine, intent_in_namespace,
                                      (void *) w->h);
                real_kernel_free(real);
        }

        KindSources src = w->h->src;
        SemCache cache;

        sem_cache_init(&cache, w->opt->previous, w->h->ns, w->res->time);
        src.sem_cache = w->opt->previous ? &cache.ops : NULL;
        w->first = t->n;
        for (IpcKind k = 0; k < _IPC_KIND_MAX; k++) {
                const KindOps *ops = kind_ops(k);

                if (!ops)
                        continue;
                if (ipc_kind_is_posix(k) &&
                    !(k == IPC_KIND_POSIX_MQ ? w->h->src.mqueue_dir : w->h->src.shm_dir))
                        continue; /* No such mount of its own. */
                r = ops->read_all(&src, t);
                if (r == -ENOENT && ipc_kind_is_posix(k))
                        continue; /* No such mount here. */
                if (r < 0) {
                        /* Drop what was read of it: a namespace is shown whole or not at all. */
                        for (size_t i = w->first; i < t->n; i++)
                                ipc_object_done(&t->objects[i]);
                        t->n = w->first;
                        sem_cache_done(&cache);
                        return r;
                }
                w->nr->kinds_read |= 1u << k;
        }
        w->res->sem_pids_kept += cache.kept;
        sem_cache_done(&cache);
        w->n = t->n - w->first;
        for (size_t i = w->first; i < t->n; i++)
                t->objects[i].ns = ipc_namespace_ref(w->h->ns);
        return 0;
}

/* The waiters of its would-be orphan semaphore sets (GETNCNT, GETZCNT). */
static int namespace_sem_waiters(void *userdata) {
        NamespaceWork *w = userdata;

        for (size_t j = 0; j < w->n_sem_candidates; j++)
                w->sem_results[j] =
                        sysvipc_read_sem_waiters(&w->res->table.objects[w->sem_candidates[j]]);
        return 0;
}

/* Semaphore sets that would otherwise be orphans: their waiters are read, in their own
 * namespace, and they are judged again. A set kept for another reason (a live pid) is not
 * asked: its state says why it is kept, which the pass knows, not whether someone waits. */
static void judge_sem_waiters(ScanResult *res, NamespaceWork *work, size_t n_work,
                              const EvaluationContext *ctx) {
        _cleanup_free_ size_t *candidates = calloc(MAX(res->table.n, (size_t) 1), sizeof(size_t));
        _cleanup_free_ int *results = calloc(MAX(res->table.n, (size_t) 1), sizeof(int));
        size_t n = 0;

        if (!candidates || !results) {
                log_oom();
                return;
        }
        for (size_t k = 0; k < n_work; k++) {
                NamespaceWork *w = &work[k];
                int r;

                if (!w->nr)
                        continue;
                w->sem_candidates = candidates + n;
                w->sem_results = results + n;
                w->n_sem_candidates = 0;
                for (size_t i = w->first; i < w->first + w->n; i++)
                        if (res->table.objects[i].kind == IPC_KIND_SEM &&
                            res->info[i].verdict.state == OBJECT_ORPHAN)
                                w->sem_candidates[w->n_sem_candidates++] = i;
                if (w->n_sem_candidates == 0)
                        continue;
                n += w->n_sem_candidates;
                r = namespace_run(w->h, namespace_sem_waiters, w);
                for (size_t j = 0; j < w->n_sem_candidates; j++) {
                        IpcObject *o = &res->table.objects[w->sem_candidates[j]];
                        ObjectInfo *info = &res->info[w->sem_candidates[j]];
                        int e = r < 0 ? r : w->sem_results[j];

                        if (e == -EIDRM || e == -EINVAL) {
                                /* Gone meanwhile: whoever removed it, it is no orphan of
                                 * ours any more; the re-check would find it gone too. */
                                info->verdict.state = OBJECT_IN_USE;
                                info->verdict.pending |= PENDING_SEM_UNREADABLE;
                                o->sem_details_error = -e;
                                continue;
                        }
                        if (e < 0 && !o->sem_details_error)
                                o->sem_details_error = -e;
                        info->verdict = policy_evaluate(res->policy, o, info->creator.comm, ctx);
                }
        }
}

/* Removes its orphans (the re-check and the removal act on the namespace that was read:
 * its descriptor has been held since), then reads its limits. */
static int namespace_reap(void *userdata) {
        NamespaceWork *w = userdata;
        RealKernel *real = NULL;
        const ReaperKernel *kernel;
        int r;

        if (w->n_which > 0) {
                r = namespace_kernel(w, &real, &kernel);
                if (r < 0) {
                        log_warning_errno(r, "Keeping %zu orphan%s in namespace %s: %m", w->n_which,
                                          w->n_which == 1 ? "" : "s", w->h->ns->name);
                        w->res->failed += w->n_which;
                } else
                        reap_orphans(w->res, w->tracker, kernel, w->opt->quarantine, w->which,
                                     w->n_which, w->gone);
                real_kernel_free(real);
        }
        return 0;
}

static int namespace_limits(void *userdata) {
        NamespaceWork *w = userdata;
        ObjectTable view = {
                .objects = w->res->table.objects + w->first,
                .n = w->n,
        };

        sysvipc_read_limits(w->h->src.procfs, &view, &w->nr->limits);
        posixipc_read_limits(&w->h->src, &view, w->nr->kinds_read, &w->nr->limits);
        return 0;
}

int scan_run(Policy *policy, Tracker *tracker, const ScanOptions *opt, ScanResult *ret) {
        ScanResult res = { .policy = policy_ref(policy), .dry_run = opt->dry_run };
        ProcessCache cache;
        EvaluationContext ctx;
        NamespaceSet set = { 0 };
        _cleanup_free_ NamespaceWork *work = NULL;
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        size_t kept = 0, n_which = 0, *which = NULL, container_objects = 0;
        bool *gone = NULL;
        const KindSources src = {
                .procfs = opt->procfs,
                .shm_dir = opt->shm_dir ? opt->shm_dir : "/dev/shm",
                .mqueue_dir = opt->mqueue_dir ? opt->mqueue_dir : "/dev/mqueue",
        };
        int r;

        res.time = (int64_t) (now_usec(CLOCK_REALTIME) / 1000000);
        (void) sysvipc_take_sem_calls();
        r = namespaces_discover(&src, policy->daemon.scan_namespaces == SCAN_NAMESPACES_ALL, &set);
        if (r < 0)
                goto fail_early;
        work = calloc(set.n, sizeof(NamespaceWork));
        res.namespaces = calloc(set.n, sizeof(NamespaceResult));
        if (!work || !res.namespaces) {
                r = log_oom();
                goto fail_early;
        }

        r = process_cache_init(&cache, opt->procfs);
        if (r < 0)
                goto fail_early;
        for (size_t k = 0; k < set.n; k++) {
                NamespaceResult *nr = &res.namespaces[res.n_namespaces];

                work[k] = (NamespaceWork){
                        .res = &res,
                        .tracker = tracker,
                        .opt = opt,
                        .h = &set.handles[k],
                        .nr = nr,
                };
                *nr = (NamespaceResult){ .ns = ipc_namespace_ref(set.handles[k].ns) };
                r = namespace_run(&set.handles[k], namespace_read, &work[k]);
                if (r < 0 && k == 0)
                        goto fail; /* The host's own tables: the pass fails. */
                if (r >= 0 && k > 0 && container_objects + work[k].n > SCAN_CONTAINER_OBJECTS_MAX) {
                        /* Over the bound on what containers may hold in the daemon's memory:
                         * this one and the rest wait (root's containers come first). */
                        for (size_t i = work[k].first; i < res.table.n; i++)
                                ipc_object_done(&res.table.objects[i]);
                        res.table.n = work[k].first;
                        log_warning("The IPC namespaces of containers hold more than %d objects: "
                                    "%zu namespace%s not read this pass, from %s on.",
                                    SCAN_CONTAINER_OBJECTS_MAX, set.n - k,
                                    set.n - k == 1 ? "" : "s", set.handles[k].ns->name);
                        ipc_namespace_unref(nr->ns);
                        for (size_t j = k; j < set.n; j++)
                                work[j].nr = NULL;
                        break;
                }
                if (r < 0) {
                        /* Gone, or not ours to enter: skipped, its objects with it. */
                        log_debug_errno(r, "Skipping IPC namespace %s (pid " PID_FMT "): %m",
                                        set.handles[k].ns->name, set.handles[k].holder);
                        ipc_namespace_unref(nr->ns);
                        work[k].nr = NULL;
                        continue;
                }
                if (k > 0)
                        container_objects += work[k].n;
                res.n_namespaces++;
        }
        for (size_t k = 0; k < res.n_namespaces; k++)
                res.kinds_read |= res.namespaces[k].kinds_read;
        /* Removals under way at the last stop in a namespace that no longer exists (none has
         * its identity): their objects went with it. Only with every namespace looked for. */
        if (policy->daemon.scan_namespaces == SCAN_NAMESPACES_ALL && tracker->removal_log &&
            tracker->removal_log->n_unfinished > 0)
                (void) reaper_recover(NULL, tracker, opt->quarantine, intent_namespace_gone, &set);

        res.info = calloc(MAX(res.table.n, (size_t) 1), sizeof(ObjectInfo));
        gone = calloc(MAX(res.table.n, (size_t) 1), sizeof(bool));
        if (!res.info || !gone) {
                r = log_oom();
                goto fail;
        }
        ctx = (EvaluationContext){
                .now = res.time,
                .owner_has_processes = scan_owner_has_processes,
                .userdata = &cache,
        };

        tracker_begin_pass(tracker);
        for (size_t i = 0; i < res.table.n; i++) {
                IpcObject *o = &res.table.objects[i];
                ObjectInfo *info = &res.info[i];
                TrackedObject *tracked;

                fill_liveness(&cache, o);
                tracked = tracker_observe(tracker, o, res.time);
                if (tracked && tracked->restored) {
                        /* Judged and shown as the object it was, not as the daemon's. */
                        info->restored = true;
                        info->kernel_cuid = o->cuid;
                        info->kernel_cgid = o->cgid;
                        o->cuid = tracked->restored_cuid;
                        o->cgid = tracked->restored_cgid;
                }
                if (tracked) {
                        attribute_creator(&cache, tracker, tracked, o);
                        info->first_seen = tracked->first_seen;
                        if (tracked->creator.pid > 0 &&
                            creator_copy(&info->creator, &tracked->creator) < 0)
                                info->creator = (Creator){ 0 };
                } else {
                        /* Out of memory: judge it without a creator, which only ever keeps
                         * more (Creator= matchers fail on an unknown creator). */
                        log_oom();
                        info->first_seen = res.time;
                }

                info->verdict = policy_evaluate(policy, o, info->creator.comm, &ctx);
        }
        res.n_objects = res.table.n;
        tracker_end_pass(tracker);
        judge_sem_waiters(&res, work, set.n, &ctx);
        judge_queue_waiters(&res, &cache, opt, &ctx);
        judge_file_users(&res, &cache, &set, &ctx);
        for (size_t i = 0; i < res.table.n; i++)
                if (res.info[i].verdict.state == OBJECT_ORPHAN)
                        res.n_orphans++;

        which = calloc(MAX(res.table.n, (size_t) 1), sizeof(size_t));
        if (!which) {
                r = log_oom();
                goto fail;
        }
        /* Objects are in the table by namespace, in the order of work[]: so are the orphans
         * picked here, and each namespace removes its own run of them. */
        for (size_t k = 0; k < set.n; k++) {
                NamespaceWork *w = &work[k];

                if (!w->nr)
                        continue;
                w->which = which + n_which;
                w->gone = gone;
                for (size_t i = w->first; i < w->first + w->n; i++) {
                        const Rule *rule;
                        uint64_t max = policy->daemon.max_reaps_per_scan;

                        if (res.info[i].verdict.state != OBJECT_ORPHAN)
                                continue;
                        w->nr->n_orphans++;
                        rule = &policy->rules[res.info[i].verdict.rule];
                        if (rule->action == RULE_ACTION_REPORT) {
                                announce_orphan(&res, tracker, opt, i, REMOVAL_REPORTED);
                                continue;
                        }
                        if (max > 0 && n_which + res.would_reap >= max) {
                                res.deferred++;
                                continue;
                        }
                        if (res.dry_run) {
                                res.would_reap++;
                                announce_orphan(&res, tracker, opt, i, REMOVAL_DRY_RUN);
                                continue;
                        }
                        which[n_which++] = i;
                        w->n_which++;
                }
                w->nr->n_objects = w->n;
                if (w->n_which > 0 && (r = namespace_run(w->h, namespace_reap, w)) < 0) {
                        /* Could not enter it again (its descriptor is held: unlikely). */
                        log_warning_errno(r, "Keeping %zu orphan%s in namespace %s: %m", w->n_which,
                                          w->n_which == 1 ? "" : "s", w->h->ns->name);
                        res.failed += w->n_which;
                }
        }
        if (res.deferred > 0)
                log_notice("%zu more orphan%s wait for the next pass (MaxReapsPerScan=%" PRIu64
                           ").",
                           res.deferred, res.deferred == 1 ? "" : "s",
                           policy->daemon.max_reaps_per_scan);

        /* Removed objects leave the snapshot, so queries show what is there now. Each
         * namespace's run of objects stays together, in order. */
        for (size_t k = 0; k < set.n; k++) {
                NamespaceWork *w = &work[k];
                size_t first = kept;

                if (!w->nr)
                        continue;
                for (size_t i = w->first; i < w->first + w->n; i++) {
                        if (gone[i]) {
                                ipc_object_done(&res.table.objects[i]);
                                creator_done(&res.info[i].creator);
                                continue;
                        }
                        res.counts[res.table.objects[i].kind][res.info[i].verdict.state]++;
                        w->nr->counts[res.table.objects[i].kind][res.info[i].verdict.state]++;
                        if (kept != i) {
                                res.table.objects[kept] = res.table.objects[i];
                                res.info[kept] = res.info[i];
                        }
                        kept++;
                }
                w->first = w->nr->first = first;
                w->n = w->nr->n = kept - first;
        }
        res.table.n = kept;
        for (size_t k = 0; k < set.n; k++)
                if (work[k].nr)
                        (void) namespace_run(work[k].h, namespace_limits, &work[k]);
        res.limits = res.namespaces[0].limits;
        res.full = !opt->previous;
        res.sem_calls = sysvipc_take_sem_calls();
        log_debug("Pass: %s read, %zu semaphore set%s kept their pids from the last pass, "
                  "%" PRIu64 " per-semaphore call%s.",
                  res.full ? "full" : "incremental", res.sem_pids_kept,
                  res.sem_pids_kept == 1 ? "" : "s", res.sem_calls, res.sem_calls == 1 ? "" : "s");
        free(gone);
        free(which);
        process_cache_done(&cache);
        namespace_set_done(&set);
        res.duration_usec = now_usec(CLOCK_MONOTONIC) - start;
        *ret = res;
        return 0;

fail:
        free(gone);
        free(which);
        process_cache_done(&cache);
fail_early:
        namespace_set_done(&set);
        scan_result_done(&res);
        return r;
}

void scan_result_done(ScanResult *r) {
        for (size_t i = 0; r->info && i < r->table.n; i++)
                creator_done(&r->info[i].creator);
        free(r->info);
        object_table_done(&r->table);
        for (size_t i = 0; i < r->n_namespaces; i++)
                ipc_namespace_unref(r->namespaces[i].ns);
        free(r->namespaces);
        policy_free(r->policy);
        *r = (ScanResult){ 0 };
}

/* Atomic: results are dropped by the event loop and by the thread that frees old ones. */
ScanResult *scan_result_ref(ScanResult *r) {
        if (r)
                __atomic_add_fetch(&r->n_ref, 1, __ATOMIC_RELAXED);
        return r;
}

ScanResult *scan_result_unref(ScanResult *r) {
        if (r && __atomic_sub_fetch(&r->n_ref, 1, __ATOMIC_ACQ_REL) == 0) {
                scan_result_done(r);
                free(r);
        }
        return NULL;
}

void scan_result_summary(const ScanResult *r, char *buf, size_t size) {
        size_t n = (size_t) snprintf(buf, size, "%zu object%s, %zu orphan%s, ", r->n_objects,
                                     r->n_objects == 1 ? "" : "s", r->n_orphans,
                                     r->n_orphans == 1 ? "" : "s");
        if (n >= size)
                return;
        if (r->dry_run)
                n += (size_t) snprintf(buf + n, size - n, "%zu would be reaped (dry run)",
                                       r->would_reap);
        else
                n += (size_t) snprintf(buf + n, size - n, "%zu reaped", r->reaped);
        if (n < size && r->deferred)
                n += (size_t) snprintf(buf + n, size - n, ", %zu deferred", r->deferred);
        if (n < size && r->skipped)
                n += (size_t) snprintf(buf + n, size - n, ", %zu skipped", r->skipped);
        if (n < size && r->failed)
                snprintf(buf + n, size - n, ", %zu failed", r->failed);
}
