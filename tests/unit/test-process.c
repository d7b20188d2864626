/* SPDX-License-Identifier: MIT */
/* Tests process liveness: the /proc parsers, the pid-reuse guard, owners' processes and
 * creator attribution, against the fixture procfs in tests/fixtures/procfs/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <time.h>

#include "macro.h"
#include "process.h"

#define PROCFS "tests/fixtures/procfs"
/* The same layout, with no process that cannot be read. */
#define PROCFS_COMPLETE "tests/fixtures/procfs/complete"
#define FIXTURE_BTIME   INT64_C(1700000000)

/* Fields 4 to 21 of a real /proc/PID/stat line, after "PID (COMM) STATE". */
#define STAT_FIELDS_4_TO_21 " 1 100 100 0 -1 4194560 1021 0 0 0 12 5 0 0 20 0 1 0"
/* Field 23 onwards. */
#define STAT_FIELDS_AFTER_22                                                                      \
        " 12963840 852 18446744073709551615 94570464251904 94570464271785 140730256720448 0 0 0 " \
        "0 4096 0 0 0 0 17 1 0 0 0 0 0 94570464287792 94570464289408 94570557972480 "             \
        "140730256722372 140730256722392 140730256722392 140730256723947 0\n"

/* The fixture's starttime fields are clock ticks since boot. */
static int64_t fixture_start(uint64_t ticks) {
        return FIXTURE_BTIME + (int64_t) (ticks / (uint64_t) sysconf(_SC_CLK_TCK));
}

/* ---- parsers ---- */

static void btime_is_found_on_its_own_line(void **state) {
        static const struct {
                const char *text;
                int r;
                int64_t btime;
        } cases[] = {
                { "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n", 0, 1700000000 },
                { "btime 42\n", 0, 42 },
                { "cpu 1\nbtime 1795879811", 0, 1795879811 }, /* no final newline */
                { "cpu 1\nprocesses 5\n", -ENODATA, 0 },
                { "", -ENODATA, 0 },
                { "cpu 1 btime 5\n", -ENODATA, 0 }, /* only at the start of a line */
                { "xbtime 5\n", -ENODATA, 0 },
                { "btime \n", -EBADMSG, 0 },
                { "btime abc\n", -EBADMSG, 0 },
                { "btime 0\n", -EBADMSG, 0 },
                { "btime -5\n", -EBADMSG, 0 },
                { "btime 12 34\n", -EBADMSG, 0 },
                { "btime 99999999999999999999999\n", -EBADMSG, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int64_t btime = -1;
                int r = proc_parse_btime(cases[i].text, &btime);
                if (r != cases[i].r)
                        print_error("case %zu \"%s\": got %d\n", i, cases[i].text, r);
                assert_int_equal(r, cases[i].r);
                assert_int_equal(btime, r == 0 ? cases[i].btime : -1);
        }
}

static void pid_stat_comm_may_hold_spaces_and_parentheses(void **state) {
        static const char line[] =
                "100 ((a) (b)) S" STAT_FIELDS_4_TO_21 " 100000" STAT_FIELDS_AFTER_22;
        char comm[16] = "untouched", st = 0;
        uint64_t ticks = 0;

        assert_int_equal(proc_parse_pid_stat(line, &st, &ticks, comm), 0);
        assert_string_equal(comm, "(a) (b)");
        assert_int_equal(st, 'S');
        assert_int_equal(ticks, 100000);
}

static void pid_stat_comm_that_looks_like_fields_does_not_shift_them(void **state) {
        /* A program may name itself "x) R 1 2 3": the comm ends at the last ')'. */
        static const char line[] =
                "5 (x) R 1 2 3) Z" STAT_FIELDS_4_TO_21 " 777" STAT_FIELDS_AFTER_22;
        char comm[16], st = 0;
        uint64_t ticks = 0;

        assert_int_equal(proc_parse_pid_stat(line, &st, &ticks, comm), 0);
        assert_string_equal(comm, "x) R 1 2 3");
        assert_int_equal(st, 'Z');
        assert_int_equal(ticks, 777);
}

static void pid_stat_comm_is_cut_to_fifteen_characters(void **state) {
        static const char line[] = "5 (abcdefghijklmnopqrstuvwxyz) I" STAT_FIELDS_4_TO_21 " 9\n";
        char comm[16], st = 0;
        uint64_t ticks = 0;

        assert_int_equal(proc_parse_pid_stat(line, &st, &ticks, comm), 0);
        assert_string_equal(comm, "abcdefghijklmno");
        assert_int_equal(st, 'I');
        assert_int_equal(ticks, 9);
        /* The comm is optional. */
        assert_int_equal(proc_parse_pid_stat(line, &st, &ticks, NULL), 0);
        assert_int_equal(ticks, 9);
}

static void pid_stat_starttime_ends_at_a_blank_or_the_end(void **state) {
        static const char *const lines[] = {
                "1 (init) S" STAT_FIELDS_4_TO_21 " 123",
                "1 (init) S" STAT_FIELDS_4_TO_21 " 123\n",
                "1 (init) S" STAT_FIELDS_4_TO_21 " 123" STAT_FIELDS_AFTER_22,
        };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                char st = 0;
                uint64_t ticks = 0;
                assert_int_equal(proc_parse_pid_stat(lines[i], &st, &ticks, NULL), 0);
                assert_int_equal(ticks, 123);
                assert_int_equal(st, 'S');
        }
}

