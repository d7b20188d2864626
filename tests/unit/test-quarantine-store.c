/* SPDX-License-Identifier: MIT */
/* Tests the quarantine store on a temporary state directory: what is committed is listed and
 * survives a restart, what is not complete is gone after one, what is not the store's is never
 * touched, and the cap, the expiry and a hostile id behave as promised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "quarantine-store.h"

typedef struct Dir {
        char state[64];
        char store[96];
} Dir;

static int dir_setup(void **state) {
        Dir *d = calloc(1, sizeof(Dir));
        if (!d)
                return -1;
        snprintf(d->state, sizeof(d->state), "/tmp/ipcreap-test-quarantine-XXXXXX");
        if (!mkdtemp(d->state)) {
                free(d);
                return -1;
        }
        snprintf(d->store, sizeof(d->store), "%s/" QUARANTINE_DIRECTORY, d->state);
        *state = d;
        return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

static int dir_teardown(void **state) {
        Dir *d = *state;

        (void) nftw(d->state, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        free(d);
        return 0;
}

/* The names in the store's directory, sorted, joined by spaces: "" when empty. */
static char *listing(const Dir *d) {
        struct dirent **names = NULL;
        char *out = calloc(1, 4096);
        int n = scandir(d->store, &names, NULL, alphasort);

        assert_non_null(out);
        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
                if (names[i]->d_name[0] != '.') {
                        if (out[0])
                                strcat(out, " ");
                        strcat(out, names[i]->d_name);
                }
                free(names[i]);
        }
        free(names);
        return out;
}

static void assert_store_files(const Dir *d, const char *expected) {
        _cleanup_free_ char *got = listing(d);
        assert_string_equal(got, expected);
}

static void write_file(const Dir *d, const char *name, const char *text) {
        char path[256];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", d->store, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static void pattern(unsigned char *buf, size_t n, unsigned seed) {
        for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char) (i * 31 + seed);
}

/* Stores n bytes of pattern seed with {"kind": kind}; returns the id (free()). */
static char *store_entry(QuarantineStore *s, size_t n, unsigned seed, const char *kind) {
        QuarantineWriter *w = NULL;
        unsigned char *buf = malloc(MAX(n, (size_t) 1));
        json_t *meta = json_pack("{s:s, s:i}", "kind", kind, "key", 0x1234);
        char *id = NULL;

        assert_non_null(buf);
        assert_non_null(meta);
        pattern(buf, n, seed);
        assert_int_equal(quarantine_store_begin(s, n, &w), 0);
        assert_true(quarantine_id_is_valid(quarantine_writer_id(w)));
        assert_int_equal(write(quarantine_writer_fd(w), buf, n), (ssize_t) n);
        assert_int_equal(quarantine_store_commit(s, w, meta, &id), 0);
        assert_non_null(id);
        json_decref(meta);
        free(buf);
        return id;
}

static QuarantineStore *open_store(const Dir *d, uint64_t max_bytes, uint64_t keep_sec) {
        QuarantineStore *s = NULL;
        assert_int_equal(quarantine_store_open(d->state, max_bytes, keep_sec, &s), 0);
        assert_non_null(s);
        return s;
}

static size_t entries(QuarantineStore *s) {
        size_t n = 99;
        quarantine_store_usage(s, &n, NULL);
        return n;
}

