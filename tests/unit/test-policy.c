/* SPDX-License-Identifier: MIT */
/* The policy file: every key, defaults, drop-ins, every error as FILE:LINE, printing, admins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "policy.h"
#include "strv.h"

#define FIXTURES             "tests/fixtures"
#define POLICY_FIXTURE(name) FIXTURES "/policy/" name

/* The name policy_load_string() gets in these tests, and so the FILE of their messages. */
#define NAME "test.conf"

#define KIND_BIT(k) (1u << (k))

/* What a failed load must leave in its output parameter. */
static Policy untouched_policy;

static void print_errors(char **errors) {
        for (char **e = errors; e && *e; e++)
                print_message("  %s\n", *e);
}

/* On failure, shows the errors and frees them, so valgrind reports only the failed test. */
static void assert_loaded(int r, char **errors) {
        if (r < 0 && errors != (char **) &untouched_policy) {
                print_errors(errors);
                strv_free(errors);
        }
        assert_int_equal(r, 0);
}

static Policy *load_string_ok(const char *text) {
        Policy *p = NULL;
        char **errors = (char **) &untouched_policy;
        int r = policy_load_string(text, NAME, &p, &errors);

        assert_loaded(r, errors);
        assert_null(errors);
        assert_non_null(p);
        return p;
}

static Policy *load_file_ok(const char *path) {
        Policy *p = NULL;
        char **errors = (char **) &untouched_policy;
        int r = policy_load(path, &p, &errors);

        assert_loaded(r, errors);
        assert_null(errors);
        assert_non_null(p);
        return p;
}

static char **load_string_errors(const char *text) {
        Policy *p = &untouched_policy;
        char **errors = NULL;

        assert_int_equal(policy_load_string(text, NAME, &p, &errors), -EINVAL);
        assert_ptr_equal(p, &untouched_policy);
        assert_non_null(errors);
        assert_non_null(errors[0]);
        return errors;
}

static char **load_file_errors(const char *path) {
        Policy *p = &untouched_policy;
        char **errors = NULL;

        assert_int_equal(policy_load(path, &p, &errors), -EINVAL);
        assert_ptr_equal(p, &untouched_policy);
        assert_non_null(errors);
        assert_non_null(errors[0]);
        return errors;
}

/* An error must start with its exact "FILE:LINE: " and say the distinctive part. */
static void assert_error_matches(const char *error, const char *location, const char *fragment) {
        if (!error)
                fail_msg("missing error, wanted \"%s...%s...\"", location, fragment);
        if (strncmp(error, location, strlen(location)) != 0 || !strstr(error, fragment))
                fail_msg("error \"%s\", wanted \"%s...%s...\"", error, location, fragment);
}

#define assert_only_error(text, location, fragment)                       \
        do {                                                              \
                char **_errors = load_string_errors(text);                \
                if (strv_length(_errors) != 1)                            \
                        print_errors(_errors);                            \
                assert_int_equal(strv_length(_errors), 1);                \
                assert_error_matches(_errors[0], (location), (fragment)); \
                strv_free(_errors);                                       \
        } while (0)

static char *print_to_string(const Policy *p) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        policy_print(p, f);
        assert_int_equal(fclose(f), 0);
        assert_non_null(text);
        return text;
}

/* The printed policy without its "#" lines, which name the files it came from. */
static char *strip_comment_lines(const char *text) {
        char *out = malloc(strlen(text) + 1), *o = out;

        assert_non_null(out);
        for (const char *line = text; *line;) {
                size_t n = strcspn(line, "\n");
                if (line[n] == '\n')
                        n++;
                if (line[0] != '#') {
                        memcpy(o, line, n);
                        o += n;
                }
                line += n;
        }
        *o = 0;
        return out;
}

/* ---- every key, and the defaults ---- */

static void every_key_of_the_daemon_section_is_read(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("all-keys.conf"));
        const DaemonSettings *d = &p->daemon;

        assert_int_equal(d->scan_interval_sec, 300);
        assert_true(d->dry_run);
        assert_int_equal(d->max_reaps_per_scan, 7);
        assert_int_equal(d->full_read_every, 3);
        assert_int_equal(d->scan_namespaces, SCAN_NAMESPACES_HOST);
        assert_string_equal(d->socket, "/run/ipcreap-test/reaper.sock");
        assert_string_equal(d->admin_group, "daemon");
        assert_int_equal(d->admin_gid, 1);
        assert_string_equal(d->state_directory, "/var/lib/ipcreap-test");
        assert_int_equal(d->history_size, 50);
        assert_int_equal(d->quarantine_max_bytes, UINT64_C(1) << 30);
        assert_int_equal(d->quarantine_keep_sec, 2 * 86400);
        assert_string_equal(d->metrics_file, "/var/lib/prometheus/node-exporter/ipcreap.prom");
        assert_int_equal(strv_length(p->files), 1);
        assert_string_equal(p->files[0], POLICY_FIXTURE("all-keys.conf"));
        policy_free(p);
}

static void every_key_of_a_rule_section_is_read(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("all-keys.conf"));
        const Rule *r;

        assert_int_equal(p->n_rules, 2);
        r = &p->rules[1];
        assert_string_equal(r->name, "stale-user-shm");
        assert_int_equal(r->kinds, KIND_BIT(IPC_KIND_SHM) | KIND_BIT(IPC_KIND_MSG));

        assert_string_equal(r->owner.text, "1000-60000 root @daemon");
        assert_true(id_set_contains(&r->owner, 1000));
        assert_true(id_set_contains(&r->owner, 60000));
        assert_true(id_set_contains(&r->owner, 0)); /* root */
        assert_true(id_set_contains(&r->owner, 1)); /* daemon, whose primary group it is */
        assert_false(id_set_contains(&r->owner, 2));
        assert_false(id_set_contains(&r->owner, 999));
        assert_false(id_set_contains(&r->owner, 60001));

        assert_string_equal(r->group.text, "100-199 daemon 5");
        assert_true(id_set_contains(&r->group, 100));
        assert_true(id_set_contains(&r->group, 199));
        assert_true(id_set_contains(&r->group, 1));
        assert_true(id_set_contains(&r->group, 5));
        assert_false(id_set_contains(&r->group, 0));
        assert_false(id_set_contains(&r->group, 200));

        assert_string_equal(r->key.text, "private 0x5000-0x50ff 0xABC");
        assert_true(id_set_contains(&r->key, 0));
        assert_true(id_set_contains(&r->key, 0x5000));
        assert_true(id_set_contains(&r->key, 0x50ff));
        assert_true(id_set_contains(&r->key, 0xabc));
        assert_false(id_set_contains(&r->key, 0x5100));
        assert_false(id_set_contains(&r->key, 0xabd));

        assert_int_equal(strv_length(r->creator), 2);
        assert_string_equal(r->creator[0], "php-fpm*");
        assert_string_equal(r->creator[1], "worker");
        assert_int_equal(r->min_size, 1 << 20);
        assert_int_equal(r->min_idle_sec, 5400);
        assert_false(r->require_dead_pids);
        assert_true(r->require_no_owner_processes);
        assert_int_equal(r->action, RULE_ACTION_REPORT);
        assert_false(r->quarantine);
        policy_free(p);
}

static void an_empty_file_gives_the_documented_defaults(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("empty.conf"));
        const DaemonSettings *d = &p->daemon;

        assert_int_equal(d->scan_interval_sec, 60);
        assert_false(d->dry_run);
        assert_int_equal(d->max_reaps_per_scan, 100);
        assert_int_equal(d->full_read_every, 10);
        assert_string_equal(d->socket, "/run/ipcreap/io.ipcreap.Reaper");
        assert_null(d->admin_group);
        assert_string_equal(d->state_directory, "/var/lib/ipcreap");
        assert_int_equal(d->history_size, 1000);
        assert_int_equal(d->quarantine_max_bytes, UINT64_C(256) << 20);
        assert_int_equal(d->quarantine_keep_sec, 7 * 86400);
        assert_null(d->metrics_file);
        assert_int_equal(d->scan_namespaces, SCAN_NAMESPACES_ALL);
        assert_int_equal(p->n_rules, 0);
        policy_free(p);
}

static void a_rule_without_keys_gets_the_documented_defaults(void **state) {
        Policy *p = load_string_ok("[Rule bare]\n");
        const Rule *r = &p->rules[0];

        assert_int_equal(p->n_rules, 1);
        assert_string_equal(r->name, "bare");
        assert_int_equal(r->kinds, IPC_KIND_ALL);
        assert_true(id_set_is_any(&r->owner));
        assert_true(id_set_is_any(&r->group));
        assert_true(id_set_is_any(&r->key));
        assert_true(id_set_contains(&r->owner, 123456));
        assert_null(r->creator);
        assert_null(r->namespaces); /* the host namespace only */
        assert_false(r->namespaces_match_host);
        assert_false(r->namespaces_match_all);
        assert_int_equal(r->min_size, 0);
        assert_int_equal(r->min_idle_sec, 3600);
        assert_true(r->require_dead_pids);
        assert_false(r->require_no_owner_processes);
        assert_int_equal(r->action, RULE_ACTION_REAP);
        assert_false(r->quarantine);
        policy_free(p);
}

static void rules_keep_their_file_order_and_where_they_were_defined(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("all-keys.conf"));

        assert_int_equal(p->n_rules, 2);
        assert_string_equal(p->rules[0].name, "system-users");
        assert_string_equal(p->rules[0].file, POLICY_FIXTURE("all-keys.conf"));
        assert_int_equal(p->rules[0].line, 16);
        assert_int_equal(p->rules[0].action, RULE_ACTION_KEEP);
        assert_string_equal(p->rules[1].name, "stale-user-shm");
        assert_int_equal(p->rules[1].line, 20);
        policy_free(p);
}

static void the_shipped_policy_is_valid(void **state) {
        Policy *p = load_file_ok("etc/ipcreap.conf");

        assert_true(p->n_rules > 0);
        policy_free(p);
}

static void a_loaded_string_names_itself_as_the_file(void **state) {
        Policy *p = load_string_ok("\n\n[Rule r]\n");

        assert_int_equal(strv_length(p->files), 1);
        assert_string_equal(p->files[0], NAME);
        assert_string_equal(p->rules[0].file, NAME);
        assert_int_equal(p->rules[0].line, 3);
        policy_free(p);
}

/* ---- value syntax inside the file ---- */

static void every_boolean_spelling_is_accepted(void **state) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };
        char text[128];

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                snprintf(text, sizeof(text), "[Daemon]\nDryRun=%s\n[Rule r]\nRequireDeadPids=%s\n",
                         yes[i], no[i]);
                Policy *p = load_string_ok(text);
                assert_true(p->daemon.dry_run);
                assert_false(p->rules[0].require_dead_pids);
                policy_free(p);

                snprintf(text, sizeof(text), "[Daemon]\nDryRun=%s\n[Rule r]\nRequireDeadPids=%s\n",
                         no[i], yes[i]);
                p = load_string_ok(text);
                assert_false(p->daemon.dry_run);
                assert_true(p->rules[0].require_dead_pids);
                policy_free(p);
        }
}

static void every_action_is_accepted(void **state) {
        Policy *p = load_string_ok("[Rule a]\nAction=reap\n[Rule b]\nAction=report\n"
                                   "[Rule c]\nAction=keep\n");

        assert_int_equal(p->rules[0].action, RULE_ACTION_REAP);
        assert_int_equal(p->rules[1].action, RULE_ACTION_REPORT);
        assert_int_equal(p->rules[2].action, RULE_ACTION_KEEP);
        assert_string_equal(rule_action_to_string(RULE_ACTION_REPORT), "report");
        assert_null(rule_action_to_string(_RULE_ACTION_MAX));
        assert_null(rule_action_to_string(_RULE_ACTION_INVALID));
        policy_free(p);
}

static void owner_accepts_user_names_uids_and_ranges(void **state) {
        Policy *p = load_string_ok("[Rule r]\nOwner=root daemon www-data 1000 2000-2999\n");
        const IdSet *s = &p->rules[0].owner;

        assert_true(id_set_contains(s, 0));
        assert_true(id_set_contains(s, 1));
        assert_true(id_set_contains(s, 33)); /* a name with a dash is a name, not a range */
        assert_true(id_set_contains(s, 1000));
        assert_true(id_set_contains(s, 2000));
        assert_true(id_set_contains(s, 2999));
        assert_false(id_set_contains(s, 2));
        assert_false(id_set_contains(s, 999));
        assert_false(id_set_contains(s, 1001));
        assert_false(id_set_contains(s, 3000));
        policy_free(p);
}

static void owner_at_group_means_the_users_of_that_group(void **state) {
        Policy *p = load_string_ok("[Rule a]\nOwner=@root\n[Rule b]\nOwner=@nogroup\n"
                                   "[Rule c]\nOwner=@daemon\n");

        /* Members by primary group: root in root, nobody in nogroup, daemon in daemon. */
        assert_true(id_set_contains(&p->rules[0].owner, 0));
        assert_false(id_set_contains(&p->rules[0].owner, 1));
        assert_false(id_set_contains(&p->rules[0].owner, 65534));
        assert_true(id_set_contains(&p->rules[1].owner, 65534));
        assert_false(id_set_contains(&p->rules[1].owner, 0));
        assert_true(id_set_contains(&p->rules[2].owner, 1));
        assert_false(id_set_contains(&p->rules[2].owner, 0));
        assert_string_equal(p->rules[1].owner.text, "@nogroup");
        policy_free(p);
}

static void a_group_named_again_gives_its_members_each_time(void **state) {
        Policy *p = load_string_ok("[Rule a]\nOwner=@daemon @root\nOwner=@daemon\n"
                                   "[Rule b]\nOwner=@root 5 @daemon\n");

        /* One lookup per group and load; every mention still adds the members. */
        assert_int_equal(p->rules[0].owner.n, 3);
        assert_true(id_set_contains(&p->rules[0].owner, 0));
        assert_true(id_set_contains(&p->rules[0].owner, 1));
        assert_false(id_set_contains(&p->rules[0].owner, 5));
        assert_int_equal(p->rules[1].owner.n, 3);
        assert_true(id_set_contains(&p->rules[1].owner, 0));
        assert_true(id_set_contains(&p->rules[1].owner, 1));
        assert_true(id_set_contains(&p->rules[1].owner, 5));
        policy_free(p);
}