static void malformed_pid_stat_is_rejected(void **state) {
        static const char *const lines[] = {
                "",
                "this is not a stat line\n",
                "100 (unclosed S" STAT_FIELDS_4_TO_21 " 5\n",
                "100 unopened) S" STAT_FIELDS_4_TO_21 " 5\n",
                "100 (x)S" STAT_FIELDS_4_TO_21 " 5\n",    /* no blank after the comm */
                "100 (x) " STAT_FIELDS_4_TO_21 " 5\n",    /* no state */
                "100 (x) 7" STAT_FIELDS_4_TO_21 " 5\n",   /* a state is a letter */
                "100 (x) S\n",                            /* cut short */
                "100 (x) S" STAT_FIELDS_4_TO_21 "\n",     /* no starttime */
                "100 (x) S" STAT_FIELDS_4_TO_21,          /* no starttime, no newline */
                "100 (x) S" STAT_FIELDS_4_TO_21 " abc\n", /* starttime not a number */
                "100 (x) S" STAT_FIELDS_4_TO_21 " 12x\n", /* trailing junk */
                "100 (x) S" STAT_FIELDS_4_TO_21 " 99999999999999999999999\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                char comm[16] = "untouched", st = '?';
                uint64_t ticks = 4242;
                int r = proc_parse_pid_stat(lines[i], &st, &ticks, comm);
                if (r != -EBADMSG)
                        print_error("line %zu \"%s\" gave %d, ticks %" PRIu64 "\n", i, lines[i], r,
                                    ticks);
                assert_int_equal(r, -EBADMSG);
                /* Output parameters are untouched on failure. */
                assert_int_equal(st, '?');
                assert_int_equal(ticks, 4242);
                assert_string_equal(comm, "untouched");
        }
}

static void negative_starttime_is_malformed_not_a_huge_start(void **state) {
        /* strtoull() would read "-5" as 2^64 - 5: a start far in the future, which makes a
         * live process look like a reused pid, the unsafe direction. */
        static const char line[] = "100 (x) S" STAT_FIELDS_4_TO_21 " -5\n";
        char st = '?';
        uint64_t ticks = 4242;

        assert_int_equal(proc_parse_pid_stat(line, &st, &ticks, NULL), -EBADMSG);
        assert_int_equal(ticks, 4242);
}

