/* SPDX-License-Identifier: MIT */
/* The policy file: [Daemon] settings and ordered [Rule NAME] sections, parsed with inih. */
#include <ctype.h>
#include <dirent.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/un.h>

#include <ini.h>

#include "macro.h"
#include "parse-util.h"
#include "policy.h"
#include "strv.h"

static const char *const action_names[_RULE_ACTION_MAX] = {
        [RULE_ACTION_REAP] = "reap",
        [RULE_ACTION_REPORT] = "report",
        [RULE_ACTION_KEEP] = "keep",
};

const char *rule_action_to_string(RuleAction a) {
        return a >= 0 && a < _RULE_ACTION_MAX ? action_names[a] : NULL;
}

typedef enum SectionType {
        SECTION_NONE, /* before the first header */
        SECTION_DAEMON,
        SECTION_RULE,
        SECTION_IGNORED, /* a bad header, already reported: its keys are not */
} SectionType;

typedef struct ParseState {
        Policy *policy;
        char **errors;
        const char *file;
        FILE *f;
        char *buf;
        size_t buf_size;
        unsigned line;
        SectionType section;
        size_t rule;         /* index into policy->rules while in a [Rule] */
        bool kinds_assigned; /* the current rule's Kind= holds a list, not the default "any" */
        bool oom;
} ParseState;

static void config_error(ParseState *s, const char *format, ...) _printf_(2, 3);
static void config_error(ParseState *s, const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0 || strv_extendf(&s->errors, "%s:%u: %s", s->file, s->line, message) < 0)
                s->oom = true;
}

/* ---- value parsers: one per value syntax, table-driven below ---- */

typedef int (*ValueParser)(ParseState *s, const char *key, const char *value, void *field);

static int parse_span_value(ParseState *s, const char *key, const char *value, void *field) {
        if (parse_timespan_sec(value, field) < 0) {
                config_error(s,
                             "%s=: invalid time span \"%s\" (use e.g. 90, 90s, 5min, 2h, 7d, 1w)",
                             key, value);
                return -EINVAL;
        }
        return 0;
}

static int parse_interval_value(ParseState *s, const char *key, const char *value, void *field) {
        uint64_t v;
        if (parse_span_value(s, key, value, &v) < 0)
                return -EINVAL;
        if (v < 1) {
                config_error(s, "%s=: must be at least 1s, not \"%s\"", key, value);
                return -EINVAL;
        }
        *(uint64_t *) field = v;
        return 0;
}

static int parse_size_value(ParseState *s, const char *key, const char *value, void *field) {
        if (parse_size(value, field) < 0) {
                config_error(s, "%s=: invalid size \"%s\" (use e.g. 4096, 512K, 1M, 2G)", key,
                             value);
                return -EINVAL;
        }
        return 0;
}

static int parse_bool_value(ParseState *s, const char *key, const char *value, void *field) {
        int b = parse_boolean(value);
        if (b < 0) {
                config_error(s, "%s=: invalid boolean \"%s\" (use yes/no, true/false, on/off, 1/0)",
                             key, value);
                return -EINVAL;
        }
        *(bool *) field = b;
        return 0;
}

static int parse_count_value(ParseState *s, const char *key, const char *value, void *field) {
        if (parse_uint64(value, field) < 0) {
                config_error(s, "%s=: invalid number \"%s\" (a whole number, 0 or more)", key,
                             value);
                return -EINVAL;
        }
        return 0;
}

static int set_string(ParseState *s, char **field, const char *value) {
        char *c = NULL;
        if (*value && !(c = strdup(value))) {
                s->oom = true;
                return -ENOMEM;
        }
        free(*field);
        *field = c;
        return 0;
}

static int parse_path_value(ParseState *s, const char *key, const char *value, void *field) {
        if (*value && value[0] != '/') {
                config_error(s, "%s=: \"%s\" is not an absolute path", key, value);
                return -EINVAL;
        }
        return set_string(s, field, value);
}

static int parse_required_path_value(ParseState *s, const char *key, const char *value,
                                     void *field) {
        if (!*value) {
                config_error(s, "%s=: needs an absolute path", key);
                return -EINVAL;
        }
        return parse_path_value(s, key, value, field);
}

