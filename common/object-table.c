/* SPDX-License-Identifier: MIT */
/* A growable array of IpcObject: one scan's worth of the kernel's IPC tables. */
#include "macro.h"
#include "object-table.h"

IpcObject *object_table_append(ObjectTable *t) {
        if (GREEDY_REALLOC(t->objects, t->allocated, t->n + 1) < 0)
                return NULL;
        IpcObject *o = &t->objects[t->n++];
        *o = (IpcObject){ 0 };
        return o;
}

int object_table_reserve(ObjectTable *t, size_t n) {
        IpcObject *p;

        if (t->n + n <= t->allocated)
                return 0;
        p = realloc(t->objects, (t->n + n) * sizeof(IpcObject));
        if (!p)
                return -ENOMEM;
        t->objects = p;
        t->allocated = t->n + n;
        return 0;
}

void object_table_drop_last(ObjectTable *t) {
        if (t->n == 0)
                return;
        ipc_object_done(&t->objects[--t->n]);
}

void object_table_done(ObjectTable *t) {
        for (size_t i = 0; i < t->n; i++)
                ipc_object_done(&t->objects[i]);
        free(t->objects);
        *t = (ObjectTable){ 0 };
}
