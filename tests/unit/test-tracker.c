/* SPDX-License-Identifier: MIT */
/* Tests tracking across scans (first seen, identity, forgetting), the removal history and
 * counters, state.json persistence and corruption, and the JSON forms in object-json.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "evaluate.h"
#include "macro.h"
#include "object-json.h"
#include "policy.h"
#include "strv.h"
#include "tracker.h"

#define STATE_PATH_MAX 256

/* ---- helpers ---- */

static IpcObject object(IpcKind kind, int id, int32_t key, int64_t ctime, uint32_t cuid) {
        return (IpcObject){ .kind = kind, .id = id, .key = key, .ctime = ctime, .cuid = cuid };
}

static TrackedObject *find_tracked(const Tracker *t, IpcKind kind, int id) {
        void *v;
        for (size_t i = 0; hashmap_next(&t->objects, &i, NULL, &v);) {
                TrackedObject *o = v;
                if (o->kind == kind && o->id == id)
                        return o;
        }
        return NULL;
}

static Creator creator(pid_t pid, const char *comm, const char *cmdline, const char *unit) {
        Creator c = { .pid = pid };
        assert_int_equal(creator_copy(&c, &(Creator){ .pid = pid,
                                                      .comm = (char *) comm,
                                                      .cmdline = (char *) cmdline,
                                                      .unit = (char *) unit }),
                         0);
        return c;
}

static void record(Tracker *t, IpcKind kind, int id, const char *rule, uint64_t size) {
        RemovalEvent ev = { .time = 1700000000 + id,
                            .kind = kind,
                            .id = id,
                            .key = id * 16,
                            .owner_uid = 1000,
                            .rule = strdup(rule),
                            .size = size,
                            .idle_sec = 3600 };
        assert_non_null(ev.rule);
        assert_int_equal(tracker_record_removal(t, &ev), 0);
        /* The tracker took the strings. */
        assert_null(ev.rule);
}

static void assert_history_ids(const Tracker *t, size_t n, const int *ids) {
        assert_int_equal(t->n_history, n);
        for (size_t i = 0; i < n; i++) {
                const RemovalEvent *ev = tracker_history_get(t, i);
                assert_non_null(ev);
                assert_int_equal(ev->id, ids[i]);
        }
        assert_null(tracker_history_get(t, n));
}

static const ReapCounter *find_counter(const Tracker *t, IpcKind kind, const char *rule) {
        for (size_t i = 0; i < t->n_counters; i++)
                if (t->counters[i].kind == kind && streq(t->counters[i].rule, rule))
                        return &t->counters[i];
        return NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        if (flag == FTW_DP)
                (void) chmod(path, 0700);
        return remove(path) < 0 ? -1 : 0;
}

static void remove_tree(const char *path) {
        (void) chmod(path, 0700);
        (void) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_text(const char *dir, const char *name, const char *text) {
        char path[STATE_PATH_MAX * 2];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        assert_int_equal(fclose(f), 0);
}

/* The file's contents, or NULL when it does not exist. */
static char *read_text(const char *dir, const char *name) {
        char path[STATE_PATH_MAX * 2], *text = NULL;
        size_t size = 0;
        FILE *f, *out;
        int c;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "re");
        if (!f)
                return NULL;
        out = open_memstream(&text, &size);
        assert_non_null(out);
        while ((c = fgetc(f)) != EOF)
                fputc(c, out);
        fclose(f);
        fclose(out);
        return text;
}

/* The directory's entries, sorted and joined by blanks: "a b c". */
static char *list_dir(const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        struct dirent *de;

        assert_non_null(d);
        assert_non_null(names);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        assert_int_equal(strv_extend(&names, de->d_name), 0);
        for (size_t i = 1; names[0] && names[i]; i++)
                for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        char *s = names[j];
                        names[j] = names[j - 1];
                        names[j - 1] = s;
                }
        return strv_join(names, " ");
}

static void assert_tracker_empty(const Tracker *t) {
        assert_int_equal(t->objects.n, 0);
        assert_int_equal(t->n_history, 0);
        assert_int_equal(t->n_counters, 0);
        assert_int_equal(t->reclaimed_bytes, 0);
}

static void assert_creator_equal(const Creator *a, const Creator *b) {
        assert_int_equal(a->pid, b->pid);
        if (a->comm || b->comm)
                assert_string_equal(strempty(a->comm), strempty(b->comm));
        assert_int_equal(!a->comm, !b->comm);
        assert_int_equal(!a->cmdline, !b->cmdline);
        if (a->cmdline)
                assert_string_equal(a->cmdline, b->cmdline);
        assert_int_equal(!a->unit, !b->unit);
        if (a->unit)
                assert_string_equal(a->unit, b->unit);
}

static void assert_event_equal(const RemovalEvent *a, const RemovalEvent *b) {
        assert_int_equal(a->time, b->time);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->id, b->id);
        assert_int_equal(a->key, b->key);
        assert_int_equal(a->owner_uid, b->owner_uid);
        assert_string_equal(a->rule, b->rule);
        assert_int_equal(a->size, b->size);
        assert_int_equal(a->idle_sec, b->idle_sec);
        assert_creator_equal(&a->creator, &b->creator);
}

/* ---- tracking across passes ---- */

static void observed_object_keeps_its_first_seen_across_passes(void **state) {
        IpcObject o = object(IPC_KIND_SHM, 5, 0x1234, 1000, 1000);
        TrackedObject *first, *again;
        Tracker t;

        tracker_init(&t, 4);
        tracker_begin_pass(&t);
        first = tracker_observe(&t, &o, 2000);
        assert_non_null(first);
        assert_int_equal(first->first_seen, 2000);
        assert_true(first->seen);
        assert_true(t.dirty);
        tracker_end_pass(&t);

        t.dirty = false;
        for (int64_t now = 2060; now <= 2600; now += 60) {
                tracker_begin_pass(&t);
                assert_false(find_tracked(&t, IPC_KIND_SHM, 5)->seen);
                again = tracker_observe(&t, &o, now);
                assert_ptr_equal(again, first);
                assert_int_equal(again->first_seen, 2000);
                tracker_end_pass(&t);
        }
        assert_int_equal(t.objects.n, 1);
        /* Seeing the same objects again changes nothing worth saving. */
        assert_false(t.dirty);
        tracker_done(&t);
}

