/* SPDX-License-Identifier: MIT */
/* The snapshot of one IPC object (System V or POSIX), as read from the kernel, and the
 * kinds: what each kind's times, identity and names are. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum IpcKind {
        IPC_KIND_SHM,
        IPC_KIND_SEM,
        IPC_KIND_MSG,
        IPC_KIND_POSIX_SHM, /* a regular file in /dev/shm, not sem.* */
        IPC_KIND_POSIX_SEM, /* /dev/shm/sem.NAME */
        IPC_KIND_POSIX_MQ,  /* /dev/mqueue/NAME */
        _IPC_KIND_MAX,
        _IPC_KIND_INVALID = -1,
} IpcKind;

/* The System V kinds: what a rule without Kind= means (IPC_KIND_ALL, a name from before
 * the POSIX kinds, which are opt-in). Kind=all is IPC_KIND_EVERY. */
#define IPC_KIND_SYSV ((1u << IPC_KIND_SHM) | (1u << IPC_KIND_SEM) | (1u << IPC_KIND_MSG))
#define IPC_KIND_ALL  IPC_KIND_SYSV
#define IPC_KIND_POSIX \
        ((1u << IPC_KIND_POSIX_SHM) | (1u << IPC_KIND_POSIX_SEM) | (1u << IPC_KIND_POSIX_MQ))
#define IPC_KIND_EVERY (IPC_KIND_SYSV | IPC_KIND_POSIX)

static inline bool ipc_kind_is_posix(IpcKind k) {
        return k >= IPC_KIND_POSIX_SHM && k < _IPC_KIND_MAX;
}

typedef enum ObjectState {
        OBJECT_IN_USE,
        OBJECT_IDLE,
        OBJECT_ORPHAN,
        OBJECT_PROTECTED,
        OBJECT_UNMATCHED,
        _OBJECT_STATE_MAX,
        _OBJECT_STATE_INVALID = -1,
} ObjectState;

/* Mode bits the kernel keeps in a segment's perms next to the permission bits. */
#define IPC_SHM_DEST   01000
#define IPC_SHM_LOCKED 02000

typedef struct IpcPid {
        pid_t pid;
        bool alive;
} IpcPid;

/* A thread blocked in msgrcv(2) or msgsnd(2) on a queue. */
typedef struct IpcWaiter {
        pid_t pid, tid;
        bool sending;
} IpcWaiter;

/* A process that maps a POSIX object's file or holds it open. */
typedef struct IpcUser {
        pid_t pid;
        bool mapped; /* else open */
} IpcUser;

/* An IPC namespace as the daemon knows it (SPEC section 8). Its identity is (inode, start of
 * the oldest process holding it, name): inodes are handed to the next namespace as soon as
 * one dies, so the inode alone never says "the same namespace". Shared by every object in
 * it and reference counted (atomically: snapshots are dropped on more than one thread). */
typedef struct IpcNamespace {
        unsigned n_ref;
        uint64_t inode;      /* of its ns/ipc */
        uint64_t start_usec; /* CLOCK_REALTIME µs its oldest holder started; 0: not known */
        bool host;           /* the daemon's own */
        char *name;          /* "host", "machine-NAME.scope", "docker-ID.scope", "ipc-INODE" */
} IpcNamespace;

#define IPC_NAMESPACE_HOST "host"

IpcNamespace *ipc_namespace_new(uint64_t inode, uint64_t start_usec, const char *name, bool host);
IpcNamespace *ipc_namespace_ref(IpcNamespace *ns);
IpcNamespace *ipc_namespace_unref(IpcNamespace *ns);
/* Same identity: the host is the host; any other needs inode, start and name equal. */
bool ipc_namespace_same(const IpcNamespace *a, const IpcNamespace *b);

