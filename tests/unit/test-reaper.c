/* SPDX-License-Identifier: MIT */
/* Tests the re-check before removal through a fake kernel: every way an object can change
 * between the pass and its removal keeps it (with its mode given back), the fence's own ctime
 * change is not one of them, one grace period covers a batch, and a restart after a crash
 * gives fenced objects their mode back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "macro.h"
#include "policy.h"
#include "reaper.h"
#include "removal-log.h"
#include "strv.h"

#define T0  INT64_C(1700000000)
#define NOW (T0 + 86400)

typedef struct FakeObject {
        IpcObject o; /* pids[] points into pid_storage */
        pid_t pid_storage[4];
        bool exists;
} FakeObject;

typedef struct Fake {
        FakeObject objects[8];
        size_t n;
        int64_t clock; /* the ctime an IPC_SET stamps */
        int set_mode_error, unfence_error, grace_error, remove_error;
        /* Runs inside grace_period: what another process does while the batch is fenced. */
        void (*meanwhile)(struct Fake *f);
        /* Runs inside copy: what another process (or the copy itself) does to the object. */
        void (*during_copy)(struct Fake *f, FakeObject *fo);
        pid_t alive_pids[4];
        bool owner_runs;
        char calls[512];
} Fake;

static void note(Fake *f, const char *what, int id) {
        size_t l = strlen(f->calls);
        snprintf(f->calls + l, sizeof(f->calls) - l, "%s%s %d", l ? ", " : "", what, id);
}

static FakeObject *find(Fake *f, IpcKind kind, int id) {
        for (size_t i = 0; i < f->n; i++)
                if (f->objects[i].exists && f->objects[i].o.kind == kind &&
                    f->objects[i].o.id == id)
                        return &f->objects[i];
        return NULL;
}

static int fake_stat(const IpcObject *seen, IpcObject *ret, void *userdata) {
        Fake *f = userdata;
        FakeObject *fo = find(f, seen->kind, seen->id);
        IpcObject o;

        note(f, "stat", seen->id);
        if (!fo)
                return -EINVAL;
        o = fo->o;
        o.pids = NULL;
        o.n_pids = 0;
        for (size_t i = 0; i < ELEMENTSOF(fo->pid_storage); i++)
                assert_int_equal(ipc_object_add_pid(&o, fo->pid_storage[i]), 0);
        *ret = o;
        return 0;
}

static int fake_set_mode(const IpcObject *o, int64_t expect_ctime, uint32_t expect_mode,
                         uint32_t mode, int64_t *ret_ctime, void *userdata) {
        Fake *f = userdata;
        FakeObject *fo = find(f, o->kind, o->id);

        note(f, mode == 0 ? "fence" : "unfence", o->id);
        if (!fo)
                return -EINVAL;
        if (f->set_mode_error)
                return -f->set_mode_error;
        if (mode != 0 && f->unfence_error)
                return -f->unfence_error;
        if (fo->o.key != o->key || fo->o.cuid != o->cuid ||
            (expect_ctime >= 0 && fo->o.ctime != expect_ctime) ||
            (fo->o.mode & 0777) != expect_mode)
                return -ESTALE;
        fo->o.mode = (fo->o.mode & ~0777u) | mode;
        fo->o.ctime = ++f->clock;
        *ret_ctime = fo->o.ctime;
        return 0;
}

static int fake_grace_period(void *userdata) {
        Fake *f = userdata;

        note(f, "grace", 0);
        if (f->grace_error)
                return -f->grace_error;
        if (f->meanwhile)
                f->meanwhile(f);
        return 0;
}

static int fake_remove(const IpcObject *o, void *userdata) {
        Fake *f = userdata;
        FakeObject *fo = find(f, o->kind, o->id);

        note(f, "remove", o->id);
        if (!fo)
                return -EIDRM;
        if (f->remove_error)
                return -f->remove_error;
        fo->exists = false;
        return 0;
}