static int parse_socket_value(ParseState *s, const char *key, const char *value, void *field) {
        if (strlen(value) >= sizeof(((struct sockaddr_un *) NULL)->sun_path)) {
                config_error(s, "%s=: path too long for a Unix socket (max %zu characters)", key,
                             sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1);
                return -EINVAL;
        }
        return parse_required_path_value(s, key, value, field);
}

static int lookup_group(const char *name, gid_t *ret) {
        uint32_t id;
        struct group *g;

        if (parse_uint32(name, &id) >= 0) {
                *ret = id;
                return 0;
        }
        errno = 0;
        g = getgrnam(name);
        if (!g)
                return errno > 0 ? -errno : -ENOENT;
        *ret = g->gr_gid;
        return 0;
}

static int parse_admin_group_value(ParseState *s, const char *key, const char *value, void *field) {
        DaemonSettings *d = field;
        gid_t gid = 0;

        if (*value && lookup_group(value, &gid) < 0) {
                config_error(s, "%s=: unknown group \"%s\"", key, value);
                return -EINVAL;
        }
        d->admin_gid = gid;
        return set_string(s, &d->admin_group, value);
}

static int parse_kind_value(ParseState *s, const char *key, const char *value, void *field) {
        _cleanup_strv_free_ char **words = strv_split_blanks(value);
        unsigned *kinds = field, parsed = 0;

        if (!words) {
                s->oom = true;
                return -ENOMEM;
        }
        if (!words[0]) {
                *kinds = IPC_KIND_ALL;
                s->kinds_assigned = false;
                return 0;
        }
        for (char **w = words; *w; w++) {
                IpcKind k = ipc_kind_from_string(*w);
                if (k < 0) {
                        config_error(s, "%s=: unknown kind \"%s\" (use shm, sem, msg)", key, *w);
                        return -EINVAL;
                }
                parsed |= 1u << k;
        }
        /* Repeated assignments add to the list, as in systemd; an empty one resets. */
        *kinds = s->kinds_assigned ? *kinds | parsed : parsed;
        s->kinds_assigned = true;
        return 0;
}

static int parse_action_value(ParseState *s, const char *key, const char *value, void *field) {
        for (int a = 0; a < _RULE_ACTION_MAX; a++)
                if (streq(value, action_names[a])) {
                        *(RuleAction *) field = (RuleAction) a;
                        return 0;
                }
        config_error(s, "%s=: unknown action \"%s\" (use reap, report or keep)", key, value);
        return -EINVAL;
}

static int parse_quarantine_value(ParseState *s, const char *key, const char *value, void *field) {
        bool b;
        if (parse_bool_value(s, key, value, &b) < 0)
                return -EINVAL;
        if (b) {
                /* Reaping under a rule that promises an undo we cannot give would lose data. */
                config_error(s,
                             "%s=yes: this version of ipcreap has no quarantine store yet; "
                             "use Quarantine=no",
                             key);
                return -EINVAL;
        }
        *(bool *) field = b;
        return 0;
}

static int id_set_add(ParseState *s, IdSet *set, uint32_t first, uint32_t last) {
        IdRange *r = realloc(set->ranges, (set->n + 1) * sizeof(IdRange));
        if (!r) {
                s->oom = true;
                return -ENOMEM;
        }
        set->ranges = r;
        set->ranges[set->n++] = (IdRange){ first, last };
        return 0;
}

/* "A-B" of two decimal numbers; names may contain '-' ("www-data"), numbers may not. */
static int parse_numeric_range(const char *word, uint32_t *ret_first, uint32_t *ret_last) {
        const char *dash = strchr(word, '-');
        _cleanup_free_ char *first = NULL;

        int r = parse_uint32(word, ret_first);
        if (r >= 0) {
                *ret_last = *ret_first;
                return 0;
        }
        if (r == -ERANGE)
                return r; /* All digits, too large: not a name either. */
        if (!dash || !isdigit((unsigned char) word[0]))
                return -ENOENT; /* Not numeric at all: a name. */
        first = strndup(word, (size_t) (dash - word));
        if (!first)
                return -ENOMEM;
        if (parse_uint32(first, ret_first) < 0 || parse_uint32(dash + 1, ret_last) < 0)
                return -EINVAL;
        return *ret_first <= *ret_last ? 0 : -ERANGE;
}

