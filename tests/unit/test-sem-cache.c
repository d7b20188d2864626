/* SPDX-License-Identifier: MIT */
/* Semaphore pids kept from the last pass: every change that matters makes the set be read
 * again (otime, ctime, a change in the very second of the last read, a new set under the old
 * id, a namespace gone or another in its inode), on fixtures of a last pass and of the sets
 * as the kernel shows them now. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"
#include "macro.h"
#include "sem-cache.h"

#define READ_AT 1700000100 /* when the last pass read the pids */

/* A set as the last pass left it: last changed well before its pids were read. */
static IpcObject set(int id, pid_t pid) {
        IpcObject o = {
                .kind = IPC_KIND_SEM,
                .id = id,
                .key = 0x1000 + id,
                .cuid = 1000,
                .nsems = 2,
                .ctime = READ_AT - 100,
                .otime = READ_AT - 10,
                .pids_read_at = READ_AT,
        };
        if (pid > 0)
                assert_int_equal(ipc_object_add_pid(&o, pid), 0);
        return o;
}

/* The same set as the kernel's table shows it now: no pids yet. */
static IpcObject as_read_now(const IpcObject *prev) {
        IpcObject o = *prev;
        o.pids = NULL;
        o.n_pids = 0;
        o.pids_read_at = 0;
        o.ns = NULL;
        return o;
}

static void a_set_unchanged_since_its_read_keeps_its_pids(void **state) {
        IpcObject prev = set(7, 4242), now = as_read_now(&prev);

        assert_true(sem_pids_still_valid(&prev, &now, READ_AT + 60));
        ipc_object_done(&prev);
}

static void each_change_that_matters_makes_it_read_again(void **state) {
        IpcObject prev = set(7, 4242);
        struct {
                const char *what;
                IpcObject now;
                int64_t time_now;
        } cases[] = {
                { "a semop since (otime moved)", as_read_now(&prev), READ_AT + 60 },
                { "an IPC_SET since (ctime moved)", as_read_now(&prev), READ_AT + 60 },
                { "a new set under the old id (another key)", as_read_now(&prev), READ_AT + 60 },
                { "a new set under the old id (another ctime)", as_read_now(&prev), READ_AT + 60 },
                { "a new set under the old id (another creator)", as_read_now(&prev),
                  READ_AT + 60 },
                { "another number of semaphores", as_read_now(&prev), READ_AT + 60 },
                { "another id", as_read_now(&prev), READ_AT + 60 },
                { "the clock stepped back before the read", as_read_now(&prev), READ_AT - 1 },
        };
        cases[0].now.otime = READ_AT + 5;
        cases[1].now.ctime = READ_AT + 5;
        cases[2].now.key = 0x9999;
        cases[3].now.ctime = READ_AT + 20;
        cases[4].now.cuid = 1001;
        cases[5].now.nsems = 3;
        cases[6].now.id = 32775;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                if (sem_pids_still_valid(&prev, &cases[i].now, cases[i].time_now))
                        print_error("kept its pids despite %s\n", cases[i].what);
                assert_false(sem_pids_still_valid(&prev, &cases[i].now, cases[i].time_now));
        }
        ipc_object_done(&prev);
}

static void a_change_in_the_second_of_the_read_is_read_again(void **state) {
        /* IPC times are whole seconds: a semop in the second of the read, before or after
         * the GETPID calls, looks the same. Until a pass reads it in a later second, the
         * set is read again every time. */
        IpcObject prev = set(7, 4242), now;

        prev.otime = READ_AT;
        now = as_read_now(&prev);
        assert_false(sem_pids_still_valid(&prev, &now, READ_AT + 60));
        prev.otime = READ_AT - 1;
        prev.ctime = READ_AT;
        now = as_read_now(&prev);
        assert_false(sem_pids_still_valid(&prev, &now, READ_AT + 60));
        /* One second earlier, both: the read saw the last change. */
        prev.ctime = READ_AT - 1;
        now = as_read_now(&prev);
        assert_true(sem_pids_still_valid(&prev, &now, READ_AT + 60));
        ipc_object_done(&prev);
}

static void pids_never_read_or_unreadable_are_never_kept(void **state) {
        IpcObject prev = set(7, 4242), now = as_read_now(&prev);

        prev.pids_read_at = 0;
        assert_false(sem_pids_still_valid(&prev, &now, READ_AT + 60));
        prev.pids_read_at = READ_AT;
        prev.sem_details_error = EACCES;
        assert_false(sem_pids_still_valid(&prev, &now, READ_AT + 60));
        ipc_object_done(&prev);
}

/* ---- the cache over a last pass ---- */

/* A last pass over two namespaces: the host's (a segment, sets 0 and 32769, a queue) and a
 * container's (set 0 with another pid). */
typedef struct Fixture {
        ScanResult previous;
        IpcNamespace *host, *container;
} Fixture;

