/* SPDX-License-Identifier: MIT */
/* A kind of IPC object is an interface: how to read every object of it, re-read one by its
 * identity, tell whether it is in use, fence it, remove it, and show its own fields. The
 * scan, the evaluator, the reaper and the replies go through this table, not through a
 * switch on the kind, so that a new kind plugs in here. */
#pragma once

#include <jansson.h>

#include "ipc-object.h"
#include "object-table.h"

/* Where the objects are read from: /proc (or a fixture tree), and the directories of the
 * POSIX kinds. */
typedef struct SemPidsCache SemPidsCache;

typedef struct KindSources {
        const char *procfs;
        const char *shm_dir;    /* /dev/shm: posix-shm and posix-sem */
        const char *mqueue_dir; /* /dev/mqueue: posix-mq */
        /* Semaphore pids an earlier pass read, for sets unchanged since; NULL: none. */
        const SemPidsCache *sem_cache;
} KindSources;

#define KIND_SOURCES_DEFAULT \
        { .procfs = "/proc", .shm_dir = "/dev/shm", .mqueue_dir = "/dev/mqueue" }

typedef struct KindOps {
        /* Appends every object of the kind to t. -ENOENT when its source does not exist (no
         * /dev/mqueue mount: nothing of the kind here); other trouble is a negative errno. */
        int (*read_all)(const KindSources *src, ObjectTable *t);
        /* Re-reads the object seen names (by id, or by name in its directory) with everything
         * the in-use test needs. -EINVAL or -EIDRM (System V) or -ENOENT (POSIX) when no
         * object has that id or name any more. */
        int (*stat)(const KindSources *src, const IpcObject *seen, IpcObject *ret);
        /* The in-use test of SPEC sections 1 and 7, from the snapshot alone: PENDING_* bits. */
        unsigned (*in_use)(const IpcObject *o);
        /* Sets the permission bits to mode if the object is still o (its identity), with
         * permission bits expect_mode and, unless expect_ctime is negative, that ctime;
         * -ESTALE if not. *ret_ctime: its ctime afterwards. */
        int (*set_mode)(const KindSources *src, const IpcObject *o, int64_t expect_ctime,
                        uint32_t expect_mode, uint32_t mode, int64_t *ret_ctime);
        int (*remove)(const KindSources *src, const IpcObject *o);
        /* Adds the kind's own fields to an object's JSON (nattch, nsems, messages, name). */
        void (*fields_to_json)(const IpcObject *o, json_t *j);
} KindOps;

const KindOps *kind_ops(IpcKind k);