static void reused_id_with_another_identity_starts_a_new_record(void **state) {
        static const struct {
                const char *what;
                IpcObject changed;
        } cases[] = {
                { "key",
                  { .kind = IPC_KIND_SEM, .id = 7, .key = 0x5678, .ctime = 1000, .cuid = 1000 } },
                { "ctime",
                  { .kind = IPC_KIND_SEM, .id = 7, .key = 0x1234, .ctime = 1001, .cuid = 1000 } },
                { "cuid",
                  { .kind = IPC_KIND_SEM, .id = 7, .key = 0x1234, .ctime = 1000, .cuid = 0 } },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                IpcObject o = object(IPC_KIND_SEM, 7, 0x1234, 1000, 1000);
                TrackedObject *old, *new;
                Tracker t;

                tracker_init(&t, 4);
                old = tracker_observe(&t, &o, 2000);
                assert_non_null(old);
                old->creator = creator(42, "old-creator", NULL, NULL);
                old->announced = true;
                t.dirty = false;

                tracker_begin_pass(&t);
                new = tracker_observe(&t, &cases[i].changed, 3000);
                tracker_end_pass(&t);
                if (!new || new->first_seen != 3000)
                        print_error("another %s did not start a new record\n", cases[i].what);
                assert_non_null(new);
                assert_int_equal(new->first_seen, 3000);
                assert_int_equal(new->key, cases[i].changed.key);
                assert_int_equal(new->ctime, cases[i].changed.ctime);
                assert_int_equal(new->cuid, cases[i].changed.cuid);
                /* Nothing known about the old object carries over. */
                assert_int_equal(new->creator.pid, 0);
                assert_null(new->creator.comm);
                assert_false(new->announced);
                assert_true(t.dirty);
                assert_int_equal(t.objects.n, 1);
                tracker_done(&t);
        }
}

static void same_id_of_another_kind_is_another_object(void **state) {
        IpcObject shm = object(IPC_KIND_SHM, 0, 1, 10, 0), sem = object(IPC_KIND_SEM, 0, 1, 10, 0),
                  msg = object(IPC_KIND_MSG, 0, 1, 10, 0);
        Tracker t;

        tracker_init(&t, 4);
        assert_non_null(tracker_observe(&t, &shm, 100));
        assert_non_null(tracker_observe(&t, &sem, 200));
        assert_non_null(tracker_observe(&t, &msg, 300));
        assert_int_equal(t.objects.n, 3);
        assert_int_equal(find_tracked(&t, IPC_KIND_SHM, 0)->first_seen, 100);
        assert_int_equal(find_tracked(&t, IPC_KIND_SEM, 0)->first_seen, 200);
        assert_int_equal(find_tracked(&t, IPC_KIND_MSG, 0)->first_seen, 300);
        tracker_done(&t);
}

/* Which of N objects are seen again in the second pass: several patterns, so that removals
 * during end_pass's walk hit every shape of probe chain, wrap-around included. */
static bool kept_all(int i) {
        (void) i;
        return true;
}
static bool kept_none(int i) {
        (void) i;
        return false;
}
static bool kept_even(int i) {
        return i % 2 == 0;
}
static bool kept_every_seventh(int i) {
        return i % 7 == 3;
}
static bool kept_pseudo_random(int i) {
        return ((unsigned) i * 2654435761u >> 13) % 3 == 0;
}
static bool kept_last_quarter(int i) {
        return i >= 3000;
}

static void end_pass_forgets_exactly_the_objects_not_seen(void **state) {
        static bool (*const patterns[])(int) = {
                kept_all,           kept_none,          kept_even,
                kept_every_seventh, kept_pseudo_random, kept_last_quarter,
        };
        const int n = 4000;

        for (size_t p = 0; p < ELEMENTSOF(patterns); p++)
                for (IpcKind kind = IPC_KIND_SHM; kind <= IPC_KIND_MSG; kind++) { /* by id */
                        size_t expected = 0, found = 0;
                        Tracker t;
                        void *v;

                        tracker_init(&t, 4);
                        tracker_begin_pass(&t);
                        for (int i = 0; i < n; i++) {
                                /* Real ids: index + sequence number * 32768. */
                                IpcObject o = object(kind, i + (i % 5) * 32768, i, i, 1000);
                                assert_non_null(tracker_observe(&t, &o, 100));
                        }
                        tracker_end_pass(&t);
                        assert_int_equal(t.objects.n, (size_t) n);

                        t.dirty = false;
                        tracker_begin_pass(&t);
                        for (int i = 0; i < n; i++)
                                if (patterns[p](i)) {
                                        IpcObject o = object(kind, i + (i % 5) * 32768, i, i, 1000);
                                        assert_int_equal(tracker_observe(&t, &o, 200)->first_seen,
                                                         100);
                                        expected++;
                                }
                        tracker_end_pass(&t);

                        assert_int_equal(t.objects.n, expected);
                        for (size_t i = 0; hashmap_next(&t.objects, &i, NULL, &v);) {
                                TrackedObject *o = v;
                                assert_true(patterns[p]((int) o->key));
                                assert_true(o->seen);
                                found++;
                        }
                        assert_int_equal(found, expected);
                        for (int i = 0; i < n; i++)
                                assert_int_equal(!!find_tracked(&t, kind, i + (i % 5) * 32768),
                                                 patterns[p](i));
                        assert_int_equal(t.dirty, expected < (size_t) n);
                        tracker_done(&t);
                }
}

static void forget_drops_one_record(void **state) {
        IpcObject a = object(IPC_KIND_MSG, 1, 1, 1, 1), b = object(IPC_KIND_MSG, 2, 2, 2, 2);
        Tracker t;

        tracker_init(&t, 4);
        assert_non_null(tracker_observe(&t, &a, 10));
        assert_non_null(tracker_observe(&t, &b, 10));
        t.dirty = false;
        tracker_forget(&t, IPC_KIND_MSG, 1);
        assert_true(t.dirty);
        assert_null(find_tracked(&t, IPC_KIND_MSG, 1));
        assert_non_null(find_tracked(&t, IPC_KIND_MSG, 2));
        /* Unknown objects are simply not there. */
        t.dirty = false;
        tracker_forget(&t, IPC_KIND_SHM, 2);
        tracker_forget(&t, IPC_KIND_MSG, 99);
        assert_false(t.dirty);
        assert_int_equal(t.objects.n, 1);
        tracker_done(&t);
}

/* ---- history and counters ---- */

static void history_keeps_the_newest_events_newest_first(void **state) {
        Tracker t;

        tracker_init(&t, 3);
        assert_history_ids(&t, 0, NULL);
        record(&t, IPC_KIND_SHM, 1, "r", 0);
        assert_history_ids(&t, 1, (int[]){ 1 });
        record(&t, IPC_KIND_SHM, 2, "r", 0);
        record(&t, IPC_KIND_SHM, 3, "r", 0);
        assert_history_ids(&t, 3, (int[]){ 3, 2, 1 });
        for (int id = 4; id <= 10; id++)
                record(&t, IPC_KIND_SHM, id, "r", 0);
        assert_history_ids(&t, 3, (int[]){ 10, 9, 8 });
        /* Every removal is counted, kept in the history or not. */
        assert_int_equal(find_counter(&t, IPC_KIND_SHM, "r")->count, 10);
        tracker_done(&t);
}

static void history_of_size_zero_keeps_nothing_but_still_counts(void **state) {
        Tracker t;

        tracker_init(&t, 0);
        record(&t, IPC_KIND_MSG, 1, "r", 100);
        record(&t, IPC_KIND_MSG, 2, "r", 50);
        assert_history_ids(&t, 0, NULL);
        assert_int_equal(find_counter(&t, IPC_KIND_MSG, "r")->count, 2);
        assert_int_equal(t.reclaimed_bytes, 150);
        assert_true(t.dirty);
        tracker_done(&t);
}

