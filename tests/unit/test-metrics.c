/* SPDX-License-Identifier: MIT */
/* Tests the Prometheus exposition: exact lines before and after a scan, label escaping, and
 * the atomic replacement of the MetricsFile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "macro.h"
#include "metrics.h"
#include "policy.h"
#include "strv.h"

#define OBJECTS_ZERO                                                               \
        "# TYPE ipcreap_objects gauge\n"                                           \
        "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"in-use\"} 0\n"    \
        "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"idle\"} 0\n"      \
        "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"orphan\"} 0\n"    \
        "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"protected\"} 0\n" \
        "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"unmatched\"} 0\n" \
        "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"in-use\"} 0\n"    \
        "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"idle\"} 0\n"      \
        "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"orphan\"} 0\n"    \
        "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"protected\"} 0\n" \
        "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"unmatched\"} 0\n" \
        "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"in-use\"} 0\n"    \
        "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"idle\"} 0\n"      \
        "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"orphan\"} 0\n"    \
        "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"protected\"} 0\n" \
        "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"unmatched\"} 0\n"

/* Checks every "# HELP NAME TEXT" line (some text, right before NAME's TYPE line) and returns
 * the exposition without them, for an exact comparison of the rest: the wording of the help
 * may change, the names, types, labels and values may not. */
static char *without_help(const char *text) {
        _cleanup_strv_free_ char **kept = calloc(1, sizeof(char *));
        const char *p = text;

        assert_non_null(kept);
        assert_true(*text && text[strlen(text) - 1] == '\n');
        while (*p) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = strndup(p, (size_t) (nl - p));

                assert_non_null(line);
                if (strncmp(line, "# HELP ", 7) == 0) {
                        const char *name = line + 7, *help = strchr(name, ' ');
                        _cleanup_free_ char *type = NULL;
                        assert_non_null(help);
                        assert_true(strlen(help + 1) > 0);
                        assert_true(asprintf(&type, "# TYPE %.*s ", (int) (help - name), name) > 0);
                        assert_true(strncmp(nl + 1, type, strlen(type)) == 0);
                } else
                        assert_int_equal(strv_extend(&kept, line), 0);
                p = nl + 1;
        }
        char *joined = strv_join(kept, "\n");
        char *result = NULL;
        assert_true(asprintf(&result, "%s\n", joined) > 0);
        free(joined);
        return result;
}

static void metrics_before_the_first_scan_are_zeros_and_totals(void **state) {
        _cleanup_free_ char *text = NULL, *rest = NULL;
        Tracker t;

        tracker_init(&t, 4);
        assert_int_equal(metrics_format(NULL, &t, &text), 0);
        rest = without_help(text);
        assert_string_equal(rest, OBJECTS_ZERO "# TYPE ipcreap_reaped_total counter\n"
                                               "# TYPE ipcreap_reclaimed_bytes_total counter\n"
                                               "ipcreap_reclaimed_bytes_total 0\n"
                                               "# TYPE ipcreap_restored_total counter\n"
                                               "ipcreap_restored_total 0\n");
        /* No scan yet: no scan duration, timestamp or limits to report. */
        assert_null(strstr(text, "ipcreap_scan_duration_seconds"));
        assert_null(strstr(text, "ipcreap_last_scan_timestamp_seconds"));
        assert_null(strstr(text, "ipcreap_limit_used_ratio"));
        tracker_done(&t);
}

static void record(Tracker *t, IpcKind kind, const char *rule, uint64_t size) {
        RemovalEvent ev = {
                .time = 1700000000, .kind = kind, .id = 1, .rule = strdup(rule), .size = size
        };
        assert_non_null(ev.rule);
        assert_int_equal(tracker_record_removal(t, &ev), 0);
}

/* A result without namespaces[] (as fixtures and older code paths make): the totals are the
 * host's. */