static int add_group_members(ParseState *s, IdSet *set, const char *key, const char *name) {
        struct passwd *pw;
        struct group *g;
        gid_t gid;

        errno = 0;
        g = getgrnam(name);
        if (!g) {
                config_error(s, "%s=: unknown group \"@%s\"", key, name);
                return -EINVAL;
        }
        gid = g->gr_gid;
        for (char **m = g->gr_mem; m && *m; m++) {
                pw = getpwnam(*m);
                if (pw && id_set_add(s, set, pw->pw_uid, pw->pw_uid) < 0)
                        return -ENOMEM;
        }
        /* Users whose primary group it is are members too, though gr_mem omits them. */
        setpwent();
        while ((pw = getpwent()))
                if (pw->pw_gid == gid && id_set_add(s, set, pw->pw_uid, pw->pw_uid) < 0) {
                        endpwent();
                        return -ENOMEM;
                }
        endpwent();
        return 0;
}

typedef enum IdKind { ID_USER, ID_GROUP, ID_KEY } IdKind;

static int parse_key_word(const char *w, uint32_t *ret) {
        char *end;
        unsigned long long v;

        if (strncasecmp(w, "0x", 2) != 0 || !isxdigit((unsigned char) w[2]))
                return -EINVAL;
        errno = 0;
        v = strtoull(w + 2, &end, 16);
        if (errno || *end || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static int parse_id_word(ParseState *s, IdSet *set, IdKind kind, const char *key, const char *w) {
        uint32_t first, last;
        int r;

        if (kind == ID_KEY) {
                const char *dash = strchr(w, '-');
                if (streq(w, "private"))
                        return id_set_add(s, set, 0, 0);
                if (dash) {
                        _cleanup_free_ char *a = strndup(w, (size_t) (dash - w));
                        if (!a) {
                                s->oom = true;
                                return -ENOMEM;
                        }
                        r = parse_key_word(a, &first) < 0 || parse_key_word(dash + 1, &last) < 0
                                    ? -EINVAL
                                    : 0;
                        if (r >= 0 && first > last)
                                r = -ERANGE;
                } else {
                        r = parse_key_word(w, &first);
                        last = first;
                }
                if (r < 0) {
                        config_error(s,
                                     "%s=: invalid key \"%s\" (use hex keys like 0x5000, ranges "
                                     "like 0x5000-0x50ff, or private)",
                                     key, w);
                        return -EINVAL;
                }
                return id_set_add(s, set, first, last);
        }

        r = parse_numeric_range(w, &first, &last);
        if (r == -ENOMEM) {
                s->oom = true;
                return r;
        }
        if (r >= 0)
                return id_set_add(s, set, first, last);
        if (r != -ENOENT) {
                config_error(s, "%s=: invalid %s range \"%s\"", key,
                             kind == ID_USER ? "uid" : "gid", w);
                return -EINVAL;
        }

        if (kind == ID_USER && w[0] == '@')
                return add_group_members(s, set, key, w + 1);
        if (kind == ID_USER) {
                struct passwd *pw = getpwnam(w);
                if (!pw) {
                        config_error(s, "%s=: unknown user \"%s\"", key, w);
                        return -EINVAL;
                }
                return id_set_add(s, set, pw->pw_uid, pw->pw_uid);
        }
        struct group *g = getgrnam(w);
        if (!g) {
                config_error(s, "%s=: unknown group \"%s\"", key, w);
                return -EINVAL;
        }
        return id_set_add(s, set, g->gr_gid, g->gr_gid);
}

static void id_set_done(IdSet *set) {
        free(set->ranges);
        free(set->text);
        *set = (IdSet){ 0 };
}

static int parse_id_set(ParseState *s, IdKind kind, const char *key, const char *value,
                        IdSet *set) {
        _cleanup_strv_free_ char **words = strv_split_blanks(value);
        IdSet parsed = { 0 };
        char *text;

        if (!words) {
                s->oom = true;
                return -ENOMEM;
        }
        if (!words[0]) {
                id_set_done(set); /* An empty assignment resets to "any". */
                return 0;
        }
        for (char **w = words; *w; w++)
                if (parse_id_word(s, &parsed, kind, key, *w) < 0) {
                        id_set_done(&parsed);
                        return -EINVAL;
                }

        /* Repeated assignments add to the set, as in systemd. */
        if (set->text ? asprintf(&text, "%s %s", set->text, value) < 0 : !(text = strdup(value))) {
                id_set_done(&parsed);
                s->oom = true;
                return -ENOMEM;
        }
        for (size_t i = 0; i < parsed.n; i++)
                if (id_set_add(s, set, parsed.ranges[i].first, parsed.ranges[i].last) < 0) {
                        free(text);
                        id_set_done(&parsed);
                        return -ENOMEM;
                }
        free(set->text);
        set->text = text;
        id_set_done(&parsed);
        return 0;
}

static int parse_owner_value(ParseState *s, const char *key, const char *value, void *field) {
        return parse_id_set(s, ID_USER, key, value, field);
}

static int parse_group_value(ParseState *s, const char *key, const char *value, void *field) {
        return parse_id_set(s, ID_GROUP, key, value, field);
}

static int parse_key_value(ParseState *s, const char *key, const char *value, void *field) {
        return parse_id_set(s, ID_KEY, key, value, field);
}

static int parse_creator_value(ParseState *s, const char *key, const char *value, void *field) {
        _cleanup_strv_free_ char **words = strv_split_blanks(value);
        char ***globs = field;

        (void) key;
        if (!words) {
                s->oom = true;
                return -ENOMEM;
        }
        if (!words[0]) {
                *globs = strv_free(*globs);
                return 0;
        }
        for (char **w = words; *w; w++)
                if (strv_extend(globs, *w) < 0) {
                        s->oom = true;
                        return -ENOMEM;
                }
        return 0;
}

typedef struct ConfigKey {
        SectionType section;
        const char *name;
        ValueParser parse;
        size_t offset; /* into DaemonSettings or Rule; SIZE_MAX: the struct itself */
} ConfigKey;

#define DAEMON_KEY(n, p, f) \
        { SECTION_DAEMON, n, p, offsetof(DaemonSettings, f) }
#define RULE_KEY(n, p, f) \
        { SECTION_RULE, n, p, offsetof(Rule, f) }

static const ConfigKey config_keys[] = {
        DAEMON_KEY("ScanIntervalSec", parse_interval_value, scan_interval_sec),
        DAEMON_KEY("DryRun", parse_bool_value, dry_run),
        DAEMON_KEY("MaxReapsPerScan", parse_count_value, max_reaps_per_scan),
        DAEMON_KEY("Socket", parse_socket_value, socket),
        { SECTION_DAEMON, "AdminGroup", parse_admin_group_value, SIZE_MAX },
        DAEMON_KEY("StateDirectory", parse_required_path_value, state_directory),
        DAEMON_KEY("HistorySize", parse_count_value, history_size),
        DAEMON_KEY("QuarantineMaxBytes", parse_size_value, quarantine_max_bytes),
        DAEMON_KEY("QuarantineKeepSec", parse_span_value, quarantine_keep_sec),
        DAEMON_KEY("MetricsFile", parse_path_value, metrics_file),
        RULE_KEY("Kind", parse_kind_value, kinds),
        RULE_KEY("Owner", parse_owner_value, owner),
        RULE_KEY("Group", parse_group_value, group),
        RULE_KEY("Key", parse_key_value, key),
        RULE_KEY("Creator", parse_creator_value, creator),
        RULE_KEY("MinSize", parse_size_value, min_size),
        RULE_KEY("MinIdleSec", parse_span_value, min_idle_sec),
        RULE_KEY("RequireDeadPids", parse_bool_value, require_dead_pids),
        RULE_KEY("RequireNoOwnerProcesses", parse_bool_value, require_no_owner_processes),
        RULE_KEY("Action", parse_action_value, action),
        RULE_KEY("Quarantine", parse_quarantine_value, quarantine),
};

/* ---- sections ---- */

static bool rule_name_is_valid(const char *name) {
        if (!*name || strlen(name) > 64)
                return false;
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr("-_.:@", *p))
                        return false;
        return true;
}

static void begin_section(ParseState *s, const char *line) {
        const char *end = strchr(line, ']');
        _cleanup_free_ char *name = NULL;
        Policy *p = s->policy;
        Rule *rule;

        if (!end)
                return; /* inih reports the malformed header. */
        name = strndup(line + 1, (size_t) (end - line - 1));
        if (!name) {
                s->oom = true;
                return;
        }
        s->section = SECTION_IGNORED;
        if (streq(name, "Daemon")) {
                s->section = SECTION_DAEMON;
                return;
        }
        if (strncmp(name, "Rule", 4) != 0 || (name[4] && name[4] != ' ')) {
                config_error(s, "unknown section [%s] (expected [Daemon] or [Rule NAME])", name);
                return;
        }
        if (!rule_name_is_valid(name + 4 + (name[4] == ' '))) {
                config_error(s,
                             "[%s]: a rule needs a name of letters, digits and -_.:@ (up to 64), "
                             "as in [Rule stale-user-shm]",
                             name);
                return;
        }
        const char *rule_name = name + 5;
        for (size_t i = 0; i < p->n_rules; i++)
                if (streq(p->rules[i].name, rule_name)) {
                        config_error(s, "duplicate rule name \"%s\" (first defined at %s:%u)",
                                     rule_name, p->rules[i].file, p->rules[i].line);
                        return;
                }

        rule = realloc(p->rules, (p->n_rules + 1) * sizeof(Rule));
        if (!rule) {
                s->oom = true;
                return;
        }
        p->rules = rule;
        rule = &p->rules[p->n_rules];
        *rule = (Rule){
                .name = strdup(rule_name),
                .file = strdup(s->file),
                .line = s->line,
                .kinds = IPC_KIND_ALL,
                .min_idle_sec = 3600,
                .require_dead_pids = true,
                .action = RULE_ACTION_REAP,
        };
        p->n_rules++;
        if (!rule->name || !rule->file) {
                s->oom = true;
                return;
        }
        s->section = SECTION_RULE;
        s->rule = p->n_rules - 1;
        s->kinds_assigned = false;
}

/* inih reports only the first malformed line; the reader finds them all, the way inih does:
 * no "=" or ":" (no "]" in a header) before the end or an inline " ;" comment. */
static bool line_is_malformed(const char *p) {
        const char *stop = *p == '[' ? "]" : "=:";

        if (!*p || strchr("\r\n#;", *p))
                return false;
        for (const char *c = p + (*p == '['); *c; c++) {
                if (strchr(stop, *c))
                        return false;
                if (*c == ';' && c > p && isspace((unsigned char) c[-1]))
                        return true;
        }
        return true;
}

/* inih reads through this, so every line's number is known and section headers are seen
 * even when the section holds no keys (inih only reports keys). Leading blanks are dropped
 * first, which turns off inih's indented-continuation lines: systemd has none either. */
static char *policy_reader(char *str, int num, void *stream) {
        ParseState *s = stream;
        ssize_t l;
        char *p;
        size_t n;

        l = getline(&s->buf, &s->buf_size, s->f);
        if (l < 0)
                return NULL;
        s->line++;
        p = s->buf;
        /* inih skips a UTF-8 byte order mark on the first line; so must the section tracking. */
        if (s->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3;
        p += strspn(p, " \t");
        n = strlen(p);
        if (n >= (size_t) num) {
                if (*p != '#' && *p != ';')
                        config_error(s,
                                     "line too long (at most %d characters; lists may be split "
                                     "over several assignments of the same key)",
                                     num - 2);
                snprintf(str, (size_t) num, "\n");
                return str;
        }
        if (line_is_malformed(p)) {
                config_error(s, "syntax error (expected [Section], Key=Value, or a # comment)");
                snprintf(str, (size_t) num, "\n");
                return str;
        }
        if (*p == '[')
                begin_section(s, p);
        memcpy(str, p, n + 1);
        return str;
}

static int policy_handler(void *user, const char *section, const char *name, const char *value) {
        ParseState *s = user;
        _cleanup_free_ char *v = NULL;
        char *hash;

        (void) section; /* The reader tracks sections, with their line numbers. */
        if (s->section == SECTION_IGNORED)
                return 1;
        if (s->section == SECTION_NONE) {
                config_error(s, "%s= outside a section (put it under [Daemon] or [Rule NAME])",
                             name);
                return 1;
        }

        /* inih strips inline ";" comments; the spec's examples also use " #". */
        v = strdup(value);
        if (!v) {
                s->oom = true;
                return 1;
        }
        for (hash = v; (hash = strchr(hash, '#')); hash++)
                if (hash == v || hash[-1] == ' ' || hash[-1] == '\t') {
                        *hash = 0;
                        break;
                }
        for (size_t l = strlen(v); l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t');)
                v[--l] = 0;

        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const ConfigKey *k = &config_keys[i];
                char *base;

                if (k->section != s->section || !streq(k->name, name))
                        continue;
                base = s->section == SECTION_DAEMON ? (char *) &s->policy->daemon
                                                    : (char *) &s->policy->rules[s->rule];
                (void) k->parse(s, name, v, k->offset == SIZE_MAX ? base : base + k->offset);
                return 1;
        }
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].name, name)) {
                        config_error(s, "%s= belongs in %s, not in this section", name,
                                     config_keys[i].section == SECTION_DAEMON ? "[Daemon]"
                                                                              : "[Rule NAME]");
                        return 1;
                }
        config_error(s, "unknown key \"%s\" in [%s]", name,
                     s->section == SECTION_DAEMON ? "Daemon" : "Rule");
        return 1;
}

