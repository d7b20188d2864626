/* SPDX-License-Identifier: MIT */
/* The policy file: [Daemon] settings and ordered [Rule NAME] sections, parsed with inih. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ini.h>

#include "hashmap.h"
#include "macro.h"
#include "parse-util.h"
#include "policy.h"
#include "string-table.h"
#include "strv.h"

static const char *const rule_action_table[_RULE_ACTION_MAX] = {
        [RULE_ACTION_REAP] = "reap",
        [RULE_ACTION_REPORT] = "report",
        [RULE_ACTION_KEEP] = "keep",
};

DEFINE_STRING_TABLE_LOOKUP(rule_action, RuleAction)

static const char *const scan_namespaces_table[_SCAN_NAMESPACES_MAX] = {
        [SCAN_NAMESPACES_ALL] = "all",
        [SCAN_NAMESPACES_HOST] = "host",
};

DEFINE_STRING_TABLE_LOOKUP(scan_namespaces, ScanNamespaces)

typedef enum SectionType {
        SECTION_NONE, /* before the first header */
        SECTION_DAEMON,
        SECTION_RULE,
        SECTION_IGNORED, /* a bad header, already reported: its keys are not */
} SectionType;

typedef enum IdKind { ID_USER, ID_GROUP, ID_KEY, _ID_KIND_MAX } IdKind;

typedef struct ParseState {
        Policy *policy;
        char **errors;
        size_t n_errors, errors_allocated;
        bool too_many_errors; /* POLICY_ERRORS_MAX reached: nothing more is read */
        const char *file;
        const char *data; /* the file being read, whole */
        size_t size, offset;
        unsigned line;
        SectionType section;
        size_t rule; /* index into policy->rules while in a [Rule] */
        size_t rules_allocated;
        Hashmap rule_names;    /* a rule name's hash (probed on) -> the rule's index + 1 */
        Hashmap group_members; /* a group name's hash (probed on) -> GroupMembers */
        /* The current rule's lists, whose lengths are kept so that a rule with many
         * assignments is read in linear time. */
        bool kinds_assigned; /* Kind= holds a list, not the default "any" */
        size_t ranges_allocated[_ID_KIND_MAX];
        size_t text_length[_ID_KIND_MAX], text_allocated[_ID_KIND_MAX];
        size_t n_creators, creators_allocated;
        size_t n_names, names_allocated;
        size_t n_namespaces, namespaces_allocated;
        bool oom;
} ParseState;

/* The users of a group named in Owner=@GROUP, looked up once per load: each lookup reads
 * the whole user database, and a list may name the same group many times. */
typedef struct GroupMembers {
        char *name;
        IdSet uids;
} GroupMembers;

/* FNV-1a, for the hash maps of names. Names are written by the administrator; two names
 * with the same hash take the next keys. */
static uint64_t string_hash(const char *name) {
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        for (const unsigned char *c = (const unsigned char *) name; *c; c++)
                h = (h ^ *c) * UINT64_C(0x100000001b3);
        return h;
}

/* Appends to a NULL-terminated vector whose length the caller keeps; takes value. */
static int vector_append(char ***l, size_t *n, size_t *allocated, char *value) {
        if (!value || GREEDY_REALLOC(*l, *allocated, *n + 2) < 0) {
                free(value);
                return -ENOMEM;
        }
        (*l)[(*n)++] = value;
        (*l)[*n] = NULL;
        return 0;
}

static void config_error(ParseState *s, const char *format, ...) _printf_(2, 3);
static void config_error(ParseState *s, const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        char *e = NULL;
        va_list ap;
        int r;

        if (s->too_many_errors)
                return;
        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        /* A hostile file (a megabyte of bad lines) must not turn into a gigabyte of errors. */
        if (r >= 0 && s->n_errors + 1 >= POLICY_ERRORS_MAX) {
                s->too_many_errors = true;
                r = asprintf(&e, "%s:%u: too many errors (%d), not reading further", s->file,
                             s->line, POLICY_ERRORS_MAX);
        } else if (r >= 0)
                r = asprintf(&e, "%s:%u: %s", s->file, s->line, message);
        if (r < 0 || vector_append(&s->errors, &s->n_errors, &s->errors_allocated, e) < 0)
                s->oom = true;
}

/* ---- value parsers: one per value syntax, table-driven below ---- */

typedef struct ConfigKey ConfigKey;
typedef int (*ValueParser)(ParseState *s, const ConfigKey *k, const char *value, void *field);

struct ConfigKey {
        SectionType section;
        const char *name;
        ValueParser parse;
        size_t offset;     /* into DaemonSettings or Rule; SIZE_MAX: the struct itself */
        uint64_t min, max; /* the range of a number, span or size */
};

typedef char *(*RangeFormatter)(char *buf, size_t size, uint64_t value);

static char *format_number(char *buf, size_t size, uint64_t value) {
        snprintf(buf, size, "%" PRIu64, value);
        return buf;
}

/* parsed is what the value parser returned: -ERANGE (overflow) is out of range as well. */
static int check_range(ParseState *s, const ConfigKey *k, const char *value, int parsed, uint64_t v,
                       RangeFormatter format) {
        char min[FORMAT_TIMESPAN_MAX], max[FORMAT_TIMESPAN_MAX];

        if (parsed != -ERANGE && v >= k->min && v <= k->max)
                return 0;
        config_error(s, "%s=: \"%s\" is out of range (%s to %s)", k->name, value,
                     format(min, sizeof(min), k->min), format(max, sizeof(max), k->max));
        return -ERANGE;
}

