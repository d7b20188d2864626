/* SPDX-License-Identifier: MIT */
/* The daemon: sd-event loop, scan timer and worker thread, reloads, sd_notify, socket. */
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "metrics.h"
#include "strv.h"

int manager_load_policy(const char *path, const PolicyOverrides *o, bool reload, Policy **ret,
                        char ***ret_errors) {
        _cleanup_strv_free_ char **errors = NULL;
        Policy *p = NULL;
        int r;

        r = policy_load(path, &p, &errors);
        if (r == -EINVAL) {
                journal_log_policy_rejected(path, errors, reload);
                if (ret_errors)
                        *ret_errors = TAKE_PTR(errors);
                return r;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to load policy %s: %m", path);
        if (policy_apply_overrides(p, o) < 0) {
                policy_free(p);
                return log_oom();
        }
        journal_log_policy_loaded(path, p->n_rules, reload);
        _cleanup_strv_free_ char **warnings = NULL;
        if (policy_warnings(p, &warnings) >= 0)
                for (char **w = warnings; w && *w; w++)
                        log_warning("%s", *w);
        *ret = p;
        return 0;
}

void manager_status_changed(Manager *m) {
        m->status_cache.text = mfree(m->status_cache.text);
}

static uint64_t interval_usec(const Manager *m) {
        return m->policy->daemon.scan_interval_sec * 1000000ULL;
}

/* ---- the worker ---- */

/* Queries come first: the pass (and freeing an old one) runs at a lower weight, so on a busy
 * machine it yields the CPU to the event loop rather than the other way round. Not
 * SCHED_IDLE, which a loaded machine could starve so that no pass ever ends. */
#define WORKER_NICE 10

/* Reads nothing but its job: the Manager belongs to the event loop. */
static void *worker_main(void *userdata) {
        ScanJob *job = userdata;

        (void) setpriority(PRIO_PROCESS, (id_t) gettid(), WORKER_NICE);
        ScanOptions opt = { .procfs = "/proc",
                            .dry_run = job->dry_run,
                            .previous = job->previous,
                            .quarantine = job->quarantine };
        const DaemonSettings *d = &job->policy->daemon;
        ScanResult *res = calloc(1, sizeof(ScanResult));
        uint64_t one = 1;

        if (!res)
                job->error = -ENOMEM;
        else {
                job->error = scan_run(job->policy, job->tracker, &opt, res);
                if (job->error >= 0) {
                        res->n_ref = 1;
                        job->result = res;
                } else
                        free(res);
        }
        /* Disk work stays off the event loop too. */
        if (job->state_directory && tracker_save_due(job->tracker))
                (void) tracker_save(job->tracker, job->state_directory);
        if (d->metrics_file && job->result) {
                _cleanup_free_ char *text = NULL;
                if (metrics_format(job->result, job->tracker, &text) >= 0)
                        (void) metrics_write_file(d->metrics_file, text);
        }
        (void) write(job->done_fd, &one, sizeof(one));
        return NULL;
}

static void scan_job_done(ScanJob *job) {
        job->policy = policy_free(job->policy);
        job->previous = scan_result_unref(job->previous);
        job->result = scan_result_unref(job->result);
}

static int start_pass(Manager *m) {
        sigset_t all, old;
        int r;

        /* The restore's end starts it: both use the tracker's objects. */
        if (m->restoring)
                return 0;
        m->job = (ScanJob){
                .policy = policy_ref(m->policy),
                .dry_run = m->policy->daemon.dry_run,
                .state_directory = m->state_directory,
                .tracker = &m->tracker,
                .quarantine = m->quarantine,
                .done_fd = m->worker_fd,
        };
        for (size_t i = 0; i < m->n_waiting; i++)
                m->job.dry_run |= m->waiting[i].dry_run;
        /* Every FullReadEvery= passes, at start and after a reload everything is read
         * afresh, so that nothing kept from an earlier pass can drift for long. */
        if (m->snapshot && !m->need_full_read &&
            m->passes_since_full + 1 < m->policy->daemon.full_read_every) {
                m->job.previous = scan_result_ref(m->snapshot);
                m->passes_since_full++;
        } else {
                m->passes_since_full = 0;
                m->need_full_read = false;
        }

        /* The worker must not take the signals sd-event reads from its signalfd. */
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        r = -pthread_create(&m->worker, NULL, worker_main, &m->job);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0) {
                scan_job_done(&m->job);
                return log_error_errno(r, "Failed to start a scan: %m");
        }
        m->scanning = true;
        manager_status_changed(m);
        return 0;
}

