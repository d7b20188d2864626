/* SPDX-License-Identifier: MIT */
/* Copies an IPC object's contents for the quarantine and puts an object back from such a copy,
 * per kind, in the calling thread's IPC namespace. Data go through file descriptors in chunks, so
 * that a 1 GiB segment never sits in memory a second time. */
#include <endian.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io-util.h"
#include "log.h"
#include "macro.h"
#include "object-json.h"
#include "quarantine-copy.h"

/* Bytes per read or write: large enough for the disk, small enough to bound one call. */
#define COPY_CHUNK (8u * 1024 * 1024)
/* Buffer size for a file copy (a segment is written straight from its mapping instead). */
#define FILE_BUFFER (1024u * 1024)
/* msgmax when /proc/sys/kernel/msgmax cannot be read: the kernel's default. */
#define DEFAULT_MSGMAX 8192u

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
};

/* One message of a queue's data: its header, then length bytes. */
typedef struct MessageHeader {
        uint64_t type;   /* little endian; a positive long */
        uint64_t length; /* little endian */
} MessageHeader;

const char *quarantine_copy_kept_reason(int error) {
        switch (error) {
        case QUARANTINE_COPY_QUEUE_NOT_EMPTY:
                return "a POSIX queue's messages cannot be copied without consuming them";
        case QUARANTINE_COPY_NO_MSG_COPY:
                return "the kernel cannot copy a queue's messages without consuming them (no "
                       "MSG_COPY: CONFIG_CHECKPOINT_RESTORE is off)";
        default:
                return NULL;
        }
}

/* Reads exactly n bytes: -EBADMSG when the data end first (a truncated copy). */
static int read_exact(int fd, void *buf, size_t n) {
        char *p = buf;

        while (n > 0) {
                ssize_t l = read(fd, p, MIN(n, (size_t) COPY_CHUNK));
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0)
                        return -EBADMSG;
                p += l;
                n -= (size_t) l;
        }
        return 0;
}

/* The data must end here: anything more does not belong to the object described. */
static int expect_end(int fd) {
        char c;
        ssize_t l;

        do
                l = read(fd, &c, 1);
        while (l < 0 && errno == EINTR);
        if (l < 0)
                return -errno;
        return l == 0 ? 0 : -EBADMSG;
}

/* Writes a mapping in bounded calls; loop_write() takes care of short writes and EINTR. */
static int write_chunked(int fd, const void *data, uint64_t n) {
        const char *p = data;

        while (n > 0) {
                size_t l = (size_t) MIN(n, (uint64_t) COPY_CHUNK);
                int r = loop_write(fd, p, l);
                if (r < 0)
                        return r;
                p += l;
                n -= l;
        }
        return 0;
}

static int set_int(json_t *m, const char *key, json_int_t v) {
        return json_object_set_new(m, key, json_integer(v)) < 0 ? -ENOMEM : 0;
}

static int set_string(json_t *m, const char *key, const char *s) {
        return json_object_set_new(m, key, json_string(s)) < 0 ? -ENOMEM : 0;
}

/* The fields every kind has. */
static int meta_common(json_t *m, const IpcObject *o, const char *data_format) {
        uint32_t mode_mask = ipc_kind_is_posix(o->kind) ? 07777 : 0777;

        if (set_int(m, "copyFormat", QUARANTINE_COPY_FORMAT) < 0 ||
            set_string(m, "dataFormat", data_format) < 0 ||
            set_string(m, "kind", ipc_kind_to_string(o->kind)) < 0 ||
            set_int(m, "mode", o->mode & mode_mask) < 0 || set_int(m, "ownerUid", o->uid) < 0 ||
            set_int(m, "ownerGid", o->gid) < 0 || set_int(m, "creatorUid", o->cuid) < 0 ||
            set_int(m, "creatorGid", o->cgid) < 0)
                return -ENOMEM;
        if (ipc_kind_is_posix(o->kind))
                return set_string(m, "name", o->name);
        if (set_int(m, "id", o->id) < 0 || set_int(m, "key", key_to_json(o->key)) < 0)
                return -ENOMEM;
        return 0;
}