static void shrinking_the_history_drops_the_oldest_and_growing_makes_room(void **state) {
        Tracker t;

        tracker_init(&t, 5);
        for (int id = 1; id <= 7; id++) /* the ring has wrapped: its head is not slot 0 */
                record(&t, IPC_KIND_SEM, id, "r", 0);
        assert_history_ids(&t, 5, (int[]){ 7, 6, 5, 4, 3 });

        assert_int_equal(tracker_set_history_size(&t, 5), 0);
        assert_history_ids(&t, 5, (int[]){ 7, 6, 5, 4, 3 });

        assert_int_equal(tracker_set_history_size(&t, 2), 0);
        assert_int_equal(t.history_capacity, 2);
        assert_history_ids(&t, 2, (int[]){ 7, 6 });

        assert_int_equal(tracker_set_history_size(&t, 10), 0);
        assert_int_equal(t.history_capacity, 10);
        assert_history_ids(&t, 2, (int[]){ 7, 6 });
        for (int id = 8; id <= 12; id++)
                record(&t, IPC_KIND_SEM, id, "r", 0);
        assert_history_ids(&t, 7, (int[]){ 12, 11, 10, 9, 8, 7, 6 });

        assert_int_equal(tracker_set_history_size(&t, 0), 0);
        assert_history_ids(&t, 0, NULL);
        record(&t, IPC_KIND_SEM, 13, "r", 0);
        assert_history_ids(&t, 0, NULL);

        assert_int_equal(tracker_set_history_size(&t, 3), 0);
        record(&t, IPC_KIND_SEM, 14, "r", 0);
        assert_history_ids(&t, 1, (int[]){ 14 });
        assert_int_equal(find_counter(&t, IPC_KIND_SEM, "r")->count, 14);
        tracker_done(&t);
}

static void counters_are_kept_per_kind_and_rule(void **state) {
        Tracker t;

        tracker_init(&t, 10);
        record(&t, IPC_KIND_SHM, 1, "stale-user-shm", 4096);
        record(&t, IPC_KIND_SHM, 2, "stale-user-shm", 8192);
        record(&t, IPC_KIND_SEM, 3, "stale-user-shm", 0);
        record(&t, IPC_KIND_SHM, 4, "other", 1);
        record(&t, IPC_KIND_MSG, 5, "other", 100);

        assert_int_equal(t.n_counters, 4);
        assert_int_equal(find_counter(&t, IPC_KIND_SHM, "stale-user-shm")->count, 2);
        assert_int_equal(find_counter(&t, IPC_KIND_SEM, "stale-user-shm")->count, 1);
        assert_int_equal(find_counter(&t, IPC_KIND_SHM, "other")->count, 1);
        assert_int_equal(find_counter(&t, IPC_KIND_MSG, "other")->count, 1);
        assert_null(find_counter(&t, IPC_KIND_MSG, "stale-user-shm"));
        assert_int_equal(t.reclaimed_bytes, 4096 + 8192 + 1 + 100);
        tracker_done(&t);
}

static void history_event_keeps_what_was_recorded(void **state) {
        RemovalEvent ev = { .time = 1700000123,
                            .kind = IPC_KIND_MSG,
                            .id = 98304,
                            .key = (int32_t) 0xfeedface,
                            .owner_uid = 4242,
                            .rule = strdup("queues"),
                            .size = 777,
                            .idle_sec = 86400,
                            .creator = creator(99, "mq-writer", "mq-writer --fast", "mq.service") };
        RemovalEvent copy = { .time = ev.time,
                              .kind = ev.kind,
                              .id = ev.id,
                              .key = ev.key,
                              .owner_uid = ev.owner_uid,
                              .rule = strdup("queues"),
                              .size = ev.size,
                              .idle_sec = ev.idle_sec,
                              .creator =
                                      creator(99, "mq-writer", "mq-writer --fast", "mq.service") };
        Tracker t;

        tracker_init(&t, 2);
        assert_int_equal(tracker_record_removal(&t, &ev), 0);
        assert_null(ev.rule);
        assert_null(ev.creator.comm);
        assert_event_equal(tracker_history_get(&t, 0), &copy);
        removal_event_done(&copy);
        tracker_done(&t);
}

/* ---- state.json ---- */

typedef struct StateDir {
        char path[STATE_PATH_MAX];
} StateDir;

static int state_dir_setup(void **state) {
        StateDir *d = calloc(1, sizeof(StateDir));
        if (!d)
                return -1;
        snprintf(d->path, sizeof(d->path), "/tmp/ipcreap-test-state-XXXXXX");
        if (!mkdtemp(d->path)) {
                free(d);
                return -1;
        }
        *state = d;
        return 0;
}

static int state_dir_teardown(void **state) {
        StateDir *d = *state;
        remove_tree(d->path);
        free(d);
        return 0;
}

/* Objects with and without creators, keys on both sides of 0x7fffffff, history, counters. */
static void fill_tracker(Tracker *t) {
        struct {
                IpcObject o;
                int64_t first_seen;
        } objects[] = {
                { object(IPC_KIND_SHM, 0, 0, 1690000000, 1000), 1690000100 },
                { object(IPC_KIND_SEM, 32768, 0x7fffffff, 1690000001, 0), 1690000200 },
                { object(IPC_KIND_MSG, 65536, (int32_t) 0xfffffffe, 1690000002, 60000),
                  1690000300 },
                { object(IPC_KIND_SHM, 2147483647, (int32_t) 0x80000000, 1690000003, 4294967294u),
                  1690000400 },
        };
        RemovalEvent ev;

        for (size_t i = 0; i < ELEMENTSOF(objects); i++)
                assert_int_equal(
                        tracker_observe(t, &objects[i].o, objects[i].first_seen)->first_seen,
                        objects[i].first_seen);
        find_tracked(t, IPC_KIND_SHM, 0)->creator =
                creator(4242, "php-fpm7.4", "php-fpm: pool www", "php7.4-fpm.service");

        ev = (RemovalEvent){ .time = 1690001000,
                             .kind = IPC_KIND_SHM,
                             .id = 1,
                             .key = (int32_t) 0xdeadbeef,
                             .owner_uid = 1000,
                             .rule = strdup("stale-user-shm"),
                             .size = UINT64_C(5) << 30,
                             .idle_sec = 7200,
                             .creator =
                                     creator(77, "leaky", "leaky --segments 3", "leaky.service") };
        assert_int_equal(tracker_record_removal(t, &ev), 0);
        ev = (RemovalEvent){ .time = 1690002000,
                             .kind = IPC_KIND_MSG,
                             .id = 2,
                             .key = 0,
                             .owner_uid = 4294967294u,
                             .rule = strdup("queues"),
                             .size = 16,
                             .idle_sec = 0 };
        assert_int_equal(tracker_record_removal(t, &ev), 0);
        ev = (RemovalEvent){ .time = 1690003000,
                             .kind = IPC_KIND_SEM,
                             .id = 3,
                             .key = 0x7fffffff,
                             .owner_uid = 0,
                             .rule = strdup("stale-user-shm"),
                             .idle_sec = 999999 };
        assert_int_equal(tracker_record_removal(t, &ev), 0);
}

