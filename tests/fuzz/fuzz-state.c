/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for what the daemon reads back at start: state.json and the removal log.
 * The first byte picks what the rest is: '0' state.json alone, '1' removal log lines for
 * removal_log_parse_line(), '2' state.json, a NUL byte, then removals.log, loaded together
 * (the log is replayed on top of the state). Whatever loads must save and load back the
 * same: a state the daemon accepts is one it can keep. */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io-util.h"
#include "log.h"
#include "macro.h"
#include "removal-log.h"
#include "tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Small, so that a few history entries already wrap the ring. */
#define FUZZ_HISTORY_SIZE 8

/* One directory per process, emptied before each input. */
static char directory[PATH_MAX];

static void empty_directory(void) {
        DIR *d = opendir(directory);
        struct dirent *de;

        if (!d)
                abort();
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
}

static void remove_directory(void) {
        empty_directory();
        (void) rmdir(directory);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        /* Never /dev/shm, though it is a tmpfs: files there are POSIX IPC objects to
         * ipcreapd and lsipc. */
        const char *base = getenv("TMPDIR");

        log_set_level(LOG_CRIT);
        snprintf(directory, sizeof(directory), "%s/ipcreap-fuzz-state.XXXXXX",
                 base ? base : "/tmp");
        if (!mkdtemp(directory)) {
                perror("mkdtemp");
                abort();
        }
        atexit(remove_directory);
        return 0;
}

static void write_file(const char *name, const uint8_t *data, size_t size) {
        char path[PATH_MAX + 32];
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof(path), "%s/%s", directory, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || loop_write(fd, data, size) < 0)
                abort();
}

static uint64_t counter_total(const Tracker *t) {
        uint64_t total = 0;

        for (size_t i = 0; i < t->n_counters; i++)
                total += t->counters[i].count > UINT64_MAX - total ? 0 : t->counters[i].count;
        return total;
}

static bool same_string(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}

static void check_same_history(const Tracker *a, const Tracker *b) {
        if (a->n_history != b->n_history || a->n_counters != b->n_counters ||
            a->reclaimed_bytes != b->reclaimed_bytes || counter_total(a) != counter_total(b) ||
            a->objects.n != b->objects.n) {
                fprintf(stderr,
                        "saved state loads back different: history %zu/%zu, counters "
                        "%zu/%zu, reclaimed %llu/%llu, objects %zu/%zu\n",
                        a->n_history, b->n_history, a->n_counters, b->n_counters,
                        (unsigned long long) a->reclaimed_bytes,
                        (unsigned long long) b->reclaimed_bytes, a->objects.n, b->objects.n);
                abort();
        }
        for (size_t i = 0; i < a->n_history; i++) {
                const RemovalEvent *x = tracker_history_get(a, i), *y = tracker_history_get(b, i);
                if (x->time != y->time || x->kind != y->kind || x->id != y->id ||
                    x->key != y->key || x->size != y->size || !same_string(x->rule, y->rule) ||
                    x->creator.pid != y->creator.pid) {
                        fprintf(stderr, "history entry %zu loads back different\n", i);
                        abort();
                }
        }
}

static void load_and_round_trip(void) {
        Tracker t, again;
        int r;

        tracker_init(&t, FUZZ_HISTORY_SIZE);
        r = tracker_load(&t, directory);
        if (r < 0 && r != -ENOMEM)
                abort();
        /* Exercise what queries and passes do with a loaded tracker. */
        for (size_t i = 0; i < t.n_history; i++)
                if (!tracker_history_get(&t, i))
                        abort();
        (void) tracker_set_history_size(&t, FUZZ_HISTORY_SIZE / 2);

        /* Unsettled removals block saving (tracker_save() says so); otherwise what was
         * loaded must survive a save and a load. */
        if (r >= 0 && t.removal_log && t.removal_log->n_unfinished == 0 &&
            tracker_save(&t, directory) == 0) {
                tracker_init(&again, FUZZ_HISTORY_SIZE / 2);
                if (tracker_load(&again, directory) != 1) {
                        fprintf(stderr, "saved state does not load back\n");
                        abort();
                }
                check_same_history(&t, &again);
                tracker_done(&again);
        }
        tracker_done(&t);
}

static void parse_lines(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = strndup((const char *) data, size);

        if (!text)
                return;
        for (char *line = text, *end; line; line = end ? end + 1 : NULL) {
                RemovalIntent intent = { 0 };
                RemovalOutcome outcome = (RemovalOutcome) -1;
                uint64_t seq = 0;
                int r;

                end = strchr(line, '\n');
                if (end)
                        *end = 0;
                r = removal_log_parse_line(line, &intent, &seq, &outcome);
                if (r == 1) {
                        if (intent.seq == 0 || intent.kind < 0 || intent.kind >= _IPC_KIND_MAX ||
                            (intent.id < 0) != ipc_kind_is_posix(intent.kind) ||
                            (ipc_kind_is_posix(intent.kind) && !intent.name) || intent.mode > 07777)
                                abort();
                        removal_intent_done(&intent);
                } else if (r == 2) {
                        if (seq == 0 ||
                            (outcome != REMOVAL_OUTCOME_REMOVED &&
                             outcome != REMOVAL_OUTCOME_KEPT && outcome != REMOVAL_OUTCOME_FENCED))
                                abort();
                } else if (r != -EBADMSG)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *nul;

        if (size < 1)
                return 0;
        switch (data[0] % 3) {
        case 0:
                empty_directory();
                write_file(TRACKER_STATE_FILE, data + 1, size - 1);
                load_and_round_trip();
                break;
        case 1:
                parse_lines(data + 1, size - 1);
                break;
        case 2:
                empty_directory();
                nul = memchr(data + 1, 0, size - 1);
                if (nul) {
                        write_file(TRACKER_STATE_FILE, data + 1, (size_t) (nul - data - 1));
                        write_file(REMOVAL_LOG_FILE, nul + 1, size - (size_t) (nul - data) - 1);
                } else
                        write_file(REMOVAL_LOG_FILE, data + 1, size - 1);
                load_and_round_trip();
                break;
        }
        return 0;
}