static int fake_copy(const IpcObject *o, int fd, json_t *meta, uint64_t *ret_bytes,
                     void *userdata) {
        Fake *f = userdata;
        FakeObject *fo = find(f, o->kind, o->id);

        note(f, "copy", o->id);
        if (!fo)
                return -EINVAL;
        if (f->during_copy)
                f->during_copy(f, fo);
        assert_int_equal(write(fd, "contents", 8), 8);
        json_object_set_new(meta, "kind", json_string(ipc_kind_to_string(o->kind)));
        *ret_bytes = 8;
        return 0;
}

static int fake_begin_recheck(unsigned kinds, void *userdata) {
        return 0;
}

static bool fake_pid_alive(pid_t pid, int64_t last_activity, void *userdata) {
        Fake *f = userdata;
        for (size_t i = 0; i < ELEMENTSOF(f->alive_pids); i++)
                if (f->alive_pids[i] == pid)
                        return true;
        return false;
}

static int fake_owner_has_processes(uint32_t uid, void *userdata) {
        return ((Fake *) userdata)->owner_runs;
}

static ReaperKernel fake_ops(Fake *f) {
        return (ReaperKernel){
                .stat = fake_stat,
                .set_mode = fake_set_mode,
                .grace_period = fake_grace_period,
                .remove = fake_remove,
                .begin_recheck = fake_begin_recheck,
                .pid_alive = fake_pid_alive,
                .owner_has_processes = fake_owner_has_processes,
                .copy = fake_copy,
                .userdata = f,
        };
}

/* An idle segment, last used by pid 4242 (dead), made at T0. */
static FakeObject *add_shm(Fake *f, int id) {
        FakeObject *fo = &f->objects[f->n++];

        *fo = (FakeObject){
                .o = { .kind = IPC_KIND_SHM,
                       .id = id,
                       .key = 0x5000 + id,
                       .mode = 0640,
                       .uid = 1000,
                       .gid = 1000,
                       .cuid = 1000,
                       .cgid = 1000,
                       .size = 4096,
                       .ctime = T0,
                       .atime = T0 + 1,
                       .dtime = T0 + 2,
                       .cpid = 4242,
                       .lpid = 4242 },
                .pid_storage = { 4242 },
                .exists = true,
        };
        f->clock = MAX(f->clock, T0 + 100);
        return fo;
}

static FakeObject *add_sem(Fake *f, int id) {
        FakeObject *fo = &f->objects[f->n++];

        *fo = (FakeObject){
                .o = { .kind = IPC_KIND_SEM,
                       .id = id,
                       .key = 0x6000 + id,
                       .mode = 0600,
                       .uid = 1000,
                       .gid = 1000,
                       .cuid = 1000,
                       .cgid = 1000,
                       .nsems = 2,
                       .ctime = T0,
                       .otime = T0 + 5 },
                .exists = true,
        };
        f->clock = MAX(f->clock, T0 + 100);
        return fo;
}

typedef struct Run {
        Fake fake;
        Policy *policy;
        IpcObject seen[8];
        ReapCandidate c[8];
        size_t n;
} Run;

static int run_setup(void **state) {
        Run *r = calloc(1, sizeof(Run));
        _cleanup_strv_free_ char **errors = NULL;

        if (!r ||
            policy_load_string("[Rule r]\nMinIdleSec=1h\n", "test.conf", &r->policy, &errors) < 0)
                return -1;
        *state = r;
        return 0;
}

static int run_teardown(void **state) {
        Run *r = *state;
        for (size_t i = 0; i < r->n; i++)
                ipc_object_done(&r->seen[i]);
        policy_free(r->policy);
        free(r);
        return 0;
}

/* The pass's view of every fake object, then the batch. */
static void reap_all(Run *r) {
        ReaperKernel k = fake_ops(&r->fake);

        r->n = r->fake.n;
        for (size_t i = 0; i < r->n; i++) {
                assert_int_equal(fake_stat(&r->fake.objects[i].o, &r->seen[i], &r->fake), 0);
                for (size_t j = 0; j < r->seen[i].n_pids; j++)
                        r->seen[i].pids[j].alive = false;
                r->c[i] = (ReapCandidate){ .seen = &r->seen[i], .rule = 0 };
        }
        r->fake.calls[0] = 0;
        reaper_remove_batch(&k, r->policy, NOW, r->c, r->n, NULL, NULL, NULL);
}