static void status_uids_are_real_effective_saved_and_filesystem(void **state) {
        static const struct {
                const char *text;
                int r;
                uint32_t uids[4];
        } cases[] = {
                { "Name:\tbash\nUmask:\t0022\nUid:\t1000\t1001\t1002\t1003\nGid:\t5\t5\t5\t5\n",
                  0,
                  { 1000, 1001, 1002, 1003 } },
                { "Uid:\t0\t0\t0\t0\n", 0, { 0, 0, 0, 0 } },
                { "Name:\tx\nUid:\t4294967294\t65534\t0\t7", 0, { 4294967294u, 65534, 0, 7 } },
                { "Name:\tbash\nGid:\t5\t5\t5\t5\n", -EBADMSG, { 0 } },
                { "Name:\tbash\nUid:\tabc\n", -EBADMSG, { 0 } },
                { "Name:\tbash\nUid:\t1000\n", -EBADMSG, { 0 } },
                { "Name:\tbash\nUid:\t1000\t1000\n", -EBADMSG, { 0 } },
                { "Name:\tbash\nUid:\t1000\t1000\t1000\n", -EBADMSG, { 0 } },
                { "Uid:\t-1\t0\t0\t0\n", -EBADMSG, { 0 } },
                { "Uid:\t4294967296\t0\t0\t0\n", -EBADMSG, { 0 } },
                { "Uid:\t1\t2\t3\t4x\n", -EBADMSG, { 0 } },
                { "Name:\tUid: 5 6 7 8\n", -EBADMSG, { 0 } }, /* only at the start of a line */
                { "", -EBADMSG, { 0 } },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint32_t uids[4] = { 7, 7, 7, 7 };
                int r = proc_parse_status_uids(cases[i].text, uids);
                if (r != cases[i].r)
                        print_error("case %zu: got %d\n", i, r);
                assert_int_equal(r, cases[i].r);
                for (size_t k = 0; k < 4; k++)
                        assert_int_equal(uids[k], r == 0 ? cases[i].uids[k] : 7);
        }
}

static void mountinfo_says_whether_proc_hides_processes(void **state) {
#define PROC_LINE(options) "21 26 0:20 / /proc rw,nosuid,nodev,noexec,relatime - proc proc " options
        static const struct {
                const char *mountinfo;
                bool hidden;
        } cases[] = {
                { PROC_LINE("rw") "\n", false },
                { PROC_LINE("rw,hidepid=2") "\n", true },
                { PROC_LINE("rw,hidepid=invisible") "\n", true },
                { PROC_LINE("rw,hidepid=noaccess,gid=5") "\n", true },
                { PROC_LINE("rw,hidepid=ptraceable") "\n", true },
                { PROC_LINE("rw,hidepid=0") "\n", false },
                { PROC_LINE("rw,hidepid=0,subset=pid") "\n", false },
                { PROC_LINE("rw,hidepid=off") "\n", false },
                { PROC_LINE("rw,hidepid=2"), true }, /* no final newline */
                { "", false },
                /* Another mount point, or not a proc mount, does not count. */
                { "30 21 0:40 / /run/sandbox/proc rw - proc proc rw,hidepid=2\n", false },
                { "31 21 0:41 / /proc/sys/fs/binfmt_misc rw - binfmt_misc x rw,hidepid=2\n",
                  false },
                { "32 1 0:42 / /proc rw - tmpfs tmpfs rw,hidepid=2\n", false },
                /* The last mount on /proc is the one in effect. */
                { PROC_LINE("rw,hidepid=2") "\n" PROC_LINE("rw") "\n", false },
                { PROC_LINE("rw") "\n" PROC_LINE("rw,hidepid=invisible") "\n", true },
                /* An option on a later line does not leak into an earlier one. */
                { PROC_LINE("rw") "\n33 21 0:43 / /mnt rw - tmpfs tmpfs rw,hidepid=2\n", false },
        };
#undef PROC_LINE

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                bool hidden = proc_parse_mountinfo_hidepid(cases[i].mountinfo, "/proc");
                if (hidden != cases[i].hidden)
                        print_error("case %zu \"%s\": %d\n", i, cases[i].mountinfo, hidden);
                assert_int_equal(hidden, cases[i].hidden);
        }
}

/* ---- the cache over a fixture tree ---- */

static void cache_reads_the_boot_time_of_its_procfs(void **state) {
        ProcessCache *c = *state;

        assert_int_equal(c->boot_time, FIXTURE_BTIME);
        assert_string_equal(c->procfs, PROCFS);
}

static void cache_without_a_boot_time_fails(void **state) {
        char root[] = "/tmp/ipcreap-test-procfs-XXXXXX", path[64];
        ProcessCache c;
        int without_stat, without_btime;
        FILE *f;

        assert_non_null(mkdtemp(root));
        without_stat = process_cache_init(&c, root);
        process_cache_done(&c);

        snprintf(path, sizeof(path), "%s/stat", root);
        f = fopen(path, "we");
        if (f) {
                fputs("cpu 1 2 3\nprocesses 5\n", f);
                fclose(f);
        }
        without_btime = process_cache_init(&c, root);
        process_cache_done(&c);
        (void) unlink(path);
        assert_int_equal(rmdir(root), 0);

        assert_non_null(f);
        assert_true(without_stat < 0);
        assert_true(without_btime < 0);
}

