/* SPDX-License-Identifier: MIT */
/* Tests the removal log and its replay through the tracker: a record is never lost nor
 * counted twice whatever moment the daemon stops at, and the counters never wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "removal-log.h"
#include "tracker.h"

typedef struct Dir {
        char path[64];
} Dir;

static int dir_setup(void **state) {
        Dir *d = calloc(1, sizeof(Dir));
        if (!d)
                return -1;
        snprintf(d->path, sizeof(d->path), "/tmp/ipcreap-test-log-XXXXXX");
        if (!mkdtemp(d->path)) {
                free(d);
                return -1;
        }
        *state = d;
        return 0;
}

static int dir_teardown(void **state) {
        Dir *d = *state;
        char path[PATH_MAX];
        DIR *dir = opendir(d->path);
        struct dirent *de;

        while (dir && (de = readdir(dir)))
                if (de->d_name[0] != '.') {
                        snprintf(path, sizeof(path), "%s/%s", d->path, de->d_name);
                        (void) unlink(path);
                }
        if (dir)
                closedir(dir);
        (void) rmdir(d->path);
        free(d);
        return 0;
}

static RemovalIntent intent(int id, const char *rule) {
        return (RemovalIntent){
                .kind = IPC_KIND_SHM,
                .id = id,
                .key = 0x5000 + id,
                .cuid = 1000,
                .ctime = 1700000000,
                .mode = 0640,
                .event = { .time = 1700000100,
                           .kind = IPC_KIND_SHM,
                           .id = id,
                           .key = 0x5000 + id,
                           .owner_uid = 1000,
                           .rule = strdup(rule),
                           .size = 4096,
                           .idle_sec = 100 },
        };
}

static void append_text(const char *dir, const char *text) {
        char path[128];
        int fd;

        snprintf(path, sizeof(path), "%s/" REMOVAL_LOG_FILE, dir);
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static uint64_t counter(const Tracker *t, const char *rule) {
        for (size_t i = 0; i < t->n_counters; i++)
                if (streq(t->counters[i].rule, rule))
                        return t->counters[i].count;
        return 0;
}

/* Writes intents for ids first..first+n and outcomes for the ones marked, as a pass would,
 * through a tracker loaded from dir; then "crashes" (drops the tracker unsaved). */
static void pass_then_crash(const char *dir, int first, size_t n, const RemovalOutcome *outcomes,
                            size_t n_outcomes, bool save) {
        RemovalIntent in[16];
        Tracker t;

        assert_true(n <= ELEMENTSOF(in));
        tracker_init(&t, 100);
        assert_true(tracker_load(&t, dir) >= 0);
        assert_non_null(t.removal_log);
        for (size_t i = 0; i < n; i++)
                in[i] = intent(first + (int) i, "r");
        assert_int_equal(removal_log_write_intents(t.removal_log, in, n), 0);
        if (n_outcomes > 0) {
                assert_int_equal(
                        removal_log_write_outcomes(t.removal_log, in, outcomes, n_outcomes), 0);
                for (size_t i = 0; i < n_outcomes; i++)
                        if (outcomes[i] == REMOVAL_OUTCOME_REMOVED)
                                assert_int_equal(tracker_record_removal(&t, &in[i].event), 0);
                t.log_applied = in[n_outcomes - 1].seq;
                t.dirty = true;
        }
        for (size_t i = 0; i < n; i++)
                removal_intent_done(&in[i]);
        if (save)
                assert_int_equal(tracker_save(&t, dir), 0);
        tracker_done(&t);
}

static void removals_logged_but_not_saved_are_replayed_at_load(void **state) {
        Dir *d = *state;
        RemovalOutcome out[3] = { REMOVAL_OUTCOME_REMOVED, REMOVAL_OUTCOME_KEPT,
                                  REMOVAL_OUTCOME_REMOVED };
        Tracker t;

        pass_then_crash(d->path, 1, 3, out, 3, false);

        tracker_init(&t, 100);
        assert_int_equal(tracker_load(&t, d->path), 0);
        assert_int_equal(t.n_history, 2);
        assert_int_equal(counter(&t, "r"), 2);
        assert_int_equal(t.removal_log->n_unfinished, 0);
        assert_int_equal(tracker_history_get(&t, 0)->id, 3);
        tracker_done(&t);
}