static void group_accepts_group_names_gids_and_ranges(void **state) {
        Policy *p = load_string_ok("[Rule r]\nGroup=root nogroup 100-199 5\n");
        const IdSet *s = &p->rules[0].group;

        assert_true(id_set_contains(s, 0));
        assert_true(id_set_contains(s, 65534));
        assert_true(id_set_contains(s, 100));
        assert_true(id_set_contains(s, 199));
        assert_true(id_set_contains(s, 5));
        assert_false(id_set_contains(s, 1));
        assert_false(id_set_contains(s, 200));
        assert_false(id_set_contains(s, 65533));
        policy_free(p);
}

static void key_accepts_private_hex_keys_and_ranges(void **state) {
        Policy *p = load_string_ok("[Rule r]\nKey=private 0x5000-0x50ff 0XABCDEF 0xffffffff\n");
        const IdSet *s = &p->rules[0].key;

        assert_true(id_set_contains(s, 0)); /* IPC_PRIVATE */
        assert_true(id_set_contains(s, 0x5000));
        assert_true(id_set_contains(s, 0x5080));
        assert_true(id_set_contains(s, 0x50ff));
        assert_true(id_set_contains(s, 0xabcdef));
        assert_true(id_set_contains(s, 0xffffffff));
        assert_false(id_set_contains(s, 1));
        assert_false(id_set_contains(s, 0x4fff));
        assert_false(id_set_contains(s, 0x5100));
        policy_free(p);
}

static void kind_accepts_each_of_the_three_kinds(void **state) {
        Policy *p = load_string_ok("[Rule a]\nKind=shm\n[Rule b]\nKind=sem\n[Rule c]\nKind=msg\n"
                                   "[Rule d]\nKind=msg shm\n");

        assert_int_equal(p->rules[0].kinds, KIND_BIT(IPC_KIND_SHM));
        assert_int_equal(p->rules[1].kinds, KIND_BIT(IPC_KIND_SEM));
        assert_int_equal(p->rules[2].kinds, KIND_BIT(IPC_KIND_MSG));
        assert_int_equal(p->rules[3].kinds, KIND_BIT(IPC_KIND_MSG) | KIND_BIT(IPC_KIND_SHM));
        policy_free(p);
}

static void rule_names_may_use_letters_digits_and_punctuation_up_to_64(void **state) {
        char text[128];
        Policy *p;

        snprintf(text, sizeof(text), "[Rule a-b_c.d:e@f9]\n[Rule %.64s]\n",
                 "0123456789012345678901234567890123456789012345678901234567890123");
        p = load_string_ok(text);
        assert_string_equal(p->rules[0].name, "a-b_c.d:e@f9");
        assert_int_equal(strlen(p->rules[1].name), 64);
        policy_free(p);
}

static void socket_path_of_the_longest_unix_socket_length_is_accepted(void **state) {
        char path[sizeof(((struct sockaddr_un *) NULL)->sun_path)], text[256];
        Policy *p;

        memset(path, 'a', sizeof(path) - 1);
        path[0] = '/';
        path[sizeof(path) - 1] = 0;
        snprintf(text, sizeof(text), "[Daemon]\nSocket=%s\n", path);
        p = load_string_ok(text);
        assert_string_equal(p->daemon.socket, path);
        policy_free(p);
}

static void admin_group_accepts_a_name_or_a_number_and_empty_means_none(void **state) {
        Policy *p = load_string_ok("[Daemon]\nAdminGroup=nogroup\n");

        assert_string_equal(p->daemon.admin_group, "nogroup");
        assert_int_equal(p->daemon.admin_gid, 65534);
        policy_free(p);

        p = load_string_ok("[Daemon]\nAdminGroup=4242\n");
        assert_int_equal(p->daemon.admin_gid, 4242);
        policy_free(p);

        p = load_string_ok("[Daemon]\nAdminGroup=daemon\nAdminGroup=\n");
        assert_null(p->daemon.admin_group);
        assert_false(policy_is_admin(&p->daemon, 1000, 1, NULL, 0));
        policy_free(p);
}

static void empty_metrics_file_means_none_and_zero_reaps_means_no_limit(void **state) {
        Policy *p = load_string_ok("[Daemon]\nMetricsFile=/run/m.prom\nMetricsFile=\n"
                                   "MaxReapsPerScan=0\n");

        assert_null(p->daemon.metrics_file);
        assert_int_equal(p->daemon.max_reaps_per_scan, 0);
        policy_free(p);
}

static void a_later_daemon_assignment_overrides_an_earlier_one(void **state) {
        Policy *p = load_string_ok("[Daemon]\nScanIntervalSec=10\n[Rule r]\n[Daemon]\n"
                                   "ScanIntervalSec=20\nStateDirectory=/a\nStateDirectory=/b\n");

        assert_int_equal(p->daemon.scan_interval_sec, 20);
        assert_string_equal(p->daemon.state_directory, "/b");
        policy_free(p);
}

/* ---- lists ---- */

static void list_keys_accumulate_across_repeated_assignments(void **state) {
        Policy *p = load_string_ok("[Rule r]\n"
                                   "Owner=0\nOwner=1000-1999\n"
                                   "Group=5\nGroup=100\n"
                                   "Key=0x10\nKey=private\n"
                                   "Creator=a*\nCreator=b c\n"
                                   "Kind=shm\nKind=sem\n");
        const Rule *r = &p->rules[0];

        assert_string_equal(r->owner.text, "0 1000-1999");
        assert_true(id_set_contains(&r->owner, 0));
        assert_true(id_set_contains(&r->owner, 1500));
        assert_false(id_set_contains(&r->owner, 1));
        assert_string_equal(r->group.text, "5 100");
        assert_true(id_set_contains(&r->group, 5));
        assert_true(id_set_contains(&r->group, 100));
        assert_false(id_set_contains(&r->group, 6));
        assert_string_equal(r->key.text, "0x10 private");
        assert_true(id_set_contains(&r->key, 0x10));
        assert_true(id_set_contains(&r->key, 0));
        assert_false(id_set_contains(&r->key, 0x11));
        assert_int_equal(strv_length(r->creator), 3);
        assert_string_equal(r->creator[0], "a*");
        assert_string_equal(r->creator[2], "c");
        assert_int_equal(r->kinds, KIND_BIT(IPC_KIND_SHM) | KIND_BIT(IPC_KIND_SEM));
        policy_free(p);
}

static void kind_still_accumulates_after_all_three_kinds_were_listed(void **state) {
        /* Listing all three is a list like any other, not the "any" of an empty assignment. */
        Policy *p = load_string_ok("[Rule a]\nKind=shm sem msg\nKind=shm\n"
                                   "[Rule b]\nKind=shm\nKind=sem msg\nKind=msg\n");
        unsigned a = p->rules[0].kinds, b = p->rules[1].kinds;

        policy_free(p);
        assert_int_equal(a, IPC_KIND_ALL);
        assert_int_equal(b, IPC_KIND_ALL);
}

static void an_empty_assignment_resets_a_list_to_any(void **state) {
        Policy *p = load_string_ok("[Rule r]\n"
                                   "Owner=0\nOwner=\n"
                                   "Group=5\nGroup=\n"
                                   "Key=0x10\nKey=\n"
                                   "Creator=a*\nCreator=\n"
                                   "Kind=shm\nKind=\n");
        const Rule *r = &p->rules[0];

        assert_true(id_set_is_any(&r->owner));
        assert_true(id_set_contains(&r->owner, 4242));
        assert_true(id_set_is_any(&r->group));
        assert_true(id_set_contains(&r->group, 4242));
        assert_true(id_set_is_any(&r->key));
        assert_true(id_set_contains(&r->key, 4242));
        assert_null(r->creator);
        assert_int_equal(r->kinds, IPC_KIND_ALL);
        policy_free(p);
}

static void values_after_an_empty_assignment_start_a_new_list(void **state) {
        Policy *p = load_string_ok("[Rule r]\n"
                                   "Owner=0\nOwner=\nOwner=5\n"
                                   "Creator=a\nCreator=\nCreator=b\n"
                                   "Kind=shm\nKind=\nKind=sem\n");
        const Rule *r = &p->rules[0];

        assert_string_equal(r->owner.text, "5");
        assert_true(id_set_contains(&r->owner, 5));
        assert_false(id_set_contains(&r->owner, 0));
        assert_int_equal(strv_length(r->creator), 1);
        assert_string_equal(r->creator[0], "b");
        assert_int_equal(r->kinds, KIND_BIT(IPC_KIND_SEM));
        policy_free(p);
}

static void list_assignments_do_not_leak_into_the_next_rule(void **state) {
        Policy *p = load_string_ok("[Rule a]\nOwner=1\nKind=shm\nCreator=x\n[Rule b]\nOwner=2\n");

        assert_string_equal(p->rules[1].owner.text, "2");
        assert_false(id_set_contains(&p->rules[1].owner, 1));
        assert_int_equal(p->rules[1].kinds, IPC_KIND_ALL);
        assert_null(p->rules[1].creator);
        policy_free(p);
}

/* ---- comments, blanks and line endings ---- */

static void inline_hash_and_semicolon_comments_are_stripped(void **state) {
        Policy *p = load_string_ok("[Daemon]              # the daemon\n"
                                   "DryRun=yes            # report only\n"
                                   "ScanIntervalSec=2min\t# tab before the hash\n"
                                   "[Rule r] # a rule\n"
                                   "Owner=0-999   # system users\n"
                                   "Action=keep ; inih's own comment\n"
                                   "Creator=a#b c;d       # a hash inside a word is kept\n"
                                   "Key=                  # empty, so any\n");
        const Rule *r = &p->rules[0];

        assert_true(p->daemon.dry_run);
        assert_int_equal(p->daemon.scan_interval_sec, 120);
        assert_string_equal(r->name, "r");
        assert_string_equal(r->owner.text, "0-999");
        assert_int_equal(r->action, RULE_ACTION_KEEP);
        assert_int_equal(strv_length(r->creator), 2);
        assert_string_equal(r->creator[0], "a#b");
        assert_string_equal(r->creator[1], "c;d");
        assert_true(id_set_is_any(&r->key));
        policy_free(p);
}

static void indentation_and_blanks_around_equals_are_ignored(void **state) {
        Policy *p = load_string_ok("  [Daemon]\n"
                                   "\tDryRun = yes\n"
                                   "    MaxReapsPerScan   =   3\n"
                                   "\n"
                                   "   ; a comment\n"
                                   "   # another\n"
                                   "  [Rule r]\n"
                                   "        Owner = 7\n");

        assert_true(p->daemon.dry_run);
        assert_int_equal(p->daemon.max_reaps_per_scan, 3);
        assert_string_equal(p->rules[0].owner.text, "7");
        policy_free(p);
}

static void crlf_line_endings_are_accepted(void **state) {
        Policy *p = load_string_ok("[Daemon]\r\nDryRun=yes\r\n[Rule r]\r\nOwner=7\r\n");

        assert_true(p->daemon.dry_run);
        assert_string_equal(p->rules[0].name, "r");
        assert_string_equal(p->rules[0].owner.text, "7");
        policy_free(p);
}

static void a_utf8_byte_order_mark_before_the_first_section_is_ignored(void **state) {
        /* inih skips a BOM, as editors on other systems write one; so must section tracking. */
        Policy *p = load_string_ok("\xEF\xBB\xBF[Daemon]\nDryRun=yes\n");

        assert_true(p->daemon.dry_run);
        policy_free(p);
}

static void a_line_of_the_longest_allowed_length_is_accepted(void **state) {
        /* inih's buffer holds INI_MAX_LINE bytes: the text, "\n" and the terminating NUL. */
        const size_t longest = INI_MAX_LINE - 2;
        char *text = malloc(longest + 32);
        Policy *p;

        assert_non_null(text);
        strcpy(text, "[Rule r]\nCreator=");
        memset(text + strlen(text), 'a', longest - strlen("Creator="));
        strcpy(text + strlen("[Rule r]\n") + longest, "\n");
        p = load_string_ok(text);
        assert_int_equal(strlen(p->rules[0].creator[0]), longest - strlen("Creator="));
        policy_free(p);
        free(text);
}

static void a_line_longer_than_inih_allows_is_reported_with_its_line(void **state) {
        const size_t too_long = INI_MAX_LINE - 1;
        char *text = malloc(too_long + 64), location[32], fragment[64];
        char **errors;

        assert_non_null(text);
        strcpy(text, "[Rule r]\nCreator=");
        memset(text + strlen(text), 'a', too_long - strlen("Creator="));
        strcpy(text + strlen("[Rule r]\n") + too_long, "\nBogus=1\n");
        errors = load_string_errors(text);
        snprintf(location, sizeof(location), "%s:2: ", NAME);
        snprintf(fragment, sizeof(fragment), "line too long (at most %d characters",
                 INI_MAX_LINE - 2);
        assert_int_equal(strv_length(errors), 2);
        assert_error_matches(errors[0], location, fragment);
        /* Lines after it keep their numbers. */
        assert_error_matches(errors[1], NAME ":3: ", "unknown key \"Bogus\"");
        strv_free(errors);
        free(text);
}

static void a_last_line_without_a_newline_has_the_same_length_limit(void **state) {
        const size_t longest = INI_MAX_LINE - 2;
        char text[INI_MAX_LINE + 32];
        Policy *p;

        /* Found by fuzzing: one character more passed, and printed a policy that did not read
         * back. */
        strcpy(text, "[Rule r]\nCreator=");
        memset(text + strlen(text), 'a', longest + 1 - strlen("Creator="));
        text[strlen("[Rule r]\n") + longest + 1] = 0;
        assert_only_error(text, NAME ":2: ", "line too long");

        text[strlen("[Rule r]\n") + longest] = 0;
        p = load_string_ok(text);
        assert_int_equal(strlen(p->rules[0].creator[0]), longest - strlen("Creator="));
        policy_free(p);
}

static void a_long_comment_line_is_not_an_error(void **state) {
        char text[1024];
        Policy *p;

        strcpy(text, "[Daemon]\n# ");
        memset(text + strlen(text), 'x', 600);
        strcpy(text + strlen("[Daemon]\n# ") + 600, "\nDryRun=yes\n");
        p = load_string_ok(text);
        assert_true(p->daemon.dry_run);
        policy_free(p);
}

/* ---- drop-ins ---- */

