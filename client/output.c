/* SPDX-License-Identifier: MIT */
/* How ipcreapctl shows the daemon's replies to people: the list and history tables, status
 * and explain. Functions of a reply alone (no socket, no pager), so tests feed them JSON. */
#include <grp.h>
#include <inttypes.h>

#include "hashmap.h"
#include "macro.h"
#include "output.h"
#include "parse-util.h"

const ListColumnInfo list_column_info[_COL_MAX] = {
        [COL_KIND] = { "KIND", "shm, sem, msg, ..." },
        [COL_ID] = { ">ID", "the kernel's id" },
        [COL_KEY] = { "KEY", "the key, in hex" },
        [COL_NAME] = { "NAME", "the name of a POSIX object" },
        [COL_OWNER] = { "OWNER", "the owner's user name" },
        [COL_UID] = { ">UID", "the owner's uid" },
        [COL_GROUP] = { "GROUP", "the owner's group name" },
        [COL_GID] = { ">GID", "the owner's gid" },
        [COL_PERMS] = { "PERMS", "permissions, as rw-r-----" },
        [COL_SIZE] = { ">SIZE", "bytes (segment, queued messages)" },
        [COL_NATTCH] = { ">NATTCH", "attachments of a segment" },
        [COL_NSEMS] = { ">NSEMS", "semaphores in a set" },
        [COL_MSGS] = { ">MSGS", "messages in a queue" },
        [COL_IDLE] = { ">IDLE", "time since the last use" },
        [COL_STATE] = { "STATE", "in-use, idle, orphan, protected, unmatched" },
        [COL_RULE] = { "RULE", "the rule that governs it" },
        [COL_CREATOR] = { "CREATOR", "the process that made it, as comm[pid]" },
        [COL_CPID] = { ">CPID", "the creator's pid" },
        [COL_UNIT] = { "UNIT", "the creator's systemd unit" },
        [COL_FIRST_SEEN] = { "FIRST-SEEN", "when the daemon first saw it" },
        [COL_PENDING] = { "PENDING", "the first reason it is not reaped yet" },
        [COL_NAMESPACE] = { "NAMESPACE", "its IPC namespace: host, or the container's" },
};

json_int_t reply_int(json_t *o, const char *key) {
        return json_integer_value(json_object_get(o, key));
}

const char *reply_str(json_t *o, const char *key) {
        const char *s = json_string_value(json_object_get(o, key));
        return s ? s : "-";
}

const char *reply_namespace(json_t *o) {
        const char *s = json_string_value(json_object_get(o, "namespace"));
        return s && *s ? s : NAMESPACE_HOST;
}

/* ---- list ---- */

Table *list_table_new(void) {
        const char *headers[_COL_MAX + 1] = { NULL };

        for (ListColumn c = 0; c < _COL_MAX; c++)
                headers[c] = list_column_info[c].header;
        return table_new(headers);
}

static const char *creator_text(char *buf, size_t size, json_t *creator) {
        if (!json_is_object(creator))
                return NULL;
        snprintf(buf, size, "%s[%" JSON_INTEGER_FORMAT "]", reply_str(creator, "comm"),
                 reply_int(creator, "pid"));
        return buf;
}

/* "rw-r-----", as ls and lsipc print permissions. */
static const char *format_perms(char *buf, size_t size, unsigned mode) {
        static const char bits[] = "rwxrwxrwx";
        size_t i;

        for (i = 0; i < 9 && i + 1 < size; i++)
                buf[i] = mode & (0400u >> i) ? bits[i] : '-';
        buf[i] = 0;
        return buf;
}

static const char *format_group(char *buf, size_t size, uint32_t gid) {
        static Hashmap cache;
        const char *name = hashmap_get(&cache, gid + 1ULL);

        if (!name) {
                /* Cached, as user names are (format_user()): the group file is read once per
                 * gid, not once per row of 100,000. */
                struct group *g = getgrgid(gid);
                char *copy = NULL;

                if (g)
                        copy = strdup(g->gr_name);
                else if (asprintf(&copy, "%" PRIu32, gid) < 0)
                        copy = NULL;
                if (!copy || hashmap_put(&cache, gid + 1ULL, copy, NULL) < 0) {
                        snprintf(buf, size, "%s", copy ? copy : "?");
                        free(copy);
                        return buf;
                }
                name = copy;
        }
        snprintf(buf, size, "%s", name);
        return buf;
}

