/* SPDX-License-Identifier: MIT */
/* Files mapped or held open by some process: one walk of PROCFS/PID/maps and PROCFS/PID/fd,
 * keeping (device, inode, pid) for the devices asked for, and what could not be judged. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "file-users.h"
#include "doubts.h"
#include "log.h"
#include "macro.h"

/* ---- the maps line parser ---- */

/* Parses 1 to max_digits lowercase hex digits at *p (the kernel prints hex_asc), moving *p past
 * them. */
static bool parse_hex_field(const char **p, size_t max_digits, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;
        size_t digits = 0;

        for (;; s++, digits++) {
                unsigned d;
                if (*s >= '0' && *s <= '9')
                        d = (unsigned) (*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned) (*s - 'a' + 10);
                else
                        break;
                if (digits == max_digits)
                        return false;
                v = v << 4 | d;
        }
        if (digits == 0)
                return false;
        *p = s;
        *ret = v;
        return true;
}

static bool parse_decimal_field(const char **p, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;

        for (; *s >= '0' && *s <= '9'; s++) {
                uint64_t d = (uint64_t) (*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        if (s == *p)
                return false;
        *p = s;
        *ret = v;
        return true;
}

/* The four permission letters of show_vma_header_prefix(): r, w, x or '-', then s or p. */
static bool parse_perms(const char **p) {
        const char *s = *p;

        if ((s[0] != 'r' && s[0] != '-') || (s[1] != 'w' && s[1] != '-') ||
            (s[2] != 'x' && s[2] != '-') || (s[3] != 's' && s[3] != 'p'))
                return false;
        *p = s + 4;
        return true;
}

/* The layout of fs/proc/task_mmu.c show_vma_header_prefix(): "%08lx-%08lx %c%c%c%c %08llx
 * %02x:%02x %lu " (hex without a width limit above 8 digits; MAJOR and MINOR of the kernel's
 * 12/20-bit dev_t), then, for a named area, blanks up to a column and the name, escaped so it
 * holds no newline. An area without a name ends in "INODE " and the newline. */
int file_users_parse_maps_line(const char *line, uint64_t *ret_dev, uint64_t *ret_ino) {
        const char *p = line;
        uint64_t start, end, offset, major, minor, ino;

        if (!parse_hex_field(&p, 16, &start) || *p++ != '-' || !parse_hex_field(&p, 16, &end) ||
            *p++ != ' ' || !parse_perms(&p) || *p++ != ' ' || !parse_hex_field(&p, 16, &offset) ||
            *p++ != ' ' || !parse_hex_field(&p, 8, &major) || *p++ != ':' ||
            !parse_hex_field(&p, 8, &minor) || *p++ != ' ' || !parse_decimal_field(&p, &ino))
                return -EBADMSG;
        /* Then the end, the newline, or a blank and whatever name (checked no further: a path
         * may hold anything but a newline). */
        if (*p == '\n')
                p++;
        else if (*p == ' ')
                p = "";
        if (*p != 0 || end < start || major > UINT32_MAX || minor > UINT32_MAX)
                return -EBADMSG;
        if (ino == 0)
                return 0;
        *ret_dev = (uint64_t) makedev((unsigned) major, (unsigned) minor);
        *ret_ino = ino;
        return 1;
}

/* ---- the walk ---- */

typedef struct Walk {
        int proc_fd;
        const uint64_t *devs;
        size_t n_devs;
        char *chunk; /* FILE_USERS_MAPS_CHUNK + 1 bytes, reused for every maps file */
        FileUser *users;
        size_t n_users, allocated_users;
        /* What could not be judged, with the first reason each (doubts.h). */
        uint64_t *doubt_keys;
        char **doubt_reasons;
        size_t n_doubts;
        size_t n_processes, n_fds, n_maps_lines;
        pid_t self; /* the daemon's own process, under the real /proc: it opens what it fences */
        bool oom;
} Walk;

static bool gone_errno(int r) {
        return r == -ENOENT || r == -ESRCH;
}

static void add_doubt(Walk *walk, uint64_t dev, char *reason) {
        if (!reason ||
            doubts_add(&walk->doubt_keys, &walk->doubt_reasons, &walk->n_doubts, dev, reason) < 0)
                walk->oom = true;
        free(reason);
}

/* The process could not be judged (what says why, error is an errno or 0): it may map or hold
 * any file on any device. */
static void doubt_process(Walk *walk, pid_t pid, const char *what, int error) {
        char *reason = NULL;

        if ((error ? asprintf(&reason, "pid %d: %s: %s", (int) pid, what, strerror(error))
                   : asprintf(&reason, "pid %d: %s", (int) pid, what)) < 0)
                reason = NULL;
        add_doubt(walk, 0, reason);
}

static bool wanted_dev(const Walk *walk, uint64_t dev) {
        for (size_t i = 0; i < walk->n_devs; i++)
                if (walk->devs[i] == dev)
                        return true;
        return false;
}

static void add_user(Walk *walk, uint64_t dev, uint64_t ino, pid_t pid, bool mapped) {
        FileUser *last = walk->n_users > 0 ? &walk->users[walk->n_users - 1] : NULL;

        /* A file mapped in several consecutive areas (or regions split by mprotect) comes in
         * a run of lines: merged at once; other repeats are merged after the sort. */
        if (last && last->dev == dev && last->ino == ino && last->pid == pid) {
                last->mapped |= mapped;
                last->open |= !mapped;
                return;
        }
        if (GREEDY_REALLOC(walk->users, walk->allocated_users, walk->n_users + 1) < 0) {
                walk->oom = true;
                return;
        }
        walk->users[walk->n_users++] = (FileUser){
                .dev = dev,
                .ino = ino,
                .pid = pid,
                .mapped = mapped,
                .open = !mapped,
        };
}

/* Writes the decimal n at p; returns the end. */
static char *format_uint(char *p, uint32_t n) {
        char digits[10];
        size_t l = 0;

        do {
                digits[l++] = (char) ('0' + n % 10);
                n /= 10;
        } while (n);
        while (l)
                *p++ = digits[--l];
        return p;
}

/* "PID/FILE", or "PID/task/TID/FILE" when tid > 0, relative to procfs. */
static void process_path(char *buf, pid_t pid, pid_t tid, const char *file) {
        char *p = format_uint(buf, (uint32_t) pid);

        if (tid > 0) {
                memcpy(p, "/task/", 6);
                p = format_uint(p + 6, (uint32_t) tid);
        }
        *p++ = '/';
        strcpy(p, file);
}

#define PROCESS_PATH_MAX (2 * 10 + sizeof("/task//maps"))

/* A line of the maps of pid; line is NUL-terminated, without its newline. */
static void judge_maps_line(Walk *walk, pid_t pid, const char *line, bool *bad) {
        uint64_t dev, ino;
        int r = file_users_parse_maps_line(line, &dev, &ino);

        walk->n_maps_lines++;
        if (r < 0)
                *bad = true;
        else if (r > 0 && wanted_dev(walk, dev))
                add_user(walk, dev, ino, pid, true);
}

/* Streams path (PID/maps or PID/task/TID/maps) through walk->chunk, judging each line. A
 * process can have tens of thousands of areas, and one line can be longer than any buffer: the
 * head of such a line (device and inode come early) is judged and the rest skipped. Returns the
 * number of lines (0: no address space: a kernel thread, an exited leader, a zombie), or
 * negative errno; -EBADMSG when some line did not parse. */
static ssize_t read_maps(Walk *walk, const char *path, pid_t pid) {
        _cleanup_close_ int fd = -1;
        char *chunk = walk->chunk;
        size_t have = 0, lines_before = walk->n_maps_lines;
        bool skipping = false, bad = false;

        fd = openat(walk->proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = read(fd, chunk + have, FILE_USERS_MAPS_CHUNK - have);
                char *p = chunk, *end, *newline;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                end = chunk + have + n;
                while ((newline = memchr(p, '\n', (size_t) (end - p)))) {
                        if (skipping)
                                skipping = false; /* the tail of an overlong line */
                        else {
                                *newline = 0;
                                judge_maps_line(walk, pid, p, &bad);
                        }
                        p = newline + 1;
                }
                have = (size_t) (end - p);
                if (skipping)
                        have = 0;
                else if (have == FILE_USERS_MAPS_CHUNK) {
                        /* A whole chunk without a newline: judge its head, skip the rest. */
                        chunk[have] = 0;
                        judge_maps_line(walk, pid, chunk, &bad);
                        skipping = true;
                        have = 0;
                } else
                        memmove(chunk, p, have);
        }
        if (have > 0 && !skipping) {
                /* A last line without its newline (a fixture, or a file cut short). */
                chunk[have] = 0;
                judge_maps_line(walk, pid, chunk, &bad);
        }
        if (bad)
                return -EBADMSG;
        return (ssize_t) (walk->n_maps_lines - lines_before);
}

/* One entry of the descriptor directory dir_fd: one statx through the magic link, which leads
 * to the open file itself, even unlinked or outside this mount namespace. Not a readlink first
 * to skip sockets, pipes and anonymous inodes by their "socket:[123]" names: both calls cost
 * the same lookup of PID/fd/N (about 2.5 us each here, for a socket as for a file; see
 * bench/file-users.sh), so one call for every descriptor is cheaper than one for some and two
 * for the others, and those files' devices are filtered out like any other.
 * AT_STATX_DONT_SYNC: the device and inode come from the in-memory inode, and a network or
 * FUSE file is not revalidated, so a hung server cannot stall the walk. Returns 0 (judged, or
 * closed meanwhile) or negative errno. */
static int judge_fd(Walk *walk, int dir_fd, const char *name, pid_t pid) {
        struct statx stx;

        if (statx(dir_fd, name, AT_STATX_DONT_SYNC, STATX_INO, &stx) < 0)
                return gone_errno(-errno) ? 0 : -errno;
        uint64_t dev = (uint64_t) makedev(stx.stx_dev_major, stx.stx_dev_minor);
        if (wanted_dev(walk, dev))
                add_user(walk, dev, stx.stx_ino, pid, false);
        return 0;
}

/* Every descriptor in path (PID/fd or PID/task/TID/fd). */
static void walk_fds(Walk *walk, const char *path, pid_t pid) {
        _cleanup_close_ int dir_fd = -1;
        char buf[8192];
        ssize_t n;
        int r;

        dir_fd = openat(walk->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
                if (!gone_errno(-errno))
                        doubt_process(walk, pid, "listing its descriptors", errno);
                return;
        }
        while ((n = getdents64(dir_fd, buf, sizeof(buf))) > 0) {
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *de = (const struct dirent64 *) (buf + off);

                        off += de->d_reclen;
                        if (de->d_name[0] < '0' || de->d_name[0] > '9')
                                continue; /* "." and ".." */
                        walk->n_fds++;
                        r = judge_fd(walk, dir_fd, de->d_name, pid);
                        if (r < 0) {
                                char what[sizeof("reading its descriptor ") + 256];
                                snprintf(what, sizeof(what), "reading its descriptor %s",
                                         de->d_name);
                                doubt_process(walk, pid, what, -r);
                                return;
                        }
                }
        }
        if (n < 0 && !gone_errno(-errno))
                doubt_process(walk, pid, "listing its descriptors", errno);
}

/* A process whose maps read empty is a kernel thread, a zombie, or a thread group whose leader
 * has exited while other threads run on: the leader's mm and files are gone, the group's are
 * with the others. PID/task has 2 + (number of threads) links in procfs: 3 is a lone thread, and
 * nearly every such process. Returns a live thread whose maps were read (and judged), or 0. */
static pid_t other_live_thread(Walk *walk, pid_t pid) {
        _cleanup_close_ int task_fd = -1;
        char path[PROCESS_PATH_MAX], buf[4096];
        struct stat st;
        ssize_t n;

        process_path(path, pid, 0, "task");
        /* A fixture's directory may have another link count (btrfs says 1): then list it. */
        if (fstatat(walk->proc_fd, path, &st, 0) < 0 || st.st_nlink == 3)
                return 0;
        task_fd = openat(walk->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (task_fd < 0)
                return 0;
        while ((n = getdents64(task_fd, buf, sizeof(buf))) > 0) {
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *de = (const struct dirent64 *) (buf + off);
                        char *end;
                        long tid;

                        off += de->d_reclen;
                        if (de->d_name[0] < '1' || de->d_name[0] > '9')
                                continue;
                        tid = strtol(de->d_name, &end, 10);
                        if (*end || tid <= 0 || tid > INT32_MAX || tid == pid)
                                continue;
                        process_path(path, pid, (pid_t) tid, "maps");
                        ssize_t lines = read_maps(walk, path, pid);
                        if (lines > 0)
                                return (pid_t) tid;
                        if (lines < 0 && !gone_errno((int) lines)) {
                                doubt_process(walk, pid, "reading a thread's maps", (int) -lines);
                                return 0;
                        }
                }
        }
        return 0;
}

static void collect_users_from(Walk *walk, size_t first);

static void walk_process(Walk *walk, pid_t pid) {
        char path[PROCESS_PATH_MAX];
        pid_t tid = 0;
        size_t first = walk->n_users;
        ssize_t lines;

        process_path(path, pid, 0, "maps");
        lines = read_maps(walk, path, pid);
        if (gone_errno((int) lines))
                return;
        walk->n_processes++;
        if (lines == -EBADMSG)
                doubt_process(walk, pid, "unexpected line in its maps", 0);
        else if (lines < 0)
                /* Its descriptors are still listed: what they show is true, and names users
                 * in Explain. */
                doubt_process(walk, pid, "reading its maps", (int) -lines);
        else if (lines == 0)
                tid = other_live_thread(walk, pid);
        process_path(path, pid, tid, "fd");
        walk_fds(walk, path, pid);
        /* One entry per file for this process: a process holding a file open a hundred
         * thousand times costs one entry, not a hundred thousand, whatever the walk does. */
        collect_users_from(walk, first);
}

/* A /proc entry name that is a pid; 0 for anything else. */
static pid_t parse_pid_name(const char *name) {
        uint64_t v = 0;
        size_t n = 0;

        for (; name[n]; n++) {
                if (name[n] < '0' || name[n] > '9' || n == 10)
                        return 0;
                v = v * 10 + (uint64_t) (name[n] - '0');
        }
        return n > 0 && v <= INT32_MAX ? (pid_t) v : 0;
}

static int user_compare(const void *a, const void *b) {
        const FileUser *x = a, *y = b;

        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Sorts the users from first on and merges the entries of one process for one file. */
static void collect_users_from(Walk *walk, size_t first) {
        size_t n = first;

        if (walk->n_users <= first)
                return;
        qsort(walk->users + first, walk->n_users - first, sizeof(FileUser), user_compare);
        for (size_t i = first + 1; i < walk->n_users; i++) {
                FileUser *kept = &walk->users[n];
                const FileUser *u = &walk->users[i];

                if (user_compare(kept, u) == 0) {
                        kept->mapped |= u->mapped;
                        kept->open |= u->open;
                } else
                        walk->users[++n] = *u;
        }
        walk->n_users = n + 1;
}

static void collect_users(Walk *walk) {
        collect_users_from(walk, 0);
}

static void walk_done(Walk *walk) {
        doubts_free(walk->doubt_keys, walk->doubt_reasons, walk->n_doubts);
        free(walk->users);
        free(walk->chunk);
        if (walk->proc_fd >= 0)
                close(walk->proc_fd);
}

int file_users_read(const char *procfs, const uint64_t *devs, size_t n_devs, FileUsers *ret) {
        Walk walk = { .proc_fd = -1, .devs = devs, .n_devs = n_devs };
        FileUsers u = { 0 };
        char buf[16384];
        ssize_t n;
        int r;

        if (n_devs == 0) {
                *ret = u;
                return 0;
        }
        walk.self = streq(procfs, "/proc") ? getpid() : 0;
        walk.chunk = malloc(FILE_USERS_MAPS_CHUNK + 1);
        if (!walk.chunk) {
                r = log_oom();
                goto finish;
        }
        walk.proc_fd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (walk.proc_fd < 0) {
                r = log_error_errno(errno, "Failed to open %s: %m", procfs);
                goto finish;
        }
        while ((n = getdents64(walk.proc_fd, buf, sizeof(buf))) > 0) {
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *de = (const struct dirent64 *) (buf + off);
                        pid_t pid = parse_pid_name(de->d_name);

                        off += de->d_reclen;
                        if (pid > 0 && pid != walk.self &&
                            (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN))
                                walk_process(&walk, pid);
                }
        }
        if (n < 0) {
                r = log_error_errno(errno, "Failed to list %s: %m", procfs);
                goto finish;
        }
        if (walk.oom) {
                r = log_oom();
                goto finish;
        }

        collect_users(&walk);
        u.uncertain_devs = TAKE_PTR(walk.doubt_keys);
        u.uncertain_reasons = TAKE_PTR(walk.doubt_reasons);
        u.n_uncertain_devs = walk.n_doubts;
        u.users = TAKE_PTR(walk.users);
        u.n_users = walk.n_users;
        u.n_processes = walk.n_processes;
        u.n_fds = walk.n_fds;
        u.n_maps_lines = walk.n_maps_lines;
        *ret = u;
        r = 0;
finish:
        walk_done(&walk);
        return r;
}

void file_users_done(FileUsers *u) {
        doubts_free(u->uncertain_devs, u->uncertain_reasons, u->n_uncertain_devs);
        free(u->users);
        *u = (FileUsers){ 0 };
}

size_t file_users_find(const FileUsers *u, uint64_t dev, uint64_t ino, const FileUser **ret_first) {
        size_t lo = 0, hi = u->n_users, n = 0;

        /* The first user not below (dev, ino). */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const FileUser *m = &u->users[mid];
                if (m->dev < dev || (m->dev == dev && m->ino < ino))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        while (lo + n < u->n_users && u->users[lo + n].dev == dev && u->users[lo + n].ino == ino)
                n++;
        if (ret_first)
                *ret_first = n > 0 ? &u->users[lo] : NULL;
        return n;
}

const char *file_users_uncertain_reason(const FileUsers *u, uint64_t dev) {
        return doubts_reason(u->uncertain_devs, u->uncertain_reasons, u->n_uncertain_devs, dev);
}

bool file_users_uncertain(const FileUsers *u, uint64_t dev) {
        return file_users_uncertain_reason(u, dev) != NULL;
}

int file_users_add_uncertain(FileUsers *u, uint64_t dev, const char *reason) {
        return doubts_add(&u->uncertain_devs, &u->uncertain_reasons, &u->n_uncertain_devs, dev,
                          reason);
}