static void dropins_are_read_after_the_main_file_in_lexical_order(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("dropins.conf"));

        /* README, .hidden.conf and 30-off.conf.disabled are not drop-ins. */
        assert_int_equal(strv_length(p->files), 4);
        assert_string_equal(p->files[0], POLICY_FIXTURE("dropins.conf"));
        assert_string_equal(p->files[1], POLICY_FIXTURE("dropins.conf.d/10-a.conf"));
        assert_string_equal(p->files[2], POLICY_FIXTURE("dropins.conf.d/20-b.conf"));
        assert_string_equal(p->files[3], POLICY_FIXTURE("dropins.conf.d/9-c.conf"));
        policy_free(p);
}

static void later_dropins_override_daemon_settings(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("dropins.conf"));

        assert_int_equal(p->daemon.scan_interval_sec, 4 * 60); /* 9-c.conf, read last */
        assert_int_equal(p->daemon.history_size, 20);          /* 10-a.conf only */
        assert_true(p->daemon.dry_run);                        /* the main file only */
        policy_free(p);
}

static void dropin_rules_are_appended_after_the_main_files_rules(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("dropins.conf"));

        assert_int_equal(p->n_rules, 4);
        assert_string_equal(p->rules[0].name, "main-rule");
        assert_string_equal(p->rules[1].name, "rule-a");
        assert_string_equal(p->rules[1].file, POLICY_FIXTURE("dropins.conf.d/10-a.conf"));
        assert_int_equal(p->rules[1].line, 6);
        assert_true(id_set_contains(&p->rules[1].owner, 1000));
        assert_false(id_set_contains(&p->rules[1].owner, 2000));
        assert_string_equal(p->rules[2].name, "rule-b");
        assert_string_equal(p->rules[3].name, "rule-c");
        assert_string_equal(p->rules[3].file, POLICY_FIXTURE("dropins.conf.d/9-c.conf"));
        assert_int_equal(p->rules[3].line, 4);
        policy_free(p);
}

static void a_dropin_starts_outside_any_section(void **state) {
        char dir[] = "/tmp/test-policy-XXXXXX", main_path[128], dropin_dir[192], dropin[256];
        char location[320];
        char **errors;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
        snprintf(dropin_dir, sizeof(dropin_dir), "%s.d", main_path);
        snprintf(dropin, sizeof(dropin), "%s/10-x.conf", dropin_dir);
        assert_non_null(f = fopen(main_path, "we"));
        fputs("[Daemon]\n", f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(mkdir(dropin_dir, 0755), 0);
        assert_non_null(f = fopen(dropin, "we"));
        fputs("DryRun=yes\n", f);
        assert_int_equal(fclose(f), 0);

        errors = load_file_errors(main_path);
        snprintf(location, sizeof(location), "%s:1: ", dropin);
        assert_int_equal(strv_length(errors), 1);
        assert_error_matches(errors[0], location, "DryRun= outside a section");
        strv_free(errors);

        assert_int_equal(unlink(dropin), 0);
        assert_int_equal(rmdir(dropin_dir), 0);
        assert_int_equal(unlink(main_path), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void a_dropin_path_that_is_not_a_directory_is_an_error(void **state) {
        char dir[] = "/tmp/test-policy-XXXXXX", main_path[128], dropin_dir[192], location[256];
        char **errors;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
        snprintf(dropin_dir, sizeof(dropin_dir), "%s.d", main_path);
        assert_non_null(f = fopen(main_path, "we"));
        fputs("[Daemon]\nDryRun=yes\n", f);
        assert_int_equal(fclose(f), 0);
        assert_non_null(f = fopen(dropin_dir, "we"));
        assert_int_equal(fclose(f), 0);

        errors = load_file_errors(main_path);
        snprintf(location, sizeof(location), "%s:0: ", dropin_dir);
        assert_int_equal(strv_length(errors), 1);
        assert_error_matches(errors[0], location, "cannot open drop-in directory: Not a directory");
        strv_free(errors);

        assert_int_equal(unlink(dropin_dir), 0);
        assert_int_equal(unlink(main_path), 0);
        assert_int_equal(rmdir(dir), 0);
}

/* ---- errors, each as FILE:LINE: message ---- */

static void a_missing_main_file_is_reported_at_line_0(void **state) {
        char **errors = load_file_errors(POLICY_FIXTURE("does-not-exist.conf"));

        assert_int_equal(strv_length(errors), 1);
        assert_string_equal(
                errors[0],
                POLICY_FIXTURE("does-not-exist.conf") ":0: cannot open: No such file or directory");
        strv_free(errors);
}

static void an_unknown_section_is_reported_and_its_keys_are_not(void **state) {
        assert_only_error("[Daemon]\n\n[Foo]\nBar=1\nDryRun=maybe\n",
                          NAME ":3: ", "unknown section [Foo]");
        assert_only_error("[RuleX]\n", NAME ":1: ", "unknown section [RuleX]");
}

static void section_names_are_case_sensitive(void **state) {
        assert_only_error("[daemon]\nDryRun=yes\n", NAME ":1: ", "unknown section [daemon]");
        assert_only_error("[rule r]\n", NAME ":1: ", "unknown section [rule r]");
}

static void an_unknown_key_is_reported_with_its_section(void **state) {
        assert_only_error("[Daemon]\nScanInterval=5\n",
                          NAME ":2: ", "unknown key \"ScanInterval\" in [Daemon]");
        assert_only_error("[Rule r]\n\nMaxIdleSec=5\n",
                          NAME ":3: ", "unknown key \"MaxIdleSec\" in [Rule]");
}

static void keys_are_case_sensitive(void **state) {
        assert_only_error("[Daemon]\ndryrun=yes\n", NAME ":2: ", "unknown key \"dryrun\"");
        assert_only_error("[Rule r]\nOWNER=0\n", NAME ":2: ", "unknown key \"OWNER\"");
}

static void a_key_in_the_wrong_section_says_where_it_belongs(void **state) {
        assert_only_error("[Daemon]\nOwner=0\n",
                          NAME ":2: ", "Owner= belongs in [Rule NAME], not in this section");
        assert_only_error("[Rule r]\nAction=keep\nDryRun=yes\n",
                          NAME ":3: ", "DryRun= belongs in [Daemon], not in this section");
}

static void a_key_outside_a_section_is_reported(void **state) {
        assert_only_error("# comment\nDryRun=yes\n[Daemon]\n",
                          NAME ":2: ", "DryRun= outside a section");
}

static void a_bad_time_span_is_reported(void **state) {
        assert_only_error("[Daemon]\nScanIntervalSec=5 mins\n",
                          NAME ":2: ", "ScanIntervalSec=: invalid time span \"5 mins\"");
        assert_only_error("[Daemon]\nQuarantineKeepSec=-1\n",
                          NAME ":2: ", "QuarantineKeepSec=: invalid time span \"-1\"");
        assert_only_error("[Rule r]\nMinIdleSec=abc\n",
                          NAME ":2: ", "MinIdleSec=: invalid time span \"abc\"");
        assert_only_error("[Rule r]\nMinIdleSec=99999999999999999999\n",
                          NAME ":2: ", "MinIdleSec=: \"99999999999999999999\" is out of range");
}

static void a_scan_interval_of_zero_is_refused(void **state) {
        assert_only_error("[Daemon]\nScanIntervalSec=0\n",
                          NAME ":2: ", "ScanIntervalSec=: \"0\" is out of range (1s to 1w)");
        assert_only_error("[Daemon]\nScanIntervalSec=0s\n",
                          NAME ":2: ", "ScanIntervalSec=: \"0s\" is out of range (1s to 1w)");
}

static void a_bad_size_is_reported(void **state) {
        assert_only_error("[Daemon]\nQuarantineMaxBytes=1X\n",
                          NAME ":2: ", "QuarantineMaxBytes=: invalid size \"1X\"");
        assert_only_error("[Rule r]\nMinSize=1.5M\n",
                          NAME ":2: ", "MinSize=: invalid size \"1.5M\"");
        assert_only_error("[Rule r]\nMinSize=16384P\n",
                          NAME ":2: ", "MinSize=: \"16384P\" is out of range");
}

static void a_bad_boolean_is_reported(void **state) {
        assert_only_error("[Daemon]\nDryRun=maybe\n",
                          NAME ":2: ", "DryRun=: invalid boolean \"maybe\"");
        assert_only_error("[Rule r]\nRequireDeadPids=2\n",
                          NAME ":2: ", "RequireDeadPids=: invalid boolean \"2\"");
        assert_only_error("[Rule r]\nRequireNoOwnerProcesses=yes please\n",
                          NAME ":2: ", "RequireNoOwnerProcesses=: invalid boolean \"yes please\"");
}

static void a_bad_number_is_reported(void **state) {
        assert_only_error("[Daemon]\nMaxReapsPerScan=-1\n",
                          NAME ":2: ", "MaxReapsPerScan=: invalid number \"-1\"");
        assert_only_error("[Daemon]\nHistorySize=ten\n",
                          NAME ":2: ", "HistorySize=: invalid number \"ten\"");
        assert_only_error("[Daemon]\nHistorySize=1K\n",
                          NAME ":2: ", "HistorySize=: invalid number \"1K\"");
}

static void a_bad_kind_is_reported(void **state) {
        assert_only_error("[Rule r]\nKind=shm pipe\n", NAME ":2: ", "Kind=: unknown kind \"pipe\"");
        assert_only_error("[Rule r]\nKind=SHM\n", NAME ":2: ", "Kind=: unknown kind \"SHM\"");
}

static void a_bad_action_is_reported(void **state) {
        assert_only_error("[Rule r]\nAction=delete\n",
                          NAME ":2: ", "Action=: unknown action \"delete\"");
        assert_only_error("[Rule r]\nAction=Reap\n",
                          NAME ":2: ", "Action=: unknown action \"Reap\"");
        assert_only_error("[Rule r]\nAction=\n", NAME ":2: ", "Action=: unknown action \"\"");
}

static void an_unknown_user_is_reported(void **state) {
        assert_only_error("[Rule r]\nOwner=0 no-such-user-ipcreap\n",
                          NAME ":2: ", "Owner=: unknown user \"no-such-user-ipcreap\"");
}

static void an_unknown_group_is_reported(void **state) {
        assert_only_error("[Rule r]\nGroup=no-such-group-ipcreap\n",
                          NAME ":2: ", "Group=: unknown group \"no-such-group-ipcreap\"");
        assert_only_error("[Daemon]\nAdminGroup=no-such-group-ipcreap\n",
                          NAME ":2: ", "AdminGroup=: unknown group \"no-such-group-ipcreap\"");
}

static void an_unknown_at_group_is_reported(void **state) {
        assert_only_error("[Rule r]\nOwner=@no-such-group-ipcreap\n",
                          NAME ":2: ", "Owner=: unknown group \"@no-such-group-ipcreap\"");
}

static void a_bad_uid_or_gid_range_is_reported(void **state) {
        assert_only_error("[Rule r]\nOwner=10-5\n",
                          NAME ":2: ", "Owner=: invalid uid range \"10-5\"");
        assert_only_error("[Rule r]\nOwner=10-x\n",
                          NAME ":2: ", "Owner=: invalid uid range \"10-x\"");
        assert_only_error("[Rule r]\nOwner=1000-\n",
                          NAME ":2: ", "Owner=: invalid uid range \"1000-\"");
        assert_only_error("[Rule r]\nOwner=0-4294967296\n",
                          NAME ":2: ", "Owner=: invalid uid range \"0-4294967296\"");
        assert_only_error("[Rule r]\nGroup=20-10\n",
                          NAME ":2: ", "Group=: invalid gid range \"20-10\"");
}

static void a_bad_key_is_reported(void **state) {
        static const char *const bad[] = {
                "5000",    "0x5000-0x10", "0x",          "0xZZ",    "0x100000000",
                "0x5000-", "-0x5000",     "0x5000-5100", "Private", "0x5000-0x50ff-0x6000"
        };
        char text[128], fragment[128];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                snprintf(text, sizeof(text), "[Rule r]\nKey=private %s\n", bad[i]);
                snprintf(fragment, sizeof(fragment), "Key=: invalid key \"%s\"", bad[i]);
                assert_only_error(text, NAME ":2: ", fragment);
        }
}

static void a_relative_or_missing_path_is_refused(void **state) {
        assert_only_error("[Daemon]\nStateDirectory=var/lib/ipcreap\n", NAME ":2: ",
                          "StateDirectory=: \"var/lib/ipcreap\" is not an absolute path");
        assert_only_error("[Daemon]\nSocket=run/reaper.sock\n",
                          NAME ":2: ", "Socket=: \"run/reaper.sock\" is not an absolute path");
        assert_only_error("[Daemon]\nMetricsFile=ipcreap.prom\n",
                          NAME ":2: ", "MetricsFile=: \"ipcreap.prom\" is not an absolute path");
        assert_only_error("[Daemon]\nStateDirectory=\n",
                          NAME ":2: ", "StateDirectory=: needs an absolute path");
        assert_only_error("[Daemon]\nSocket=\n", NAME ":2: ", "Socket=: needs an absolute path");
}

static void a_socket_path_too_long_for_a_unix_socket_is_refused(void **state) {
        char path[sizeof(((struct sockaddr_un *) NULL)->sun_path) + 1], text[256], fragment[96];

        memset(path, 'a', sizeof(path) - 1);
        path[0] = '/';
        path[sizeof(path) - 1] = 0;
        snprintf(text, sizeof(text), "[Daemon]\nSocket=%s\n", path);
        snprintf(fragment, sizeof(fragment),
                 "Socket=: path too long for a Unix socket (max %zu characters)",
                 sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1);
        assert_only_error(text, NAME ":2: ", fragment);
}

static void a_rule_without_a_name_is_refused(void **state) {
        assert_only_error("[Rule ]\nAction=keep\n",
                          NAME ":1: ", "[Rule ]: a rule needs a name of letters, digits and -_.:@");
        assert_only_error("\n[Rule]\nAction=keep\n", NAME ":2: ", "[Rule]: a rule needs a name");
}

static void an_invalid_rule_name_is_refused(void **state) {
        char text[128];

        assert_only_error("[Rule a b]\n", NAME ":1: ", "[Rule a b]: a rule needs a name");
        assert_only_error("[Rule a/b]\n", NAME ":1: ", "[Rule a/b]: a rule needs a name");
        assert_only_error("[Rule  a]\n", NAME ":1: ", "a rule needs a name");
        snprintf(text, sizeof(text), "[Rule %.65s]\n",
                 "01234567890123456789012345678901234567890123456789012345678901234");
        assert_only_error(text, NAME ":1: ", "a rule needs a name");
}

static void a_duplicate_rule_name_names_the_first_definition(void **state) {
        assert_only_error("[Rule a]\nAction=keep\n[Rule b]\n[Rule a]\nAction=nonsense\n",
                          NAME ":4: ", "duplicate rule name \"a\" (first defined at " NAME ":1)");
}

static void a_duplicate_rule_name_in_a_dropin_names_the_main_file(void **state) {
        char **errors = load_file_errors(POLICY_FIXTURE("dup-dropin.conf"));

        assert_int_equal(strv_length(errors), 1);
        assert_error_matches(errors[0], POLICY_FIXTURE("dup-dropin.conf.d/50-again.conf") ":3: ",
                             "duplicate rule name \"shared\" (first defined at " POLICY_FIXTURE(
                                     "dup-dropin.conf") ":2)");
        strv_free(errors);
}

static void quarantine_yes_and_no_are_accepted(void **state) {
        Policy *p;

        p = load_string_ok("[Rule r]\nAction=reap\nQuarantine=yes\n");
        assert_true(p->rules[0].quarantine);
        policy_free(p);
        assert_only_error("[Rule r]\nQuarantine=sometimes\n",
                          NAME ":2: ", "Quarantine=: invalid boolean \"sometimes\"");
        p = load_string_ok("[Rule r]\nQuarantine=no\n");
        assert_false(p->rules[0].quarantine);
        policy_free(p);
}

static void a_line_without_equals_is_a_syntax_error(void **state) {
        assert_only_error("[Daemon]\nDryRun yes\n", NAME ":2: ", "syntax error");
        assert_only_error("[Daemon]\n\n[Rule r\n", NAME ":3: ", "syntax error");
}

static void every_syntax_error_is_reported_not_just_the_first(void **state) {
        char **errors = load_string_errors("[Daemon]\nfoo\nDryRun=yes\nbar\n");
        size_t n = strv_length(errors);

        if (n != 2) {
                print_errors(errors);
                strv_free(errors);
        }
        assert_int_equal(n, 2);
        assert_error_matches(errors[0], NAME ":2: ", "syntax error");
        assert_error_matches(errors[1], NAME ":4: ", "syntax error");
        strv_free(errors);
}

static void several_errors_in_one_file_are_all_reported_in_order(void **state) {
#define F POLICY_FIXTURE("many-errors.conf")
        static const struct {
                const char *location, *fragment;
        } expected[] = {
                { F ":2: ", "Orphan= outside a section" },
                { F ":4: ", "ScanIntervalSec=: \"0\" is out of range (1s to 1w)" },
                { F ":5: ", "DryRun=: invalid boolean \"perhaps\"" },
                { F ":6: ", "Owner= belongs in [Rule NAME]" },
                { F ":7: ", "unknown key \"Bogus\" in [Daemon]" },
                { F ":9: ", "Kind=: unknown kind \"pipe\"" },
                { F ":10: ", "Action=: unknown action \"delete\"" },
                { F ":11: ", "Owner=: invalid uid range \"10-5\"" },
                { F ":12: ", "Key=: invalid key \"0x5000-0x10\"" },
                { F ":13: ", "duplicate rule name \"good\" (first defined at " F ":8)" },
                { F ":15: ", "unknown section [Nonsense]" },
                { F ":18: ", "Quarantine=: invalid boolean \"maybe\"" },
                { F ":19: ", "syntax error" },
                { F ".d/10-more.conf:3: ", "Socket=: \"relative/path\" is not an absolute path" },
        };
#undef F
        char **errors = load_file_errors(POLICY_FIXTURE("many-errors.conf"));

        if (strv_length(errors) != ELEMENTSOF(expected))
                print_errors(errors);
        assert_int_equal(strv_length(errors), ELEMENTSOF(expected));
        for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                assert_error_matches(errors[i], expected[i].location, expected[i].fragment);
        strv_free(errors);
}

static void a_failed_load_leaves_the_policy_untouched_and_errors_are_optional(void **state) {
        Policy *p = &untouched_policy;

        assert_int_equal(policy_load_string("[Daemon]\nBogus=1\n", NAME, &p, NULL), -EINVAL);
        assert_ptr_equal(p, &untouched_policy);
        assert_int_equal(policy_load(POLICY_FIXTURE("many-errors.conf"), &p, NULL), -EINVAL);
        assert_ptr_equal(p, &untouched_policy);
        assert_int_equal(policy_load_string("[Daemon]\n", NAME, &p, NULL), 0);
        assert_ptr_not_equal(p, &untouched_policy);
        policy_free(p);
}

/* ---- printing ---- */

static void the_printed_policy_spells_out_every_default(void **state) {
        Policy *p = load_string_ok("[Daemon]\nDryRun=yes\n[Rule r]\nOwner=1000-1999\n"
                                   "Creator=a b\n");
        char *text = print_to_string(p);

        assert_string_equal(text, "# Effective policy, read from:\n"
                                  "#   " NAME "\n"
                                  "\n"
                                  "[Daemon]\n"
                                  "ScanIntervalSec=1min\n"
                                  "ScanNamespaces=all\n"
                                  "DryRun=yes\n"
                                  "MaxReapsPerScan=100\n"
                                  "FullReadEvery=10\n"
                                  "Socket=/run/ipcreap/io.ipcreap.Reaper\n"
                                  "AdminGroup=\n"
                                  "StateDirectory=/var/lib/ipcreap\n"
                                  "HistorySize=1000\n"
                                  "QuarantineMaxBytes=256M\n"
                                  "QuarantineKeepSec=1w\n"
                                  "MetricsFile=\n"
                                  "\n"
                                  "# " NAME ":3\n"
                                  "[Rule r]\n"
                                  "Kind=shm sem msg\n"
                                  "Owner=1000-1999\n"
                                  "Group=\n"
                                  "Key=\n"
                                  "Creator=a b\n"
                                  "Namespace= # not set: the host namespace only\n"
                                  "MinSize=0\n"
                                  "MinIdleSec=1h\n"
                                  "RequireDeadPids=yes\n"
                                  "RequireNoOwnerProcesses=no\n"
                                  "Action=reap\n"
                                  "Quarantine=no\n");
        free(text);
        policy_free(p);
}

/* print -> parse -> print gives the same text, except for the "#" lines naming the files. */
static void assert_print_round_trips(const Policy *p) {
        char *first = print_to_string(p), *second, *third, *fourth, *a, *b;
        Policy *q, *r, *s;

        q = load_string_ok(first);
        second = print_to_string(q);
        a = strip_comment_lines(first);
        b = strip_comment_lines(second);
        assert_string_equal(a, b);
        assert_int_equal(q->n_rules, p->n_rules);
        for (size_t i = 0; i < p->n_rules; i++)
                assert_string_equal(q->rules[i].name, p->rules[i].name);

        /* Once read from its own printout, the text is a fixed point, comments and all. */
        r = load_string_ok(second);
        third = print_to_string(r);
        s = load_string_ok(third);
        fourth = print_to_string(s);
        assert_string_equal(third, fourth);

        free(first);
        free(second);
        free(third);
        free(fourth);
        free(a);
        free(b);
        policy_free(q);
        policy_free(r);
        policy_free(s);
}

static void the_printed_policy_parses_back_to_the_same_policy(void **state) {
        static const char *const files[] = { POLICY_FIXTURE("all-keys.conf"),
                                             POLICY_FIXTURE("dropins.conf"),
                                             POLICY_FIXTURE("empty.conf"), "etc/ipcreap.conf" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                Policy *p = load_file_ok(files[i]);
                assert_print_round_trips(p);
                policy_free(p);
        }
}

static void the_printed_policy_with_long_lists_parses_back(void **state) {
        /* Each line is short; the accumulated lists are longer than inih's line limit. */
        char text[4096] = "[Rule r]\n", *printed;
        size_t longest = 0;
        Policy *p;

        for (int line = 0; line < 4; line++) {
                strcat(text, "Creator=");
                for (int i = 0; i < 10; i++)
                        snprintf(text + strlen(text), sizeof(text) - strlen(text), "worker-%d-%d* ",
                                 line, i);
                strcat(text, "\nOwner=");
                for (int i = 0; i < 10; i++)
                        snprintf(text + strlen(text), sizeof(text) - strlen(text), "%d-%d ",
                                 100000 + line * 1000 + i * 10, 100000 + line * 1000 + i * 10 + 5);
                strcat(text, "\n");
        }
        p = load_string_ok(text);
        assert_int_equal(strv_length(p->rules[0].creator), 40);

        /* Every printed line fits in inih's buffer, or the printout cannot be read back. */
        printed = print_to_string(p);
        for (const char *line = printed; *line;) {
                size_t n = strcspn(line, "\n");
                longest = MAX(longest, n);
                line += n + (line[n] == '\n');
        }
        if (longest > INI_MAX_LINE - 2) {
                free(printed);
                policy_free(p);
        }
        assert_in_range(longest, 0, INI_MAX_LINE - 2);
        free(printed);

        assert_print_round_trips(p);
        policy_free(p);
}

/* ---- overrides ---- */

static void overrides_replace_socket_and_state_directory_and_force_dry_run(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("empty.conf"));
        const PolicyOverrides o = {
                .socket = "/tmp/test.sock",
                .state_directory = "/tmp/state",
                .dry_run = true,
        };

        assert_int_equal(policy_apply_overrides(p, &o), 0);
        assert_string_equal(p->daemon.socket, "/tmp/test.sock");
        assert_string_equal(p->daemon.state_directory, "/tmp/state");
        assert_true(p->daemon.dry_run);
        policy_free(p);
}

static void overrides_left_unset_keep_the_files_values(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("all-keys.conf"));
        const PolicyOverrides none = { 0 };

        assert_int_equal(policy_apply_overrides(p, &none), 0);
        assert_string_equal(p->daemon.socket, "/run/ipcreap-test/reaper.sock");
        assert_string_equal(p->daemon.state_directory, "/var/lib/ipcreap-test");
        assert_true(p->daemon.dry_run); /* dry_run=false does not turn the file's DryRun off */
        policy_free(p);
}

