/* SPDX-License-Identifier: MIT */
/* The IPC namespaces of the host: discovery from /proc, names from cgroups, setns threads. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "namespaces.h"
#include "posixipc.h"
#include "process.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

/* ---- names ---- */

/* Container cgroups, outermost first wins. A Kubernetes pod's containers share one IPC
 * namespace, so the pod slice names it, not the container scope beneath it. conmon, Podman's
 * monitor, runs in the host's namespace in libpod-conmon-ID.scope: not a container. */
static bool is_container_component(const char *c) {
        static const char *const globs[] = {
                "kubepods-*pod*.slice", "machine-*.scope",        "docker-*.scope",
                "libpod-*.scope",       "cri-containerd-*.scope", "crio-*.scope",
        };

        if (startswith(c, "libpod-conmon-") || startswith(c, "crio-conmon-"))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(globs); i++)
                if (fnmatch(globs[i], c, 0) == 0)
                        return true;
        return false;
}

char *namespace_container_from_cgroup(const char *path, const char *own) {
        const char *p = path, *o = own ? own : "";
        bool shared = true; /* the components so far are the daemon's own ancestors too */

        while (*p) {
                size_t n, m;

                p += strspn(p, "/");
                o += strspn(o, "/");
                n = strcspn(p, "/");
                m = strcspn(o, "/");
                if (n == 0)
                        break;
                shared = shared && n == m && memcmp(p, o, n) == 0;
                if (!shared) {
                        _cleanup_free_ char *c = strndup(p, n);
                        if (!c)
                                return NULL;
                        /* A name with control characters or not in UTF-8 is no name to show:
                         * the namespace is then called by its inode. */
                        if (is_container_component(c) && n <= 255 && ipc_name_is_plain(c))
                                return TAKE_PTR(c);
                }
                p += n;
                o += m;
        }
        return NULL;
}

int namespace_parse_cgroup_file(const char *contents, char **ret) {
        const char *line = contents, *best = NULL;
        int best_rank = 0;

        /* "ID:CONTROLLERS:PATH" lines: the unified hierarchy's ("0::") is what systemd and
         * the engines name their scopes in; cgroup v1 hosts have name=systemd. */
        while (line && *line) {
                const char *end = strchrnul(line, '\n'), *c1 = memchr(line, ':', end - line);
                const char *c2 = c1 ? memchr(c1 + 1, ':', end - c1 - 1) : NULL;
                int rank = 0;

                if (c2) {
                        if (c1 == line + 1 && line[0] == '0' && c2 == c1 + 1)
                                rank = 3;
                        else if (c2 - c1 - 1 == 12 && memcmp(c1 + 1, "name=systemd", 12) == 0)
                                rank = 2;
                        else
                                rank = 1;
                }
                if (rank > best_rank) {
                        best_rank = rank;
                        best = line;
                }
                line = *end ? end + 1 : NULL;
        }
        if (!best)
                return -EINVAL;
        {
                const char *end = strchrnul(best, '\n');
                const char *path = strchr(strchr(best, ':') + 1, ':') + 1;
                char *s = strndup(path, end - path);
                if (!s)
                        return -ENOMEM;
                *ret = s;
        }
        return 0;
}

char *namespace_name(const char *container, uint64_t inode) {
        char *s;

        if (container)
                return strdup(container);
        if (asprintf(&s, "ipc-%" PRIu64, inode) < 0)
                return NULL;
        return s;
}

/* ---- discovery ---- */

typedef struct Holder {
        uint64_t inode;
        uint64_t start_ticks;
        pid_t pid;
} Holder;

typedef struct Group {
        size_t first, n; /* in holders[] */
        bool foreign;    /* in another user namespace than the daemon's */
        uint64_t inode;
} Group;

static int group_compare(const void *a, const void *b) {
        const Group *x = a, *y = b;

        if (x->foreign != y->foreign)
                return x->foreign ? 1 : -1;
        return (x->inode > y->inode) - (x->inode < y->inode);
}

static int holder_compare(const void *a, const void *b) {
        const Holder *x = a, *y = b;

        if (x->inode != y->inode)
                return x->inode < y->inode ? -1 : 1;
        if (x->start_ticks != y->start_ticks)
                return x->start_ticks < y->start_ticks ? -1 : 1;
        return (x->pid > y->pid) - (x->pid < y->pid);
}

static int read_text(int dir_fd, const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return (int) n;
}

