/* SPDX-License-Identifier: MIT */
/* Reads and acts on POSIX IPC objects: the files of /dev/shm (segments, and sem.NAME
 * semaphores) and /dev/mqueue (queues). Every access goes through a directory fd, by name,
 * never following a symlink; only regular files are ever touched. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "posixipc.h"
#include "sysvipc.h"

int posixipc_parse_mqueue(const char *buf, uint64_t *ret_qsize) {
        unsigned long long v;
        char *end;

        /* "QSIZE:129          NOTIFY:2     SIGNO:0     NOTIFY_PID:8260" */
        if (strncmp(buf, "QSIZE:", 6) != 0 || !isdigit((unsigned char) buf[6]))
                return -EBADMSG;
        errno = 0;
        v = strtoull(buf + 6, &end, 10);
        if (errno || (*end && *end != ' ' && *end != '\n'))
                return -EBADMSG;
        *ret_qsize = v;
        return 0;
}

/* Which directory a kind lives in. */
static const char *kind_dir(const KindSources *src, IpcKind kind) {
        return kind == IPC_KIND_POSIX_MQ ? src->mqueue_dir : src->shm_dir;
}

static bool is_sem_name(const char *name) {
        return strncmp(name, "sem.", 4) == 0 && name[4];
}

/* The change time that stands for the object. Reading a queue's file (the only way to learn
 * its queued bytes) moves its ctime, as would every pass; sends and receives move its mtime
 * too, which nothing else does: for a queue, the mtime stands for both. */
static int64_t change_time(IpcKind kind, const struct stat *st) {
        return kind == IPC_KIND_POSIX_MQ ? st->st_mtim.tv_sec : st->st_ctim.tv_sec;
}

/* Fills o from a stat of the entry name; a queue's queued bytes come from reading it. */
static int fill_object(int dir_fd, IpcKind kind, const char *name, const struct stat *st,
                       IpcObject *o) {
        *o = (IpcObject){
                .kind = kind,
                .id = -1,
                .mode = st->st_mode & 07777,
                .uid = st->st_uid,
                .gid = st->st_gid,
                .cuid = st->st_uid,
                .cgid = st->st_gid,
                .size = S_ISREG(st->st_mode) ? (uint64_t) st->st_size : 0,
                .mtime = st->st_mtim.tv_sec,
                .ctime = change_time(kind, st),
                .dev = st->st_dev,
                .ino = st->st_ino,
                .not_regular = !S_ISREG(st->st_mode),
                .odd_name = !ipc_name_is_plain(name),
        };
        o->name = strdup(name);
        if (!o->name)
                return -ENOMEM;
        if (kind == IPC_KIND_POSIX_MQ)
                o->size = 0; /* Its queued bytes, if its status line says. */
        if (kind == IPC_KIND_POSIX_MQ && S_ISREG(st->st_mode)) {
                /* Reading a queue's file gives its status line; it consumes nothing. */
                _cleanup_close_ int fd = openat(
                        dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                char buf[256];
                ssize_t l = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
                if (l > 0) {
                        buf[l] = 0;
                        (void) posixipc_parse_mqueue(buf, &o->size);
                }
        }
        return 0;
}

/* Whether the entry belongs to kind: sem.* files of /dev/shm are semaphores, everything
 * else there (directories and symlinks too, listed and never touched) a segment. */
static bool entry_is_kind(IpcKind kind, const char *name, const struct stat *st) {
        switch (kind) {
        case IPC_KIND_POSIX_SEM:
                return S_ISREG(st->st_mode) && is_sem_name(name);
        case IPC_KIND_POSIX_SHM:
                return !(S_ISREG(st->st_mode) && is_sem_name(name));
        case IPC_KIND_POSIX_MQ:
                return true;
        default:
                return false;
        }
}

int posixipc_read_kind(const KindSources *src, IpcKind kind, ObjectTable *t) {
        _cleanup_(closedirp) DIR *d = NULL;
        const char *dir = kind_dir(src, kind);
        struct dirent *de;
        int dir_fd;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return -ENOENT; /* No such mount here: nothing of this kind. */
                return log_error_errno(errno, "Failed to open %s: %m", dir);
        }
        dir_fd = dirfd(d);
        while ((errno = 0, de = readdir(d))) {
                struct stat st;
                IpcObject *o;
                int r;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue; /* Removed meanwhile. */
                        return log_error_errno(errno, "Failed to stat %s/%s: %m", dir, de->d_name);
                }
                if (!entry_is_kind(kind, de->d_name, &st))
                        continue;
                o = object_table_append(t);
                if (!o)
                        return -ENOMEM;
                r = fill_object(dir_fd, kind, de->d_name, &st, o);
                if (r < 0) {
                        object_table_drop_last(t);
                        return r;
                }
        }
        if (errno != 0)
                return log_error_errno(errno, "Failed to list %s: %m", dir);
        return 0;
}

