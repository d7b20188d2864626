/* SPDX-License-Identifier: MIT */
/* The daemon: sd-event loop, scan timer and worker thread, reloads, sd_notify, socket. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include <systemd/sd-event.h>

#include "policy.h"
#include "quarantine.h"
#include "scan.h"
#include "tracker.h"
#include "varlink-server.h"

/* Queries that need a snapshot (List, Explain, Metrics, Simulate) wait this long for the
 * first pass after start, then get NotReady: an empty list would say "no objects". */
#define SNAPSHOT_WAIT_USEC (10 * 1000000ULL)

typedef struct PendingQuery PendingQuery;

typedef struct ScanRequest {
        Call *call; /* NULL for the timer's own passes */
        bool dry_run;
} ScanRequest;

/* Everything a pass reads and writes, handed to the worker thread when it starts. The inputs
 * are fixed for the pass: the policy is a reference nobody changes (a reload builds a new one
 * and swaps m->policy on the event loop), the strings are the Manager's, fixed at start. The
 * outputs are read by the loop only after joining the worker. The tracker is shared as
 * tracker.h says: its objects are the worker's, history and counters are under its lock. */
typedef struct ScanJob {
        Policy *policy;
        bool dry_run;
        const char *state_directory; /* NULL: the state is not saved */
        Tracker *tracker;
        int done_fd; /* eventfd: written once the outputs are set */

        /* The last pass, for the semaphore pids of sets unchanged since (a reference);
         * NULL: a full read. */
        ScanResult *previous;
        QuarantineStore *quarantine; /* the Manager's, thread-safe */

        ScanResult *result; /* NULL if the pass failed */
        int error;
} ScanJob;

/* A Restore call, run on a thread of its own between passes (it records the restored object
 * in the tracker, whose objects a pass owns while it runs). */
typedef struct RestoreJob {
        Call *call;
        char quarantine_id[QUARANTINE_ID_MAX];
        /* Outputs, read by the loop after joining the thread. */
        int error;
        RestoreResult result;
} RestoreJob;

typedef struct Manager {
        sd_event *event;
        Policy *policy;
        const char *config_path;
        PolicyOverrides overrides;
        int64_t start_time;

        Tracker tracker;
        pthread_mutex_t tracker_lock;
        /* The state directory the daemon started with, until it stops: a reload that
         * changes StateDirectory= takes effect at the next start. NULL: not usable. */
        char *state_directory;

        /* The last completed pass: every query is answered from it, so a running pass
         * never stalls a client. */
        ScanResult *snapshot;
        /* Passes since the last full read (FullReadEvery=); a reload asks for one. */
        uint64_t passes_since_full;
        bool need_full_read;

        /* The pass in progress, run by a worker thread on job. */
        bool scanning;
        pthread_t worker;
        ScanJob job;
        int worker_fd; /* eventfd the worker signals when done */
        sd_event_source *worker_source;
        ScanRequest *waiting; /* answered when the running pass ends */
        size_t n_waiting;
        ScanRequest *queued; /* arrived during the pass: served by the next one */
        size_t n_queued;
        int last_error; /* of the last pass, 0 if it succeeded */

        /* Queries that arrived before the first snapshot, answered when it comes. */
        PendingQuery *pending_queries;

        /* GetStatus is what monitoring polls: its serialized reply is kept until what it
         * reports changes (manager_status_changed(), or the removal totals). */
        struct {
                char *text;
                uint64_t reaped, reclaimed;
        } status_cache;

        /* StateDirectory/quarantine; NULL when it cannot be opened (Quarantine=yes rules
         * then keep their orphans). Expired on a timer. */
        QuarantineStore *quarantine;
        sd_event_source *expiry_timer;
        /* The restore in progress, and those waiting for it or for the running pass. */
        bool restoring;
        pthread_t restore_thread;
        RestoreJob restore;
        int restore_fd;
        sd_event_source *restore_source;
        RestoreJob *restore_queue;
        size_t n_restore_queue;

        sd_event_source *scan_timer;
        Server *server;
        char *bound_socket; /* set when we bound it ourselves (removed at exit) */
        bool ready;
        bool stopping;
} Manager;

/* Loads and validates the policy, logging every error; applies the overrides. With
 * ret_errors, invalid input also hands back the messages. */
int manager_load_policy(const char *path, const PolicyOverrides *o, bool reload, Policy **ret,
                        char ***ret_errors);

/* Runs until SIGTERM/SIGINT. Takes the policy reference. */
int manager_run(Policy *policy, const char *config_path, const PolicyOverrides *o);

/* Queues a pass; call (may be NULL) is answered with its summary when it ends. */
int manager_request_scan(Manager *m, Call *call, bool dry_run);
/* Reloads the policy; on invalid input keeps the old one and returns -EINVAL with the
 * errors in *ret_errors. */
int manager_reload(Manager *m, char ***ret_errors);

json_t *scan_result_summary_json(const ScanResult *r);

/* Restores quarantine entry qid on a worker thread, after the running pass if any; call is
 * answered when it is done. */
int manager_request_restore(Manager *m, Call *call, const char *qid);

/* For a query that needs m->snapshot while there is none yet: keeps the call until the
 * first pass ends (then runs handler again) or SNAPSHOT_WAIT_USEC pass, or answers NotReady
 * at once when no pass is under way. Takes its own references to call and parameters. */
int manager_wait_for_snapshot(Manager *m, Call *call, MethodHandler handler, json_t *parameters);

/* Drops the cached GetStatus reply: the snapshot, the policy or the scanning flag changed. */
void manager_status_changed(Manager *m);

/* The method table of io.ipcreap.Reaper and org.varlink.service (methods.c), with the
 * parameters read from the interface descriptions on the first call; NULL (logged) if a
 * description cannot be read, a bug. */
const Method *manager_methods(void);