/* A number field of o as text, NULL ("-") when the object has none; *key gets it to sort
 * by, or -1. */
static const char *int_field(char *buf, size_t size, json_t *o, const char *field, int64_t *key) {
        json_t *v = json_object_get(o, field);

        if (!json_is_integer(v)) {
                *key = -1;
                return NULL;
        }
        *key = json_integer_value(v);
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
}

int list_table_add_object(Table *t, json_t *o) {
        char id[24], key[16], owner[32], uid[24], group[32], gid[24], perms[16],
                size[FORMAT_SIZE_MAX], nattch[24], nsems[24], msgs[24], idle[FORMAT_TIMESPAN_MAX],
                creator[64], cpid[24], seen[64];
        json_t *c = json_object_get(o, "creator");
        int64_t keys[_COL_MAX] = { 0 };
        const char *cells[_COL_MAX] = {
                [COL_KIND] = reply_str(o, "kind"),
                [COL_ID] = int_field(id, sizeof(id), o, "id", &keys[COL_ID]),
                [COL_KEY] = json_is_integer(json_object_get(o, "key"))
                                    ? format_key(key, sizeof(key), (uint32_t) reply_int(o, "key"))
                                    : NULL,
                [COL_NAME] = json_string_value(json_object_get(o, "name")),
                [COL_OWNER] =
                        format_user(owner, sizeof(owner), (uint32_t) reply_int(o, "ownerUid")),
                [COL_UID] = int_field(uid, sizeof(uid), o, "ownerUid", &keys[COL_UID]),
                [COL_GROUP] =
                        format_group(group, sizeof(group), (uint32_t) reply_int(o, "ownerGid")),
                [COL_GID] = int_field(gid, sizeof(gid), o, "ownerGid", &keys[COL_GID]),
                [COL_PERMS] = format_perms(perms, sizeof(perms), (unsigned) reply_int(o, "mode")),
                [COL_SIZE] = format_size(size, sizeof(size), (uint64_t) reply_int(o, "size")),
                [COL_NATTCH] = int_field(nattch, sizeof(nattch), o, "nattch", &keys[COL_NATTCH]),
                [COL_NSEMS] = int_field(nsems, sizeof(nsems), o, "nsems", &keys[COL_NSEMS]),
                [COL_MSGS] = int_field(msgs, sizeof(msgs), o, "messages", &keys[COL_MSGS]),
                [COL_IDLE] =
                        format_timespan(idle, sizeof(idle), (uint64_t) reply_int(o, "idleSec")),
                [COL_STATE] = reply_str(o, "state"),
                [COL_RULE] = json_string_value(json_object_get(o, "rule")),
                [COL_CREATOR] = creator_text(creator, sizeof(creator), c),
                [COL_CPID] = int_field(cpid, sizeof(cpid), c, "pid", &keys[COL_CPID]),
                [COL_UNIT] = json_string_value(json_object_get(c, "unit")),
                [COL_FIRST_SEEN] = format_timestamp(seen, sizeof(seen), reply_int(o, "firstSeen")),
                [COL_PENDING] = json_string_value(json_array_get(json_object_get(o, "pending"), 0)),
                [COL_NAMESPACE] = reply_namespace(o),
        };
        keys[COL_SIZE] = reply_int(o, "size");
        keys[COL_IDLE] = reply_int(o, "idleSec");
        return table_add_row_with_keys(t, cells, keys);
}