static void a_committed_entry_is_listed_with_its_metadata_and_contents(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 3600);
        _cleanup_free_ char *id = store_entry(s, 5000, 7, "shm");
        unsigned char expected[5000], got[5001];
        QuarantineEntry *list = NULL, e = { 0 };
        size_t n = 0;
        uint64_t bytes = 0;
        int fd = -1;

        assert_int_equal(quarantine_store_list(s, &list, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(list[0].id, id);
        assert_int_equal(list[0].size, 5000);
        assert_true(list[0].stored_at > 0);
        assert_int_equal(list[0].expires_at, list[0].stored_at + 3600);
        assert_string_equal(json_string_value(json_object_get(list[0].metadata, "kind")), "shm");
        assert_int_equal(json_integer_value(json_object_get(list[0].metadata, "key")), 0x1234);
        assert_string_equal(json_string_value(json_object_get(list[0].metadata, "quarantineId")),
                            id);
        assert_int_equal(json_integer_value(json_object_get(list[0].metadata, "size")), 5000);
        assert_int_equal(json_integer_value(json_object_get(list[0].metadata, "expiresAt")),
                         list[0].expires_at);
        assert_int_equal(json_integer_value(json_object_get(list[0].metadata, "formatVersion")),
                         QUARANTINE_FORMAT_VERSION);
        quarantine_entry_array_free(list, n);

        quarantine_store_usage(s, &n, &bytes);
        assert_int_equal(n, 1);
        assert_int_equal(bytes, 5000);

        /* The contents come back byte for byte, from a read-only fd. */
        pattern(expected, sizeof(expected), 7);
        assert_int_equal(quarantine_store_open_data(s, id, &fd, &e), 0);
        assert_int_equal(e.size, 5000);
        assert_int_equal(read(fd, got, sizeof(got)), 5000);
        assert_memory_equal(got, expected, sizeof(expected));
        assert_int_equal(write(fd, "x", 1), -1);
        assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        close(fd);
        quarantine_entry_done(&e);

        /* Removed after a restore: no file left. */
        assert_int_equal(quarantine_store_remove(s, id), 0);
        assert_int_equal(quarantine_store_get(s, id, NULL), -ENOENT);
        assert_int_equal(quarantine_store_remove(s, id), -ENOENT);
        assert_int_equal(entries(s), 0);
        assert_store_files(d, "");
}

static void committed_entries_survive_a_restart_and_ids_never_repeat(void **state) {
        Dir *d = *state;
        QuarantineStore *s = open_store(d, 1 << 20, 0);
        char *ids[3];
        QuarantineEntry *list = NULL;
        size_t n = 0;
        uint64_t bytes = 0;

        for (unsigned i = 0; i < 3; i++)
                ids[i] = store_entry(s, 100 + i, i, i == 1 ? "sem" : "msg");
        assert_string_not_equal(ids[0], ids[1]);
        assert_string_not_equal(ids[1], ids[2]);
        assert_string_not_equal(ids[0], ids[2]);
        quarantine_store_free(s);

        s = open_store(d, 1 << 20, 0);
        quarantine_store_usage(s, &n, &bytes);
        assert_int_equal(n, 3);
        assert_int_equal(bytes, 100 + 101 + 102);
        assert_int_equal(quarantine_store_list(s, &list, &n), 0);
        for (unsigned i = 0; i < 3; i++) {
                QuarantineEntry e = { 0 };
                assert_int_equal(quarantine_store_get(s, ids[i], &e), 0);
                assert_int_equal(e.size, 100 + i);
                assert_string_equal(json_string_value(json_object_get(e.metadata, "kind")),
                                    i == 1 ? "sem" : "msg");
                /* keep_sec 0: never expires. */
                assert_int_equal(e.expires_at, 0);
                assert_true(json_is_null(json_object_get(e.metadata, "expiresAt")));
                quarantine_entry_done(&e);
        }
        quarantine_entry_array_free(list, n);

        /* An id made after the restart is not one of the old ones. */
        {
                _cleanup_free_ char *id = store_entry(s, 1, 0, "shm");
                for (unsigned i = 0; i < 3; i++)
                        assert_string_not_equal(id, ids[i]);
        }
        for (unsigned i = 0; i < 3; i++)
                free(ids[i]);
        quarantine_store_free(s);
}

static void an_entry_over_the_cap_is_refused_and_leaves_nothing(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1000, 0);
        QuarantineWriter *w = NULL, *w2 = NULL;
        _cleanup_free_ char *id = NULL;

        assert_int_equal(quarantine_store_begin(s, 1001, &w), -ENOSPC);
        assert_null(w);
        assert_store_files(d, "");

        /* Room promised to a copy under way counts: two 600-byte copies cannot both fit. */
        assert_int_equal(quarantine_store_begin(s, 600, &w), 0);
        assert_int_equal(quarantine_store_begin(s, 600, &w2), -ENOSPC);
        assert_null(w2);
        w = quarantine_store_abort(w);
        assert_store_files(d, "");

        /* Committed bytes count. */
        id = store_entry(s, 600, 1, "shm");
        assert_int_equal(quarantine_store_begin(s, 401, &w), -ENOSPC);
        assert_int_equal(quarantine_store_begin(s, 400, &w), 0);
        w = quarantine_store_abort(w);
        assert_int_equal(entries(s), 1);

        /* A lower cap refuses new entries and keeps the old ones. */
        quarantine_store_set_limits(s, 100, 0);
        assert_int_equal(quarantine_store_begin(s, 1, &w), -ENOSPC);
        assert_int_equal(entries(s), 1);

        /* A cap of 0 keeps nothing at all. */
        quarantine_store_set_limits(s, 0, 0);
        assert_int_equal(quarantine_store_remove(s, id), 0);
        assert_int_equal(quarantine_store_begin(s, 0, &w), -ENOSPC);
        assert_store_files(d, "");
}

