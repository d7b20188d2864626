/* SPDX-License-Identifier: MIT */
/* Threads blocked in msgrcv(2)/msgsnd(2): one walk of PROCFS/PID/task/TID/syscall, with the
 * namespace of each waiter, and the namespaces in which some thread could not be judged. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "doubts.h"
#include "log.h"
#include "macro.h"
#include "queue-waiters.h"

/* The calls that can leave a thread asleep on a queue, in every ABI the kernel architecture
 * runs. /proc/PID/task/TID/syscall prints the number as the task's ABI numbers it and does
 * not say which ABI that is, so the table holds the numbers of all of them, and each entry
 * notes what the number means in the other ABIs: always a call that never sleeps, or none
 * (ENOSYS at once). A thread caught in one of those for an instant, with arguments that
 * happen to name a queue, is taken for a waiter: the error keeps a queue, never removes one.
 * The ELF class of PID/exe would tell the ABI apart but cost another read per process, and
 * would still be wrong for a 64-bit program making int 0x80 calls.
 *
 * Sources: arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl, arch/arm/tools/
 * syscall.tbl, arch/arm64/tools/syscall_32.tbl, include/uapi/asm-generic/unistd.h;
 * ipc/syscall.c for ipc(2). */
typedef enum MsgCallForm {
        MSG_CALL_SEND,    /* msgsnd(msqid, ...) */
        MSG_CALL_RECEIVE, /* msgrcv(msqid, ...) */
        MSG_CALL_IPC,     /* ipc(call, first = msqid, ...): call & 0xffff is MSGSND or MSGRCV */
} MsgCallForm;

typedef struct MsgCall {
        long nr;
        MsgCallForm form;
} MsgCall;

/* ipc(2) call numbers (include/uapi/linux/ipc.h); the high 16 bits are a version. */
#define IPC_CALL_MSGSND 11
#define IPC_CALL_MSGRCV 12
#define X32_SYSCALL_BIT 0x40000000L

static const MsgCall msg_calls[] = {
#if defined(__x86_64__) || defined(__i386__)
        /* x86-64 native. i386: 69 ssetmask, 70 setreuid16, neither sleeps. */
        { 69, MSG_CALL_SEND },
        { 70, MSG_CALL_RECEIVE },
        /* x32: the x86-64 numbers with __X32_SYSCALL_BIT; no other ABI has that bit. */
        { X32_SYSCALL_BIT | 69, MSG_CALL_SEND },
        { X32_SYSCALL_BIT | 70, MSG_CALL_RECEIVE },
        /* i386 (also a 64-bit task's int 0x80). x86-64: unassigned, the 64-bit table jumps
         * from the 33x to 424. */
        { 400, MSG_CALL_SEND },
        { 401, MSG_CALL_RECEIVE },
        /* i386 ipc(2). x86-64: setresuid, which does not sleep. */
        { 117, MSG_CALL_IPC },
#elif defined(__aarch64__) || defined(__arm__)
        /* arm64 native (asm-generic). arm32 (EABI and arm64's compat): 188 and 189 are
         * reserved (getpmsg, putpmsg), i.e. ENOSYS. */
        { 189, MSG_CALL_SEND },
        { 188, MSG_CALL_RECEIVE },
        /* arm32, native or compat. arm64: unassigned (asm-generic has nothing from 295 to
         * 402). The OABI's ipc(2) is not followed. */
        { 301, MSG_CALL_SEND },
        { 302, MSG_CALL_RECEIVE },
#else
/* Other architectures: the native numbers only; a compat ABI there is not followed. */
#ifdef SYS_msgsnd
        { SYS_msgsnd, MSG_CALL_SEND },
#endif
#ifdef SYS_msgrcv
        { SYS_msgrcv, MSG_CALL_RECEIVE },
#endif
#ifdef SYS_ipc
        { SYS_ipc, MSG_CALL_IPC },
#endif
#endif
};

/* Parses "0x" and 1 to 16 hex digits at *p, moving *p past them. */
static bool parse_hex(const char **p, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;
        size_t digits = 0;

        if (s[0] != '0' || s[1] != 'x')
                return false;
        for (s += 2;; s++, digits++) {
                unsigned d;
                if (*s >= '0' && *s <= '9')
                        d = (unsigned) (*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned) (*s - 'a' + 10);
                else
                        break;
                if (digits == 16)
                        return false;
                v = v << 4 | d;
        }
        if (digits == 0)
                return false;
        *p = s;
        *ret = v;
        return true;
}

