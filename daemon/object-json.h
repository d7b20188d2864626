/* SPDX-License-Identifier: MIT */
/* JSON forms of objects, creators and removal events: the Varlink replies and state.json
 * share them, so a field has one name everywhere. */
#pragma once

#include <jansson.h>

#include "scan.h"
#include "tracker.h"

json_t *creator_to_json(const Creator *c);
/* NULL or JSON null gives an unknown creator. */
int creator_from_json(json_t *j, Creator *ret);

json_t *removal_event_to_json(const RemovalEvent *ev);
int removal_event_from_json(json_t *j, RemovalEvent *ret);

/* The object of SPEC section 4, judged by r's policy; idleSec counts up to now. */
json_t *object_to_json(const ScanResult *r, size_t index, int64_t now);

/* Keys are reported as unsigned 32-bit numbers, the way ipcs prints them in hex. */
static inline json_int_t key_to_json(int32_t key) {
        return (json_int_t) (uint32_t) key;
}
int key_from_json(json_int_t v, int32_t *ret);