static void assert_trackers_equal(const Tracker *a, const Tracker *b) {
        void *v;

        assert_int_equal(a->objects.n, b->objects.n);
        for (size_t i = 0; hashmap_next(&a->objects, &i, NULL, &v);) {
                const TrackedObject *x = v, *y = find_tracked(b, x->kind, x->id);
                assert_non_null(y);
                assert_int_equal(x->key, y->key);
                assert_int_equal(x->ctime, y->ctime);
                assert_int_equal(x->cuid, y->cuid);
                assert_int_equal(x->first_seen, y->first_seen);
                assert_creator_equal(&x->creator, &y->creator);
        }
        assert_int_equal(a->n_history, b->n_history);
        for (size_t i = 0; i < a->n_history; i++)
                assert_event_equal(tracker_history_get(a, i), tracker_history_get(b, i));
        assert_int_equal(a->n_counters, b->n_counters);
        for (size_t i = 0; i < a->n_counters; i++) {
                const ReapCounter *c = find_counter(b, a->counters[i].kind, a->counters[i].rule);
                assert_non_null(c);
                assert_int_equal(c->count, a->counters[i].count);
        }
        assert_true(a->reclaimed_bytes == b->reclaimed_bytes);
}

static void a_new_object_alone_does_not_make_a_save_due_but_a_removal_does(void **state) {
        StateDir *d = *state;
        Tracker t;
        IpcObject o = object(IPC_KIND_SHM, 7, 0x1234, 1700000000, 1000);
        RemovalEvent ev = { .time = 1700000100, .kind = IPC_KIND_SHM, .id = 7 };

        tracker_init(&t, 10);
        /* Never saved: the first save is due as soon as something changed. */
        assert_false(tracker_save_due(&t));
        assert_non_null(tracker_observe(&t, &o, 1700000001));
        assert_true(tracker_save_due(&t));
        assert_int_equal(tracker_save(&t, d->path), 0);
        assert_false(tracker_save_due(&t));

        /* One new object: changed, but the state of 100,000 is not rewritten for it before
         * TRACKER_SAVE_INTERVAL_SEC have passed. */
        o.id = 8;
        assert_non_null(tracker_observe(&t, &o, 1700000002));
        assert_true(t.dirty);
        assert_false(tracker_save_due(&t));

        /* A removal is saved at once. */
        ev.rule = strdup("r");
        assert_non_null(ev.rule);
        assert_int_equal(tracker_record_removal(&t, &ev), 0);
        assert_true(tracker_save_due(&t));
        assert_int_equal(tracker_save(&t, d->path), 0);
        assert_false(tracker_save_due(&t));
        tracker_done(&t);
}

static void state_survives_a_save_and_load(void **state) {
        StateDir *d = *state;
        _cleanup_free_ char *entries = NULL, *text = NULL;
        Tracker saved, loaded;
        struct stat st;
        char path[STATE_PATH_MAX * 2];

        tracker_init(&saved, 10);
        fill_tracker(&saved);
        assert_true(saved.dirty);
        assert_int_equal(tracker_save(&saved, d->path), 0);
        assert_false(saved.dirty);

        /* One file, private to the daemon, no temporary left behind. */
        entries = list_dir(d->path);
        assert_string_equal(entries, TRACKER_STATE_FILE);
        snprintf(path, sizeof(path), "%s/" TRACKER_STATE_FILE, d->path);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        text = read_text(d->path, TRACKER_STATE_FILE);
        assert_non_null(strstr(text, "\"version\":1"));

        tracker_init(&loaded, 10);
        assert_int_equal(tracker_load(&loaded, d->path), 1);
        assert_false(loaded.dirty);
        assert_trackers_equal(&saved, &loaded);
        assert_int_equal(loaded.reclaimed_bytes, (UINT64_C(5) << 30) + 16);
        assert_int_equal(find_counter(&loaded, IPC_KIND_SHM, "stale-user-shm")->count, 1);
        assert_int_equal(find_counter(&loaded, IPC_KIND_SEM, "stale-user-shm")->count, 1);
        assert_int_equal(find_counter(&loaded, IPC_KIND_MSG, "queues")->count, 1);
        assert_int_equal(tracker_history_get(&loaded, 0)->id, 3);
        assert_int_equal(tracker_history_get(&loaded, 2)->id, 1);
        assert_int_equal(find_tracked(&loaded, IPC_KIND_MSG, 65536)->key, (int32_t) 0xfffffffe);
        /* A loaded object is the same object when the kernel shows it again. */
        IpcObject again = object(IPC_KIND_SHM, 0, 0, 1690000000, 1000);
        assert_int_equal(tracker_observe(&loaded, &again, 1799999999)->first_seen, 1690000100);
        assert_string_equal(find_tracked(&loaded, IPC_KIND_SHM, 0)->creator.comm, "php-fpm7.4");

        /* Saving what was loaded writes the same state again. */
        tracker_done(&saved);
        tracker_init(&saved, 10);
        assert_int_equal(tracker_save(&loaded, d->path), 0);
        assert_int_equal(tracker_load(&saved, d->path), 1);
        assert_trackers_equal(&loaded, &saved);
        tracker_done(&saved);
        tracker_done(&loaded);
}

static void creator_without_cmdline_or_unit_survives_a_restart(void **state) {
        StateDir *d = *state;
        _cleanup_free_ char *corrupt = NULL;
        IpcObject o = object(IPC_KIND_SHM, 9, 0x99, 1690000000, 1000);
        Tracker saved, loaded;
        RemovalEvent ev = { .time = 1690000500,
                            .kind = IPC_KIND_SHM,
                            .id = 8,
                            .key = 0x88,
                            .rule = strdup("r"),
                            .creator = creator(88, "kworker/0:1", NULL, NULL) };

        /* An empty cmdline (kernel threads) and no unit (outside systemd) are common. */
        tracker_init(&saved, 4);
        tracker_observe(&saved, &o, 1690000100)->creator = creator(99, "worker", NULL, NULL);
        assert_int_equal(tracker_record_removal(&saved, &ev), 0);
        assert_int_equal(tracker_save(&saved, d->path), 0);

        tracker_init(&loaded, 4);
        assert_int_equal(tracker_load(&loaded, d->path), 1);
        corrupt = read_text(d->path, TRACKER_STATE_FILE ".corrupt");
        assert_null(corrupt);
        assert_trackers_equal(&saved, &loaded);
        tracker_done(&saved);
        tracker_done(&loaded);
}

static void loading_into_a_smaller_history_keeps_the_newest_events(void **state) {
        StateDir *d = *state;
        Tracker saved, loaded;

        tracker_init(&saved, 10);
        for (int id = 1; id <= 6; id++)
                record(&saved, IPC_KIND_SHM, id, "r", 10);
        assert_int_equal(tracker_save(&saved, d->path), 0);

        tracker_init(&loaded, 2);
        assert_int_equal(tracker_load(&loaded, d->path), 1);
        assert_history_ids(&loaded, 2, (int[]){ 6, 5 });
        /* The counters are not recounted from the history. */
        assert_int_equal(find_counter(&loaded, IPC_KIND_SHM, "r")->count, 6);
        assert_int_equal(loaded.reclaimed_bytes, 60);
        tracker_done(&saved);
        tracker_done(&loaded);
}

