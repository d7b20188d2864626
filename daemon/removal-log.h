/* SPDX-License-Identifier: MIT */
/* The removal log: an append-only record of each removal's intent (with the object's original
 * mode, written and fsync'd before the object is fenced) and outcome, so that a crash at any
 * moment loses no removal record, counts none twice, and leaves no live object fenced. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ipc-object.h"
#include "tracker.h"

#define REMOVAL_LOG_FILE "removals.log"

/* What the daemon is about to do to one object, as written before it touches it. */
typedef struct RemovalIntent {
        uint64_t seq;
        /* Identity, and the permission bits to give back if the removal does not happen. */
        IpcKind kind;
        int id;
        int32_t key;
        uint32_t cuid;
        int64_t ctime;
        uint32_t mode;
        /* POSIX kinds: the file's name, device, inode and owner. */
        char *name;
        uint64_t dev, ino;
        uint32_t uid;
        /* The History record, should the removal happen. */
        RemovalEvent event;
        /* A "fenced" line followed: the daemon touched it. Only such an intent, found without
         * an outcome and its object gone, is a removal the daemon made. */
        bool fenced;
} RemovalIntent;

typedef enum RemovalOutcome {
        REMOVAL_OUTCOME_REMOVED,
        REMOVAL_OUTCOME_KEPT,
        /* Not an outcome: the object was fenced, written before anything is removed. */
        REMOVAL_OUTCOME_FENCED,
} RemovalOutcome;

typedef struct RemovalLog {
        int fd;
        char *path;
        uint64_t next_seq;
        /* Intents found at open without an outcome: the daemon stopped between the intent
         * and its outcome. reaper_recover() settles them against the kernel. */
        RemovalIntent *unfinished;
        size_t n_unfinished;
} RemovalLog;

void removal_intent_done(RemovalIntent *i);
/* The object the intent is about, as a probe for re-reading it (borrows the name and the
 * namespace). */
IpcObject removal_intent_object(const RemovalIntent *i);

/* Opens (creating) DIR/removals.log and replays it into t: the removals of entries after
 * t->log_applied whose outcome is "removed" are recorded in t's history and counters;
 * entries with no outcome are left in ->unfinished. A torn or garbled line (a crash while it
 * was written) is skipped with a warning. */
int removal_log_open(const char *dir, Tracker *t, RemovalLog **ret);
RemovalLog *removal_log_free(RemovalLog *log);

/* Gives each intent its sequence number, appends them and fsyncs: only then may the objects
 * be fenced. On failure nothing may be touched. */
int removal_log_write_intents(RemovalLog *log, RemovalIntent *intents, size_t n);

/* Appends the outcomes of intents (outcomes[i] for intents[i]) and fsyncs. */
int removal_log_write_outcomes(RemovalLog *log, const RemovalIntent *intents,
                               const RemovalOutcome *outcomes, size_t n);

/* Hands an intent whose object could not be given its mode back to ->unfinished (taking
 * it), so that the next pass's reaper_recover() tries again and no save marks it settled. */
int removal_log_keep_unfinished(RemovalLog *log, RemovalIntent *intent);

/* Empties the log once the state file holds everything in it (t->log_applied covers every
 * entry and none is unfinished). */
int removal_log_reset(RemovalLog *log);

/* Parses one line of the log (exposed for the tests and the fuzzer). Returns 1 for an intent
 * (*ret_intent filled), 2 for an outcome (*ret_seq, *ret_outcome), -EBADMSG otherwise. */
int removal_log_parse_line(const char *line, RemovalIntent *ret_intent, uint64_t *ret_seq,
                           RemovalOutcome *ret_outcome);