static int read_start_ticks(int proc_fd, pid_t pid, uint64_t *ret) {
        char path[64], buf[1024], state;
        int r;

        snprintf(path, sizeof(path), "%d/stat", (int) pid);
        r = read_text(proc_fd, path, buf, sizeof(buf));
        if (r < 0)
                return r;
        r = proc_parse_pid_stat(buf, &state, ret, NULL);
        if (r < 0)
                return r;
        return state == 'Z' || state == 'X' ? -ESRCH : 0;
}

static int read_cgroup_path(int proc_fd, const char *pid, char **ret) {
        char path[64], buf[4096];
        int r;

        snprintf(path, sizeof(path), "%s/cgroup", pid);
        r = read_text(proc_fd, path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return namespace_parse_cgroup_file(buf, ret);
}

/* A POSIX mount of the holder's, resolved inside its root so that no symlink of the
 * container's leads the daemon out of it, and only if it is the filesystem it should be. */
static int open_posix_dir(int root_fd, const char *path, long magic, int *ret_fd,
                          uint64_t *ret_dev) {
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        struct statfs sfs;
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (sfs.f_type != magic)
                return -EMEDIUMTYPE;
        *ret_dev = (uint64_t) st.st_dev;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static bool device_taken(const NamespaceSet *s, uint64_t dev) {
        for (size_t i = 0; i < s->n; i++)
                if ((s->handles[i].shm_dev == dev && s->handles[i].src.shm_dir) ||
                    (s->handles[i].mqueue_dev == dev && s->handles[i].src.mqueue_dir))
                        return true;
        return false;
}

static void attach_posix_dirs(NamespaceSet *s, NamespaceHandle *h, int proc_fd) {
        char path[64];
        _cleanup_close_ int root_fd = -EBADF;
        int fd;
        uint64_t dev;

        snprintf(path, sizeof(path), "%d/root", (int) h->holder);
        root_fd = openat(proc_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return;
        /* The same mount as the host's or another container's (docker --ipc=host, a pod's
         * containers) is read once, for the first namespace that has it. */
        if (open_posix_dir(root_fd, "dev/shm", TMPFS_MAGIC, &fd, &dev) >= 0) {
                if (device_taken(s, dev))
                        close(fd);
                else {
                        h->shm_fd = fd;
                        h->shm_dev = dev;
                        snprintf(h->shm_path, sizeof(h->shm_path), "/proc/self/fd/%d", fd);
                        h->src.shm_dir = h->shm_path;
                }
        }
        if (open_posix_dir(root_fd, "dev/mqueue", MQUEUE_MAGIC, &fd, &dev) >= 0) {
                if (device_taken(s, dev))
                        close(fd);
                else {
                        h->mqueue_fd = fd;
                        h->mqueue_dev = dev;
                        snprintf(h->mqueue_path, sizeof(h->mqueue_path), "/proc/self/fd/%d", fd);
                        h->src.mqueue_dir = h->mqueue_path;
                }
        }
}

static void handle_done(NamespaceHandle *h) {
        ipc_namespace_unref(h->ns);
        safe_close(h->fd);
        safe_close(h->shm_fd);
        safe_close(h->mqueue_fd);
        *h = (NamespaceHandle){ .fd = -EBADF, .shm_fd = -EBADF, .mqueue_fd = -EBADF };
}

/* Opens the namespace of the oldest of holders[0..n) that still holds it. */
static int open_namespace(NamespaceSet *s, int proc_fd, const Holder *holders, size_t n,
                          const char *own_cgroup, int64_t btime, long hz) {
        NamespaceHandle *h = &s->handles[s->n];

        for (size_t i = 0; i < n; i++) {
                char pid[16], path[64];
                _cleanup_close_ int fd = -EBADF;
                _cleanup_free_ char *cgroup = NULL, *container = NULL, *name = NULL;
                struct stat st;
                uint64_t ticks;

                snprintf(pid, sizeof(pid), "%d", (int) holders[i].pid);
                snprintf(path, sizeof(path), "%s/ns/ipc", pid);
                fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0 || (uint64_t) st.st_ino != holders[i].inode)
                        continue; /* Gone, or its pid reused: the next holder. */
                /* Still the process that was seen (not a reused pid): its start names the
                 * namespace's identity. */
                if (read_start_ticks(proc_fd, holders[i].pid, &ticks) < 0 ||
                    ticks != holders[i].start_ticks)
                        continue;
                if (read_cgroup_path(proc_fd, pid, &cgroup) >= 0)
                        container = namespace_container_from_cgroup(cgroup, own_cgroup);
                name = namespace_name(container, holders[i].inode);
                if (!name)
                        return -ENOMEM;
                *h = (NamespaceHandle){
                        .fd = TAKE_FD(fd),
                        .holder = holders[i].pid,
                        .shm_fd = -EBADF,
                        .mqueue_fd = -EBADF,
                        .src = s->handles[0].src,
                };
                h->src.shm_dir = h->src.mqueue_dir = NULL;
                h->ns = ipc_namespace_new(
                        holders[i].inode,
                        (uint64_t) btime * 1000000 + ticks * 1000000 / (uint64_t) hz, name, false);
                if (!h->ns) {
                        handle_done(h);
                        return -ENOMEM;
                }
                s->n++;
                attach_posix_dirs(s, h, proc_fd);
                return 1;
        }
        return 0; /* Every process in it is gone: so are its objects. */
}

/* Two namespaces in one container (a process in it made another): the one with the oldest
 * process keeps the container's name, the others are NAME:ipc-INODE, which the container's
 * globs still match. Handles are ordered by the oldest process start within a name. */
static int make_names_unique(NamespaceSet *s) {
        for (size_t i = 1; i < s->n; i++) {
                NamespaceHandle *h = &s->handles[i], *keeper = NULL;
                char *name;

                for (size_t j = 1; j < s->n; j++) {
                        NamespaceHandle *o = &s->handles[j];
                        if (j == i || !streq(o->ns->name, h->ns->name))
                                continue;
                        if (o->ns->start_usec < h->ns->start_usec ||
                            (o->ns->start_usec == h->ns->start_usec && o->ns->inode < h->ns->inode))
                                keeper = o;
                }
                if (!keeper || startswith(h->ns->name, "ipc-"))
                        continue;
                if (asprintf(&name, "%s:ipc-%" PRIu64, h->ns->name, h->ns->inode) < 0)
                        return -ENOMEM;
                free(h->ns->name);
                h->ns->name = name;
        }
        return 0;
}

static uint64_t own_inode(const char *procfs) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        /* thread-self: this thread's namespace, which is what it reads and removes in. */
        if (asprintf(&path, "%s/thread-self/ns/ipc", procfs) < 0)
                return 0;
        if (stat(path, &st) < 0)
                return 0;
        return (uint64_t) st.st_ino;
}

int namespaces_discover(const KindSources *host_src, bool all, NamespaceSet *ret) {
        NamespaceSet s = { 0 };
        _cleanup_free_ Holder *holders = NULL;
        _cleanup_free_ char *own_cgroup = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        size_t n_holders = 0, allocated = 0, capacity = 1;
        uint64_t own = own_inode(host_src->procfs), own_user = 0;
        struct dirent *de;
        int64_t btime = 0;
        long hz = sysconf(_SC_CLK_TCK);
        char buf[4096];
        int proc_fd, r;

        s.handles = calloc(1, sizeof(NamespaceHandle));
        if (!s.handles)
                return -ENOMEM;
        s.handles[0] = (NamespaceHandle){
                .fd = -EBADF,
                .shm_fd = -EBADF,
                .mqueue_fd = -EBADF,
                .src = *host_src,
                .holder = getpid(),
                .shm_dev = host_src->shm_dir ? posixipc_device(host_src->shm_dir) : 0,
                .mqueue_dev = host_src->mqueue_dir ? posixipc_device(host_src->mqueue_dir) : 0,
        };
        s.handles[0].ns = ipc_namespace_new(own, 0, IPC_NAMESPACE_HOST, true);
        s.n = 1;
        if (!s.handles[0].ns) {
                namespace_set_done(&s);
                return -ENOMEM;
        }
        if (!all || own == 0) {
                *ret = s;
                return 0;
        }

        d = opendir(host_src->procfs);
        if (!d) {
                r = log_warning_errno(errno,
                                      "Failed to open %s, reading the host's namespace "
                                      "only: %m",
                                      host_src->procfs);
                *ret = s;
                return 0;
        }
        proc_fd = dirfd(d);
        if (read_text(proc_fd, "stat", buf, sizeof(buf)) >= 0)
                (void) proc_parse_btime(buf, &btime);
        if (read_text(proc_fd, "self/cgroup", buf, sizeof(buf)) >= 0)
                (void) namespace_parse_cgroup_file(buf, &own_cgroup);
        {
                struct stat st;
                if (fstatat(proc_fd, "self/ns/user", &st, 0) >= 0)
                        own_user = (uint64_t) st.st_ino;
        }

        while ((de = readdir(d))) {
                char path[300];
                struct stat st;
                pid_t pid;
                uint64_t ticks;

                if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
                    strspn(de->d_name, "0123456789") != strlen(de->d_name))
                        continue;
                s.n_processes++;
                snprintf(path, sizeof(path), "%s/ns/ipc", de->d_name);
                /* Unreadable (gone, a zombie, a kernel thread's): no namespace to add. */
                if (fstatat(proc_fd, path, &st, 0) < 0 || (uint64_t) st.st_ino == own)
                        continue;
                pid = (pid_t) atoi(de->d_name);
                if (read_start_ticks(proc_fd, pid, &ticks) < 0)
                        continue;
                if (n_holders == allocated) {
                        size_t a = MAX(allocated * 2, (size_t) 64);
                        Holder *p = reallocarray(holders, a, sizeof(Holder));
                        if (!p) {
                                namespace_set_done(&s);
                                return -ENOMEM;
                        }
                        holders = p;
                        allocated = a;
                }
                holders[n_holders++] =
                        (Holder){ .inode = (uint64_t) st.st_ino, .start_ticks = ticks, .pid = pid };
        }
        qsort(holders, n_holders, sizeof(Holder), holder_compare);

        /* One group of holders per namespace, those of the host's user namespace first. */
        Group *groups = NULL;
        size_t n_groups = 0, allocated_groups = 0;
        for (size_t i = 0, j; i < n_holders; i = j) {
                char path[64];
                struct stat st;

                for (j = i; j < n_holders && holders[j].inode == holders[i].inode; j++)
                        ;
                if (GREEDY_REALLOC(groups, allocated_groups, n_groups + 1) < 0) {
                        free(groups);
                        namespace_set_done(&s);
                        return -ENOMEM;
                }
                snprintf(path, sizeof(path), "%d/ns/user", (int) holders[i].pid);
                groups[n_groups++] = (Group){
                        .first = i,
                        .n = j - i,
                        /* Unreadable counts as foreign: it only ever comes later. */
                        .foreign = fstatat(proc_fd, path, &st, 0) < 0 ||
                                   (uint64_t) st.st_ino != own_user,
                        .inode = holders[i].inode,
                };
        }
        qsort(groups, n_groups, sizeof(Group), group_compare);
        if (n_groups > NAMESPACES_MAX) {
                s.n_skipped = n_groups - NAMESPACES_MAX;
                log_warning("%zu IPC namespaces found, reading %d of them this pass (those of the "
                            "host's user namespace first): the rest are skipped.",
                            n_groups, NAMESPACES_MAX);
                n_groups = NAMESPACES_MAX;
        }

        for (size_t g = 0; g < n_groups; g++) {
                size_t i = groups[g].first, j = i + groups[g].n;

                if (s.n == capacity) {
                        NamespaceHandle *p =
                                reallocarray(s.handles, capacity * 2, sizeof(NamespaceHandle));
                        if (!p) {
                                namespace_set_done(&s);
                                return -ENOMEM;
                        }
                        s.handles = p;
                        capacity *= 2;
                }
                r = open_namespace(&s, proc_fd, holders + i, j - i, own_cgroup, btime, hz);
                if (r < 0) {
                        free(groups);
                        namespace_set_done(&s);
                        return r;
                }
        }
        free(groups);
        r = make_names_unique(&s);
        if (r < 0) {
                namespace_set_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void namespace_set_done(NamespaceSet *s) {
        for (size_t i = 0; i < s->n; i++)
                handle_done(&s->handles[i]);
        free(s->handles);
        *s = (NamespaceSet){ 0 };
}

NamespaceHandle *namespace_set_find(const NamespaceSet *s, const IpcNamespace *ns) {
        for (size_t i = 0; i < s->n; i++)
                if (ipc_namespace_same(s->handles[i].ns, ns))
                        return &s->handles[i];
        return NULL;
}

/* ---- entering ---- */

typedef struct RunArgs {
        int fd;
        int (*fn)(void *userdata);
        void *userdata;
        int r;
} RunArgs;

static void *run_thread(void *p) {
        RunArgs *a = p;

        /* This thread only: the others, and the pid namespace, stay where they are. The
         * thread ends with fn, and its namespace with it. */
        if (setns(a->fd, CLONE_NEWIPC) < 0) {
                a->r = -errno;
                return NULL;
        }
        a->r = a->fn(a->userdata);
        return NULL;
}

int namespace_run(const NamespaceHandle *h, int (*fn)(void *userdata), void *userdata) {
        RunArgs a = { .fd = h->fd, .fn = fn, .userdata = userdata };
        sigset_t all, old;
        pthread_t t;
        int r;

        if (h->fd < 0)
                return fn(userdata);
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        r = -pthread_create(&t, NULL, run_thread, &a);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return r;
        pthread_join(t, NULL);
        return a.r;
}
