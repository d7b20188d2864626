/* SPDX-License-Identifier: MIT */
/* Process liveness with the pid-reuse guard, creator attribution, and owners' processes. */
#include <ctype.h>
#include <signal.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-login.h>

#include "log.h"
#include "macro.h"
#include "process.h"

/* Reads a small /proc file whole; /proc files report size 0, so read until EOF. */
static int read_small_file(const char *path, char *buf, size_t size, size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (n < size - 1) {
                ssize_t l = read(fd, buf + n, size - 1 - n);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0)
                        break;
                n += (size_t) l;
        }
        buf[n] = 0;
        if (ret_len)
                *ret_len = n;
        return 0;
}

int proc_parse_btime(const char *stat_buffer, int64_t *ret) {
        const char *p = stat_buffer;

        while (p && *p) {
                if (strncmp(p, "btime ", 6) == 0) {
                        char *end;
                        errno = 0;
                        long long v = strtoll(p + 6, &end, 10);
                        if (errno || end == p + 6 || v <= 0 || (*end && *end != '\n'))
                                return -EBADMSG;
                        *ret = v;
                        return 0;
                }
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return -ENODATA;
}

int proc_parse_pid_stat(const char *buffer, char *ret_state, uint64_t *ret_start_ticks,
                        char ret_comm[16]) {
        /* "PID (COMM) STATE f4 ... f22=starttime ...": comm may hold spaces and parens, so
         * it ends at the last ')'. */
        const char *open = strchr(buffer, '('), *close = strrchr(buffer, ')'), *p;
        unsigned long long start;
        char state;

        if (!open || !close || close < open || close[1] != ' ')
                return -EBADMSG;
        p = close + 2;
        state = *p;
        if (!state || !isalpha((unsigned char) state))
                return -EBADMSG;
        p++;
        /* Fields 4 to 21 come between the state and starttime. */
        for (int field = 4; field <= 22; field++) {
                if (*p != ' ')
                        return -EBADMSG;
                p++;
                if (field == 22)
                        break;
                p += strcspn(p, " ");
        }
        char *end;
        /* strtoull() takes a sign ("-5" is 2^64 - 5); the kernel writes digits only. */
        if (!isdigit((unsigned char) *p))
                return -EBADMSG;
        errno = 0;
        start = strtoull(p, &end, 10);
        if (errno || (*end != ' ' && *end != '\n' && *end))
                return -EBADMSG;

        if (ret_comm) {
                size_t l = MIN((size_t) (close - open - 1), (size_t) 15);
                memcpy(ret_comm, open + 1, l);
                ret_comm[l] = 0;
        }
        *ret_state = state;
        *ret_start_ticks = start;
        return 0;
}

int proc_parse_status_uids(const char *buffer, uint32_t ret_uids[4]) {
        const char *p = strstr(buffer, "\nUid:");
        uint32_t uids[4];

        if (!p)
                p = strncmp(buffer, "Uid:", 4) == 0 ? buffer : NULL;
        else
                p++;
        if (!p)
                return -EBADMSG;
        p += strlen("Uid:");
        for (size_t i = 0; i < 4; i++) {
                unsigned long v;
                char *end;

                p += strspn(p, " \t");
                if (!isdigit((unsigned char) *p))
                        return -EBADMSG;
                errno = 0;
                v = strtoul(p, &end, 10);
                if (errno || v > UINT32_MAX)
                        return -EBADMSG;
                uids[i] = (uint32_t) v;
                p = end;
        }
        if (*p && *p != '\n' && *p != ' ' && *p != '\t')
                return -EBADMSG;
        memcpy(ret_uids, uids, sizeof(uids));
        return 0;
}

bool proc_parse_mountinfo_hidepid(const char *mountinfo, const char *mountpoint) {
        bool hidden = false;

        for (const char *line = mountinfo; line && *line;) {
                const char *end = strchrnul(line, '\n'), *dash, *opt;
                char point[PATH_MAX], type[32];

                /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - TYPE SOURCE SUPEROPTS" */
                if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
                    streq(point, mountpoint) && (dash = strstr(line, " - ")) && dash < end &&
                    sscanf(dash + 3, "%31s", type) == 1 && streq(type, "proc")) {
                        /* The last mount on the point is the one in effect. */
                        hidden = false;
                        opt = strstr(dash, "hidepid=");
                        if (opt && opt < end) {
                                opt += strlen("hidepid=");
                                hidden = !(strncmp(opt, "0", 1) == 0 &&
                                           !isalnum((unsigned char) opt[1])) &&
                                         strncmp(opt, "off", 3) != 0;
                        }
                }
                line = *end ? end + 1 : NULL;
        }
        return hidden;
}

