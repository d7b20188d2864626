/* SPDX-License-Identifier: MIT */
/* The quarantine store: removed objects' contents and metadata under StateDirectory/quarantine/,
 * written so that a crash leaves each entry complete or cleaned up at the next open. */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "io-util.h"
#include "log.h"
#include "macro.h"
#include "quarantine-store.h"

#define DATA_SUFFIX      ".data"
#define METADATA_SUFFIX  ".json"
#define TEMPORARY_SUFFIX ".json.tmp"
/* The longest file name the store makes: the id and ".json.tmp". */
#define NAME_MAX_LEN (QUARANTINE_ID_LEN + sizeof(TEMPORARY_SUFFIX))

struct QuarantineStore {
        /* Guards everything below but dir_fd and path, which never change. */
        pthread_mutex_t lock;
        int dir_fd;
        char *path;
        uint64_t max_bytes;
        uint64_t keep_sec;
        /* Complete entries, oldest first (stored_at, then id). */
        QuarantineEntry *entries;
        size_t n_entries, n_allocated;
        uint64_t total_bytes;
        /* Room promised to writers not yet committed, so two copies at once cannot both fit
         * in the room left for one. */
        uint64_t reserved_bytes;
        size_t n_writers;
        uint16_t counter;
};

struct QuarantineWriter {
        QuarantineStore *store;
        int fd;
        /* Empty until the contents file exists and the room is reserved. */
        char id[QUARANTINE_ID_MAX];
        uint64_t reserved;
};

static void store_lock(QuarantineStore *s) {
        pthread_mutex_lock(&s->lock);
}

static void store_unlockp(QuarantineStore **s) {
        if (*s)
                pthread_mutex_unlock(&(*s)->lock);
}

/* Holds the store's lock until the end of the enclosing block. */
#define STORE_LOCKED(s) \
        store_lock(s);  \
        _cleanup_(store_unlockp) _unused_ QuarantineStore *_store_locked_ = (s)

static void name_of(char buf[static NAME_MAX_LEN], const char *id, const char *suffix) {
        snprintf(buf, NAME_MAX_LEN, "%s%s", id, suffix);
}

static int64_t expiry_of(int64_t stored_at, uint64_t keep_sec) {
        if (keep_sec == 0)
                return 0;
        if (keep_sec > (uint64_t) (INT64_MAX - MAX(stored_at, 0)))
                return INT64_MAX;
        return stored_at + (int64_t) keep_sec;
}

bool quarantine_id_is_valid(const char *id) {
        if (!id || strnlen(id, QUARANTINE_ID_MAX) != QUARANTINE_ID_LEN || id[0] != 'q')
                return false;
        for (size_t i = 1; i < QUARANTINE_ID_LEN; i++)
                if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
                        return false;
        return true;
}

void quarantine_entry_done(QuarantineEntry *e) {
        if (!e)
                return;
        json_decref(e->metadata);
        e->metadata = NULL;
}

void quarantine_entry_array_free(QuarantineEntry *entries, size_t n) {
        for (size_t i = 0; i < n; i++)
                quarantine_entry_done(&entries[i]);
        free(entries);
}

static int entry_copy(const QuarantineEntry *from, QuarantineEntry *to) {
        json_t *m = json_deep_copy(from->metadata);
        if (!m)
                return -ENOMEM;
        *to = *from;
        to->metadata = m;
        return 0;
}

static int entry_compare(const void *a, const void *b) {
        const QuarantineEntry *x = a, *y = b;
        if (x->stored_at != y->stored_at)
                return x->stored_at < y->stored_at ? -1 : 1;
        return strcmp(x->id, y->id);
}

/* Takes e (its metadata too) into the list, in order. Lock held. */
static int store_insert(QuarantineStore *s, QuarantineEntry *e) {
        size_t i;

        if (GREEDY_REALLOC(s->entries, s->n_allocated, s->n_entries + 1) < 0)
                return -ENOMEM;
        for (i = s->n_entries; i > 0 && entry_compare(&s->entries[i - 1], e) > 0; i--)
                ;
        memmove(&s->entries[i + 1], &s->entries[i], (s->n_entries - i) * sizeof(*e));
        s->entries[i] = *e;
        s->n_entries++;
        s->total_bytes += e->size;
        *e = (QuarantineEntry){ 0 };
        return 0;
}

/* Lock held. */
static ssize_t store_find(QuarantineStore *s, const char *id) {
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].id, id))
                        return (ssize_t) i;
        return -1;
}