static void assert_kept_with_mode(Run *r, size_t i, ReapOutcome outcome, uint32_t mode) {
        if (r->c[i].outcome != outcome)
                print_error("object %zu: %s (%s), expected %s; calls: %s\n", i,
                            reap_outcome_to_string(r->c[i].outcome), strempty(r->c[i].detail),
                            reap_outcome_to_string(outcome), r->fake.calls);
        assert_int_equal(r->c[i].outcome, outcome);
        assert_true(r->fake.objects[i].exists);
        assert_int_equal(r->fake.objects[i].o.mode & 0777, mode);
        assert_false(r->c[i].fenced);
}

static void idle_orphans_are_fenced_then_removed_after_one_grace_period(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        add_sem(&r->fake, 2);
        reap_all(r);
        assert_int_equal(r->c[0].outcome, REAP_REMOVED);
        assert_int_equal(r->c[1].outcome, REAP_REMOVED);
        assert_false(r->fake.objects[0].exists);
        assert_false(r->fake.objects[1].exists);
        /* Both fenced, then one grace period, then each re-read and removed: the fence's own
         * ctime change is not a change. */
        assert_string_equal(r->fake.calls,
                            "fence 1, fence 2, grace 0, stat 1, remove 1, stat 2, remove 2");
}

static void object_changed_before_the_fence_is_not_touched(void **state) {
        Run *r = *state;
        ReaperKernel k = fake_ops(&r->fake);

        add_shm(&r->fake, 1);
        r->n = 1;
        assert_int_equal(fake_stat(&r->fake.objects[0].o, &r->seen[0], &r->fake), 0);
        r->seen[0].pids[0].alive = false;
        r->c[0] = (ReapCandidate){ .seen = &r->seen[0] };
        /* Its owner changed it with IPC_SET after the pass read it. */
        r->fake.objects[0].o.ctime = T0 + 50;
        reaper_remove_batch(&k, r->policy, NOW, r->c, 1, NULL, NULL, NULL);
        assert_kept_with_mode(r, 0, REAP_CHANGED, 0640);
        assert_null(strstr(r->fake.calls, "grace"));
}

static void object_gone_before_the_fence_is_gone(void **state) {
        Run *r = *state;
        ReaperKernel k = fake_ops(&r->fake);

        add_shm(&r->fake, 1);
        assert_int_equal(fake_stat(&r->fake.objects[0].o, &r->seen[0], &r->fake), 0);
        r->n = 1;
        r->c[0] = (ReapCandidate){ .seen = &r->seen[0] };
        r->fake.objects[0].exists = false;
        reaper_remove_batch(&k, r->policy, NOW, r->c, 1, NULL, NULL, NULL);
        assert_int_equal(r->c[0].outcome, REAP_GONE);
}

static void fence_that_fails_keeps_the_object(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        r->fake.set_mode_error = EPERM;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_FAILED, 0640);
        assert_int_equal(r->c[0].error, EPERM);
}

static void no_grace_period_keeps_every_object_and_gives_modes_back(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        add_shm(&r->fake, 2);
        r->fake.grace_error = EINVAL;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_FAILED, 0640);
        assert_kept_with_mode(r, 1, REAP_FAILED, 0640);
        assert_null(strstr(r->fake.calls, "remove"));
}

static void attach_that_passed_the_check_before_the_fence(Fake *f) {
        f->objects[0].o.nattch = 1;
}

static void attach_during_the_fence_keeps_the_object(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        add_shm(&r->fake, 2);
        r->fake.meanwhile = attach_that_passed_the_check_before_the_fence;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_IN_USE, 0640);
        /* The rest of the batch is not held back by it. */
        assert_int_equal(r->c[1].outcome, REAP_REMOVED);
}