static void metrics_after_a_scan_give_exact_lines(void **state) {
        _cleanup_policy_free_ Policy *p = NULL;
        _cleanup_free_ char *text = NULL, *rest = NULL;
        ScanResult r = { .time = 1700000000, .duration_usec = 1234567 };
        Tracker t;

        assert_int_equal(policy_load_string("[Rule stale-user-shm]\nKind=shm\n"
                                            "[Rule queues]\nKind=msg\nAction=report\n",
                                            "test.conf", &p, NULL),
                         0);
        r.policy = p;
        r.counts[IPC_KIND_SHM][OBJECT_IN_USE] = 3;
        r.counts[IPC_KIND_SHM][OBJECT_ORPHAN] = 1;
        r.counts[IPC_KIND_SEM][OBJECT_IDLE] = 12;
        r.counts[IPC_KIND_SEM][OBJECT_PROTECTED] = 4;
        r.counts[IPC_KIND_MSG][OBJECT_UNMATCHED] = 100000;
        r.limits.used[IPC_LIMIT_SHMMNI] = 1024;
        r.limits.max[IPC_LIMIT_SHMMNI] = 4096;
        r.limits.used[IPC_LIMIT_SHMALL] = 77; /* max unknown: no line */
        r.limits.used[IPC_LIMIT_SEMMNI] = 1;
        r.limits.max[IPC_LIMIT_SEMMNI] = 3;
        r.limits.used[IPC_LIMIT_SEMMNS] = 0;
        r.limits.max[IPC_LIMIT_SEMMNS] = 100;
        r.limits.used[IPC_LIMIT_MSGMNI] = 32000;
        r.limits.max[IPC_LIMIT_MSGMNI] = 32000;

        tracker_init(&t, 4);
        record(&t, IPC_KIND_SHM, "stale-user-shm", 4096);
        record(&t, IPC_KIND_SHM, "stale-user-shm", UINT64_C(5) << 30);
        record(&t, IPC_KIND_SEM, "stale-user-shm", 0);
        record(&t, IPC_KIND_MSG, "queues", 100);

        assert_int_equal(metrics_format(&r, &t, &text), 0);
        rest = without_help(text);
        assert_string_equal(
                rest,
                "# TYPE ipcreap_objects gauge\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"in-use\"} 3\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"idle\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"orphan\"} 1\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"protected\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"unmatched\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"in-use\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"idle\"} 12\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"orphan\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"protected\"} 4\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"unmatched\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"in-use\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"idle\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"orphan\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"protected\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"unmatched\"} 100000\n"
                "# TYPE ipcreap_reaped_total counter\n"
                "ipcreap_reaped_total{kind=\"shm\",rule=\"stale-user-shm\"} 2\n"
                "ipcreap_reaped_total{kind=\"sem\",rule=\"stale-user-shm\"} 1\n"
                "ipcreap_reaped_total{kind=\"msg\",rule=\"queues\"} 1\n"
                "# TYPE ipcreap_reclaimed_bytes_total counter\n"
                "ipcreap_reclaimed_bytes_total 5368713316\n"
                "# TYPE ipcreap_restored_total counter\n"
                "ipcreap_restored_total 0\n"
                "# TYPE ipcreap_scan_duration_seconds gauge\n"
                "ipcreap_scan_duration_seconds 1.234567\n"
                "# TYPE ipcreap_last_scan_timestamp_seconds gauge\n"
                "ipcreap_last_scan_timestamp_seconds 1700000000\n"
                "# TYPE ipcreap_scan_interval_seconds gauge\n"
                "ipcreap_scan_interval_seconds 60\n"
                "# TYPE ipcreap_limit_used_ratio gauge\n"
                "ipcreap_limit_used_ratio{namespace=\"host\",limit=\"shmmni\"} 0.25\n"
                "ipcreap_limit_used_ratio{namespace=\"host\",limit=\"semmni\"} 0.333333\n"
                "ipcreap_limit_used_ratio{namespace=\"host\",limit=\"semmns\"} 0\n"
                "ipcreap_limit_used_ratio{namespace=\"host\",limit=\"msgmni\"} 1\n");
        tracker_done(&t);
}

