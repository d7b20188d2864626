/* SPDX-License-Identifier: MIT */
/* The quarantine store: the contents of removed objects, kept under StateDirectory/quarantine/
 * so that a removal can be undone; one entry per object, written crash-safely, capped in bytes
 * (QuarantineMaxBytes) and expired by age (QuarantineKeepSec).
 *
 * On disk, in a directory of mode 0700 owned by the daemon (contents may be secrets), an entry
 * QID is two files of mode 0600:
 *   QID.data      the contents, as the copier wrote them;
 *   QID.json      the metadata: the caller's JSON object plus the store's own fields
 *                 "formatVersion" (1), "quarantineId", "size" (bytes of QID.data), "storedAt"
 *                 and "expiresAt" (seconds since the epoch; null: never).
 * QID.json is written as QID.json.tmp, fsync'd and renamed: that rename is the commit point. A
 * QID.data without QID.json, a QID.json.tmp, a QID.json that does not parse or whose QID.data is
 * missing or not "size" bytes long are incomplete entries, removed at open. Any other name is
 * not the store's: left alone (with a warning), never listed. A QID is "q", 8 lowercase hex
 * digits of the time in seconds and 4 of a counter, e.g. "q6650a1c2003f".
 *
 * Thread safety: every function takes the store's internal lock for as long as it reads or
 * changes the list of entries, and never holds it across a long fsync or a copy, so one thread
 * may write entries while another lists them. The writer functions are for one thread at a
 * time per writer. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUARANTINE_DIRECTORY      "quarantine"
#define QUARANTINE_FORMAT_VERSION 1
#define QUARANTINE_ID_LEN         13
#define QUARANTINE_ID_MAX         (QUARANTINE_ID_LEN + 1)

typedef struct QuarantineStore QuarantineStore;
typedef struct QuarantineWriter QuarantineWriter;

/* One complete entry, as listed: a copy the caller owns (quarantine_entry_done()). */
typedef struct QuarantineEntry {
        char id[QUARANTINE_ID_MAX];
        /* The metadata file's whole object: the caller's fields and the store's. */
        json_t *metadata;
        /* Bytes of contents. */
        uint64_t size;
        /* Seconds since the epoch. expires_at follows the store's current keep time (see
         * quarantine_store_set_limits()); 0 when entries never expire. */
        int64_t stored_at;
        int64_t expires_at;
} QuarantineEntry;

/* True if id has the form of a quarantine id ("q" and 12 lowercase hex digits): nothing else
 * is ever used as a file name, whatever a client sends. */
bool quarantine_id_is_valid(const char *id);

/* Opens the store in STATE_DIR/quarantine (STATE_DIR must exist), creating it with mode 0700
 * (an existing one with another mode is set to 0700). Refuses, with an error logged and -ELOOP, -ENOTDIR or -EPERM, a
 * "quarantine" that is a symbolic link, not a directory, or not owned by the daemon's uid.
 * Removes each incomplete entry with a log line, lists the complete ones and adds up their
 * bytes, and warns about each file that is not the store's, leaving it alone.
 * max_bytes caps the sum of the entries' contents; 0 means no room: every entry is refused.
 * keep_sec is how long an entry is kept; 0 means forever (as journald's MaxRetentionSec=0).
 * On success *ret owns the store; on failure *ret is untouched. */
int quarantine_store_open(const char *state_dir, uint64_t max_bytes, uint64_t keep_sec,
                          QuarantineStore **ret);

/* Closes the store; accepts NULL, returns NULL. Every writer must be committed or aborted
 * first. */
QuarantineStore *quarantine_store_free(QuarantineStore *s);
void quarantine_store_freep(QuarantineStore **s);

/* Changes the limits (a reload). The keep time applies to existing entries too: an entry
 * expires keep_sec after it was stored, as the configuration says now. A lower cap removes
 * nothing: it refuses new entries until the store is below it. */
void quarantine_store_set_limits(QuarantineStore *s, uint64_t max_bytes, uint64_t keep_sec);

/* Starts an entry whose contents will take at most expected_size bytes: reserves them under
 * the cap and creates the contents file (and asks the file system for its blocks, so a full
 * disk is found before the copy). Returns -ENOSPC, with nothing created, when the entry does
 * not fit under the cap or on the disk. On success *ret is a writer to hand to
 * quarantine_store_commit() or quarantine_store_abort(), exactly once. */