typedef struct IpcObject {
        IpcKind kind;
        int id;
        int32_t key; /* key_t; 0 is IPC_PRIVATE */
        uint32_t mode;
        uint32_t uid, gid, cuid, cgid;

        uint64_t size; /* shm: segment bytes; msg: bytes queued; sem: 0 */
        /* Kind-specific fields share room: a table holds 100,000 of these, twice. */
        union {
                uint64_t nattch;   /* shm */
                uint64_t nsems;    /* sem */
                uint64_t messages; /* msg */
        };

        /* Times in Unix seconds as the kernel keeps them; 0 means never. */
        union {
                struct {
                        int64_t atime, dtime; /* shm attach and detach */
                };
                struct {
                        int64_t stime, rtime; /* msg last send and receive */
                };
                int64_t otime; /* sem last semop */
                int64_t mtime; /* POSIX: last write (a queue's last send or receive) */
        };
        int64_t ctime; /* creation or last IPC_SET; POSIX: the file's inode change time */

        /* Raw pids from the table; the evaluator reads pids[] below. */
        union {
                struct {
                        pid_t cpid, lpid; /* shm creator and last attach/detach */
                };
                struct {
                        pid_t lspid, lrpid; /* msg last send and receive */
                };
        };

        /* Distinct nonzero recorded pids, with liveness filled in by the scanner. */
        IpcPid *pids;
        size_t n_pids;
        /* shm cpid 0: the creator is in a pid namespace we cannot see, so maybe alive. */
        bool creator_unknown;

        /* sem: sum of GETNCNT and GETZCNT over the set's semaphores, read only for sets that
         * would otherwise be orphans (sem_waiters_read), and by the re-check before removal. */
        uint64_t sem_waiters;
        bool sem_waiters_read;
        /* sem: the Unix second its per-semaphore pids (GETPID) were read; an earlier pass's
         * when the set has not changed since (scan.c keeps them), 0 when never read. */
        int64_t pids_read_at;
        bool pids_kept; /* sem: pids_read_at is an earlier pass's */
        /* sem: details could not be read (errno); waiters are then unknown. */
        int sem_details_error;

        /* msg: threads blocked on it, looked for only when it would otherwise be an orphan
         * (a walk of every thread in /proc). waiters_unknown: why some thread that may wait
         * on it could not be judged, which keeps it too. */
        IpcWaiter *waiters;
        size_t n_waiters;
        char *waiters_unknown;
        /* msg: the walk for its waiters ran this pass; POSIX: the one for its users. */
        bool users_looked_for;

        /* POSIX kinds: the name in its directory (with its "sem." prefix for a semaphore, as
         * the file is named), the file's device and inode, and whether it is a regular file
         * at all (a directory or a symlink in /dev/shm is listed, never touched). id is -1. */
        char *name;
        uint64_t dev, ino;
        bool not_regular;
        /* A name with control characters or not in UTF-8: anybody can make one in /dev/shm;
         * it is shown escaped, never matched, never touched (like not_regular). */
        bool odd_name;
        /* POSIX: the processes mapping it or holding it open, looked for only when it would
         * otherwise be an orphan (a walk of every process's maps and fd); users_unknown: why
         * some process that may could not be read, which keeps it too. */
        IpcUser *users;
        size_t n_users;
        char *users_unknown;

        /* The IPC namespace it lives in (a reference); NULL: the daemon's own (fixtures). */
        IpcNamespace *ns;
} IpcObject;

/* "host" for the daemon's own namespace (and NULL). */
const char *ipc_object_namespace_name(const IpcObject *o);
/* Whether it lives in the daemon's own namespace: what a rule without Namespace= covers. */
bool ipc_object_in_host_namespace(const IpcObject *o);

const char *ipc_kind_to_string(IpcKind k);
IpcKind ipc_kind_from_string(const char *s);
/* "posix-sem sem.foo" -> "foo" and the like: the name a user knows the object by. */
const char *ipc_object_display_name(const IpcObject *o);
/* The length of the UTF-8 sequence at s (a NUL counts as 1), or 0 when it is not valid
 * UTF-8 (overlong forms, surrogates and code points beyond U+10FFFF are not). */
size_t utf8_sequence_length(const char *s);
/* Whether s is valid UTF-8 without control characters: a name JSON and logs carry as is. */
bool ipc_name_is_plain(const char *s);
/* s with control characters and bytes that are not UTF-8 as \xHH, for showing it. */
char *ipc_name_escape(const char *s);
const char *object_state_to_string(ObjectState s);
ObjectState object_state_from_string(const char *s);

int64_t ipc_object_last_activity(const IpcObject *o);
/* Same object, not a new one that reused the id or name: System V (kind, id, key, ctime,
 * cuid); POSIX (kind, name, device, inode, ctime, owner uid). */
bool ipc_object_same_identity(const IpcObject *a, const IpcObject *b);
/* The same, but for the change time: what the id or name names is still the same object. */
bool ipc_object_same_object(const IpcObject *a, const IpcObject *b);

/* Fills o->pids from the raw pid fields of shm and msg objects. */
int ipc_object_collect_pids(IpcObject *o);
int ipc_object_add_pid(IpcObject *o, pid_t pid);

/* Frees what the object owns (not the object itself) and resets it. */
void ipc_object_done(IpcObject *o);
/* Deep copy. */
int ipc_object_copy(IpcObject *dst, const IpcObject *src);