static void every_reap_rule_has_its_counters_from_the_start(void **state) {
        _cleanup_policy_free_ Policy *p = NULL;
        _cleanup_free_ char *text = NULL;
        ScanResult r = { .time = 1700000000 };
        Tracker t;

        /* A rate over a counter that appears only with its first removals misses them. */
        assert_int_equal(policy_load_string("[Rule keep]\nOwner=0\nAction=keep\n"
                                            "[Rule tell]\nAction=report\n"
                                            "[Rule leaks]\nKind=shm msg\n",
                                            "test.conf", &p, NULL),
                         0);
        r.policy = p;
        tracker_init(&t, 4);
        record(&t, IPC_KIND_MSG, "leaks", 100);
        assert_int_equal(metrics_format(&r, &t, &text), 0);
        assert_non_null(strstr(text, "ipcreap_reaped_total{kind=\"msg\",rule=\"leaks\"} 1\n"));
        assert_non_null(strstr(text, "ipcreap_reaped_total{kind=\"shm\",rule=\"leaks\"} 0\n"));
        assert_null(strstr(text, "kind=\"sem\",rule=\"leaks\""));
        assert_null(strstr(text, "rule=\"tell\""));
        assert_null(strstr(text, "rule=\"keep\""));
        tracker_done(&t);
}

static void every_family_has_help_and_type_before_its_samples(void **state) {
        static const char *const families[] = {
                "ipcreap_objects",
                "ipcreap_reaped_total",
                "ipcreap_reclaimed_bytes_total",
                "ipcreap_scan_duration_seconds",
                "ipcreap_last_scan_timestamp_seconds",
                "ipcreap_limit_used_ratio",
        };
        _cleanup_free_ char *text = NULL;
        ScanResult r = { .time = 1, .duration_usec = 1 };
        Tracker t;

        r.limits.max[IPC_LIMIT_MSGMNI] = 10;
        tracker_init(&t, 4);
        record(&t, IPC_KIND_SHM, "r", 1);
        assert_int_equal(metrics_format(&r, &t, &text), 0);
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                _cleanup_free_ char *help = NULL, *type = NULL, *sample = NULL;
                const char *h, *ty, *s;

                assert_true(asprintf(&help, "# HELP %s ", families[i]) > 0);
                assert_true(asprintf(&type, "\n# TYPE %s ", families[i]) > 0);
                assert_true(asprintf(&sample, "\n%s", families[i]) > 0);
                h = strstr(text, help);
                ty = strstr(text, type);
                s = strstr(text, sample);
                assert_non_null(h);
                assert_non_null(ty);
                assert_non_null(s);
                assert_true(h < ty && ty < s);
                /* One HELP and one TYPE per family. */
                assert_null(strstr(h + 1, help));
                assert_null(strstr(ty + 1, type));
        }
        tracker_done(&t);
}

static void rule_label_values_are_escaped(void **state) {
        _cleanup_free_ char *text = NULL;
        Tracker t;

        tracker_init(&t, 4);
        record(&t, IPC_KIND_MSG, "a\"b\\c\nd", 0);
        assert_int_equal(metrics_format(NULL, &t, &text), 0);
        assert_non_null(
                strstr(text, "\nipcreap_reaped_total{kind=\"msg\",rule=\"a\\\"b\\\\c\\nd\"} 1\n"));
        tracker_done(&t);
}

/* ---- IPC namespaces ---- */

static void namespace_init(NamespaceResult *n, uint64_t inode, const char *name, bool host) {
        *n = (NamespaceResult){ .ns = ipc_namespace_new(inode, 0, name, host) };
        assert_non_null(n->ns);
}

static void namespaces_done(ScanResult *r) {
        for (size_t i = 0; i < r->n_namespaces; i++)
                ipc_namespace_unref(r->namespaces[i].ns);
}

/* The section of text from "# TYPE NAME " up to the next "# " line or the end. */
static char *family(const char *text, const char *name) {
        _cleanup_free_ char *type = NULL;
        const char *b, *e;

        assert_true(asprintf(&type, "# TYPE %s ", name) > 0);
        b = strstr(text, type);
        assert_non_null(b);
        e = strstr(b + 1, "\n# ");
        return strndup(b, e ? (size_t) (e + 1 - b) : strlen(b));
}