int process_cache_init(ProcessCache *c, const char *procfs) {
        _cleanup_free_ char *path = NULL;
        char buf[16384];
        int r;

        *c = (ProcessCache){ .clock_ticks = sysconf(_SC_CLK_TCK) };
        if (c->clock_ticks <= 0)
                c->clock_ticks = 100;
        c->procfs = strdup(procfs);
        if (!c->procfs)
                return -ENOMEM;
        if (asprintf(&path, "%s/stat", procfs) < 0)
                return -ENOMEM;
        r = read_small_file(path, buf, sizeof(buf), NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        r = proc_parse_btime(buf, &c->boot_time);
        if (r < 0)
                return log_error_errno(r, "Failed to find the boot time in %s: %m", path);
        c->boot_usec = c->boot_time * 1000000;
        if (streq(procfs, "/proc")) {
                /* btime is rounded to a second; start ticks count on CLOCK_BOOTTIME. The
                 * offset between the two clocks places them on the Unix axis precisely. */
                struct timespec real, boot;
                if (clock_gettime(CLOCK_REALTIME, &real) >= 0 &&
                    clock_gettime(CLOCK_BOOTTIME, &boot) >= 0)
                        c->boot_usec = (int64_t) real.tv_sec * 1000000 + real.tv_nsec / 1000 -
                                       ((int64_t) boot.tv_sec * 1000000 + boot.tv_nsec / 1000);
        }

        /* Only the live /proc can hide processes; a fixture tree shows what it has. */
        if (streq(procfs, "/proc")) {
                _cleanup_free_ char *mountinfo = malloc(1024 * 1024);
                if (mountinfo &&
                    read_small_file("/proc/self/mountinfo", mountinfo, 1024 * 1024, NULL) >= 0)
                        c->hidepid = proc_parse_mountinfo_hidepid(mountinfo, "/proc");
                if (c->hidepid)
                        log_warning("/proc hides other users' processes (hidepid=): processes "
                                    "missing from it are checked with kill(pid, 0), and "
                                    "RequireNoOwnerProcesses= is never met.");
        }
        return 0;
}

void process_cache_done(ProcessCache *c) {
        hashmap_done(&c->pids, free);
        free(c->owner_uids);
        free(c->procfs);
        *c = (ProcessCache){ 0 };
}

static void process_read(ProcessCache *c, pid_t pid, ProcessInfo *info) {
        char path[PATH_MAX], buf[2048], state;
        uint64_t ticks;
        int r;

        snprintf(path, sizeof(path), "%s/%" PRIi32 "/stat", c->procfs, (int32_t) pid);
        r = read_small_file(path, buf, sizeof(buf), NULL);
        if (r == -ENOENT || r == -ESRCH) {
                /* Under hidepid= a live process of another user is missing too; the kernel
                 * still tells existence apart: ESRCH is gone, EPERM or success exists. */
                if (c->hidepid && (kill(pid, 0) >= 0 || errno == EPERM))
                        info->status = PROCESS_UNKNOWN;
                else
                        info->status = PROCESS_GONE;
                return;
        }
        if (r < 0) {
                log_debug_errno(r, "Failed to read %s, counting the process as alive: %m", path);
                info->status = PROCESS_UNKNOWN;
                return;
        }
        r = proc_parse_pid_stat(buf, &state, &ticks, info->comm);
        if (r < 0) {
                log_debug_errno(r, "Failed to parse %s, counting the process as alive: %m", path);
                info->status = PROCESS_UNKNOWN;
                return;
        }
        if (state == 'Z' || state == 'X') {
                info->status = PROCESS_ZOMBIE;
                return;
        }
        info->status = PROCESS_RUNNING;
        if (ticks > (uint64_t) INT64_MAX / 1000000) {
                info->status = PROCESS_UNKNOWN;
                return;
        }
        info->start_usec = c->boot_usec + (int64_t) (ticks * 1000000 / (uint64_t) c->clock_ticks);
}

const ProcessInfo *process_lookup(ProcessCache *c, pid_t pid) {
        static const ProcessInfo unknown = { .status = PROCESS_UNKNOWN };
        ProcessInfo *info = hashmap_get(&c->pids, (uint64_t) pid);

        if (info)
                return info;
        info = calloc(1, sizeof(ProcessInfo));
        if (!info)
                return &unknown;
        process_read(c, pid, info);
        if (hashmap_put(&c->pids, (uint64_t) pid, info, NULL) < 0) {
                free(info);
                return &unknown;
        }
        return info;
}

bool process_alive_since(ProcessCache *c, pid_t pid, int64_t last_activity) {
        const ProcessInfo *info;

        if (pid <= 0)
                return false;
        info = process_lookup(c, pid);
        switch (info->status) {
        case PROCESS_GONE:
        case PROCESS_ZOMBIE:
                return false;
        case PROCESS_RUNNING:
                /* Started after the last activity: a new process that reused the pid. */
                if (last_activity > INT64_MAX / 1000000 - 1)
                        return true;
                return info->start_usec <=
                       (last_activity * 1000000 + PROCESS_ACTIVITY_RESOLUTION_USEC +
                        1000000 / c->clock_ticks);
        case PROCESS_UNKNOWN:
        default:
                return true;
        }
}

static int compare_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return (x > y) - (x < y);
}

