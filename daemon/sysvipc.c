/* SPDX-License-Identifier: MIT */
/* Reads the kernel's System V IPC tables: /proc/sysvipc/{shm,sem,msg}, or *_STAT_ANY. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <time.h>
#include <sys/shm.h>

#include "log.h"
#include "macro.h"
#include "sysvipc.h"

typedef enum ColumnType {
        COLUMN_I32,   /* key, id, pids: signed decimal */
        COLUMN_U32,   /* uids and gids */
        COLUMN_OCTAL, /* perms */
        COLUMN_U64,   /* sizes and counts */
        COLUMN_I64,   /* times */
} ColumnType;

typedef struct Column {
        const char *name;
        size_t offset;
        ColumnType type;
} Column;

#define COLUMN(n, field, t) \
        { n, offsetof(IpcObject, field), t }

/* The id column is named after the kind; everything else is shared vocabulary. Columns the
 * kernel prints that are not listed here (shm rss and swap) are read past. */
static const Column shm_columns[] = {
        COLUMN("key", key, COLUMN_I32),       COLUMN("shmid", id, COLUMN_I32),
        COLUMN("perms", mode, COLUMN_OCTAL),  COLUMN("size", size, COLUMN_U64),
        COLUMN("cpid", cpid, COLUMN_I32),     COLUMN("lpid", lpid, COLUMN_I32),
        COLUMN("nattch", nattch, COLUMN_U64), COLUMN("uid", uid, COLUMN_U32),
        COLUMN("gid", gid, COLUMN_U32),       COLUMN("cuid", cuid, COLUMN_U32),
        COLUMN("cgid", cgid, COLUMN_U32),     COLUMN("atime", atime, COLUMN_I64),
        COLUMN("dtime", dtime, COLUMN_I64),   COLUMN("ctime", ctime, COLUMN_I64),
};

static const Column sem_columns[] = {
        COLUMN("key", key, COLUMN_I32),      COLUMN("semid", id, COLUMN_I32),
        COLUMN("perms", mode, COLUMN_OCTAL), COLUMN("nsems", nsems, COLUMN_U64),
        COLUMN("uid", uid, COLUMN_U32),      COLUMN("gid", gid, COLUMN_U32),
        COLUMN("cuid", cuid, COLUMN_U32),    COLUMN("cgid", cgid, COLUMN_U32),
        COLUMN("otime", otime, COLUMN_I64),  COLUMN("ctime", ctime, COLUMN_I64),
};

static const Column msg_columns[] = {
        COLUMN("key", key, COLUMN_I32),       COLUMN("msqid", id, COLUMN_I32),
        COLUMN("perms", mode, COLUMN_OCTAL),  COLUMN("cbytes", size, COLUMN_U64),
        COLUMN("qnum", messages, COLUMN_U64), COLUMN("lspid", lspid, COLUMN_I32),
        COLUMN("lrpid", lrpid, COLUMN_I32),   COLUMN("uid", uid, COLUMN_U32),
        COLUMN("gid", gid, COLUMN_U32),       COLUMN("cuid", cuid, COLUMN_U32),
        COLUMN("cgid", cgid, COLUMN_U32),     COLUMN("stime", stime, COLUMN_I64),
        COLUMN("rtime", rtime, COLUMN_I64),   COLUMN("ctime", ctime, COLUMN_I64),
};

static const struct {
        const char *file;
        const Column *columns;
        size_t n_columns;
} tables[_IPC_KIND_MAX] = {
        [IPC_KIND_SHM] = { "shm", shm_columns, ELEMENTSOF(shm_columns) },
        [IPC_KIND_SEM] = { "sem", sem_columns, ELEMENTSOF(sem_columns) },
        [IPC_KIND_MSG] = { "msg", msg_columns, ELEMENTSOF(msg_columns) },
};

/* More columns than any kernel prints; a header wider than this is not a sysvipc table. */
#define SYSVIPC_COLUMNS_MAX 32

