/* SPDX-License-Identifier: MIT */
/* Semaphore pids kept from the last pass. */
#include "macro.h"
#include "sem-cache.h"

bool sem_pids_still_valid(const IpcObject *prev, const IpcObject *now, int64_t time_now) {
        /* A SEM_UNDO adjustment when a process exits sets that semaphore's pid to the exiting
         * process without moving otime: such a change is missed until the set changes or the
         * next full read. It only ever names a process that is exiting, and so counts as
         * dead; what the kept pids say instead is either dead too or alive, which keeps the
         * set: never a removal on its strength. The re-check before any removal reads every
         * pid afresh anyway. */
        return prev->kind == IPC_KIND_SEM && now->kind == IPC_KIND_SEM && prev->id == now->id &&
               prev->key == now->key && prev->cuid == now->cuid && prev->ctime == now->ctime &&
               prev->otime == now->otime && prev->nsems == now->nsems &&
               prev->sem_details_error == 0 && prev->pids_read_at > 0 &&
               prev->otime < prev->pids_read_at && prev->ctime < prev->pids_read_at &&
               /* A clock stepped back could give a later change an earlier second. */
               time_now >= prev->pids_read_at;
}

#define SEM_CACHE_LOOKAHEAD 16

static const IpcObject *sem_cache_find(SemCache *c, int id) {
        const IpcObject *t;
        void *v;

        if (!c->previous)
                return NULL;
        t = c->previous->table.objects;
        for (size_t i = c->cursor; i < c->end && i < c->cursor + SEM_CACHE_LOOKAHEAD; i++)
                if (t[i].kind == IPC_KIND_SEM && t[i].id == id) {
                        c->cursor = i + 1;
                        return &t[i];
                }
        if (!c->ids_built) {
                c->ids_built = true;
                for (size_t i = c->begin; i < c->end; i++)
                        if (t[i].kind == IPC_KIND_SEM &&
                            hashmap_put(&c->ids, (uint64_t) (uint32_t) t[i].id,
                                        (void *) (uintptr_t) (i + 1), NULL) < 0) {
                                hashmap_done(&c->ids, NULL); /* Out of memory: read them. */
                                c->end = c->begin;
                                return NULL;
                        }
        }
        v = hashmap_get(&c->ids, (uint64_t) (uint32_t) id);
        return v ? &t[(uintptr_t) v - 1] : NULL;
}

static bool sem_cache_reuse(IpcObject *o, void *userdata) {
        SemCache *c = userdata;
        const IpcObject *prev = sem_cache_find(c, o->id);

        if (!prev || !sem_pids_still_valid(prev, o, c->now))
                return false;
        free(o->pids);
        o->pids = NULL;
        o->n_pids = 0;
        if (prev->n_pids > 0) {
                o->pids = malloc(prev->n_pids * sizeof(IpcPid));
                if (!o->pids)
                        return false; /* Read it then. */
                memcpy(o->pids, prev->pids, prev->n_pids * sizeof(IpcPid));
                o->n_pids = prev->n_pids;
        }
        o->pids_read_at = prev->pids_read_at;
        o->pids_kept = true;
        c->kept++;
        return true;
}

/* The sets of the namespace with ns's identity in the last pass: a namespace that is gone
 * or took another's inode has none, and everything is read. */
void sem_cache_init(SemCache *c, const ScanResult *previous, const IpcNamespace *ns, int64_t now) {
        *c = (SemCache){ .ops = { .reuse = sem_cache_reuse, .userdata = c },
                         .previous = previous,
                         .now = now };
        for (size_t k = 0; previous && k < previous->n_namespaces; k++) {
                const NamespaceResult *nr = &previous->namespaces[k];

                if (!ipc_namespace_same(nr->ns, ns))
                        continue;
                c->cursor = nr->first;
                c->end = nr->first + nr->n;
                /* Its objects are by kind: the sets start after the segments. */
                while (c->cursor < c->end &&
                       previous->table.objects[c->cursor].kind != IPC_KIND_SEM)
                        c->cursor++;
                c->begin = c->cursor;
                return;
        }
}

void sem_cache_done(SemCache *c) {
        hashmap_done(&c->ids, NULL);
}