/* Parses an optionally negative decimal that fits a 32-bit int (the kernel prints an int). */
static bool parse_nr(const char **p, long *ret) {
        const char *s = *p;
        bool negative = *s == '-';
        long v = 0;
        size_t digits = 0;

        if (negative)
                s++;
        for (; *s >= '0' && *s <= '9'; s++, digits++) {
                if (digits == 10)
                        return false;
                v = v * 10 + (*s - '0');
        }
        if (digits == 0 || v > (negative ? 2147483648L : 2147483647L))
                return false;
        *p = s;
        *ret = negative ? -v : v;
        return true;
}

int queue_waiter_parse_syscall(const char *buffer, int *ret_msqid, bool *ret_sending) {
        const char *p = buffer;
        uint64_t values[8];
        size_t n = 0, expected;
        long nr;

        if (strcmp(p, "running\n") == 0 || strcmp(p, "running") == 0)
                return -EAGAIN;
        if (!parse_nr(&p, &nr))
                return -EBADMSG;
        /* Not in a system call: "-1 SP PC". Otherwise the six arguments, SP and PC. */
        expected = nr < 0 ? 2 : 8;
        while (n < expected) {
                if (*p++ != ' ' || !parse_hex(&p, &values[n]))
                        return -EBADMSG;
                n++;
        }
        if (*p == '\n')
                p++;
        if (*p)
                return -EBADMSG;
        if (nr < 0)
                return 0;

        for (size_t i = 0; i < ELEMENTSOF(msg_calls); i++) {
                uint64_t id_arg;
                bool sending;

                if (msg_calls[i].nr != nr)
                        continue;
                switch (msg_calls[i].form) {
                case MSG_CALL_SEND:
                case MSG_CALL_RECEIVE:
                        id_arg = values[0];
                        sending = msg_calls[i].form == MSG_CALL_SEND;
                        break;
                case MSG_CALL_IPC:
                default:
                        if ((values[0] & 0xffff) == IPC_CALL_MSGSND)
                                sending = true;
                        else if ((values[0] & 0xffff) == IPC_CALL_MSGRCV)
                                sending = false;
                        else
                                return 0;
                        id_arg = values[1];
                        break;
                }
                /* The kernel takes the int in the low 32 bits; a negative id fails at once. */
                int msqid = (int) (uint32_t) id_arg;
                if (msqid < 0)
                        return 0;
                *ret_msqid = msqid;
                *ret_sending = sending;
                return 1;
        }
        return 0;
}