static void metrics_per_namespace_give_exact_lines(void **state) {
        _cleanup_free_ char *text = NULL, *objects = NULL, *limits = NULL;
        NamespaceResult nss[3];
        ScanResult r = { .time = 1700000000, .namespaces = nss, .n_namespaces = 3 };
        Tracker t;

        namespace_init(&nss[0], 4026531839, NULL, true);
        namespace_init(&nss[1], 4026532400, "docker-0123abcd.scope", false);
        namespace_init(&nss[2], 4026532999, "ipc-4026532999", false);
        /* The host: its own counts, not the totals; POSIX shared memory read there. */
        nss[0].kinds_read = IPC_KIND_SYSV | (1u << IPC_KIND_POSIX_SHM);
        nss[0].counts[IPC_KIND_SHM][OBJECT_IN_USE] = 3;
        nss[0].counts[IPC_KIND_MSG][OBJECT_UNMATCHED] = 7;
        nss[0].limits.used[IPC_LIMIT_SHMMNI] = 3;
        nss[0].limits.max[IPC_LIMIT_SHMMNI] = 4096;
        nss[0].limits.used[IPC_LIMIT_MSGMNI] = 0;
        nss[0].limits.max[IPC_LIMIT_MSGMNI] = 32000;
        /* A container with a leak and a few in use, and a limit it nearly used up. */
        nss[1].kinds_read = IPC_KIND_SYSV | (1u << IPC_KIND_POSIX_SHM);
        nss[1].counts[IPC_KIND_SHM][OBJECT_ORPHAN] = 1;
        nss[1].counts[IPC_KIND_SHM][OBJECT_IN_USE] = 2;
        nss[1].counts[IPC_KIND_POSIX_SHM][OBJECT_UNMATCHED] = 5;
        nss[1].limits.used[IPC_LIMIT_SHMMNI] = 3;
        nss[1].limits.max[IPC_LIMIT_SHMMNI] = 4;
        nss[1].limits.used[IPC_LIMIT_MSGMNI] = 0;
        nss[1].limits.max[IPC_LIMIT_MSGMNI] = 32000;
        /* A container with no IPC at all: nothing to report. */
        nss[2].kinds_read = IPC_KIND_SYSV;
        nss[2].limits.max[IPC_LIMIT_SHMMNI] = 4096;
        nss[2].limits.max[IPC_LIMIT_MSGMNI] = 32000;
        /* The totals, as a pass fills them: not what the per-namespace lines show. */
        r.kinds_read = nss[0].kinds_read;
        r.counts[IPC_KIND_SHM][OBJECT_IN_USE] = 5;
        r.counts[IPC_KIND_SHM][OBJECT_ORPHAN] = 1;
        r.counts[IPC_KIND_MSG][OBJECT_UNMATCHED] = 7;
        r.counts[IPC_KIND_POSIX_SHM][OBJECT_UNMATCHED] = 5;
        r.limits = nss[0].limits;

        tracker_init(&t, 4);
        assert_int_equal(metrics_format(&r, &t, &text), 0);
        objects = family(text, "ipcreap_objects");
        assert_string_equal(
                objects,
                "# TYPE ipcreap_objects gauge\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"in-use\"} 3\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"idle\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"orphan\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"protected\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"unmatched\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"in-use\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"idle\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"orphan\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"protected\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"unmatched\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"in-use\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"idle\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"orphan\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"protected\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"unmatched\"} 7\n"
                "ipcreap_objects{namespace=\"host\",kind=\"posix-shm\",state=\"in-use\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"posix-shm\",state=\"idle\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"posix-shm\",state=\"orphan\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"posix-shm\",state=\"protected\"} 0\n"
                "ipcreap_objects{namespace=\"host\",kind=\"posix-shm\",state=\"unmatched\"} 0\n"
                "ipcreap_objects{namespace=\"docker-0123abcd.scope\",kind=\"shm\",state=\"in-use\"}"
                " 2\n"
                "ipcreap_objects{namespace=\"docker-0123abcd.scope\",kind=\"shm\",state=\"orphan\"}"
                " 1\n"
                "ipcreap_objects{namespace=\"docker-0123abcd.scope\",kind=\"posix-shm\",state="
                "\"unmatched\"} 5\n");
        limits = family(text, "ipcreap_limit_used_ratio");
        assert_string_equal(
                limits,
                "# TYPE ipcreap_limit_used_ratio gauge\n"
                "ipcreap_limit_used_ratio{namespace=\"host\",limit=\"shmmni\"} 0.000732422\n"
                "ipcreap_limit_used_ratio{namespace=\"host\",limit=\"msgmni\"} 0\n"
                "ipcreap_limit_used_ratio{namespace=\"docker-0123abcd.scope\",limit=\"shmmni\"} "
                "0.75\n");
        /* The idle container adds no series at all; nothing else carries the label. */
        assert_null(strstr(text, "ipc-4026532999"));
        assert_null(strstr(text, "ipcreap_reaped_total{namespace"));
        namespaces_done(&r);
        tracker_done(&t);
}