static void lookup_reports_status_start_time_and_comm(void **state) {
        ProcessCache *c = *state;
        const ProcessInfo *p;

        p = process_lookup(c, 100);
        assert_int_equal(p->status, PROCESS_RUNNING);
        assert_int_equal(p->start_usec, fixture_start(100000) * 1000000);
        assert_string_equal(p->comm, "(a) (b)");
        assert_int_equal(process_lookup(c, 101)->status, PROCESS_ZOMBIE);
        assert_int_equal(process_lookup(c, 102)->status, PROCESS_ZOMBIE);
        assert_int_equal(process_lookup(c, 103)->status, PROCESS_UNKNOWN);
        assert_int_equal(process_lookup(c, 104)->status, PROCESS_UNKNOWN);
        assert_int_equal(process_lookup(c, 999)->status, PROCESS_GONE);
        /* Looked up once per pass: the same answer again. */
        assert_ptr_equal(process_lookup(c, 100), p);
}

static void gone_pid_is_dead(void **state) {
        ProcessCache *c = *state;

        assert_false(process_alive_since(c, 999, fixture_start(100000) + 100));
        assert_false(process_alive_since(c, 4194304, fixture_start(100000) + 100));
}

static void zombie_is_dead(void **state) {
        ProcessCache *c = *state;

        /* Both started before the activity, yet hold nothing: Z and X are dead. */
        assert_false(process_alive_since(c, 101, fixture_start(90000) + 100));
        assert_false(process_alive_since(c, 102, fixture_start(90000) + 100));
}

static void process_started_before_the_activity_is_alive(void **state) {
        ProcessCache *c = *state;

        assert_true(process_alive_since(c, 100, fixture_start(100000) + 3600));
        assert_true(process_alive_since(c, 100, fixture_start(100000) + 1));
        /* The same second as the activity. */
        assert_true(process_alive_since(c, 100, fixture_start(100000)));
}

static void process_started_within_the_activity_second_and_a_tick_is_alive(void **state) {
        ProcessCache *c = *state;
        int64_t start = fixture_start(100000);

        /* Activity stamped second S happened before S + 1: 100 started at S + 1 exactly, 110
         * one clock tick later, the resolution of start times. */
        assert_true(process_alive_since(c, 100, start - 1));
        assert_true(process_alive_since(c, 110, start - 1));
}

static void process_started_later_reused_the_pid_and_is_dead(void **state) {
        ProcessCache *c = *state;
        int64_t start = fixture_start(100000);

        /* 109 started 1.2 s after the start of the activity's second: a reused pid. */
        assert_false(process_alive_since(c, 109, start - 1));
        assert_true(process_alive_since(c, 109, start));
        assert_false(process_alive_since(c, 100, start - 2));
        assert_false(process_alive_since(c, 100, start - 86400));
        assert_false(process_alive_since(c, 100, 0));
}

static void unreadable_or_garbled_process_counts_as_alive(void **state) {
        ProcessCache *c = *state;

        /* 103's stat is garbage; 104's stat cannot be read (it is a directory). */
        assert_true(process_alive_since(c, 103, 0));
        assert_true(process_alive_since(c, 104, 0));
        assert_true(process_alive_since(c, 103, fixture_start(100000)));
}

static void process_with_an_odd_starttime_counts_as_alive(void **state) {
        ProcessCache *c = *state;

        /* 108's starttime is negative: not a value the kernel writes, so unknown. */
        assert_true(process_alive_since(c, 108, fixture_start(100000)));
}

static void pid_zero_is_not_alive(void **state) {
        ProcessCache *c = *state;

        assert_false(process_alive_since(c, 0, fixture_start(100000) + 100));
        assert_false(process_alive_since(c, -1, fixture_start(100000) + 100));
}