static void attach_and_detach(Fake *f) {
        f->objects[0].o.atime = T0 + 90;
        f->objects[0].o.dtime = T0 + 91;
}

static void attach_and_detach_during_the_fence_keeps_the_object(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        r->fake.meanwhile = attach_and_detach;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_CHANGED, 0640);
}

static void owner_sets_a_mode(Fake *f) {
        f->objects[0].o.mode = 0644;
        f->objects[0].o.ctime = ++f->clock;
}

static void mode_set_by_the_owner_after_the_fence_is_left_alone(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        r->fake.meanwhile = owner_sets_a_mode;
        reap_all(r);
        /* Kept, and the owner's mode stays: the daemon gives back only its own fence. */
        assert_kept_with_mode(r, 0, REAP_CHANGED, 0644);
        assert_null(strstr(r->fake.calls, "unfence"));
}

static void write_through_an_old_descriptor(Fake *f) {
        /* A POSIX file written, or a queue sent to, through a descriptor opened before the
         * fence: its ctime moves, its mode stays the daemon's 0000. */
        f->objects[0].o.ctime = ++f->clock;
}

static void use_that_moves_the_ctime_after_the_fence_gives_the_mode_back(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        r->fake.meanwhile = write_through_an_old_descriptor;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_CHANGED, 0640);
}

static void mode_that_cannot_be_given_back_leaves_the_candidate_fenced(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        r->fake.meanwhile = attach_that_passed_the_check_before_the_fence;
        r->fake.unfence_error = ENOMEM;
        reap_all(r);
        /* Reported, and left to the next pass's recovery (the intent stays unsettled). */
        assert_int_equal(r->c[0].outcome, REAP_FAILED);
        assert_true(r->c[0].fenced);
        assert_int_equal(r->fake.objects[0].o.mode & 0777, 0);
}

static void id_reused(Fake *f) {
        f->objects[0].o.key = 0x7777;
        f->objects[0].o.mode = 0600;
}

static void id_that_names_another_object_is_not_touched(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        r->fake.meanwhile = id_reused;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_CHANGED, 0600);
        assert_null(strstr(r->fake.calls, "remove"));
        assert_null(strstr(r->fake.calls, "unfence"));
}

static void new_semop_pid(Fake *f) {
        f->objects[0].pid_storage[1] = 777;
}

static void pid_that_changed_since_the_pass_keeps_the_object(void **state) {
        Run *r = *state;

        add_sem(&r->fake, 1);
        r->fake.objects[0].pid_storage[0] = 4242;
        r->fake.meanwhile = new_semop_pid;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_CHANGED, 0600);
}

static void recorded_pid_alive_at_the_recheck_keeps_the_object(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        /* Dead when the pass judged it; the fresh look at the processes says alive. */
        r->fake.alive_pids[0] = 4242;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_IN_USE, 0640);
}

static void semop_waiter(Fake *f) {
        f->objects[0].o.sem_waiters = 1;
}

static void waiter_that_appears_during_the_fence_keeps_the_set(void **state) {
        Run *r = *state;

        add_sem(&r->fake, 1);
        r->fake.objects[0].pid_storage[0] = 4242;
        r->fake.meanwhile = semop_waiter;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_IN_USE, 0600);
}

static void owner_starts(Fake *f) {
        f->owner_runs = true;
}

static void pidless_set_whose_owner_now_runs_a_process_is_kept(void **state) {
        Run *r = *state;

        add_sem(&r->fake, 1);
        r->fake.meanwhile = owner_starts;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_IN_USE, 0600);
}

static void removal_that_fails_gives_the_mode_back(void **state) {
        Run *r = *state;

        add_shm(&r->fake, 1);
        r->fake.remove_error = EPERM;
        reap_all(r);
        assert_kept_with_mode(r, 0, REAP_FAILED, 0640);
}