json_t *scan_result_summary_json(const ScanResult *r) {
        char summary[256];

        scan_result_summary(r, summary, sizeof(summary));
        return json_pack("{s:I, s:f, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "time",
                         (json_int_t) r->time, "durationSec", r->duration_usec / 1e6, "dryRun",
                         r->dry_run, "objects", (json_int_t) r->n_objects, "orphans",
                         (json_int_t) r->n_orphans, "reaped", (json_int_t) r->reaped, "wouldReap",
                         (json_int_t) r->would_reap, "deferred", (json_int_t) r->deferred,
                         "skipped", (json_int_t) r->skipped, "failed", (json_int_t) r->failed,
                         "reclaimedBytes", (json_int_t) r->reclaimed_bytes, "summary", summary);
}

static void answer_waiting(Manager *m, const ScanResult *res, int error) {
        for (size_t i = 0; i < m->n_waiting; i++) {
                Call *call = m->waiting[i].call;
                if (!call)
                        continue;
                if (res)
                        (void) call_reply(call, scan_result_summary_json(res));
                else
                        (void) call_error(call, "io.ipcreap.Reaper.ScanFailed",
                                          json_pack("{s:s}", "message", strerror(-error)));
                call_unref(call);
        }
        free(m->waiting);
        m->waiting = NULL;
        m->n_waiting = 0;
}

/* Moves queued requests that can share one pass (same dry-run choice) to the waiting list. */
static void take_queued(Manager *m) {
        size_t kept = 0;
        bool dry_run;

        if (m->n_queued == 0)
                return;
        dry_run = m->queued[0].dry_run;
        m->waiting = calloc(m->n_queued, sizeof(ScanRequest));
        if (!m->waiting) {
                log_oom();
                return;
        }
        for (size_t i = 0; i < m->n_queued; i++)
                if (m->queued[i].dry_run == dry_run)
                        m->waiting[m->n_waiting++] = m->queued[i];
                else
                        m->queued[kept++] = m->queued[i];
        m->n_queued = kept;
}

static void *free_snapshot(void *userdata) {
        /* At a low weight too, but it must not fall behind: old snapshots would pile up. */
        (void) setpriority(PRIO_PROCESS, (id_t) gettid(), WORKER_NICE / 2);
        scan_result_unref(userdata);
        /* The small allocations of the old snapshot go back to the system too. */
        (void) malloc_trim(0);
        return NULL;
}

/* Freeing 100,000 objects takes tens of milliseconds: a thread of its own does it, so the
 * event loop keeps answering. Clients still streaming from the snapshot hold references. */
static void retire_snapshot(ScanResult *r) {
        pthread_attr_t attr;
        pthread_t thread;
        sigset_t all, old;
        int k;

        if (!r)
                return;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        k = pthread_create(&thread, &attr, free_snapshot, r);
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (k != 0)
                free_snapshot(r);
}

/* ---- queries before the first pass ---- */

struct PendingQuery {
        Manager *manager;
        PendingQuery *prev, *next;
        Call *call;
        MethodHandler handler;
        json_t *parameters;
        sd_event_source *timeout;
};

static void pending_query_free(PendingQuery *q) {
        Manager *m = q->manager;

        if (q->prev)
                q->prev->next = q->next;
        else
                m->pending_queries = q->next;
        if (q->next)
                q->next->prev = q->prev;
        sd_event_source_disable_unref(q->timeout);
        json_decref(q->parameters);
        call_unref(q->call);
        free(q);
}

static int answer_not_ready(Manager *m, Call *call) {
        char message[256];

        if (m->stopping)
                snprintf(message, sizeof(message), "the daemon is stopping");
        else if (m->last_error < 0)
                snprintf(message, sizeof(message),
                         "no scan has completed yet: the last one failed (%s)",
                         strerror(-m->last_error));
        else
                snprintf(message, sizeof(message), "no scan has completed yet");
        return call_error(call, VARLINK_ERROR_NOT_READY, json_pack("{s:s}", "message", message));
}

static int on_pending_query_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        PendingQuery *q = userdata;

        (void) answer_not_ready(q->manager, q->call);
        pending_query_free(q);
        return 0;
}