static int read_owner_uids(ProcessCache *c) {
        _cleanup_(closedirp) DIR *d = NULL;
        size_t allocated = 0;
        struct dirent *de;

        c->owner_uids_read = true;
        c->owner_uids_complete = false;
        d = opendir(c->procfs);
        if (!d)
                return log_warning_errno(errno, "Failed to open %s: %m", c->procfs);

        /* Under hidepid= other users' processes are missing: never a complete answer. */
        c->owner_uids_complete = !c->hidepid;
        while ((de = readdir(d))) {
                char path[PATH_MAX], buf[4096], state;
                uint32_t uids[4];
                uint64_t ticks;
                int r;

                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                snprintf(path, sizeof(path), "%s/%s/stat", c->procfs, de->d_name);
                r = read_small_file(path, buf, sizeof(buf), NULL);
                if (r == -ENOENT || r == -ESRCH)
                        continue; /* Exited meanwhile. */
                if (r >= 0)
                        r = proc_parse_pid_stat(buf, &state, &ticks, NULL);
                if (r >= 0 && (state == 'Z' || state == 'X'))
                        continue;
                if (r >= 0) {
                        snprintf(path, sizeof(path), "%s/%s/status", c->procfs, de->d_name);
                        r = read_small_file(path, buf, sizeof(buf), NULL);
                        if (r == -ENOENT || r == -ESRCH)
                                continue;
                }
                if (r >= 0)
                        r = proc_parse_status_uids(buf, uids);
                if (r < 0) {
                        /* A process we cannot see could belong to anyone. */
                        log_debug_errno(r, "Failed to read %s: %m", path);
                        c->owner_uids_complete = false;
                        continue;
                }
                if (GREEDY_REALLOC(c->owner_uids, allocated, c->n_owner_uids + 4) < 0)
                        return log_oom();
                for (size_t i = 0; i < 4; i++)
                        if (i == 0 || uids[i] != uids[i - 1])
                                c->owner_uids[c->n_owner_uids++] = uids[i];
        }
        qsort(c->owner_uids, c->n_owner_uids, sizeof(uint32_t), compare_u32);
        return 0;
}

int process_uid_has_processes(ProcessCache *c, uint32_t uid) {
        if (!c->owner_uids_read)
                (void) read_owner_uids(c);
        if (c->n_owner_uids > 0 &&
            bsearch(&uid, c->owner_uids, c->n_owner_uids, sizeof(uint32_t), compare_u32))
                return 1;
        return c->owner_uids_complete ? 0 : -EAGAIN;
}

void creator_done(Creator *c) {
        free(c->comm);
        free(c->cmdline);
        free(c->unit);
        *c = (Creator){ 0 };
}

int creator_copy(Creator *dst, const Creator *src) {
        *dst = (Creator){ .pid = src->pid };
        if ((src->comm && !(dst->comm = strdup(src->comm))) ||
            (src->cmdline && !(dst->cmdline = strdup(src->cmdline))) ||
            (src->unit && !(dst->unit = strdup(src->unit)))) {
                creator_done(dst);
                return -ENOMEM;
        }
        return 0;
}

static char *read_cmdline(const char *procfs, pid_t pid) {
        char path[PATH_MAX], buf[CREATOR_CMDLINE_MAX + 1];
        size_t n;

        snprintf(path, sizeof(path), "%s/%" PRIi32 "/cmdline", procfs, (int32_t) pid);
        if (read_small_file(path, buf, sizeof(buf), &n) < 0 || n == 0)
                return NULL;
        /* Arguments are NUL-separated; show them as one line, control characters escaped
         * away, since this ends up in tables and the journal. */
        while (n > 0 && buf[n - 1] == 0)
                n--;
        for (size_t i = 0; i < n; i++)
                if (buf[i] == 0)
                        buf[i] = ' ';
                else if ((unsigned char) buf[i] < ' ' || buf[i] == 0x7f)
                        buf[i] = '?';
        buf[n] = 0;
        return strdup(buf);
}

static char *read_unit(const char *procfs, pid_t pid) {
        char *unit = NULL;

        /* libsystemd reads the real /proc; a fixture tree has no units to offer. */
        if (!streq(procfs, "/proc"))
                return NULL;
        if (sd_pid_get_user_unit(pid, &unit) >= 0)
                return unit;
        if (sd_pid_get_unit(pid, &unit) >= 0)
                return unit;
        return NULL;
}

int process_read_creator(ProcessCache *c, pid_t pid, Creator *ret) {
        const ProcessInfo *before = process_lookup(c, pid);
        ProcessInfo after = { 0 };
        Creator creator = { .pid = pid };

        if (before->status != PROCESS_RUNNING)
                return -ESRCH;
        creator.comm = strdup(before->comm);
        creator.cmdline = read_cmdline(c->procfs, pid);
        creator.unit = read_unit(c->procfs, pid);
        if (!creator.comm) {
                creator_done(&creator);
                return -ENOMEM;
        }

        /* The pid may have been reused while we read: the start time must not change. */
        process_read(c, pid, &after);
        if (after.status != PROCESS_RUNNING || after.start_usec != before->start_usec) {
                creator_done(&creator);
                return -ESRCH;
        }
        *ret = creator;
        return 0;
}