/* A whole word of digits in base 8 or 10. Hand-rolled: strto*() with its locale and errno
 * handling costs more than the rest of a row, and it runs 14 times per row. */
static int parse_word_u64(const char *s, unsigned base, uint64_t *ret) {
        uint64_t v = 0;

        if (!*s)
                return -EINVAL;
        for (; *s; s++) {
                unsigned d = (unsigned) (*s - '0');
                if (d >= base)
                        return -EINVAL;
                if (v > (UINT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
        }
        *ret = v;
        return 0;
}

static int parse_word_i64(const char *s, int64_t *ret) {
        bool negative = *s == '-';
        uint64_t v;
        int r;

        r = parse_word_u64(s + negative, 10, &v);
        if (r < 0)
                return r;
        if (v > (negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX))
                return -ERANGE;
        *ret = negative ? (int64_t) (0 - v) : (int64_t) v;
        return 0;
}

static int parse_column_value(const char *s, ColumnType type, void *field) {
        uint64_t u;
        int64_t i;

        switch (type) {
        case COLUMN_I32:
                if (parse_word_i64(s, &i) < 0 || i < INT32_MIN || i > INT32_MAX)
                        return -EINVAL;
                *(int32_t *) field = (int32_t) i;
                return 0;
        case COLUMN_U32:
        case COLUMN_OCTAL:
                if (parse_word_u64(s, type == COLUMN_OCTAL ? 8 : 10, &u) < 0 || u > UINT32_MAX)
                        return -EINVAL;
                *(uint32_t *) field = (uint32_t) u;
                return 0;
        case COLUMN_U64:
                if (parse_word_u64(s, 10, &u) < 0)
                        return -EINVAL;
                *(uint64_t *) field = u;
                return 0;
        case COLUMN_I64:
                if (parse_word_i64(s, &i) < 0)
                        return -EINVAL;
                *(int64_t *) field = i;
                return 0;
        }
        return -EINVAL;
}

/* Splits line in place on blanks; returns the number of words, or -E2BIG past max. */
static int split_words(char *line, char **words, size_t max) {
        size_t n = 0;
        unsigned char *p = (unsigned char *) line;

        /* The kernel pads columns with runs of spaces: one test per byte skips them. Any
         * control character separates words too (tabs, the newline). */
        for (;;) {
                while (*p - 1u < ' ')
                        p++;
                if (!*p)
                        break;
                if (n >= max)
                        return -E2BIG;
                words[n++] = (char *) p;
                while (*p > ' ')
                        p++;
                if (*p)
                        *p++ = 0;
        }
        return (int) n;
}

int sysvipc_parse(IpcKind kind, FILE *f, const char *name, ObjectTable *t,
                  unsigned *ret_bad_lines) {
        const Column *map[SYSVIPC_COLUMNS_MAX] = { 0 };
        char *words[SYSVIPC_COLUMNS_MAX];
        _cleanup_free_ char *line = NULL;
        size_t line_size = 0, n_header;
        unsigned line_no = 1, bad = 0;
        const char *id_name;
        ssize_t l;
        int n, r;

        if (kind < 0 || kind > IPC_KIND_MSG)
                return -EINVAL;
        id_name = tables[kind].columns[1].name;

        l = getline(&line, &line_size, f);
        if (l < 0)
                return ferror(f) ? -EIO : log_error_errno(EBADMSG, "%s: empty table.", name);
        n = split_words(line, words, ELEMENTSOF(words));
        if (n <= 0)
                return log_error_errno(EBADMSG, "%s:1: unusable header line.", name);
        n_header = (size_t) n;

        for (size_t c = 0; c < tables[kind].n_columns; c++) {
                const Column *col = &tables[kind].columns[c];
                bool found = false;
                for (size_t w = 0; w < n_header; w++)
                        if (streq(words[w], col->name)) {
                                map[w] = col;
                                found = true;
                                break;
                        }
                if (!found)
                        return log_error_errno(EBADMSG, "%s:1: header lacks column \"%s\".", name,
                                               col->name);
        }

        while ((l = getline(&line, &line_size, f)) >= 0) {
                IpcObject *o;

                line_no++;
                n = split_words(line, words, ELEMENTSOF(words));
                if (n == 0)
                        continue;
                if (n < 0 || (size_t) n != n_header) {
                        log_warning("%s:%u: expected %zu columns, found %s%d, ignoring row.", name,
                                    line_no, n_header, n < 0 ? "over " : "",
                                    n < 0 ? SYSVIPC_COLUMNS_MAX : n);
                        bad++;
                        continue;
                }

                o = object_table_append(t);
                if (!o)
                        return -ENOMEM;
                o->kind = kind;
                r = 0;
                for (size_t w = 0; w < n_header; w++) {
                        if (!map[w])
                                continue;
                        r = parse_column_value(words[w], map[w]->type, (char *) o + map[w]->offset);
                        if (r < 0)
                                break;
                }
                if (r >= 0 && o->id < 0)
                        r = -EINVAL;
                if (r < 0) {
                        log_warning("%s:%u: malformed %s row (%s %s), ignoring row.", name, line_no,
                                    tables[kind].file, id_name, n > 1 ? words[1] : "?");
                        object_table_drop_last(t);
                        bad++;
                        continue;
                }
                r = ipc_object_collect_pids(o);
                if (r < 0)
                        return r;
        }
        if (ferror(f))
                return -EIO;

        if (ret_bad_lines)
                *ret_bad_lines = bad;
        return 0;
}

union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
        struct seminfo *__buf;
};

static int compare_pid(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

static uint64_t sem_calls;

uint64_t sysvipc_take_sem_calls(void) {
        return __atomic_exchange_n(&sem_calls, 0, __ATOMIC_RELAXED);
}

static int sem_call(int id, int i, int cmd) {
        __atomic_add_fetch(&sem_calls, 1, __ATOMIC_RELAXED);
        return semctl(id, i, cmd);
}

/* The per-semaphore calls: GETPID with pids, GETNCNT and GETZCNT with waiters. */
static int read_sem(IpcObject *o, bool with_pids, bool with_waiters) {
        _cleanup_free_ pid_t *pids = NULL;
        int64_t now = (int64_t) time(NULL);
        size_t n = 0;

        o->sem_details_error = 0;
        if (with_waiters) {
                o->sem_waiters = 0;
                o->sem_waiters_read = true;
        }
        if (with_pids) {
                free(o->pids);
                o->pids = NULL;
                o->n_pids = 0;
                /* The second before the first GETPID: a semop in it or later may or may not
                 * be seen, so a set changed in it is read again (scan.c). */
                o->pids_read_at = now;
                if (o->nsems > 0) {
                        pids = malloc(o->nsems * sizeof(pid_t));
                        if (!pids)
                                return -ENOMEM;
                }
        }
        for (uint64_t i = 0; i < o->nsems; i++) {
                int pid = with_pids ? sem_call(o->id, (int) i, GETPID) : 0;
                int ncnt = pid >= 0 && with_waiters ? sem_call(o->id, (int) i, GETNCNT) : 0;
                int zcnt = ncnt >= 0 && with_waiters ? sem_call(o->id, (int) i, GETZCNT) : 0;

                if (pid < 0 || ncnt < 0 || zcnt < 0) {
                        if (errno == EIDRM || errno == EINVAL)
                                return -errno;
                        /* Without the details its waiters are unknown: the caller keeps it. */
                        o->sem_details_error = errno ? errno : EIO;
                        return 0;
                }
                if (pid > 0)
                        pids[n++] = pid;
                o->sem_waiters += (uint64_t) ncnt + (uint64_t) zcnt;
        }
        if (!with_pids)
                return 0;

        /* A large set can record thousands of pids: sort and drop repeats, not O(n^2). */
        if (n > 1)
                qsort(pids, n, sizeof(pid_t), compare_pid);
        for (size_t i = 0; i < n; i++)
                if (i == 0 || pids[i] != pids[i - 1]) {
                        int r = ipc_object_add_pid(o, pids[i]);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int sysvipc_read_sem_details(IpcObject *o) {
        return read_sem(o, true, true);
}

int sysvipc_read_sem_waiters(IpcObject *o) {
        return read_sem(o, false, true);
}

/* Converts the kernel's *_ds structures; shared by the index walk and the by-id stat. The
 * object starts zeroed, so every union is whole whatever member a kind sets. */
static void from_perm(IpcObject *o, IpcKind kind, int id, const struct ipc_perm *perm) {
        *o = (IpcObject){
                .kind = kind,
                .id = id,
                .key = perm->__key,
                .mode = perm->mode,
                .uid = perm->uid,
                .gid = perm->gid,
                .cuid = perm->cuid,
                .cgid = perm->cgid,
        };
}

static void shm_from_ds(IpcObject *o, int id, const struct shmid_ds *ds) {
        from_perm(o, IPC_KIND_SHM, id, &ds->shm_perm);
        o->size = ds->shm_segsz;
        o->nattch = ds->shm_nattch;
        o->atime = ds->shm_atime;
        o->dtime = ds->shm_dtime;
        o->ctime = ds->shm_ctime;
        o->cpid = ds->shm_cpid;
        o->lpid = ds->shm_lpid;
}

static void sem_from_ds(IpcObject *o, int id, const struct semid_ds *ds) {
        from_perm(o, IPC_KIND_SEM, id, &ds->sem_perm);
        o->nsems = ds->sem_nsems;
        o->otime = ds->sem_otime;
        o->ctime = ds->sem_ctime;
}

static void msg_from_ds(IpcObject *o, int id, const struct msqid_ds *ds) {
        from_perm(o, IPC_KIND_MSG, id, &ds->msg_perm);
        o->size = ds->__msg_cbytes;
        o->messages = ds->msg_qnum;
        o->stime = ds->msg_stime;
        o->rtime = ds->msg_rtime;
        o->ctime = ds->msg_ctime;
        o->lspid = ds->msg_lspid;
        o->lrpid = ds->msg_lrpid;
}

/* One *ctl call for kind: by index with *_STAT_ANY, or by id with IPC_STAT. The buffers
 * start zeroed so that tools which do not know *_STAT_ANY (valgrind) see them defined. */
static int stat_one(IpcKind kind, int index_or_id, int cmd_stat_any, IpcObject *o) {
        int id;

        switch (kind) {
        case IPC_KIND_SHM: {
                struct shmid_ds ds = { 0 };
                id = shmctl(index_or_id, cmd_stat_any ? SHM_STAT_ANY : IPC_STAT, &ds);
                if (id < 0)
                        return -errno;
                shm_from_ds(o, cmd_stat_any ? id : index_or_id, &ds);
                break;
        }
        case IPC_KIND_SEM: {
                struct semid_ds ds = { 0 };
                id = semctl(index_or_id, 0, cmd_stat_any ? SEM_STAT_ANY : IPC_STAT,
                            (union semun){ .buf = &ds });
                if (id < 0)
                        return -errno;
                sem_from_ds(o, cmd_stat_any ? id : index_or_id, &ds);
                break;
        }
        case IPC_KIND_MSG: {
                struct msqid_ds ds = { 0 };
                id = msgctl(index_or_id, cmd_stat_any ? MSG_STAT_ANY : IPC_STAT, &ds);
                if (id < 0)
                        return -errno;
                msg_from_ds(o, cmd_stat_any ? id : index_or_id, &ds);
                break;
        }
        default:
                return -EINVAL;
        }
        return ipc_object_collect_pids(o);
}

/* How many objects of kind exist now, from *_INFO; 0 when it cannot tell. Not for shm:
 * SHM_INFO adds up every segment's resident and swapped pages, a walk of them all that
 * costs as much as reading them (a sixth of a pass over 96,000 objects). */
static size_t count_objects(IpcKind kind) {
        switch (kind) {
        case IPC_KIND_SHM:
                return 0;
        case IPC_KIND_SEM: {
                struct seminfo info = { 0 };
                return semctl(0, 0, SEM_INFO, (union semun){ .__buf = &info }) >= 0
                               ? (size_t) info.semusz
                               : 0;
        }
        case IPC_KIND_MSG: {
                struct msginfo info = { 0 };
                return msgctl(0, MSG_INFO, (struct msqid_ds *) &info) >= 0 ? (size_t) info.msgpool
                                                                           : 0;
        }
        default:
                return 0;
        }
}

static int max_index(IpcKind kind) {
        /* *_INFO and IPC_INFO return the highest used index of the kernel's array; for shm
         * IPC_INFO does so without SHM_INFO's walk of every segment's pages. */
        switch (kind) {
        case IPC_KIND_SHM: {
                struct shminfo info = { 0 };
                return shmctl(0, IPC_INFO, (struct shmid_ds *) &info);
        }
        case IPC_KIND_SEM: {
                struct seminfo info = { 0 };
                return semctl(0, 0, SEM_INFO, (union semun){ .__buf = &info });
        }
        case IPC_KIND_MSG: {
                struct msginfo info = { 0 };
                return msgctl(0, MSG_INFO, (struct msqid_ds *) &info);
        }
        default:
                errno = EINVAL;
                return -1;
        }
}

/* Walks indices 0..max, stopping once expected objects were found (0: unknown, walk all):
 * objects made meanwhile are the next pass's, objects removed meanwhile make it walk on. */
static int walk_stat_any(IpcKind kind, int max, size_t expected, ObjectTable *t) {
        size_t found = 0;

        for (int i = 0; i <= max && (expected == 0 || found < expected); i++) {
                IpcObject *o = object_table_append(t);
                int r;

                if (!o)
                        return -ENOMEM;
                r = stat_one(kind, i, true, o);
                if (r < 0) {
                        object_table_drop_last(t);
                        if (r == -EINVAL || r == -EIDRM)
                                continue; /* An unused slot, or removed meanwhile. */
                        return r;
                }
                found++;
        }
        return 0;
}

int sysvipc_read_stat_any(IpcKind kind, ObjectTable *t) {
        int max = max_index(kind);

        if (max < 0)
                return -errno;
        return walk_stat_any(kind, max, 0, t);
}

static int stat_by_id(IpcKind kind, int id, bool with_pids, IpcObject *ret) {
        IpcObject o = { 0 };
        int r;

        r = stat_one(kind, id, false, &o);
        if (r >= 0 && kind == IPC_KIND_SEM)
                r = read_sem(&o, with_pids, true);
        if (r < 0) {
                ipc_object_done(&o);
                return r;
        }
        *ret = o;
        return 0;
}

int sysvipc_stat(IpcKind kind, int id, IpcObject *ret) {
        return stat_by_id(kind, id, true, ret);
}

/* IPC_STAT, compare, IPC_SET of one kind's permission bits. The whole *_ds read goes back
 * to IPC_SET, so owner, group and a queue's qbytes stay as they are. */
#define SET_MODE(ds, perm, ctime_field, ctl_stat, ctl_set)                               \
        do {                                                                             \
                if (ctl_stat < 0)                                                        \
                        return -errno;                                                   \
                if ((perm).__key != key || (perm).cuid != cuid ||                        \
                    (expect_ctime >= 0 && (int64_t) (ds).ctime_field != expect_ctime) || \
                    ((perm).mode & 0777) != (expect_mode & 0777))                        \
                        return -ESTALE;                                                  \
                (perm).mode = ((perm).mode & ~0777u) | (mode & 0777);                    \
                if (ctl_set < 0)                                                         \
                        return -errno;                                                   \
                if (ctl_stat < 0)                                                        \
                        return -errno;                                                   \
                *ret_ctime = (int64_t) (ds).ctime_field;                                 \
        } while (0)

int sysvipc_set_mode(IpcKind kind, int id, int32_t key, uint32_t cuid, int64_t expect_ctime,
                     uint32_t expect_mode, uint32_t mode, int64_t *ret_ctime) {
        switch (kind) {
        case IPC_KIND_SHM: {
                struct shmid_ds ds = { 0 };
                SET_MODE(ds, ds.shm_perm, shm_ctime, shmctl(id, IPC_STAT, &ds),
                         shmctl(id, IPC_SET, &ds));
                return 0;
        }
        case IPC_KIND_SEM: {
                struct semid_ds ds = { 0 };
                SET_MODE(ds, ds.sem_perm, sem_ctime,
                         semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }),
                         semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }));
                return 0;
        }
        case IPC_KIND_MSG: {
                struct msqid_ds ds = { 0 };
                SET_MODE(ds, ds.msg_perm, msg_ctime, msgctl(id, IPC_STAT, &ds),
                         msgctl(id, IPC_SET, &ds));
                return 0;
        }
        default:
                return -EINVAL;
        }
}