int manager_wait_for_snapshot(Manager *m, Call *call, MethodHandler handler, json_t *parameters) {
        PendingQuery *q;
        int r;

        /* Nothing will bring a snapshot soon: the first pass failed and none is running. */
        if (m->stopping || (m->ready && !m->scanning))
                return answer_not_ready(m, call);

        q = calloc(1, sizeof(PendingQuery));
        if (!q)
                return -ENOMEM;
        *q = (PendingQuery){ .manager = m, .handler = handler };
        r = sd_event_add_time_relative(m->event, &q->timeout, CLOCK_MONOTONIC, SNAPSHOT_WAIT_USEC,
                                       100 * 1000, on_pending_query_timeout, q);
        if (r < 0) {
                free(q);
                return r;
        }
        q->call = call_ref(call);
        q->parameters = json_incref(parameters);
        q->next = m->pending_queries;
        if (q->next)
                q->next->prev = q;
        m->pending_queries = q;
        return 0;
}

/* Answers the waiting queries from the new snapshot, or with NotReady when the pass that
 * ended brought none and no other is running. */
static void answer_pending_queries(Manager *m) {
        if (!m->snapshot && m->scanning && !m->stopping)
                return; /* their deadlines still hold */
        while (m->pending_queries) {
                PendingQuery *q = m->pending_queries;
                int r = 0;

                if (!call_is_connected(q->call))
                        ; /* the client gave up */
                else if (m->snapshot)
                        r = q->handler(q->call, q->parameters, m);
                else
                        r = answer_not_ready(m, q->call);
                if (r < 0) {
                        log_warning_errno(r, "Failed to answer a query after the first pass: %m");
                        (void) call_error(q->call, VARLINK_ERROR_NOT_READY,
                                          json_pack("{s:s}", "message", strerror(-r)));
                }
                pending_query_free(q);
        }
}

static void schedule_next_pass(Manager *m) {
        (void) sd_event_source_set_time_relative(m->scan_timer, interval_usec(m));
        (void) sd_event_source_set_enabled(m->scan_timer, SD_EVENT_ONESHOT);
}

static void start_next_restore(Manager *m);
static void arm_expiry_timer(Manager *m);

static int on_worker_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        char summary[256];
        uint64_t v;

        (void) read(fd, &v, sizeof(v));
        if (!m->scanning)
                return 0;
        pthread_join(m->worker, NULL);
        m->scanning = false;
        m->last_error = m->job.result ? 0 : m->job.error;
        manager_status_changed(m);
        /* The pass's reference to the last snapshot goes first: the old snapshot is then
         * freed by retire_snapshot()'s thread (and its memory trimmed), never here on the
         * event loop when the job is done. */
        m->job.previous = scan_result_unref(m->job.previous);

        if (m->job.result) {
                retire_snapshot(TAKE_PTR(m->snapshot));
                m->snapshot = TAKE_PTR(m->job.result);
                scan_result_summary(m->snapshot, summary, sizeof(summary));
                log_debug("Scan done in %.3fs: %s.", m->snapshot->duration_usec / 1e6, summary);
                (void) sd_notifyf(false, "%sSTATUS=%s", m->ready ? "" : "READY=1\n", summary);
                answer_waiting(m, m->snapshot, 0);
        } else {
                log_error_errno(m->job.error, "Scan failed, trying again at the next "
                                              "interval: %m");
                (void) sd_notifyf(false, "%sSTATUS=Scan failed: %s", m->ready ? "" : "READY=1\n",
                                  strerror(-m->job.error));
                answer_waiting(m, NULL, m->job.error);
        }
        scan_job_done(&m->job);
        m->ready = true;
        arm_expiry_timer(m);

        if (m->stopping)
                return sd_event_exit(m->event, 0);

        take_queued(m);
        start_next_restore(m);
        if (m->n_waiting > 0 && !m->restoring && start_pass(m) < 0)
                answer_waiting(m, NULL, -EAGAIN);
        if (!m->scanning && !m->restoring)
                schedule_next_pass(m);
        answer_pending_queries(m);
        return 0;
}

/* ---- restores ---- */

static uint64_t monotonic_usec(void);

