/* SPDX-License-Identifier: MIT */
/* Tests the message-queue waiter finder: the parser of /proc/PID/task/TID/syscall, the walk
 * over the fixture trees in tests/fixtures/procfs-waiters/, and real threads blocked in
 * msgrcv/msgsnd under the live /proc (in the private IPC namespace of tests/run-unit.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "macro.h"
#include "queue-waiters.h"

#define FIXTURES "tests/fixtures/procfs-waiters/"
/* The namespace numbers the fixtures' ns/ipc links name. */
#define NS_A UINT64_C(4026531839)
#define NS_B UINT64_C(4026532500)
#define NS_C UINT64_C(4026532600)

/* Stack pointer and program counter, as the kernel prints them after the arguments. */
#define SP_PC " 0x7ffc1a2b3c40 0x7f3e8d2f1a7e"

/* ---- the parser ---- */

typedef struct ParseCase {
        const char *text;
        int r;
        int msqid;
        bool sending;
} ParseCase;

static void check_parse_cases(const ParseCase *cases, size_t n) {
        for (size_t i = 0; i < n; i++) {
                int msqid = -42;
                bool sending = false;
                int r = queue_waiter_parse_syscall(cases[i].text, &msqid, &sending);

                if (r != cases[i].r ||
                    (r == 1 && (msqid != cases[i].msqid || sending != cases[i].sending)))
                        print_error("case %zu \"%s\": got %d msqid %d sending %d\n", i,
                                    cases[i].text, r, msqid, sending);
                assert_int_equal(r, cases[i].r);
                if (r == 1) {
                        assert_int_equal(msqid, cases[i].msqid);
                        assert_int_equal(sending, cases[i].sending);
                } else {
                        /* Outputs are set only for a message call. */
                        assert_int_equal(msqid, -42);
                }
        }
}