static void missing_state_file_is_a_fresh_start(void **state) {
        StateDir *d = *state;
        IpcObject o = object(IPC_KIND_SHM, 1, 1, 1, 1);
        Tracker t;

        tracker_init(&t, 4);
        assert_non_null(tracker_observe(&t, &o, 5));
        assert_int_equal(tracker_load(&t, d->path), 0);
        /* Nothing to load: the tracker is left as it was. */
        assert_int_equal(t.objects.n, 1);
        _cleanup_free_ char *entries = list_dir(d->path);
        assert_string_equal(entries, "");
        tracker_done(&t);
}

/* Fills the stack below the caller with garbage, so that a variable the code under test
 * forgets to initialise holds garbage too, not a lucky zero. */
static __attribute__((noinline)) void scribble_on_the_stack(void) {
        volatile unsigned char junk[64 * 1024];
        for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = 0xa5;
}

static void state_file_without_the_optional_fields_loads(void **state) {
        StateDir *d = *state;
        Tracker t;

        /* reaped and reclaimedBytes are optional. */
        write_text(d->path, TRACKER_STATE_FILE, "{\"version\":1,\"objects\":[],\"history\":[]}");
        tracker_init(&t, 4);
        scribble_on_the_stack();
        assert_int_equal(tracker_load(&t, d->path), 1);
        assert_tracker_empty(&t);
        tracker_done(&t);
}

static void corrupt_state_file_is_set_aside_and_the_tracker_starts_empty(void **state) {
#define OBJ(...)    "{\"version\":1,\"objects\":[{" __VA_ARGS__ "}],\"history\":[]}"
#define EV(...)     "{\"version\":1,\"objects\":[],\"history\":[{" __VA_ARGS__ "}]}"
#define GOOD_OBJECT "\"kind\":\"shm\",\"id\":5,\"key\":0,\"ctime\":1,\"cuid\":0,\"firstSeen\":1"
#define GOOD_EVENT                                                                      \
        "\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":0,\"rule\":\"r\"," \
        "\"size\":0,\"idleSec\":0"
        static const struct {
                const char *what, *text;
        } cases[] = {
                { "garbage", "this is not JSON\n" },
                { "empty file", "" },
                { "null", "null" },
                { "an array", "[]" },
                { "truncated", "{\"version\":1,\"objects\":[{\"kind\":\"shm\",\"id\":5,\"ke" },
                { "wrong version", "{\"version\":2,\"objects\":[],\"history\":[]}" },
                { "version as a string", "{\"version\":\"1\",\"objects\":[],\"history\":[]}" },
                { "no version", "{\"objects\":[],\"history\":[]}" },
                { "objects not an array", "{\"version\":1,\"objects\":{},\"history\":[]}" },
                { "no history", "{\"version\":1,\"objects\":[]}" },
                { "history not an array", "{\"version\":1,\"objects\":[],\"history\":5}" },
                { "duplicate keys", "{\"version\":1,\"version\":1,\"objects\":[],\"history\":[]}" },
                { "reclaimed bytes as a string",
                  "{\"version\":1,\"objects\":[],\"history\":[],\"reclaimedBytes\":\"5\"}" },
                { "object id as a string",
                  OBJ("\"kind\":\"shm\",\"id\":\"5\",\"key\":0,\"ctime\":1,\"cuid\":0,"
                      "\"firstSeen\":1") },
                { "unknown kind", OBJ("\"kind\":\"sock\",\"id\":5,\"key\":0,\"ctime\":1,\"cuid\":0,"
                                      "\"firstSeen\":1") },
                { "negative id", OBJ("\"kind\":\"shm\",\"id\":-5,\"key\":0,\"ctime\":1,\"cuid\":0,"
                                     "\"firstSeen\":1") },
                { "key beyond 32 bits",
                  OBJ("\"kind\":\"shm\",\"id\":5,\"key\":4294967296,\"ctime\":1,\"cuid\":0,"
                      "\"firstSeen\":1") },
                { "negative key", OBJ("\"kind\":\"shm\",\"id\":5,\"key\":-1,\"ctime\":1,\"cuid\":0,"
                                      "\"firstSeen\":1") },
                { "cuid beyond 32 bits",
                  OBJ("\"kind\":\"shm\",\"id\":5,\"key\":0,\"ctime\":1,\"cuid\":4294967296,"
                      "\"firstSeen\":1") },
                { "no firstSeen", OBJ("\"kind\":\"shm\",\"id\":5,\"key\":0,\"ctime\":1,"
                                      "\"cuid\":0") },
                { "creator pid as a string", OBJ(GOOD_OBJECT ",\"creator\":{\"pid\":\"7\"}") },
                { "creator comm as a number",
                  OBJ(GOOD_OBJECT ",\"creator\":{\"pid\":7,\"comm\":5}") },
                { "creator not an object", OBJ(GOOD_OBJECT ",\"creator\":\"me\"") },
                { "event without a rule",
                  EV("\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":0,"
                     "\"size\":0,\"idleSec\":0") },
                { "event with a negative size",
                  EV("\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":0,"
                     "\"rule\":\"r\",\"size\":-1,\"idleSec\":0") },
                { "event with an unknown kind",
                  EV("\"time\":1,\"kind\":\"pipe\",\"id\":1,\"key\":0,\"ownerUid\":0,"
                     "\"rule\":\"r\",\"size\":0,\"idleSec\":0") },
                { "event with a bad creator", EV(GOOD_EVENT ",\"creator\":{\"pid\":-1}") },
                { "counters not an array",
                  "{\"version\":1,\"objects\":[],\"history\":[],\"reaped\":{}}" },
                { "counter without a rule",
                  "{\"version\":1,\"objects\":[],\"history\":[],\"reaped\":[{\"kind\":\"shm\","
                  "\"count\":1}]}" },
                { "bad object after good ones",
                  "{\"version\":1,\"objects\":[{" GOOD_OBJECT "},{\"kind\":\"shm\"}],"
                  "\"history\":[{" GOOD_EVENT "}],\"reclaimedBytes\":5}" },
        };
        StateDir *d = *state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *aside = NULL, *left = NULL, *entries = NULL;
                Tracker t;
                int r;

                write_text(d->path, TRACKER_STATE_FILE, cases[i].text);
                tracker_init(&t, 4);
                r = tracker_load(&t, d->path);
                aside = read_text(d->path, TRACKER_STATE_FILE ".corrupt");
                left = read_text(d->path, TRACKER_STATE_FILE);
                if (r != 0 || !aside || left)
                        print_error("%s: load gave %d, %s set aside\n", cases[i].what, r,
                                    aside ? "was" : "was not");
                /* Never a reason not to start: 0, an empty tracker, the file kept aside. */
                assert_int_equal(r, 0);
                assert_tracker_empty(&t);
                assert_non_null(aside);
                assert_string_equal(aside, cases[i].text);
                assert_null(left);
                entries = list_dir(d->path);
                assert_string_equal(entries, TRACKER_STATE_FILE ".corrupt");

                /* A good save afterwards is loaded normally. */
                record(&t, IPC_KIND_SHM, 1, "r", 1);
                assert_int_equal(tracker_save(&t, d->path), 0);
                tracker_done(&t);
                tracker_init(&t, 4);
                assert_int_equal(tracker_load(&t, d->path), 1);
                assert_int_equal(t.n_history, 1);
                tracker_done(&t);
                char path[STATE_PATH_MAX * 2];
                snprintf(path, sizeof(path), "%s/" TRACKER_STATE_FILE, d->path);
                assert_int_equal(unlink(path), 0);
        }