/* The id must still name o: the same key and creator (the fence moved its ctime). */
#define CHECK_SAME(perm, o)                                               \
        do {                                                              \
                if ((perm).__key != (o)->key || (perm).cuid != (o)->cuid) \
                        return -ESTALE;                                   \
        } while (0)

static int copy_shm(const IpcObject *o, int fd, json_t *m, uint64_t *ret_bytes) {
        struct shmid_ds ds = { 0 };
        void *p;
        int r;

        if (shmctl(o->id, IPC_STAT, &ds) < 0)
                return -errno;
        CHECK_SAME(ds.shm_perm, o);
        /* Read-only, after the fence: the attach is the daemon's, which the re-check ignores. */
        p = shmat(o->id, NULL, SHM_RDONLY);
        if (p == (void *) -1)
                return -errno;
        r = write_chunked(fd, p, ds.shm_segsz);
        (void) shmdt(p);
        if (r < 0)
                return r;
        if (set_int(m, "size", (json_int_t) ds.shm_segsz) < 0)
                return -ENOMEM;
        *ret_bytes = ds.shm_segsz;
        return 0;
}

static int copy_sem(const IpcObject *o, json_t *m, uint64_t *ret_bytes) {
        _cleanup_free_ unsigned short *values = NULL;
        struct semid_ds ds = { 0 };
        json_t *array;

        if (semctl(o->id, 0, IPC_STAT, (union semun){ .buf = &ds }) < 0)
                return -errno;
        CHECK_SAME(ds.sem_perm, o);
        values = calloc(ds.sem_nsems ? ds.sem_nsems : 1, sizeof(unsigned short));
        if (!values)
                return -ENOMEM;
        if (semctl(o->id, 0, GETALL, (union semun){ .array = values }) < 0)
                return -errno;
        array = json_array();
        if (!array)
                return -ENOMEM;
        for (size_t i = 0; i < ds.sem_nsems; i++)
                if (json_array_append_new(array, json_integer(values[i])) < 0) {
                        json_decref(array);
                        return -ENOMEM;
                }
        if (json_object_set_new(m, "semValues", array) < 0 ||
            set_int(m, "nsems", (json_int_t) ds.sem_nsems) < 0 || set_int(m, "size", 0) < 0)
                return -ENOMEM;
        *ret_bytes = 0;
        return 0;
}

static uint64_t read_msgmax(const char *procfs) {
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        unsigned long long v;

        if (asprintf(&path, "%s/sys/kernel/msgmax", procfs ? procfs : "/proc") < 0)
                return DEFAULT_MSGMAX;
        f = fopen(path, "re");
        if (!f || fscanf(f, "%llu", &v) != 1 || v == 0)
                return DEFAULT_MSGMAX;
        return v;
}

/* A buffer for msgrcv(): the type, then room for size bytes of text. */
static int grow_message_buffer(long **buf, uint64_t size) {
        long *p;

        if (size > SIZE_MAX - sizeof(long))
                return -ENOMEM;
        p = realloc(*buf, sizeof(long) + (size_t) size);
        if (!p)
                return -ENOMEM;
        *buf = p;
        return 0;
}