int queue_waiter_parse_ns_link(const char *link, uint64_t *ret_inode) {
        const char *p;
        uint64_t v = 0;

        if (strncmp(link, "ipc:[", 5) != 0)
                return -EBADMSG;
        for (p = link + 5; *p >= '0' && *p <= '9'; p++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (p == link + 5 || strcmp(p, "]") != 0 || v == 0)
                return -EBADMSG;
        *ret_inode = v;
        return 0;
}

/* ---- the walk ---- */

/* A thread that read "running", to be read again after the walk. */
typedef struct RetryThread {
        pid_t pid, tid;
} RetryThread;

typedef struct Walk {
        int proc_fd;
        QueueWaiter *waiters;
        size_t n_waiters, allocated_waiters;
        /* What could not be judged, with the first reason each (doubts.h). */
        uint64_t *doubt_keys;
        char **doubt_reasons;
        size_t n_doubts;
        RetryThread *retry;
        size_t n_retry, allocated_retry;
        size_t n_processes, n_threads;
        pid_t self; /* the daemon's own process, under the real /proc: it uses no queue */
        bool oom;
} Walk;

typedef enum ThreadVerdict {
        THREAD_NOT_WAITING,
        THREAD_WAITER,
        THREAD_RUNNING,
        THREAD_GONE,
        THREAD_DOUBT,
} ThreadVerdict;

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

/* "TID/FILE" relative to PID/task, or "PID/task/TID/FILE" relative to procfs (pid > 0). */
static void thread_path(char *buf, pid_t pid, pid_t tid, const char *file) {
        char *p = buf;

        if (pid > 0) {
                p = format_uint(p, (uint32_t) pid);
                memcpy(p, "/task/", 6);
                p += 6;
        }
        p = format_uint(p, (uint32_t) tid);
        *p++ = '/';
        strcpy(p, file);
}

#define THREAD_PATH_MAX (2 * 10 + sizeof("/task//ns/ipc"))

/* The file is one line of at most 8 + 8 * 19 characters: one read of a stack buffer. */
static int read_thread_syscall(int dir_fd, const char *path, int *ret_msqid, bool *ret_sending,
                               bool *ret_outside) {
        _cleanup_close_ int fd = -1;
        char buf[256];
        ssize_t l;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        do
                l = read(fd, buf, sizeof(buf) - 1);
        while (l < 0 && errno == EINTR);
        if (l < 0)
                return -errno;
        if ((size_t) l >= sizeof(buf) - 1)
                return -EBADMSG;
        buf[l] = 0;
        *ret_outside = buf[0] == '-';
        return queue_waiter_parse_syscall(buf, ret_msqid, ret_sending);
}

static int read_thread_ns(int dir_fd, const char *path, uint64_t *ret_inode) {
        char link[64];
        ssize_t l = readlinkat(dir_fd, path, link, sizeof(link) - 1);

        if (l < 0)
                return -errno;
        link[l] = 0;
        return queue_waiter_parse_ns_link(link, ret_inode);
}

static bool gone_errno(int r) {
        return r == -ENOENT || r == -ESRCH;
}

static void add_doubt(Walk *walk, uint64_t ns_inode, char *reason) {
        if (!reason || doubts_add(&walk->doubt_keys, &walk->doubt_reasons, &walk->n_doubts,
                                  ns_inode, reason) < 0)
                walk->oom = true;
        free(reason);
}

/* The thread could not be judged (what says why): its namespace, or all of them if that is
 * unreadable too, becomes uncertain. A thread that vanished meanwhile is simply gone. */
static ThreadVerdict doubt_thread(Walk *walk, int dir_fd, pid_t dir_pid, pid_t pid, pid_t tid,
                                  const char *what) {
        char path[THREAD_PATH_MAX], *reason = NULL;
        uint64_t ns = 0;
        int r;

        thread_path(path, dir_pid, tid, "ns/ipc");
        r = read_thread_ns(dir_fd, path, &ns);
        if (gone_errno(r))
                return THREAD_GONE;
        if (r < 0) {
                if (asprintf(&reason, "pid %d tid %d: %s; its IPC namespace: %s", (int) pid,
                             (int) tid, what, strerror(-r)) < 0)
                        reason = NULL;
                ns = 0;
        } else if (asprintf(&reason, "pid %d tid %d: %s", (int) pid, (int) tid, what) < 0)
                reason = NULL;
        add_doubt(walk, ns, reason);
        return THREAD_DOUBT;
}

/* Judges one thread from its syscall file. dir_fd is PID/task (dir_pid 0) or procfs (dir_pid
 * = pid). last_try: a thread still running is a doubt, not a retry. *ret_outside (optional)
 * says whether the thread was outside any system call ("-1 SP PC"). */
static ThreadVerdict judge_thread(Walk *walk, int dir_fd, pid_t dir_pid, pid_t pid, pid_t tid,
                                  bool last_try, bool *ret_outside) {
        char path[THREAD_PATH_MAX], what[128];
        bool sending = false, outside = false;
        int msqid = -1, r;

        thread_path(path, dir_pid, tid, "syscall");
        r = read_thread_syscall(dir_fd, path, &msqid, &sending, &outside);
        if (ret_outside)
                *ret_outside = r == 0 && outside;
        if (r == 0)
                return THREAD_NOT_WAITING;
        if (r == 1) {
                uint64_t ns;

                thread_path(path, dir_pid, tid, "ns/ipc");
                r = read_thread_ns(dir_fd, path, &ns);
                if (gone_errno(r))
                        return THREAD_GONE;
                if (r < 0) {
                        snprintf(what, sizeof(what), "blocked in %s on msqid %d",
                                 sending ? "msgsnd" : "msgrcv", msqid);
                        return doubt_thread(walk, dir_fd, dir_pid, pid, tid, what);
                }
                if (GREEDY_REALLOC(walk->waiters, walk->allocated_waiters, walk->n_waiters + 1) <
                    0) {
                        walk->oom = true;
                        return THREAD_WAITER;
                }
                walk->waiters[walk->n_waiters++] = (QueueWaiter){
                        .ns_inode = ns,
                        .msqid = msqid,
                        .pid = pid,
                        .tid = tid,
                        .sending = sending,
                };
                return THREAD_WAITER;
        }
        if (r == -EAGAIN) {
                if (!last_try)
                        return THREAD_RUNNING;
                snprintf(what, sizeof(what), "running at each of %d reads of its syscall file",
                         QUEUE_WAITER_RUNNING_RETRIES + 1);
                return doubt_thread(walk, dir_fd, dir_pid, pid, tid, what);
        }
        if (gone_errno(r)) {
                /* Gone, unless the thread is there and only the file is missing: a kernel
                 * without CONFIG_HAVE_ARCH_TRACEHOOK. */
                thread_path(path, dir_pid, tid, "stat");
                if (faccessat(dir_fd, path, F_OK, 0) < 0)
                        return THREAD_GONE;
                return doubt_thread(walk, dir_fd, dir_pid, pid, tid,
                                    "the kernel shows no syscall file");
        }
        if (r == -EBADMSG)
                return doubt_thread(walk, dir_fd, dir_pid, pid, tid,
                                    "unexpected content in its syscall file");
        snprintf(what, sizeof(what), "reading its syscall file: %s", strerror(-r));
        return doubt_thread(walk, dir_fd, dir_pid, pid, tid, what);
}

/* A /proc entry name that is a pid or tid; 0 for anything else. */
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

static int add_retry(Walk *walk, pid_t pid, pid_t tid) {
        if (GREEDY_REALLOC(walk->retry, walk->allocated_retry, walk->n_retry + 1) < 0)
                return -ENOMEM;
        walk->retry[walk->n_retry++] = (RetryThread){ .pid = pid, .tid = tid };
        return 0;
}

static void judge_or_retry(Walk *walk, int dir_fd, pid_t dir_pid, pid_t pid, pid_t tid,
                           bool *ret_outside) {
        if (judge_thread(walk, dir_fd, dir_pid, pid, tid, false, ret_outside) == THREAD_RUNNING &&
            add_retry(walk, pid, tid) < 0)
                walk->oom = true;
}

static void doubt_process(Walk *walk, pid_t pid, int error) {
        char what[96];

        snprintf(what, sizeof(what), "listing its threads: %s", strerror(error));
        (void) doubt_thread(walk, walk->proc_fd, pid, pid, pid, what);
}

/* Every thread of one process. The link count of PROCFS/PID/task is 2 + the number of
 * threads (proc_task_getattr()): a process with one thread, nearly all of them, is judged
 * from PID/task/PID/syscall without listing the directory. Only a leader outside any
 * system call may be a zombie whose one live thread is another: then the list is read. */
static void walk_process(Walk *walk, pid_t pid) {
        _cleanup_close_ int task_fd = -1;
        char path[24], buf[4096];
        bool leader_judged = false;
        struct stat st;
        ssize_t n;

        char *p = format_uint(path, (uint32_t) pid);
        strcpy(p, "/task");
        if (fstatat(walk->proc_fd, path, &st, 0) < 0) {
                if (!gone_errno(-errno))
                        doubt_process(walk, pid, errno);
                return;
        }
        walk->n_processes++;
        if (st.st_nlink == 3) {
                bool outside = false;

                walk->n_threads++;
                judge_or_retry(walk, walk->proc_fd, pid, pid, pid, &outside);
                if (!outside)
                        return;
                leader_judged = true;
                walk->n_threads--;
        }

        task_fd = openat(walk->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (task_fd < 0) {
                if (!gone_errno(-errno))
                        doubt_process(walk, pid, errno);
                return;
        }
        while ((n = getdents64(task_fd, buf, sizeof(buf))) > 0) {
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *de = (const struct dirent64 *) (buf + off);
                        pid_t tid = parse_pid_name(de->d_name);

                        off += de->d_reclen;
                        if (tid <= 0)
                                continue;
                        walk->n_threads++;
                        if (tid != pid || !leader_judged)
                                judge_or_retry(walk, task_fd, 0, pid, tid, NULL);
                }
        }
        if (n < 0 && !gone_errno(-errno))
                doubt_process(walk, pid, errno);
}

/* Threads that read "running" are read again after the walk, when they had time to settle:
 * after a yield, then after growing sleeps. A process that is just starting (exec, the
 * dynamic loader) runs for a few milliseconds, longer on a loaded machine; without the
 * sleeps it would make its namespace uncertain for the pass. At most 76 ms in all, and only
 * while some thread was running:
 * a thread that runs on through that is busy on a CPU, not blocked on a queue, but cannot be
 * told from one that was just woken and is still on the queue's list. */
static void retry_running(Walk *walk) {
        static const long delay_ns[QUEUE_WAITER_RUNNING_RETRIES] = { 0, 1000000, 5000000, 20000000,
                                                                     50000000 };

        for (int round = 0; round < QUEUE_WAITER_RUNNING_RETRIES && walk->n_retry > 0; round++) {
                size_t kept = 0;

                if (delay_ns[round] == 0)
                        sched_yield();
                else
                        nanosleep(&(struct timespec){ .tv_nsec = delay_ns[round] }, NULL);
                for (size_t i = 0; i < walk->n_retry; i++) {
                        RetryThread t = walk->retry[i];
                        if (judge_thread(walk, walk->proc_fd, t.pid, t.pid, t.tid,
                                         round == QUEUE_WAITER_RUNNING_RETRIES - 1,
                                         NULL) == THREAD_RUNNING)
                                walk->retry[kept++] = t;
                }
                walk->n_retry = kept;
        }
}

static int waiter_compare(const void *a, const void *b) {
        const QueueWaiter *x = a, *y = b;

        if (x->ns_inode != y->ns_inode)
                return x->ns_inode < y->ns_inode ? -1 : 1;
        if (x->msqid != y->msqid)
                return x->msqid < y->msqid ? -1 : 1;
        if (x->pid != y->pid)
                return x->pid < y->pid ? -1 : 1;
        return (x->tid > y->tid) - (x->tid < y->tid);
}

static void walk_done(Walk *walk) {
        doubts_free(walk->doubt_keys, walk->doubt_reasons, walk->n_doubts);
        free(walk->waiters);
        free(walk->retry);
        if (walk->proc_fd >= 0)
                close(walk->proc_fd);
}

int queue_waiters_read(const char *procfs, QueueWaiters *ret) {
        Walk walk = { .proc_fd = -1 };
        QueueWaiters w = { 0 };
        char buf[16384];
        ssize_t n;
        int r;

        walk.self = streq(procfs, "/proc") ? getpid() : 0;
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
                        /* The daemon's own threads (the event loop answering a query) may
                         * be running, and never wait on a queue. */
                        if (pid > 0 && pid != walk.self &&
                            (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN))
                                walk_process(&walk, pid);
                }
        }
        if (n < 0) {
                r = log_error_errno(errno, "Failed to list %s: %m", procfs);
                goto finish;
        }
        retry_running(&walk);
        if (walk.oom) {
                r = log_oom();
                goto finish;
        }

        if (walk.n_waiters > 0)
                qsort(walk.waiters, walk.n_waiters, sizeof(QueueWaiter), waiter_compare);
        w.uncertain_ns = TAKE_PTR(walk.doubt_keys);
        w.uncertain_reasons = TAKE_PTR(walk.doubt_reasons);
        w.n_uncertain_ns = walk.n_doubts;
        w.waiters = TAKE_PTR(walk.waiters);
        w.n_waiters = walk.n_waiters;
        w.n_processes = walk.n_processes;
        w.n_threads = walk.n_threads;
        *ret = w;
        r = 0;