static void *restore_main(void *userdata) {
        Manager *m = userdata;
        uint64_t one = 1;

        (void) setpriority(PRIO_PROCESS, (id_t) gettid(), WORKER_NICE);
        m->restore.error = quarantine_restore_entry(m->quarantine, &m->tracker, "/proc",
                                                    m->restore.quarantine_id, &m->restore.result);
        /* At most one state save a second for restores: a thousand in a row would otherwise
         * rewrite the whole state a thousand times (six times the restores' own cost). What
         * waits is saved by the next one or the next pass (its history changed), and a crash
         * meanwhile loses only the restore's History line and the restored object's original
         * creator: the object itself is in the kernel, and counts as its owner's. */
        if (m->restore.error >= 0 && m->state_directory &&
            monotonic_usec() / 1000000 >= (uint64_t) m->tracker.saved_at + 1)
                (void) tracker_save(&m->tracker, m->state_directory);
        (void) write(m->restore_fd, &one, sizeof(one));
        return NULL;
}

static void answer_restore(RestoreJob *job) {
        const char *qid = job->quarantine_id;
        int e = job->error;

        if (!job->call)
                return;
        if (e >= 0) {
                json_t *reply =
                        json_pack("{s:s, s:s, s:s, s:b}", "quarantineId", qid, "kind",
                                  ipc_kind_to_string(job->result.kind), "namespace",
                                  strempty(job->result.namespace), "sameId", job->result.same_id);
                if (reply && job->result.name)
                        json_object_set_new(reply, "name", json_string(job->result.name));
                else if (reply) {
                        json_object_set_new(reply, "id", json_integer(job->result.id));
                        json_object_set_new(reply, "key",
                                            json_integer((json_int_t) (uint32_t) job->result.key));
                }
                (void) call_reply(job->call, reply);
        } else if (e == -ENOENT || e == -EINVAL)
                (void) call_error(job->call, "io.ipcreap.Reaper.QuarantineNotFound",
                                  json_pack("{s:s}", "quarantineId", qid));
        else if (e == -EEXIST)
                (void) call_error(job->call, "io.ipcreap.Reaper.KeyInUse",
                                  json_pack("{s:s}", "quarantineId", qid));
        else if (e == -ENXIO)
                (void) call_error(job->call, "io.ipcreap.Reaper.NamespaceGone",
                                  json_pack("{s:s}", "quarantineId", qid));
        else
                (void) call_error(
                        job->call, "io.ipcreap.Reaper.RestoreFailed",
                        json_pack("{s:s, s:s}", "quarantineId", qid, "message", strerror(-e)));
        call_unref(job->call);
        job->call = NULL;
        restore_result_done(&job->result);
}

static void start_next_restore(Manager *m) {
        sigset_t all, old;
        int r;

        if (m->restoring || m->scanning || m->n_restore_queue == 0 || m->stopping)
                return;
        m->restore = m->restore_queue[0];
        memmove(m->restore_queue, m->restore_queue + 1,
                (--m->n_restore_queue) * sizeof(RestoreJob));
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        r = -pthread_create(&m->restore_thread, NULL, restore_main, m);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0) {
                m->restore.error = r;
                answer_restore(&m->restore);
                return;
        }
        m->restoring = true;
}

static int on_restore_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        uint64_t v;

        (void) read(fd, &v, sizeof(v));
        if (!m->restoring)
                return 0;
        pthread_join(m->restore_thread, NULL);
        m->restoring = false;
        answer_restore(&m->restore);
        manager_status_changed(m);
        arm_expiry_timer(m);
        if (m->stopping)
                return sd_event_exit(m->event, 0);
        start_next_restore(m);
        if (m->restoring)
                return 0;
        if (m->n_waiting == 0)
                take_queued(m);
        if (m->n_waiting > 0 && start_pass(m) < 0)
                answer_waiting(m, NULL, -EAGAIN);
        if (!m->scanning)
                schedule_next_pass(m);
        return 0;
}

int manager_request_restore(Manager *m, Call *call, const char *qid) {
        RestoreJob *q;

        q = realloc(m->restore_queue, (m->n_restore_queue + 1) * sizeof(RestoreJob));
        if (!q)
                return -ENOMEM;
        m->restore_queue = q;
        q[m->n_restore_queue] = (RestoreJob){ .call = call_ref(call) };
        snprintf(q[m->n_restore_queue].quarantine_id, QUARANTINE_ID_MAX, "%s", qid);
        m->n_restore_queue++;
        start_next_restore(m);
        return 0;
}

