/* SPDX-License-Identifier: MIT */
/* JSON forms of objects, creators and removal events: the Varlink replies and state.json
 * share them, so a field has one name everywhere. */
#pragma once

#include <jansson.h>

#include "scan.h"
#include "tracker.h"

/* How much of a creator a reply may show. Its command line and unit can carry secrets
 * (--password=... arguments, the service that runs a database), long after the process is
 * gone and whatever hidepid= hides: only root, AdminGroup and the object's owner see them.
 * Everyone else gets the pid and the command name, as ps would have shown them. */
typedef enum CreatorDetail {
        CREATOR_PUBLIC, /* pid and comm */
        CREATOR_FULL,   /* also cmdline and unit: state.json and privileged callers */
} CreatorDetail;

json_t *creator_to_json_detail(const Creator *c, CreatorDetail detail);
static inline json_t *creator_to_json(const Creator *c) {
        return creator_to_json_detail(c, CREATOR_FULL);
}
/* NULL or JSON null gives an unknown creator. */
int creator_from_json(json_t *j, Creator *ret);

json_t *removal_event_to_json_detail(const RemovalEvent *ev, CreatorDetail detail);
static inline json_t *removal_event_to_json(const RemovalEvent *ev) {
        return removal_event_to_json_detail(ev, CREATOR_FULL);
}
int removal_event_from_json(json_t *j, RemovalEvent *ret);
/* "namespace" (always) and, for one not the host's, "namespaceInode", "namespaceStartUsec"
 * (its identity) and "namespaceStartTime" (seconds, to show). */
int namespace_to_json(const IpcNamespace *ns, json_t *j);

/* The object of SPEC section 4, judged by r's policy; idleSec counts up to now. */
json_t *object_to_json_detail(const ScanResult *r, size_t index, int64_t now, CreatorDetail detail);
static inline json_t *object_to_json(const ScanResult *r, size_t index, int64_t now) {
        return object_to_json_detail(r, index, now, CREATOR_FULL);
}

/* Keys are reported as unsigned 32-bit numbers, the way ipcs prints them in hex. */
static inline json_int_t key_to_json(int32_t key) {
        return (json_int_t) (uint32_t) key;
}
int key_from_json(json_int_t v, int32_t *ret);