static int parse_stream(ParseState *s, FILE *f, const char *file) {
        int r;

        s->f = f;
        s->file = file;
        s->line = 0;
        s->section = SECTION_NONE;
        if (strv_extend(&s->policy->files, file) < 0)
                return -ENOMEM;
        r = ini_parse_stream(policy_reader, s, policy_handler, s);
        if (r == -2 || s->oom)
                return -ENOMEM;
        if (r > 0) {
                unsigned line = s->line;
                s->line = (unsigned) r;
                config_error(s, "syntax error (expected [Section], Key=Value, or a # comment)");
                s->line = line;
        }
        return s->oom ? -ENOMEM : 0;
}

static int parse_file(ParseState *s, const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");

        if (!f) {
                int e = errno;
                s->file = path;
                s->line = 0;
                config_error(s, "cannot open: %s", strerror(e));
                return 0;
        }
        return parse_stream(s, f, path);
}

static Policy *policy_new(void) {
        Policy *p = calloc(1, sizeof(Policy));
        if (!p)
                return NULL;
        p->n_ref = 1;
        p->daemon = (DaemonSettings){
                .scan_interval_sec = 60,
                .max_reaps_per_scan = 100,
                .socket = strdup(POLICY_DEFAULT_SOCKET),
                .state_directory = strdup(POLICY_DEFAULT_STATE_DIRECTORY),
                .history_size = 1000,
                .quarantine_max_bytes = UINT64_C(256) << 20,
                .quarantine_keep_sec = 7 * 86400,
        };
        if (!p->daemon.socket || !p->daemon.state_directory)
                return policy_free(p);
        return p;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int list_dropins(const char *dir, ParseState *s, char ***ret) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        _cleanup_strv_free_ char **files = calloc(1, sizeof(char *));
        struct dirent *de;

        if (!files)
                return -ENOMEM;
        if (!d) {
                if (errno != ENOENT) {
                        int e = errno;
                        s->file = dir;
                        s->line = 0;
                        config_error(s, "cannot open drop-in directory: %s", strerror(e));
                }
                *ret = TAKE_PTR(files);
                return 0;
        }
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l < 6 || !streq(de->d_name + l - 5, ".conf"))
                        continue;
                if (strv_extendf(&files, "%s/%s", dir, de->d_name) < 0)
                        return -ENOMEM;
        }
        /* Lexical order by byte value, independent of the locale. */
        qsort(files, strv_length(files), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(files);
        return 0;
}