static void fixture_init(Fixture *f) {
        IpcObject objects[] = {
                { .kind = IPC_KIND_SHM, .id = 0 }, set(0, 100), set(32769, 101),
                { .kind = IPC_KIND_MSG, .id = 0 }, set(0, 200),
        };

        *f = (Fixture){ 0 };
        f->host = ipc_namespace_new(4026531839, 0, IPC_NAMESPACE_HOST, true);
        f->container = ipc_namespace_new(4026532500, 1700000000000000, "docker-a.scope", false);
        assert_non_null(f->host);
        assert_non_null(f->container);
        for (size_t i = 0; i < ELEMENTSOF(objects); i++) {
                IpcObject *o = object_table_append(&f->previous.table);
                assert_non_null(o);
                *o = objects[i];
                o->ns = ipc_namespace_ref(i < 4 ? f->host : f->container);
        }
        f->previous.namespaces = calloc(2, sizeof(NamespaceResult));
        assert_non_null(f->previous.namespaces);
        f->previous.namespaces[0] =
                (NamespaceResult){ .ns = ipc_namespace_ref(f->host), .first = 0, .n = 4 };
        f->previous.namespaces[1] =
                (NamespaceResult){ .ns = ipc_namespace_ref(f->container), .first = 4, .n = 1 };
        f->previous.n_namespaces = 2;
}

static void fixture_done(Fixture *f) {
        scan_result_done(&f->previous);
        ipc_namespace_unref(f->host);
        ipc_namespace_unref(f->container);
}

/* What the reader gets for a set that looks like the last pass's object at index i. */
static bool reuse(SemCache *c, const Fixture *f, size_t i, IpcObject *ret) {
        *ret = as_read_now(&f->previous.table.objects[i]);
        return c->ops.reuse(ret, c->ops.userdata);
}

static void each_set_finds_its_own_namespaces_pids(void **state) {
        Fixture f;
        SemCache c;
        IpcObject o;

        fixture_init(&f);
        sem_cache_init(&c, &f.previous, f.host, READ_AT + 60);
        assert_true(reuse(&c, &f, 1, &o));
        assert_int_equal(o.n_pids, 1);
        assert_int_equal(o.pids[0].pid, 100);
        assert_int_equal(o.pids_read_at, READ_AT);
        ipc_object_done(&o);
        assert_true(reuse(&c, &f, 2, &o));
        assert_int_equal(o.pids[0].pid, 101);
        ipc_object_done(&o);
        assert_int_equal(c.kept, 2);
        sem_cache_done(&c);

        /* The container's set 0 is another set than the host's set 0. */
        sem_cache_init(&c, &f.previous, f.container, READ_AT + 60);
        assert_true(reuse(&c, &f, 4, &o));
        assert_int_equal(o.pids[0].pid, 200);
        ipc_object_done(&o);
        sem_cache_done(&c);
        fixture_done(&f);
}

static void sets_out_of_the_walks_order_are_found_too(void **state) {
        Fixture f;
        SemCache c;
        IpcObject o;

        fixture_init(&f);
        sem_cache_init(&c, &f.previous, f.host, READ_AT + 60);
        /* 32769 first, then 0: the cursor passes 0, the lookup finds it. */
        assert_true(reuse(&c, &f, 2, &o));
        ipc_object_done(&o);
        assert_true(reuse(&c, &f, 1, &o));
        assert_int_equal(o.pids[0].pid, 100);
        ipc_object_done(&o);
        /* A set the last pass did not see is read. */
        o = as_read_now(&f.previous.table.objects[1]);
        o.id = 65538;
        assert_false(c.ops.reuse(&o, c.ops.userdata));
        assert_int_equal(o.n_pids, 0);
        sem_cache_done(&c);
        fixture_done(&f);
}

static void a_namespace_gone_or_reused_keeps_nothing(void **state) {
        Fixture f;
        SemCache c;
        IpcObject o;
        /* Another namespace took the container's inode: same inode and name, a later
         * oldest process. */
        IpcNamespace *reused =
                ipc_namespace_new(4026532500, 1700000050000000, "docker-a.scope", false);

        fixture_init(&f);
        sem_cache_init(&c, &f.previous, reused, READ_AT + 60);
        assert_false(reuse(&c, &f, 4, &o));
        assert_int_equal(o.n_pids, 0);
        assert_int_equal(c.kept, 0);
        sem_cache_done(&c);
        /* No last pass at all (a full read). */
        sem_cache_init(&c, NULL, f.host, READ_AT + 60);
        assert_false(reuse(&c, &f, 1, &o));
        sem_cache_done(&c);
        ipc_namespace_unref(reused);
        fixture_done(&f);
}

int main(void) {
#define TEST(f) cmocka_unit_test(f)
        const struct CMUnitTest tests[] = {
                TEST(a_set_unchanged_since_its_read_keeps_its_pids),
                TEST(each_change_that_matters_makes_it_read_again),
                TEST(a_change_in_the_second_of_the_read_is_read_again),
                TEST(pids_never_read_or_unreadable_are_never_kept),
                TEST(each_set_finds_its_own_namespaces_pids),
                TEST(sets_out_of_the_walks_order_are_found_too),
                TEST(a_namespace_gone_or_reused_keeps_nothing),
        };
#undef TEST

        log_set_level(LOG_ERR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