static int copy_msg(const KindSources *src, const IpcObject *o, int fd, json_t *m,
                    uint64_t *ret_bytes) {
        _cleanup_free_ long *buf = NULL;
        struct msqid_ds ds = { 0 };
        uint64_t size, total = 0, written = 0;
        int r;

        if (msgctl(o->id, IPC_STAT, &ds) < 0)
                return -errno;
        CHECK_SAME(ds.msg_perm, o);
        /* No message is longer than the bytes queued; most fit msgmax, grown on E2BIG (msgmax
         * may have been lowered since they were sent). */
        size = MAX(MIN((uint64_t) ds.__msg_cbytes, read_msgmax(src->procfs)), (uint64_t) 1);
        r = grow_message_buffer(&buf, size);
        if (r < 0)
                return r;
        for (uint64_t i = 0; i < ds.msg_qnum;) {
                MessageHeader h;
                /* MSG_COPY: the message at position i, left in the queue. */
                ssize_t l = msgrcv(o->id, buf, (size_t) size, (long) i, MSG_COPY | IPC_NOWAIT);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == E2BIG && size < ds.__msg_cbytes) {
                                size = MIN(size * 2, (uint64_t) ds.__msg_cbytes);
                                r = grow_message_buffer(&buf, size);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (errno == ENOSYS)
                                return QUARANTINE_COPY_NO_MSG_COPY;
                        /* Fewer messages, or a longer one, than the queue said it holds. */
                        if (errno == ENOMSG || errno == E2BIG)
                                return -ESTALE;
                        return -errno;
                }
                h = (MessageHeader){ .type = htole64((uint64_t) buf[0]),
                                     .length = htole64((uint64_t) l) };
                r = loop_write(fd, &h, sizeof(h));
                if (r >= 0)
                        r = loop_write(fd, buf + 1, (size_t) l);
                if (r < 0)
                        return r;
                total += (uint64_t) l;
                written += sizeof(h) + (uint64_t) l;
                i++;
        }
        if (total != ds.__msg_cbytes)
                return -ESTALE;
        if (set_int(m, "messages", (json_int_t) ds.msg_qnum) < 0 ||
            set_int(m, "queueBytes", (json_int_t) total) < 0 ||
            set_int(m, "qbytes", (json_int_t) ds.msg_qbytes) < 0 ||
            set_int(m, "size", (json_int_t) total) < 0)
                return -ENOMEM;
        *ret_bytes = written;
        return 0;
}

/* A name that could leave the directory is no name of ours. */
static bool name_ok(const char *name) {
        return name && *name && strlen(name) <= NAME_MAX && !strchr(name, '/') &&
               !streq(name, ".") && !streq(name, "..");
}

static const char *kind_dir(const KindSources *src, IpcKind kind) {
        return kind == IPC_KIND_POSIX_MQ ? src->mqueue_dir : src->shm_dir;
}

/* Opens o's file for reading, only if it still is o: a regular file with its device, inode
 * and owner, never through a symlink, never blocking on a FIFO put in its place. */