/* ---- who is an admin ---- */

static void root_is_always_an_admin(void **state) {
        const DaemonSettings none = { 0 };
        const DaemonSettings some = { .admin_group = (char *) "daemon", .admin_gid = 1 };

        assert_true(policy_is_admin(&none, 0, 0, NULL, 0));
        assert_true(policy_is_admin(&none, 0, 1000, NULL, 0));
        assert_true(policy_is_admin(&some, 0, 1000, NULL, 0));
}

static void unknown_credentials_are_never_an_admin(void **state) {
        const DaemonSettings d = { .admin_group = (char *) "daemon", .admin_gid = 1 };
        const gid_t groups[] = { 1 };

        assert_false(policy_is_admin(&d, (uid_t) -1, 1, groups, ELEMENTSOF(groups)));
        assert_false(policy_is_admin(&d, (uid_t) -1, (gid_t) -1, NULL, 0));
}

static void the_admin_groups_primary_members_are_admins(void **state) {
        const DaemonSettings d = { .admin_group = (char *) "daemon", .admin_gid = 1 };

        assert_true(policy_is_admin(&d, 1000, 1, NULL, 0));
        assert_false(policy_is_admin(&d, 1000, 1000, NULL, 0));
}

static void the_admin_groups_supplementary_members_are_admins(void **state) {
        const DaemonSettings d = { .admin_group = (char *) "daemon", .admin_gid = 1 };
        const gid_t member[] = { 27, 100, 1 }, other[] = { 27, 100, 2 };

        assert_true(policy_is_admin(&d, 1000, 1000, member, ELEMENTSOF(member)));
        assert_false(policy_is_admin(&d, 1000, 1000, other, ELEMENTSOF(other)));
}

static void without_an_admin_group_only_root_is_an_admin(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("empty.conf"));
        const gid_t groups[] = { 0 };

        /* admin_gid is 0 here; gid 0 must not count when no AdminGroup= is set. */
        assert_true(policy_is_admin(&p->daemon, 0, 0, NULL, 0));
        assert_false(policy_is_admin(&p->daemon, 1000, 0, groups, ELEMENTSOF(groups)));
        assert_false(policy_is_admin(&p->daemon, 1, 1, NULL, 0));
        policy_free(p);
}

static void the_admin_group_of_a_loaded_policy_is_honoured(void **state) {
        Policy *p = load_file_ok(POLICY_FIXTURE("all-keys.conf")); /* AdminGroup=daemon */
        const gid_t groups[] = { 1 };

        assert_true(policy_is_admin(&p->daemon, 1000, 1000, groups, ELEMENTSOF(groups)));
        assert_false(policy_is_admin(&p->daemon, 1000, 1000, NULL, 0));
        policy_free(p);
}

/* ---- id sets, owner processes, references ---- */

static void an_id_set_contains_the_bounds_of_its_ranges_and_nothing_else(void **state) {
        IdRange ranges[] = { { 10, 20 }, { 30, 30 }, { 4294967290u, 4294967295u } };
        const IdSet set = { .ranges = ranges, .n = ELEMENTSOF(ranges), .text = (char *) "x" };
        const IdSet any = { 0 };

        assert_true(id_set_contains(&set, 10));
        assert_true(id_set_contains(&set, 15));
        assert_true(id_set_contains(&set, 20));
        assert_true(id_set_contains(&set, 30));
        assert_true(id_set_contains(&set, 4294967295u));
        assert_false(id_set_contains(&set, 9));
        assert_false(id_set_contains(&set, 21));
        assert_false(id_set_contains(&set, 29));
        assert_false(id_set_contains(&set, 31));
        assert_false(id_set_contains(&set, 0));
        assert_true(id_set_is_any(&any));
        assert_false(id_set_is_any(&set));
        assert_true(id_set_contains(&any, 0));
        assert_true(id_set_contains(&any, 4294967295u));
}

static void owner_processes_are_needed_only_when_an_acting_rule_asks(void **state) {
        Policy *p = load_string_ok("[Rule a]\nAction=reap\n");
        assert_false(policy_needs_owner_processes(p));
        policy_free(p);

        p = load_string_ok("[Rule a]\nRequireNoOwnerProcesses=yes\nAction=keep\n");
        assert_false(policy_needs_owner_processes(p));
        policy_free(p);

        p = load_string_ok("[Rule a]\nAction=keep\n[Rule b]\nRequireNoOwnerProcesses=yes\n"
                           "Action=report\n");
        assert_true(policy_needs_owner_processes(p));
        policy_free(p);

        p = load_string_ok("[Rule b]\nRequireNoOwnerProcesses=yes\n");
        assert_true(policy_needs_owner_processes(p));
        policy_free(p);
}

