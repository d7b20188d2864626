/* SPDX-License-Identifier: MIT */
/* The quarantine's glue between the store, the copier, the tracker and the methods: an
 * orphan's entry begun with its metadata, an entry as ListQuarantine shows it, a restore run
 * in the object's own namespace, and expiry. */
#pragma once

#include <jansson.h>

#include "ipc-object.h"
#include "process.h"
#include "quarantine-store.h"
#include "tracker.h"

/* Begins o's entry (room for the copy reserved under the cap: -ENOSPC when it does not fit)
 * with the metadata the copy does not set: rule, removal time, creator, namespace. *ret_meta
 * is the caller's (json_decref). */
int quarantine_prepare(QuarantineStore *s, const IpcObject *o, const char *rule,
                       const Creator *creator, int64_t now, QuarantineWriter **ret_writer,
                       json_t **ret_meta);

/* {quarantineId, kind, namespace, key or name, ownerUid, size, removedAt, rule, expiresAt}
 * and the rest that helps an admin decide: id, mode, ownerGid, creator. */
json_t *quarantine_entry_to_json(const QuarantineEntry *e);

/* What a restore gave back. */
typedef struct RestoreResult {
        IpcKind kind;
        int id;     /* the new id; -1 for POSIX */
        char *name; /* POSIX: the name, as users know it */
        int32_t key;
        bool same_id; /* System V: the id it had */
        char *namespace;
} RestoreResult;

void restore_result_done(RestoreResult *r);

/* Restores entry qid: in the namespace with the recorded identity (its thread), with the same
 * key or name, owner, group, mode and contents; then the entry leaves the store, the tracker
 * knows the object as restored (its original cuid, cgid and creator, first seen now) and
 * History and the journal record it. Must not run while a pass uses the tracker's objects.
 * -EINVAL/-ENOENT: no such entry (QuarantineNotFound); -EEXIST: the key or name is taken,
 * nothing changed (KeyInUse); -ENXIO: no namespace with that identity (NamespaceGone). */
int quarantine_restore_entry(QuarantineStore *s, Tracker *t, const char *procfs, const char *qid,
                             RestoreResult *ret);

/* Drops the entries past their keep time, one journal entry each. */
void quarantine_expire(QuarantineStore *s);