static void a_copy_larger_than_reserved_is_refused_and_leaves_nothing(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1000, 0);
        QuarantineWriter *w = NULL;
        json_t *meta = json_object();
        char buf[20] = { 0 };
        char *id = NULL;

        assert_int_equal(quarantine_store_begin(s, 10, &w), 0);
        assert_int_equal(write(quarantine_writer_fd(w), buf, sizeof(buf)), (ssize_t) sizeof(buf));
        assert_int_equal(quarantine_store_commit(s, w, meta, &id), -EFBIG);
        assert_null(id);
        assert_store_files(d, "");
        assert_int_equal(entries(s), 0);

        /* Its room is back. */
        assert_int_equal(quarantine_store_begin(s, 1000, &w), 0);
        w = quarantine_store_abort(w);
        json_decref(meta);
}

static void an_aborted_entry_leaves_nothing(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1000, 0);
        QuarantineWriter *w = NULL;
        uint64_t bytes = 1;

        assert_int_equal(quarantine_store_begin(s, 1000, &w), 0);
        assert_int_equal(write(quarantine_writer_fd(w), "secret", 6), 6);
        /* The copier fails (say ENOSPC) and gives up. */
        w = quarantine_store_abort(w);
        assert_null(w);
        assert_store_files(d, "");
        quarantine_store_usage(s, NULL, &bytes);
        assert_int_equal(bytes, 0);
        assert_int_equal(quarantine_store_begin(s, 1000, &w), 0);
        quarantine_store_abort(w);
}

static void a_failed_metadata_write_leaves_nothing(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 0);
        QuarantineWriter *w = NULL;
        json_t *meta = json_pack("{s:s}", "kind", "shm");
        struct rlimit old, small = { .rlim_cur = 64 };
        char buf[32] = { 0 };
        char *id = NULL;

        /* A disk that fills up after the contents: the metadata (over 64 bytes) cannot be
         * written (EFBIG from the file size limit stands in for ENOSPC). */
        assert_int_equal(quarantine_store_begin(s, sizeof(buf), &w), 0);
        assert_int_equal(write(quarantine_writer_fd(w), buf, sizeof(buf)), (ssize_t) sizeof(buf));
        signal(SIGXFSZ, SIG_IGN);
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
        small.rlim_max = old.rlim_max;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
        assert_int_equal(quarantine_store_commit(s, w, meta, &id), -EFBIG);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        signal(SIGXFSZ, SIG_DFL);
        assert_null(id);
        assert_store_files(d, "");
        assert_int_equal(entries(s), 0);
        json_decref(meta);
}

static void entries_expire_at_their_time_and_never_with_keep_zero(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 100);
        _cleanup_free_ char *a = store_entry(s, 10, 1, "shm");
        _cleanup_free_ char *b = store_entry(s, 20, 2, "shm");
        QuarantineEntry e = { 0 }, *expired = NULL;
        size_t n = 99;
        uint64_t bytes = 99;
        int64_t stored, next = 0;

        assert_int_equal(quarantine_store_get(s, b, &e), 0);
        stored = e.stored_at;
        quarantine_entry_done(&e);
        assert_int_equal(quarantine_store_get(s, a, &e), 0);
        stored = MAX(stored, e.stored_at);
        assert_int_equal(quarantine_store_next_expiry(s, &next), 0);
        assert_int_equal(next, e.stored_at + 100);
        quarantine_entry_done(&e);

        assert_int_equal(quarantine_store_expire(s, stored + 99, NULL, &n, &bytes), 0);
        assert_int_equal(n, 0);
        assert_int_equal(bytes, 0);
        assert_int_equal(entries(s), 2);

        /* keep 0: kept forever. */
        quarantine_store_set_limits(s, 1 << 20, 0);
        assert_int_equal(quarantine_store_next_expiry(s, &next), -ENOENT);
        assert_int_equal(quarantine_store_expire(s, INT64_MAX, NULL, &n, NULL), 0);
        assert_int_equal(n, 0);

        /* Back to 100 s: both are due at stored + 100, and leave nothing. */
        quarantine_store_set_limits(s, 1 << 20, 100);
        assert_int_equal(quarantine_store_expire(s, stored + 100, &expired, &n, &bytes), 0);
        assert_int_equal(n, 2);
        assert_int_equal(bytes, 30);
        assert_true(streq(expired[0].id, a) || streq(expired[1].id, a));
        assert_non_null(json_object_get(expired[0].metadata, "kind"));
        quarantine_entry_array_free(expired, n);
        assert_int_equal(entries(s), 0);
        assert_store_files(d, "");
}