static void a_referenced_policy_lives_until_its_last_reference_is_dropped(void **state) {
        Policy *p = load_string_ok("[Daemon]\nMetricsFile=/run/m.prom\n[Rule r]\nOwner=0\n");

        assert_int_equal(p->n_ref, 1);
        assert_ptr_equal(policy_ref(p), p);
        assert_int_equal(p->n_ref, 2);
        assert_null(policy_free(p));
        /* Still alive: the sanitizers and valgrind catch a use after free here. */
        assert_int_equal(p->n_ref, 1);
        assert_string_equal(p->daemon.metrics_file, "/run/m.prom");
        assert_string_equal(p->rules[0].name, "r");
        assert_null(policy_free(p));

        assert_null(policy_ref(NULL));
        assert_null(policy_free(NULL));
}

static void the_cleanup_attribute_drops_a_reference(void **state) {
        Policy *outer = load_string_ok("[Rule r]\n");

        {
                _cleanup_policy_free_ Policy *inner = policy_ref(outer);
                assert_ptr_equal(inner, outer);
                assert_int_equal(outer->n_ref, 2);
        }
        assert_int_equal(outer->n_ref, 1);
        policy_free(outer);
}

/* ---- ranges: every number, span and size is bounded ---- */

typedef struct RangeCase {
        const char *section, *key;
        const char *lowest, *highest; /* accepted */
        const char *below, *above;    /* refused; NULL: no value below the lowest */
        const char *range;            /* as the error message says it */
} RangeCase;

static const RangeCase range_cases[] = {
        { "[Daemon]", "ScanIntervalSec", "1s", "1w", "0", "1w 1s", "(1s to 1w)" },
        { "[Daemon]", "MaxReapsPerScan", "0", "1000000", NULL, "1000001", "(0 to 1000000)" },
        { "[Daemon]", "FullReadEvery", "1", "1000000", "0", "1000001", "(1 to 1000000)" },
        { "[Daemon]", "HistorySize", "0", "100000", NULL, "100001", "(0 to 100000)" },
        { "[Daemon]", "QuarantineMaxBytes", "0", "1T", NULL, "1099511627777", "(0 to 1T)" },
        { "[Daemon]", "QuarantineKeepSec", "0", "52w", NULL, "52w 1s", "(0 to 52w)" },
        { "[Rule r]", "MinSize", "0", "1P", NULL, "1125899906842625", "(0 to 1P)" },
        { "[Rule r]", "MinIdleSec", "0", "52w", NULL, "52w 1s", "(0 to 52w)" },
};

static void every_number_is_accepted_at_both_ends_of_its_range(void **state) {
        char text[256];

        for (size_t i = 0; i < ELEMENTSOF(range_cases); i++) {
                const RangeCase *c = &range_cases[i];
                snprintf(text, sizeof(text), "%s\n%s=%s\n%s=%s\n", c->section, c->key, c->lowest,
                         c->key, c->highest);
                policy_free(load_string_ok(text));
        }
}

static void a_number_past_either_end_of_its_range_is_refused_with_the_range(void **state) {
        char text[256], fragment[256];

        for (size_t i = 0; i < ELEMENTSOF(range_cases); i++) {
                const RangeCase *c = &range_cases[i];
                const char *const refused[] = { c->below, c->above };

                for (size_t j = 0; j < ELEMENTSOF(refused); j++) {
                        if (!refused[j])
                                continue;
                        snprintf(text, sizeof(text), "%s\n%s=%s\n", c->section, c->key, refused[j]);
                        snprintf(fragment, sizeof(fragment), "%s=: \"%s\" is out of range %s",
                                 c->key, refused[j], c->range);
                        assert_only_error(text, NAME ":2: ", fragment);
                }
        }
}

static void a_scan_interval_of_the_largest_64_bit_number_is_refused(void **state) {
        /* It used to be taken, and wrapped to back-to-back passes in microseconds. */
        assert_only_error("[Daemon]\nScanIntervalSec=18446744073709551615\n", NAME ":2: ",
                          "ScanIntervalSec=: \"18446744073709551615\" is out of range (1s to 1w)");
}

static void overflowing_numbers_are_reported_as_out_of_range(void **state) {
        static const struct {
                const char *text, *fragment;
        } cases[] = {
                { "[Daemon]\nScanIntervalSec=90000000000000000000s\n",
                  "ScanIntervalSec=: \"90000000000000000000s\" is out of range" },
                { "[Daemon]\nScanIntervalSec=99999999999w\n",
                  "ScanIntervalSec=: \"99999999999w\" is out of range" },
                { "[Rule r]\nMinIdleSec=99999999999w\n",
                  "MinIdleSec=: \"99999999999w\" is out of range" },
                { "[Daemon]\nQuarantineKeepSec=18446744073709551615s 1s\n",
                  "QuarantineKeepSec=: \"18446744073709551615s 1s\" is out of range" },
                { "[Daemon]\nHistorySize=99999999999999999999999\n",
                  "HistorySize=: \"99999999999999999999999\" is out of range" },
                { "[Daemon]\nMaxReapsPerScan=18446744073709551616\n",
                  "MaxReapsPerScan=: \"18446744073709551616\" is out of range" },
                { "[Rule r]\nMinSize=99999999999P\n",
                  "MinSize=: \"99999999999P\" is out of range" },
                { "[Daemon]\nQuarantineMaxBytes=18446744073709551615\n",
                  "QuarantineMaxBytes=: \"18446744073709551615\" is out of range" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_only_error(cases[i].text, NAME ":2: ", cases[i].fragment);
}

/* ---- hostile text ---- */

static void a_nul_byte_in_a_value_is_refused_at_its_line(void **state) {
        static const char text[] = "[Daemon]\nDryRun=yes\0no\n[Rule r\0x]\n# a\0comment\nBogus=1\n";
        Policy *p = &untouched_policy;
        char **errors = NULL;

        assert_int_equal(policy_load_buffer(text, sizeof(text) - 1, NAME, &p, &errors), -EINVAL);
        assert_ptr_equal(p, &untouched_policy);
        if (strv_length(errors) != 4)
                print_errors(errors);
        assert_int_equal(strv_length(errors), 4);
        assert_error_matches(errors[0], NAME ":2: ", "NUL byte");
        assert_error_matches(errors[1], NAME ":3: ", "NUL byte");
        assert_error_matches(errors[2], NAME ":4: ", "NUL byte");
        /* The lines after it keep their numbers and are still read. */
        assert_error_matches(errors[3], NAME ":5: ", "unknown key \"Bogus\"");
        strv_free(errors);
}

/* A scratch directory for files the tests make, removed with everything in it. */
typedef struct Scratch {
        char dir[64];
        char main_path[128], dropin_dir[160];
} Scratch;

static void scratch_make(Scratch *t) {
        snprintf(t->dir, sizeof(t->dir), "/tmp/test-policy-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        snprintf(t->main_path, sizeof(t->main_path), "%s/main.conf", t->dir);
        snprintf(t->dropin_dir, sizeof(t->dropin_dir), "%s.d", t->main_path);
}

static void write_file(const char *path, const void *data, size_t size) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        assert_int_equal(fclose(f), 0);
}

static void scratch_remove(Scratch *t) {
        char command[128];

        snprintf(command, sizeof(command), "rm -rf -- '%s'", t->dir);
        assert_int_equal(system(command), 0);
}

static void a_nul_byte_in_a_file_is_refused_at_its_line(void **state) {
        static const char text[] = "[Rule r]\nOwner=0\0 1000-60000\nAction=keep\n";
        char location[192];
        Scratch t;
        char **errors;

        scratch_make(&t);
        write_file(t.main_path, text, sizeof(text) - 1);
        errors = load_file_errors(t.main_path);
        snprintf(location, sizeof(location), "%s:2: ", t.main_path);
        assert_int_equal(strv_length(errors), 1);
        assert_error_matches(errors[0], location, "NUL byte");
        strv_free(errors);
        scratch_remove(&t);
}

static void a_control_character_outside_a_comment_is_refused_at_its_line(void **state) {
        /* Found by fuzzing: inih trims \f at the end of a value, a list does not split on it,
         * so the printed policy read back differently. */
        assert_only_error("[Rule r]\nCreator=a\f b\n", NAME ":2: ", "control character 0x0c");
        assert_only_error("[Rule r]\nCreator=a\vb\n", NAME ":2: ", "control character 0x0b");
        assert_only_error("[Rule r]\nCreator=a\rb\n", NAME ":2: ", "control character 0x0d");
        assert_only_error("[Rule r]\nCreator=a\x1b[0m\n", NAME ":2: ", "control character 0x1b");
        assert_only_error("[Rule r]\nCreator=a\x7f\n", NAME ":2: ", "control character 0x7f");
        assert_only_error("[Daemon\x01]\n", NAME ":1: ", "control character 0x01");
}

static void tabs_crlf_and_control_characters_in_comments_are_accepted(void **state) {
        Policy *p = load_string_ok("[Rule r]\r\nCreator=a\tb\r\n# page\f break\n; bell\a\n"
                                   "Action=keep\r");

        assert_int_equal(strv_length(p->rules[0].creator), 2);
        assert_int_equal(p->rules[0].action, RULE_ACTION_KEEP);
        policy_free(p);
}

static void text_after_a_section_header_is_refused_and_its_keys_are_not_read(void **state) {
        assert_only_error("[Daemon] x\nBogus=1\n",
                          NAME ":1: ", "text after the section header [Daemon]");
        assert_only_error("[Rule r]x\nBogus=1\n",
                          NAME ":1: ", "text after the section header [Rule r]");
        assert_only_error("[Rule r]]\n", NAME ":1: ", "text after the section header [Rule r]");
        /* A comment must follow a blank, as at the end of a value. */
        assert_only_error("[Daemon]#x\n", NAME ":1: ", "text after the section header [Daemon]");
        /* A lone CR ends no line (found by fuzzing). */
        assert_only_error("[Daemon]\rBogus=1\n", NAME ":1: ", "control character 0x0d");
}

static void a_comment_or_blanks_after_a_section_header_are_accepted(void **state) {
        Policy *p = load_string_ok("[Daemon]  # comment\nDryRun=yes\n[Rule r] ; comment\n"
                                   "[Rule s]\t \r\n");

        assert_true(p->daemon.dry_run);
        assert_int_equal(p->n_rules, 2);
        policy_free(p);
}

static void a_key_with_a_second_0x_prefix_is_refused(void **state) {
        static const char *const bad[] = { "0x0x5000",        "0X0x5000", "0x5000-0x0x50ff",
                                           "0x0x5000-0x50ff", "0x",       "0x-0x5" };
        char text[128], fragment[128];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                snprintf(text, sizeof(text), "[Rule r]\nKey=%s\n", bad[i]);
                snprintf(fragment, sizeof(fragment), "Key=: invalid key \"%s\"", bad[i]);
                assert_only_error(text, NAME ":2: ", fragment);
        }
        /* "0x 5" is two words, and "0x" alone is no key. */
        assert_only_error("[Rule r]\nKey=0x 5\n", NAME ":2: ", "Key=: invalid key \"0x\"");
}

static void numbers_take_digits_only_without_sign_or_prefix(void **state) {
        static const char *const bad[] = { "+5", "-1", "0x10", "0x", "0x0x5", "1e3", "5.0" };
        static const struct {
                const char *section, *key, *what;
        } keys[] = {
                { "[Daemon]", "MaxReapsPerScan", "invalid number" },
                { "[Daemon]", "HistorySize", "invalid number" },
                { "[Daemon]", "ScanIntervalSec", "invalid time span" },
                { "[Rule r]", "MinIdleSec", "invalid time span" },
                { "[Rule r]", "MinSize", "invalid size" },
                { "[Daemon]", "QuarantineMaxBytes", "invalid size" },
        };
        char text[128], fragment[160];

        for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                        snprintf(text, sizeof(text), "%s\n%s=%s\n", keys[k].section, keys[k].key,
                                 bad[i]);
                        snprintf(fragment, sizeof(fragment), "%s=: %s \"%s\"", keys[k].key,
                                 keys[k].what, bad[i]);
                        assert_only_error(text, NAME ":2: ", fragment);
                }
}

static void admin_group_minus_one_as_a_number_is_refused(void **state) {
        /* (gid_t) -1 is "no group" to the kernel, not a group whose members are admins. */
        assert_only_error("[Daemon]\nAdminGroup=4294967295\n",
                          NAME ":2: ", "AdminGroup=: unknown group \"4294967295\"");
}

/* ---- only regular files, at most POLICY_FILE_SIZE_MAX bytes ---- */

static void assert_only_file_error(const char *main_path, const char *file, const char *fragment) {
        char location[256];
        char **errors = load_file_errors(main_path);

        snprintf(location, sizeof(location), "%s:0: ", file);
        if (strv_length(errors) != 1)
                print_errors(errors);
        assert_int_equal(strv_length(errors), 1);
        assert_error_matches(errors[0], location, fragment);
        strv_free(errors);
}

static void a_directory_as_the_main_file_is_refused(void **state) {
        Scratch t;

        scratch_make(&t);
        assert_int_equal(mkdir(t.main_path, 0755), 0);
        assert_only_file_error(t.main_path, t.main_path, "a directory, not a regular file");
        scratch_remove(&t);
}

static void a_directory_named_like_a_dropin_is_refused(void **state) {
        char dropin[256];
        Scratch t;

        scratch_make(&t);
        write_file(t.main_path, "[Daemon]\n", 9);
        assert_int_equal(mkdir(t.dropin_dir, 0755), 0);
        snprintf(dropin, sizeof(dropin), "%s/10-dir.conf", t.dropin_dir);
        assert_int_equal(mkdir(dropin, 0755), 0);
        assert_only_file_error(t.main_path, dropin, "a directory, not a regular file");
        scratch_remove(&t);
}