/* ---- expiry ---- */

static int on_expiry_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        quarantine_expire(m->quarantine);
        arm_expiry_timer(m);
        return 0;
}

/* At the earliest expiry (a reload may have moved it, a pass added entries). */
static void arm_expiry_timer(Manager *m) {
        int64_t next;

        if (!m->quarantine || !m->expiry_timer)
                return;
        if (quarantine_store_next_expiry(m->quarantine, &next) < 0) {
                (void) sd_event_source_set_enabled(m->expiry_timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(m->expiry_timer,
                                        (uint64_t) MAX(next, (int64_t) 1) * 1000000ULL);
        (void) sd_event_source_set_enabled(m->expiry_timer, SD_EVENT_ONESHOT);
}

static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (m->scanning || m->stopping || m->restoring)
                return 0; /* The running pass (or restore) reschedules when it ends. */
        if (start_pass(m) < 0)
                schedule_next_pass(m);
        return 0;
}

int manager_request_scan(Manager *m, Call *call, bool dry_run) {
        ScanRequest req = { .call = call_ref(call), .dry_run = dry_run };
        ScanRequest *q;

        if (m->scanning || m->restoring) {
                q = realloc(m->queued, (m->n_queued + 1) * sizeof(ScanRequest));
                if (!q) {
                        call_unref(call);
                        return -ENOMEM;
                }
                m->queued = q;
                m->queued[m->n_queued++] = req;
                return 0;
        }
        q = realloc(m->waiting, (m->n_waiting + 1) * sizeof(ScanRequest));
        if (!q) {
                call_unref(call);
                return -ENOMEM;
        }
        m->waiting = q;
        m->waiting[m->n_waiting++] = req;
        if (start_pass(m) < 0) {
                answer_waiting(m, NULL, -EAGAIN);
                return 0;
        }
        (void) sd_event_source_set_enabled(m->scan_timer, SD_EVENT_OFF);
        return 0;
}

/* ---- reload ---- */

static uint64_t monotonic_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

int manager_reload(Manager *m, char ***ret_errors) {
        Policy *p = NULL, *old = m->policy;
        int r;

        (void) sd_notifyf(false, "RELOADING=1\nSTATUS=Reloading policy\nMONOTONIC_USEC=%" PRIu64,
                          monotonic_usec());
        /* The new policy is built aside and swapped in only if all of it is valid. */
        r = manager_load_policy(m->config_path, &m->overrides, true, &p, ret_errors);
        if (r >= 0) {
                if (!streq(p->daemon.socket, old->daemon.socket))
                        log_warning("Socket= changed to %s; the daemon keeps serving on %s until "
                                    "it is restarted.",
                                    p->daemon.socket, old->daemon.socket);
                /* m->state_directory stays: neither policy is written to, since the running
                 * pass may be reading the old one. */
                if (!streq(p->daemon.state_directory, old->daemon.state_directory))
                        log_warning("StateDirectory= changed to %s; it takes effect at the next "
                                    "start.",
                                    p->daemon.state_directory);

                if (tracker_set_history_size(&m->tracker, p->daemon.history_size) < 0)
                        log_oom();
                if (m->quarantine) {
                        quarantine_store_set_limits(m->quarantine, p->daemon.quarantine_max_bytes,
                                                    p->daemon.quarantine_keep_sec);
                        arm_expiry_timer(m);
                }
                m->policy = p;
                m->need_full_read = true;
                policy_free(old);
                manager_status_changed(m);
                /* A shorter interval brings the next pass forward; a reload never pushes it
                 * back, or frequent reloads would starve the passes. */
                uint64_t due = 0, sooner = monotonic_usec() + interval_usec(m);
                if (!m->scanning &&
                    (sd_event_source_get_time(m->scan_timer, &due) < 0 || sooner < due)) {
                        (void) sd_event_source_set_time(m->scan_timer, sooner);
                        (void) sd_event_source_set_enabled(m->scan_timer, SD_EVENT_ONESHOT);
                }
        }
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s",
                          r >= 0 ? "Policy reloaded" : "Reload failed, running the old policy");
        return r;
}

/* ---- signals ---- */

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) manager_reload(userdata, NULL);
        return 0;
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (m->stopping)
                return 0;
        m->stopping = true;
        log_info("Stopping%s.", m->scanning ? " after the running pass" : "");
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        /* Never abandon a pass mid-removal (nor a restore): its end exits the loop. */
        if (!m->scanning && !m->restoring)
                return sd_event_exit(m->event, 0);
        return 0;
}