static void a_truncated_entry_is_removed_at_open(void **state) {
        Dir *d = *state;
        QuarantineStore *s = open_store(d, 1 << 20, 0);
        _cleanup_free_ char *bad = store_entry(s, 4096, 1, "shm");
        _cleanup_free_ char *good = store_entry(s, 10, 2, "sem");
        _cleanup_free_ char *expected = NULL;
        char path[256];

        quarantine_store_free(s);
        snprintf(path, sizeof(path), "%s/%s.data", d->store, bad);
        assert_int_equal(truncate(path, 100), 0);

        s = open_store(d, 1 << 20, 0);
        assert_int_equal(entries(s), 1);
        assert_int_equal(quarantine_store_get(s, bad, NULL), -ENOENT);
        assert_int_equal(quarantine_store_get(s, good, NULL), 0);
        assert_true(asprintf(&expected, "%s.data %s.json", good, good) > 0);
        assert_store_files(d, expected);
        quarantine_store_free(s);
}

static void contents_truncated_after_open_are_not_restored(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 0);
        _cleanup_free_ char *id = store_entry(s, 4096, 1, "shm");
        char path[256];
        int fd = -1;

        snprintf(path, sizeof(path), "%s/%s.data", d->store, id);
        assert_int_equal(truncate(path, 4095), 0);
        assert_int_equal(quarantine_store_open_data(s, id, &fd, NULL), -EBADMSG);
        assert_int_equal(fd, -1);
        /* Kept for an admin to look at. */
        assert_int_equal(quarantine_store_get(s, id, NULL), 0);
}

static void incomplete_entries_are_removed_at_open(void **state) {
        Dir *d = *state;
        QuarantineStore *s = open_store(d, 1 << 20, 0);
        _cleanup_free_ char *lost_data = store_entry(s, 10, 1, "shm");
        _cleanup_free_ char *good = store_entry(s, 10, 2, "shm");
        _cleanup_free_ char *expected = NULL;
        char path[256];

        quarantine_store_free(s);
        /* Metadata whose contents are gone. */
        snprintf(path, sizeof(path), "%s/%s.data", d->store, lost_data);
        assert_int_equal(unlink(path), 0);
        /* Contents never committed (a crash before the metadata rename). */
        write_file(d, "q000000010000.data", "copied but not committed");
        /* A metadata file never renamed. */
        write_file(d, "q000000020000.json.tmp", "{\"formatV");
        write_file(d, "q000000020000.data", "x");
        /* Metadata that does not parse, or lacks the store's fields. */
        write_file(d, "q000000030000.json", "{ not json");
        write_file(d, "q000000030000.data", "x");
        write_file(d, "q000000040000.json", "{\"formatVersion\": 1, \"size\": 1}");
        write_file(d, "q000000040000.data", "x");

        s = open_store(d, 1 << 20, 0);
        assert_int_equal(entries(s), 1);
        assert_int_equal(quarantine_store_get(s, good, NULL), 0);
        assert_true(asprintf(&expected, "%s.data %s.json", good, good) > 0);
        assert_store_files(d, expected);
        quarantine_store_free(s);
}

