/* SPDX-License-Identifier: MIT */
/* The snapshot of one IPC object, as read from the kernel, and what each kind's times,
 * identity and names are. */
#include <stdio.h>
#include <unistd.h>

#include "ipc-object.h"
#include "macro.h"
#include "string-table.h"

static const char *const ipc_kind_table[_IPC_KIND_MAX] = {
        [IPC_KIND_SHM] = "shm",
        [IPC_KIND_SEM] = "sem",
        [IPC_KIND_MSG] = "msg",
        [IPC_KIND_POSIX_SHM] = "posix-shm",
        [IPC_KIND_POSIX_SEM] = "posix-sem",
        [IPC_KIND_POSIX_MQ] = "posix-mq",
};

DEFINE_STRING_TABLE_LOOKUP(ipc_kind, IpcKind)

static const char *const object_state_table[_OBJECT_STATE_MAX] = {
        [OBJECT_IN_USE] = "in-use",       [OBJECT_IDLE] = "idle",
        [OBJECT_ORPHAN] = "orphan",       [OBJECT_PROTECTED] = "protected",
        [OBJECT_UNMATCHED] = "unmatched",
};

DEFINE_STRING_TABLE_LOOKUP(object_state, ObjectState)

/* What counts as activity, per kind: besides the change time, the times the kernel
 * stamps when the object is used. */
static int64_t shm_activity(const IpcObject *o) {
        return MAX(o->atime, o->dtime);
}

static int64_t sem_activity(const IpcObject *o) {
        return o->otime;
}

static int64_t msg_activity(const IpcObject *o) {
        return MAX(o->stime, o->rtime);
}

static int64_t posix_activity(const IpcObject *o) {
        return o->mtime;
}

static int64_t (*const activity_table[_IPC_KIND_MAX])(const IpcObject *o) = {
        [IPC_KIND_SHM] = shm_activity,         [IPC_KIND_SEM] = sem_activity,
        [IPC_KIND_MSG] = msg_activity,         [IPC_KIND_POSIX_SHM] = posix_activity,
        [IPC_KIND_POSIX_SEM] = posix_activity, [IPC_KIND_POSIX_MQ] = posix_activity,
};

const char *ipc_object_display_name(const IpcObject *o) {
        if (!o->name)
                return "";
        if (o->kind == IPC_KIND_POSIX_SEM && strncmp(o->name, "sem.", 4) == 0)
                return o->name + 4;
        return o->name;
}

size_t utf8_sequence_length(const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        size_t n;
        uint32_t c;

        if (*p < 0x80)
                return 1;
        if ((*p & 0xe0) == 0xc0)
                n = 1, c = *p & 0x1f;
        else if ((*p & 0xf0) == 0xe0)
                n = 2, c = *p & 0x0f;
        else if ((*p & 0xf8) == 0xf0)
                n = 3, c = *p & 0x07;
        else
                return 0;
        for (size_t i = 1; i <= n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (p[i] & 0x3f);
        }
        /* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
        if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
            (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
                return 0;
        return n + 1;
}

bool ipc_name_is_plain(const char *s) {
        while (*s) {
                size_t n;

                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return false;
                n = utf8_sequence_length(s);
                if (n == 0)
                        return false;
                s += n;
        }
        return true;
}

char *ipc_name_escape(const char *s) {
        size_t l = strlen(s);
        char *e = malloc(l * 4 + 1), *q = e;

        if (!e)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p >= 0x7f || *p == '\\')
                        q += sprintf(q, "\\x%02x", *p);
                else
                        *q++ = (char) *p;
        *q = 0;
        return e;
}

int64_t ipc_object_last_activity(const IpcObject *o) {
        if (o->kind < 0 || o->kind >= _IPC_KIND_MAX)
                return o->ctime;
        return MAX(activity_table[o->kind](o), o->ctime);
}

bool ipc_object_same_object(const IpcObject *a, const IpcObject *b) {
        if (a->kind != b->kind || !ipc_namespace_same(a->ns, b->ns))
                return false;
        if (ipc_kind_is_posix(a->kind))
                return a->name && b->name && streq(a->name, b->name) && a->dev == b->dev &&
                       a->ino == b->ino && a->uid == b->uid;
        return a->id == b->id && a->key == b->key && a->cuid == b->cuid;
}

bool ipc_object_same_identity(const IpcObject *a, const IpcObject *b) {
        return a->ctime == b->ctime && ipc_object_same_object(a, b);
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
        free(o->name);
        o->name = NULL;
        free(o->users);
        o->users = NULL;
        o->n_users = 0;
        free(o->users_unknown);
        o->users_unknown = NULL;
        o->ns = ipc_namespace_unref(o->ns);
}

int ipc_object_copy(IpcObject *dst, const IpcObject *src) {
        *dst = *src;
        dst->pids = NULL;
        dst->waiters = NULL;
        dst->waiters_unknown = NULL;
        dst->name = NULL;
        dst->users = NULL;
        dst->users_unknown = NULL;
        dst->ns = ipc_namespace_ref(src->ns);
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
        if (src->name && !(dst->name = strdup(src->name)))
                goto fail;
        if (src->n_users > 0) {
                dst->users = malloc(src->n_users * sizeof(IpcUser));
                if (!dst->users)
                        goto fail;
                memcpy(dst->users, src->users, src->n_users * sizeof(IpcUser));
        }
        if (src->users_unknown && !(dst->users_unknown = strdup(src->users_unknown)))
                goto fail;
        return 0;
fail:
        ipc_object_done(dst);
        return -ENOMEM;
}

IpcNamespace *ipc_namespace_new(uint64_t inode, uint64_t start_usec, const char *name, bool host) {
        IpcNamespace *ns = calloc(1, sizeof(IpcNamespace));

        if (!ns)
                return NULL;
        *ns = (IpcNamespace){ .n_ref = 1, .inode = inode, .start_usec = start_usec, .host = host };
        ns->name = strdup(host ? IPC_NAMESPACE_HOST : name);
        if (!ns->name) {
                free(ns);
                return NULL;
        }
        return ns;
}

IpcNamespace *ipc_namespace_ref(IpcNamespace *ns) {
        if (ns)
                __atomic_add_fetch(&ns->n_ref, 1, __ATOMIC_RELAXED);
        return ns;
}

IpcNamespace *ipc_namespace_unref(IpcNamespace *ns) {
        if (ns && __atomic_sub_fetch(&ns->n_ref, 1, __ATOMIC_ACQ_REL) == 0) {
                free(ns->name);
                free(ns);
        }
        return NULL;
}

bool ipc_namespace_same(const IpcNamespace *a, const IpcNamespace *b) {
        bool a_host = !a || a->host, b_host = !b || b->host;

        if (a_host || b_host)
                return a_host == b_host;
        return a->inode == b->inode && a->start_usec == b->start_usec && streq(a->name, b->name);
}

const char *ipc_object_namespace_name(const IpcObject *o) {
        return o->ns ? o->ns->name : IPC_NAMESPACE_HOST;
}

bool ipc_object_in_host_namespace(const IpcObject *o) {
        return !o->ns || o->ns->host;
}