int namespace_columns(const Table *t, size_t ns_column, const size_t *base, size_t n_base,
                      size_t **ret, size_t *ret_n) {
        _cleanup_free_ size_t *columns = NULL;
        bool has = false, foreign = false;
        size_t n = 0;

        columns = calloc(table_columns(t) + n_base + 1, sizeof(size_t));
        if (!columns)
                return -ENOMEM;
        if (base)
                for (size_t i = 0; i < n_base; i++) {
                        has = has || base[i] == ns_column;
                        columns[n++] = base[i];
                }
        else
                for (size_t i = 0; i < table_columns(t); i++)
                        if (i != ns_column)
                                columns[n++] = i;
        for (size_t r = 0; !has && !foreign && r < table_rows(t); r++) {
                const char *cell = table_get_cell(t, r, ns_column);
                foreign = cell && !streq(cell, NAMESPACE_HOST);
        }
        if (foreign)
                columns[n++] = ns_column;
        *ret = TAKE_PTR(columns);
        *ret_n = n;
        return 0;
}

/* ---- history ---- */

static const char *quarantine_text(char *buf, size_t size, json_t *e) {
        const char *qid = json_string_value(json_object_get(e, "quarantineId"));
        const char *action = json_string_value(json_object_get(e, "action"));

        if (!qid)
                return "-";
        snprintf(buf, size, "%s%s", action && streq(action, "restore") ? "restored from " : "",
                 qid);
        return buf;
}

Table *history_table_new(json_t *events) {
        static const char *const headers[] = { "TIME",    "KIND",       ">ID",       "KEY",
                                               "OWNER",   ">SIZE",      ">IDLE",     "RULE",
                                               "CREATOR", "QUARANTINE", "NAMESPACE", NULL };
        Table *t = table_new(headers);
        json_t *e;
        size_t i;

        if (!t)
                return NULL;
        json_array_foreach(events, i, e) {
                char time[64], id[24], key[16], owner[32], size[FORMAT_SIZE_MAX],
                        idle[FORMAT_TIMESPAN_MAX], creator[64], quarantine[64];
                const char *name = json_string_value(json_object_get(e, "name"));
                const char *row[] = {
                        format_timestamp(time, sizeof(time), reply_int(e, "time")),
                        reply_str(e, "kind"),
                        /* A POSIX object's name stands in its id's column. */
                        name ? name
                             : (snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
                                         reply_int(e, "id")),
                                id),
                        name ? "-" : format_key(key, sizeof(key), (uint32_t) reply_int(e, "key")),
                        format_user(owner, sizeof(owner), (uint32_t) reply_int(e, "ownerUid")),
                        format_size(size, sizeof(size), (uint64_t) reply_int(e, "size")),
                        format_timespan(idle, sizeof(idle), (uint64_t) reply_int(e, "idleSec")),
                        reply_str(e, "rule"),
                        creator_text(creator, sizeof(creator), json_object_get(e, "creator")),
                        quarantine_text(quarantine, sizeof(quarantine), e),
                        reply_namespace(e),
                };
                if (table_add_row(t, row) < 0)
                        return table_free(t);
        }
        return t;
}

bool table_column_used(const Table *t, size_t c) {
        for (size_t r = 0; r < table_rows(t); r++) {
                const char *cell = table_get_cell(t, r, c);
                if (cell && !streq(cell, "-"))
                        return true;
        }
        return false;
}

/* ---- quarantine ---- */

Table *quarantine_table_new(json_t *entries) {
        static const char *const headers[] = { "QID",     "KIND",      "KEY",     ">ID",
                                               "OWNER",   ">SIZE",     "REMOVED", "RULE",
                                               "EXPIRES", "NAMESPACE", NULL };
        Table *t = table_new(headers);
        json_t *e;
        size_t i;

        if (!t)
                return NULL;
        json_array_foreach(entries, i, e) {
                char removed[64], expires[64], key[32], id[24], owner[32], size[FORMAT_SIZE_MAX];
                const char *name = json_string_value(json_object_get(e, "name"));
                json_t *exp = json_object_get(e, "expiresAt");
                const char *row[] = {
                        reply_str(e, "quarantineId"),
                        reply_str(e, "kind"),
                        /* A POSIX object's name stands in its key's column. */
                        name ? name : format_key(key, sizeof(key), (uint32_t) reply_int(e, "key")),
                        name || !json_object_get(e, "id")
                                ? "-"
                                : (snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
                                            reply_int(e, "id")),
                                   id),
                        format_user(owner, sizeof(owner), (uint32_t) reply_int(e, "ownerUid")),
                        format_size(size, sizeof(size), (uint64_t) reply_int(e, "size")),
                        format_timestamp(removed, sizeof(removed), reply_int(e, "removedAt")),
                        reply_str(e, "rule"),
                        json_is_integer(exp) ? format_timestamp(expires, sizeof(expires),
                                                                json_integer_value(exp))
                                             : "never",
                        reply_namespace(e),
                };
                if (table_add_row(t, row) < 0)
                        return table_free(t);
        }
        return t;
}

