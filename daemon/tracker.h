/* SPDX-License-Identifier: MIT */
/* Tracking across scans: each object's first-seen time and creator, the removal history and
 * the reap counters, persisted atomically in StateDirectory/state.json. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "hashmap.h"
#include "ipc-object.h"
#include "process.h"

#define TRACKER_STATE_FILE    "state.json"
#define TRACKER_STATE_VERSION 1

typedef struct TrackedObject {
        /* Identity (SPEC section 1): a reused id with another identity is a new object. */
        IpcKind kind;
        int id;
        int32_t key;
        int64_t ctime;
        uint32_t cuid;
        uint64_t dev, ino; /* POSIX kinds: the file; id is -1 */
        IpcNamespace *ns;  /* a reference; NULL: the host's */

        int64_t first_seen;
        Creator creator; /* pid 0: not known (yet) */
        bool seen;       /* in the current pass */
        bool announced;  /* its orphan (dry-run or report) was logged: once per lifetime */
        /* Recreated by a restore: the kernel gave it the daemon's cuid and cgid, and it
         * reports (and is judged by) the original ones kept in the quarantine. */
        bool restored;
        uint32_t restored_cuid, restored_cgid;
} TrackedObject;

typedef struct RemovalEvent {
        int64_t time;
        IpcKind kind;
        int id;
        int32_t key;
        char *name; /* POSIX kinds, as users know it (no "sem." prefix); id is -1 */
        uint32_t owner_uid;
        char *rule;
        uint64_t size;
        uint64_t idle_sec;
        Creator creator;
        IpcNamespace *ns; /* a reference; NULL: the host's */
        /* The quarantine entry holding its contents ("": none). */
        char quarantine_id[16];
        /* Not a removal: the object was restored from quarantine_id (id: its new id). */
        bool restore;
} RemovalEvent;

typedef struct ReapCounter {
        IpcKind kind;
        char *rule;
        uint64_t count;
} ReapCounter;

struct RemovalLog;

/* Counters saturate here, the largest number state.json (and JSON at large) can carry. */
#define TRACKER_COUNTER_MAX ((uint64_t) INT64_MAX)

typedef struct Tracker {
        Hashmap objects;

        /* Removal history as a ring buffer: oldest at history_head. */
        RemovalEvent *history;
        size_t history_capacity, history_head, n_history;

        ReapCounter *counters;
        size_t n_counters;
        uint64_t reclaimed_bytes;
        uint64_t restored_total; /* objects restored from the quarantine */
        /* The quarantine store (for the metrics); NULL: none. Not the tracker's. */
        struct QuarantineStore *quarantine;

        bool dirty; /* changed since the last save */
        /* Bumped by every recorded removal: a change that is saved at once, while changes
         * to the objects alone (first seen, creators) are saved at most every
         * TRACKER_SAVE_INTERVAL_SEC (tracker_save_due()). */
        uint64_t history_version, saved_history_version;
        int64_t saved_at; /* CLOCK_MONOTONIC seconds of the last save; 0: never */

        /* The removal log (removal-log.h): NULL when there is no state directory, and then
         * nothing is removed, since no removal could be recorded durably. Its entries up to
         * log_applied are in history and counters (and in state.json once saved). */
        struct RemovalLog *removal_log;
        uint64_t log_applied;

        /* Guards history and counters, which queries read while a pass appends to them; the
         * objects map belongs to whoever runs the pass. NULL: single-threaded use. */
        pthread_mutex_t *lock;
} Tracker;

void tracker_lock(Tracker *t);
void tracker_unlock(Tracker *t);

void tracker_init(Tracker *t, size_t history_size);
void tracker_done(Tracker *t);
/* Changes how many removal events are kept, dropping the oldest if it shrinks. */
int tracker_set_history_size(Tracker *t, size_t history_size);

void tracker_begin_pass(Tracker *t);
/* Finds the object's record, or starts one first seen at now. NULL on OOM. */
TrackedObject *tracker_observe(Tracker *t, const IpcObject *o, int64_t now);
/* Forgets objects not observed since tracker_begin_pass(): they are gone. */
void tracker_end_pass(Tracker *t);
void tracker_forget(Tracker *t, IpcKind kind, int id);
/* The same for any kind (a POSIX object is tracked by its file, not an id). */
void tracker_forget_object(Tracker *t, const IpcObject *o);

/* Takes ownership of the event's strings. */
int tracker_record_removal(Tracker *t, RemovalEvent *ev);
/* A restore, for History: takes the event's strings; counts no removal. */
int tracker_record_restore(Tracker *t, RemovalEvent *ev);
/* i = 0 is the newest event. */
const RemovalEvent *tracker_history_get(const Tracker *t, size_t i);
void removal_event_done(RemovalEvent *ev);

/* state.json in dir: load returns 0 when there is none; a corrupt file is logged, renamed
 * to state.json.corrupt and ignored (never a reason not to start). Load then opens the
 * removal log and replays what state.json does not have yet. Save is atomic: a temporary
 * file, fsync, rename; on failure (full disk) the old file stays; after it the removal log is
 * emptied. Nothing is saved while the log has removals not yet settled against the kernel. */
int tracker_load(Tracker *t, const char *dir);
/* The namespace fields of a state.json object or event ("namespace", "namespaceInode",
 * "namespaceStartUsec"): NULL for the host (or none given). */
int namespace_from_json(json_t *j, IpcNamespace **ret);
/* Creates dir (and parents) as systemd's StateDirectory= would; logs on failure. */
int tracker_prepare_directory(const char *dir);
int tracker_save(Tracker *t, const char *dir);
/* Whether a save is due after a pass: a removal (or a replay) since the last save, or other
 * changes and TRACKER_SAVE_INTERVAL_SEC since it. */
#define TRACKER_SAVE_INTERVAL_SEC 60
bool tracker_save_due(const Tracker *t);
