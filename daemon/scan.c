/* SPDX-License-Identifier: MIT */
/* One scan-and-reap pass: read the kernel's tables, judge liveness, track, evaluate every
 * object under the policy, and remove the orphans of reap rules. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "journal.h"
#include "log.h"
#include "macro.h"
#include "reaper.h"
#include "scan.h"
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
 * pids[] lists cpid (shm) or lspid (msg) first, so the likeliest creator wins. */
static void attribute_creator(ProcessCache *cache, Tracker *tracker, TrackedObject *tracked,
                              const IpcObject *o) {
        if (tracked->creator.pid > 0)
                return;
        for (size_t i = 0; i < o->n_pids; i++) {
                Creator c;
                if (!o->pids[i].alive || process_read_creator(cache, o->pids[i].pid, &c) < 0)
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
        if (creator_copy(&ev.creator, creator) < 0)
                ev.creator = (Creator){ 0 };
        return ev;
}

/* Acts on one orphan of a reap or report rule. Returns true if the object is gone. */
static bool handle_orphan(ScanResult *res, Tracker *tracker, const ScanOptions *opt,
                          const IpcObject *o, ObjectInfo *info, TrackedObject *tracked) {
        const Rule *rule = &res->policy->rules[info->verdict.rule];
        uint64_t max = res->policy->daemon.max_reaps_per_scan;
        uint64_t idle = ipc_object_idle_sec(o, res->time);
        bool announce = opt->announce_every_pass || !tracked || !tracked->announced;
        const char *detail;
        ReapOutcome outcome;
        int error;

        if (rule->action == RULE_ACTION_REPORT) {
                if (announce)
                        journal_log_removal(REMOVAL_REPORTED, o, rule->name, idle, &info->creator,
                                            NULL);
                if (tracked)
                        tracked->announced = true;
                return false;
        }
        if (max > 0 && res->reaped + res->would_reap >= max) {
                res->deferred++;
                return false;
        }
        if (res->dry_run) {
                res->would_reap++;
                if (announce)
                        journal_log_removal(REMOVAL_DRY_RUN, o, rule->name, idle, &info->creator,
                                            NULL);
                if (tracked)
                        tracked->announced = true;
                return false;
        }

        outcome = reaper_remove(o, &error, &detail);
        switch (outcome) {
        case REAP_REMOVED: {
                RemovalEvent ev = removal_event(o, rule, idle, &info->creator, res->time);
                journal_log_removal(REMOVAL_DONE, o, rule->name, idle, &info->creator, NULL);
                if (tracker_record_removal(tracker, &ev) < 0)
                        log_oom();
                tracker_forget(tracker, o->kind, o->id);
                res->reaped++;
                res->reclaimed_bytes += o->size;
                return true;
        }
        case REAP_GONE:
                log_debug("%s %d vanished before removal.", ipc_kind_to_string(o->kind), o->id);
                tracker_forget(tracker, o->kind, o->id);
                return true;
        case REAP_CHANGED:
        case REAP_IN_USE:
                journal_log_removal(REMOVAL_SKIPPED, o, rule->name, idle, &info->creator, detail);
                res->skipped++;
                return false;
        case REAP_FAILED:
        default: {
                char buf[256];
                snprintf(buf, sizeof(buf), "%s: %s", detail, strerror(error));
                journal_log_removal(REMOVAL_FAILED, o, rule->name, idle, &info->creator, buf);
                res->failed++;
                return false;
        }
        }
}

int scan_run(Policy *policy, Tracker *tracker, const ScanOptions *opt, ScanResult *ret) {
        ScanResult res = { .policy = policy_ref(policy), .dry_run = opt->dry_run };
        ProcessCache cache;
        EvaluationContext ctx;
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        size_t kept = 0;
        bool *gone = NULL;
        int r;

        res.time = (int64_t) (now_usec(CLOCK_REALTIME) / 1000000);
        r = process_cache_init(&cache, opt->procfs);
        if (r < 0)
                goto fail_early;
        r = sysvipc_read_all(opt->procfs, &res.table);
        if (r < 0)
                goto fail;

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
                if (info->verdict.state == OBJECT_ORPHAN)
                        res.n_orphans++;
        }
        res.n_objects = res.table.n;
        tracker_end_pass(tracker);

        for (size_t i = 0; i < res.table.n; i++) {
                IpcObject *o = &res.table.objects[i];
                if (res.info[i].verdict.state != OBJECT_ORPHAN)
                        continue;
                TrackedObject *tracked = tracker_observe(tracker, o, res.time);
                gone[i] = handle_orphan(&res, tracker, opt, o, &res.info[i], tracked);
        }
        if (res.deferred > 0)
                log_notice("%zu more orphan%s wait for the next pass (MaxReapsPerScan=%" PRIu64
                           ").",
                           res.deferred, res.deferred == 1 ? "" : "s",
                           policy->daemon.max_reaps_per_scan);

        /* Removed objects leave the snapshot, so queries show what is there now. */
        for (size_t i = 0; i < res.table.n; i++) {
                if (gone[i]) {
                        ipc_object_done(&res.table.objects[i]);
                        creator_done(&res.info[i].creator);
                        continue;
                }
                res.counts[res.table.objects[i].kind][res.info[i].verdict.state]++;
                res.table.objects[kept] = res.table.objects[i];
                res.info[kept++] = res.info[i];
        }
        res.table.n = kept;
        sysvipc_read_limits(opt->procfs, &res.table, &res.limits);
        free(gone);
        process_cache_done(&cache);
        res.duration_usec = now_usec(CLOCK_MONOTONIC) - start;
        *ret = res;
        return 0;

fail:
        free(gone);
        process_cache_done(&cache);
fail_early:
        scan_result_done(&res);
        return r;
}

void scan_result_done(ScanResult *r) {
        for (size_t i = 0; r->info && i < r->table.n; i++)
                creator_done(&r->info[i].creator);
        free(r->info);
        object_table_done(&r->table);
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