static int open_posix(const KindSources *src, const IpcObject *o, struct stat *ret_st) {
        _cleanup_close_ int dir_fd = -1, fd = -1;

        if (!name_ok(o->name))
                return -EINVAL;
        dir_fd = open(kind_dir(src, o->kind), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        fd = openat(dir_fd, o->name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP ? -ESTALE : -errno;
        if (fstat(fd, ret_st) < 0)
                return -errno;
        if (!S_ISREG(ret_st->st_mode) || ret_st->st_dev != o->dev || ret_st->st_ino != o->ino ||
            ret_st->st_uid != o->uid)
                return -ESTALE;
        return TAKE_FD(fd);
}

/* Copies exactly n bytes from in to out through a buffer; -ESTALE when in ends first. */
static int copy_bytes(int in, int out, uint64_t n, bool truncated_is_stale) {
        _cleanup_free_ char *buf = malloc(FILE_BUFFER);

        if (!buf)
                return -ENOMEM;
        while (n > 0) {
                ssize_t l = read(in, buf, (size_t) MIN(n, (uint64_t) FILE_BUFFER));
                int r;

                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0)
                        return truncated_is_stale ? -ESTALE : -EBADMSG;
                r = loop_write(out, buf, (size_t) l);
                if (r < 0)
                        return r;
                n -= (uint64_t) l;
        }
        return 0;
}

static int copy_posix_file(const KindSources *src, const IpcObject *o, int fd, json_t *m,
                           uint64_t *ret_bytes) {
        _cleanup_close_ int file_fd = -1;
        struct stat st;
        int r;

        file_fd = open_posix(src, o, &st);
        if (file_fd < 0)
                return file_fd;
        r = copy_bytes(file_fd, fd, (uint64_t) st.st_size, true);
        if (r < 0)
                return r;
        /* It grew meanwhile (someone who had it open before the fence): not what was seen. */
        r = expect_end(file_fd);
        if (r < 0)
                return r == -EBADMSG ? -ESTALE : r;
        if (set_int(m, "size", (json_int_t) st.st_size) < 0)
                return -ENOMEM;
        *ret_bytes = (uint64_t) st.st_size;
        return 0;
}

static int copy_posix_mq(const KindSources *src, const IpcObject *o, json_t *m,
                         uint64_t *ret_bytes) {
        _cleanup_close_ int file_fd = -1;
        struct mq_attr attr;
        struct stat st;

        /* On Linux a queue's file opened with open(2) is a queue descriptor: mq_getattr() works
         * on it and, unlike reading the file's status line, changes nothing. */
        file_fd = open_posix(src, o, &st);
        if (file_fd < 0)
                return file_fd;
        if (mq_getattr(file_fd, &attr) < 0)
                return -errno;
        if (attr.mq_curmsgs > 0)
                return QUARANTINE_COPY_QUEUE_NOT_EMPTY;
        if (set_int(m, "mqMaxMessages", attr.mq_maxmsg) < 0 ||
            set_int(m, "mqMessageSize", attr.mq_msgsize) < 0 || set_int(m, "size", 0) < 0)
                return -ENOMEM;
        *ret_bytes = 0;
        return 0;
}

static const char *data_format(IpcKind kind) {
        switch (kind) {
        case IPC_KIND_MSG:
                return "messages";
        case IPC_KIND_SEM:
        case IPC_KIND_POSIX_MQ:
                return "none";
        default:
                return "bytes";
        }
}

int quarantine_copy(const KindSources *src, const IpcObject *o, int fd, json_t *meta,
                    uint64_t *ret_bytes) {
        json_t *m = NULL;
        uint64_t bytes = 0;
        int r;

        if (!o || o->kind < 0 || o->kind >= _IPC_KIND_MAX || !json_is_object(meta))
                return -EINVAL;
        m = json_object();
        if (!m)
                return -ENOMEM;
        r = meta_common(m, o, data_format(o->kind));
        if (r >= 0)
                switch (o->kind) {
                case IPC_KIND_SHM:
                        r = copy_shm(o, fd, m, &bytes);
                        break;
                case IPC_KIND_SEM:
                        r = copy_sem(o, m, &bytes);
                        break;
                case IPC_KIND_MSG:
                        r = copy_msg(src, o, fd, m, &bytes);
                        break;
                case IPC_KIND_POSIX_SHM:
                case IPC_KIND_POSIX_SEM:
                        r = copy_posix_file(src, o, fd, m, &bytes);
                        break;
                case IPC_KIND_POSIX_MQ:
                        r = copy_posix_mq(src, o, m, &bytes);
                        break;
                default:
                        r = -EINVAL;
                }
        if (r >= 0 && set_int(m, "dataBytes", (json_int_t) bytes) < 0)
                r = -ENOMEM;
        if (r >= 0 && json_object_update(meta, m) < 0)
                r = -ENOMEM;
        json_decref(m);
        if (r < 0)
                return r;
        if (ret_bytes)
                *ret_bytes = bytes;
        return 0;
}

/* ---- restore ---- */

/* What every restore needs from the metadata. */
typedef struct Meta {
        IpcKind kind;
        int id; /* -1: none (POSIX) */
        int32_t key;
        const char *name;
        uint32_t mode, uid, gid;
        uint64_t size;
} Meta;

static int get_uint(const json_t *m, const char *key, uint64_t max, uint64_t *ret) {
        json_t *v = json_object_get(m, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (uint64_t) json_integer_value(v) > max)
                return -EBADMSG;
        *ret = (uint64_t) json_integer_value(v);
        return 0;
}

static int meta_parse(const json_t *m, Meta *ret) {
        uint64_t format, mode, uid, gid, size, id, key;
        Meta mt = { .id = -1 };

        if (!json_is_object(m) || get_uint(m, "copyFormat", UINT32_MAX, &format) < 0 ||
            format != QUARANTINE_COPY_FORMAT)
                return -EBADMSG;
        mt.kind = ipc_kind_from_string(json_string_value(json_object_get(m, "kind")));
        if (mt.kind < 0 || get_uint(m, "mode", 07777, &mode) < 0 ||
            get_uint(m, "ownerUid", UINT32_MAX - 1, &uid) < 0 ||
            get_uint(m, "ownerGid", UINT32_MAX - 1, &gid) < 0 ||
            get_uint(m, "size", INT64_MAX, &size) < 0)
                return -EBADMSG;
        mt.mode = (uint32_t) mode;
        mt.uid = (uint32_t) uid;
        mt.gid = (uint32_t) gid;
        mt.size = size;
        if (ipc_kind_is_posix(mt.kind)) {
                mt.name = json_string_value(json_object_get(m, "name"));
                if (!name_ok(mt.name))
                        return -EBADMSG;
        } else {
                if (get_uint(m, "key", UINT32_MAX, &key) < 0 ||
                    key_from_json((json_int_t) key, &mt.key) < 0)
                        return -EBADMSG;
                /* An id the kernel never hands out is just not asked for. */
                mt.id = get_uint(m, "id", INT32_MAX, &id) >= 0 ? (int) id : -1;
                mt.mode &= 0777;
        }
        *ret = mt;
        return 0;
}

/* Asks the kernel for id as the next one of kind in the calling thread's namespace. The file is
 * opened here, after the caller entered the namespace: these sysctls are per namespace. Whoever
 * creates the next object of the kind in the namespace takes the id; that is why it is written
 * right before the create. */
static int write_next_id(const KindSources *src, IpcKind kind, int id) {
        static const char *const files[] = {
                [IPC_KIND_SHM] = "shm_next_id",
                [IPC_KIND_SEM] = "sem_next_id",
                [IPC_KIND_MSG] = "msg_next_id",
        };
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        char buf[16];

        if (asprintf(&path, "%s/sys/kernel/%s", src->procfs ? src->procfs : "/proc", files[kind]) <
            0)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return loop_write(fd, buf, (size_t) snprintf(buf, sizeof(buf), "%d\n", id));
}

/* A create that failed before the kernel took an id leaves the asked-for id set, for the next
 * object anybody makes in the namespace. The sysctl refuses -1 (its minimum is 0), so the only
 * way to clear it is to consume it: a private object at mode 000, removed at once. */
static void consume_next_id(IpcKind kind) {
        int id;

        switch (kind) {
        case IPC_KIND_SHM:
                id = shmget(IPC_PRIVATE, 1, IPC_CREAT);
                if (id >= 0)
                        (void) shmctl(id, IPC_RMID, NULL);
                break;
        case IPC_KIND_SEM:
                id = semget(IPC_PRIVATE, 1, IPC_CREAT);
                if (id >= 0)
                        (void) semctl(id, 0, IPC_RMID);
                break;
        default:
                id = msgget(IPC_PRIVATE, IPC_CREAT);
                if (id >= 0)
                        (void) msgctl(id, IPC_RMID, NULL);
        }
        if (id < 0)
                log_warning_errno(errno, "Failed to clear the %s id asked for, ignoring: %m",
                                  ipc_kind_to_string(kind));
}

/* -EEXIST when an object of kind has key now: then nothing is touched, not even next_id. */
static int check_key_free(IpcKind kind, int32_t key) {
        int r;

        if (key == IPC_PRIVATE)
                return 0;
        switch (kind) {
        case IPC_KIND_SHM:
                r = shmget(key, 0, 0);
                break;
        case IPC_KIND_SEM:
                r = semget(key, 0, 0);
                break;
        default:
                r = msgget(key, 0);
        }
        if (r >= 0 || errno == EACCES) /* EACCES: it exists, it is only not ours to open. */
                return -EEXIST;
        return errno == ENOENT ? 0 : -errno;
}

/* Creates the object at mode 000, so that nobody but the daemon uses it before it is
 * complete, with its old id when that is free. */
static int create_sysv(const KindSources *src, const Meta *mt, uint64_t nsems) {
        bool asked = false;
        int id, r;

        r = check_key_free(mt->kind, mt->key);
        if (r < 0)
                return r;
        if (mt->id >= 0) {
                r = write_next_id(src, mt->kind, mt->id);
                if (r < 0)
                        /* Not an error of the restore, but the admin's to know: a unit
                         * without the *_next_id files writable (ReadWritePaths=) gets here. */
                        log_warning_errno(r,
                                          "Cannot ask the kernel for the old id %d (%s_next_id), "
                                          "restoring under a new one: %m",
                                          mt->id, ipc_kind_to_string(mt->kind));
                asked = r >= 0;
        }
        switch (mt->kind) {
        case IPC_KIND_SHM:
                id = shmget(mt->key, (size_t) mt->size, IPC_CREAT | IPC_EXCL);
                break;
        case IPC_KIND_SEM:
                id = semget(mt->key, (int) nsems, IPC_CREAT | IPC_EXCL);
                break;
        default:
                id = msgget(mt->key, IPC_CREAT | IPC_EXCL);
        }
        if (id < 0) {
                r = -errno;
                if (asked)
                        consume_next_id(mt->kind);
                return r;
        }
        return id;
}

/* Gives the object its owner, group and mode (and a queue its qbytes) with IPC_SET. */
static int set_owner(const Meta *mt, int id, uint64_t qbytes) {
        switch (mt->kind) {
        case IPC_KIND_SHM: {
                struct shmid_ds ds = { 0 };
                if (shmctl(id, IPC_STAT, &ds) < 0)
                        return -errno;
                ds.shm_perm.uid = mt->uid;
                ds.shm_perm.gid = mt->gid;
                ds.shm_perm.mode = mt->mode;
                return shmctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
        }
        case IPC_KIND_SEM: {
                struct semid_ds ds = { 0 };
                if (semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }) < 0)
                        return -errno;
                ds.sem_perm.uid = mt->uid;
                ds.sem_perm.gid = mt->gid;
                ds.sem_perm.mode = mt->mode;
                return semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }) < 0 ? -errno : 0;
        }
        default: {
                struct msqid_ds ds = { 0 };
                if (msgctl(id, IPC_STAT, &ds) < 0)
                        return -errno;
                ds.msg_perm.uid = mt->uid;
                ds.msg_perm.gid = mt->gid;
                ds.msg_perm.mode = mt->mode;
                ds.msg_qbytes = (msglen_t) qbytes;
                return msgctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
        }
        }
}