/* ---- the socket ---- */

static int open_socket(Manager *m, int *ret_fd) {
        const char *path = m->policy->daemon.socket;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *dir = NULL;
        struct stat st;
        mode_t old_umask;
        int n, r;

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(n, "Failed to read the sockets passed by systemd: %m");
        if (n > 1)
                return log_error_errno(EINVAL, "Expected one socket from systemd, got %d.", n);
        if (n == 1) {
                r = sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0);
                if (r <= 0)
                        return log_error_errno(r < 0 ? r : EINVAL, "The socket passed by systemd "
                                                                   "is not a listening Unix stream "
                                                                   "socket.");
                /* The server must never block in accept(), whatever the unit says. */
                int flags = fcntl(SD_LISTEN_FDS_START, F_GETFL);
                if (flags < 0 || fcntl(SD_LISTEN_FDS_START, F_SETFL, flags | O_NONBLOCK) < 0)
                        return log_error_errno(errno, "Failed to make the passed socket "
                                                      "non-blocking: %m");
                *ret_fd = SD_LISTEN_FDS_START;
                log_debug("Using the socket passed by systemd.");
                return 0;
        }

        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(ENAMETOOLONG, "Socket path %s is too long.", path);
        strcpy(sa.sun_path, path);

        dir = strdup(path);
        if (!dir)
                return log_oom();
        for (char *p = dir + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                                return log_error_errno(errno, "Failed to create %s: %m", dir);
                        *p = '/';
                }

        if (lstat(path, &st) >= 0) {
                int probe;
                if (!S_ISSOCK(st.st_mode))
                        return log_error_errno(EEXIST,
                                               "%s exists and is not a socket; not "
                                               "touching it.",
                                               path);
                probe = varlink_connect(path);
                if (probe >= 0) {
                        close(probe);
                        return log_error_errno(EADDRINUSE, "Another ipcreapd is serving %s.", path);
                }
                /* A stale socket from a daemon that died: nobody listens, remove it. */
                (void) unlink(path);
        }

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a socket: %m");
        /* Anyone may connect; each method decides who may call it. */
        old_umask = umask(0);
        r = bind(fd, (struct sockaddr *) &sa, sizeof(sa));
        umask(old_umask);
        if (r < 0)
                return log_error_errno(errno, "Failed to bind %s: %m", path);
        if (chmod(path, 0666) < 0)
                return log_error_errno(errno, "Failed to make %s world-accessible: %m", path);
        if (listen(fd, SOMAXCONN) < 0)
                return log_error_errno(errno, "Failed to listen on %s: %m", path);
        m->bound_socket = strdup(path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* ---- the loop ---- */

static void manager_done(Manager *m) {
        if (m->scanning) {
                pthread_join(m->worker, NULL);
                m->scanning = false;
                scan_job_done(&m->job);
        }
        if (m->restoring) {
                pthread_join(m->restore_thread, NULL);
                m->restoring = false;
                answer_restore(&m->restore);
        }
        for (size_t i = 0; i < m->n_restore_queue; i++) {
                m->restore_queue[i].error = -ECANCELED;
                answer_restore(&m->restore_queue[i]);
        }
        free(m->restore_queue);
        m->restore_source = sd_event_source_disable_unref(m->restore_source);
        m->expiry_timer = sd_event_source_disable_unref(m->expiry_timer);
        if (m->restore_fd >= 0)
                close(m->restore_fd);
        if (m->state_directory && m->tracker.dirty)
                (void) tracker_save(&m->tracker, m->state_directory);
        answer_waiting(m, NULL, -ECANCELED);
        m->stopping = true;
        answer_pending_queries(m);
        for (size_t i = 0; i < m->n_queued; i++)
                call_unref(m->queued[i].call);
        free(m->queued);
        m->server = server_free(m->server);
        if (m->bound_socket) {
                (void) unlink(m->bound_socket);
                free(m->bound_socket);
        }
        m->scan_timer = sd_event_source_disable_unref(m->scan_timer);
        m->worker_source = sd_event_source_disable_unref(m->worker_source);
        if (m->worker_fd >= 0)
                close(m->worker_fd);
        m->snapshot = scan_result_unref(m->snapshot);
        free(m->status_cache.text);
        tracker_done(&m->tracker);
        m->quarantine = quarantine_store_free(m->quarantine);
        pthread_mutex_destroy(&m->tracker_lock);
        free(m->state_directory);
        policy_free(m->policy);
        sd_event_unref(m->event);
}

int manager_run(Policy *policy, const char *config_path, const PolicyOverrides *o) {
        Manager m = {
                .policy = policy,
                .config_path = config_path,
                .overrides = *o,
                .worker_fd = -1,
                .restore_fd = -1,
                .start_time = time(NULL),
        };
        int listen_fd = -1, r;
        sigset_t mask;

        pthread_mutex_init(&m.tracker_lock, NULL);
        tracker_init(&m.tracker, policy->daemon.history_size);
        if (tracker_prepare_directory(policy->daemon.state_directory) >= 0) {
                m.state_directory = strdup(policy->daemon.state_directory);
                if (!m.state_directory) {
                        r = log_oom();
                        goto finish;
                }
                (void) tracker_load(&m.tracker, m.state_directory);
                /* Before the first pass: it settles removals under way at the last stop
                 * against the store (incomplete copies are gone by then). */
                if (quarantine_store_open(m.state_directory, policy->daemon.quarantine_max_bytes,
                                          policy->daemon.quarantine_keep_sec, &m.quarantine) < 0)
                        log_warning("Without a quarantine store, Quarantine=yes rules keep "
                                    "their orphans.");
                m.tracker.quarantine = m.quarantine;
        }
        m.tracker.lock = &m.tracker_lock;

        r = sd_event_default(&m.event);
        if (r < 0) {
                log_error_errno(r, "Failed to create the event loop: %m");
                goto finish;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if ((r = sd_event_add_signal(m.event, NULL, SIGHUP, on_sighup, &m)) < 0 ||
            (r = sd_event_add_signal(m.event, NULL, SIGTERM, on_terminate, &m)) < 0 ||
            (r = sd_event_add_signal(m.event, NULL, SIGINT, on_terminate, &m)) < 0) {
                log_error_errno(r, "Failed to watch signals: %m");
                goto finish;
        }
        /* Pings the service manager's watchdog from the loop itself: a hung loop stops it. */
        r = sd_event_set_watchdog(m.event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        m.worker_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m.worker_fd < 0) {
                r = log_error_errno(errno, "Failed to create an eventfd: %m");
                goto finish;
        }
        m.restore_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m.restore_fd < 0) {
                r = log_error_errno(errno, "Failed to create an eventfd: %m");
                goto finish;
        }
        r = sd_event_add_io(m.event, &m.restore_source, m.restore_fd, EPOLLIN, on_restore_done, &m);
        if (r >= 0 && m.quarantine)
                r = sd_event_add_time(m.event, &m.expiry_timer, CLOCK_REALTIME, UINT64_MAX,
                                      1000 * 1000, on_expiry_timer, &m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the quarantine's events: %m");
                goto finish;
        }
        arm_expiry_timer(&m);
        r = sd_event_add_io(m.event, &m.worker_source, m.worker_fd, EPOLLIN, on_worker_done, &m);
        if (r >= 0)
                r = sd_event_add_time_relative(m.event, &m.scan_timer, CLOCK_MONOTONIC, 0,
                                               10 * 1000, on_scan_timer, &m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the scan timer: %m");
                goto finish;
        }

        r = open_socket(&m, &listen_fd);
        if (r < 0)
                goto finish;
        const Method *methods = manager_methods();
        r = methods ? server_new(m.event, listen_fd, methods, &m, &m.server) : -EINVAL;
        if (r < 0) {
                close(listen_fd);
                log_error_errno(r, "Failed to start the control server: %m");
                goto finish;
        }
        /* AdminGroup members may take the reserved connection slots too; read at each accept,
         * so it follows reloads. */
        server_set_admin_policy(m.server, &m.policy);

        log_info("ipcreapd " IPCREAP_VERSION " serving %s, scanning every %" PRIu64 "s%s.",
                 policy->daemon.socket, policy->daemon.scan_interval_sec,
                 policy->daemon.dry_run ? " (dry run)" : "");
        /* The first pass starts at once (the timer is due now); READY=1 follows it. */
        r = sd_event_loop(m.event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        manager_done(&m);
        return r;
}