static int policy_finish(ParseState *s, int r, Policy **ret, char ***ret_errors) {
        free(s->buf);
        if (r < 0 || s->oom) {
                policy_free(s->policy);
                strv_free(s->errors);
                return -ENOMEM;
        }
        if (s->errors) {
                policy_free(s->policy);
                if (ret_errors)
                        *ret_errors = s->errors;
                else
                        strv_free(s->errors);
                return -EINVAL;
        }
        *ret = s->policy;
        if (ret_errors)
                *ret_errors = NULL;
        return 0;
}

int policy_load(const char *path, Policy **ret, char ***ret_errors) {
        ParseState s = { .policy = policy_new() };
        _cleanup_strv_free_ char **dropins = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        if (!s.policy)
                return -ENOMEM;
        r = parse_file(&s, path);
        if (r >= 0)
                r = asprintf(&dir, "%s.d", path) < 0 ? -ENOMEM : 0;
        if (r >= 0)
                r = list_dropins(dir, &s, &dropins);
        for (char **f = dropins; r >= 0 && f && *f; f++)
                r = parse_file(&s, *f);
        return policy_finish(&s, r, ret, ret_errors);
}

int policy_load_string(const char *text, const char *name, Policy **ret, char ***ret_errors) {
        ParseState s = { .policy = policy_new() };
        _cleanup_fclose_ FILE *f = NULL;
        int r;

        if (!s.policy)
                return -ENOMEM;
        f = fmemopen((void *) text, strlen(text), "r");
        r = f ? parse_stream(&s, f, name) : -ENOMEM;
        return policy_finish(&s, r, ret, ret_errors);
}