int sysvipc_remove(IpcKind kind, int id) {
        int r;

        switch (kind) {
        case IPC_KIND_SHM:
                r = shmctl(id, IPC_RMID, NULL);
                break;
        case IPC_KIND_SEM:
                r = semctl(id, 0, IPC_RMID);
                break;
        case IPC_KIND_MSG:
                r = msgctl(id, IPC_RMID, NULL);
                break;
        default:
                return -EINVAL;
        }
        return r < 0 ? -errno : 0;
}

int sysvipc_set_queue_waiters(IpcObject *o, const QueueWaiters *w, uint64_t ns_inode) {
        const QueueWaiter *first;
        size_t n = queue_waiters_find(w, ns_inode, o->id, &first);
        const char *doubt = ns_inode == 0 ? "the daemon's own IPC namespace is unknown"
                                          : queue_waiters_uncertain_reason(w, ns_inode);

        free(o->waiters);
        o->waiters = NULL;
        o->n_waiters = 0;
        o->waiters_unknown = mfree(o->waiters_unknown);
        if (n > 0) {
                o->waiters = calloc(n, sizeof(IpcWaiter));
                if (!o->waiters)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        o->waiters[i] = (IpcWaiter){ .pid = first[i].pid,
                                                     .tid = first[i].tid,
                                                     .sending = first[i].sending };
                o->n_waiters = n;
        }
        if (doubt || (ns_inode != 0 && queue_waiters_uncertain(w, ns_inode))) {
                o->waiters_unknown = strdup(doubt ? doubt : "a thread could not be read");
                if (!o->waiters_unknown)
                        return -ENOMEM;
        }
        return 0;
}