static void a_fifo_dropin_is_refused_without_waiting_for_a_writer(void **state) {
        char dropin[256];
        Scratch t;

        scratch_make(&t);
        write_file(t.main_path, "[Daemon]\n", 9);
        assert_int_equal(mkdir(t.dropin_dir, 0755), 0);
        snprintf(dropin, sizeof(dropin), "%s/20-fifo.conf", t.dropin_dir);
        assert_int_equal(mkfifo(dropin, 0644), 0);
        /* Not a time limit: without a writer, a blocking open would never return. */
        alarm(60);
        assert_only_file_error(t.main_path, dropin, "a FIFO, not a regular file");
        alarm(0);
        scratch_remove(&t);
}

static void a_dropin_linked_to_a_device_is_refused(void **state) {
        char dropin[256];
        Scratch t;

        scratch_make(&t);
        write_file(t.main_path, "[Daemon]\n", 9);
        assert_int_equal(mkdir(t.dropin_dir, 0755), 0);
        snprintf(dropin, sizeof(dropin), "%s/30-null.conf", t.dropin_dir);
        /* /dev/null rather than /dev/zero: a reader without the check reads it as empty
         * instead of running out of memory. */
        assert_int_equal(symlink("/dev/null", dropin), 0);
        assert_only_file_error(t.main_path, dropin, "a character device, not a regular file");
        scratch_remove(&t);
}

static void a_dropin_linked_to_a_regular_file_is_read(void **state) {
        char target[192], dropin[256];
        Policy *p;
        Scratch t;

        scratch_make(&t);
        write_file(t.main_path, "[Daemon]\n", 9);
        assert_int_equal(mkdir(t.dropin_dir, 0755), 0);
        snprintf(target, sizeof(target), "%s/site.policy", t.dir);
        write_file(target, "[Daemon]\nDryRun=yes\n", 20);
        snprintf(dropin, sizeof(dropin), "%s/40-site.conf", t.dropin_dir);
        assert_int_equal(symlink(target, dropin), 0);
        p = load_file_ok(t.main_path);
        assert_true(p->daemon.dry_run);
        policy_free(p);
        scratch_remove(&t);
}

/* "[Daemon]\nDryRun=yes\n" and then a comment up to size bytes in all. */
static char *make_big_policy(size_t size) {
        static const char head[] = "[Daemon]\nDryRun=yes\n#";
        char *text = malloc(size + 1);

        assert_non_null(text);
        assert_true(size >= sizeof(head));
        memcpy(text, head, sizeof(head) - 1);
        memset(text + sizeof(head) - 1, 'x', size - sizeof(head));
        text[size - 1] = '\n';
        text[size] = 0;
        return text;
}

static void a_file_over_the_size_limit_is_refused_and_one_at_it_is_read(void **state) {
        char *text = make_big_policy(POLICY_FILE_SIZE_MAX + 1);
        Policy *p;
        Scratch t;

        scratch_make(&t);
        write_file(t.main_path, text, POLICY_FILE_SIZE_MAX + 1);
        assert_only_file_error(t.main_path, t.main_path, "larger than 4194304 bytes (4 MiB)");
        free(text);
        text = make_big_policy(POLICY_FILE_SIZE_MAX);
        write_file(t.main_path, text, POLICY_FILE_SIZE_MAX);
        p = load_file_ok(t.main_path);
        assert_true(p->daemon.dry_run);
        policy_free(p);
        free(text);
        scratch_remove(&t);
}

static void a_buffer_over_the_size_limit_is_refused(void **state) {
        char *text = make_big_policy(POLICY_FILE_SIZE_MAX + 1);
        Policy *p = &untouched_policy;
        char **errors = NULL;

        assert_int_equal(policy_load_string(text, NAME, &p, &errors), -EINVAL);
        assert_ptr_equal(p, &untouched_policy);
        assert_int_equal(strv_length(errors), 1);
        assert_error_matches(errors[0], NAME ":0: ", "larger than 4194304 bytes (4 MiB)");
        strv_free(errors);
        free(text);
}

/* ---- big policies ---- */

#define MANY_RULES 40000

static void forty_thousand_rules_load_in_order_and_a_late_duplicate_names_the_first(void **state) {
        const size_t line = strlen("[Rule r00000]\n");
        char *text = malloc(line * (MANY_RULES + 1) + 1), *o = text;
        char **errors;
        Policy *p;

        assert_non_null(text);
        for (unsigned i = 0; i < MANY_RULES; i++)
                o += sprintf(o, "[Rule r%05u]\n", i);
        p = load_string_ok(text);
        assert_int_equal(p->n_rules, MANY_RULES);
        for (unsigned i = 0; i < MANY_RULES; i += 997) {
                char name[16];
                snprintf(name, sizeof(name), "r%05u", i);
                assert_string_equal(p->rules[i].name, name);
                assert_int_equal(p->rules[i].line, i + 1);
        }
        policy_free(p);

        sprintf(o, "[Rule r12345]\n");
        errors = load_string_errors(text);
        assert_int_equal(strv_length(errors), 1);
        assert_string_equal(errors[0], NAME ":40001: duplicate rule name \"r12345\" (first "
                                            "defined at " NAME ":12346)");
        strv_free(errors);
        free(text);
}

static void many_assignments_of_a_list_add_up_to_the_whole_list(void **state) {
        const unsigned n = 3000;
        char *text = malloc(64 * (size_t) n + 64), *o = text, *expected, *e;
        Policy *p;

        assert_non_null(text);
        assert_non_null(expected = malloc(16 * (size_t) n));
        e = expected;
        o += sprintf(o, "[Rule r]\n");
        for (unsigned i = 0; i < n; i++) {
                o += sprintf(o, "Owner=%u\nKey=0x%x\nCreator=c%u\n", i, i, i);
                e += sprintf(e, "%s%u", i ? " " : "", i);
        }
        p = load_string_ok(text);
        assert_int_equal(p->rules[0].owner.n, n);
        assert_string_equal(p->rules[0].owner.text, expected);
        assert_int_equal(p->rules[0].key.n, n);
        assert_int_equal(strv_length(p->rules[0].creator), n);
        assert_string_equal(p->rules[0].creator[n - 1], "c2999");
        for (unsigned i = 0; i < n; i++)
                assert_true(id_set_contains(&p->rules[0].owner, i));
        assert_false(id_set_contains(&p->rules[0].owner, n));
        policy_free(p);
        free(expected);
        free(text);
}

static void a_load_stops_after_the_error_limit(void **state) {
        const unsigned n = 5 * POLICY_ERRORS_MAX;
        char *text = malloc(8 * (size_t) n + 16), *o = text, location[32];
        char **errors;

        assert_non_null(text);
        o += sprintf(o, "[Daemon]\n");
        for (unsigned i = 0; i < n; i++)
                o += sprintf(o, "Bad=%u\n", i % 10);
        errors = load_string_errors(text);
        assert_int_equal(strv_length(errors), POLICY_ERRORS_MAX);
        assert_error_matches(errors[0], NAME ":2: ", "unknown key \"Bad\"");
        snprintf(location, sizeof(location), "%s:%d: ", NAME, POLICY_ERRORS_MAX + 1);
        assert_error_matches(errors[POLICY_ERRORS_MAX - 1], location,
                             "too many errors (1000), not reading further");
        strv_free(errors);
        free(text);
}

/* ---- POSIX kinds and Name= ---- */

static void a_rule_without_kind_means_only_the_system_v_kinds(void **state) {
        Policy *p = load_string_ok("[Rule r]\nOwner=1000\n");

        assert_int_equal(p->rules[0].kinds, IPC_KIND_SYSV);
        assert_int_equal(p->rules[0].kinds & IPC_KIND_POSIX, 0);
        assert_null(p->rules[0].names);
        policy_free(p);
}

static void kind_accepts_each_posix_kind(void **state) {
        Policy *p = load_string_ok("[Rule a]\nKind=posix-shm\n[Rule b]\nKind=posix-sem\n"
                                   "[Rule c]\nKind=posix-mq\n[Rule d]\nKind=posix-mq shm\n"
                                   "[Rule e]\nKind=posix-shm posix-sem posix-mq\n");

        assert_int_equal(p->rules[0].kinds, KIND_BIT(IPC_KIND_POSIX_SHM));
        assert_int_equal(p->rules[1].kinds, KIND_BIT(IPC_KIND_POSIX_SEM));
        assert_int_equal(p->rules[2].kinds, KIND_BIT(IPC_KIND_POSIX_MQ));
        assert_int_equal(p->rules[3].kinds, KIND_BIT(IPC_KIND_POSIX_MQ) | KIND_BIT(IPC_KIND_SHM));
        assert_int_equal(p->rules[4].kinds, IPC_KIND_POSIX);
        policy_free(p);
}

static void kind_all_selects_every_kind(void **state) {
        Policy *p = load_string_ok("[Rule a]\nKind=all\n"
                                   "[Rule b]\nKind=shm\nKind=all\n"
                                   "[Rule c]\nKind=all posix-mq\n"
                                   "[Rule d]\nKind=shm sem msg posix-shm posix-sem posix-mq\n"
                                   "[Rule e]\nKind=all\nKind=\n"
                                   "[Rule f]\nKind=all\nKind=\nKind=posix-sem\n");

        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(p->rules[i].kinds, IPC_KIND_EVERY);
                for (IpcKind k = 0; k < _IPC_KIND_MAX; k++)
                        assert_true(p->rules[i].kinds & KIND_BIT(k));
        }
        /* An empty assignment resets to the default, which leaves out the POSIX kinds. */
        assert_int_equal(p->rules[4].kinds, IPC_KIND_SYSV);
        assert_int_equal(p->rules[5].kinds, KIND_BIT(IPC_KIND_POSIX_SEM));
        policy_free(p);
}

static void an_unknown_kind_names_the_valid_ones(void **state) {
        static const char *const words[] = { "posix",  "posix-shmem", "posix_shm", "POSIX-SHM",
                                             "ALL",    "every",       "shm*",      "posix-msg",
                                             "mqueue", "sem." };
        const char *valid = "use shm, sem, msg, posix-shm, posix-sem, posix-mq or all";

        for (size_t i = 0; i < ELEMENTSOF(words); i++) {
                char text[128], fragment[64];

                snprintf(text, sizeof(text), "[Rule r]\nKind=posix-shm %s\n", words[i]);
                snprintf(fragment, sizeof(fragment), "Kind=: unknown kind \"%s\"", words[i]);
                assert_only_error(text, NAME ":2: ", fragment);
                assert_only_error(text, NAME ":2: ", valid);
        }
}

static void name_accepts_globs_and_accumulates_across_assignments(void **state) {
        Policy *p = load_string_ok("[Rule r]\nKind=all\nName=PostgreSQL.*\n"
                                   "Name=fastrtps_* pulse-shm-?\nName=[a-z]*.lock\n");
        const Rule *r = &p->rules[0];

        assert_int_equal(strv_length(r->names), 4);
        assert_string_equal(r->names[0], "PostgreSQL.*");
        assert_string_equal(r->names[1], "fastrtps_*");
        assert_string_equal(r->names[2], "pulse-shm-?");
        assert_string_equal(r->names[3], "[a-z]*.lock");
        policy_free(p);
}

static void an_empty_name_assignment_resets_it_to_any(void **state) {
        Policy *p = load_string_ok("[Rule a]\nKind=all\nName=PostgreSQL.*\nName=x\nName=\n"
                                   "[Rule b]\nKind=all\nName=PostgreSQL.*\nName=\nName=fastrtps_*\n"
                                   "[Rule c]\nKind=all\nName=\n");

        assert_null(p->rules[0].names);
        assert_int_equal(strv_length(p->rules[1].names), 1);
        assert_string_equal(p->rules[1].names[0], "fastrtps_*");
        assert_null(p->rules[2].names);
        policy_free(p);
}

static void name_assignments_do_not_leak_into_the_next_rule(void **state) {
        Policy *p = load_string_ok("[Rule a]\nKind=all\nName=x y\n[Rule b]\nKind=all\nName=z\n"
                                   "[Rule c]\nKind=all\n");

        assert_int_equal(strv_length(p->rules[0].names), 2);
        assert_int_equal(strv_length(p->rules[1].names), 1);
        assert_string_equal(p->rules[1].names[0], "z");
        assert_null(p->rules[2].names);
        policy_free(p);
}

static void the_printed_policy_prints_name_only_for_rules_that_have_it(void **state) {
        Policy *p = load_string_ok("[Rule pg]\nKind=posix-shm posix-sem\nName=PostgreSQL.* "
                                   "fastrtps_*\nOwner=1000-60000\n"
                                   "[Rule every]\nKind=all\nAction=report\n"
                                   "[Rule sysv]\nOwner=0-999\nAction=keep\n");
        char *text = print_to_string(p), *rules = strip_comment_lines(strstr(text, "[Rule pg]"));

        assert_string_equal(rules, "[Rule pg]\n"
                                   "Kind=posix-shm posix-sem\n"
                                   "Owner=1000-60000\n"
                                   "Group=\n"
                                   "Key=\n"
                                   "Creator=\n"
                                   "Name=PostgreSQL.* fastrtps_*\n"
                                   "Namespace= # not set: the host namespace only\n"
                                   "MinSize=0\n"
                                   "MinIdleSec=1h\n"
                                   "RequireDeadPids=yes\n"
                                   "RequireNoOwnerProcesses=no\n"
                                   "Action=reap\n"
                                   "Quarantine=no\n"
                                   "\n"
                                   "[Rule every]\n"
                                   "Kind=shm sem msg posix-shm posix-sem posix-mq\n"
                                   "Owner=\n"
                                   "Group=\n"
                                   "Key=\n"
                                   "Creator=\n"
                                   "Namespace= # not set: the host namespace only\n"
                                   "MinSize=0\n"
                                   "MinIdleSec=1h\n"
                                   "RequireDeadPids=yes\n"
                                   "RequireNoOwnerProcesses=no\n"
                                   "Action=report\n"
                                   "Quarantine=no\n"
                                   "\n"
                                   "[Rule sysv]\n"
                                   "Kind=shm sem msg\n"
                                   "Owner=0-999\n"
                                   "Group=\n"
                                   "Key=\n"
                                   "Creator=\n"
                                   "Namespace= # not set: the host namespace only\n"
                                   "MinSize=0\n"
                                   "MinIdleSec=1h\n"
                                   "RequireDeadPids=yes\n"
                                   "RequireNoOwnerProcesses=no\n"
                                   "Action=keep\n"
                                   "Quarantine=no\n");
        free(rules);
        free(text);
        policy_free(p);
}

