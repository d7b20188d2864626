/* SPDX-License-Identifier: MIT */
/* Structured journal entries for removals and policy changes, with a fixed MESSAGE_ID per
 * event type (see ipcreap.catalog); plain lines on stderr when that is not the journal. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ipc-object.h"
#include "process.h"

/* The catalog file and the man pages name these; they never change. */
#define MESSAGE_ID_REMOVED         "4e9adfa7986346cbae134be4073ec0c4"
#define MESSAGE_ID_WOULD_REMOVE    "1bc97b17b114448a8279ce6a313a360d"
#define MESSAGE_ID_SKIPPED         "27ab0607420e487eb1edc003a3bbc595"
#define MESSAGE_ID_POLICY_LOADED   "cb88d3e6e96f49efa4b60777c1600c2d"
#define MESSAGE_ID_POLICY_REJECTED "b1c336647126492a978de26391da7e0b"
#define MESSAGE_ID_REMOVE_FAILED   "89f9d956b3a448809db763a4288cb882"
#define MESSAGE_ID_ORPHAN_REPORTED "5d556a9187054b7caa59ae299188ae30"
#define MESSAGE_ID_QUARANTINED     "062a2d0b657741b6ae46ab8b89aa6fd3"
#define MESSAGE_ID_RESTORED        "c63bf93ef3b14c63a7a5c8436529c06c"
#define MESSAGE_ID_EXPIRED         "fba5803c554840849ad9873c03e34396"

typedef enum RemovalEventType {
        REMOVAL_DONE,        /* removed */
        REMOVAL_DRY_RUN,     /* would have removed */
        REMOVAL_SKIPPED,     /* changed, or came into use, since the scan read it */
        REMOVAL_FAILED,      /* IPC_RMID failed */
        REMOVAL_REPORTED,    /* an orphan of an Action=report rule */
        REMOVAL_QUARANTINED, /* removed, its contents kept in the quarantine (detail: its id) */
        _REMOVAL_EVENT_MAX,
} RemovalEventType;

void journal_log_removal(RemovalEventType type, const IpcObject *o, const char *rule,
                         uint64_t idle_sec, const Creator *creator, const char *detail);
/* A quarantine entry restored (new_id: the object's id now, -1 for POSIX) or expired:
 * what, "shm key 0x00001234" or "posix-shm NAME", from the entry's metadata. */
void journal_log_restored(const char *qid, const char *kind, const char *what,
                          const char *namespace, uint32_t owner_uid, uint64_t size, int new_id);
void journal_log_expired(const char *qid, const char *kind, const char *what, const char *namespace,
                         uint32_t owner_uid, uint64_t size);
void journal_log_policy_loaded(const char *path, size_t n_rules, bool reload);
void journal_log_policy_rejected(const char *path, char *const *errors, bool reload);