static void running_thread_cannot_be_judged(void **state) {
        static const ParseCase cases[] = {
                { "running\n", -EAGAIN, 0, false },
                { "running", -EAGAIN, 0, false },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void thread_outside_a_system_call_is_not_waiting(void **state) {
        static const ParseCase cases[] = {
                { "-1 0x7ffc1a2b3c40 0x55d0c0ffee00\n", 0, 0, false },
                { "-1 0x0 0x0", 0, 0, false },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

/* What glibc's msgrcv/msgsnd leave in the file on this architecture. */
static void native_msgrcv_and_msgsnd_name_the_queue_in_the_first_argument(void **state) {
        char rcv[160], snd[160], big[160];

        snprintf(rcv, sizeof(rcv), "%d 0x3 0x7ffc1a2b3d00 0x2000 0x0 0x0 0x0" SP_PC "\n",
                 (int) SYS_msgrcv);
        snprintf(snd, sizeof(snd), "%d 0x2 0x7ffc1a2b3d00 0x10 0x0 0x0 0x0" SP_PC "\n",
                 (int) SYS_msgsnd);
        /* The largest id the kernel hands out (INT_MAX), and garbage in the high half of a
         * 64-bit register: the kernel takes the int in the low 32 bits. */
        snprintf(big, sizeof(big), "%d 0xdead00007fffffff 0x7ffc1a2b3d00 0x10 0x0 0x800 0x0" SP_PC,
                 (int) SYS_msgrcv);
        const ParseCase cases[] = {
                { rcv, 1, 3, false },
                { snd, 1, 2, true },
                { big, 1, 2147483647, false },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void other_calls_are_not_waiting(void **state) {
        char futex[160], nanosleep[160], negative[160];

        snprintf(futex, sizeof(futex), "%d 0x7f3e8c9ff990 0x80 0x3 0x0 0x0 0x0" SP_PC "\n",
                 (int) SYS_futex);
        snprintf(nanosleep, sizeof(nanosleep), "%d 0x0 0x0 0x7ffc1a2b3d00 0x0 0x0 0x0" SP_PC "\n",
                 (int) SYS_clock_nanosleep);
        /* msgrcv on a negative id fails at once with EINVAL: nothing waits. */
        snprintf(negative, sizeof(negative), "%d 0xffffffff 0x0 0x0 0x0 0x0 0x0" SP_PC "\n",
                 (int) SYS_msgrcv);
        const ParseCase cases[] = {
                { futex, 0, 0, false },
                { nanosleep, 0, 0, false },
                { negative, 0, 0, false },
                { "0 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", 0, 0, false }, /* a kernel thread */
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void compat_abis_are_recognised(void **state) {
        static const ParseCase cases[] = {
#if defined(__x86_64__) || defined(__i386__)
                /* i386 task (or int 0x80): msgsnd 400, msgrcv 401. */
                { "400 0x9 0xffd1e000 0x400 0x0 0x0 0x0 0xffd1dfb0 0xf7f4b559\n", 1, 9, true },
                { "401 0x9 0xffd1e000 0x2000 0x0 0x0 0x0 0xffd1dfb0 0xf7f4b559\n", 1, 9, false },
                /* ipc(2): the call (version in the high 16 bits) first, the msqid second. */
                { "117 0xb 0x4 0x10 0x0 0xffd1e000 0x0 0xffd1dfb0 0xf7f4b559\n", 1, 4, true },
                { "117 0xc 0x4 0x10 0x0 0xffd1e000 0x0 0xffd1dfb0 0xf7f4b559\n", 1, 4, false },
                { "117 0x1000c 0x5 0x10 0x0 0xffd1e000 0x0 0xffd1dfb0 0xf7f4b559\n", 1, 5, false },
                /* ipc(2) for something else: semop (1), shmat (21), msgget (13), msgctl (14). */
                { "117 0x1 0x4 0x10 0x0 0xffd1e000 0x0 0xffd1dfb0 0xf7f4b559\n", 0, 0, false },
                { "117 0x15 0x4 0x10 0x0 0xffd1e000 0x0 0xffd1dfb0 0xf7f4b559\n", 0, 0, false },
                { "117 0xd 0x4 0x10 0x0 0xffd1e000 0x0 0xffd1dfb0 0xf7f4b559\n", 0, 0, false },
                { "117 0xe 0x4 0x10 0x0 0xffd1e000 0x0 0xffd1dfb0 0xf7f4b559\n", 0, 0, false },
                /* x32: the x86-64 numbers with __X32_SYSCALL_BIT (0x40000000). */
                { "1073741893 0xc 0xffd1e000 0x400 0x0 0x0 0x0 0xffd1dfb0 0x4005a1\n", 1, 12,
                  true },
                { "1073741894 0xc 0xffd1e000 0x400 0x0 0x0 0x0 0xffd1dfb0 0x4005a1\n", 1, 12,
                  false },
                /* x32 read(2) is not a queue call. */
                { "1073741824 0xc 0xffd1e000 0x400 0x0 0x0 0x0 0xffd1dfb0 0x4005a1\n", 0, 0,
                  false },
#elif defined(__aarch64__) || defined(__arm__)
                /* arm32 task (compat or native): msgsnd 301, msgrcv 302. */
                { "301 0x9 0xffd1e000 0x400 0x0 0x0 0x0 0xffd1dfb0 0xf7f4b559\n", 1, 9, true },
                { "302 0x9 0xffd1e000 0x2000 0x0 0x0 0x0 0xffd1dfb0 0xf7f4b559\n", 1, 9, false },
#endif
                { "-1 0xffd1dfb0 0xf7f4b559\n", 0, 0, false },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void malformed_content_is_rejected(void **state) {
        static const ParseCase cases[] = {
                { "", -EBADMSG, 0, false },
                { "\n", -EBADMSG, 0, false },
                { "runningx\n", -EBADMSG, 0, false },
                { "Running\n", -EBADMSG, 0, false },
                { "70\n", -EBADMSG, 0, false },
                { "70 0x3 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },         /* 7 fields */
                { "70 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false }, /* 9 fields */
                { "70 3 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },       /* no 0x */
                { "70 0x 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },      /* no digits */
                { "70 0x3g 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },    /* bad digit */
                { "70  0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },    /* two blanks */
                { "70 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n\n", -EBADMSG, 0, false },   /* two lines */
                { "70 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0 \n", -EBADMSG, 0, false },    /* blank */
                { "70 0x10000000000000003 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },
                { "-1 0x0\n", -EBADMSG, 0, false },
                { "-1 0x0 0x0 0x0\n", -EBADMSG, 0, false },
                { "- 0x0 0x0\n", -EBADMSG, 0, false },
                { "x70 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },
                { "99999999999 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },
                { "2147483648 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", -EBADMSG, 0, false },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void namespace_link_gives_the_inode(void **state) {
        uint64_t ino = 7;

        assert_int_equal(queue_waiter_parse_ns_link("ipc:[4026531839]", &ino), 0);
        assert_int_equal(ino, NS_A);
        static const char *const bad[] = {
                "",
                "ipc:[]",
                "ipc:[0]",
                "net:[4026531840]",
                "ipc:[12",
                "ipc:[12]x",
                "ipc:[-1]",
                "ipc:[99999999999999999999999]",
                "ipc:4026531839",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ino = 7;
                assert_int_equal(queue_waiter_parse_ns_link(bad[i], &ino), -EBADMSG);
                assert_int_equal(ino, 7);
        }
}

/* ---- the walk over fixture trees (their syscall files use the x86 numbers) ---- */

static void read_fixture(const char *name, QueueWaiters *w) {
        char path[256];

        snprintf(path, sizeof(path), FIXTURES "%s", name);
        assert_int_equal(queue_waiters_read(path, w), 0);
}

static void assert_waiter(const QueueWaiter *q, uint64_t ns, int msqid, pid_t pid, pid_t tid,
                          bool sending) {
        assert_int_equal(q->ns_inode, ns);
        assert_int_equal(q->msqid, msqid);
        assert_int_equal(q->pid, pid);
        assert_int_equal(q->tid, tid);
        assert_int_equal(q->sending, sending);
}

#if defined(__x86_64__) || defined(__i386__)
static void waiters_are_found_per_namespace_and_queue(void **state) {
        QueueWaiters w;
        const QueueWaiter *first;

        read_fixture("basic", &w);
        /* 2 (a kernel thread) and 100 to 800: ten processes; "tty" and "self" are not. */
        assert_int_equal(w.n_processes, 10);
        assert_int_equal(w.n_threads, 10);
        assert_int_equal(w.n_uncertain_ns, 0);
        assert_int_equal(w.n_waiters, 6);

        /* Queue 3 of namespace A: a receiver and a sender, sorted by pid. */
        assert_int_equal(queue_waiters_find(&w, NS_A, 3, &first), 2);
        assert_waiter(&first[0], NS_A, 3, 100, 100, false);
        assert_waiter(&first[1], NS_A, 3, 200, 200, true);
        /* Queue 3 of namespace B is another queue. */
        assert_int_equal(queue_waiters_find(&w, NS_B, 3, &first), 1);
        assert_waiter(first, NS_B, 3, 300, 300, false);
        /* The 32-bit forms: msgrcv 401, ipc(2) MSGRCV version 1, x32 msgsnd. */
        assert_int_equal(queue_waiters_find(&w, NS_A, 9, &first), 1);
        assert_waiter(first, NS_A, 9, 600, 600, false);
        assert_int_equal(queue_waiters_find(&w, NS_A, 11, &first), 1);
        assert_waiter(first, NS_A, 11, 700, 700, false);
        assert_int_equal(queue_waiters_find(&w, NS_A, 12, &first), 1);
        assert_waiter(first, NS_A, 12, 800, 800, true);
        /* Nobody waits on other queues, in any namespace. */
        assert_int_equal(queue_waiters_find(&w, NS_A, 4, &first), 0);
        assert_null(first);
        assert_int_equal(queue_waiters_find(&w, NS_C, 3, &first), 0);
        assert_int_equal(queue_waiters_find(&w, NS_A, 0, NULL), 0);
        assert_false(queue_waiters_uncertain(&w, NS_A));
        assert_null(queue_waiters_uncertain_reason(&w, NS_B));
        queue_waiters_done(&w);
}

static void worker_thread_waits_while_the_main_thread_is_in_futex(void **state) {
        QueueWaiters w;
        const QueueWaiter *first;

        read_fixture("threaded", &w);
        assert_int_equal(w.n_processes, 1);
        assert_int_equal(w.n_threads, 4);
        assert_int_equal(w.n_waiters, 2);
        assert_int_equal(queue_waiters_find(&w, NS_A, 7, &first), 1);
        assert_waiter(first, NS_A, 7, 1000, 1001, false);
        /* A thread that entered another IPC namespace waits on that namespace's queue 8. */
        assert_int_equal(queue_waiters_find(&w, NS_A, 8, &first), 0);
        assert_int_equal(queue_waiters_find(&w, NS_C, 8, &first), 1);
        assert_waiter(first, NS_C, 8, 1000, 1003, true);
        assert_int_equal(w.n_uncertain_ns, 0);
        queue_waiters_done(&w);
}

static void thread_running_at_every_read_makes_its_namespace_uncertain(void **state) {
        QueueWaiters w;
        const QueueWaiter *first;

        read_fixture("running", &w);
        assert_int_equal(w.n_uncertain_ns, 1);
        assert_int_equal(w.uncertain_ns[0], NS_A);
        assert_true(queue_waiters_uncertain(&w, NS_A));
        assert_non_null(
                strstr(queue_waiters_uncertain_reason(&w, NS_A), "pid 100 tid 100: running"));
        /* Namespace B stays certain, and its waiter is found. */
        assert_false(queue_waiters_uncertain(&w, NS_B));
        assert_int_equal(queue_waiters_find(&w, NS_B, 1, &first), 1);
        assert_int_equal(w.n_waiters, 1);
        queue_waiters_done(&w);
}

static void task_gone_meanwhile_is_ignored(void **state) {
        QueueWaiters w;
        const QueueWaiter *first;

        read_fixture("gone", &w);
        assert_int_equal(w.n_uncertain_ns, 0);
        assert_int_equal(w.n_waiters, 1);
        assert_int_equal(queue_waiters_find(&w, NS_A, 5, &first), 1);
        assert_waiter(first, NS_A, 5, 102, 102, false);
        /* 101 had no task directory left: not counted as a process. */
        assert_int_equal(w.n_processes, 2);
        queue_waiters_done(&w);
}

static void malformed_syscall_file_makes_its_namespace_uncertain(void **state) {
        QueueWaiters w;

        read_fixture("malformed", &w);
        assert_true(queue_waiters_uncertain(&w, NS_A));
        assert_non_null(strstr(queue_waiters_uncertain_reason(&w, NS_A), "unexpected content"));
        assert_false(queue_waiters_uncertain(&w, NS_B));
        assert_int_equal(w.n_waiters, 1);
        queue_waiters_done(&w);
}

static void waiter_in_an_unknown_namespace_makes_every_namespace_uncertain(void **state) {
        QueueWaiters w;
        const char *reason;

        read_fixture("unknown-namespace", &w);
        assert_int_equal(w.n_uncertain_ns, 1);
        assert_int_equal(w.uncertain_ns[0], 0);
        assert_true(queue_waiters_uncertain(&w, NS_A));
        assert_true(queue_waiters_uncertain(&w, NS_B));
        assert_true(queue_waiters_uncertain(&w, 12345));
        reason = queue_waiters_uncertain_reason(&w, NS_B);
        assert_non_null(strstr(reason, "pid 100 tid 100: blocked in msgsnd on msqid 4"));
        assert_non_null(strstr(reason, "IPC namespace"));
        queue_waiters_done(&w);
}

static void missing_syscall_file_of_a_live_thread_makes_its_namespace_uncertain(void **state) {
        QueueWaiters w;

        read_fixture("no-syscall-file", &w);
        assert_true(queue_waiters_uncertain(&w, NS_A));
        assert_non_null(strstr(queue_waiters_uncertain_reason(&w, NS_A), "no syscall file"));
        assert_false(queue_waiters_uncertain(&w, NS_B));
        queue_waiters_done(&w);
}

static void read_error_makes_its_namespace_uncertain(void **state) {
        QueueWaiters w;

        read_fixture("read-error", &w);
        assert_true(queue_waiters_uncertain(&w, NS_A));
        assert_non_null(strstr(queue_waiters_uncertain_reason(&w, NS_A), strerror(EISDIR)));
        queue_waiters_done(&w);
}
#endif

static void missing_procfs_fails(void **state) {
        QueueWaiters w = { .n_waiters = 99 };

        assert_int_equal(queue_waiters_read(FIXTURES "no-such-tree", &w), -ENOENT);
        assert_int_equal(w.n_waiters, 99); /* untouched */
}

static void added_uncertainty_keeps_the_first_reason_and_the_order(void **state) {
        QueueWaiters w = { 0 };

        assert_false(queue_waiters_uncertain(&w, NS_A));
        assert_int_equal(queue_waiters_add_uncertain(&w, NS_B, "b"), 0);
        assert_int_equal(queue_waiters_add_uncertain(&w, NS_A, "a"), 0);
        assert_int_equal(queue_waiters_add_uncertain(&w, NS_A, "again"), 0);
        assert_int_equal(w.n_uncertain_ns, 2);
        assert_int_equal(w.uncertain_ns[0], NS_A);
        assert_int_equal(w.uncertain_ns[1], NS_B);
        assert_string_equal(queue_waiters_uncertain_reason(&w, NS_A), "a");
        assert_false(queue_waiters_uncertain(&w, NS_C));
        /* 0: every namespace. */
        assert_int_equal(queue_waiters_add_uncertain(&w, 0, "hidepid"), 0);
        assert_string_equal(queue_waiters_uncertain_reason(&w, NS_C), "hidepid");
        assert_string_equal(queue_waiters_uncertain_reason(&w, NS_B), "b");
        queue_waiters_done(&w);
}

/* ---- an unreadable syscall file (no ptrace access), built at run time ---- */

/* Writes ROOT/PID/task/PID/{syscall,ns/ipc}; the syscall file gets mode 0 and, with
 * hide_namespace, the ns directory too. */
static void make_unreadable_thread(const char *root, int pid, bool hide_namespace) {
        char path[512];
        int fd;

        snprintf(path, sizeof(path), "%s/%d", root, pid);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/%d/task", root, pid);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/%d/task/%d", root, pid, pid);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/%d/task/%d/ns", root, pid, pid);
        assert_int_equal(mkdir(path, hide_namespace ? 0700 : 0755), 0);
        snprintf(path, sizeof(path), "%s/%d/task/%d/ns/ipc", root, pid, pid);
        assert_int_equal(symlink("ipc:[4026531839]", path), 0);
        snprintf(path, sizeof(path), "%s/%d/task/%d/syscall", root, pid, pid);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "70 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n", 36), 36);
        close(fd);
}

/* Runs in a child without privileges: exits 0 when the walk found what it should. */
static _noreturn_ void check_unreadable_as_nobody(const char *root) {
        QueueWaiters w;
        const char *a, *all;

        if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                               setresuid(65534, 65534, 65534) < 0))
                _exit(10);
        if (queue_waiters_read(root, &w) < 0)
                _exit(11);
        /* 100: namespace A uncertain; 200: its namespace unreadable too, so all of them. */
        if (w.n_uncertain_ns != 2 || w.uncertain_ns[0] != 0 || w.uncertain_ns[1] != NS_A)
                _exit(12);
        a = queue_waiters_uncertain_reason(&w, NS_A);
        all = queue_waiters_uncertain_reason(&w, NS_B);
        if (!strstr(a, "pid 100 tid 100: reading its syscall file: Permission denied"))
                _exit(13);
        if (!strstr(all, "pid 200 tid 200") || !strstr(all, "IPC namespace: Permission denied"))
                _exit(14);
        if (w.n_waiters != 0)
                _exit(15);
        queue_waiters_done(&w);
        _exit(0);
}

static void unreadable_syscall_file_makes_its_namespace_uncertain(void **state) {
        char root[] = "/tmp/test-queue-waiters.XXXXXX", cmd[600];
        int status;
        pid_t pid;

        assert_non_null(mkdtemp(root));
        assert_int_equal(chmod(root, 0755), 0);
        make_unreadable_thread(root, 100, false);
        make_unreadable_thread(root, 200, true);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                check_unreadable_as_nobody(root);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- real waiters under the live /proc ---- */

typedef struct Message {
        long type;
        char text[64];
} Message;

static uint64_t own_ipc_namespace(void) {
        struct stat st;

        assert_int_equal(stat("/proc/self/ns/ipc", &st), 0);
        return (uint64_t) st.st_ino;
}

/* Waits (up to 10 s; no timing is asserted) until the thread's syscall file shows nr. */
static void wait_until_blocked_in(pid_t pid, pid_t tid, long nr) {
        char path[64], buf[256], prefix[16];

        snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int) pid, (int) tid);
        snprintf(prefix, sizeof(prefix), "%ld ", nr);
        for (int i = 0; i < 10000; i++) {
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                ssize_t l = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
                if (fd >= 0)
                        close(fd);
                if (l > 0) {
                        buf[l] = 0;
                        if (strncmp(buf, prefix, strlen(prefix)) == 0)
                                return;
                }
                nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        }
        fail_msg("%s never showed system call %ld: %s", path, nr, buf);
}

typedef struct Receiver {
        int msqid;
        pid_t tid;
        ssize_t received;
} Receiver;

static void *receive_one(void *userdata) {
        Receiver *r = userdata;
        Message m;

        __atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);
        r->received = msgrcv(r->msqid, &m, sizeof(m.text), 0, 0);
        return NULL;
}

/* A child whose worker thread waits in msgrcv while its main thread waits elsewhere (the
 * walk skips the reading process itself: the daemon waits on no queue). Its worker's tid
 * comes back through a pipe. */
static pid_t spawn_threaded_receiver(int msqid, pid_t *ret_tid) {
        int fds[2];
        pid_t child;

        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                Receiver r = { .msqid = msqid };
                pthread_t thread;

                alarm(60); /* ends it if the test fails before sending */
                if (pthread_create(&thread, NULL, receive_one, &r) != 0)
                        _exit(2);
                while (__atomic_load_n(&r.tid, __ATOMIC_ACQUIRE) == 0)
                        sched_yield();
                if (write(fds[1], &r.tid, sizeof(r.tid)) != sizeof(r.tid))
                        _exit(2);
                pthread_join(thread, NULL);
                _exit(r.received == (ssize_t) sizeof(((Message *) NULL)->text) ? 0 : 1);
        }
        close(fds[1]);
        assert_int_equal(read(fds[0], ret_tid, sizeof(*ret_tid)), (ssize_t) sizeof(*ret_tid));
        close(fds[0]);
        return child;
}

static void live_worker_thread_in_msgrcv_and_process_in_msgsnd_are_found(void **state) {
        Message m = { .type = 1, .text = "x" };
        QueueWaiters w;
        const QueueWaiter *first;
        int empty, full, status;
        pid_t writer, receiver, receiver_tid;

        empty = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        full = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        assert_true(empty >= 0 && full >= 0);
        /* Fill the second queue, so a writer blocks in msgsnd. */
        while (msgsnd(full, &m, sizeof(m.text), IPC_NOWAIT) == 0)
                ;
        assert_int_equal(errno, EAGAIN);

        receiver = spawn_threaded_receiver(empty, &receiver_tid);
        writer = fork();
        assert_true(writer >= 0);
        if (writer == 0) {
                alarm(60); /* ends it if the test fails before making room */
                _exit(msgsnd(full, &m, sizeof(m.text), 0) == 0 ? 0 : 1);
        }
        wait_until_blocked_in(receiver, receiver_tid, SYS_msgrcv);
        wait_until_blocked_in(writer, writer, SYS_msgsnd);

        assert_int_equal(queue_waiters_read("/proc", &w), 0);
        assert_int_equal(queue_waiters_find(&w, own_ipc_namespace(), empty, &first), 1);
        assert_waiter(first, own_ipc_namespace(), empty, receiver, receiver_tid, false);
        assert_int_equal(queue_waiters_find(&w, own_ipc_namespace(), full, &first), 1);
        assert_waiter(first, own_ipc_namespace(), full, writer, writer, true);
        assert_true(w.n_threads >= 3);
        queue_waiters_done(&w);

        /* Let both go the ordinary way. */
        assert_int_equal(msgsnd(empty, &m, sizeof(m.text), 0), 0);
        assert_int_equal(waitpid(receiver, &status, 0), receiver);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_true(msgrcv(full, &m, sizeof(m.text), 0, 0) > 0);
        assert_int_equal(waitpid(writer, &status, 0), writer);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(msgctl(empty, IPC_RMID, NULL), 0);
        assert_int_equal(msgctl(full, IPC_RMID, NULL), 0);
}

/* _exit(): the child must not run the test binary's exit handlers (leak checkers). */
static void *receive_one_then_exit(void *userdata) {
        Receiver *r = userdata;

        receive_one(r);
        _exit(r->received > 0 ? 0 : 1);
}

/* A child whose main thread left with pthread_exit() while a worker waits in msgrcv: the
 * leader is a zombie ("-1 0x0 0x0") and the live thread is not the leader. The alarm ends
 * the child if the test fails before it sends the message. */
static _noreturn_ void exit_leader_keep_worker(int msqid, int ready_fd) {
        /* Static: the leader's stack is gone once it has left. */
        static Receiver receiver;
        pthread_t thread;

        receiver = (Receiver){ .msqid = msqid };

        alarm(60);
        if (pthread_create(&thread, NULL, receive_one_then_exit, &receiver) != 0)
                _exit(1);
        while (__atomic_load_n(&receiver.tid, __ATOMIC_ACQUIRE) == 0)
                sched_yield();
        if (write(ready_fd, &receiver.tid, sizeof(pid_t)) != sizeof(pid_t))
                _exit(1);
        pthread_exit(NULL);
}

static void worker_of_a_leader_that_exited_is_found(void **state) {
        Message m = { .type = 1, .text = "x" };
        QueueWaiters w;
        const QueueWaiter *first;
        int msqid, fds[2], status;
        pid_t child, tid = 0;
        struct stat st;
        char path[64];

        msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        assert_true(msqid >= 0);
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0)
                exit_leader_keep_worker(msqid, fds[1]);
        close(fds[1]);
        assert_int_equal(read(fds[0], &tid, sizeof(tid)), sizeof(tid));
        close(fds[0]);
        wait_until_blocked_in(child, tid, SYS_msgrcv);
        /* The zombie leader still counts in the link count of PID/task (the thread count
         * drops when the whole group is released), so the walk lists the threads. */
        snprintf(path, sizeof(path), "/proc/%d/task", (int) child);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_nlink, 4);

        assert_int_equal(queue_waiters_read("/proc", &w), 0);
        assert_int_equal(queue_waiters_find(&w, own_ipc_namespace(), msqid, &first), 1);
        assert_waiter(first, own_ipc_namespace(), msqid, child, tid, false);
        queue_waiters_done(&w);

        assert_int_equal(msgsnd(msqid, &m, sizeof(m.text), 0), 0);
        assert_int_equal(waitpid(child, &status, 0), child);
        /* Received: the queue is empty again. (Its exit status is valgrind's to change when
         * it runs under it: the leader's stack is gone, which it reports as a leak.) */
        struct msqid_ds ds;
        assert_int_equal(msgctl(msqid, IPC_STAT, &ds), 0);
        assert_int_equal(ds.msg_qnum, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(msgctl(msqid, IPC_RMID, NULL), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(running_thread_cannot_be_judged),
                cmocka_unit_test(thread_outside_a_system_call_is_not_waiting),
                cmocka_unit_test(native_msgrcv_and_msgsnd_name_the_queue_in_the_first_argument),
                cmocka_unit_test(other_calls_are_not_waiting),
                cmocka_unit_test(compat_abis_are_recognised),
                cmocka_unit_test(malformed_content_is_rejected),
                cmocka_unit_test(namespace_link_gives_the_inode),
#if defined(__x86_64__) || defined(__i386__)
                cmocka_unit_test(waiters_are_found_per_namespace_and_queue),
                cmocka_unit_test(worker_thread_waits_while_the_main_thread_is_in_futex),
                cmocka_unit_test(thread_running_at_every_read_makes_its_namespace_uncertain),
                cmocka_unit_test(task_gone_meanwhile_is_ignored),
                cmocka_unit_test(malformed_syscall_file_makes_its_namespace_uncertain),
                cmocka_unit_test(waiter_in_an_unknown_namespace_makes_every_namespace_uncertain),
                cmocka_unit_test(
                        missing_syscall_file_of_a_live_thread_makes_its_namespace_uncertain),
                cmocka_unit_test(read_error_makes_its_namespace_uncertain),
#endif
                cmocka_unit_test(missing_procfs_fails),
                cmocka_unit_test(added_uncertainty_keeps_the_first_reason_and_the_order),
                cmocka_unit_test(unreadable_syscall_file_makes_its_namespace_uncertain),
                cmocka_unit_test(live_worker_thread_in_msgrcv_and_process_in_msgsnd_are_found),
                cmocka_unit_test(worker_of_a_leader_that_exited_is_found),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
