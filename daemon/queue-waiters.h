/* SPDX-License-Identifier: MIT */
/* Threads blocked in msgrcv(2)/msgsnd(2), from PROCFS/PID/task/TID/syscall: the in-use test
 * of message queues, which the kernel's tables do not show. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A thread that reads "running" is read again this many times, after the whole walk (after a
 * sched_yield(), then 1, 5, 20 and 50 ms), before its namespace is called uncertain. */
#define QUEUE_WAITER_RUNNING_RETRIES 5

typedef struct QueueWaiter {
        uint64_t
                ns_inode; /* the thread's IPC namespace: the number in PROCFS/PID/task/TID/ns/ipc */
        int msqid;
        pid_t pid, tid;
        bool sending; /* msgsnd (else msgrcv) */
} QueueWaiter;

typedef struct QueueWaiters {
        /* Sorted by (ns_inode, msqid, pid, tid), for queue_waiters_find(). */
        QueueWaiter *waiters;
        size_t n_waiters;
        /* Namespaces in which some thread could not be judged (its syscall file unreadable:
         * no ptrace access, hidepid, Yama; malformed; or "running" at every read). Candidate
         * queues there count as possibly waited on. Sorted, unique. 0 stands for a thread whose
         * namespace could not be read either: then every namespace is uncertain. */
        uint64_t *uncertain_ns;
        size_t n_uncertain_ns;
        /* Parallel to uncertain_ns: one example each, for Explain ("pid 123 tid 125: reading
         * its syscall file: Permission denied"). */
        char **uncertain_reasons;
        /* What the walk looked at, for debug logs and the benchmark. */
        size_t n_processes, n_threads;
} QueueWaiters;

/* One walk of every thread under procfs ("/proc" or a fixture tree). Costs one read of
 * PID/task/TID/syscall per thread, plus a readlink of its ns/ipc only for waiters and for
 * threads that could not be judged. Threads that vanish meanwhile are ignored; any other
 * trouble with one thread makes its namespace uncertain, never fails the walk. Returns 0,
 * or negative errno (-ENOMEM, or procfs itself unreadable); *ret is untouched on failure.
 *
 * In fixture trees, PID/task/TID/ns/ipc is a symlink whose target reads "ipc:[INODE]", as
 * the kernel shows it (readlink, not stat: the number is the namespace's inode, the same as
 * st_ino of stat("/proc/self/ns/ipc")). */
int queue_waiters_read(const char *procfs, QueueWaiters *ret);
void queue_waiters_done(QueueWaiters *w);

/* The waiters on (ns_inode, msqid): returns how many, and *ret_first points to the first of
 * them (consecutive in w->waiters), or NULL when there is none. */
size_t queue_waiters_find(const QueueWaiters *w, uint64_t ns_inode, int msqid,
                          const QueueWaiter **ret_first);

/* Whether a candidate queue in ns_inode must be kept because some thread there (or in an
 * unknown namespace) could not be judged. */
bool queue_waiters_uncertain(const QueueWaiters *w, uint64_t ns_inode);
/* The example reason for that, or NULL when ns_inode is certain. */
const char *queue_waiters_uncertain_reason(const QueueWaiters *w, uint64_t ns_inode);

/* Marks ns_inode (0: every namespace) uncertain with reason, for what the caller knows and
 * the walk cannot see, e.g. a /proc mounted with hidepid= that hides processes entirely
 * from a daemon without CAP_SYS_PTRACE. Keeps the first reason per namespace. */
int queue_waiters_add_uncertain(QueueWaiters *w, uint64_t ns_inode, const char *reason);

/* Pure parser of one syscall file's content: "running\n", "-1 SP PC\n" (not in a system
 * call) or "NR ARG1 ... ARG6 SP PC\n" (args in hex). Returns 1 with the queue id and the
 * direction if the call is msgsnd/msgrcv in any ABI this kernel architecture runs (see the
 * table in queue-waiters.c), 0 for any other call or none, -EAGAIN for "running",
 * -EBADMSG for anything else. Outputs are set only when it returns 1. */
int queue_waiter_parse_syscall(const char *buffer, int *ret_msqid, bool *ret_sending);

/* Parses a readlink of ns/ipc, "ipc:[4026531839]", into the inode number. */
int queue_waiter_parse_ns_link(const char *link, uint64_t *ret_inode);