static void owner_processes_are_found_and_zombies_do_not_count(void **state) {
        static const struct {
                uint32_t uid;
                int r;
        } cases[] = {
                { 2000, 1 }, /* sleeping */
                { 2001, 0 }, /* only a zombie */
                { 2002, 1 }, /* real uid of a setuid process */
                { 2003, 1 }, /* its effective uid */
                { 2004, 0 }, /* only a dead (X) process */
                { 2005, 1 }, /* real and effective uid of 204 */
                { 2006, 1 }, /* its saved uid */
                { 2007, 1 }, /* its filesystem uid */
                { 0, 0 },    /* nobody runs as root in this tree */
                { 4242, 0 },
        };
        ProcessCache *c = *state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = process_uid_has_processes(c, cases[i].uid);
                if (r != cases[i].r)
                        print_error("uid %u: got %d\n", cases[i].uid, r);
                assert_int_equal(r, cases[i].r);
        }
}

static void unreadable_process_makes_a_no_answer_unknown(void **state) {
        static const struct {
                uint32_t uid;
                int r;
        } cases[] = {
                { 1000, 1 },       /* found: the unreadable ones cannot undo that */
                { 1005, 1 },       /* real uid */
                { 1006, 1 },       /* effective uid */
                { 0, 1 },          /* the kernel thread */
                { 1001, -EAGAIN }, /* only a zombie, but 103 or 104 could be anyone's */
                { 1003, -EAGAIN }, /* 103's status says 1003, but its stat is garbage */
                { 1004, -EAGAIN }, /* 104 cannot be read at all */
                { 4242, -EAGAIN }, /* no process of its own */
        };
        ProcessCache *c = *state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = process_uid_has_processes(c, cases[i].uid);
                if (r != cases[i].r)
                        print_error("uid %u: got %d\n", cases[i].uid, r);
                assert_int_equal(r, cases[i].r);
        }
}

static void creator_has_comm_and_cmdline_with_blanks_for_nuls(void **state) {
        ProcessCache *c = *state;
        Creator cr = { 0 };

        assert_int_equal(process_read_creator(c, 100, &cr), 0);
        assert_int_equal(cr.pid, 100);
        assert_string_equal(cr.comm, "(a) (b)");
        assert_string_equal(cr.cmdline, "worker --mode=fast x y");
        /* libsystemd reads the real /proc: a fixture tree has no units. */
        assert_null(cr.unit);
        creator_done(&cr);
        assert_null(cr.comm);
        assert_int_equal(cr.pid, 0);
}

static void creator_cmdline_is_truncated(void **state) {
        ProcessCache *c = *state;
        Creator cr = { 0 };

        assert_int_equal(process_read_creator(c, 105, &cr), 0);
        assert_string_equal(cr.comm, "setuid-prog");
        assert_non_null(cr.cmdline);
        assert_int_equal(strlen(cr.cmdline), CREATOR_CMDLINE_MAX);
        assert_memory_equal(cr.cmdline, "prog xxxx", 9);
        assert_int_equal(strspn(cr.cmdline + 5, "x"), CREATOR_CMDLINE_MAX - 5);
        creator_done(&cr);
}

static void creator_cmdline_control_characters_are_masked(void **state) {
        ProcessCache *c = *state;
        Creator cr = { 0 };

        assert_int_equal(process_read_creator(c, 106, &cr), 0);
        assert_string_equal(cr.cmdline, "tab?here bell?");
        creator_done(&cr);
}

static void creator_with_empty_cmdline_has_none(void **state) {
        ProcessCache *c = *state;
        Creator cr = { 0 };

        assert_int_equal(process_read_creator(c, 107, &cr), 0);
        assert_string_equal(cr.comm, "kworker/0:1");
        assert_null(cr.cmdline);
        creator_done(&cr);
}

static void creator_of_a_dead_or_unknown_process_is_not_recorded(void **state) {
        static const pid_t pids[] = { 101, 102, 103, 104, 999 };
        ProcessCache *c = *state;

        for (size_t i = 0; i < ELEMENTSOF(pids); i++) {
                Creator cr = { .pid = 4242 };
                assert_int_equal(process_read_creator(c, pids[i], &cr), -ESRCH);
                assert_int_equal(cr.pid, 4242); /* untouched */
        }
}

static void creator_copy_is_deep_and_keeps_unknown_fields_null(void **state) {
        Creator a = { .pid = 5, .comm = strdup("php-fpm"), .cmdline = NULL, .unit = NULL };
        Creator b = { 0 };

        assert_non_null(a.comm);
        assert_int_equal(creator_copy(&b, &a), 0);
        assert_int_equal(b.pid, 5);
        assert_string_equal(b.comm, "php-fpm");
        assert_ptr_not_equal(b.comm, a.comm);
        assert_null(b.cmdline);
        assert_null(b.unit);
        creator_done(&a);
        creator_done(&b);
}