static int parse_span_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        uint64_t v = 0;
        int r = parse_timespan_sec(value, &v);

        if (r < 0 && r != -ERANGE) {
                config_error(s,
                             "%s=: invalid time span \"%s\" (use e.g. 90, 90s, 5min, 2h, 7d, 1w)",
                             k->name, value);
                return -EINVAL;
        }
        r = check_range(s, k, value, r, v, format_timespan_exact);
        if (r < 0)
                return r;
        *(uint64_t *) field = v;
        return 0;
}

static int parse_size_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        uint64_t v = 0;
        int r = parse_size(value, &v);

        if (r < 0 && r != -ERANGE) {
                config_error(s, "%s=: invalid size \"%s\" (use e.g. 4096, 512K, 1M, 2G)", k->name,
                             value);
                return -EINVAL;
        }
        r = check_range(s, k, value, r, v, format_size_exact);
        if (r < 0)
                return r;
        *(uint64_t *) field = v;
        return 0;
}

static int parse_bool_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        int b = parse_boolean(value);
        if (b < 0) {
                config_error(s, "%s=: invalid boolean \"%s\" (use yes/no, true/false, on/off, 1/0)",
                             k->name, value);
                return -EINVAL;
        }
        *(bool *) field = b;
        return 0;
}

static int parse_count_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        uint64_t v = 0;
        int r = parse_uint64(value, &v);

        if (r < 0 && r != -ERANGE) {
                config_error(s, "%s=: invalid number \"%s\" (a whole number, 0 or more)", k->name,
                             value);
                return -EINVAL;
        }
        r = check_range(s, k, value, r, v, format_number);
        if (r < 0)
                return r;
        *(uint64_t *) field = v;
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

static int parse_path_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        if (*value && value[0] != '/') {
                config_error(s, "%s=: \"%s\" is not an absolute path", k->name, value);
                return -EINVAL;
        }
        return set_string(s, field, value);
}

static int parse_required_path_value(ParseState *s, const ConfigKey *k, const char *value,
                                     void *field) {
        if (!*value) {
                config_error(s, "%s=: needs an absolute path", k->name);
                return -EINVAL;
        }
        return parse_path_value(s, k, value, field);
}

static int parse_socket_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        if (strlen(value) >= sizeof(((struct sockaddr_un *) NULL)->sun_path)) {
                config_error(s, "%s=: path too long for a Unix socket (max %zu characters)",
                             k->name, sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1);
                return -EINVAL;
        }
        return parse_required_path_value(s, k, value, field);
}