static int fill_shm(int id, int fd, uint64_t size) {
        void *p = shmat(id, NULL, 0);
        int r;

        if (p == (void *) -1)
                return -errno;
        /* Straight into the segment: no second copy of its bytes in memory. */
        r = read_exact(fd, p, (size_t) size);
        (void) shmdt(p);
        return r < 0 ? r : expect_end(fd);
}

static int restore_shm(const KindSources *src, const Meta *mt, int fd, int *ret_id) {
        int id, r;

        if (mt->size == 0 || mt->size > SIZE_MAX)
                return -EBADMSG;
        id = create_sysv(src, mt, 0);
        if (id < 0)
                return id;
        r = fill_shm(id, fd, mt->size);
        if (r >= 0)
                r = set_owner(mt, id, 0);
        if (r < 0) {
                (void) shmctl(id, IPC_RMID, NULL);
                return r;
        }
        *ret_id = id;
        return 0;
}

/* The largest value a semaphore holds (SEMVMX). */
#define SEM_VALUE_MAX_SYSV 32767

static int restore_sem(const KindSources *src, const Meta *mt, const json_t *m, int fd,
                       int *ret_id) {
        _cleanup_free_ unsigned short *values = NULL;
        json_t *array = json_object_get(m, "semValues");
        uint64_t nsems;
        int id, r;

        if (get_uint(m, "nsems", INT32_MAX, &nsems) < 0 || nsems == 0 || !json_is_array(array) ||
            json_array_size(array) != nsems)
                return -EBADMSG;
        values = calloc(nsems, sizeof(unsigned short));
        if (!values)
                return -ENOMEM;
        for (size_t i = 0; i < nsems; i++) {
                json_t *v = json_array_get(array, i);
                if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    json_integer_value(v) > SEM_VALUE_MAX_SYSV)
                        return -EBADMSG;
                values[i] = (unsigned short) json_integer_value(v);
        }
        r = expect_end(fd);
        if (r < 0)
                return r;
        id = create_sysv(src, mt, nsems);
        if (id < 0)
                return id;
        r = semctl(id, 0, SETALL, (union semun){ .array = values }) < 0 ? -errno : 0;
        if (r >= 0)
                r = set_owner(mt, id, 0);
        if (r < 0) {
                (void) semctl(id, 0, IPC_RMID);
                return r;
        }
        *ret_id = id;
        return 0;
}

