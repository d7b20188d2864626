/* SPDX-License-Identifier: MIT */
/* The contents of an IPC object for the quarantine (SPEC section 9): copy one object, of any
 * kind, into a file descriptor plus a JSON metadata object, and put it back from the two. Both
 * run in the calling thread's IPC namespace with the plain system calls: the caller enters the
 * object's namespace first. Where the copy is kept (the store) and whether the object changed
 * meanwhile (the re-check) are the caller's business. */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdint.h>

#include "ipc-object.h"
#include "kind.h"

/* The version of the data layout below, in the metadata as "copyFormat". */
#define QUARANTINE_COPY_FORMAT 1

/* quarantine_copy() of a POSIX queue that holds messages: they cannot be read without
 * consuming them, so such a queue is kept, not removed. */
#define QUARANTINE_COPY_QUEUE_NOT_EMPTY (-ENOTEMPTY)
/* quarantine_copy() of a System V queue where the kernel lacks MSG_COPY
 * (CONFIG_CHECKPOINT_RESTORE): its messages cannot be read without consuming them either. */
#define QUARANTINE_COPY_NO_MSG_COPY (-ENOSYS)

/* Copies o's contents to fd (written sequentially from its current offset) and sets in meta
 * everything a restore needs; *ret_bytes is the number of content bytes written. o is the
 * snapshot taken before the fence: its mode, owner and group are what a restore gives back
 * (the object itself is at mode 000 by now). The object is checked to still be o (System V:
 * key and cuid of that id; POSIX: a regular file with o's device, inode and owner), else
 * -ESTALE; -ESTALE too when its contents changed size under the copy.
 *
 * The data written, per kind ("dataFormat" in meta):
 *   shm, posix-shm, posix-sem  "bytes": the segment's or the file's bytes, "size" of them.
 *   msg                        "messages": per message, in queue order, its type (8 bytes,
 *                              little endian, signed), its length (8 bytes, little endian)
 *                              and its bytes.
 *   sem, posix-mq              "none": no bytes; the semaphore values ("semValues") and the
 *                              queue's attributes live in meta alone.
 * Keys set in meta: copyFormat, dataFormat, dataBytes, kind, mode, ownerUid, ownerGid,
 * creatorUid, creatorGid, size; System V: id, key; POSIX: name; sem: nsems, semValues; msg:
 * messages, queueBytes, qbytes; posix-mq: mqMaxMessages, mqMessageSize. meta is left
 * untouched on failure.
 *
 * A shm copy attaches read-only: the segment's nattch rises while it runs and its lpid, atime
 * and dtime become the daemon's. Errors besides the kernel's: QUARANTINE_COPY_QUEUE_NOT_EMPTY,
 * QUARANTINE_COPY_NO_MSG_COPY; write errors of fd (-ENOSPC) are forwarded. */
int quarantine_copy(const KindSources *src, const IpcObject *o, int fd, json_t *meta,
                    uint64_t *ret_bytes);

/* Recreates the object meta describes with the contents read from fd (from its current offset;
 * exactly the bytes the copy wrote, else -EBADMSG), with its key or name, owner, group and mode.
 * A System V object asks for its old id (kernel/{shm,sem,msg}_next_id under src->procfs, which
 * must be the calling thread's namespace: the caller entered it) and takes another one when that
 * is taken or the file cannot be written; *ret_id is the id it got (-1 for POSIX). The object is
 * made at mode 000 and gets its mode only when complete; on any failure whatever was created is
 * removed again. -EEXIST when an object with that key (not IPC_PRIVATE) or name exists: nothing
 * changed. -EBADMSG for metadata or data that do not describe an object.
 *
 * What a restore cannot give back: the kernel sets cuid and cgid to the daemon's and records
 * the daemon's pid (cpid and lpid, every sempid, lspid): the caller reports the originals kept
 * in its own records, and counts its own pid as none. Times start afresh. */
int quarantine_restore(const KindSources *src, const json_t *meta, int fd, int *ret_id);

/* Why an object is kept instead of being quarantined, for the errors that mean "this object
 * cannot be copied" rather than "something went wrong"; NULL for other errors. */
const char *quarantine_copy_kept_reason(int error);