static int lookup_group(const char *name, gid_t *ret) {
        uint32_t id;
        struct group *g;

        if (parse_uint32(name, &id) >= 0) {
                /* (gid_t) -1 means "no group" to the kernel and to getpeercred callers. */
                if (id == (uint32_t) (gid_t) -1)
                        return -EINVAL;
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

static int parse_admin_group_value(ParseState *s, const ConfigKey *k, const char *value,
                                   void *field) {
        DaemonSettings *d = field;
        gid_t gid = 0;

        if (*value && lookup_group(value, &gid) < 0) {
                config_error(s, "%s=: unknown group \"%s\"", k->name, value);
                return -EINVAL;
        }
        d->admin_gid = gid;
        return set_string(s, &d->admin_group, value);
}

static int parse_kind_value(ParseState *s, const ConfigKey *key, const char *value, void *field) {
        _cleanup_strv_free_ char **words = strv_split_blanks(value);
        unsigned *kinds = field, parsed = 0;

        if (!words) {
                s->oom = true;
                return -ENOMEM;
        }
        if (!words[0]) {
                *kinds = IPC_KIND_SYSV;
                s->kinds_assigned = false;
                return 0;
        }
        for (char **w = words; *w; w++) {
                IpcKind k = ipc_kind_from_string(*w);
                if (streq(*w, "all")) {
                        parsed |= IPC_KIND_EVERY;
                        continue;
                }
                if (k < 0) {
                        config_error(s,
                                     "%s=: unknown kind \"%s\" (use shm, sem, msg, posix-shm, "
                                     "posix-sem, posix-mq or all)",
                                     key->name, *w);
                        return -EINVAL;
                }
                parsed |= 1u << k;
        }
        /* Repeated assignments add to the list, as in systemd; an empty one resets. */
        *kinds = s->kinds_assigned ? *kinds | parsed : parsed;
        s->kinds_assigned = true;
        return 0;
}

static int parse_action_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        RuleAction a = rule_action_from_string(value);

        if (a >= 0) {
                *(RuleAction *) field = a;
                return 0;
        }
        config_error(s, "%s=: unknown action \"%s\" (use reap, report or keep)", k->name, value);
        return -EINVAL;
}

static int parse_scan_namespaces_value(ParseState *s, const ConfigKey *k, const char *value,
                                       void *field) {
        ScanNamespaces v = scan_namespaces_from_string(value);

        if (v < 0) {
                config_error(s, "%s=: invalid value \"%s\" (use all or host)", k->name, value);
                return -EINVAL;
        }
        *(ScanNamespaces *) field = v;
        return 0;
}

/* allocated is the caller's count of set->ranges' slots: doubling keeps long lists linear. */
static int id_set_add(ParseState *s, IdSet *set, size_t *allocated, uint32_t first, uint32_t last) {
        if (set->n >= *allocated) {
                size_t n = MAX(*allocated * 2, (size_t) 1);
                IdRange *r = reallocarray(set->ranges, n, sizeof(IdRange));
                if (!r) {
                        s->oom = true;
                        return -ENOMEM;
                }
                set->ranges = r;
                *allocated = n;
        }
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

static void group_members_free(void *p) {
        GroupMembers *m = p;
        if (m) {
                free(m->name);
                free(m->uids.ranges);
                free(m);
        }
}

static int lookup_group_members(ParseState *s, const char *key, const char *name,
                                const GroupMembers **ret) {
        GroupMembers *m;
        struct passwd *pw;
        struct group *g;
        size_t allocated = 0;
        uint64_t slot;
        gid_t gid;

        for (slot = string_hash(name);; slot++) {
                m = hashmap_get(&s->group_members, slot);
                if (!m)
                        break;
                if (streq(m->name, name)) {
                        *ret = m;
                        return 0;
                }
        }

        errno = 0;
        g = getgrnam(name);
        if (!g) {
                config_error(s, "%s=: unknown group \"@%s\"", key, name);
                return -EINVAL;
        }
        gid = g->gr_gid;
        m = calloc(1, sizeof(GroupMembers));
        if (!m || !(m->name = strdup(name))) {
                group_members_free(m);
                s->oom = true;
                return -ENOMEM;
        }
        for (char **u = g->gr_mem; u && *u; u++) {
                pw = getpwnam(*u);
                if (pw && id_set_add(s, &m->uids, &allocated, pw->pw_uid, pw->pw_uid) < 0) {
                        group_members_free(m);
                        return -ENOMEM;
                }
        }
        /* Users whose primary group it is are members too, though gr_mem omits them. */
        setpwent();
        while ((pw = getpwent()))
                if (pw->pw_gid == gid &&
                    id_set_add(s, &m->uids, &allocated, pw->pw_uid, pw->pw_uid) < 0) {
                        endpwent();
                        group_members_free(m);
                        return -ENOMEM;
                }
        endpwent();
        if (hashmap_put(&s->group_members, slot, m, NULL) < 0) {
                group_members_free(m);
                s->oom = true;
                return -ENOMEM;
        }
        *ret = m;
        return 0;
}

static int add_group_members(ParseState *s, IdSet *set, size_t *allocated, const char *key,
                             const char *name) {
        const GroupMembers *m;
        int r = lookup_group_members(s, key, name, &m);

        if (r < 0)
                return r;
        for (size_t i = 0; i < m->uids.n; i++)
                if (id_set_add(s, set, allocated, m->uids.ranges[i].first, m->uids.ranges[i].last) <
                    0)
                        return -ENOMEM;
        return 0;
}

/* "0x5000" or "0x5000-0x50ff"; both ends exactly one "0x" and hex digits. */
static int parse_key_range(ParseState *s, const char *w, uint32_t *ret_first, uint32_t *ret_last) {
        const char *dash = strchr(w, '-');
        _cleanup_free_ char *a = NULL;

        if (!dash) {
                if (parse_hex_uint32(w, ret_first) < 0)
                        return -EINVAL;
                *ret_last = *ret_first;
                return 0;
        }
        a = strndup(w, (size_t) (dash - w));
        if (!a) {
                s->oom = true;
                return -ENOMEM;
        }
        if (parse_hex_uint32(a, ret_first) < 0 || parse_hex_uint32(dash + 1, ret_last) < 0)
                return -EINVAL;
        return *ret_first <= *ret_last ? 0 : -ERANGE;
}

static int parse_id_word(ParseState *s, IdSet *set, size_t *allocated, IdKind kind, const char *key,
                         const char *w) {
        uint32_t first, last;
        int r;

        if (kind == ID_KEY) {
                if (streq(w, "private"))
                        return id_set_add(s, set, allocated, 0, 0);
                r = parse_key_range(s, w, &first, &last);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        config_error(s,
                                     "%s=: invalid key \"%s\" (use hex keys like 0x5000, ranges "
                                     "like 0x5000-0x50ff, or private)",
                                     key, w);
                        return -EINVAL;
                }
                return id_set_add(s, set, allocated, first, last);
        }

        r = parse_numeric_range(w, &first, &last);
        if (r == -ENOMEM) {
                s->oom = true;
                return r;
        }
        if (r >= 0)
                return id_set_add(s, set, allocated, first, last);
        if (r != -ENOENT) {
                config_error(s, "%s=: invalid %s range \"%s\"", key,
                             kind == ID_USER ? "uid" : "gid", w);
                return -EINVAL;
        }

        if (kind == ID_USER && w[0] == '@')
                return add_group_members(s, set, allocated, key, w + 1);
        if (kind == ID_USER) {
                struct passwd *pw = getpwnam(w);
                if (!pw) {
                        config_error(s, "%s=: unknown user \"%s\"", key, w);
                        return -EINVAL;
                }
                return id_set_add(s, set, allocated, pw->pw_uid, pw->pw_uid);
        }
        struct group *g = getgrnam(w);
        if (!g) {
                config_error(s, "%s=: unknown group \"%s\"", key, w);
                return -EINVAL;
        }
        return id_set_add(s, set, allocated, g->gr_gid, g->gr_gid);
}

static void id_set_done(IdSet *set) {
        free(set->ranges);
        free(set->text);
        *set = (IdSet){ 0 };
}

/* Appends " value" to the text of the current rule's set of that kind, in place. */
static int id_set_append_text(ParseState *s, IdKind kind, IdSet *set, const char *value) {
        size_t *length = &s->text_length[kind], n = strlen(value);
        size_t need = *length + (*length > 0) + n + 1;

        if (GREEDY_REALLOC(set->text, s->text_allocated[kind], need) < 0) {
                s->oom = true;
                return -ENOMEM;
        }
        if (*length > 0)
                set->text[(*length)++] = ' ';
        memcpy(set->text + *length, value, n + 1);
        *length += n;
        return 0;
}

/* set is the current rule's set of that kind. */
static int parse_id_set(ParseState *s, IdKind kind, const char *key, const char *value,
                        IdSet *set) {
        _cleanup_strv_free_ char **words = strv_split_blanks(value);
        IdSet parsed = { 0 };
        size_t parsed_allocated = 0;

        if (!words) {
                s->oom = true;
                return -ENOMEM;
        }
        if (!words[0]) {
                id_set_done(set); /* An empty assignment resets to "any". */
                s->ranges_allocated[kind] = s->text_length[kind] = s->text_allocated[kind] = 0;
                return 0;
        }
        for (char **w = words; *w; w++)
                if (parse_id_word(s, &parsed, &parsed_allocated, kind, key, *w) < 0) {
                        id_set_done(&parsed);
                        return -EINVAL;
                }

        /* Repeated assignments add to the set, as in systemd. */
        for (size_t i = 0; i < parsed.n; i++)
                if (id_set_add(s, set, &s->ranges_allocated[kind], parsed.ranges[i].first,
                               parsed.ranges[i].last) < 0) {
                        id_set_done(&parsed);
                        return -ENOMEM;
                }
        id_set_done(&parsed);
        return id_set_append_text(s, kind, set, value);
}

static int parse_owner_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        return parse_id_set(s, ID_USER, k->name, value, field);
}