static void metrics_without_namespaces_stand_for_the_host_with_the_totals(void **state) {
        _cleanup_free_ char *text = NULL, *limits = NULL;
        ScanResult r = { .time = 1700000000, .kinds_read = IPC_KIND_SYSV };
        Tracker t;

        r.counts[IPC_KIND_SEM][OBJECT_ORPHAN] = 9;
        r.limits.used[IPC_LIMIT_SEMMNI] = 9;
        r.limits.max[IPC_LIMIT_SEMMNI] = 10;
        tracker_init(&t, 4);
        assert_int_equal(metrics_format(&r, &t, &text), 0);
        assert_non_null(strstr(
                text, "\nipcreap_objects{namespace=\"host\",kind=\"sem\",state=\"orphan\"} 9\n"));
        assert_non_null(strstr(
                text, "\nipcreap_objects{namespace=\"host\",kind=\"msg\",state=\"idle\"} 0\n"));
        limits = family(text, "ipcreap_limit_used_ratio");
        assert_string_equal(limits,
                            "# TYPE ipcreap_limit_used_ratio gauge\n"
                            "ipcreap_limit_used_ratio{namespace=\"host\",limit=\"semmni\"} 0.9\n");
        /* Every object series has the label, and only the host's name. */
        for (const char *p = strstr(text, "\nipcreap_objects"); p;
             p = strstr(p + 1, "\nipcreap_objects"))
                assert_true(strncmp(p, "\nipcreap_objects{namespace=\"host\",", 34) == 0);
        tracker_done(&t);
}

static void namespace_label_values_are_escaped_and_utf8(void **state) {
        _cleanup_free_ char *text = NULL;
        NamespaceResult nss[2];
        ScanResult r = { .time = 1, .namespaces = nss, .n_namespaces = 2 };
        const char *p;
        Tracker t;

        namespace_init(&nss[0], 1, NULL, true);
        /* Named after a cgroup anyone with a delegated subtree may name: a quote, a
         * backslash, a newline (which would start a line of its own), UTF-8 to keep and bytes
         * that are not UTF-8 (which would make the whole file unreadable). */
        namespace_init(&nss[1], 2, "docker-\"} 1\nipcreap_x{a=\"\\caf\xc3\xa9\xff\xc3", false);
        nss[1].counts[IPC_KIND_MSG][OBJECT_ORPHAN] = 4;
        nss[1].limits.used[IPC_LIMIT_MSGMNI] = 4;
        nss[1].limits.max[IPC_LIMIT_MSGMNI] = 8;
        tracker_init(&t, 4);
        assert_int_equal(metrics_format(&r, &t, &text), 0);
        assert_non_null(
                strstr(text, "\nipcreap_objects{namespace=\"docker-\\\"} 1\\nipcreap_x{a=\\\""
                             "\\\\caf\xc3\xa9\\\\xff\\\\xc3\",kind=\"msg\",state=\"orphan\"} 4\n"));
        assert_non_null(strstr(
                text, "\nipcreap_limit_used_ratio{namespace=\"docker-\\\"} 1\\nipcreap_x{a=\\\""
                      "\\\\caf\xc3\xa9\\\\xff\\\\xc3\",limit=\"msgmni\"} 0.5\n"));
        /* Every line is a comment or one of ours, in plain UTF-8. */
        for (p = text; *p;) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = strndup(p, (size_t) (nl - p));
                assert_true(strncmp(line, "# ", 2) == 0 || strncmp(line, "ipcreap_", 8) == 0);
                assert_false(strncmp(line, "ipcreap_x", 9) == 0);
                assert_true(ipc_name_is_plain(line));
                p = nl + 1;
        }
        namespaces_done(&r);
        tracker_done(&t);
}

