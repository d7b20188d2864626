/* SPDX-License-Identifier: MIT */
/* The snapshot of one System V IPC object, as read from the kernel, and its names. */
#include <unistd.h>

#include "ipc-object.h"
#include "macro.h"

static const char *const kind_names[_IPC_KIND_MAX] = {
        [IPC_KIND_SHM] = "shm",
        [IPC_KIND_SEM] = "sem",
        [IPC_KIND_MSG] = "msg",
};

static const char *const state_names[_OBJECT_STATE_MAX] = {
        [OBJECT_IN_USE] = "in-use",       [OBJECT_IDLE] = "idle",
        [OBJECT_ORPHAN] = "orphan",       [OBJECT_PROTECTED] = "protected",
        [OBJECT_UNMATCHED] = "unmatched",
};

const char *ipc_kind_to_string(IpcKind k) {
        return k >= 0 && k < _IPC_KIND_MAX ? kind_names[k] : NULL;
}

IpcKind ipc_kind_from_string(const char *s) {
        for (int i = 0; i < _IPC_KIND_MAX; i++)
                if (streq(s, kind_names[i]))
                        return (IpcKind) i;
        return _IPC_KIND_INVALID;
}

const char *object_state_to_string(ObjectState s) {
        return s >= 0 && s < _OBJECT_STATE_MAX ? state_names[s] : NULL;
}

ObjectState object_state_from_string(const char *s) {
        for (int i = 0; i < _OBJECT_STATE_MAX; i++)
                if (streq(s, state_names[i]))
                        return (ObjectState) i;
        return _OBJECT_STATE_INVALID;
}

int64_t ipc_object_last_activity(const IpcObject *o) {
        switch (o->kind) {
        case IPC_KIND_SHM:
                return MAX(MAX(o->atime, o->dtime), o->ctime);
        case IPC_KIND_SEM:
                return MAX(o->otime, o->ctime);
        case IPC_KIND_MSG:
                return MAX(MAX(o->stime, o->rtime), o->ctime);
        default:
                return o->ctime;
        }
}

bool ipc_object_same_identity(const IpcObject *a, const IpcObject *b) {
        return a->kind == b->kind && a->id == b->id && a->key == b->key && a->ctime == b->ctime &&
               a->cuid == b->cuid;
}

/* The daemon's own pid in an object (its read-only attach, a restore) is not a user of it:
 * "none recorded", as pid 0. Cached: the daemon never forks. */
static pid_t self_pid(void) {
        static pid_t self;
        if (self == 0)
                self = getpid();
        return self;
}

int ipc_object_add_pid(IpcObject *o, pid_t pid) {
        IpcPid *p;

        if (pid <= 0 || pid == self_pid())
                return 0;
        for (size_t i = 0; i < o->n_pids; i++)
                if (o->pids[i].pid == pid)
                        return 0;
        p = realloc(o->pids, (o->n_pids + 1) * sizeof(IpcPid));
        if (!p)
                return -ENOMEM;
        o->pids = p;
        /* Alive until the scanner proves otherwise: the safe default. */
        o->pids[o->n_pids++] = (IpcPid){ .pid = pid, .alive = true };
        return 0;
}

int ipc_object_collect_pids(IpcObject *o) {
        int r = 0;

        switch (o->kind) {
        case IPC_KIND_SHM:
                o->creator_unknown = o->cpid == 0;
                r = ipc_object_add_pid(o, o->cpid);
                if (r >= 0)
                        r = ipc_object_add_pid(o, o->lpid);
                break;
        case IPC_KIND_MSG:
                r = ipc_object_add_pid(o, o->lspid);
                if (r >= 0)
                        r = ipc_object_add_pid(o, o->lrpid);
                break;
        default:
                break; /* Semaphore pids come from GETPID, one per semaphore. */
        }
        return r;
}

void ipc_object_done(IpcObject *o) {
        free(o->pids);
        o->pids = NULL;
        o->n_pids = 0;
        free(o->waiters);
        o->waiters = NULL;
        o->n_waiters = 0;
        free(o->waiters_unknown);
        o->waiters_unknown = NULL;
}

int ipc_object_copy(IpcObject *dst, const IpcObject *src) {
        *dst = *src;
        dst->pids = NULL;
        dst->waiters = NULL;
        dst->waiters_unknown = NULL;
        if (src->n_pids > 0) {
                dst->pids = malloc(src->n_pids * sizeof(IpcPid));
                if (!dst->pids)
                        goto fail;
                memcpy(dst->pids, src->pids, src->n_pids * sizeof(IpcPid));
        }
        if (src->n_waiters > 0) {
                dst->waiters = malloc(src->n_waiters * sizeof(IpcWaiter));
                if (!dst->waiters)
                        goto fail;
                memcpy(dst->waiters, src->waiters, src->n_waiters * sizeof(IpcWaiter));
        }
        if (src->waiters_unknown && !(dst->waiters_unknown = strdup(src->waiters_unknown)))
                goto fail;
        return 0;
fail:
        ipc_object_done(dst);
        return -ENOMEM;
}
