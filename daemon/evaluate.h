/* SPDX-License-Identifier: MIT */
/* The policy evaluator: (object snapshot, policy, clock, liveness) -> state, rule, reasons.
 * Pure: it never calls the kernel, so explain, simulate and dry runs all run this code. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ipc-object.h"
#include "policy.h"

/* Why an object is kept: in use, or conditions of its rule not (yet) met. */
typedef enum PendingReason {
        PENDING_ATTACHED = 1u << 0,        /* shm nattch > 0 */
        PENDING_DESTROY_MARKED = 1u << 1,  /* shm SHM_DEST: the kernel removes it */
        PENDING_SEM_WAITERS = 1u << 2,     /* a process sleeps in semop */
        PENDING_SEM_UNREADABLE = 1u << 3,  /* waiters unknown: cannot read the set */
        PENDING_TOO_YOUNG = 1u << 4,       /* idle < MinIdleSec */
        PENDING_PIDS_ALIVE = 1u << 5,      /* RequireDeadPids and a pid lives */
        PENDING_CREATOR_UNSEEN = 1u << 6,  /* RequireDeadPids and shm cpid 0 */
        PENDING_OWNER_PROCESSES = 1u << 7, /* RequireNoOwnerProcesses and some run */
        PENDING_OWNER_PROCESSES_UNKNOWN = 1u << 8,
        /* RequireDeadPids, no pid recorded (an unused queue or set), and a process runs as its
         * owner or creator uid: the creator is unknown, not dead. */
        PENDING_NO_PIDS_OWNER_RUNNING = 1u << 9,
        PENDING_NO_PIDS_OWNER_UNKNOWN = 1u << 10,
        PENDING_MSG_WAITERS = 1u << 11,         /* a thread blocked in msgrcv/msgsnd on it */
        PENDING_MSG_WAITERS_UNKNOWN = 1u << 12, /* a thread that may be cannot be read */
        PENDING_FILE_USERS = 1u << 13,          /* POSIX: mapped or open by a process */
        PENDING_FILE_USERS_UNKNOWN = 1u << 14,  /* POSIX: a process that may cannot be read */
        /* Quarantine=yes and its contents cannot be copied: a non-empty POSIX queue (reading
         * consumes), a queue where the kernel lacks MSG_COPY. */
        PENDING_QUARANTINE_UNCOPYABLE = 1u << 15,
        /* Quarantine=yes and its copy does not fit QuarantineMaxBytes (or the disk). */
        PENDING_QUARANTINE_FULL = 1u << 16,
} PendingReason;

#define PENDING_IN_USE                                                                \
        (PENDING_ATTACHED | PENDING_DESTROY_MARKED | PENDING_SEM_WAITERS |            \
         PENDING_SEM_UNREADABLE | PENDING_MSG_WAITERS | PENDING_MSG_WAITERS_UNKNOWN | \
         PENDING_FILE_USERS | PENDING_FILE_USERS_UNKNOWN)

typedef struct Verdict {
        ObjectState state;
        int rule; /* index of the governing rule; -1 for none */
        unsigned pending;
} Verdict;

typedef struct EvaluationContext {
        int64_t now; /* Unix seconds */
        /* 1: uid has running processes, 0: none, negative: cannot tell. May be NULL when no
         * rule needs it; then "cannot tell". */
        int (*owner_has_processes)(uint32_t uid, void *userdata);
        void *userdata;
} EvaluationContext;

/* The in-use test of SPEC section 1: returns PENDING_* bits, 0 when not in use. */
unsigned ipc_object_in_use(const IpcObject *o);

uint64_t ipc_object_idle_sec(const IpcObject *o, int64_t now);

/* Whether r's matchers (Kind, Namespace, Owner, Group, Key, Name, Creator, MinSize) all
 * match. With ret_why, also says why in one line ("Owner: uid 1000 is not in 0-999").
 * creator_comm is the recorded creator's command name, NULL when unknown. A rule without
 * Namespace= matches only objects of the host namespace. */
bool rule_matches(const Rule *r, const IpcObject *o, const char *creator_comm, char **ret_why);

Verdict policy_evaluate(const Policy *p, const IpcObject *o, const char *creator_comm,
                        const EvaluationContext *ctx);

/* Renders v's pending bits as human sentences, for List, Explain and logs. */
int verdict_reasons(const Verdict *v, const IpcObject *o, const Policy *p, int64_t now,
                    char ***ret);
/* The same; with hide_walked_pids, the processes found by walking /proc (queue waiters,
 * POSIX users, and the ones that could not be read) are counted, not named: the daemon
 * sees them with CAP_SYS_PTRACE, which a caller other than root, AdminGroup and the
 * object's owner may not have (hidepid=). */
int verdict_reasons_detail(const Verdict *v, const IpcObject *o, const Policy *p, int64_t now,
                           bool hide_walked_pids, char ***ret);