static int parse_group_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        return parse_id_set(s, ID_GROUP, k->name, value, field);
}

static int parse_key_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        return parse_id_set(s, ID_KEY, k->name, value, field);
}

/* A list of globs; repeated assignments add to it, an empty one resets it to "any". */
static int parse_glob_list(ParseState *s, char ***globs, size_t *n, size_t *allocated,
                           const char *value) {
        _cleanup_strv_free_ char **words = strv_split_blanks(value);

        if (!words) {
                s->oom = true;
                return -ENOMEM;
        }
        if (!words[0]) {
                *globs = strv_free(*globs);
                *n = *allocated = 0;
                return 0;
        }
        for (char **w = words; *w; w++)
                if (vector_append(globs, n, allocated, strdup(*w)) < 0) {
                        s->oom = true;
                        return -ENOMEM;
                }
        return 0;
}

static int parse_creator_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        return parse_glob_list(s, field, &s->n_creators, &s->creators_allocated, value);
}

static int parse_name_value(ParseState *s, const ConfigKey *k, const char *value, void *field) {
        return parse_glob_list(s, field, &s->n_names, &s->names_allocated, value);
}

static bool character_class_is_valid(const char *name, size_t n) {
        static const char *const classes[] = {
                "alnum", "alpha", "blank", "cntrl", "digit", "graph",
                "lower", "print", "punct", "space", "upper", "xdigit"
        };
        for (size_t i = 0; i < ELEMENTSOF(classes); i++)
                if (strlen(classes[i]) == n && strncmp(classes[i], name, n) == 0)
                        return true;
        return false;
}

/* fnmatch(3) has no compile step: it reads a malformed pattern as literal text, so a "["
 * left open or a trailing "\" would make a glob that silently never matches. Returns what
 * is wrong with g, or NULL. */
static const char *glob_syntax_error(const char *g) {
        for (const char *p = g; *p; p++) {
                const char *q;

                if (*p == '\\') {
                        if (!p[1])
                                return "ends in a lone \"\\\"";
                        p++;
                        continue;
                }
                if (*p != '[')
                        continue;
                q = p + 1;
                if (*q == '!' || *q == '^')
                        q++;
                if (*q == ']') /* first in the brackets: a member, not the end */
                        q++;
                for (; *q != ']'; q++) {
                        if (!*q)
                                return "opens a \"[\" it never closes (write \\[ for a bracket)";
                        if (*q == '\\' && q[1])
                                q++;
                        else if (*q == '[' && q[1] && strchr(":.=", q[1])) {
                                char close[3] = { q[1], ']', 0 };
                                const char *start = q + 2, *end = strstr(start, close);
                                if (!end)
                                        return "opens a \"[:\", \"[.\" or \"[=\" it never closes";
                                if (q[1] == ':' &&
                                    !character_class_is_valid(start, (size_t) (end - start)))
                                        return "names an unknown character class (use alnum, "
                                               "alpha, blank, cntrl, digit, graph, lower, print, "
                                               "punct, space, upper or xdigit)";
                                q = end + 1;
                        }
                }
                p = q;
        }
        return NULL;
}

