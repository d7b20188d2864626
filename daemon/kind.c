/* SPDX-License-Identifier: MIT */
/* The table of kinds: each kind's reader, re-read, in-use test, fence, removal and fields. */
#include "evaluate.h"
#include "kind.h"
#include "macro.h"
#include "posixipc.h"
#include "sysvipc.h"

/* ---- System V ---- */

static int sysv_read_all(const KindSources *src, ObjectTable *t, IpcKind kind) {
        return sysvipc_read_kind(src->procfs, kind, src->sem_cache, t);
}

static int shm_read_all(const KindSources *src, ObjectTable *t) {
        return sysv_read_all(src, t, IPC_KIND_SHM);
}

static int sem_read_all(const KindSources *src, ObjectTable *t) {
        return sysv_read_all(src, t, IPC_KIND_SEM);
}

static int msg_read_all(const KindSources *src, ObjectTable *t) {
        return sysv_read_all(src, t, IPC_KIND_MSG);
}

static int sysv_stat(const KindSources *src, const IpcObject *seen, IpcObject *ret) {
        return sysvipc_stat(seen->kind, seen->id, ret);
}

static int sysv_set_mode(const KindSources *src, const IpcObject *o, int64_t expect_ctime,
                         uint32_t expect_mode, uint32_t mode, int64_t *ret_ctime) {
        return sysvipc_set_mode(o->kind, o->id, o->key, o->cuid, expect_ctime, expect_mode, mode,
                                ret_ctime);
}

static int sysv_remove(const KindSources *src, const IpcObject *o) {
        return sysvipc_remove(o->kind, o->id);
}

static unsigned shm_in_use(const IpcObject *o) {
        unsigned bits = 0;

        if (o->nattch > 0)
                bits |= PENDING_ATTACHED;
        if (o->mode & IPC_SHM_DEST)
                bits |= PENDING_DESTROY_MARKED;
        return bits;
}

static unsigned sem_in_use(const IpcObject *o) {
        if (o->sem_details_error)
                return PENDING_SEM_UNREADABLE;
        return o->sem_waiters > 0 ? PENDING_SEM_WAITERS : 0;
}

/* Waiters are known only for queues that would otherwise be orphans (scan.c). */
static unsigned msg_in_use(const IpcObject *o) {
        unsigned bits = 0;

        if (o->n_waiters > 0)
                bits |= PENDING_MSG_WAITERS;
        if (o->waiters_unknown)
                bits |= PENDING_MSG_WAITERS_UNKNOWN;
        return bits;
}

static void shm_fields(const IpcObject *o, json_t *j) {
        json_object_set_new(j, "nattch", json_integer((json_int_t) o->nattch));
}

static void sem_fields(const IpcObject *o, json_t *j) {
        json_object_set_new(j, "nsems", json_integer((json_int_t) o->nsems));
}

static void msg_fields(const IpcObject *o, json_t *j) {
        json_object_set_new(j, "messages", json_integer((json_int_t) o->messages));
}

static const KindOps shm_ops = {
        .read_all = shm_read_all,
        .stat = sysv_stat,
        .in_use = shm_in_use,
        .set_mode = sysv_set_mode,
        .remove = sysv_remove,
        .fields_to_json = shm_fields,
};

static const KindOps sem_ops = {
        .read_all = sem_read_all,
        .stat = sysv_stat,
        .in_use = sem_in_use,
        .set_mode = sysv_set_mode,
        .remove = sysv_remove,
        .fields_to_json = sem_fields,
};

static const KindOps msg_ops = {
        .read_all = msg_read_all,
        .stat = sysv_stat,
        .in_use = msg_in_use,
        .set_mode = sysv_set_mode,
        .remove = sysv_remove,
        .fields_to_json = msg_fields,
};

/* ---- POSIX ---- */

static int posix_shm_read_all(const KindSources *src, ObjectTable *t) {
        return posixipc_read_kind(src, IPC_KIND_POSIX_SHM, t);
}

static int posix_sem_read_all(const KindSources *src, ObjectTable *t) {
        return posixipc_read_kind(src, IPC_KIND_POSIX_SEM, t);
}

static int posix_mq_read_all(const KindSources *src, ObjectTable *t) {
        return posixipc_read_kind(src, IPC_KIND_POSIX_MQ, t);
}

/* Mapped or open by a process, known only for files that would otherwise be orphans. */
static unsigned posix_in_use(const IpcObject *o) {
        unsigned bits = 0;

        if (o->n_users > 0)
                bits |= PENDING_FILE_USERS;
        if (o->users_unknown)
                bits |= PENDING_FILE_USERS_UNKNOWN;
        return bits;
}

static void posix_fields(const IpcObject *o, json_t *j) {
        _cleanup_free_ char *escaped = NULL;

        /* JSON carries only UTF-8: an odd name is shown escaped. */
        if (o->odd_name)
                escaped = ipc_name_escape(ipc_object_display_name(o));
        json_object_set_new(
                j, "name",
                json_string(o->odd_name ? strempty(escaped) : ipc_object_display_name(o)));
}

#define POSIX_OPS(read)                                                          \
        {                                                                        \
                .read_all = read, .stat = posixipc_stat, .in_use = posix_in_use, \
                .set_mode = posixipc_set_mode, .remove = posixipc_remove,        \
                .fields_to_json = posix_fields,                                  \
        }

static const KindOps posix_shm_ops = POSIX_OPS(posix_shm_read_all);
static const KindOps posix_sem_ops = POSIX_OPS(posix_sem_read_all);
static const KindOps posix_mq_ops = POSIX_OPS(posix_mq_read_all);

static const KindOps *const kind_ops_table[_IPC_KIND_MAX] = {
        [IPC_KIND_SHM] = &shm_ops,
        [IPC_KIND_SEM] = &sem_ops,
        [IPC_KIND_MSG] = &msg_ops,
        [IPC_KIND_POSIX_SHM] = &posix_shm_ops,
        [IPC_KIND_POSIX_SEM] = &posix_sem_ops,
        [IPC_KIND_POSIX_MQ] = &posix_mq_ops,
};

const KindOps *kind_ops(IpcKind k) {
        return k >= 0 && k < _IPC_KIND_MAX ? kind_ops_table[k] : NULL;
}