void restore_print(FILE *f, json_t *reply) {
        const char *name = json_string_value(json_object_get(reply, "name"));
        const char *ns = reply_namespace(reply);
        char key[32];

        if (name)
                fprintf(f, "Restored %s %s", reply_str(reply, "kind"), name);
        else
                fprintf(f, "Restored %s key %s as id %" JSON_INTEGER_FORMAT "%s",
                        reply_str(reply, "kind"),
                        format_key(key, sizeof(key), (uint32_t) reply_int(reply, "key")),
                        reply_int(reply, "id"),
                        json_is_true(json_object_get(reply, "sameId"))
                                ? " (its old id)"
                                : " (not its old id: taken, or see the journal)");
        if (!streq(ns, NAMESPACE_HOST))
                fprintf(f, " in namespace %s", ns);
        fprintf(f, " from %s.\n", reply_str(reply, "quarantineId"));
}

/* ---- status ---- */

/* Prints text line by line, the first after first_prefix, the others after prefix. */
static void print_indented(FILE *f, const char *text, const char *first_prefix,
                           const char *prefix) {
        bool first = true;

        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                fprintf(f, "%s%.*s\n", first ? first_prefix : prefix, (int) len, line);
                first = false;
                line += len + (line[len] == '\n');
        }
}

static void print_table_indented(FILE *f, const Table *t, const char *first_prefix,
                                 const char *prefix) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&text, &size);

        if (!m)
                return;
        table_print(t, m);
        if (fclose(m) != 0 || !text)
                return;
        print_indented(f, text, first_prefix, prefix);
}

static void print_counts(FILE *f, json_t *counts) {
        static const char *const headers[] = { "",           ">in-use",    ">idle", ">orphan",
                                               ">protected", ">unmatched", NULL };
        Table *t = table_new(headers);
        const char *kind;
        json_t *states;

        if (!t)
                return;
        json_object_foreach(counts, kind, states) {
                char cells[5][24];
                const char *row[7] = { kind };
                for (size_t i = 0; i < 5; i++) {
                        snprintf(cells[i], sizeof(cells[i]), "%" JSON_INTEGER_FORMAT,
                                 reply_int(states, headers[i + 1] + 1));
                        row[i + 1] = cells[i];
                }
                (void) table_add_row(t, row);
        }
        /* Indented under its label. */
        print_table_indented(f, t, "             ", "             ");
        table_free(t);
}

static double limit_ratio(json_t *limit) {
        json_t *ratio = json_object_get(limit, "ratio");
        json_int_t max = reply_int(limit, "max");

        if (json_is_number(ratio))
                return json_number_value(ratio);
        return max > 0 ? (double) reply_int(limit, "used") / (double) max : 0.0;
}

json_t *limits_highest_use(json_t *limits, double *ret_ratio) {
        json_t *limit, *best = NULL;
        double best_ratio = 0;
        size_t i;

        json_array_foreach(limits, i, limit) {
                double ratio = limit_ratio(limit);
                /* A share of "no limit" is always 0 %: it names no pressure. */
                if (limit_is_unlimited((uint64_t) MAX(reply_int(limit, "max"), 0)))
                        continue;
                if (!best || ratio > best_ratio) {
                        best = limit;
                        best_ratio = ratio;
                }
        }
        if (ret_ratio)
                *ret_ratio = best_ratio;
        return best;
}