/* Globs on the namespace name; every word is checked before any is added, so a bad line
 * adds nothing. The flags the evaluator relies on are kept up to date here. */
static int parse_namespace_value(ParseState *s, const ConfigKey *k, const char *value,
                                 void *field) {
        _cleanup_strv_free_ char **words = strv_split_blanks(value);
        Rule *rule = &s->policy->rules[s->rule];

        if (!words) {
                s->oom = true;
                return -ENOMEM;
        }
        for (char **w = words; *w; w++) {
                const char *why = glob_syntax_error(*w);

                if (strlen(*w) > POLICY_NAMESPACE_GLOB_MAX) {
                        config_error(s,
                                     "%s=: a glob of %zu characters is longer than any namespace "
                                     "name (at most %d)",
                                     k->name, strlen(*w), POLICY_NAMESPACE_GLOB_MAX);
                        return -EINVAL;
                }
                if (why) {
                        config_error(s, "%s=: invalid glob \"%s\": it %s", k->name, *w, why);
                        return -EINVAL;
                }
                /* A namespace is named after a cgroup directory, and no such name has a "/". */
                if (strchr(*w, '/')) {
                        config_error(s,
                                     "%s=: \"%s\" can never match: a namespace name (host, "
                                     "docker-ID.scope, ...) has no \"/\"",
                                     k->name, *w);
                        return -EINVAL;
                }
        }
        if (parse_glob_list(s, field, &s->n_namespaces, &s->namespaces_allocated, value) < 0)
                return -ENOMEM;
        if (!words[0]) {
                rule->namespaces_match_host = rule->namespaces_match_all = false;
                return 0;
        }
        for (char **w = words; *w; w++) {
                rule->namespaces_match_host |= fnmatch(*w, IPC_NAMESPACE_HOST, 0) == 0;
                rule->namespaces_match_all |= strspn(*w, "*") == strlen(*w);
        }
        return 0;
}

/* Designated, so that keys without a range may leave it out. */
#define DAEMON_KEY(n, p, f, ...)                                   \
        {                                                          \
                .section = SECTION_DAEMON, .name = n, .parse = p,  \
                .offset = offsetof(DaemonSettings, f), __VA_ARGS__ \
        }
#define RULE_KEY(n, p, f, ...) \
        { .section = SECTION_RULE, .name = n, .parse = p, .offset = offsetof(Rule, f), __VA_ARGS__ }
#define RANGE(a, b) .min = (a), .max = (b)