#undef OBJ
#undef EV
#undef GOOD_OBJECT
#undef GOOD_EVENT
}

static void save_into_a_missing_directory_fails_cleanly(void **state) {
        StateDir *d = *state;
        char missing[STATE_PATH_MAX * 2];
        Tracker t;

        snprintf(missing, sizeof(missing), "%s/not/there", d->path);
        tracker_init(&t, 4);
        fill_tracker(&t);
        assert_true(tracker_save(&t, missing) < 0);
        /* Still unsaved, and nothing created on the way. */
        assert_true(t.dirty);
        _cleanup_free_ char *entries = list_dir(d->path);
        assert_string_equal(entries, "");
        tracker_done(&t);
}

/* Saves into dir made read-only: returns 'f' if the save failed as it should, 's' if it
 * succeeded, 'u' when dir cannot be made read-only. Runs in a child with its own mount
 * namespace, since root writes through permission bits; the answer comes through a pipe,
 * since under valgrind the exit code is valgrind's. */
static char save_read_only(const char *dir) {
        char answer = '?';
        int fds[2];
        pid_t pid;

        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char a = 'u';
                Tracker t;

                if (unshare(CLONE_NEWNS) >= 0) {
                        if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
                            mount(dir, dir, "none", MS_BIND, NULL) < 0 ||
                            mount("none", dir, "none", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
                                a = 'u';
                        else
                                a = 'r';
                } else if (geteuid() != 0 && chmod(dir, 0555) >= 0)
                        a = 'r';
                if (a == 'r') {
                        tracker_init(&t, 4);
                        fill_tracker(&t);
                        a = tracker_save(&t, dir) < 0 ? 'f' : 's';
                        tracker_done(&t);
                        (void) chmod(dir, 0700);
                }
                (void) !write(fds[1], &a, 1);
                _exit(0);
        }
        close(fds[1]);
        assert_int_equal(read(fds[0], &answer, 1), 1);
        close(fds[0]);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        return answer;
}

static void save_into_a_read_only_directory_fails_and_keeps_the_old_file(void **state) {
        static const char old[] = "{\"version\":1,\"objects\":[],\"history\":[]}";
        StateDir *d = *state;
        _cleanup_free_ char *text = NULL, *entries = NULL;
        int r;

        write_text(d->path, TRACKER_STATE_FILE, old);
        r = save_read_only(d->path);
        if (r == 'u')
                fail_msg("could not set up a private mount namespace for the read-only directory");
        assert_int_equal(r, 'f');
        text = read_text(d->path, TRACKER_STATE_FILE);
        assert_string_equal(text, old);
        entries = list_dir(d->path);
        assert_string_equal(entries, TRACKER_STATE_FILE);
}

static void save_that_cannot_replace_the_file_leaves_it_and_no_temporary(void **state) {
        StateDir *d = *state;
        char blocker[STATE_PATH_MAX * 2];
        _cleanup_free_ char *entries = NULL;
        Tracker t;

        /* A non-empty directory where state.json should be: the final rename must fail. */
        snprintf(blocker, sizeof(blocker), "%s/" TRACKER_STATE_FILE, d->path);
        assert_int_equal(mkdir(blocker, 0700), 0);
        write_text(blocker, "keep", "x");
        tracker_init(&t, 4);
        fill_tracker(&t);
        assert_true(tracker_save(&t, d->path) < 0);
        assert_true(t.dirty);
        entries = list_dir(d->path);
        assert_string_equal(entries, TRACKER_STATE_FILE);
        tracker_done(&t);
}

