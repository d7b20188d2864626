/* SPDX-License-Identifier: MIT */
/* Structured journal entries for removals and policy changes, with a fixed MESSAGE_ID per
 * event type (see ipcreap.catalog); plain lines on stderr when that is not the journal. */
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "hashmap.h"
#include "journal.h"
#include "log.h"
#include "parse-util.h"
#include "strv.h"

static const struct {
        const char *message_id;
        const char *verb;
        int priority;
} removal_types[_REMOVAL_EVENT_MAX] = {
        [REMOVAL_DONE] = { MESSAGE_ID_REMOVED, "Removed", LOG_NOTICE },
        [REMOVAL_DRY_RUN] = { MESSAGE_ID_WOULD_REMOVE, "Would remove (dry run)", LOG_NOTICE },
        [REMOVAL_SKIPPED] = { MESSAGE_ID_SKIPPED, "Not removing", LOG_INFO },
        [REMOVAL_FAILED] = { MESSAGE_ID_REMOVE_FAILED, "Failed to remove", LOG_WARNING },
        [REMOVAL_REPORTED] = { MESSAGE_ID_ORPHAN_REPORTED, "Orphan (reported, not removed)",
                               LOG_NOTICE },
};

/* "1000 (alice)": user names are cached, since a pass may log thousands of removals and an
 * uncached lookup reads /etc/passwd each time. Locked: the scan worker logs. */
static void format_owner(char *buf, size_t size, uint32_t uid) {
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        static Hashmap names;
        struct passwd pwbuf, *pw = NULL;
        char strings[1024];
        char *name;

        pthread_mutex_lock(&lock);
        name = hashmap_get(&names, (uint64_t) uid + 1);
        if (!name) {
                if (getpwuid_r(uid, &pwbuf, strings, sizeof(strings), &pw) == 0 && pw)
                        name = strdup(pw->pw_name);
                else
                        name = strdup("");
                if (name && hashmap_put(&names, (uint64_t) uid + 1, name, NULL) < 0) {
                        free(name);
                        name = NULL;
                }
        }
        if (name && *name)
                snprintf(buf, size, "%" PRIu32 " (%s)", uid, name);
        else
                snprintf(buf, size, "%" PRIu32, uid);
        pthread_mutex_unlock(&lock);
}

void journal_log_removal(RemovalEventType type, const IpcObject *o, const char *rule,
                         uint64_t idle_sec, const Creator *creator, const char *detail) {
        char idle[FORMAT_TIMESPAN_MAX], size[FORMAT_SIZE_MAX], owner[64], who[128] = "unknown";
        const char *unit = creator && creator->unit ? creator->unit : "";
        char message[512];

        format_owner(owner, sizeof(owner), o->uid);
        if (creator && creator->pid > 0)
                snprintf(who, sizeof(who), "%s[%" PRIi32 "]%s%s", strempty(creator->comm),
                         (int32_t) creator->pid, *unit ? " in " : "", unit);
        format_timespan(idle, sizeof(idle), idle_sec);
        format_size(size, sizeof(size), o->size);

        snprintf(message, sizeof(message),
                 "%s %s %d: key 0x%08" PRIx32 ", owner %s, rule %s, size %s, idle %s, creator %s%s%s",
                 removal_types[type].verb, ipc_kind_to_string(o->kind), o->id, (uint32_t) o->key,
                 owner, strempty(rule), size, idle, who, detail ? ": " : "", strempty(detail));

        if (!log_to_journal()) {
                log_full(removal_types[type].priority, "%s", message);
                return;
        }
        sd_journal_send("MESSAGE=%s", message, "MESSAGE_ID=%s", removal_types[type].message_id,
                        "PRIORITY=%i", removal_types[type].priority, "IPCREAP_KIND=%s",
                        ipc_kind_to_string(o->kind), "IPCREAP_ID=%d", o->id,
                        "IPCREAP_KEY=0x%08" PRIx32, (uint32_t) o->key,
                        "IPCREAP_OWNER_UID=%" PRIu32, o->uid, "IPCREAP_RULE=%s", strempty(rule),
                        "IPCREAP_SIZE=%" PRIu64, o->size, "IPCREAP_IDLE_SEC=%" PRIu64, idle_sec,
                        "IPCREAP_CREATOR=%s", creator && creator->comm ? creator->comm : "",
                        "IPCREAP_CREATOR_PID=%" PRIi32, creator ? (int32_t) creator->pid : 0,
                        "IPCREAP_CREATOR_UNIT=%s", unit, "IPCREAP_DRY_RUN=%s",
                        type == REMOVAL_DRY_RUN ? "yes" : "no", "IPCREAP_DETAIL=%s",
                        strempty(detail), NULL);
}

void journal_log_policy_loaded(const char *path, size_t n_rules, bool reload) {
        if (!log_to_journal()) {
                log_info("%s policy %s: %zu rule%s.", reload ? "Reloaded" : "Loaded", path, n_rules,
                         n_rules == 1 ? "" : "s");
                return;
        }
        sd_journal_send("MESSAGE=%s policy %s: %zu rule%s.", reload ? "Reloaded" : "Loaded", path,
                        n_rules, n_rules == 1 ? "" : "s", "MESSAGE_ID=%s",
                        MESSAGE_ID_POLICY_LOADED, "PRIORITY=%i", LOG_INFO, "IPCREAP_POLICY=%s",
                        path, "IPCREAP_RULES=%zu", n_rules, NULL);
}

void journal_log_policy_rejected(const char *path, char *const *errors, bool reload) {
        _cleanup_free_ char *joined = strv_join(errors, "\n");
        const char *what = reload ? "keeping the running policy" : "not starting";

        if (!log_to_journal()) {
                for (char *const *e = errors; e && *e; e++)
                        log_error("%s", *e);
                log_error("Policy %s is invalid (%zu error%s), %s.", path, strv_length(errors),
                          strv_length(errors) == 1 ? "" : "s", what);
                return;
        }
        sd_journal_send("MESSAGE=Policy %s is invalid (%zu error%s), %s:\n%s", path,
                        strv_length(errors), strv_length(errors) == 1 ? "" : "s", what,
                        strempty(joined), "MESSAGE_ID=%s", MESSAGE_ID_POLICY_REJECTED,
                        "PRIORITY=%i", LOG_ERR, "IPCREAP_POLICY=%s", path, NULL);
}