static const ConfigKey config_keys[] = {
        DAEMON_KEY("ScanIntervalSec", parse_span_value, scan_interval_sec,
                   RANGE(POLICY_SCAN_INTERVAL_MIN_SEC, POLICY_SCAN_INTERVAL_MAX_SEC)),
        DAEMON_KEY("ScanNamespaces", parse_scan_namespaces_value, scan_namespaces),
        DAEMON_KEY("DryRun", parse_bool_value, dry_run),
        DAEMON_KEY("MaxReapsPerScan", parse_count_value, max_reaps_per_scan,
                   RANGE(0, POLICY_MAX_REAPS_PER_SCAN_MAX)),
        DAEMON_KEY("FullReadEvery", parse_count_value, full_read_every,
                   RANGE(1, POLICY_FULL_READ_EVERY_MAX)),
        DAEMON_KEY("Socket", parse_socket_value, socket),
        { .section = SECTION_DAEMON,
          .name = "AdminGroup",
          .parse = parse_admin_group_value,
          .offset = SIZE_MAX },
        DAEMON_KEY("StateDirectory", parse_required_path_value, state_directory),
        DAEMON_KEY("HistorySize", parse_count_value, history_size,
                   RANGE(0, POLICY_HISTORY_SIZE_MAX)),
        DAEMON_KEY("QuarantineMaxBytes", parse_size_value, quarantine_max_bytes,
                   RANGE(0, POLICY_QUARANTINE_MAX_BYTES_MAX)),
        DAEMON_KEY("QuarantineKeepSec", parse_span_value, quarantine_keep_sec,
                   RANGE(0, POLICY_SPAN_MAX_SEC)),
        DAEMON_KEY("MetricsFile", parse_path_value, metrics_file),
        RULE_KEY("Kind", parse_kind_value, kinds),
        RULE_KEY("Owner", parse_owner_value, owner),
        RULE_KEY("Group", parse_group_value, group),
        RULE_KEY("Key", parse_key_value, key),
        RULE_KEY("Creator", parse_creator_value, creator),
        RULE_KEY("Name", parse_name_value, names),
        RULE_KEY("Namespace", parse_namespace_value, namespaces),
        RULE_KEY("MinSize", parse_size_value, min_size, RANGE(0, POLICY_MIN_SIZE_MAX)),
        RULE_KEY("MinIdleSec", parse_span_value, min_idle_sec, RANGE(0, POLICY_SPAN_MAX_SEC)),
        RULE_KEY("RequireDeadPids", parse_bool_value, require_dead_pids),
        RULE_KEY("RequireNoOwnerProcesses", parse_bool_value, require_no_owner_processes),
        RULE_KEY("Action", parse_action_value, action),
        RULE_KEY("Quarantine", parse_bool_value, quarantine),
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

/* Finds a rule by name in constant time (a linear search made 40,000 rules take seconds).
 * Two names with the same hash take the next keys; ret_key is the key where a new name
 * goes. */
static const Rule *find_rule(const ParseState *s, const char *name, uint64_t *ret_key) {
        for (uint64_t key = string_hash(name);; key++) {
                void *v = hashmap_get(&s->rule_names, key);
                const Rule *r;

                if (!v) {
                        *ret_key = key;
                        return NULL;
                }
                r = &s->policy->rules[(uintptr_t) v - 1];
                if (streq(r->name, name))
                        return r;
        }
}

/* After the "]": blanks, and then the end of the line (CRLF too) or a comment that follows
 * a blank. A lone CR is no line end: inih would read the text after it as part of the header. */
static bool header_end_is_valid(const char *p) {
        size_t blanks = strspn(p, " \t");

        p += blanks;
        if (*p == '\r')
                p++;
        return !*p || *p == '\n' || (blanks > 0 && p[-1] != '\r' && (*p == '#' || *p == ';'));
}

static void begin_rule(ParseState *s, const char *rule_name) {
        Policy *p = s->policy;
        const Rule *first;
        Rule *rule;
        uint64_t key;

        first = find_rule(s, rule_name, &key);
        if (first) {
                config_error(s, "duplicate rule name \"%s\" (first defined at %s:%u)", rule_name,
                             first->file, first->line);
                return;
        }
        if (GREEDY_REALLOC(p->rules, s->rules_allocated, p->n_rules + 1) < 0) {
                s->oom = true;
                return;
        }
        rule = &p->rules[p->n_rules];
        *rule = (Rule){
                .name = strdup(rule_name),
                .file = strdup(s->file),
                .line = s->line,
                .kinds = IPC_KIND_SYSV,
                .min_idle_sec = 3600,
                .require_dead_pids = true,
                .action = RULE_ACTION_REAP,
        };
        p->n_rules++;
        if (!rule->name || !rule->file ||
            hashmap_put(&s->rule_names, key, (void *) (uintptr_t) p->n_rules, NULL) < 0) {
                s->oom = true;
                return;
        }
        s->section = SECTION_RULE;
        s->rule = p->n_rules - 1;
        s->kinds_assigned = false;
        memset(s->ranges_allocated, 0, sizeof(s->ranges_allocated));
        memset(s->text_length, 0, sizeof(s->text_length));
        memset(s->text_allocated, 0, sizeof(s->text_allocated));
        s->n_creators = s->creators_allocated = 0;
        s->n_names = s->names_allocated = 0;
        s->n_namespaces = s->namespaces_allocated = 0;
}

static void begin_section(ParseState *s, const char *line) {
        const char *end = strchr(line, ']');
        _cleanup_free_ char *name = NULL;

        if (!end)
                return; /* inih reports the malformed header. */
        name = strndup(line + 1, (size_t) (end - line - 1));
        if (!name) {
                s->oom = true;
                return;
        }
        s->section = SECTION_IGNORED;
        if (!header_end_is_valid(end + 1)) {
                config_error(s, "text after the section header [%s] (only a comment may follow)",
                             name);
                return;
        }
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
        begin_rule(s, name + 5);
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

/* The first control character of a line (a byte below 0x20 but tab, or DEL) before its
 * "\n" or "\r\n", or -1. inih and the value parsers disagree about them: inih trims \f, \v
 * and \r at the ends of a value as blanks, a list splits only on spaces and tabs, so a policy
 * with them would not print as text that reads back the same. */
static int line_control_character(const char *p, size_t n) {
        if (n > 0 && p[n - 1] == '\n')
                n--;
        if (n > 0 && p[n - 1] == '\r')
                n--;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) p[i];
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return c;
        }
        return -1;
}

/* inih reads through this, so every line's number is known and section headers are seen
 * even when the section holds no keys (inih only reports keys). Leading blanks are dropped
 * first, which turns off inih's indented-continuation lines: systemd has none either.
 * Lines come from the file read whole into s->data, which may hold NUL bytes. */