finish:
        walk_done(&walk);
        return r;
}

void queue_waiters_done(QueueWaiters *w) {
        doubts_free(w->uncertain_ns, w->uncertain_reasons, w->n_uncertain_ns);
        free(w->waiters);
        *w = (QueueWaiters){ 0 };
}

size_t queue_waiters_find(const QueueWaiters *w, uint64_t ns_inode, int msqid,
                          const QueueWaiter **ret_first) {
        const QueueWaiter key = { .ns_inode = ns_inode, .msqid = msqid };
        size_t lo = 0, hi = w->n_waiters, n = 0;

        /* The first waiter not below (ns_inode, msqid). */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const QueueWaiter *m = &w->waiters[mid];
                if (m->ns_inode < key.ns_inode ||
                    (m->ns_inode == key.ns_inode && m->msqid < key.msqid))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        while (lo + n < w->n_waiters && w->waiters[lo + n].ns_inode == ns_inode &&
               w->waiters[lo + n].msqid == msqid)
                n++;
        if (ret_first)
                *ret_first = n > 0 ? &w->waiters[lo] : NULL;
        return n;
}

const char *queue_waiters_uncertain_reason(const QueueWaiters *w, uint64_t ns_inode) {
        return doubts_reason(w->uncertain_ns, w->uncertain_reasons, w->n_uncertain_ns, ns_inode);
}

bool queue_waiters_uncertain(const QueueWaiters *w, uint64_t ns_inode) {
        return queue_waiters_uncertain_reason(w, ns_inode) != NULL;
}

int queue_waiters_add_uncertain(QueueWaiters *w, uint64_t ns_inode, const char *reason) {
        return doubts_add(&w->uncertain_ns, &w->uncertain_reasons, &w->n_uncertain_ns, ns_inode,
                          reason);
}