/* Sends the messages read from fd in their order; bytes is what they hold in all. */
static int fill_msg(int id, int fd, uint64_t messages, uint64_t bytes) {
        _cleanup_free_ long *buf = NULL;
        uint64_t sent = 0;
        int r;

        for (uint64_t i = 0; i < messages; i++) {
                MessageHeader h;
                uint64_t type, length;

                r = read_exact(fd, &h, sizeof(h));
                if (r < 0)
                        return r;
                type = le64toh(h.type);
                length = le64toh(h.length);
                if (type == 0 || type > LONG_MAX || length > bytes - sent)
                        return -EBADMSG;
                r = grow_message_buffer(&buf, MAX(length, (uint64_t) 1));
                if (r < 0)
                        return r;
                buf[0] = (long) type;
                r = read_exact(fd, buf + 1, (size_t) length);
                if (r < 0)
                        return r;
                /* IPC_NOWAIT: qbytes was raised to hold them all, so a wait means trouble. */
                while (msgsnd(id, buf, (size_t) length, IPC_NOWAIT) < 0)
                        if (errno != EINTR)
                                return -errno;
                sent += length;
        }
        if (sent != bytes)
                return -EBADMSG;
        return expect_end(fd);
}

static int restore_msg(const KindSources *src, const Meta *mt, const json_t *m, int fd,
                       int *ret_id) {
        struct msqid_ds ds = { 0 };
        uint64_t messages, bytes, qbytes;
        int id, r;

        if (get_uint(m, "messages", INT32_MAX, &messages) < 0 ||
            get_uint(m, "queueBytes", INT32_MAX, &bytes) < 0 ||
            get_uint(m, "qbytes", INT32_MAX, &qbytes) < 0)
                return -EBADMSG;
        id = create_sysv(src, mt, 0);
        if (id < 0)
                return id;
        r = msgctl(id, IPC_STAT, &ds) < 0 ? -errno : 0;
        /* Every message counts at least one byte against qbytes; raising it past msgmnb needs
         * CAP_SYS_RESOURCE, as the original's qbytes may have too. */
        if (r >= 0 && ds.msg_qbytes < MAX(bytes, messages)) {
                ds.msg_qbytes = (msglen_t) MAX(bytes, messages);
                r = msgctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
        }
        if (r >= 0)
                r = fill_msg(id, fd, messages, bytes);
        if (r >= 0)
                r = set_owner(mt, id, qbytes);
        if (r < 0) {
                (void) msgctl(id, IPC_RMID, NULL);
                return r;
        }
        *ret_id = id;
        return 0;
}

