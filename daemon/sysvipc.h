/* SPDX-License-Identifier: MIT */
/* Reads the kernel's System V IPC tables: /proc/sysvipc/{shm,sem,msg}, or *_STAT_ANY. */
#pragma once

#include <stdio.h>

#include "ipc-object.h"
#include "object-table.h"
#include "queue-waiters.h"

/* Parses one /proc/sysvipc table from f and appends its rows to t. The header line names
 * the columns, so older layouts (the 14-column shm table) parse too. A malformed row is
 * logged with its line number and skipped; *ret_bad_lines counts them. name is for
 * messages. Returns -EBADMSG when the header itself is unusable. */
int sysvipc_parse(IpcKind kind, FILE *f, const char *name, ObjectTable *t, unsigned *ret_bad_lines);

/* Pids of semaphore sets kept from an earlier pass: reuse() fills o's pids (and
 * pids_read_at) and returns true when the set has not changed since they were read. */
typedef struct SemPidsCache {
        bool (*reuse)(IpcObject *o, void *userdata);
        void *userdata;
} SemPidsCache;

/* Reads one System V kind, by walking the kernel's index with *_STAT_ANY (under the real
 * /proc) or from PROCFS/sysvipc, with every semaphore set's pids (GETPID per semaphore,
 * unless cache has them). Waiters are not read: see sysvipc_read_sem_waiters(). */
int sysvipc_read_kind(const char *procfs, IpcKind kind, const SemPidsCache *cache, ObjectTable *t);

/* Reads all three kinds from PROCFS/sysvipc, falling back to *_STAT_ANY for a kind whose
 * table is missing, and reads every semaphore set's per-semaphore pids and waiters. */
int sysvipc_read_all(const char *procfs, ObjectTable *t);

/* Reads one kind's objects by walking the kernel's index with *_STAT_ANY. */
int sysvipc_read_stat_any(IpcKind kind, ObjectTable *t);

/* Fills a semaphore set's pids (GETPID) and waiters (GETNCNT + GETZCNT). Returns -EIDRM
 * or -EINVAL when the set is gone; permission trouble is recorded in sem_details_error. */
int sysvipc_read_sem_details(IpcObject *o);
/* Only the waiters (GETNCNT + GETZCNT), in the calling thread's namespace. */
int sysvipc_read_sem_waiters(IpcObject *o);
/* The per-semaphore calls (GETPID, GETNCNT, GETZCNT) made since the last call of this:
 * what debug logging reports per pass, so that a steady state can be seen to make none. */
uint64_t sysvipc_take_sem_calls(void);

/* Re-reads one object by kind and id (IPC_STAT, plus every semaphore's pid and waiters), for
 * the re-check right before removal. Returns -EIDRM/-EINVAL when it is gone. */
int sysvipc_stat(IpcKind kind, int id, IpcObject *ret);

/* Sets the permission bits to mode (IPC_SET, keeping owner, group and a queue's qbytes) if the
 * object still has key, cuid, permission bits expect_mode and, unless expect_ctime is
 * negative, ctime expect_ctime; -ESTALE if not. *ret_ctime: its ctime afterwards. */
int sysvipc_set_mode(IpcKind kind, int id, int32_t key, uint32_t cuid, int64_t expect_ctime,
                     uint32_t expect_mode, uint32_t mode, int64_t *ret_ctime);

/* IPC_RMID. */
int sysvipc_remove(IpcKind kind, int id);

/* Sets a queue's waiters (and why some could not be judged) from a walk of the threads,
 * for the queue's IPC namespace ns_inode. */
int sysvipc_set_queue_waiters(IpcObject *o, const QueueWaiters *w, uint64_t ns_inode);

/* Whether the daemon has CAP_SYS_PTRACE in its effective set. */
bool sysvipc_has_cap_sys_ptrace(void);

/* One walk of every thread for queue waiters. Under a /proc mounted with hidepid=, a daemon
 * without CAP_SYS_PTRACE cannot see other users' threads at all: every namespace is then
 * uncertain. */
int sysvipc_read_queue_waiters(const char *procfs, bool hidepid, QueueWaiters *ret);

/* The inode of the IPC namespace the daemon reads (PROCFS/self/ns/ipc); 0 when unknown, and
 * then every queue's waiters are uncertain. */
uint64_t sysvipc_namespace_inode(const char *procfs);

typedef enum IpcLimit {
        IPC_LIMIT_SHMMNI,  /* segments */
        IPC_LIMIT_SHMALL,  /* pages of shared memory in all */
        IPC_LIMIT_SEMMNI,  /* semaphore sets */
        IPC_LIMIT_SEMMNS,  /* semaphores in all */
        IPC_LIMIT_MSGMNI,  /* queues */
        IPC_LIMIT_MQUEUES, /* POSIX queues: fs.mqueue.queues_max */
        IPC_LIMIT_SHM_FS,  /* bytes of the /dev/shm filesystem */
        _IPC_LIMIT_MAX,
} IpcLimit;

typedef struct IpcLimits {
        uint64_t used[_IPC_LIMIT_MAX];
        uint64_t max[_IPC_LIMIT_MAX]; /* 0: unknown */
} IpcLimits;

const char *ipc_limit_to_string(IpcLimit l);
/* Reads the limits from PROCFS/sys/kernel and counts what the objects in t use. */
void sysvipc_read_limits(const char *procfs, const ObjectTable *t, IpcLimits *ret);