void status_print_namespaces(FILE *f, json_t *namespaces) {
        static const char *const headers[] = { "NAMESPACE", ">OBJECTS", ">ORPHANS",
                                               "HIGHEST LIMIT USE", NULL };
        Table *t;
        json_t *ns;
        size_t i;

        if (!json_is_array(namespaces) || json_array_size(namespaces) == 0)
                return;
        t = table_new(headers);
        if (!t)
                return;
        json_array_foreach(namespaces, i, ns) {
                char objects[24], orphans[24], use[64] = "-";
                double ratio;
                json_t *limit = limits_highest_use(json_object_get(ns, "limits"), &ratio);
                const char *row[] = {
                        reply_namespace(ns),
                        (snprintf(objects, sizeof(objects), "%" JSON_INTEGER_FORMAT,
                                  reply_int(ns, "objects")),
                         objects),
                        (snprintf(orphans, sizeof(orphans), "%" JSON_INTEGER_FORMAT,
                                  reply_int(ns, "orphans")),
                         orphans),
                        use,
                };
                /* GetStatus names each namespace in "name", as objects do in "namespace". */
                if (json_is_string(json_object_get(ns, "name")))
                        row[0] = json_string_value(json_object_get(ns, "name"));
                if (limit)
                        snprintf(use, sizeof(use), "%s %.1f%%", reply_str(limit, "name"),
                                 ratio * 100);
                if (table_add_row(t, row) < 0)
                        break;
        }
        print_table_indented(f, t, "  Namespaces: ", "              ");
        table_free(t);
}

void status_print(FILE *f, json_t *reply, int64_t now) {
        char a[64], b[FORMAT_TIMESPAN_MAX], c[FORMAT_SIZE_MAX];
        json_t *last, *limits, *limit;
        size_t i;

        fprintf(f, "ipcreapd %s, running since %s (%s)\n", reply_str(reply, "version"),
                format_timestamp(a, sizeof(a), reply_int(reply, "startTime")),
                format_timespan(b, sizeof(b),
                                (uint64_t) MAX(now - reply_int(reply, "startTime"), 0)));
        fprintf(f, "      Policy: scan every %s%s\n",
                format_timespan(b, sizeof(b), (uint64_t) reply_int(reply, "scanIntervalSec")),
                json_is_true(json_object_get(reply, "dryRun")) ? ", dry run (removes nothing)"
                                                               : "");
        last = json_object_get(reply, "lastScan");
        if (json_is_object(last)) {
                fprintf(f, "   Last scan: %s (%s ago), took %.3fs%s\n",
                        format_timestamp(a, sizeof(a), reply_int(last, "time")),
                        format_timespan(b, sizeof(b),
                                        (uint64_t) MAX(now - reply_int(last, "time"), 0)),
                        json_number_value(json_object_get(last, "durationSec")),
                        json_is_true(json_object_get(reply, "scanning")) ? "; a pass is running now"
                                                                         : "");
                fprintf(f, "             %s\n", reply_str(last, "summary"));
                fprintf(f, "     Objects:\n");
                print_counts(f, json_object_get(last, "counts"));
        } else
                fprintf(f, "   Last scan: none yet%s\n",
                        json_is_true(json_object_get(reply, "scanning")) ? " (the first is running)"
                                                                         : "");
        fprintf(f, "      Totals: %" JSON_INTEGER_FORMAT " removed, %s reclaimed\n",
                reply_int(reply, "reapedTotal"),
                format_size(c, sizeof(c), (uint64_t) reply_int(reply, "reclaimedBytesTotal")));
        limits = json_object_get(reply, "limits");
        json_array_foreach(limits, i, limit) {
                uint64_t max = (uint64_t) MAX(reply_int(limit, "max"), 0);
                char used_text[24], max_text[24];

                fprintf(f, "%s %-6s %s/%s", i == 0 ? "      Limits:" : "             ",
                        reply_str(limit, "name"),
                        format_limit(used_text, sizeof(used_text),
                                     (uint64_t) MAX(reply_int(limit, "used"), 0)),
                        format_limit(max_text, sizeof(max_text), max));
                /* A share of "no limit" is always 0 %: say nothing rather than mislead. */
                if (limit_is_unlimited(max))
                        fputc('\n', f);
                else
                        fprintf(f, " (%.1f%%)\n", limit_ratio(limit) * 100);
        }
        status_print_namespaces(f, json_object_get(reply, "namespaces"));
}