static void removals_saved_then_crash_before_the_log_is_emptied_count_once(void **state) {
        Dir *d = *state;
        RemovalOutcome out[2] = { REMOVAL_OUTCOME_REMOVED, REMOVAL_OUTCOME_REMOVED };
        Tracker t;

        /* Saved: state.json has both; the log is emptied. Then write the same log back, as if
         * the daemon had stopped between the rename and the truncation. */
        pass_then_crash(d->path, 1, 2, out, 2, true);
        append_text(d->path,
                    "{\"seq\":1,\"op\":\"intent\",\"kind\":\"shm\",\"id\":1,\"key\":20481,"
                    "\"cuid\":1000,\"ctime\":1700000000,\"mode\":416,\"event\":{\"time\":1,"
                    "\"kind\":\"shm\",\"id\":1,\"key\":20481,\"ownerUid\":1000,\"rule\":\"r\","
                    "\"size\":4096,\"idleSec\":100}}\n{\"seq\":1,\"op\":\"removed\"}\n");

        tracker_init(&t, 100);
        assert_int_equal(tracker_load(&t, d->path), 1);
        assert_int_equal(t.n_history, 2);
        assert_int_equal(counter(&t, "r"), 2);
        tracker_done(&t);
}

static void intent_without_outcome_is_left_to_settle_and_blocks_saving(void **state) {
        Dir *d = *state;
        RemovalOutcome out[1] = { REMOVAL_OUTCOME_REMOVED };
        char path[128];
        Tracker t;

        /* Three intents, the daemon stopped after the first outcome. */
        pass_then_crash(d->path, 1, 3, out, 1, false);

        tracker_init(&t, 100);
        assert_int_equal(tracker_load(&t, d->path), 0);
        assert_int_equal(t.n_history, 1);
        assert_int_equal(t.removal_log->n_unfinished, 2);
        assert_int_equal(t.removal_log->unfinished[0].mode, 0640);
        /* Saving now would mark them applied before they are settled: it waits. */
        assert_int_equal(tracker_save(&t, d->path), 0);
        snprintf(path, sizeof(path), "%s/" TRACKER_STATE_FILE, d->path);
        assert_int_equal(access(path, F_OK), -1);
        tracker_done(&t);
}

static void torn_last_line_is_skipped_and_the_rest_replayed(void **state) {
        Dir *d = *state;
        RemovalOutcome out[2] = { REMOVAL_OUTCOME_REMOVED, REMOVAL_OUTCOME_REMOVED };
        Tracker t;

        pass_then_crash(d->path, 1, 2, out, 2, false);
        append_text(d->path, "{\"seq\":3,\"op\":\"inte");

        tracker_init(&t, 100);
        assert_int_equal(tracker_load(&t, d->path), 0);
        assert_int_equal(t.n_history, 2);
        assert_int_equal(t.removal_log->n_unfinished, 0);
        /* New intents continue after the highest sequence number seen. */
        assert_int_equal(t.removal_log->next_seq, 3);
        tracker_done(&t);
}

static void a_posix_intent_is_read_back_with_its_name_and_file(void **state) {
        Dir *d = *state;
        RemovalIntent in = {
                .kind = IPC_KIND_POSIX_SHM,
                .id = -1,
                .cuid = 1000,
                .ctime = 1700000000,
                .mode = 0600,
                .name = strdup("PostgreSQL.1234"),
                .dev = 42,
                .ino = 4242,
                .uid = 1000,
                .event = { .kind = IPC_KIND_POSIX_SHM,
                           .id = -1,
                           .name = strdup("PostgreSQL.1234"),
                           .rule = strdup("r") },
        };
        Tracker t;

        tracker_init(&t, 10);
        assert_int_equal(tracker_load(&t, d->path), 0);
        assert_int_equal(removal_log_write_intents(t.removal_log, &in, 1), 0);
        removal_intent_done(&in);
        tracker_done(&t);

        /* The daemon stopped with the file fenced: the next start must find the intent. */
        tracker_init(&t, 10);
        assert_int_equal(tracker_load(&t, d->path), 0);
        assert_int_equal(t.removal_log->n_unfinished, 1);
        assert_int_equal(t.removal_log->unfinished[0].kind, IPC_KIND_POSIX_SHM);
        assert_string_equal(t.removal_log->unfinished[0].name, "PostgreSQL.1234");
        assert_int_equal(t.removal_log->unfinished[0].ino, 4242);
        assert_int_equal(t.removal_log->unfinished[0].mode, 0600);
        tracker_done(&t);
}

