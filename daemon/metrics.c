/* SPDX-License-Identifier: MIT */
/* The Prometheus text exposition: for the Metrics method and the MetricsFile. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "io-util.h"
#include "log.h"
#include "macro.h"
#include "metrics.h"
#include "quarantine-store.h"

/* Label values are rule names, fixed words and namespace names, which come from cgroup
 * paths anyone who can make a cgroup chooses: escape backslash, quote and newline as the
 * format requires. The format has no escape for bytes that are not UTF-8, and one such
 * byte makes a node exporter drop the whole file: those are written as the four characters
 * \xHH (as ipcreapctl shows such names). */
static void print_label_value(FILE *f, const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                size_t n = utf8_sequence_length((const char *) p);

                if (n == 0) {
                        fprintf(f, "\\\\x%02x", *p);
                        p++;
                } else if (n > 1) {
                        fwrite(p, 1, n, f);
                        p += n;
                } else {
                        if (*p == '\\' || *p == '"')
                                fprintf(f, "\\%c", *p);
                        else if (*p == '\n')
                                fputs("\\n", f);
                        else
                                fputc(*p, f);
                        p++;
                }
        }
}

static void header(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The namespaces a pass reports. A result without namespaces[] (fixtures, a pass of older
 * code paths) stands for the host alone, with its totals; before the first pass, the host
 * has nothing. */
static const NamespaceResult *result_namespaces(const ScanResult *r, NamespaceResult *fallback,
                                                size_t *ret_n) {
        *fallback = (NamespaceResult){};
        *ret_n = 1;
        if (r && r->n_namespaces > 0) {
                *ret_n = r->n_namespaces;
                return r->namespaces;
        }
        if (r) {
                memcpy(fallback->counts, r->counts, sizeof(fallback->counts));
                fallback->kinds_read = r->kinds_read;
                fallback->limits = r->limits;
        }
        return fallback;
}

static const char *namespace_name(const NamespaceResult *n) {
        return n->ns && !n->ns->host && n->ns->name ? n->ns->name : IPC_NAMESPACE_HOST;
}

/* Two namespaces of one pass may carry the same name (a container that made an IPC
 * namespace of its own inside, both named after its cgroup): a series may appear only once
 * in an exposition (a node exporter rejects the whole file otherwise), so the later ones
 * are merged into the first's series. Quadratic in the namespaces, which are hundreds at
 * most: a few hundred thousand string comparisons per pass. */
static bool namespace_named_before(const NamespaceResult *nss, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (streq(namespace_name(&nss[j]), namespace_name(&nss[i])))
                        return true;
        return false;
}

static void print_namespace_label(FILE *f, const NamespaceResult *n) {
        fputs("namespace=\"", f);
        print_label_value(f, namespace_name(n));
        fputs("\",", f);
}

/* The objects of nss[i] and of every later namespace of the same name. The host's series
 * are all there, at 0 too, as they were before namespaces had a label, so that existing
 * dashboards and queries find every kind and state. A host runs hundreds of containers,
 * most of them with no IPC objects at all; a full set for each (6 kinds x 5 states) would
 * make the exposition grow with the containers rather than with their objects. So another
 * namespace has a series only for a kind and state that it holds objects in: its series
 * are at most min(its objects, 30), and the 0 a query would otherwise read is what
 * `sum by` and `or vector(0)` give for an absent series. */
static void print_namespace_objects(FILE *f, const NamespaceResult *nss, size_t n, size_t i) {
        bool host = !nss[i].ns || nss[i].ns->host;
        unsigned kinds_read = 0;
        size_t counts[_IPC_KIND_MAX][_OBJECT_STATE_MAX] = {};

        for (size_t j = i; j < n; j++) {
                if (!streq(namespace_name(&nss[j]), namespace_name(&nss[i])))
                        continue;
                kinds_read |= nss[j].kinds_read;
                for (IpcKind k = 0; k < _IPC_KIND_MAX; k++)
                        for (ObjectState s = 0; s < _OBJECT_STATE_MAX; s++)
                                counts[k][s] += nss[j].counts[k][s];
        }
        for (IpcKind k = 0; k < _IPC_KIND_MAX; k++) {
                if (host && !(IPC_KIND_SYSV & (1u << k)) && !(kinds_read & (1u << k)))
                        continue;
                for (ObjectState s = 0; s < _OBJECT_STATE_MAX; s++) {
                        if (!host && counts[k][s] == 0)
                                continue;
                        fputs("ipcreap_objects{", f);
                        print_namespace_label(f, &nss[i]);
                        fprintf(f, "kind=\"%s\",state=\"%s\"} %zu\n", ipc_kind_to_string(k),
                                object_state_to_string(s), counts[k][s]);
                }
        }
}

/* The limits of nss[i], merged as above: each limit's highest share among the namespaces of
 * that name, which is the one that runs out first. The IPC sysctls are per namespace, so a
 * container has its own; as with the objects, another namespace than the host's reports
 * only the limits it uses some of (a limit at 0 is nothing to watch), so that the idle
 * containers of a host add no series. */
static void print_namespace_limits(FILE *f, const NamespaceResult *nss, size_t n, size_t i) {
        bool host = !nss[i].ns || nss[i].ns->host;

        for (IpcLimit l = 0; l < _IPC_LIMIT_MAX; l++) {
                bool known = false, used = false;
                double ratio = 0;

                for (size_t j = i; j < n; j++) {
                        const IpcLimits *lim = &nss[j].limits;
                        if (!streq(namespace_name(&nss[j]), namespace_name(&nss[i])) ||
                            lim->max[l] == 0)
                                continue;
                        ratio = MAX(ratio, (double) lim->used[l] / (double) lim->max[l]);
                        known = true;
                        used = used || lim->used[l] > 0;
                }
                if (!known || (!host && !used))
                        continue;
                fputs("ipcreap_limit_used_ratio{", f);
                print_namespace_label(f, &nss[i]);
                fprintf(f, "limit=\"%s\"} %.6g\n", ipc_limit_to_string(l), ratio);
        }
}

int metrics_format(const ScanResult *r, Tracker *t, char **ret) {
        char *text = NULL;
        size_t size = 0, n_nss;
        NamespaceResult fallback;
        const NamespaceResult *nss = result_namespaces(r, &fallback, &n_nss);
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return -ENOMEM;

        header(f, "ipcreap_objects", "gauge",
               "IPC objects by IPC namespace, kind and state, as of the last scan.");
        for (size_t i = 0; i < n_nss; i++)
                if (!namespace_named_before(nss, i))
                        print_namespace_objects(f, nss, n_nss, i);

        header(f, "ipcreap_reaped_total", "counter", "Objects removed, by kind and rule.");
        tracker_lock(t);
        for (size_t i = 0; i < t->n_counters; i++) {
                fprintf(f, "ipcreap_reaped_total{kind=\"%s\",rule=\"",
                        ipc_kind_to_string(t->counters[i].kind));
                print_label_value(f, t->counters[i].rule);
                fprintf(f, "\"} %" PRIu64 "\n", t->counters[i].count);
        }
        /* Every reap rule's series exists from the start, at 0: a rate over a counter that
         * first appears with its first removals would miss them. */
        for (size_t i = 0; r && r->policy && i < r->policy->n_rules; i++) {
                const Rule *rule = &r->policy->rules[i];
                if (rule->action != RULE_ACTION_REAP)
                        continue;
                for (IpcKind k = 0; k < _IPC_KIND_MAX; k++) {
                        bool counted = false;
                        if (!(rule->kinds & (1u << k)))
                                continue;
                        for (size_t c = 0; c < t->n_counters && !counted; c++)
                                counted = t->counters[c].kind == k &&
                                          streq(t->counters[c].rule, rule->name);
                        if (counted)
                                continue;
                        fprintf(f, "ipcreap_reaped_total{kind=\"%s\",rule=\"",
                                ipc_kind_to_string(k));
                        print_label_value(f, rule->name);
                        fputs("\"} 0\n", f);
                }
        }
        header(f, "ipcreap_reclaimed_bytes_total", "counter",
               "Bytes of shared memory and queued messages freed by removals.");
        fprintf(f, "ipcreap_reclaimed_bytes_total %" PRIu64 "\n", t->reclaimed_bytes);
        header(f, "ipcreap_restored_total", "counter",
               "Objects brought back from the quarantine by Restore.");
        fprintf(f, "ipcreap_restored_total %" PRIu64 "\n", t->restored_total);
        tracker_unlock(t);
        if (t->quarantine) {
                size_t n = 0;
                uint64_t bytes = 0;

                quarantine_store_usage(t->quarantine, &n, &bytes);
                header(f, "ipcreap_quarantine_objects", "gauge",
                       "Removed objects whose contents the quarantine keeps for a restore.");
                fprintf(f, "ipcreap_quarantine_objects %zu\n", n);
                header(f, "ipcreap_quarantine_bytes", "gauge",
                       "Bytes of contents in the quarantine (QuarantineMaxBytes caps them).");
                fprintf(f, "ipcreap_quarantine_bytes %" PRIu64 "\n", bytes);
        }

        if (r) {
                header(f, "ipcreap_scan_duration_seconds", "gauge", "How long the last scan took.");
                fprintf(f, "ipcreap_scan_duration_seconds %.6f\n", r->duration_usec / 1e6);
                header(f, "ipcreap_last_scan_timestamp_seconds", "gauge",
                       "When the last scan began, in Unix seconds.");
                fprintf(f, "ipcreap_last_scan_timestamp_seconds %" PRIi64 "\n", r->time);
                /* With the timestamp, a monitor can tell a stale scan (three intervals old:
                 * passes failing, hanging, or no daemon) on a host of any ScanIntervalSec=. */
                if (r->policy) {
                        header(f, "ipcreap_scan_interval_seconds", "gauge",
                               "The policy's ScanIntervalSec=, the time between scans.");
                        fprintf(f, "ipcreap_scan_interval_seconds %" PRIu64 "\n",
                                r->policy->daemon.scan_interval_sec);
                }
                header(f, "ipcreap_limit_used_ratio", "gauge",
                       "Share of each kernel IPC limit in use after the last scan, by IPC "
                       "namespace.");
                for (size_t i = 0; i < n_nss; i++)
                        if (!namespace_named_before(nss, i))
                                print_namespace_limits(f, nss, n_nss, i);
        }

        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        return 0;
}

int metrics_write_file(const char *path, const char *text) {
        /* World-readable: a node exporter running as another user collects it. */
        int r = write_file_atomic(path, text, strlen(text), 0644);
        if (r < 0)
                return log_warning_errno(r,
                                         "Failed to write metrics file %s, keeping the old "
                                         "one: %m",
                                         path);
        return 0;
}