/* Whether the daemon has CAP_SYS_PTRACE in its effective set (bit 19 of CapEff). */
bool sysvipc_has_cap_sys_ptrace(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];

        while (f && fgets(line, sizeof(line), f)) {
                unsigned long long caps;
                if (sscanf(line, "CapEff: %llx", &caps) == 1)
                        return caps & (1ULL << 19);
        }
        return false;
}

int sysvipc_read_queue_waiters(const char *procfs, bool hidepid, QueueWaiters *ret) {
        int r = queue_waiters_read(procfs, ret);

        if (r < 0)
                return r;
        if (hidepid && !sysvipc_has_cap_sys_ptrace()) {
                r = queue_waiters_add_uncertain(ret, 0,
                                                "/proc hides other users' processes (hidepid=) "
                                                "and the daemon lacks CAP_SYS_PTRACE");
                if (r < 0) {
                        queue_waiters_done(ret);
                        return r;
                }
        }
        return 0;
}

uint64_t sysvipc_namespace_inode(const char *procfs) {
        _cleanup_free_ char *path = NULL;
        char link[64];
        uint64_t inode;
        ssize_t l;

        /* thread-self: a thread that entered another namespace is in that one. */
        if (asprintf(&path, "%s/thread-self/ns/ipc", procfs) < 0)
                return 0;
        l = readlink(path, link, sizeof(link) - 1);
        if (l < 0) {
                free(path);
                if (asprintf(&path, "%s/self/ns/ipc", procfs) < 0)
                        return 0;
                l = readlink(path, link, sizeof(link) - 1);
        }
        if (l < 0)
                return 0;
        link[l] = 0;
        return queue_waiter_parse_ns_link(link, &inode) >= 0 ? inode : 0;
}