/* Atomic: the scan worker and the event loop share policies. */
Policy *policy_ref(Policy *p) {
        if (p)
                __atomic_add_fetch(&p->n_ref, 1, __ATOMIC_RELAXED);
        return p;
}

Policy *policy_free(Policy *p) {
        if (!p || __atomic_sub_fetch(&p->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        for (size_t i = 0; i < p->n_rules; i++) {
                Rule *r = &p->rules[i];
                free(r->name);
                free(r->file);
                id_set_done(&r->owner);
                id_set_done(&r->group);
                id_set_done(&r->key);
                strv_free(r->creator);
        }
        free(p->rules);
        free(p->daemon.socket);
        free(p->daemon.admin_group);
        free(p->daemon.state_directory);
        free(p->daemon.metrics_file);
        strv_free(p->files);
        free(p);
        return NULL;
}

static int replace_string(char **field, const char *value) {
        char *c = strdup(value);
        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

int policy_apply_overrides(Policy *p, const PolicyOverrides *o) {
        if (o->socket && replace_string(&p->daemon.socket, o->socket) < 0)
                return -ENOMEM;
        if (o->state_directory &&
            replace_string(&p->daemon.state_directory, o->state_directory) < 0)
                return -ENOMEM;
        if (o->dry_run)
                p->daemon.dry_run = true;
        return 0;
}

bool policy_is_admin(const DaemonSettings *d, uid_t uid, gid_t gid, const gid_t *groups,
                     size_t n_groups) {
        if (uid == 0)
                return true;
        if (uid == (uid_t) -1 || !d->admin_group)
                return false;
        if (gid == d->admin_gid)
                return true;
        for (size_t i = 0; i < n_groups; i++)
                if (groups[i] == d->admin_gid)
                        return true;
        return false;
}

bool id_set_contains(const IdSet *s, uint32_t id) {
        if (id_set_is_any(s))
                return true;
        for (size_t i = 0; i < s->n; i++)
                if (id >= s->ranges[i].first && id <= s->ranges[i].last)
                        return true;
        return false;
}

static bool rule_matches_everything(const Rule *r) {
        return r->kinds == IPC_KIND_ALL && id_set_is_any(&r->owner) && id_set_is_any(&r->group) &&
               id_set_is_any(&r->key) && !r->creator && r->min_size == 0;
}

int policy_warnings(const Policy *p, char ***ret) {
        char **l = NULL;

        for (size_t i = 0; i < p->n_rules; i++) {
                const Rule *all = &p->rules[i];
                if (!rule_matches_everything(all))
                        continue;
                /* The first rule without matchers governs every object that gets that far. */
                for (size_t j = i + 1; j < p->n_rules; j++)
                        if (strv_extendf(&l,
                                         "%s:%u: warning: rule \"%s\" can never govern an "
                                         "object: rule \"%s\" (%s:%u) before it matches every "
                                         "object",
                                         p->rules[j].file, p->rules[j].line, p->rules[j].name,
                                         all->name, all->file, all->line) < 0) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                break;
        }
        *ret = l;
        return 0;
}

bool policy_needs_owner_processes(const Policy *p) {
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].require_no_owner_processes &&
                    p->rules[i].action != RULE_ACTION_KEEP)
                        return true;
        return false;
}

/* Keeps printed lines well within inih's limit (INI_MAX_LINE, 200 bytes). */
#define PRINT_LIST_WIDTH 150

/* Prints a list as as many assignments as it takes to keep lines short: assignments add up,
 * so the printout reads back as the same list. */
static void print_list(FILE *f, const char *key, const char *text) {
        _cleanup_strv_free_ char **words = strv_split_blanks(strempty(text));
        size_t width = 0;

        if (!words || !words[0]) {
                fprintf(f, "%s=%s\n", key, words ? "" : strempty(text));
                return;
        }
        for (char **w = words; *w; w++) {
                if (width > 0 && width + 1 + strlen(*w) > PRINT_LIST_WIDTH) {
                        fputc('\n', f);
                        width = 0;
                }
                if (width == 0)
                        width = (size_t) fprintf(f, "%s=%s", key, *w);
                else
                        width += (size_t) fprintf(f, " %s", *w);
        }
        fputc('\n', f);
}

void policy_print(const Policy *p, FILE *f) {
        const DaemonSettings *d = &p->daemon;
        char span[FORMAT_TIMESPAN_MAX], size[FORMAT_SIZE_MAX];

        fprintf(f, "# Effective policy, read from:\n");
        for (char **file = p->files; file && *file; file++)
                fprintf(f, "#   %s\n", *file);
        fprintf(f, "\n[Daemon]\n");
        fprintf(f, "ScanIntervalSec=%s\n",
                format_timespan_exact(span, sizeof(span), d->scan_interval_sec));
        fprintf(f, "DryRun=%s\n", d->dry_run ? "yes" : "no");
        fprintf(f, "MaxReapsPerScan=%" PRIu64 "\n", d->max_reaps_per_scan);
        fprintf(f, "Socket=%s\n", d->socket);
        fprintf(f, "AdminGroup=%s\n", strempty(d->admin_group));
        fprintf(f, "StateDirectory=%s\n", d->state_directory);
        fprintf(f, "HistorySize=%" PRIu64 "\n", d->history_size);
        fprintf(f, "QuarantineMaxBytes=%s\n",
                format_size_exact(size, sizeof(size), d->quarantine_max_bytes));
        fprintf(f, "QuarantineKeepSec=%s\n",
                format_timespan_exact(span, sizeof(span), d->quarantine_keep_sec));
        fprintf(f, "MetricsFile=%s\n", strempty(d->metrics_file));

        for (size_t i = 0; i < p->n_rules; i++) {
                const Rule *r = &p->rules[i];
                _cleanup_free_ char *creator = strv_join(r->creator, " ");

                fprintf(f, "\n# %s:%u\n[Rule %s]\n", r->file, r->line, r->name);
                bool first = true;
                fprintf(f, "Kind=");
                for (IpcKind k = 0; k < _IPC_KIND_MAX; k++)
                        if (r->kinds & (1u << k)) {
                                fprintf(f, "%s%s", first ? "" : " ", ipc_kind_to_string(k));
                                first = false;
                        }
                fputc('\n', f);
                print_list(f, "Owner", r->owner.text);
                print_list(f, "Group", r->group.text);
                print_list(f, "Key", r->key.text);
                print_list(f, "Creator", creator);
                fprintf(f, "MinSize=%s\n", format_size_exact(size, sizeof(size), r->min_size));
                fprintf(f, "MinIdleSec=%s\n",
                        format_timespan_exact(span, sizeof(span), r->min_idle_sec));
                fprintf(f, "RequireDeadPids=%s\n", r->require_dead_pids ? "yes" : "no");
                fprintf(f, "RequireNoOwnerProcesses=%s\n",
                        r->require_no_owner_processes ? "yes" : "no");
                fprintf(f, "Action=%s\n", rule_action_to_string(r->action));
                fprintf(f, "Quarantine=%s\n", r->quarantine ? "yes" : "no");
        }
}