/* Moves entry i out of the list into *ret. Lock held. */
static void store_take(QuarantineStore *s, size_t i, QuarantineEntry *ret) {
        *ret = s->entries[i];
        s->total_bytes -= MIN(ret->size, s->total_bytes);
        memmove(&s->entries[i], &s->entries[i + 1], (s->n_entries - i - 1) * sizeof(*ret));
        s->n_entries--;
}

static void sync_directory(QuarantineStore *s) {
        if (fsync(s->dir_fd) < 0)
                log_warning_errno(errno, "Failed to sync %s, ignoring: %m", s->path);
}

/* Unlinks an entry's files, metadata first: once it is gone the entry is no longer complete,
 * and a crash before the contents go leaves a data file the next open removes. */
static int entry_unlink(QuarantineStore *s, const char *id) {
        char name[NAME_MAX_LEN];

        name_of(name, id, METADATA_SUFFIX);
        if (unlinkat(s->dir_fd, name, 0) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove %s/%s: %m", s->path, name);
        name_of(name, id, DATA_SUFFIX);
        if (unlinkat(s->dir_fd, name, 0) < 0 && errno != ENOENT)
                log_warning_errno(errno,
                                  "Failed to remove %s/%s, it will be removed at restart: %m",
                                  s->path, name);
        return 0;
}

/* ---- opening: the directory, then the entries in it ---- */

static int open_directory(const char *state_dir, char **ret_path) {
        _cleanup_close_ int state_fd = -1, fd = -1;
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (asprintf(&path, "%s/%s", state_dir, QUARANTINE_DIRECTORY) < 0)
                return log_oom();
        state_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (state_fd < 0)
                return log_error_errno(errno, "Failed to open state directory %s: %m", state_dir);
        if (mkdirat(state_fd, QUARANTINE_DIRECTORY, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", path);
        /* Looked at before opening, so that a symbolic link gets an error that says so. */
        if (fstatat(state_fd, QUARANTINE_DIRECTORY, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(errno, "Failed to look at %s: %m", path);
        if (S_ISLNK(st.st_mode))
                return log_error_errno(ELOOP,
                                       "Refusing quarantine store %s: it is a symbolic link, "
                                       "not a directory.",
                                       path);
        fd = openat(state_fd, QUARANTINE_DIRECTORY,
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Refusing quarantine store %s: %m", path);
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to look at %s: %m", path);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(ENOTDIR, "Refusing quarantine store %s: not a directory.",
                                       path);
        if (st.st_uid != geteuid())
                return log_error_errno(EPERM,
                                       "Refusing quarantine store %s: owned by uid " UID_FMT
                                       ", not by the daemon's uid " UID_FMT
                                       " (others could read or plant entries).",
                                       path, (uint32_t) st.st_uid, (uint32_t) geteuid());
        /* The contents may be secrets: nobody but the daemon may look. */
        if ((st.st_mode & 07777) != 0700) {
                if (fchmod(fd, 0700) < 0)
                        return log_error_errno(errno, "Failed to set mode 0700 on %s: %m", path);
                log_notice("Set mode 0700 on %s (it was %04o): removed contents may be secrets.",
                           path, (unsigned) (st.st_mode & 07777));
        }
        *ret_path = TAKE_PTR(path);
        return TAKE_FD(fd);
}

typedef enum FileRole {
        FILE_FOREIGN,
        FILE_DATA,
        FILE_METADATA,
        FILE_TEMPORARY,
} FileRole;

static FileRole classify(const char *name, char id[static QUARANTINE_ID_MAX]) {
        if (strnlen(name, NAME_MAX_LEN) <= QUARANTINE_ID_LEN)
                return FILE_FOREIGN;
        memcpy(id, name, QUARANTINE_ID_LEN);
        id[QUARANTINE_ID_LEN] = 0;
        if (!quarantine_id_is_valid(id))
                return FILE_FOREIGN;
        name += QUARANTINE_ID_LEN;
        if (streq(name, DATA_SUFFIX))
                return FILE_DATA;
        if (streq(name, METADATA_SUFFIX))
                return FILE_METADATA;
        if (streq(name, TEMPORARY_SUFFIX))
                return FILE_TEMPORARY;
        return FILE_FOREIGN;
}

typedef struct FoundFile {
        char id[QUARANTINE_ID_MAX];
        uint64_t size;
        /* A data file: its metadata accounts for it (kept, or removed with it). */
        bool claimed;
} FoundFile;

typedef struct Scan {
        FoundFile *metadata, *data;
        size_t n_metadata, n_data, allocated_metadata, allocated_data;
        bool removed;
} Scan;

static int found_compare(const void *a, const void *b) {
        return strcmp(((const FoundFile *) a)->id, ((const FoundFile *) b)->id);
}

static void remove_incomplete(QuarantineStore *s, Scan *scan, const char *id, const char *suffix,
                              const char *why) {
        char name[NAME_MAX_LEN];

        name_of(name, id, suffix);
        if (unlinkat(s->dir_fd, name, 0) < 0 && errno != ENOENT) {
                log_warning_errno(errno, "Failed to remove incomplete quarantine file %s/%s: %m",
                                  s->path, name);
                return;
        }
        log_warning("Removed incomplete quarantine file %s/%s: %s.", s->path, name, why);
        scan->removed = true;
}

/* Sorts the directory's files into metadata and data; removes temporaries, warns about the
 * rest. */
static int scan_directory(QuarantineStore *s, Scan *scan) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", s->path);
        d = fdopendir(fd);
        if (!d) {
                int r = log_error_errno(errno, "Failed to read %s: %m", s->path);
                close(fd);
                return r;
        }
        while ((errno = 0, de = readdir(d))) {
                char id[QUARANTINE_ID_MAX];
                FileRole role;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                role = classify(de->d_name, id);
                if (role != FILE_FOREIGN &&
                    fstatat(s->dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return log_error_errno(errno, "Failed to look at %s/%s: %m", s->path,
                                               de->d_name);
                }
                /* Never delete what the store did not write: it might be an admin's. */
                if (role == FILE_FOREIGN || !S_ISREG(st.st_mode)) {
                        log_warning("Leaving %s/%s alone: not a quarantine store file.", s->path,
                                    de->d_name);
                        continue;
                }
                if (role == FILE_TEMPORARY) {
                        remove_incomplete(s, scan, id, TEMPORARY_SUFFIX,
                                          "metadata never committed");
                        continue;
                }
                FoundFile **list = role == FILE_DATA ? &scan->data : &scan->metadata;
                size_t *n = role == FILE_DATA ? &scan->n_data : &scan->n_metadata;
                size_t *allocated =
                        role == FILE_DATA ? &scan->allocated_data : &scan->allocated_metadata;
                if (greedy_realloc((void **) list, allocated, *n + 1, sizeof(FoundFile)) < 0)
                        return log_oom();
                FoundFile *f = &(*list)[(*n)++];
                *f = (FoundFile){ .size = (uint64_t) st.st_size };
                memcpy(f->id, id, sizeof(id));
        }
        if (errno != 0)
                return log_error_errno(errno, "Failed to read %s: %m", s->path);
        return 0;
}

/* Reads and checks a metadata file: 0 and *ret, -EPROTONOSUPPORT for a newer format, or
 * -EBADMSG with *ret_why. */
static int metadata_load(QuarantineStore *s, const char *id, json_t **ret, const char **ret_why) {
        _cleanup_close_ int fd = -1;
        char name[NAME_MAX_LEN];
        json_error_t error;
        json_t *doc, *v;
        json_int_t version;

        name_of(name, id, METADATA_SUFFIX);
        fd = openat(s->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s/%s: %m", s->path, name);
        doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &error);
        if (!doc) {
                *ret_why = "metadata does not parse";
                return -EBADMSG;
        }
        v = json_object_get(doc, "formatVersion");
        version = json_is_integer(v) ? json_integer_value(v) : 0;
        if (version > QUARANTINE_FORMAT_VERSION) {
                json_decref(doc);
                return -EPROTONOSUPPORT;
        }
        if (version != QUARANTINE_FORMAT_VERSION ||
            !json_is_string(json_object_get(doc, "quarantineId")) ||
            !streq(json_string_value(json_object_get(doc, "quarantineId")), id) ||
            !json_is_integer(json_object_get(doc, "size")) ||
            json_integer_value(json_object_get(doc, "size")) < 0 ||
            !json_is_integer(json_object_get(doc, "storedAt"))) {
                json_decref(doc);
                *ret_why = "metadata lacks a field of the store or has a wrong one";
                return -EBADMSG;
        }
        *ret = doc;
        return 0;
}

/* Keeps each complete entry, removes each incomplete one. */
static int settle_entries(QuarantineStore *s, Scan *scan) {
        int r;

        if (scan->n_data > 0)
                qsort(scan->data, scan->n_data, sizeof(FoundFile), found_compare);
        for (size_t i = 0; i < scan->n_metadata; i++) {
                const char *id = scan->metadata[i].id, *why = NULL;
                FoundFile *data = scan->n_data == 0
                                          ? NULL
                                          : bsearch(&scan->metadata[i], scan->data, scan->n_data,
                                                    sizeof(FoundFile), found_compare);
                json_t *doc = NULL;

                if (data)
                        data->claimed = true;
                r = metadata_load(s, id, &doc, &why);
                if (r == -EPROTONOSUPPORT) {
                        log_warning("Leaving quarantine entry %s/%s alone: written in a newer "
                                    "format than this version reads.",
                                    s->path, id);
                        continue;
                }
                if (r < 0 && r != -EBADMSG)
                        return r;
                if (r >= 0 && !data)
                        why = "its contents file is missing";
                else if (r >= 0 &&
                         data->size != (uint64_t) json_integer_value(json_object_get(doc, "size")))
                        why = "its contents file is not the size recorded (truncated)";
                if (why) {
                        json_decref(doc);
                        remove_incomplete(s, scan, id, METADATA_SUFFIX, why);
                        if (data)
                                remove_incomplete(s, scan, id, DATA_SUFFIX, why);
                        continue;
                }
                QuarantineEntry e = {
                        .metadata = doc,
                        .size = data->size,
                        .stored_at = json_integer_value(json_object_get(doc, "storedAt")),
                };
                e.expires_at = expiry_of(e.stored_at, s->keep_sec);
                memcpy(e.id, id, sizeof(e.id));
                r = store_insert(s, &e);
                if (r < 0) {
                        json_decref(doc);
                        return log_oom();
                }
        }
        for (size_t i = 0; i < scan->n_data; i++)
                if (!scan->data[i].claimed)
                        remove_incomplete(s, scan, scan->data[i].id, DATA_SUFFIX,
                                          "no metadata (never committed)");
        return 0;
}

int quarantine_store_open(const char *state_dir, uint64_t max_bytes, uint64_t keep_sec,
                          QuarantineStore **ret) {
        _cleanup_(quarantine_store_freep) QuarantineStore *s = NULL;
        Scan scan = { 0 };
        struct timespec ts;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return log_oom();
        s->dir_fd = -1;
        pthread_mutex_init(&s->lock, NULL);
        s->max_bytes = max_bytes;
        s->keep_sec = keep_sec;
        /* Ids made in the same second by an earlier run differ after a restart, most likely;
         * the O_EXCL create makes sure. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        s->counter = (uint16_t) (ts.tv_nsec ^ getpid());

        r = open_directory(state_dir, &s->path);
        if (r < 0)
                return r;
        s->dir_fd = r;

        r = scan_directory(s, &scan);
        if (r >= 0)
                r = settle_entries(s, &scan);
        free(scan.metadata);
        free(scan.data);
        if (r < 0)
                return r;
        if (scan.removed)
                sync_directory(s);
        log_debug("Quarantine store %s: %zu entries, %" PRIu64 " bytes.", s->path, s->n_entries,
                  s->total_bytes);
        *ret = TAKE_PTR(s);
        return 0;
}

QuarantineStore *quarantine_store_free(QuarantineStore *s) {
        if (!s)
                return NULL;
        if (s->n_writers > 0)
                log_error("Quarantine store closed with %zu writers open: a bug.", s->n_writers);
        quarantine_entry_array_free(s->entries, s->n_entries);
        safe_close(s->dir_fd);
        free(s->path);
        pthread_mutex_destroy(&s->lock);
        return mfree(s);
}

void quarantine_store_freep(QuarantineStore **s) {
        quarantine_store_free(*s);
}

void quarantine_store_set_limits(QuarantineStore *s, uint64_t max_bytes, uint64_t keep_sec) {
        STORE_LOCKED(s);
        s->max_bytes = max_bytes;
        s->keep_sec = keep_sec;
        for (size_t i = 0; i < s->n_entries; i++)
                s->entries[i].expires_at = expiry_of(s->entries[i].stored_at, keep_sec);
}

/* ---- writing an entry ---- */

/* Lock held. */
static bool store_fits(QuarantineStore *s, uint64_t size) {
        uint64_t used = s->total_bytes + s->reserved_bytes;

        /* A cap of 0 keeps nothing, not even an empty object's metadata. */
        if (s->max_bytes == 0 || used > s->max_bytes)
                return false;
        return size <= s->max_bytes - used;
}

/* Picks a fresh id and creates its contents file, exclusively: an id never names two entries.
 * Lock held. */
static int writer_create(QuarantineStore *s, QuarantineWriter *w) {
        uint32_t now = (uint32_t) time(NULL);
        char name[NAME_MAX_LEN];

        for (unsigned attempt = 0; attempt <= UINT16_MAX; attempt++) {
                char id[QUARANTINE_ID_MAX];
                int fd;

                snprintf(id, sizeof(id), "q%08" PRIx32 "%04" PRIx16, now, s->counter++);
                if (store_find(s, id) >= 0)
                        continue;
                name_of(name, id, DATA_SUFFIX);
                fd = openat(s->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0600);
                if (fd < 0) {
                        if (errno == EEXIST)
                                continue;
                        return log_error_errno(errno, "Failed to create %s/%s: %m", s->path, name);
                }
                w->fd = fd;
                memcpy(w->id, id, sizeof(id));
                return 0;
        }
        return log_error_errno(EEXIST, "No free quarantine id in %s for this second.", s->path);
}

int quarantine_store_begin(QuarantineStore *s, uint64_t expected_size, QuarantineWriter **ret) {
        _cleanup_(quarantine_store_abortp) QuarantineWriter *w = NULL;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->store = s;
        w->fd = -1;
        {
                STORE_LOCKED(s);
                if (!store_fits(s, expected_size))
                        return -ENOSPC;
                r = writer_create(s, w);
                if (r < 0)
                        return r;
                w->reserved = expected_size;
                s->reserved_bytes += expected_size;
                s->n_writers++;
        }
        /* Finds a full disk now rather than half-way through a 1 GiB copy. Outside the lock:
         * it may take a while. File systems without it simply find out at write time. */
        if (expected_size > 0 && expected_size <= INT64_MAX &&
            fallocate(w->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t) expected_size) < 0 &&
            (errno == ENOSPC || errno == EDQUOT))
                return log_debug_errno(ENOSPC, "No room on disk for %" PRIu64 " bytes in %s.",
                                       expected_size, s->path);
        *ret = TAKE_PTR(w);
        return 0;
}

int quarantine_writer_fd(const QuarantineWriter *w) {
        return w->fd;
}

const char *quarantine_writer_id(const QuarantineWriter *w) {
        return w->id;
}

/* Gives back the writer's room, and drops its contents file unless committed. */
static void writer_release(QuarantineWriter *w, bool committed) {
        QuarantineStore *s = w->store;
        char name[NAME_MAX_LEN];

        w->fd = safe_close(w->fd);
        if (!w->id[0])
                return;
        if (!committed) {
                name_of(name, w->id, DATA_SUFFIX);
                if (unlinkat(s->dir_fd, name, 0) < 0 && errno != ENOENT)
                        log_warning_errno(
                                errno, "Failed to remove %s/%s, it will be removed at restart: %m",
                                s->path, name);
        }
        STORE_LOCKED(s);
        s->reserved_bytes -= MIN(w->reserved, s->reserved_bytes);
        s->n_writers--;
        w->id[0] = 0;
}

QuarantineWriter *quarantine_store_abort(QuarantineWriter *w) {
        if (!w)
                return NULL;
        writer_release(w, false);
        return mfree(w);
}

void quarantine_store_abortp(QuarantineWriter **w) {
        quarantine_store_abort(*w);
}

static json_t *metadata_build(json_t *caller, const char *id, uint64_t size, int64_t stored_at,
                              int64_t expires_at) {
        json_t *doc = json_pack("{s:i, s:s, s:I, s:I, s:o}", "formatVersion",
                                QUARANTINE_FORMAT_VERSION, "quarantineId", id, "size",
                                (json_int_t) size, "storedAt", (json_int_t) stored_at, "expiresAt",
                                expires_at > 0 ? json_integer(expires_at) : json_null());
        if (doc && json_object_update_missing(doc, caller) < 0)
                doc = (json_decref(doc), NULL);
        return doc;
}

/* Writes the metadata under a temporary name, fsyncs it and the contents, and renames it into
 * place: the commit point. The metadata is written before the contents are fsync'd, so that on
 * file systems that batch (ext4, xfs) one journal commit carries both and the second fsync is
 * nearly free; each file is still fsync'd before the rename, as POSIX asks. On failure nothing
 * of the metadata is left. */
static int metadata_write(QuarantineStore *s, QuarantineWriter *w, json_t *doc) {
        _cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2));
        char tmp[NAME_MAX_LEN], name[NAME_MAX_LEN];
        int fd, r;

        if (!text)
                return -ENOMEM;
        name_of(tmp, w->id, TEMPORARY_SUFFIX);
        name_of(name, w->id, METADATA_SUFFIX);
        fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create %s/%s: %m", s->path, tmp);
        r = loop_write(fd, text, strlen(text));
        if (r >= 0)
                r = loop_write(fd, "\n", 1);
        /* Starts the metadata's writeback, so that the contents' fsync commits it too. */
        if (r >= 0)
                (void) sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        if (r >= 0 && fsync(w->fd) < 0)
                r = log_error_errno(errno, "Failed to write quarantine entry %s/%s%s: %m", s->path,
                                    w->id, DATA_SUFFIX);
        else if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (close(fd) < 0 && r >= 0)
                r = negative_errno();
        if (r >= 0 && renameat(s->dir_fd, tmp, s->dir_fd, name) < 0)
                r = negative_errno();
        if (r < 0) {
                (void) unlinkat(s->dir_fd, tmp, 0);
                return log_error_errno(r, "Failed to write quarantine metadata %s/%s: %m", s->path,
                                       name);
        }
        return 0;
}

int quarantine_store_commit(QuarantineStore *s, QuarantineWriter *writer, json_t *metadata,
                            char **ret_id) {
        _cleanup_(quarantine_store_abortp) QuarantineWriter *w = writer;
        _cleanup_free_ char *id = NULL;
        QuarantineEntry e = { 0 };
        struct stat st;
        uint64_t keep_sec;
        int r;

        if (w->store != s || !w->id[0] || !json_is_object(metadata))
                return -EINVAL;
        if (fstat(w->fd, &st) < 0)
                return log_error_errno(errno, "Failed to look at quarantine entry %s: %m", w->id);
        if ((uint64_t) st.st_size > w->reserved)
                return log_error_errno(EFBIG,
                                       "Quarantine entry %s holds %" PRIu64
                                       " bytes, more than the %" PRIu64 " reserved.",
                                       w->id, (uint64_t) st.st_size, w->reserved);
        /* Gives back blocks allocated for a copy that came out smaller. */
        if ((uint64_t) st.st_size < w->reserved && ftruncate(w->fd, st.st_size) < 0)
                log_debug_errno(errno, "Failed to trim %s/%s%s, ignoring: %m", s->path, w->id,
                                DATA_SUFFIX);

        id = strdup(w->id);
        if (!id)
                return -ENOMEM;
        {
                STORE_LOCKED(s);
                keep_sec = s->keep_sec;
        }
        memcpy(e.id, w->id, sizeof(e.id));
        e.size = (uint64_t) st.st_size;
        e.stored_at = (int64_t) time(NULL);
        e.expires_at = expiry_of(e.stored_at, keep_sec);
        e.metadata = metadata_build(metadata, e.id, e.size, e.stored_at, e.expires_at);
        if (!e.metadata)
                return -ENOMEM;

        r = metadata_write(s, w, e.metadata);
        /* Until the directory is synced the rename may not survive a crash: the object must
         * stay in the kernel, so a failure here is a failed commit. */
        if (r >= 0 && fsync(s->dir_fd) < 0) {
                r = log_error_errno(errno, "Failed to sync %s: %m", s->path);
                (void) entry_unlink(s, e.id);
        }
        if (r >= 0) {
                STORE_LOCKED(s);
                r = store_insert(s, &e);
        }
        /* Listed or not there at all: an entry on disk the store does not know of would be a
         * copy nobody can restore. */
        if (r == -ENOMEM)
                (void) entry_unlink(s, id);
        if (r < 0) {
                quarantine_entry_done(&e);
                return r;
        }
        writer_release(w, true);
        w = mfree(w);
        if (ret_id)
                *ret_id = TAKE_PTR(id);
        return 0;
}

/* The batch: every entry's contents and metadata are written and their writeback started
 * first, then each is fsync'd (the file system commits them together: one journal commit
 * carries many), renamed into place, and the directory is fsync'd once for all. */
int quarantine_store_commit_many(QuarantineStore *s, QuarantineWriter **writers, json_t **metadata,
                                 size_t n, int *results) {
        _cleanup_free_ QuarantineEntry *e = calloc(MAX(n, (size_t) 1), sizeof(QuarantineEntry));
        _cleanup_free_ int *tmp_fd = calloc(MAX(n, (size_t) 1), sizeof(int));
        uint64_t keep_sec;
        size_t ok = 0;
        int r;

        if (!e || !tmp_fd) {
                for (size_t i = 0; i < n; i++) {
                        results[i] = -ENOMEM;
                        writers[i] = quarantine_store_abort(writers[i]);
                }
                return -ENOMEM;
        }
        {
                STORE_LOCKED(s);
                keep_sec = s->keep_sec;
        }
        for (size_t i = 0; i < n; i++) {
                QuarantineWriter *w = writers[i];
                _cleanup_free_ char *text = NULL;
                char tmp[NAME_MAX_LEN];
                struct stat st;

                tmp_fd[i] = -1;
                results[i] = 0;
                if (!w || w->store != s || !w->id[0] || !json_is_object(metadata[i])) {
                        results[i] = -EINVAL;
                        continue;
                }
                if (fstat(w->fd, &st) < 0) {
                        results[i] = log_error_errno(
                                errno, "Failed to look at quarantine entry %s: %m", w->id);
                        continue;
                }
                if ((uint64_t) st.st_size > w->reserved) {
                        results[i] = log_error_errno(EFBIG,
                                                     "Quarantine entry %s holds %" PRIu64
                                                     " bytes, more than the %" PRIu64 " reserved.",
                                                     w->id, (uint64_t) st.st_size, w->reserved);
                        continue;
                }
                if ((uint64_t) st.st_size < w->reserved && ftruncate(w->fd, st.st_size) < 0)
                        log_debug_errno(errno, "Failed to trim %s/%s%s, ignoring: %m", s->path,
                                        w->id, DATA_SUFFIX);
                memcpy(e[i].id, w->id, sizeof(e[i].id));
                e[i].size = (uint64_t) st.st_size;
                e[i].stored_at = (int64_t) time(NULL);
                e[i].expires_at = expiry_of(e[i].stored_at, keep_sec);
                e[i].metadata = metadata_build(metadata[i], e[i].id, e[i].size, e[i].stored_at,
                                               e[i].expires_at);
                text = e[i].metadata ? json_dumps(e[i].metadata, JSON_INDENT(2)) : NULL;
                if (!text) {
                        results[i] = -ENOMEM;
                        continue;
                }
                name_of(tmp, w->id, TEMPORARY_SUFFIX);
                tmp_fd[i] = openat(s->dir_fd, tmp,
                                   O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (tmp_fd[i] < 0) {
                        results[i] =
                                log_error_errno(errno, "Failed to create %s/%s: %m", s->path, tmp);
                        continue;
                }
                r = loop_write(tmp_fd[i], text, strlen(text));
                if (r >= 0)
                        r = loop_write(tmp_fd[i], "\n", 1);
                if (r < 0) {
                        results[i] = log_error_errno(r, "Failed to write %s/%s: %m", s->path, tmp);
                        continue;
                }
                (void) sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
                (void) sync_file_range(tmp_fd[i], 0, 0, SYNC_FILE_RANGE_WRITE);
        }
        for (size_t i = 0; i < n; i++) {
                char tmp[NAME_MAX_LEN], name[NAME_MAX_LEN];

                if (results[i] < 0)
                        continue;
                if (fsync(writers[i]->fd) < 0 || fsync(tmp_fd[i]) < 0)
                        results[i] =
                                log_error_errno(errno, "Failed to write quarantine entry %s/%s: %m",
                                                s->path, e[i].id);
                name_of(tmp, e[i].id, TEMPORARY_SUFFIX);
                name_of(name, e[i].id, METADATA_SUFFIX);
                if (results[i] >= 0 && renameat(s->dir_fd, tmp, s->dir_fd, name) < 0)
                        results[i] =
                                log_error_errno(errno, "Failed to write %s/%s: %m", s->path, name);
                if (results[i] >= 0)
                        ok++;
        }
        /* Until the directory is synced the renames may not survive a crash: no object may
         * be removed before. */
        if (ok > 0 && fsync(s->dir_fd) < 0) {
                r = log_error_errno(errno, "Failed to sync %s: %m", s->path);
                for (size_t i = 0; i < n; i++)
                        if (results[i] >= 0) {
                                results[i] = r;
                                (void) entry_unlink(s, e[i].id);
                        }
        }
        for (size_t i = 0; i < n; i++) {
                if (tmp_fd[i] >= 0)
                        close(tmp_fd[i]);
                if (results[i] >= 0) {
                        STORE_LOCKED(s);
                        results[i] = store_insert(s, &e[i]);
                        if (results[i] < 0)
                                (void) entry_unlink(s, e[i].id);
                } else if (e[i].id[0]) {
                        char tmp[NAME_MAX_LEN];
                        name_of(tmp, e[i].id, TEMPORARY_SUFFIX);
                        (void) unlinkat(s->dir_fd, tmp, 0);
                }
                if (results[i] < 0) {
                        quarantine_entry_done(&e[i]);
                        writers[i] = quarantine_store_abort(writers[i]);
                } else {
                        writer_release(writers[i], true);
                        writers[i] = mfree(writers[i]);
                }
        }
        return 0;
}

/* ---- reading and removing entries ---- */

void quarantine_store_usage(QuarantineStore *s, size_t *ret_n, uint64_t *ret_bytes) {
        STORE_LOCKED(s);
        if (ret_n)
                *ret_n = s->n_entries;
        if (ret_bytes)
                *ret_bytes = s->total_bytes;
}

int quarantine_store_list(QuarantineStore *s, QuarantineEntry **ret, size_t *ret_n) {
        QuarantineEntry *copy = NULL;
        size_t n;

        STORE_LOCKED(s);
        n = s->n_entries;
        if (n > 0) {
                copy = calloc(n, sizeof(*copy));
                if (!copy)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (entry_copy(&s->entries[i], &copy[i]) < 0) {
                        quarantine_entry_array_free(copy, i);
                        return -ENOMEM;
                }
        *ret = copy;
        *ret_n = n;
        return 0;
}

/* Lock held. */
static int store_lookup(QuarantineStore *s, const char *id, size_t *ret_index) {
        ssize_t i;

        if (!quarantine_id_is_valid(id))
                return -EINVAL;
        i = store_find(s, id);
        if (i < 0)
                return -ENOENT;
        *ret_index = (size_t) i;
        return 0;
}

int quarantine_store_get(QuarantineStore *s, const char *id, QuarantineEntry *ret) {
        size_t i;
        int r;

        STORE_LOCKED(s);
        r = store_lookup(s, id, &i);
        if (r < 0)
                return r;
        return ret ? entry_copy(&s->entries[i], ret) : 0;
}

int quarantine_store_open_data(QuarantineStore *s, const char *id, int *ret_fd,
                               QuarantineEntry *ret) {
        _cleanup_close_ int fd = -1;
        char name[NAME_MAX_LEN];
        struct stat st;
        size_t i;
        int r;

        STORE_LOCKED(s);
        r = store_lookup(s, id, &i);
        if (r < 0)
                return r;
        name_of(name, id, DATA_SUFFIX);
        fd = openat(s->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s/%s: %m", s->path, name);
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to look at %s/%s: %m", s->path, name);
        if ((uint64_t) st.st_size != s->entries[i].size)
                return log_error_errno(EBADMSG,
                                       "Quarantine entry %s/%s is %" PRIu64
                                       " bytes, not the %" PRIu64
                                       " recorded: not restoring it, kept for a look.",
                                       s->path, name, (uint64_t) st.st_size, s->entries[i].size);
        if (ret) {
                r = entry_copy(&s->entries[i], ret);
                if (r < 0)
                        return r;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Puts back an entry whose metadata could not be removed: it is still complete on disk. */
static void store_put_back(QuarantineStore *s, QuarantineEntry *e) {
        STORE_LOCKED(s);
        if (store_insert(s, e) < 0) {
                log_oom();
                quarantine_entry_done(e);
        }
}

int quarantine_store_remove(QuarantineStore *s, const char *id) {
        QuarantineEntry e;
        size_t i;
        int r;

        /* Out of the list first, under the lock; the files go outside it, so a listing never
         * waits for an unlink of a large file. */
        {
                STORE_LOCKED(s);
                r = store_lookup(s, id, &i);
                if (r < 0)
                        return r;
                store_take(s, i, &e);
        }
        r = entry_unlink(s, e.id);
        if (r < 0) {
                store_put_back(s, &e);
                return r;
        }
        quarantine_entry_done(&e);
        sync_directory(s);
        return 0;
}

int quarantine_store_expire(QuarantineStore *s, int64_t now, QuarantineEntry **ret_expired,
                            size_t *ret_n, uint64_t *ret_bytes) {
        QuarantineEntry *expired = NULL;
        size_t n = 0, n_removed = 0;
        uint64_t bytes = 0;
        int r = 0;

        {
                STORE_LOCKED(s);
                size_t n_expired = 0;

                for (size_t i = 0; i < s->n_entries; i++)
                        if (s->entries[i].expires_at > 0 && s->entries[i].expires_at <= now)
                                n_expired++;
                if (n_expired > 0) {
                        expired = calloc(n_expired, sizeof(*expired));
                        if (!expired)
                                return -ENOMEM;
                }
                for (size_t i = 0; i < s->n_entries;)
                        if (s->entries[i].expires_at > 0 && s->entries[i].expires_at <= now)
                                store_take(s, i, &expired[n++]);
                        else
                                i++;
        }
        for (size_t i = 0; i < n; i++) {
                int k = entry_unlink(s, expired[i].id);
                if (k < 0) {
                        if (r == 0)
                                r = k;
                        store_put_back(s, &expired[i]);
                        continue;
                }
                bytes += expired[i].size;
                expired[n_removed++] = expired[i];
        }
        if (n_removed > 0)
                sync_directory(s);
        if (ret_expired)
                *ret_expired = expired;
        else
                quarantine_entry_array_free(expired, n_removed);
        if (ret_n)
                *ret_n = n_removed;
        if (ret_bytes)
                *ret_bytes = bytes;
        return r;
}

int quarantine_store_next_expiry(QuarantineStore *s, int64_t *ret) {
        int64_t next = 0;

        STORE_LOCKED(s);
        for (size_t i = 0; i < s->n_entries; i++)
                if (s->entries[i].expires_at > 0 && (next == 0 || s->entries[i].expires_at < next))
                        next = s->entries[i].expires_at;
        if (next == 0)
                return -ENOENT;
        *ret = next;
        return 0;
}