/* The real /proc: its tables can be walked by index instead. About half the cost of
 * /proc/sysvipc, whose rows the kernel formats and we parse (bench/README.md), when the
 * index is dense; a few objects at high indices (an ipcmni_extend kernel) are cheaper read
 * from the table than walked to. */
static bool walk_is_cheaper(const char *procfs, IpcKind k, size_t expected, int *ret_max) {
        if (!streq(procfs, "/proc"))
                return false;
        *ret_max = max_index(k);
        if (*ret_max < 0)
                return false;
        /* Without a count (shm), any index below the default IPCMNI is walked: at worst
         * 32,768 cheap calls; an ipcmni_extend kernel's higher ones only when dense. */
        return (size_t) *ret_max < 2 * expected + (expected == 0 ? 32768 : 1024);
}

int sysvipc_read_kind(const char *procfs, IpcKind k, const SemPidsCache *cache, ObjectTable *t) {
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t first = t->n, kept, expected;
        int r, max;

        if (k < IPC_KIND_SHM || k > IPC_KIND_MSG)
                return -EINVAL;
        if (asprintf(&path, "%s/sysvipc/%s", procfs, tables[k].file) < 0)
                return -ENOMEM;
        /* Sized up front (plus room for objects made meanwhile). */
        expected = count_objects(k);
        if (walk_is_cheaper(procfs, k, expected, &max)) {
                if (object_table_reserve(t, (expected ? expected : (size_t) max + 1) + 64) < 0)
                        return -ENOMEM;
                r = walk_stat_any(k, max, expected, t);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s objects: %m", tables[k].file);
        } else if (object_table_reserve(t, expected + 64) < 0)
                return -ENOMEM;
        else if ((f = fopen(path, "re"))) {
                /* Fewer, larger reads of the kernel's seq_file. */
                (void) setvbuf(f, NULL, _IOFBF, 64 * 1024);
                r = sysvipc_parse(k, f, path, t, NULL);
                /* An unusable table was logged by the parser, which knows why. */
                if (r == -EBADMSG)
                        return r;
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", path);
        } else if (errno == ENOENT) {
                log_debug("%s is missing, walking the kernel's index instead.", path);
                r = sysvipc_read_stat_any(k, t);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s objects: %m", tables[k].file);
        } else
                return log_error_errno(errno, "Failed to open %s: %m", path);

        if (k != IPC_KIND_SEM)
                return 0;
        kept = first;
        for (size_t i = first; i < t->n; i++) {
                /* A set unchanged since an earlier pass read its pids keeps them; waiters are
                 * read later, for the sets that would otherwise be orphans. */
                r = cache && cache->reuse(&t->objects[i], cache->userdata)
                            ? 0
                            : read_sem(&t->objects[i], true, false);
                if (r == -EIDRM || r == -EINVAL) {
                        /* Removed since the table was read: drop it. */
                        ipc_object_done(&t->objects[i]);
                        continue;
                }
                if (r < 0) {
                        /* Keep the table consistent for the caller's cleanup. */
                        for (size_t j = i; j < t->n; j++)
                                t->objects[kept++] = t->objects[j];
                        t->n = kept;
                        return r;
                }
                t->objects[kept++] = t->objects[i];
        }
        t->n = kept;
        return 0;
}

