/* SPDX-License-Identifier: MIT */
/* The Prometheus text exposition: for the Metrics method and the MetricsFile. */
#include <inttypes.h>
#include <stdio.h>

#include "io-util.h"
#include "log.h"
#include "macro.h"
#include "metrics.h"

/* Label values are rule names and fixed words; escape anyway, as the format requires. */
static void print_label_value(FILE *f, const char *s) {
        for (; *s; s++)
                if (*s == '\\' || *s == '"')
                        fprintf(f, "\\%c", *s);
                else if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
}

static void header(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int metrics_format(const ScanResult *r, Tracker *t, char **ret) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return -ENOMEM;

        header(f, "ipcreap_objects", "gauge",
               "System V IPC objects by kind and state, as of the last scan.");
        for (IpcKind k = 0; k < _IPC_KIND_MAX; k++)
                for (ObjectState s = 0; s < _OBJECT_STATE_MAX && scan_result_covers(r, k); s++)
                        fprintf(f, "ipcreap_objects{kind=\"%s\",state=\"%s\"} %zu\n",
                                ipc_kind_to_string(k), object_state_to_string(s),
                                r ? r->counts[k][s] : 0);

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
        tracker_unlock(t);

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
                       "Share of each kernel IPC limit in use after the last scan.");
                for (IpcLimit l = 0; l < _IPC_LIMIT_MAX; l++)
                        if (r->limits.max[l] > 0)
                                fprintf(f, "ipcreap_limit_used_ratio{limit=\"%s\"} %.6g\n",
                                        ipc_limit_to_string(l),
                                        (double) r->limits.used[l] / (double) r->limits.max[l]);
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