static char *policy_reader(char *str, int num, void *stream) {
        ParseState *s = stream;
        const char *p, *nl;
        size_t n;
        int c;

        if (s->offset >= s->size || s->too_many_errors || s->oom)
                return NULL;
        p = s->data + s->offset;
        nl = memchr(p, '\n', s->size - s->offset);
        n = nl ? (size_t) (nl - p) + 1 : s->size - s->offset; /* with its newline */
        s->offset += n;
        s->line++;
        /* Text after a NUL would be invisible to inih: the line would say less than the file. */
        if (memchr(p, 0, n)) {
                config_error(s, "NUL byte in the line (a policy file is text)");
                snprintf(str, (size_t) num, "\n");
                return str;
        }
        /* inih skips a UTF-8 byte order mark on the first line; so must the section tracking. */
        if (s->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
                p += 3;
                n -= 3;
        }
        while (n > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                n--;
        }
        c = n > 0 && (*p == '#' || *p == ';') ? -1 : line_control_character(p, n);
        if (c >= 0) {
                config_error(s, "control character 0x%02x in the line (a policy file is text)",
                             (unsigned) c);
                snprintf(str, (size_t) num, "\n");
                return str;
        }
        /* inih's buffer holds num - 2 characters, the newline and the NUL; a last line without
         * a newline may not have one more, or the printed policy would not read back. */
        if (n - (nl != NULL) > (size_t) num - 2) {
                if (*p != '#' && *p != ';')
                        config_error(s,
                                     "line too long (at most %d characters; lists may be split "
                                     "over several assignments of the same key)",
                                     num - 2);
                snprintf(str, (size_t) num, "\n");
                return str;
        }
        memcpy(str, p, n);
        str[n] = 0;
        if (line_is_malformed(str)) {
                config_error(s, "syntax error (expected [Section], Key=Value, or a # comment)");
                snprintf(str, (size_t) num, "\n");
                return str;
        }
        if (*str == '[')
                begin_section(s, str);
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
                (void) k->parse(s, k, v, k->offset == SIZE_MAX ? base : base + k->offset);
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

static int parse_buffer(ParseState *s, const char *data, size_t size, const char *file) {
        int r;

        s->data = data;
        s->size = size;
        s->offset = 0;
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

static const char *file_type_name(mode_t mode) {
        if (S_ISDIR(mode))
                return "a directory";
        if (S_ISFIFO(mode))
                return "a FIFO";
        if (S_ISCHR(mode))
                return "a character device";
        if (S_ISBLK(mode))
                return "a block device";
        if (S_ISSOCK(mode))
                return "a socket";
        return "not a regular file";
}

/* Reads at most POLICY_FILE_SIZE_MAX + 1 bytes, whatever st_size says (it may change while
 * we read, or lie). Problems of the file are reported as FILE:0 and leave *ret NULL. */
static int read_policy_file(ParseState *s, const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        struct stat st;

        *ret = NULL;
        s->file = path;
        s->line = 0;
        /* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat() then refuses it. */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;
                config_error(s, "cannot open: %s", strerror(e));
                return 0;
        }
        /* A directory reads as an empty policy; a FIFO blocks a reload; /dev/zero never ends. */
        if (!S_ISREG(st.st_mode)) {
                config_error(s, "%s, not a regular file: only regular files are read",
                             file_type_name(st.st_mode));
                return 0;
        }
        while (size <= POLICY_FILE_SIZE_MAX) {
                size_t want = MIN(size + 65536, POLICY_FILE_SIZE_MAX + 1);
                ssize_t n;

                if (GREEDY_REALLOC(buf, allocated, want) < 0)
                        return -ENOMEM;
                n = read(fd, buf + size, want - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        config_error(s, "cannot read: %s", strerror(e));
                        return 0;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        if (size > POLICY_FILE_SIZE_MAX) {
                config_error(s, "larger than %zu bytes (%zu MiB), the limit of a policy file",
                             POLICY_FILE_SIZE_MAX, POLICY_FILE_SIZE_MAX >> 20);
                return 0;
        }
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static int parse_file(ParseState *s, const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        r = read_policy_file(s, path, &data, &size);
        if (r < 0 || !data)
                return r;
        return parse_buffer(s, data, size, path);
}

static Policy *policy_new(void) {
        Policy *p = calloc(1, sizeof(Policy));
        if (!p)
                return NULL;
        p->n_ref = 1;
        p->daemon = (DaemonSettings){
                .scan_interval_sec = 60,
                .max_reaps_per_scan = 100,
                .full_read_every = 10,
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
        size_t n = 0, allocated = 0;
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
                char *path;

                if (de->d_name[0] == '.' || l < 6 || !streq(de->d_name + l - 5, ".conf"))
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0 ||
                    vector_append(&files, &n, &allocated, path) < 0)
                        return -ENOMEM;
        }
        /* Lexical order by byte value, independent of the locale. */
        qsort(files, n, sizeof(char *), compare_strings);
        *ret = TAKE_PTR(files);
        return 0;
}

static int policy_finish(ParseState *s, int r, Policy **ret, char ***ret_errors) {
        hashmap_done(&s->rule_names, NULL);
        hashmap_done(&s->group_members, group_members_free);
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
        for (char **f = dropins; r >= 0 && !s.too_many_errors && f && *f; f++)
                r = parse_file(&s, *f);
        return policy_finish(&s, r, ret, ret_errors);
}

int policy_load_buffer(const char *data, size_t size, const char *name, Policy **ret,
                       char ***ret_errors) {
        ParseState s = { .policy = policy_new() };
        int r = 0;

        if (!s.policy)
                return -ENOMEM;
        /* The same limit as for a file: Simulate takes policy text from its callers. */
        if (size > POLICY_FILE_SIZE_MAX) {
                s.file = name;
                config_error(&s, "larger than %zu bytes (%zu MiB), the limit of a policy file",
                             POLICY_FILE_SIZE_MAX, POLICY_FILE_SIZE_MAX >> 20);
        } else
                r = parse_buffer(&s, data, size, name);
        return policy_finish(&s, r, ret, ret_errors);
}

int policy_load_string(const char *text, const char *name, Policy **ret, char ***ret_errors) {
        return policy_load_buffer(text, strlen(text), name, ret, ret_errors);
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
                strv_free(r->names);
                strv_free(r->namespaces);
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

/* A rule with no matcher but its kinds: it governs every object of those kinds that gets
 * that far, in the namespaces it reaches (see rule_reaches_containers()). */
static bool rule_matches_everything(const Rule *r) {
        return id_set_is_any(&r->owner) && id_set_is_any(&r->group) && id_set_is_any(&r->key) &&
               !r->creator && !r->names && r->min_size == 0 &&
               (!r->namespaces || r->namespaces_match_all);
}

/* Without Namespace= a rule reaches the host only. With it, it is taken to reach every
 * namespace: its globs are not analysed further, so a warning is never given wrongly. */
static bool rule_reaches_containers(const Rule *r) {
        return r->namespaces != NULL;
}

static int warnings_add(char ***l, size_t *n, size_t *allocated, const char *format, ...)
        _printf_(4, 5);
static int warnings_add(char ***l, size_t *n, size_t *allocated, const char *format, ...) {
        char *w = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&w, format, ap);
        va_end(ap);
        if (r < 0 || vector_append(l, n, allocated, w) < 0) {
                *l = strv_free(*l);
                return -ENOMEM;
        }
        return 0;
}

int policy_warnings(const Policy *p, char ***ret) {
        /* The first catch-all of each kind so far: of the host's objects (a catch-all with
         * Namespace=* is one too), and of every namespace's. */
        ssize_t host_by_kind[_IPC_KIND_MAX], all_by_kind[_IPC_KIND_MAX];
        unsigned host_covered = 0, all_covered = 0;
        char **l = NULL;
        size_t n = 0, allocated = 0;

        /* A rule is never reached when earlier catch-alls cover all of its kinds (a rule
         * without Kind= covers only the System V kinds: a POSIX rule after it is fine) in the
         * namespaces it reaches (a catch-all without Namespace= leaves containers to later
         * rules that name them). */
        for (size_t k = 0; k < _IPC_KIND_MAX; k++)
                host_by_kind[k] = all_by_kind[k] = -1;
        for (size_t j = 0; j < p->n_rules; j++) {
                const Rule *r = &p->rules[j];
                bool containers = rule_reaches_containers(r);
                const ssize_t *by_kind = containers ? all_by_kind : host_by_kind;
                unsigned covered = containers ? all_covered : host_covered;

                if (r->namespaces && !r->namespaces_match_host &&
                    p->daemon.scan_namespaces == SCAN_NAMESPACES_HOST) {
                        _cleanup_free_ char *globs = strv_join(r->namespaces, " ");
                        if (warnings_add(&l, &n, &allocated,
                                         "%s:%u: warning: rule \"%s\": Namespace=%s cannot match: "
                                         "ScanNamespaces=host reads the host namespace only",
                                         r->file, r->line, r->name, strempty(globs)) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (r->kinds && (r->kinds & ~covered) == 0) {
                        /* Name the catch-all that comes last among those it takes. */
                        ssize_t by = -1;
                        for (size_t k = 0; k < _IPC_KIND_MAX; k++)
                                if (r->kinds & (1u << k))
                                        by = MAX(by, by_kind[k]);
                        const Rule *all = &p->rules[by];
                        if (warnings_add(&l, &n, &allocated,
                                         "%s:%u: warning: rule \"%s\" can never govern an object: "
                                         "rule \"%s\" (%s:%u) before it matches every object%s",
                                         r->file, r->line, r->name, all->name, all->file, all->line,
                                         containers ? "" : " of the host namespace") < 0)
                                return -ENOMEM;
                        continue;
                }
                if (!rule_matches_everything(r))
                        continue;
                for (size_t k = 0; k < _IPC_KIND_MAX; k++) {
                        if (!(r->kinds & (1u << k)))
                                continue;
                        if (host_by_kind[k] < 0)
                                host_by_kind[k] = (ssize_t) j;
                        if (containers && all_by_kind[k] < 0)
                                all_by_kind[k] = (ssize_t) j;
                }
                host_covered |= r->kinds;
                if (containers)
                        all_covered |= r->kinds;
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
 * so the printout reads back as the same list. Walks the text in place: splitting it into a
 * vector first cost quadratic time for a list of a million words. */
static void print_list(FILE *f, const char *key, const char *text) {
        const char *p = strempty(text);
        size_t width = 0;

        for (;;) {
                size_t n;

                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                n = strcspn(p, " \t\n");
                if (width > 0 && width + 1 + n > PRINT_LIST_WIDTH) {
                        fputc('\n', f);
                        width = 0;
                }
                if (width == 0)
                        width = (size_t) fprintf(f, "%s=%.*s", key, (int) n, p);
                else
                        width += (size_t) fprintf(f, " %.*s", (int) n, p);
                p += n;
        }
        if (width == 0)
                fprintf(f, "%s=", key);
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
        fprintf(f, "ScanNamespaces=%s\n", scan_namespaces_to_string(d->scan_namespaces));
        fprintf(f, "DryRun=%s\n", d->dry_run ? "yes" : "no");
        fprintf(f, "MaxReapsPerScan=%" PRIu64 "\n", d->max_reaps_per_scan);
        fprintf(f, "FullReadEvery=%" PRIu64 "\n", d->full_read_every);
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
                _cleanup_free_ char *names = strv_join(r->names, " ");
                _cleanup_free_ char *namespaces = strv_join(r->namespaces, " ");

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
                if (r->names) /* Only for rules that name POSIX objects. */
                        print_list(f, "Name", names);
                /* Empty is not "any" here: an empty assignment resets to the default. */
                if (r->namespaces)
                        print_list(f, "Namespace", namespaces);
                else
                        fprintf(f, "Namespace= # not set: the host namespace only\n");
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