static void a_file_not_of_the_store_is_left_alone_and_not_listed(void **state) {
        Dir *d = *state;
        QuarantineStore *s = open_store(d, 1 << 20, 0);
        _cleanup_free_ char *good = store_entry(s, 10, 2, "shm");
        _cleanup_free_ char *expected = NULL;
        QuarantineEntry *list = NULL;
        char path[256];
        size_t n = 0;
        uint64_t bytes = 0;

        quarantine_store_free(s);
        write_file(d, "README", "an admin's note");
        write_file(d, "q12.data", "too short an id");
        write_file(d, "Q000000010000.json", "capital Q");
        write_file(d, "q000000010000.data.bak", "an admin's copy");
        write_file(d, "q000000020000.json",
                   "{\"formatVersion\": 9, \"quarantineId\": \"q000000020000\"}");
        write_file(d, "q000000020000.data", "from a newer version");
        snprintf(path, sizeof(path), "%s/q000000030000.data", d->store);
        assert_int_equal(mkdir(path, 0700), 0);

        s = open_store(d, 1 << 20, 0);
        quarantine_store_usage(s, &n, &bytes);
        assert_int_equal(n, 1);
        assert_int_equal(bytes, 10);
        assert_int_equal(quarantine_store_list(s, &list, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(list[0].id, good);
        quarantine_entry_array_free(list, n);
        assert_int_equal(quarantine_store_get(s, "q000000020000", NULL), -ENOENT);
        assert_true(asprintf(&expected,
                             "Q000000010000.json README q000000010000.data.bak "
                             "q000000020000.data q000000020000.json q000000030000.data "
                             "q12.data %s.data %s.json",
                             good, good) > 0);
        quarantine_store_free(s);
        assert_store_files(d, expected);
}

static void a_hostile_id_is_refused(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 0);
        _cleanup_free_ char *id = store_entry(s, 10, 2, "shm");
        static const char *const hostile[] = {
                "",
                "q",
                "../../etc/passwd",
                "q0000000/../x",
                "q00000001000/",
                "q0000000100000",
                "Q000000010000",
                "q00000001000g",
                "q00000001000\n",
                ".json",
                NULL,
        };
        int fd = -1;

        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                assert_false(quarantine_id_is_valid(hostile[i]));
                assert_int_equal(quarantine_store_get(s, hostile[i], NULL), -EINVAL);
                assert_int_equal(quarantine_store_open_data(s, hostile[i], &fd, NULL), -EINVAL);
                assert_int_equal(quarantine_store_remove(s, hostile[i]), -EINVAL);
        }
        /* Well-formed, not there. */
        assert_int_equal(quarantine_store_get(s, "q000000010000", NULL), -ENOENT);
        assert_int_equal(quarantine_store_open_data(s, "q000000010000", &fd, NULL), -ENOENT);
        assert_int_equal(fd, -1);
        assert_int_equal(quarantine_store_get(s, id, NULL), 0);
        assert_int_equal(entries(s), 1);
}