int sysvipc_read_all(const char *procfs, ObjectTable *t) {
        for (IpcKind k = IPC_KIND_SHM; k <= IPC_KIND_MSG; k++) {
                size_t first = t->n;
                int r = sysvipc_read_kind(procfs, k, NULL, t);
                if (r < 0)
                        return r;
                for (size_t i = first; k == IPC_KIND_SEM && i < t->n; i++) {
                        r = sysvipc_read_sem_waiters(&t->objects[i]);
                        if (r < 0 && r != -EIDRM && r != -EINVAL)
                                return r;
                }
        }
        return 0;
}

static const char *const limit_names[_IPC_LIMIT_MAX] = {
        [IPC_LIMIT_SHMMNI] = "shmmni", [IPC_LIMIT_SHMALL] = "shmall",
        [IPC_LIMIT_SEMMNI] = "semmni", [IPC_LIMIT_SEMMNS] = "semmns",
        [IPC_LIMIT_MSGMNI] = "msgmni", [IPC_LIMIT_MQUEUES] = "mqueues",
        [IPC_LIMIT_SHM_FS] = "devshm",
};

const char *ipc_limit_to_string(IpcLimit l) {
        return l >= 0 && l < _IPC_LIMIT_MAX ? limit_names[l] : NULL;
}