static void the_printed_posix_policy_parses_back_to_the_same_policy(void **state) {
        Policy *p = load_string_ok("[Rule pg]\nKind=posix-shm posix-sem\nName=PostgreSQL.*\n"
                                   "Name=fastrtps_* [a-z]?lock\nMinSize=1M\n"
                                   "[Rule every]\nKind=all\nAction=report\n"
                                   "[Rule queues]\nKind=posix-mq\nName=*\n"
                                   "[Rule sysv]\nOwner=0-999\nAction=keep\n");
        char *text = print_to_string(p);
        Policy *q = load_string_ok(text);

        assert_print_round_trips(p);
        assert_int_equal(q->n_rules, 4);
        for (size_t i = 0; i < q->n_rules; i++) {
                assert_int_equal(q->rules[i].kinds, p->rules[i].kinds);
                assert_int_equal(strv_length(q->rules[i].names), strv_length(p->rules[i].names));
                for (size_t j = 0; p->rules[i].names && p->rules[i].names[j]; j++)
                        assert_string_equal(q->rules[i].names[j], p->rules[i].names[j]);
        }
        assert_int_equal(q->rules[1].kinds, IPC_KIND_EVERY);
        assert_null(q->rules[1].names);
        assert_null(q->rules[3].names);
        free(text);
        policy_free(q);
        policy_free(p);
}

static void the_printed_policy_with_a_long_name_list_parses_back(void **state) {
        char text[4096] = "[Rule r]\nKind=all\n", *printed;
        size_t longest = 0;
        Policy *p;

        for (int line = 0; line < 4; line++) {
                strcat(text, "Name=");
                for (int i = 0; i < 10; i++)
                        snprintf(text + strlen(text), sizeof(text) - strlen(text),
                                 "fastrtps_port%d%d_* ", line, i);
                strcat(text, "\n");
        }
        p = load_string_ok(text);
        assert_int_equal(strv_length(p->rules[0].names), 40);
        printed = print_to_string(p);
        for (const char *l = printed; *l;) {
                size_t n = strcspn(l, "\n");
                longest = MAX(longest, n);
                l += n + (l[n] == '\n');
        }
        free(printed);
        assert_in_range(longest, 0, INI_MAX_LINE - 2);
        assert_print_round_trips(p);
        policy_free(p);
}

/* Asserts the warnings of text, in order, each given as its "FILE:LINE: " and a fragment
 * (pairs ending in NULL); shows and frees them before failing, so a failure leaks nothing. */
static void assert_warnings(const char *text, const char *const *want) {
        Policy *p = load_string_ok(text);
        char **warnings = NULL;
        size_t n = 0;
        bool ok;

        assert_int_equal(policy_warnings(p, &warnings), 0);
        policy_free(p);
        while (want[2 * n])
                n++;
        ok = strv_length(warnings) == n;
        for (size_t i = 0; ok && i < n; i++)
                ok = strncmp(warnings[i], want[2 * i], strlen(want[2 * i])) == 0 &&
                     strstr(warnings[i], want[2 * i + 1]);
        if (!ok) {
                print_message("wanted %zu warning(s), got:\n", n);
                print_errors(warnings);
        }
        strv_free(warnings);
        assert_true(ok);
}

static void a_catch_all_rule_without_kind_does_not_shadow_a_later_posix_rule(void **state) {
        /* The catch-all governs System V objects only: POSIX objects get past it. */
        assert_warnings("[Rule rest]\nAction=report\n"
                        "[Rule pg]\nKind=posix-shm\nName=PostgreSQL.*\n",
                        (const char *[]){ NULL });
}

static void a_catch_all_kind_all_rule_shadows_every_later_rule(void **state) {
        assert_warnings("[Rule rest]\nKind=all\nAction=report\n"
                        "[Rule pg]\nKind=posix-shm\nName=PostgreSQL.*\n"
                        "[Rule users]\nOwner=1000-60000\n",
                        (const char *[]){ NAME ":4: ", "rule \"pg\" can never govern",
                                          NAME ":7: ", "rule \"users\" can never govern", NULL });
}

static void a_catch_all_posix_rule_shadows_a_later_rule_of_its_kinds(void **state) {
        assert_warnings("[Rule shm]\nKind=posix-shm\nAction=keep\n"
                        "[Rule pg]\nKind=posix-shm\nName=PostgreSQL.*\n"
                        "[Rule sems]\nKind=posix-sem\n",
                        (const char *[]){ NAME ":4: ", "rule \"pg\" can never govern", NULL });
}

static void a_name_rule_is_no_catch_all(void **state) {
        assert_warnings("[Rule any-name]\nKind=all\nName=*\nAction=keep\n"
                        "[Rule users]\nOwner=1000-60000\n",
                        (const char *[]){ NULL });
}

/* ---- IPC namespaces: Namespace= and ScanNamespaces= ---- */

static void namespace_accepts_globs_and_accumulates_across_assignments(void **state) {
        Policy *p = load_string_ok("[Rule r]\nNamespace=docker-*\n"
                                   "Namespace=machine-*.scope   host\nNamespace=ipc-[0-9]*\n");
        const Rule *r = &p->rules[0];

        assert_int_equal(strv_length(r->namespaces), 4);
        assert_string_equal(r->namespaces[0], "docker-*");
        assert_string_equal(r->namespaces[1], "machine-*.scope");
        assert_string_equal(r->namespaces[2], "host");
        assert_string_equal(r->namespaces[3], "ipc-[0-9]*");
        assert_true(r->namespaces_match_host);
        assert_false(r->namespaces_match_all);
        policy_free(p);
}

