/* SPDX-License-Identifier: MIT */
/* The POSIX kinds: posix-shm (files of /dev/shm), posix-sem (/dev/shm/sem.NAME) and
 * posix-mq (/dev/mqueue/NAME), read and acted on by name through a directory fd. */
#pragma once

#include <stdint.h>

#include "file-users.h"
#include "ipc-object.h"
#include "kind.h"
#include "object-table.h"
#include "sysvipc.h"

/* Appends every object of kind found in its directory. -ENOENT when the directory does not
 * exist (no such mount: nothing of the kind). Entries of /dev/shm that are not regular
 * files (directories, symlinks) are posix-shm objects marked not_regular. */
int posixipc_read_kind(const KindSources *src, IpcKind kind, ObjectTable *t);

/* Re-reads seen by name (never following a symlink): -ENOENT when the name is gone. */
int posixipc_stat(const KindSources *src, const IpcObject *seen, IpcObject *ret);

/* fchmod of the file through an fd opened by name, only if it is still o's regular file
 * (device, inode, owner), with permission bits expect_mode and, unless expect_ctime is
 * negative, that ctime; -ESTALE if not. */
int posixipc_set_mode(const KindSources *src, const IpcObject *o, int64_t expect_ctime,
                      uint32_t expect_mode, uint32_t mode, int64_t *ret_ctime);

/* unlinkat() of the name, only if it is still o's regular file; -ESTALE if not. */
int posixipc_remove(const KindSources *src, const IpcObject *o);

/* A queue file's status line: "QSIZE:N ..." gives the bytes queued. */
int posixipc_parse_mqueue(const char *buf, uint64_t *ret_qsize);

/* Sets the processes mapping or holding o (and why some could not be judged) from a walk. */
int posixipc_set_users(IpcObject *o, const FileUsers *u);

/* One walk for the users of files on the POSIX mounts of src. Under a /proc mounted with
 * hidepid= without CAP_SYS_PTRACE every file is uncertain. */
int posixipc_read_users(const KindSources *src, bool hidepid, FileUsers *ret);
/* The same for the files on any of devs[0..n) (the POSIX mounts of every namespace). */
int posixipc_read_users_of(const char *procfs, const uint64_t *devs, size_t n, bool hidepid,
                           FileUsers *ret);

/* The POSIX limits of the kinds read: queues against fs.mqueue.queues_max (PROCFS/sys), and
 * the bytes used of the /dev/shm filesystem against its size. */
void posixipc_read_limits(const KindSources *src, const ObjectTable *t, unsigned kinds_read,
                          IpcLimits *limits);

/* st_dev of the filesystem at dir, 0 when it cannot be read. */
uint64_t posixipc_device(const char *dir);