/* Removes name from dir_fd only if it still is the file st describes (the one we created). */
static void remove_created(int dir_fd, const char *name, const struct stat *st) {
        struct stat now;

        if (fstatat(dir_fd, name, &now, AT_SYMLINK_NOFOLLOW) >= 0 && now.st_dev == st->st_dev &&
            now.st_ino == st->st_ino)
                (void) unlinkat(dir_fd, name, 0);
}

static int fill_posix_file(int file_fd, int fd, const Meta *mt) {
        int r = copy_bytes(fd, file_fd, mt->size, false);

        if (r >= 0)
                r = expect_end(fd);
        if (r < 0)
                return r;
        /* chown before chmod: chown clears the set-id bits. */
        if (fchown(file_fd, mt->uid, mt->gid) < 0 || fchmod(file_fd, mt->mode) < 0 ||
            fsync(file_fd) < 0)
                return -errno;
        return 0;
}

static int restore_posix_file(const KindSources *src, const Meta *mt, int fd) {
        _cleanup_close_ int dir_fd = -1, file_fd = -1;
        struct stat st;
        int r;

        dir_fd = open(src->shm_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        /* Mode 000 until complete; the fd is writable all the same. */
        file_fd = openat(dir_fd, mt->name,
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0);
        if (file_fd < 0)
                return -errno;
        /* Without its identity our file cannot be told from another: leave the name alone. */
        if (fstat(file_fd, &st) < 0)
                return -errno;
        r = fill_posix_file(file_fd, fd, mt);
        if (r < 0) {
                remove_created(dir_fd, mt->name, &st);
                return r;
        }
        return 0;
}

static int restore_posix_mq(const Meta *mt, const json_t *m, int fd) {
        _cleanup_free_ char *queue = NULL;
        _cleanup_close_ int mq = -1;
        uint64_t maxmsg, msgsize;
        struct mq_attr attr;
        int r;

        if (get_uint(m, "mqMaxMessages", LONG_MAX, &maxmsg) < 0 || maxmsg == 0 ||
            get_uint(m, "mqMessageSize", LONG_MAX, &msgsize) < 0 || msgsize == 0)
                return -EBADMSG;
        r = expect_end(fd);
        if (r < 0)
                return r;
        if (asprintf(&queue, "/%s", mt->name) < 0)
                return -ENOMEM;
        attr = (struct mq_attr){ .mq_maxmsg = (long) maxmsg, .mq_msgsize = (long) msgsize };
        /* mq_open() reaches the calling thread's namespace's own queue mount: no /dev/mqueue is
         * needed. A queue descriptor is a file descriptor on Linux, for fchown() and fchmod(). */
        mq = mq_open(queue, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0, &attr);
        if (mq < 0)
                return -errno;
        if (fchown(mq, mt->uid, mt->gid) < 0 || fchmod(mq, mt->mode) < 0) {
                r = -errno;
                (void) mq_unlink(queue);
                return r;
        }
        return 0;
}

int quarantine_restore(const KindSources *src, const json_t *meta, int fd, int *ret_id) {
        int id = -1; /* POSIX objects have a name, no id. */
        Meta mt;
        int r;

        r = meta_parse(meta, &mt);
        if (r < 0)
                return r;
        switch (mt.kind) {
        case IPC_KIND_SHM:
                r = restore_shm(src, &mt, fd, &id);
                break;
        case IPC_KIND_SEM:
                r = restore_sem(src, &mt, meta, fd, &id);
                break;
        case IPC_KIND_MSG:
                r = restore_msg(src, &mt, meta, fd, &id);
                break;
        case IPC_KIND_POSIX_SHM:
        case IPC_KIND_POSIX_SEM:
                r = restore_posix_file(src, &mt, fd);
                break;
        case IPC_KIND_POSIX_MQ:
                r = restore_posix_mq(&mt, meta, fd);
                break;
        default:
                return -EBADMSG;
        }
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 0;
}