/* ---- explain ---- */

void explain_print(FILE *f, json_t *reply, const char *what) {
        char owner[32], key[16], size[FORMAT_SIZE_MAX], idle[FORMAT_TIMESPAN_MAX], seen[64];
        json_t *o = json_object_get(reply, "object"), *rules, *rule, *pending, *creator, *v;
        size_t i;

        fprintf(f, "%s %s", reply_str(o, "kind"), what);
        if (json_is_integer(json_object_get(o, "key")))
                fprintf(f, " (key %s)",
                        format_key(key, sizeof(key), (uint32_t) reply_int(o, "key")));
        fprintf(f, ", owner %s, %s, idle %s\n",
                format_user(owner, sizeof(owner), (uint32_t) reply_int(o, "ownerUid")),
                format_size(size, sizeof(size), (uint64_t) reply_int(o, "size")),
                format_timespan(idle, sizeof(idle), (uint64_t) reply_int(o, "idleSec")));
        fprintf(f, " Namespace: %s", reply_namespace(o));
        if (json_is_integer(json_object_get(o, "namespaceInode")))
                fprintf(f, " (ipc:[%" JSON_INTEGER_FORMAT "])", reply_int(o, "namespaceInode"));
        fprintf(f, "\n     State: %s", reply_str(reply, "state"));
        if (json_is_string(json_object_get(reply, "rule")))
                fprintf(f, " under rule %s", reply_str(reply, "rule"));
        fprintf(f, "\nFirst seen: %s\n",
                format_timestamp(seen, sizeof(seen), reply_int(o, "firstSeen")));
        creator = json_object_get(o, "creator");
        if (json_is_object(creator)) {
                const char *unit = json_string_value(json_object_get(creator, "unit"));
                const char *cmdline = json_string_value(json_object_get(creator, "cmdline"));
                fprintf(f, "   Creator: %s[%" JSON_INTEGER_FORMAT "]%s%s\n",
                        reply_str(creator, "comm"), reply_int(creator, "pid"), unit ? " in " : "",
                        strempty(unit));
                if (cmdline)
                        fprintf(f, "            %s\n", cmdline);
        }
        pending = json_object_get(reply, "pending");
        json_array_foreach(pending, i, v)
                fprintf(f, "%s %s\n", i == 0 ? "   Pending:" : "           ", json_string_value(v));

        /* What the judgement rests on, when some of it is not from the last pass. */
        json_t *facts = json_object_get(reply, "facts"), *fact;
        bool all_fresh = true;
        json_array_foreach(facts, i, fact) all_fresh =
                all_fresh && json_is_true(json_object_get(fact, "thisPass"));
        if (!all_fresh)
                json_array_foreach(facts, i, fact) {
                        char age[FORMAT_TIMESPAN_MAX];
                        const char *note = json_string_value(json_object_get(fact, "note"));
                        fprintf(f, "%s %s: ", i == 0 ? "     Facts:" : "           ",
                                reply_str(fact, "name"));
                        if (json_is_true(json_object_get(fact, "thisPass")))
                                fprintf(f, "this pass");
                        else if (json_is_integer(json_object_get(fact, "readAt")))
                                fprintf(f, "read %s ago",
                                        format_timespan(age, sizeof(age),
                                                        (uint64_t) reply_int(fact, "ageSec")));
                        else
                                fprintf(f, "not read");
                        fprintf(f, "%s%s%s\n", note ? " (" : "", strempty(note), note ? ")" : "");
                }

        rules = json_object_get(reply, "rules");
        fprintf(f, "     Rules:%s\n",
                json_array_size(rules) == 0 ? " none (the object is unmatched)" : "");
        json_array_foreach(rules, i, rule) {
                bool governs = json_is_true(json_object_get(rule, "governs"));
                fprintf(f, "           %s %-24s %-6s %s\n", governs ? "->" : "  ",
                        reply_str(rule, "name"), reply_str(rule, "action"),
                        reply_str(rule, "reason"));
        }
}