/* Reads up to n unsigned numbers from a /proc/sys file; returns how many were read. */
static size_t read_sysctl(const char *procfs, const char *name, uint64_t *ret, size_t n) {
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t i = 0;

        if (asprintf(&path, "%s/sys/kernel/%s", procfs, name) < 0)
                return 0;
        f = fopen(path, "re");
        if (!f)
                return 0;
        for (unsigned long long v; i < n && fscanf(f, "%llu", &v) == 1; i++)
                ret[i] = v;
        return i;
}

void sysvipc_read_limits(const char *procfs, const ObjectTable *t, IpcLimits *ret) {
        uint64_t sem[4], page = (uint64_t) sysconf(_SC_PAGESIZE);
        IpcLimits l = { 0 };

        (void) read_sysctl(procfs, "shmmni", &l.max[IPC_LIMIT_SHMMNI], 1);
        (void) read_sysctl(procfs, "shmall", &l.max[IPC_LIMIT_SHMALL], 1);
        (void) read_sysctl(procfs, "msgmni", &l.max[IPC_LIMIT_MSGMNI], 1);
        /* kernel.sem is "SEMMSL SEMMNS SEMOPM SEMMNI". */
        if (read_sysctl(procfs, "sem", sem, 4) == 4) {
                l.max[IPC_LIMIT_SEMMNS] = sem[1];
                l.max[IPC_LIMIT_SEMMNI] = sem[3];
        }
        for (size_t i = 0; i < t->n; i++) {
                const IpcObject *o = &t->objects[i];
                switch (o->kind) {
                case IPC_KIND_SHM:
                        l.used[IPC_LIMIT_SHMMNI]++;
                        l.used[IPC_LIMIT_SHMALL] += (o->size + page - 1) / page;
                        break;
                case IPC_KIND_SEM:
                        l.used[IPC_LIMIT_SEMMNI]++;
                        l.used[IPC_LIMIT_SEMMNS] += o->nsems;
                        break;
                case IPC_KIND_MSG:
                        l.used[IPC_LIMIT_MSGMNI]++;
                        break;
                default:
                        break;
                }
        }
        *ret = l;
}