static int open_dir(const KindSources *src, IpcKind kind) {
        int fd = open(kind_dir(src, kind), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* A name that could leave the directory is no name of ours. */
static bool name_ok(const char *name) {
        return name && *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

int posixipc_stat(const KindSources *src, const IpcObject *seen, IpcObject *ret) {
        _cleanup_close_ int dir_fd = -1;
        struct stat st;

        if (!name_ok(seen->name))
                return -EINVAL;
        dir_fd = open_dir(src, seen->kind);
        if (dir_fd < 0)
                return dir_fd;
        if (fstatat(dir_fd, seen->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return fill_object(dir_fd, seen->kind, seen->name, &st, ret);
}

static bool same_file(const IpcObject *o, const struct stat *st) {
        return S_ISREG(st->st_mode) && st->st_dev == o->dev && st->st_ino == o->ino &&
               st->st_uid == o->uid;
}

int posixipc_set_mode(const KindSources *src, const IpcObject *o, int64_t expect_ctime,
                      uint32_t expect_mode, uint32_t mode, int64_t *ret_ctime) {
        _cleanup_close_ int dir_fd = -1, fd = -1;
        struct stat st;

        if (!name_ok(o->name))
                return -EINVAL;
        dir_fd = open_dir(src, o->kind);
        if (dir_fd < 0)
                return dir_fd;
        /* Only a regular file, never through a symlink; O_NONBLOCK, so that a FIFO put in
         * its place cannot hang the daemon before the check below. */
        fd = openat(dir_fd, o->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ELOOP ? -ESTALE : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!same_file(o, &st) ||
            (expect_ctime >= 0 && change_time(o->kind, &st) != expect_ctime) ||
            (st.st_mode & 0777) != (expect_mode & 0777))
                return -ESTALE;
        if (fchmod(fd, (st.st_mode & 07000) | (mode & 0777)) < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        *ret_ctime = change_time(o->kind, &st);
        return 0;
}

int posixipc_remove(const KindSources *src, const IpcObject *o) {
        _cleanup_close_ int dir_fd = -1;
        struct stat st;

        if (!name_ok(o->name))
                return -EINVAL;
        dir_fd = open_dir(src, o->kind);
        if (dir_fd < 0)
                return dir_fd;
        /* The name must still be this very file: a file put in its place is a new object.
         * Between this check and unlinkat() lies the one window no call closes (there is no
         * "unlink if inode"): a file renamed onto the name in those microseconds. */
        if (fstatat(dir_fd, o->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!same_file(o, &st))
                return -ESTALE;
        if (unlinkat(dir_fd, o->name, 0) < 0)
                return -errno;
        return 0;
}

int posixipc_set_users(IpcObject *o, const FileUsers *u) {
        const FileUser *first;
        size_t n = file_users_find(u, o->dev, o->ino, &first);
        const char *doubt = file_users_uncertain_reason(u, o->dev);

        o->users = mfree(o->users);
        o->n_users = 0;
        o->users_unknown = mfree(o->users_unknown);
        if (n > 0) {
                o->users = calloc(n, sizeof(IpcUser));
                if (!o->users)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        o->users[i] = (IpcUser){ .pid = first[i].pid, .mapped = first[i].mapped };
                o->n_users = n;
        }
        if (doubt || file_users_uncertain(u, o->dev)) {
                o->users_unknown = strdup(doubt ? doubt : "a process could not be read");
                if (!o->users_unknown)
                        return -ENOMEM;
        }
        return 0;
}

int posixipc_read_users(const KindSources *src, bool hidepid, FileUsers *ret) {
        uint64_t devs[2] = { posixipc_device(src->shm_dir), posixipc_device(src->mqueue_dir) };
        size_t n = 0;

        if (devs[0])
                n++;
        if (devs[1] && devs[1] != devs[0])
                devs[n++] = devs[1];
        return posixipc_read_users_of(src->procfs, devs, n, hidepid, ret);
}

int posixipc_read_users_of(const char *procfs, const uint64_t *devs, size_t n, bool hidepid,
                           FileUsers *ret) {
        int r = file_users_read(procfs, devs, n, ret);
        if (r < 0)
                return r;
        if (hidepid && !sysvipc_has_cap_sys_ptrace()) {
                r = file_users_add_uncertain(ret, 0,
                                             "/proc hides other users' processes (hidepid=) and "
                                             "the daemon lacks CAP_SYS_PTRACE");
                if (r < 0) {
                        file_users_done(ret);
                        return r;
                }
        }
        return 0;
}

void posixipc_read_limits(const KindSources *src, const ObjectTable *t, unsigned kinds_read,
                          IpcLimits *limits) {
        if (kinds_read & (1u << IPC_KIND_POSIX_MQ)) {
                _cleanup_free_ char *path = NULL;
                _cleanup_fclose_ FILE *f = NULL;
                unsigned long long max;

                for (size_t i = 0; i < t->n; i++)
                        if (t->objects[i].kind == IPC_KIND_POSIX_MQ)
                                limits->used[IPC_LIMIT_MQUEUES]++;
                if (asprintf(&path, "%s/sys/fs/mqueue/queues_max", src->procfs) >= 0 &&
                    (f = fopen(path, "re")) && fscanf(f, "%llu", &max) == 1)
                        limits->max[IPC_LIMIT_MQUEUES] = max;
        }
        if (kinds_read & ((1u << IPC_KIND_POSIX_SHM) | (1u << IPC_KIND_POSIX_SEM))) {
                struct statvfs sv;
                if (statvfs(src->shm_dir, &sv) >= 0 && sv.f_blocks > 0) {
                        limits->used[IPC_LIMIT_SHM_FS] =
                                (uint64_t) (sv.f_blocks - sv.f_bfree) * sv.f_frsize;
                        limits->max[IPC_LIMIT_SHM_FS] = (uint64_t) sv.f_blocks * sv.f_frsize;
                }
        }
}

uint64_t posixipc_device(const char *dir) {
        struct stat st;
        return dir && stat(dir, &st) >= 0 ? (uint64_t) st.st_dev : 0;
}