int quarantine_store_begin(QuarantineStore *s, uint64_t expected_size, QuarantineWriter **ret);

/* The contents file, open read-write at offset 0, for the copier to write into (write, pwrite,
 * or a mapping): it stays the writer's, never close it. */
int quarantine_writer_fd(const QuarantineWriter *w);

/* The entry's id, known from quarantine_store_begin() on, so that it can be recorded before
 * the commit. */
const char *quarantine_writer_id(const QuarantineWriter *w);

/* Makes the entry complete and durable: fsyncs the contents, writes the metadata (a copy of
 * metadata, a JSON object, with the store's fields added, replacing any of the same names) to a
 * temporary file, fsyncs it, renames it into place and fsyncs the directory. Only after it
 * returns 0 may the object be removed from the kernel. Always consumes w: on failure (-EFBIG
 * when more than expected_size bytes were written, -EINVAL when metadata is not an object,
 * -ENOSPC or -EIO from a full or failing disk) the entry is removed, nothing of it stays and
 * its room is given back. On success, if ret_id is not NULL, *ret_id is the entry's id
 * (free()). */
int quarantine_store_commit(QuarantineStore *s, QuarantineWriter *w, json_t *metadata,
                            char **ret_id);

/* quarantine_store_commit() of n entries at once, with one directory fsync for all: the cost
 * of a durable commit shared by a batch. results[i] is the outcome of writers[i] (0, or an error
 * as quarantine_store_commit()'s); every writer is consumed (writers[i] set to NULL). */
int quarantine_store_commit_many(QuarantineStore *s, QuarantineWriter **writers, json_t **metadata,
                                 size_t n, int *results);

/* Drops an unfinished entry: removes its file and gives its room back. Accepts NULL, returns
 * NULL. */
QuarantineWriter *quarantine_store_abort(QuarantineWriter *w);
void quarantine_store_abortp(QuarantineWriter **w);

/* The number of complete entries and the sum of their contents' bytes (either may be NULL):
 * the metrics. */
void quarantine_store_usage(QuarantineStore *s, size_t *ret_n, uint64_t *ret_bytes);

/* A consistent copy of the complete entries, oldest first. On success *ret (NULL when there are
 * none) and *ret_n belong to the caller: quarantine_entry_array_free(). */
int quarantine_store_list(QuarantineStore *s, QuarantineEntry **ret, size_t *ret_n);

/* A copy of the entry id. -EINVAL if id is not a quarantine id (it comes from a client),
 * -ENOENT if there is no such entry. ret may be NULL (an existence check). */
int quarantine_store_get(QuarantineStore *s, const char *id, QuarantineEntry *ret);

/* Opens entry id's contents read-only for a restore, checking they are still all there.
 * -EINVAL or -ENOENT as quarantine_store_get(), -EBADMSG (logged, the entry kept for an
 * admin to look at) when the contents are not the recorded size. On success *ret_fd is the
 * caller's, and ret (if not NULL) a copy of the entry. The fd stays readable even if the entry
 * is removed meanwhile. */
int quarantine_store_open_data(QuarantineStore *s, const char *id, int *ret_fd,
                               QuarantineEntry *ret);

/* Removes entry id (restored, or expired): its metadata first, then its contents, then fsyncs
 * the directory. -EINVAL or -ENOENT as quarantine_store_get(). */
int quarantine_store_remove(QuarantineStore *s, const char *id);

/* Removes every entry whose expiry time is at or before now (seconds since the epoch). Each
 * output may be NULL: *ret_expired (owned by the caller, quarantine_entry_array_free()) the
 * removed entries, for the journal; *ret_n how many; *ret_bytes their bytes. Returns 0, or the
 * first error met while removing (the others are still tried). */
int quarantine_store_expire(QuarantineStore *s, int64_t now, QuarantineEntry **ret_expired,
                            size_t *ret_n, uint64_t *ret_bytes);

/* The earliest expiry time of the entries, for the timer: 0 and *ret, or -ENOENT when none
 * expires. */
int quarantine_store_next_expiry(QuarantineStore *s, int64_t *ret);

/* Frees what an entry holds (not the entry itself). */
void quarantine_entry_done(QuarantineEntry *e);
void quarantine_entry_array_free(QuarantineEntry *entries, size_t n);