static void namespace_flags_say_whether_the_globs_cover_the_host_or_everything(void **state) {
        static const struct {
                const char *globs;
                bool host, all;
        } cases[] = {
                { "*", true, true },          { "**", true, true },
                { "docker-* *", true, true }, { "host", true, false },
                { "h*", true, false },        { "[gh]os?", true, false },
                { "docker-*", false, false }, { "machine-*.scope libpod-*", false, false },
                { "hosts", false, false },    { "\\*", false, false },
                { "?*", true, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[128];
                Policy *p;

                snprintf(text, sizeof(text), "[Rule r]\nNamespace=%s\n", cases[i].globs);
                p = load_string_ok(text);
                if (p->rules[0].namespaces_match_host != cases[i].host ||
                    p->rules[0].namespaces_match_all != cases[i].all)
                        print_message("Namespace=%s: host %d all %d\n", cases[i].globs,
                                      p->rules[0].namespaces_match_host,
                                      p->rules[0].namespaces_match_all);
                assert_int_equal(p->rules[0].namespaces_match_host, cases[i].host);
                assert_int_equal(p->rules[0].namespaces_match_all, cases[i].all);
                policy_free(p);
        }
}

static void an_empty_namespace_assignment_resets_it_to_the_host_only(void **state) {
        Policy *p = load_string_ok("[Rule a]\nNamespace=*\nNamespace=host\nNamespace=\n"
                                   "[Rule b]\nNamespace=*\nNamespace=\nNamespace=docker-*\n"
                                   "[Rule c]\nNamespace=\n");

        /* The default, not "any": the flags of the globs before go with them. */
        assert_null(p->rules[0].namespaces);
        assert_false(p->rules[0].namespaces_match_host);
        assert_false(p->rules[0].namespaces_match_all);
        assert_int_equal(strv_length(p->rules[1].namespaces), 1);
        assert_string_equal(p->rules[1].namespaces[0], "docker-*");
        assert_false(p->rules[1].namespaces_match_host);
        assert_false(p->rules[1].namespaces_match_all);
        assert_null(p->rules[2].namespaces);
        policy_free(p);
}

static void namespace_assignments_do_not_leak_into_the_next_rule(void **state) {
        Policy *p = load_string_ok("[Rule a]\nNamespace=* docker-*\n[Rule b]\nNamespace=x\n"
                                   "[Rule c]\nOwner=1\n");

        assert_int_equal(strv_length(p->rules[0].namespaces), 2);
        assert_true(p->rules[0].namespaces_match_all);
        assert_int_equal(strv_length(p->rules[1].namespaces), 1);
        assert_string_equal(p->rules[1].namespaces[0], "x");
        assert_false(p->rules[1].namespaces_match_all);
        assert_false(p->rules[1].namespaces_match_host);
        assert_null(p->rules[2].namespaces);
        assert_false(p->rules[2].namespaces_match_all);
        policy_free(p);
}

static void namespace_accepts_every_well_formed_glob(void **state) {
        Policy *p = load_string_ok("[Rule r]\nNamespace=[]a]* [!]]* [^h]* \\[literal\\] a\\\\\n"
                                   "Namespace=[[:digit:]]* [[:alpha:][:punct:]]? [[.-.]] [[=a=]]\n"
                                   "Namespace=kubepods-*-pod*.slice cri-containerd-*.scope "
                                   "[a-f0-9]*\n");

        assert_int_equal(strv_length(p->rules[0].namespaces), 12);
        assert_string_equal(p->rules[0].namespaces[4], "a\\\\");
        policy_free(p);
}

static void a_malformed_namespace_glob_is_refused_at_its_line(void **state) {
        static const struct {
                const char *glob, *fragment;
        } cases[] = {
                { "[abc", "invalid glob \"[abc\": it opens a \"[\" it never closes" },
                { "docker-[", "invalid glob \"docker-[\": it opens a \"[\"" },
                { "[]", "opens a \"[\" it never closes" },
                { "[!]", "opens a \"[\" it never closes" },
                { "[a\\]", "opens a \"[\" it never closes" },
                { "docker-\\", "invalid glob \"docker-\\\": it ends in a lone \"\\\"" },
                { "[[:bogus:]]", "names an unknown character class" },
                { "[[:alpha:]", "opens a \"[\" it never closes" },
                { "[[:alpha]]", "opens a \"[:\", \"[.\" or \"[=\" it never closes" },
                { "a/b", "\"a/b\" can never match: a namespace name" },
                { "/", "can never match" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[128];

                /* The good glob before the bad one on the line is not the one blamed. */
                snprintf(text, sizeof(text), "[Rule r]\nOwner=1\nNamespace=docker-* %s\n",
                         cases[i].glob);
                assert_only_error(text, NAME ":3: Namespace=: ", cases[i].fragment);
        }
}

static void a_namespace_line_with_a_control_character_or_too_long_is_refused(void **state) {
        char text[512] = "[Rule r]\nNamespace=";

        assert_only_error("[Rule r]\nNamespace=docker-\x1b*\n",
                          NAME ":2: ", "control character 0x1b");
        assert_only_error("[Rule r]\nNamespace=a\vb\n", NAME ":2: ", "control character 0x0b");
        /* Longer than any cgroup directory name can be: caught by the line limit first. */
        memset(text + strlen(text), 'a', 300);
        strcat(text, "\nNamespace=host\n");
        assert_only_error(text, NAME ":2: ", "line too long");
}

static void namespace_belongs_in_a_rule_and_scan_namespaces_in_the_daemon_section(void **state) {
        assert_only_error("[Daemon]\nNamespace=*\n",
                          NAME ":2: ", "Namespace= belongs in [Rule NAME]");
        assert_only_error("[Rule r]\nScanNamespaces=host\n",
                          NAME ":2: ", "ScanNamespaces= belongs in [Daemon]");
        assert_only_error("[Rule r]\nNamespaces=*\n", NAME ":2: ", "unknown key \"Namespaces\"");
}

static void scan_namespaces_accepts_all_and_host_and_the_last_one_wins(void **state) {
        Policy *p = load_string_ok("[Daemon]\nScanNamespaces=host\n");

        assert_int_equal(p->daemon.scan_namespaces, SCAN_NAMESPACES_HOST);
        policy_free(p);
        p = load_string_ok("[Daemon]\nScanNamespaces=host\nScanNamespaces=all\n");
        assert_int_equal(p->daemon.scan_namespaces, SCAN_NAMESPACES_ALL);
        policy_free(p);
        p = load_string_ok("[Daemon]\nDryRun=yes\n");
        assert_int_equal(p->daemon.scan_namespaces, SCAN_NAMESPACES_ALL);
        policy_free(p);
        assert_string_equal(scan_namespaces_to_string(SCAN_NAMESPACES_ALL), "all");
        assert_string_equal(scan_namespaces_to_string(SCAN_NAMESPACES_HOST), "host");
        assert_int_equal(scan_namespaces_from_string("host"), SCAN_NAMESPACES_HOST);
        assert_int_equal(scan_namespaces_from_string("none"), _SCAN_NAMESPACES_INVALID);
}

static void a_bad_scan_namespaces_is_reported(void **state) {
        static const char *const values[] = { "none", "Host", "ALL", "all host", "yes", "*", "" };

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                char text[128], fragment[128];

                snprintf(text, sizeof(text), "[Daemon]\nScanNamespaces=%s\n", values[i]);
                snprintf(fragment, sizeof(fragment),
                         "ScanNamespaces=: invalid value \"%s\" (use all or host)", values[i]);
                assert_only_error(text, NAME ":2: ", fragment);
        }
}

static void the_printed_policy_spells_out_namespaces(void **state) {
        Policy *p = load_string_ok("[Daemon]\nScanNamespaces=host\n"
                                   "[Rule containers]\nNamespace=docker-* machine-*.scope\n"
                                   "Namespace=host\n"
                                   "[Rule host]\nOwner=1000\n");
        char *text = print_to_string(p);

        assert_non_null(strstr(text, "\nScanNamespaces=host\n"));
        assert_non_null(strstr(text, "[Rule containers]\n"));
        assert_non_null(strstr(text, "\nNamespace=docker-* machine-*.scope host\n"));
        assert_non_null(strstr(text, "[Rule host]\n"));
        assert_non_null(strstr(strstr(text, "[Rule host]\n"),
                               "\nNamespace= # not set: the host namespace only\n"));
        free(text);
        policy_free(p);
}

static void the_printed_namespace_policy_parses_back_to_the_same_policy(void **state) {
        Policy *p = load_string_ok("[Daemon]\nScanNamespaces=host\n"
                                   "[Rule pods]\nKind=all\nNamespace=kubepods-*\nNamespace=* "
                                   "[[:digit:]]x\n"
                                   "[Rule host-only]\nOwner=1000\n"
                                   "[Rule reset]\nNamespace=docker-*\nNamespace=\n");
        char *text = print_to_string(p);
        Policy *q = load_string_ok(text);

        assert_print_round_trips(p);
        assert_int_equal(q->daemon.scan_namespaces, SCAN_NAMESPACES_HOST);
        assert_int_equal(q->n_rules, 3);
        for (size_t i = 0; i < q->n_rules; i++) {
                assert_int_equal(strv_length(q->rules[i].namespaces),
                                 strv_length(p->rules[i].namespaces));
                for (size_t j = 0; p->rules[i].namespaces && p->rules[i].namespaces[j]; j++)
                        assert_string_equal(q->rules[i].namespaces[j], p->rules[i].namespaces[j]);
                assert_int_equal(q->rules[i].namespaces_match_host,
                                 p->rules[i].namespaces_match_host);
                assert_int_equal(q->rules[i].namespaces_match_all,
                                 p->rules[i].namespaces_match_all);
        }
        /* The default prints as an empty assignment, which reads back as the default. */
        assert_null(q->rules[1].namespaces);
        assert_null(q->rules[2].namespaces);
        free(text);
        policy_free(q);
        policy_free(p);
}

static void a_namespace_rule_for_containers_only_warns_when_only_the_host_is_scanned(void **state) {
        assert_warnings(
                "[Daemon]\nScanNamespaces=host\n"
                "[Rule pods]\nNamespace=docker-* machine-*.scope\n"
                "[Rule host-too]\nNamespace=host docker-*\n"
                "[Rule everything]\nNamespace=*\nOwner=1000\n"
                "[Rule plain]\nOwner=0\n",
                (const char *[]){ NAME ":3: ",
                                  "rule \"pods\": Namespace=docker-* machine-*.scope cannot "
                                  "match: ScanNamespaces=host",
                                  NULL });
        assert_warnings("[Daemon]\nScanNamespaces=all\n"
                        "[Rule pods]\nNamespace=docker-* machine-*.scope\n",
                        (const char *[]){ NULL });
        assert_warnings("[Rule pods]\nNamespace=docker-*\n", (const char *[]){ NULL });
}

static void a_catch_all_without_namespace_does_not_shadow_a_container_rule(void **state) {
        /* The catch-all takes every host object: containers' objects get past it. */
        assert_warnings("[Rule host-rest]\nAction=report\n"
                        "[Rule pods]\nNamespace=docker-*\n"
                        "[Rule everywhere]\nNamespace=*\nOwner=1000\n"
                        "[Rule host-users]\nOwner=1000\n",
                        (const char *[]){ NAME ":8: ",
                                          "rule \"host-users\" can never govern an object: rule "
                                          "\"host-rest\" (" NAME ":1) before it matches every "
                                          "object of the host namespace",
                                          NULL });
}

static void a_namespace_star_catch_all_shadows_every_later_rule(void **state) {
        assert_warnings("[Rule all]\nNamespace=*\nAction=report\n"
                        "[Rule pods]\nNamespace=docker-*\n"
                        "[Rule host-users]\nOwner=1000\n",
                        (const char *[]){ NAME ":4: ", "rule \"pods\" can never govern",
                                          NAME ":6: ", "rule \"host-users\" can never govern",
                                          NULL });
}

static void a_catch_all_of_some_namespaces_shadows_nothing(void **state) {
        assert_warnings("[Rule pods]\nNamespace=docker-*\nAction=report\n"
                        "[Rule more-pods]\nNamespace=docker-*\n"
                        "[Rule host-users]\nOwner=1000\n",
                        (const char *[]){ NULL });
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(every_key_of_the_daemon_section_is_read),
                cmocka_unit_test(every_key_of_a_rule_section_is_read),
                cmocka_unit_test(an_empty_file_gives_the_documented_defaults),
                cmocka_unit_test(a_rule_without_keys_gets_the_documented_defaults),
                cmocka_unit_test(rules_keep_their_file_order_and_where_they_were_defined),
                cmocka_unit_test(the_shipped_policy_is_valid),
                cmocka_unit_test(a_loaded_string_names_itself_as_the_file),
                cmocka_unit_test(every_boolean_spelling_is_accepted),
                cmocka_unit_test(every_action_is_accepted),
                cmocka_unit_test(owner_accepts_user_names_uids_and_ranges),
                cmocka_unit_test(owner_at_group_means_the_users_of_that_group),
                cmocka_unit_test(a_group_named_again_gives_its_members_each_time),
                cmocka_unit_test(group_accepts_group_names_gids_and_ranges),
                cmocka_unit_test(key_accepts_private_hex_keys_and_ranges),
                cmocka_unit_test(kind_accepts_each_of_the_three_kinds),
                cmocka_unit_test(rule_names_may_use_letters_digits_and_punctuation_up_to_64),
                cmocka_unit_test(socket_path_of_the_longest_unix_socket_length_is_accepted),
                cmocka_unit_test(admin_group_accepts_a_name_or_a_number_and_empty_means_none),
                cmocka_unit_test(empty_metrics_file_means_none_and_zero_reaps_means_no_limit),
                cmocka_unit_test(a_later_daemon_assignment_overrides_an_earlier_one),
                cmocka_unit_test(list_keys_accumulate_across_repeated_assignments),
                cmocka_unit_test(kind_still_accumulates_after_all_three_kinds_were_listed),
                cmocka_unit_test(an_empty_assignment_resets_a_list_to_any),
                cmocka_unit_test(values_after_an_empty_assignment_start_a_new_list),
                cmocka_unit_test(list_assignments_do_not_leak_into_the_next_rule),
                cmocka_unit_test(inline_hash_and_semicolon_comments_are_stripped),
                cmocka_unit_test(indentation_and_blanks_around_equals_are_ignored),
                cmocka_unit_test(crlf_line_endings_are_accepted),
                cmocka_unit_test(a_utf8_byte_order_mark_before_the_first_section_is_ignored),
                cmocka_unit_test(a_line_of_the_longest_allowed_length_is_accepted),
                cmocka_unit_test(a_line_longer_than_inih_allows_is_reported_with_its_line),
                cmocka_unit_test(a_last_line_without_a_newline_has_the_same_length_limit),
                cmocka_unit_test(a_long_comment_line_is_not_an_error),
                cmocka_unit_test(dropins_are_read_after_the_main_file_in_lexical_order),
                cmocka_unit_test(later_dropins_override_daemon_settings),
                cmocka_unit_test(dropin_rules_are_appended_after_the_main_files_rules),
                cmocka_unit_test(a_dropin_starts_outside_any_section),
                cmocka_unit_test(a_dropin_path_that_is_not_a_directory_is_an_error),
                cmocka_unit_test(a_missing_main_file_is_reported_at_line_0),
                cmocka_unit_test(an_unknown_section_is_reported_and_its_keys_are_not),
                cmocka_unit_test(section_names_are_case_sensitive),
                cmocka_unit_test(an_unknown_key_is_reported_with_its_section),
                cmocka_unit_test(keys_are_case_sensitive),
                cmocka_unit_test(a_key_in_the_wrong_section_says_where_it_belongs),
                cmocka_unit_test(a_key_outside_a_section_is_reported),
                cmocka_unit_test(a_bad_time_span_is_reported),
                cmocka_unit_test(a_scan_interval_of_zero_is_refused),
                cmocka_unit_test(a_bad_size_is_reported),
                cmocka_unit_test(a_bad_boolean_is_reported),
                cmocka_unit_test(a_bad_number_is_reported),
                cmocka_unit_test(a_bad_kind_is_reported),
                cmocka_unit_test(a_bad_action_is_reported),
                cmocka_unit_test(an_unknown_user_is_reported),
                cmocka_unit_test(an_unknown_group_is_reported),
                cmocka_unit_test(an_unknown_at_group_is_reported),
                cmocka_unit_test(a_bad_uid_or_gid_range_is_reported),
                cmocka_unit_test(a_bad_key_is_reported),
                cmocka_unit_test(a_relative_or_missing_path_is_refused),
                cmocka_unit_test(a_socket_path_too_long_for_a_unix_socket_is_refused),
                cmocka_unit_test(a_rule_without_a_name_is_refused),
                cmocka_unit_test(an_invalid_rule_name_is_refused),
                cmocka_unit_test(a_duplicate_rule_name_names_the_first_definition),
                cmocka_unit_test(a_duplicate_rule_name_in_a_dropin_names_the_main_file),
                cmocka_unit_test(quarantine_yes_and_no_are_accepted),
                cmocka_unit_test(a_line_without_equals_is_a_syntax_error),
                cmocka_unit_test(every_syntax_error_is_reported_not_just_the_first),
                cmocka_unit_test(several_errors_in_one_file_are_all_reported_in_order),
                cmocka_unit_test(a_failed_load_leaves_the_policy_untouched_and_errors_are_optional),
                cmocka_unit_test(the_printed_policy_spells_out_every_default),
                cmocka_unit_test(the_printed_policy_parses_back_to_the_same_policy),
                cmocka_unit_test(the_printed_policy_with_long_lists_parses_back),
                cmocka_unit_test(overrides_replace_socket_and_state_directory_and_force_dry_run),
                cmocka_unit_test(overrides_left_unset_keep_the_files_values),
                cmocka_unit_test(root_is_always_an_admin),
                cmocka_unit_test(unknown_credentials_are_never_an_admin),
                cmocka_unit_test(the_admin_groups_primary_members_are_admins),
                cmocka_unit_test(the_admin_groups_supplementary_members_are_admins),
                cmocka_unit_test(without_an_admin_group_only_root_is_an_admin),
                cmocka_unit_test(the_admin_group_of_a_loaded_policy_is_honoured),
                cmocka_unit_test(an_id_set_contains_the_bounds_of_its_ranges_and_nothing_else),
                cmocka_unit_test(owner_processes_are_needed_only_when_an_acting_rule_asks),
                cmocka_unit_test(a_referenced_policy_lives_until_its_last_reference_is_dropped),
                cmocka_unit_test(the_cleanup_attribute_drops_a_reference),
                cmocka_unit_test(every_number_is_accepted_at_both_ends_of_its_range),
                cmocka_unit_test(a_number_past_either_end_of_its_range_is_refused_with_the_range),
                cmocka_unit_test(a_scan_interval_of_the_largest_64_bit_number_is_refused),
                cmocka_unit_test(overflowing_numbers_are_reported_as_out_of_range),
                cmocka_unit_test(a_nul_byte_in_a_value_is_refused_at_its_line),
                cmocka_unit_test(a_nul_byte_in_a_file_is_refused_at_its_line),
                cmocka_unit_test(a_control_character_outside_a_comment_is_refused_at_its_line),
                cmocka_unit_test(tabs_crlf_and_control_characters_in_comments_are_accepted),
                cmocka_unit_test(text_after_a_section_header_is_refused_and_its_keys_are_not_read),
                cmocka_unit_test(a_comment_or_blanks_after_a_section_header_are_accepted),
                cmocka_unit_test(a_key_with_a_second_0x_prefix_is_refused),
                cmocka_unit_test(numbers_take_digits_only_without_sign_or_prefix),
                cmocka_unit_test(admin_group_minus_one_as_a_number_is_refused),
                cmocka_unit_test(a_directory_as_the_main_file_is_refused),
                cmocka_unit_test(a_directory_named_like_a_dropin_is_refused),
                cmocka_unit_test(a_fifo_dropin_is_refused_without_waiting_for_a_writer),
                cmocka_unit_test(a_dropin_linked_to_a_device_is_refused),
                cmocka_unit_test(a_dropin_linked_to_a_regular_file_is_read),
                cmocka_unit_test(a_file_over_the_size_limit_is_refused_and_one_at_it_is_read),
                cmocka_unit_test(a_buffer_over_the_size_limit_is_refused),
                cmocka_unit_test(
                        forty_thousand_rules_load_in_order_and_a_late_duplicate_names_the_first),
                cmocka_unit_test(many_assignments_of_a_list_add_up_to_the_whole_list),
                cmocka_unit_test(a_load_stops_after_the_error_limit),
                cmocka_unit_test(a_rule_without_kind_means_only_the_system_v_kinds),
                cmocka_unit_test(kind_accepts_each_posix_kind),
                cmocka_unit_test(kind_all_selects_every_kind),
                cmocka_unit_test(an_unknown_kind_names_the_valid_ones),
                cmocka_unit_test(name_accepts_globs_and_accumulates_across_assignments),
                cmocka_unit_test(an_empty_name_assignment_resets_it_to_any),
                cmocka_unit_test(name_assignments_do_not_leak_into_the_next_rule),
                cmocka_unit_test(the_printed_policy_prints_name_only_for_rules_that_have_it),
                cmocka_unit_test(the_printed_posix_policy_parses_back_to_the_same_policy),
                cmocka_unit_test(the_printed_policy_with_a_long_name_list_parses_back),
                cmocka_unit_test(a_catch_all_rule_without_kind_does_not_shadow_a_later_posix_rule),
                cmocka_unit_test(a_catch_all_kind_all_rule_shadows_every_later_rule),
                cmocka_unit_test(a_catch_all_posix_rule_shadows_a_later_rule_of_its_kinds),
                cmocka_unit_test(a_name_rule_is_no_catch_all),
                cmocka_unit_test(namespace_accepts_globs_and_accumulates_across_assignments),
                cmocka_unit_test(
                        namespace_flags_say_whether_the_globs_cover_the_host_or_everything),
                cmocka_unit_test(an_empty_namespace_assignment_resets_it_to_the_host_only),
                cmocka_unit_test(namespace_assignments_do_not_leak_into_the_next_rule),
                cmocka_unit_test(namespace_accepts_every_well_formed_glob),
                cmocka_unit_test(a_malformed_namespace_glob_is_refused_at_its_line),
                cmocka_unit_test(a_namespace_line_with_a_control_character_or_too_long_is_refused),
                cmocka_unit_test(
                        namespace_belongs_in_a_rule_and_scan_namespaces_in_the_daemon_section),
                cmocka_unit_test(scan_namespaces_accepts_all_and_host_and_the_last_one_wins),
                cmocka_unit_test(a_bad_scan_namespaces_is_reported),
                cmocka_unit_test(the_printed_policy_spells_out_namespaces),
                cmocka_unit_test(the_printed_namespace_policy_parses_back_to_the_same_policy),
                cmocka_unit_test(
                        a_namespace_rule_for_containers_only_warns_when_only_the_host_is_scanned),
                cmocka_unit_test(a_catch_all_without_namespace_does_not_shadow_a_container_rule),
                cmocka_unit_test(a_namespace_star_catch_all_shadows_every_later_rule),
                cmocka_unit_test(a_catch_all_of_some_namespaces_shadows_nothing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
