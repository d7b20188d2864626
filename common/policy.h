/* SPDX-License-Identifier: MIT */
/* The policy file: [Daemon] settings and ordered [Rule NAME] sections, parsed with inih. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ipc-object.h"

#define POLICY_DEFAULT_PATH            "/etc/ipcreap/ipcreap.conf"
#define POLICY_DEFAULT_SOCKET          "/run/ipcreap/io.ipcreap.Reaper"
#define POLICY_DEFAULT_STATE_DIRECTORY "/var/lib/ipcreap"

/* The ranges of the numeric settings, as ipcreap.conf(5) documents them. Bounded so that no
 * later conversion overflows (seconds to microseconds, sizes added up) and nothing sized by
 * the policy (the history is allocated whole) exhausts memory; the limits are far beyond any
 * sensible policy. Overflow while reading a number is reported as out of range too. */
#define POLICY_SCAN_INTERVAL_MIN_SEC    UINT64_C(1)
#define POLICY_SCAN_INTERVAL_MAX_SEC    (UINT64_C(7) * 86400) /* 1w */
#define POLICY_SPAN_MAX_SEC             (UINT64_C(52) * 7 * 86400) /* 52w: MinIdleSec, QuarantineKeepSec */
#define POLICY_MIN_SIZE_MAX             (UINT64_C(1) << 50)        /* 1P */
#define POLICY_QUARANTINE_MAX_BYTES_MAX (UINT64_C(1) << 40)        /* 1T */
#define POLICY_MAX_REAPS_PER_SCAN_MAX   UINT64_C(1000000)
#define POLICY_FULL_READ_EVERY_MAX      UINT64_C(1000000)
#define POLICY_HISTORY_SIZE_MAX         UINT64_C(100000)

/* Each file is read whole into memory first: a bigger one is refused, not truncated. */
#define POLICY_FILE_SIZE_MAX ((size_t) 4 << 20) /* 4 MiB */
/* A load stops reporting, and reading, after this many errors. */
#define POLICY_ERRORS_MAX 1000
/* A Namespace= glob: a namespace is named after a cgroup directory, which has at most
 * NAME_MAX (255) bytes; a longer glob could only match a name longer than that. */
#define POLICY_NAMESPACE_GLOB_MAX 255

typedef enum RuleAction {
        RULE_ACTION_REAP,
        RULE_ACTION_REPORT,
        RULE_ACTION_KEEP,
        _RULE_ACTION_MAX,
        _RULE_ACTION_INVALID = -1,
} RuleAction;

/* Which IPC namespaces the daemon reads. Containers' objects are listed and measured with
 * "all", and reaped only by rules that name their namespace (Namespace=). */
typedef enum ScanNamespaces {
        SCAN_NAMESPACES_ALL,
        SCAN_NAMESPACES_HOST, /* only the daemon's own */
        _SCAN_NAMESPACES_MAX,
        _SCAN_NAMESPACES_INVALID = -1,
} ScanNamespaces;

typedef struct IdRange {
        uint32_t first, last;
} IdRange;

/* A matcher over uids, gids or keys. No text means "any". */
typedef struct IdSet {
        IdRange *ranges;
        size_t n;
        char *text; /* as written, for printing the effective policy */
} IdSet;

typedef struct Rule {
        char *name;
        char *file;
        unsigned line;

        unsigned kinds; /* bit (1 << IpcKind) */
        IdSet owner, group, key;
        char **creator; /* globs on the creator's comm; NULL means any */
        char **names;   /* globs on a POSIX object's name; NULL means any (a rule with Name=
                         * never matches a System V object) */
        /* Globs on the IPC namespace's name. NULL: the host namespace only (not "any"), so a
         * policy written before containers were scanned never reaches into one. */
        char **namespaces;
        /* Derived from namespaces by the parser, so that the evaluator, which sees every
         * object of every pass, calls fnmatch() only for a container's object under a rule
         * whose globs are not all-covering. */
        bool namespaces_match_host; /* some glob matches "host" */
        bool namespaces_match_all;  /* some glob is made of "*" alone */
        uint64_t min_size;
        uint64_t min_idle_sec;
        bool require_dead_pids;
        bool require_no_owner_processes;
        RuleAction action;
        bool quarantine;
} Rule;

typedef struct DaemonSettings {
        uint64_t scan_interval_sec;
        ScanNamespaces scan_namespaces;
        bool dry_run;
        uint64_t max_reaps_per_scan; /* 0: no limit */
        /* Every Nth pass reads everything afresh (1: every pass); the others keep the
         * semaphore pids of sets unchanged since the last pass. */
        uint64_t full_read_every;
        char *socket;
        char *admin_group; /* as written; NULL: none */
        gid_t admin_gid;
        char *state_directory;
        uint64_t history_size;
        uint64_t quarantine_max_bytes;
        uint64_t quarantine_keep_sec;
        char *metrics_file; /* NULL: none */
} DaemonSettings;

typedef struct Policy {
        unsigned n_ref;
        DaemonSettings daemon;
        Rule *rules;
        size_t n_rules;
        char **files; /* files read, in order */
} Policy;

const char *rule_action_to_string(RuleAction a);
RuleAction rule_action_from_string(const char *s);
const char *scan_namespaces_to_string(ScanNamespaces s);
ScanNamespaces scan_namespaces_from_string(const char *s);

/* Loads path and the drop-ins in path.d/ (*.conf, lexical order). On invalid input returns
 * -EINVAL with every problem in *ret_errors as "FILE:LINE: message"; ret_errors may be
 * NULL. Other negative errnos are failures of the machine, not of the file. */
int policy_load(const char *path, Policy **ret, char ***ret_errors);
/* Parses policy text that did not come from a file (Simulate); name is for messages. */
int policy_load_string(const char *text, const char *name, Policy **ret, char ***ret_errors);
/* The same for size bytes that need not end in a NUL; a NUL inside them is an error. */
int policy_load_buffer(const char *data, size_t size, const char *name, Policy **ret,
                       char ***ret_errors);

/* Policies are shared by the running daemon and the snapshots judged under them. */
Policy *policy_ref(Policy *p);
Policy *policy_free(Policy *p); /* drops one reference */
static inline void policy_freep(Policy **p) {
        policy_free(*p);
}
#define _cleanup_policy_free_ __attribute__((cleanup(policy_freep)))

/* Command-line options that override [Daemon] settings; NULL/false: keep the file's. */
typedef struct PolicyOverrides {
        const char *socket;
        const char *state_directory;
        bool dry_run;
} PolicyOverrides;

int policy_apply_overrides(Policy *p, const PolicyOverrides *o);

/* Problems that are not errors, as "FILE:LINE: warning: ..." (rules that can never govern
 * an object because an earlier rule matches everything, or because their Namespace= names
 * only containers while ScanNamespaces=host). NULL when there are none. */
int policy_warnings(const Policy *p, char ***ret);

/* Prints the effective policy, every default spelled out, in the file's own syntax. */
void policy_print(const Policy *p, FILE *f);

/* Who may call the mutating methods: root, and members (primary or supplementary group) of
 * AdminGroup=. uid -1 (unknown credentials) never may. */
bool policy_is_admin(const DaemonSettings *d, uid_t uid, gid_t gid, const gid_t *groups,
                     size_t n_groups);

bool id_set_contains(const IdSet *s, uint32_t id);
static inline bool id_set_is_any(const IdSet *s) {
        return !s->text;
}
/* Whether any rule needs to know if an owner has running processes. */
bool policy_needs_owner_processes(const Policy *p);