static void young_object_at_the_recheck_is_kept(void **state) {
        Run *r = *state;
        ReaperKernel k = fake_ops(&r->fake);

        add_shm(&r->fake, 1);
        assert_int_equal(fake_stat(&r->fake.objects[0].o, &r->seen[0], &r->fake), 0);
        r->seen[0].pids[0].alive = false;
        r->n = 1;
        r->c[0] = (ReapCandidate){ .seen = &r->seen[0] };
        /* The rule needs 1h idle; judged at T0 + 10min it is not an orphan. */
        reaper_remove_batch(&k, r->policy, T0 + 600, r->c, 1, NULL, NULL, NULL);
        assert_kept_with_mode(r, 0, REAP_CHANGED, 0640);
}

/* ---- after a crash ---- */

static void restart_gives_fenced_objects_their_mode_back_and_counts_removed_ones(void **state) {
        Run *r = *state;
        ReaperKernel k = fake_ops(&r->fake);
        char dir[] = "/tmp/ipcreap-test-reaper-XXXXXX", path[128];
        RemovalIntent in[4];
        Tracker t;

        assert_non_null(mkdtemp(dir));
        add_shm(&r->fake, 1)->o.mode = 0;     /* fenced when the daemon died */
        add_shm(&r->fake, 2);                 /* not fenced yet */
        add_shm(&r->fake, 3)->exists = false; /* fenced, removed, outcome not written */
        add_shm(&r->fake, 4)->exists = false; /* never fenced: its owner removed it */

        tracker_init(&t, 10);
        assert_int_equal(tracker_load(&t, dir), 0);
        for (int i = 0; i < 4; i++)
                in[i] = (RemovalIntent){
                        .kind = IPC_KIND_SHM,
                        .id = i + 1,
                        .key = 0x5001 + i,
                        .cuid = 1000,
                        .ctime = T0,
                        .mode = 0640,
                        .event = { .kind = IPC_KIND_SHM, .id = i + 1, .rule = strdup("r") }
                };
        assert_int_equal(removal_log_write_intents(t.removal_log, in, 4), 0);
        /* The daemon marked 1 and 3 fenced, then stopped. */
        RemovalIntent marks[] = { { .seq = in[0].seq }, { .seq = in[2].seq } };
        RemovalOutcome fenced[] = { REMOVAL_OUTCOME_FENCED, REMOVAL_OUTCOME_FENCED };
        assert_int_equal(removal_log_write_outcomes(t.removal_log, marks, fenced, 2), 0);
        for (int i = 0; i < 4; i++)
                removal_intent_done(&in[i]);
        tracker_done(&t);

        tracker_init(&t, 10);
        assert_int_equal(tracker_load(&t, dir), 0);
        assert_int_equal(t.removal_log->n_unfinished, 4);
        assert_int_equal(reaper_recover(&k, &t, NULL, NULL, NULL), 0);
        assert_int_equal(r->fake.objects[0].o.mode & 0777, 0640);
        assert_int_equal(r->fake.objects[1].o.mode & 0777, 0640);
        /* Only 3, fenced and gone, was the daemon's removal; 4 went some other way. */
        assert_int_equal(t.n_history, 1);
        assert_int_equal(tracker_history_get(&t, 0)->id, 3);
        assert_int_equal(t.removal_log->n_unfinished, 0);
        assert_int_equal(tracker_save(&t, dir), 0);
        tracker_done(&t);

        /* Settled once: the next start finds nothing more to do or count. */
        tracker_init(&t, 10);
        assert_int_equal(tracker_load(&t, dir), 1);
        assert_int_equal(t.removal_log->n_unfinished, 0);
        assert_int_equal(t.n_history, 1);
        tracker_done(&t);

        snprintf(path, sizeof(path), "%s/" REMOVAL_LOG_FILE, dir);
        (void) unlink(path);
        snprintf(path, sizeof(path), "%s/" TRACKER_STATE_FILE, dir);
        (void) unlink(path);
        assert_int_equal(rmdir(dir), 0);
}

/* ---- the quarantine: copy, commit, second re-check ---- */