static void log_lines_are_parsed_strictly(void **state) {
        static const char *const bad[] = {
                "",
                "{}",
                "{\"seq\":0,\"op\":\"removed\"}",
                "{\"seq\":-1,\"op\":\"removed\"}",
                "{\"seq\":1,\"op\":\"erased\"}",
                "{\"seq\":1,\"op\":\"intent\"}",
                "{\"seq\":1,\"op\":\"intent\",\"kind\":\"pipe\",\"id\":1,\"key\":1,\"cuid\":1,"
                "\"ctime\":1,\"mode\":0,\"event\":{}}",
                "{\"seq\":1,\"op\":\"intent\",\"kind\":\"shm\",\"id\":1,\"key\":1,\"cuid\":1,"
                "\"ctime\":1,\"mode\":65536,\"event\":{\"time\":1,\"kind\":\"shm\",\"id\":1,"
                "\"key\":1,\"ownerUid\":0,\"rule\":\"r\",\"size\":0,\"idleSec\":0}}",
                "{\"seq\":1,\"seq\":2,\"op\":\"removed\"}",
                "not json",
        };
        RemovalIntent in;
        RemovalOutcome o;
        uint64_t seq;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = removal_log_parse_line(bad[i], &in, &seq, &o);
                if (r != -EBADMSG)
                        print_error("case %zu \"%s\": %d\n", i, bad[i], r);
                assert_int_equal(r, -EBADMSG);
        }
        assert_int_equal(removal_log_parse_line("{\"seq\":7,\"op\":\"kept\"}", &in, &seq, &o), 2);
        assert_int_equal(seq, 7);
        assert_int_equal(o, REMOVAL_OUTCOME_KEPT);
}

static void no_log_file_is_made_until_something_is_removed(void **state) {
        Dir *d = *state;
        char path[128];
        Tracker t;

        tracker_init(&t, 10);
        assert_int_equal(tracker_load(&t, d->path), 0);
        assert_non_null(t.removal_log);
        tracker_done(&t);
        snprintf(path, sizeof(path), "%s/" REMOVAL_LOG_FILE, d->path);
        assert_int_equal(access(path, F_OK), -1);
}

static void counters_saturate_instead_of_wrapping(void **state) {
        Dir *d = *state;
        Tracker t, loaded;
        RemovalEvent ev = { .kind = IPC_KIND_SHM, .rule = strdup("r"), .size = UINT64_MAX };

        tracker_init(&t, 4);
        t.reclaimed_bytes = TRACKER_COUNTER_MAX - 1;
        assert_int_equal(tracker_record_removal(&t, &ev), 0);
        assert_int_equal(t.reclaimed_bytes, TRACKER_COUNTER_MAX);
        t.counters[0].count = TRACKER_COUNTER_MAX;
        ev = (RemovalEvent){ .kind = IPC_KIND_SHM, .rule = strdup("r"), .size = 1 };
        assert_int_equal(tracker_record_removal(&t, &ev), 0);
        assert_int_equal(t.counters[0].count, TRACKER_COUNTER_MAX);
        assert_int_equal(tracker_save(&t, d->path), 0);

        /* Written within JSON's range, so the next start loads it whole. */
        tracker_init(&loaded, 4);
        assert_int_equal(tracker_load(&loaded, d->path), 1);
        assert_int_equal(loaded.reclaimed_bytes, TRACKER_COUNTER_MAX);
        assert_int_equal(counter(&loaded, "r"), TRACKER_COUNTER_MAX);
        assert_int_equal(loaded.n_history, 2);
        tracker_done(&loaded);
        tracker_done(&t);
}

static void one_odd_counter_does_not_throw_away_the_state_file(void **state) {
        Dir *d = *state;
        char path[128];
        Tracker t;
        FILE *f;

        snprintf(path, sizeof(path), "%s/" TRACKER_STATE_FILE, d->path);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs("{\"version\":1,\"objects\":[{\"kind\":\"shm\",\"id\":1,\"key\":0,\"ctime\":5,"
              "\"cuid\":0,\"firstSeen\":6}],\"history\":[],\"reclaimedBytes\":-1,"
              "\"reaped\":[{\"kind\":\"shm\",\"rule\":\"r\",\"count\":-5}]}",
              f);
        fclose(f);

        tracker_init(&t, 4);
        assert_int_equal(tracker_load(&t, d->path), 1);
        assert_int_equal(t.objects.n, 1);
        assert_int_equal(t.reclaimed_bytes, 0);
        assert_int_equal(counter(&t, "r"), 0);
        tracker_done(&t);
}

int main(void) {
#define dir_test(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)
        const struct CMUnitTest tests[] = {
                dir_test(removals_logged_but_not_saved_are_replayed_at_load),
                dir_test(removals_saved_then_crash_before_the_log_is_emptied_count_once),
                dir_test(intent_without_outcome_is_left_to_settle_and_blocks_saving),
                dir_test(torn_last_line_is_skipped_and_the_rest_replayed),
                cmocka_unit_test(log_lines_are_parsed_strictly),
                dir_test(a_posix_intent_is_read_back_with_its_name_and_file),
                dir_test(no_log_file_is_made_until_something_is_removed),
                dir_test(counters_saturate_instead_of_wrapping),
                dir_test(one_odd_counter_does_not_throw_away_the_state_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