static void the_directory_is_private_and_never_a_link_or_a_strangers(void **state) {
        Dir *d = *state;
        QuarantineStore *s = NULL;
        char target[128];
        struct stat st;

        s = open_store(d, 1 << 20, 0);
        assert_int_equal(stat(d->store, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        s = quarantine_store_free(s);

        /* An existing directory with a looser mode is tightened. */
        assert_int_equal(chmod(d->store, 0755), 0);
        s = open_store(d, 1 << 20, 0);
        assert_int_equal(stat(d->store, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        s = quarantine_store_free(s);

        /* Owned by someone else: refused (root can give it away; others skip this). */
        if (geteuid() == 0) {
                assert_int_equal(chown(d->store, 65534, 65534), 0);
                assert_int_equal(quarantine_store_open(d->state, 1 << 20, 0, &s), -EPERM);
                assert_null(s);
                assert_int_equal(chown(d->store, 0, 0), 0);
        }

        /* A symbolic link, even to a good directory: refused. */
        assert_int_equal(rmdir(d->store), 0);
        snprintf(target, sizeof(target), "%s/elsewhere", d->state);
        assert_int_equal(mkdir(target, 0700), 0);
        assert_int_equal(symlink(target, d->store), 0);
        assert_int_equal(quarantine_store_open(d->state, 1 << 20, 0, &s), -ELOOP);
        assert_null(s);
        assert_int_equal(unlink(d->store), 0);

        /* A regular file: refused, left as it was. */
        assert_int_equal(close(open(d->store, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        assert_int_equal(quarantine_store_open(d->state, 1 << 20, 0, &s), -ENOTDIR);
        assert_null(s);
        assert_int_equal(lstat(d->store, &st), 0);
        assert_true(S_ISREG(st.st_mode));
}

static void entry_files_are_private(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 0);
        _cleanup_free_ char *id = store_entry(s, 10, 2, "shm");
        char path[256];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s.data", d->store, id);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0077, 0);
        snprintf(path, sizeof(path), "%s/%s.json", d->store, id);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0077, 0);
}

static void the_stores_own_fields_replace_the_callers(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 0);
        json_t *meta = json_pack("{s:s, s:s, s:i, s:s}", "kind", "shm", "quarantineId", "../../x",
                                 "size", 1, "owner", "alice");
        QuarantineWriter *w = NULL;
        QuarantineEntry e = { 0 };
        char *id = NULL;

        assert_int_equal(quarantine_store_begin(s, 3, &w), 0);
        assert_int_equal(write(quarantine_writer_fd(w), "abc", 3), 3);
        assert_int_equal(quarantine_store_commit(s, w, meta, &id), 0);
        assert_int_equal(quarantine_store_get(s, id, &e), 0);
        assert_string_equal(json_string_value(json_object_get(e.metadata, "quarantineId")), id);
        assert_int_equal(json_integer_value(json_object_get(e.metadata, "size")), 3);
        assert_string_equal(json_string_value(json_object_get(e.metadata, "owner")), "alice");
        /* The caller's object is the caller's: not changed. */
        assert_string_equal(json_string_value(json_object_get(meta, "quarantineId")), "../../x");
        quarantine_entry_done(&e);
        json_decref(meta);
        free(id);
}

#define N_WRITTEN 200

static void *write_entries(void *userdata) {
        QuarantineStore *s = userdata;

        for (unsigned i = 0; i < N_WRITTEN; i++) {
                char *id = store_entry(s, 1 + i % 50, i, "shm");
                if (i % 3 == 0)
                        assert_int_equal(quarantine_store_remove(s, id), 0);
                free(id);
        }
        return NULL;
}

static void a_listing_while_another_thread_writes_sees_only_complete_entries(void **state) {
        Dir *d = *state;
        _cleanup_(quarantine_store_freep) QuarantineStore *s = open_store(d, 1 << 20, 0);
        pthread_t writer;

        /* A fixed number of listings, not "until done": under valgrind threads take turns. */
        assert_int_equal(pthread_create(&writer, NULL, write_entries, s), 0);
        for (unsigned round = 0; round < 50; round++) {
                QuarantineEntry *list = NULL;
                size_t n = 0;

                assert_int_equal(quarantine_store_list(s, &list, &n), 0);
                for (size_t i = 0; i < n; i++) {
                        assert_int_equal(
                                json_integer_value(json_object_get(list[i].metadata, "size")),
                                list[i].size);
                        if (i > 0)
                                assert_string_not_equal(list[i].id, list[i - 1].id);
                }
                quarantine_entry_array_free(list, n);
                sched_yield();
        }
        assert_int_equal(pthread_join(writer, NULL), 0);
        assert_int_equal(entries(s), N_WRITTEN - (N_WRITTEN + 2) / 3);
}

int main(void) {
#define dir_test(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)
        const struct CMUnitTest tests[] = {
                dir_test(a_committed_entry_is_listed_with_its_metadata_and_contents),
                dir_test(committed_entries_survive_a_restart_and_ids_never_repeat),
                dir_test(an_entry_over_the_cap_is_refused_and_leaves_nothing),
                dir_test(a_copy_larger_than_reserved_is_refused_and_leaves_nothing),
                dir_test(an_aborted_entry_leaves_nothing),
                dir_test(a_failed_metadata_write_leaves_nothing),
                dir_test(entries_expire_at_their_time_and_never_with_keep_zero),
                dir_test(a_truncated_entry_is_removed_at_open),
                dir_test(contents_truncated_after_open_are_not_restored),
                dir_test(incomplete_entries_are_removed_at_open),
                dir_test(a_file_not_of_the_store_is_left_alone_and_not_listed),
                dir_test(a_hostile_id_is_refused),
                dir_test(the_directory_is_private_and_never_a_link_or_a_strangers),
                dir_test(entry_files_are_private),
                dir_test(the_stores_own_fields_replace_the_callers),
                dir_test(a_listing_while_another_thread_writes_sees_only_complete_entries),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