static void quarantine_all(Run *r, QuarantineStore *store) {
        ReaperKernel k = fake_ops(&r->fake);

        r->n = r->fake.n;
        for (size_t i = 0; i < r->n; i++) {
                QuarantineWriter *w = NULL;
                assert_int_equal(fake_stat(&r->fake.objects[i].o, &r->seen[i], &r->fake), 0);
                for (size_t j = 0; j < r->seen[i].n_pids; j++)
                        r->seen[i].pids[j].alive = false;
                assert_int_equal(quarantine_store_begin(store, 64, &w), 0);
                r->c[i] = (ReapCandidate){ .seen = &r->seen[i], .rule = 0, .writer = w };
        }
        r->fake.calls[0] = 0;
        reaper_remove_batch(&k, r->policy, NOW, r->c, r->n, NULL, NULL, store);
}

static QuarantineStore *temporary_store(char *dir) {
        QuarantineStore *s = NULL;
        strcpy(dir, "/tmp/test-reaper-XXXXXX");
        assert_non_null(mkdtemp(dir));
        assert_int_equal(quarantine_store_open(dir, 1 << 20, 0, &s), 0);
        return s;
}

static void remove_store(QuarantineStore *s, const char *dir) {
        char cmd[128];
        quarantine_store_free(s);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

static size_t store_entries(QuarantineStore *s) {
        size_t n = 0;
        quarantine_store_usage(s, &n, NULL);
        return n;
}

static void a_quarantined_segment_goes_only_after_its_copy_is_committed(void **state) {
        Run *r = *state;
        char dir[64];
        QuarantineStore *s = temporary_store(dir);

        add_shm(&r->fake, 1);
        quarantine_all(r, s);
        assert_int_equal(r->c[0].outcome, REAP_REMOVED);
        assert_true(quarantine_id_is_valid(r->c[0].quarantine_id));
        assert_int_equal(quarantine_store_get(s, r->c[0].quarantine_id, NULL), 0);
        assert_string_equal(r->fake.calls, "fence 1, grace 0, stat 1, copy 1, stat 1, remove 1");
        remove_store(s, dir);
}

/* The copy's own attach and detach: nattch back to 0, lpid the daemon's, new times. */
static void the_daemon_attaches(Fake *f, FakeObject *fo) {
        fo->o.lpid = getpid();
        fo->o.atime = fo->o.dtime = NOW;
}

static void the_copy_own_attach_is_not_a_change(void **state) {
        Run *r = *state;
        char dir[64];
        QuarantineStore *s = temporary_store(dir);

        add_shm(&r->fake, 1);
        r->fake.during_copy = the_daemon_attaches;
        quarantine_all(r, s);
        assert_int_equal(r->c[0].outcome, REAP_REMOVED);
        assert_int_equal(store_entries(s), 1);
        remove_store(s, dir);
}

static void another_attaches_and_stays(Fake *f, FakeObject *fo) {
        fo->o.nattch = 1;
        fo->o.lpid = 777;
        fo->pid_storage[1] = 777;
}

static void another_attaches_and_leaves(Fake *f, FakeObject *fo) {
        fo->o.lpid = 778;
        fo->pid_storage[1] = 778;
        fo->o.atime = fo->o.dtime = NOW;
}

static void an_attach_during_the_copy_keeps_it_and_drops_the_copy(void **state) {
        void (*attaches[])(Fake *, FakeObject *) = { another_attaches_and_stays,
                                                     another_attaches_and_leaves };

        for (size_t i = 0; i < ELEMENTSOF(attaches); i++) {
                Run *r = calloc(1, sizeof(Run));
                _cleanup_strv_free_ char **errors = NULL;
                char dir[64];
                QuarantineStore *s = temporary_store(dir);

                assert_int_equal(policy_load_string("[Rule r]\nMinIdleSec=1h\n", "test.conf",
                                                    &r->policy, &errors),
                                 0);
                add_shm(&r->fake, 1);
                r->fake.during_copy = attaches[i];
                quarantine_all(r, s);
                assert_true(r->c[0].outcome == REAP_IN_USE || r->c[0].outcome == REAP_CHANGED);
                assert_false(r->c[0].fenced);
                assert_int_equal(r->fake.objects[0].o.mode & 0777, 0640);
                assert_true(r->fake.objects[0].exists);
                assert_int_equal(store_entries(s), 0);
                assert_null(strstr(r->fake.calls, "remove"));
                remove_store(s, dir);
                run_teardown((void **) &r);
        }
}

static void a_semop_during_the_copy_keeps_the_set(void **state) {
        Run *r = *state;
        char dir[64];
        QuarantineStore *s = temporary_store(dir);

        add_sem(&r->fake, 2);
        r->fake.during_copy = another_attaches_and_leaves; /* a pid and a time moved */
        r->fake.objects[0].o.otime = T0 + 5;
        quarantine_all(r, s);
        /* For a set, pids are per-semaphore: the new one keeps it. */
        assert_int_not_equal(r->c[0].outcome, REAP_REMOVED);
        assert_int_equal(store_entries(s), 0);
        assert_true(r->fake.objects[0].exists);
        remove_store(s, dir);
}

static void changed_since_copy_ignores_only_the_daemon(void **state) {
        IpcObject before = { .kind = IPC_KIND_SHM,
                             .id = 1,
                             .key = 5,
                             .cuid = 1,
                             .ctime = 50,
                             .cpid = 10,
                             .lpid = 11,
                             .atime = 20,
                             .dtime = 21,
                             .size = 4096 };
        IpcObject after = before;

        assert_null(reaper_changed_since_copy(&before, &after, 50, 99));
        after.lpid = 99;
        after.atime = after.dtime = 60;
        assert_null(reaper_changed_since_copy(&before, &after, 50, 99));
        after.lpid = 12;
        assert_non_null(reaper_changed_since_copy(&before, &after, 50, 99));
        after = before;
        after.nattch = 1;
        assert_non_null(reaper_changed_since_copy(&before, &after, 50, 99));
        after = before;
        after.ctime = 51;
        assert_non_null(reaper_changed_since_copy(&before, &after, 50, 99));
        after = before;
        after.mode = 0600;
        assert_non_null(reaper_changed_since_copy(&before, &after, 50, 99));
        after = before;
        after.key = 6;
        assert_non_null(reaper_changed_since_copy(&before, &after, 50, 99));
}

int main(void) {
#define reap_test(f) cmocka_unit_test_setup_teardown(f, run_setup, run_teardown)
        const struct CMUnitTest tests[] = {
                reap_test(idle_orphans_are_fenced_then_removed_after_one_grace_period),
                reap_test(object_changed_before_the_fence_is_not_touched),
                reap_test(object_gone_before_the_fence_is_gone),
                reap_test(fence_that_fails_keeps_the_object),
                reap_test(no_grace_period_keeps_every_object_and_gives_modes_back),
                reap_test(attach_during_the_fence_keeps_the_object),
                reap_test(attach_and_detach_during_the_fence_keeps_the_object),
                reap_test(mode_set_by_the_owner_after_the_fence_is_left_alone),
                reap_test(id_that_names_another_object_is_not_touched),
                reap_test(use_that_moves_the_ctime_after_the_fence_gives_the_mode_back),
                reap_test(mode_that_cannot_be_given_back_leaves_the_candidate_fenced),
                reap_test(pid_that_changed_since_the_pass_keeps_the_object),
                reap_test(recorded_pid_alive_at_the_recheck_keeps_the_object),
                reap_test(waiter_that_appears_during_the_fence_keeps_the_set),
                reap_test(pidless_set_whose_owner_now_runs_a_process_is_kept),
                reap_test(removal_that_fails_gives_the_mode_back),
                reap_test(young_object_at_the_recheck_is_kept),
                reap_test(restart_gives_fenced_objects_their_mode_back_and_counts_removed_ones),
                reap_test(a_quarantined_segment_goes_only_after_its_copy_is_committed),
                reap_test(the_copy_own_attach_is_not_a_change),
                reap_test(an_attach_during_the_copy_keeps_it_and_drops_the_copy),
                reap_test(a_semop_during_the_copy_keeps_the_set),
                cmocka_unit_test(changed_since_copy_ignores_only_the_daemon),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