/* ---- the real /proc ---- */

static void this_process_is_alive_since_now_but_not_since_long_ago(void **state) {
        ProcessCache c;
        Creator cr = { 0 };
        char comm[64] = "";
        FILE *f = fopen("/proc/self/comm", "re");

        /* What the kernel says our comm is (valgrind, for one, changes it). */
        assert_non_null(f);
        assert_non_null(fgets(comm, sizeof(comm), f));
        fclose(f);
        comm[strcspn(comm, "\n")] = 0;

        assert_int_equal(process_cache_init(&c, "/proc"), 0);
        assert_true(process_alive_since(&c, getpid(), time(NULL)));
        /* It started long after 1990: an object last used then was not used by it. */
        assert_false(process_alive_since(&c, getpid(), 631152000));
        assert_int_equal(process_read_creator(&c, getpid(), &cr), 0);
        assert_int_equal(cr.pid, getpid());
        assert_string_equal(cr.comm, comm);
        assert_non_null(cr.cmdline);
        assert_non_null(strstr(cr.cmdline, program_invocation_short_name));
        creator_done(&cr);
        process_cache_done(&c);
}

static int cache_setup_at(void **state, const char *procfs) {
        ProcessCache *c = calloc(1, sizeof(ProcessCache));

        if (!c || process_cache_init(c, procfs) < 0) {
                free(c);
                return -1;
        }
        *state = c;
        return 0;
}

static int cache_setup(void **state) {
        return cache_setup_at(state, PROCFS);
}

static int complete_cache_setup(void **state) {
        return cache_setup_at(state, PROCFS_COMPLETE);
}

static int cache_teardown(void **state) {
        process_cache_done(*state);
        free(*state);
        return 0;
}

/* Each test gets a fresh cache over the fixture tree, freed even when an assertion fails. */
#define cache_test(f) cmocka_unit_test_setup_teardown(f, cache_setup, cache_teardown)
#define complete_cache_test(f) \
        cmocka_unit_test_setup_teardown(f, complete_cache_setup, cache_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(btime_is_found_on_its_own_line),
                cmocka_unit_test(pid_stat_comm_may_hold_spaces_and_parentheses),
                cmocka_unit_test(pid_stat_comm_that_looks_like_fields_does_not_shift_them),
                cmocka_unit_test(pid_stat_comm_is_cut_to_fifteen_characters),
                cmocka_unit_test(pid_stat_starttime_ends_at_a_blank_or_the_end),
                cmocka_unit_test(malformed_pid_stat_is_rejected),
                cmocka_unit_test(negative_starttime_is_malformed_not_a_huge_start),
                cmocka_unit_test(status_uids_are_real_effective_saved_and_filesystem),
                cmocka_unit_test(mountinfo_says_whether_proc_hides_processes),
                cache_test(cache_reads_the_boot_time_of_its_procfs),
                cmocka_unit_test(cache_without_a_boot_time_fails),
                cache_test(lookup_reports_status_start_time_and_comm),
                cache_test(gone_pid_is_dead),
                cache_test(zombie_is_dead),
                cache_test(process_started_before_the_activity_is_alive),
                cache_test(process_started_within_the_activity_second_and_a_tick_is_alive),
                cache_test(process_started_later_reused_the_pid_and_is_dead),
                cache_test(unreadable_or_garbled_process_counts_as_alive),
                cache_test(process_with_an_odd_starttime_counts_as_alive),
                cache_test(pid_zero_is_not_alive),
                complete_cache_test(owner_processes_are_found_and_zombies_do_not_count),
                cache_test(unreadable_process_makes_a_no_answer_unknown),
                cache_test(creator_has_comm_and_cmdline_with_blanks_for_nuls),
                cache_test(creator_cmdline_is_truncated),
                cache_test(creator_cmdline_control_characters_are_masked),
                cache_test(creator_with_empty_cmdline_has_none),
                cache_test(creator_of_a_dead_or_unknown_process_is_not_recorded),
                cmocka_unit_test(creator_copy_is_deep_and_keeps_unknown_fields_null),
                cmocka_unit_test(this_process_is_alive_since_now_but_not_since_long_ago),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
