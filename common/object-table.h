/* SPDX-License-Identifier: MIT */
/* A growable array of IpcObject: one scan's worth of the kernel's IPC tables. */
#pragma once

#include <stddef.h>

#include "ipc-object.h"

typedef struct ObjectTable {
        IpcObject *objects;
        size_t n, allocated;
} ObjectTable;

/* Returns a zeroed slot at the end, or NULL on OOM. */
IpcObject *object_table_append(ObjectTable *t);
/* Makes room for n more objects at once, so a large table is not grown (and copied) step by
 * step. */
int object_table_reserve(ObjectTable *t, size_t n);
/* Drops the last slot (after a failed append). */
void object_table_drop_last(ObjectTable *t);
void object_table_done(ObjectTable *t);