static void namespaces_of_one_name_share_their_series(void **state) {
        _cleanup_free_ char *text = NULL, *objects = NULL, *limits = NULL;
        NamespaceResult nss[3];
        ScanResult r = { .time = 1, .namespaces = nss, .n_namespaces = 3 };
        Tracker t;

        namespace_init(&nss[0], 1, NULL, true);
        /* A container that made an IPC namespace of its own inside: both named after it. */
        namespace_init(&nss[1], 2, "machine-db.scope", false);
        namespace_init(&nss[2], 3, "machine-db.scope", false);
        nss[1].counts[IPC_KIND_SHM][OBJECT_ORPHAN] = 1;
        nss[2].counts[IPC_KIND_SHM][OBJECT_ORPHAN] = 2;
        nss[2].counts[IPC_KIND_SEM][OBJECT_IDLE] = 1;
        nss[1].limits.used[IPC_LIMIT_SHMMNI] = 1;
        nss[1].limits.max[IPC_LIMIT_SHMMNI] = 2;
        nss[2].limits.used[IPC_LIMIT_SHMMNI] = 2;
        nss[2].limits.max[IPC_LIMIT_SHMMNI] = 10;
        tracker_init(&t, 4);
        assert_int_equal(metrics_format(&r, &t, &text), 0);
        objects = family(text, "ipcreap_objects");
        assert_non_null(strstr(objects,
                               "\nipcreap_objects{namespace=\"machine-db.scope\",kind=\"shm\","
                               "state=\"orphan\"} 3\nipcreap_objects{namespace=\"machine-db."
                               "scope\",kind=\"sem\",state=\"idle\"} 1\n"));
        /* Nothing more of that name after those two. */
        assert_null(
                strstr(strstr(objects, "machine-db.scope\",kind=\"sem\"") + 1, "machine-db.scope"));
        /* The one that runs out first. */
        limits = family(text, "ipcreap_limit_used_ratio");
        assert_string_equal(limits, "# TYPE ipcreap_limit_used_ratio gauge\n"
                                    "ipcreap_limit_used_ratio{namespace=\"machine-db.scope\","
                                    "limit=\"shmmni\"} 0.5\n");
        namespaces_done(&r);
        tracker_done(&t);
}

/* ---- the MetricsFile ---- */

typedef struct MetricsDir {
        char path[256];
        char file[300];
} MetricsDir;

static int dir_setup(void **state) {
        MetricsDir *d = calloc(1, sizeof(MetricsDir));
        if (!d)
                return -1;
        snprintf(d->path, sizeof(d->path), "/tmp/ipcreap-test-metrics-XXXXXX");
        if (!mkdtemp(d->path)) {
                free(d);
                return -1;
        }
        snprintf(d->file, sizeof(d->file), "%s/ipcreap.prom", d->path);
        *state = d;
        return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(path) < 0 ? -1 : 0;
}