static void prepare_directory_creates_missing_parents(void **state) {
        StateDir *d = *state;
        char deep[STATE_PATH_MAX * 2];
        struct stat st;
        Tracker t;

        snprintf(deep, sizeof(deep), "%s/var/lib/ipcreap", d->path);
        assert_int_equal(tracker_prepare_directory(deep), 0);
        assert_int_equal(stat(deep, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        /* Again: it exists, fine. */
        assert_int_equal(tracker_prepare_directory(deep), 0);
        tracker_init(&t, 4);
        fill_tracker(&t);
        assert_int_equal(tracker_save(&t, deep), 0);
        tracker_done(&t);
}

/* ---- JSON forms ---- */

static void creator_json_round_trips(void **state) {
        static const Creator cases[] = {
                { 4242, "php-fpm7.4", "php-fpm: pool www", "php7.4-fpm.service" },
                { 1, "systemd", "/sbin/init splash", "init.scope" },
                { INT32_MAX, "x", "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *j = creator_to_json(&cases[i]);
                Creator back = { 0 };
                assert_non_null(j);
                assert_int_equal(json_integer_value(json_object_get(j, "pid")), cases[i].pid);
                assert_string_equal(json_string_value(json_object_get(j, "comm")), cases[i].comm);
                assert_int_equal(creator_from_json(j, &back), 0);
                assert_creator_equal(&back, &cases[i]);
                creator_done(&back);
                json_decref(j);
        }
}

static void creator_json_round_trips_with_unknown_fields(void **state) {
        static const Creator cases[] = {
                { 7, "worker", NULL, NULL },
                { 8, "worker", "worker -j4", NULL },
                { 9, "worker", NULL, "worker.service" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *j = creator_to_json(&cases[i]);
                Creator back = { .pid = -1 };
                int r;

                assert_non_null(j);
                r = creator_from_json(j, &back);
                if (r != 0) {
                        char *s = json_dumps(j, JSON_COMPACT);
                        print_error("%s does not read back: %d\n", s, r);
                        free(s);
                }
                assert_int_equal(r, 0);
                assert_creator_equal(&back, &cases[i]);
                creator_done(&back);
                json_decref(j);
        }
}

static void creator_json_absent_or_null_is_an_unknown_creator(void **state) {
        Creator c = { .pid = 5 };
        json_t *null = json_null(), *bare = json_pack("{s:i}", "pid", 12);

        assert_int_equal(creator_from_json(NULL, &c), 0);
        assert_int_equal(c.pid, 0);
        c.pid = 5;
        assert_int_equal(creator_from_json(null, &c), 0);
        assert_int_equal(c.pid, 0);
        assert_null(c.comm);
        /* Only a pid: the rest unknown. */
        assert_int_equal(creator_from_json(bare, &c), 0);
        assert_int_equal(c.pid, 12);
        assert_null(c.comm);
        assert_null(c.cmdline);
        assert_null(c.unit);
        creator_done(&c);
        json_decref(null);
        json_decref(bare);
}

static void creator_json_with_null_members_reads_as_unknown_parts(void **state) {
        /* What earlier versions wrote for unknown parts: their state.json must still load. */
        json_t *j =
                json_loads("{\"pid\":7,\"comm\":\"w\",\"cmdline\":null,\"unit\":null}", 0, NULL);
        Creator c = { 0 };

        assert_non_null(j);
        assert_int_equal(creator_from_json(j, &c), 0);
        assert_int_equal(c.pid, 7);
        assert_string_equal(c.comm, "w");
        assert_null(c.cmdline);
        assert_null(c.unit);
        creator_done(&c);
        json_decref(j);
}

static void creator_json_with_bad_values_is_rejected(void **state) {
        static const char *const texts[] = {
                "{\"pid\":\"7\"}",        "{\"pid\":-1}",
                "{\"pid\":2147483648}",   "{\"comm\":\"x\"}",
                "{\"pid\":7,\"comm\":5}", "{\"pid\":7,\"unit\":[]}",
                "\"a string\"",           "[7]",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                json_t *j = json_loads(texts[i], JSON_DECODE_ANY, NULL);
                Creator c = { 0 };
                assert_non_null(j);
                if (creator_from_json(j, &c) != -EBADMSG)
                        print_error("%s was accepted\n", texts[i]);
                assert_int_equal(creator_from_json(j, &c), -EBADMSG);
                json_decref(j);
        }
}

static void removal_event_json_round_trips(void **state) {
        RemovalEvent with = { .time = 1690001000,
                              .kind = IPC_KIND_SHM,
                              .id = 32769,
                              .key = (int32_t) 0xdeadbeef,
                              .owner_uid = 4294967294u,
                              .rule = (char *) "stale-user-shm",
                              .size = UINT64_C(5) << 30,
                              .idle_sec = 7200,
                              .creator = { 77, (char *) "leaky", (char *) "leaky -n 3",
                                           (char *) "leaky.service" } };
        RemovalEvent without = {
                .time = 1, .kind = IPC_KIND_MSG, .id = 0, .key = 0, .rule = (char *) "q"
        };
        const RemovalEvent *cases[] = { &with, &without };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *j = removal_event_to_json(cases[i]);
                RemovalEvent back;

                assert_non_null(j);
                /* Keys are unsigned 32-bit numbers in JSON, as ipcs shows them. */
                assert_int_equal(json_integer_value(json_object_get(j, "key")),
                                 (json_int_t) (uint32_t) cases[i]->key);
                assert_string_equal(json_string_value(json_object_get(j, "kind")),
                                    ipc_kind_to_string(cases[i]->kind));
                assert_int_equal(json_object_get(j, "creator") != NULL, cases[i]->creator.pid > 0);
                assert_int_equal(removal_event_from_json(j, &back), 0);
                assert_event_equal(&back, cases[i]);
                removal_event_done(&back);
                json_decref(j);
        }
}

static void removal_event_json_with_bad_values_is_rejected(void **state) {
        static const char *const texts[] = {
                "{}",
                "{\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":0,\"size\":0,"
                "\"idleSec\":0}",
                "{\"time\":1,\"kind\":\"x\",\"id\":1,\"key\":0,\"ownerUid\":0,\"rule\":\"r\","
                "\"size\":0,\"idleSec\":0}",
                "{\"time\":1,\"kind\":\"shm\",\"id\":-1,\"key\":0,\"ownerUid\":0,\"rule\":\"r\","
                "\"size\":0,\"idleSec\":0}",
                "{\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":4294967296,\"ownerUid\":0,"
                "\"rule\":\"r\",\"size\":0,\"idleSec\":0}",
                "{\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":-1,\"rule\":\"r\","
                "\"size\":0,\"idleSec\":0}",
                "{\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":0,\"rule\":\"r\","
                "\"size\":0,\"idleSec\":-1}",
                "{\"time\":\"1\",\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":0,\"rule\":\"r\","
                "\"size\":0,\"idleSec\":0}",
                "{\"time\":1,\"kind\":\"shm\",\"id\":1,\"key\":0,\"ownerUid\":0,\"rule\":\"r\","
                "\"size\":0,\"idleSec\":0,\"creator\":{\"pid\":\"x\"}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                json_t *j = json_loads(texts[i], 0, NULL);
                RemovalEvent ev;
                assert_non_null(j);
                if (removal_event_from_json(j, &ev) != -EBADMSG)
                        print_error("case %zu was accepted\n", i);
                assert_int_equal(removal_event_from_json(j, &ev), -EBADMSG);
                json_decref(j);
        }
}

static void keys_are_unsigned_32_bit_numbers_in_json(void **state) {
        int32_t key = 5;

        assert_int_equal(key_to_json(0), 0);
        assert_int_equal(key_to_json(0x7fffffff), 0x7fffffff);
        assert_int_equal(key_to_json((int32_t) 0x80000000), INT64_C(0x80000000));
        assert_int_equal(key_to_json(-1), INT64_C(0xffffffff));
        assert_int_equal(key_from_json(INT64_C(0xffffffff), &key), 0);
        assert_int_equal(key, -1);
        assert_int_equal(key_from_json(INT64_C(0x80000000), &key), 0);
        assert_int_equal(key, INT32_MIN);
        key = 5;
        assert_int_equal(key_from_json(-1, &key), -ERANGE);
        assert_int_equal(key_from_json(INT64_C(0x100000000), &key), -ERANGE);
        assert_int_equal(key, 5);
}

static void object_json_has_the_fields_of_the_spec(void **state) {
        _cleanup_policy_free_ Policy *p = NULL;
        ScanResult r = { .time = 1700001000 };
        IpcPid pids[] = { { 100, true }, { 200, false } };
        ObjectInfo info[3] = {
                { .verdict = { OBJECT_IDLE, 0, PENDING_PIDS_ALIVE },
                  .first_seen = 1700000500,
                  .creator = { 100, (char *) "php-fpm", (char *) "php-fpm: pool www",
                               (char *) "php-fpm.service" } },
                { .verdict = { OBJECT_UNMATCHED, -1, 0 }, .first_seen = 1700000600 },
                { .verdict = { OBJECT_ORPHAN, 0, 0 }, .first_seen = 1700000700 },
        };
        json_t *j;
        IpcObject *o;

        assert_int_equal(
                policy_load_string("[Rule users]\nOwner=1000-60000\n", "test.conf", &p, NULL), 0);
        r.policy = p;
        r.info = info;
        o = object_table_append(&r.table);
        *o = (IpcObject){ .kind = IPC_KIND_SHM,
                          .id = 32769,
                          .key = (int32_t) 0xfffffffe,
                          .mode = 01640,
                          .uid = 1000,
                          .gid = 100,
                          .cuid = 1001,
                          .cgid = 101,
                          .size = 1048576,
                          .nattch = 0,
                          .atime = 1700000100,
                          .dtime = 1700000200,
                          .ctime = 1700000000 };
        o->pids = malloc(sizeof(pids));
        assert_non_null(o->pids);
        memcpy(o->pids, pids, sizeof(pids));
        o->n_pids = 2;
        o = object_table_append(&r.table);
        *o = (IpcObject){ .kind = IPC_KIND_SEM,
                          .id = 5,
                          .key = 0,
                          .mode = 0600,
                          .uid = 5,
                          .nsems = 8,
                          .otime = 1700000900,
                          .ctime = 1700000000 };
        o = object_table_append(&r.table);
        *o = (IpcObject){ .kind = IPC_KIND_MSG,
                          .id = 6,
                          .key = 0x1234,
                          .mode = 0666,
                          .uid = 1000,
                          .size = 32,
                          .messages = 2,
                          .ctime = 1700000000,
                          .stime = 1700000950 };

        j = object_to_json(&r, 0, 1700001000);
        assert_non_null(j);
        {
                const char *kind, *state_name, *rule, *comm, *cmdline, *unit, *ns;
                json_int_t id, key, mode, uid, gid, cuid, cgid, size, nattch, last, first, idle,
                        pid;
                json_t *all, *alive, *pending;
                json_error_t error;

                if (json_unpack_ex(j, &error, JSON_STRICT,
                                   "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, "
                                   "s:o, s:I, s:I, s:I, s:{s:I, s:s, s:s, s:s}, s:s, s:s, s:o}",
                                   "namespace", &ns, "kind", &kind, "id", &id, "key", &key, "mode",
                                   &mode, "ownerUid", &uid, "ownerGid", &gid, "creatorUid", &cuid,
                                   "creatorGid", &cgid, "size", &size, "nattch", &nattch, "pids",
                                   &all, "alivePids", &alive, "lastActivity", &last, "firstSeen",
                                   &first, "idleSec", &idle, "creator", "pid", &pid, "comm", &comm,
                                   "cmdline", &cmdline, "unit", &unit, "state", &state_name, "rule",
                                   &rule, "pending", &pending) < 0)
                        fail_msg("shm object: %s", error.text);
                assert_string_equal(kind, "shm");
                assert_string_equal(ns, "host");
                assert_int_equal(id, 32769);
                assert_int_equal(key, 0xfffffffe);
                assert_int_equal(mode, 0640); /* permission bits only */
                assert_int_equal(uid, 1000);
                assert_int_equal(gid, 100);
                assert_int_equal(cuid, 1001);
                assert_int_equal(cgid, 101);
                assert_int_equal(size, 1048576);
                assert_int_equal(nattch, 0);
                assert_int_equal(json_array_size(all), 2);
                assert_int_equal(json_integer_value(json_array_get(all, 0)), 100);
                assert_int_equal(json_integer_value(json_array_get(all, 1)), 200);
                assert_int_equal(json_array_size(alive), 1);
                assert_int_equal(json_integer_value(json_array_get(alive, 0)), 100);
                assert_int_equal(last, 1700000200);
                assert_int_equal(first, 1700000500);
                assert_int_equal(idle, 800);
                assert_int_equal(pid, 100);
                assert_string_equal(comm, "php-fpm");
                assert_string_equal(cmdline, "php-fpm: pool www");
                assert_string_equal(unit, "php-fpm.service");
                assert_string_equal(state_name, "idle");
                assert_string_equal(rule, "users");
                assert_int_equal(json_array_size(pending), 1);
                assert_string_equal(json_string_value(json_array_get(pending, 0)), "pid 100 alive");
        }
        json_decref(j);

        j = object_to_json(&r, 1, 1700001000);
        assert_non_null(j);
        assert_int_equal(json_integer_value(json_object_get(j, "nsems")), 8);
        assert_null(json_object_get(j, "nattch"));
        assert_null(json_object_get(j, "messages"));
        assert_null(json_object_get(j, "creator"));
        assert_true(json_is_null(json_object_get(j, "rule")));
        assert_string_equal(json_string_value(json_object_get(j, "state")), "unmatched");
        assert_int_equal(json_array_size(json_object_get(j, "pending")), 0);
        assert_int_equal(json_integer_value(json_object_get(j, "idleSec")), 100);
        assert_int_equal(json_integer_value(json_object_get(j, "key")), 0);
        json_decref(j);

        j = object_to_json(&r, 2, 1700001000);
        assert_non_null(j);
        assert_int_equal(json_integer_value(json_object_get(j, "messages")), 2);
        assert_int_equal(json_integer_value(json_object_get(j, "size")), 32);
        assert_int_equal(json_integer_value(json_object_get(j, "lastActivity")), 1700000950);
        assert_string_equal(json_string_value(json_object_get(j, "state")), "orphan");
        assert_string_equal(json_string_value(json_object_get(j, "rule")), "users");
        assert_int_equal(json_array_size(json_object_get(j, "pids")), 0);
        json_decref(j);

        object_table_done(&r.table);
}

#define state_test(f) cmocka_unit_test_setup_teardown(f, state_dir_setup, state_dir_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(observed_object_keeps_its_first_seen_across_passes),
                cmocka_unit_test(reused_id_with_another_identity_starts_a_new_record),
                cmocka_unit_test(same_id_of_another_kind_is_another_object),
                cmocka_unit_test(end_pass_forgets_exactly_the_objects_not_seen),
                cmocka_unit_test(forget_drops_one_record),
                cmocka_unit_test(history_keeps_the_newest_events_newest_first),
                cmocka_unit_test(history_of_size_zero_keeps_nothing_but_still_counts),
                cmocka_unit_test(shrinking_the_history_drops_the_oldest_and_growing_makes_room),
                cmocka_unit_test(counters_are_kept_per_kind_and_rule),
                cmocka_unit_test(history_event_keeps_what_was_recorded),
                state_test(state_survives_a_save_and_load),
                state_test(a_new_object_alone_does_not_make_a_save_due_but_a_removal_does),
                state_test(creator_without_cmdline_or_unit_survives_a_restart),
                state_test(loading_into_a_smaller_history_keeps_the_newest_events),
                state_test(missing_state_file_is_a_fresh_start),
                state_test(state_file_without_the_optional_fields_loads),
                state_test(corrupt_state_file_is_set_aside_and_the_tracker_starts_empty),
                state_test(save_into_a_missing_directory_fails_cleanly),
                state_test(save_into_a_read_only_directory_fails_and_keeps_the_old_file),
                state_test(save_that_cannot_replace_the_file_leaves_it_and_no_temporary),
                state_test(prepare_directory_creates_missing_parents),
                cmocka_unit_test(creator_json_round_trips),
                cmocka_unit_test(creator_json_round_trips_with_unknown_fields),
                cmocka_unit_test(creator_json_absent_or_null_is_an_unknown_creator),
                cmocka_unit_test(creator_json_with_null_members_reads_as_unknown_parts),
                cmocka_unit_test(creator_json_with_bad_values_is_rejected),
                cmocka_unit_test(removal_event_json_round_trips),
                cmocka_unit_test(removal_event_json_with_bad_values_is_rejected),
                cmocka_unit_test(keys_are_unsigned_32_bit_numbers_in_json),
                cmocka_unit_test(object_json_has_the_fields_of_the_spec),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