static int dir_teardown(void **state) {
        MetricsDir *d = *state;
        (void) nftw(d->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(d);
        return 0;
}

static char *read_fd(int fd) {
        char buf[4096];
        ssize_t l = pread(fd, buf, sizeof(buf) - 1, 0);

        assert_true(l >= 0);
        buf[l] = 0;
        return strdup(buf);
}

static char *read_path(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char *s;

        assert_true(fd >= 0);
        s = read_fd(fd);
        close(fd);
        return s;
}

static char *list_dir(const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        struct dirent *de;

        assert_non_null(d);
        assert_non_null(names);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        assert_int_equal(strv_extend(&names, de->d_name), 0);
        return strv_join(names, " ");
}

static void metrics_file_is_replaced_atomically_with_no_temporary_left(void **state) {
        MetricsDir *d = *state;
        _cleanup_free_ char *first = NULL, *second = NULL, *old_view = NULL, *entries = NULL;
        struct stat before, after;
        int old_fd;
        mode_t mask = umask(077);

        assert_int_equal(metrics_write_file(d->file, "ipcreap_reclaimed_bytes_total 1\n"), 0);
        first = read_path(d->file);
        assert_string_equal(first, "ipcreap_reclaimed_bytes_total 1\n");
        assert_int_equal(stat(d->file, &before), 0);
        /* Readable by a node exporter running as another user, whatever our umask. */
        assert_int_equal(before.st_mode & 07777, 0644);

        /* A reader that opened the old file keeps seeing all of it: a rename, not a rewrite. */
        old_fd = open(d->file, O_RDONLY | O_CLOEXEC);
        assert_true(old_fd >= 0);
        assert_int_equal(metrics_write_file(d->file, "ipcreap_reclaimed_bytes_total 22\n"), 0);
        umask(mask);
        old_view = read_fd(old_fd);
        close(old_fd);
        assert_string_equal(old_view, "ipcreap_reclaimed_bytes_total 1\n");
        second = read_path(d->file);
        assert_string_equal(second, "ipcreap_reclaimed_bytes_total 22\n");
        assert_int_equal(stat(d->file, &after), 0);
        assert_true(after.st_ino != before.st_ino);

        entries = list_dir(d->path);
        assert_string_equal(entries, "ipcreap.prom");
}

static void metrics_file_in_a_missing_directory_fails_and_creates_nothing(void **state) {
        MetricsDir *d = *state;
        _cleanup_free_ char *entries = NULL;
        char path[400];

        snprintf(path, sizeof(path), "%s/missing/ipcreap.prom", d->path);
        assert_true(metrics_write_file(path, "x 1\n") < 0);
        entries = list_dir(d->path);
        assert_string_equal(entries, "");
}

static void metrics_file_that_cannot_be_replaced_leaves_no_temporary(void **state) {
        MetricsDir *d = *state;
        _cleanup_free_ char *entries = NULL;
        char inside[400];
        FILE *f;

        /* A non-empty directory in the way: the final rename fails. */
        assert_int_equal(mkdir(d->file, 0700), 0);
        snprintf(inside, sizeof(inside), "%s/keep", d->file);
        f = fopen(inside, "we");
        assert_non_null(f);
        fclose(f);
        assert_true(metrics_write_file(d->file, "x 1\n") < 0);
        entries = list_dir(d->path);
        assert_string_equal(entries, "ipcreap.prom");
}

static void formatted_metrics_written_to_the_file_read_back_the_same(void **state) {
        MetricsDir *d = *state;
        _cleanup_free_ char *text = NULL, *back = NULL;
        Tracker t;

        tracker_init(&t, 4);
        record(&t, IPC_KIND_SHM, "r", 4096);
        assert_int_equal(metrics_format(NULL, &t, &text), 0);
        assert_int_equal(metrics_write_file(d->file, text), 0);
        back = read_path(d->file);
        assert_string_equal(back, text);
        tracker_done(&t);
}

#define file_test(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(metrics_before_the_first_scan_are_zeros_and_totals),
                cmocka_unit_test(metrics_after_a_scan_give_exact_lines),
                cmocka_unit_test(every_reap_rule_has_its_counters_from_the_start),
                cmocka_unit_test(every_family_has_help_and_type_before_its_samples),
                cmocka_unit_test(rule_label_values_are_escaped),
                cmocka_unit_test(metrics_per_namespace_give_exact_lines),
                cmocka_unit_test(metrics_without_namespaces_stand_for_the_host_with_the_totals),
                cmocka_unit_test(namespace_label_values_are_escaped_and_utf8),
                cmocka_unit_test(namespaces_of_one_name_share_their_series),
                file_test(metrics_file_is_replaced_atomically_with_no_temporary_left),
                file_test(metrics_file_in_a_missing_directory_fails_and_creates_nothing),
                file_test(metrics_file_that_cannot_be_replaced_leaves_no_temporary),
                file_test(formatted_metrics_written_to_the_file_read_back_the_same),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
