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
#include "strbuf.h"
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
        [REMOVAL_QUARANTINED] = { MESSAGE_ID_QUARANTINED, "Removed (contents quarantined)",
                                  LOG_NOTICE },
};

/* "1000 (alice)": cached whole, since a pass may log thousands of removals and an uncached
 * lookup reads /etc/passwd each time. Locked: the scan worker logs. */
static void format_owner(char *buf, size_t size, uint32_t uid) {
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        static Hashmap owners;
        struct passwd pwbuf, *pw = NULL;
        char strings[1024];
        char *owner;

        pthread_mutex_lock(&lock);
        owner = hashmap_get(&owners, (uint64_t) uid + 1);
        if (!owner) {
                int r;
                if (getpwuid_r(uid, &pwbuf, strings, sizeof(strings), &pw) == 0 && pw)
                        r = asprintf(&owner, "%" PRIu32 " (%s)", uid, pw->pw_name);
                else
                        r = asprintf(&owner, "%" PRIu32, uid);
                if (r < 0)
                        owner = NULL;
                if (owner && hashmap_put(&owners, (uint64_t) uid + 1, owner, NULL) < 0) {
                        free(owner);
                        owner = NULL;
                }
        }
        if (owner)
                snprintf(buf, size, "%s", owner);
        else
                snprintf(buf, size, "%" PRIu32, uid);
        pthread_mutex_unlock(&lock);
}

void journal_log_removal(RemovalEventType type, const IpcObject *o, const char *rule,
                         uint64_t idle_sec, const Creator *creator, const char *detail) {
        char idle[FORMAT_TIMESPAN_MAX], size[FORMAT_SIZE_MAX], owner[64];
        const char *unit = creator && creator->unit ? creator->unit : "";
        char message[512];
        StrBuf b;

        format_owner(owner, sizeof(owner), o->uid);
        format_timespan(idle, sizeof(idle), idle_sec);
        format_size(size, sizeof(size), o->size);

        /* "Removed shm 32769: key 0x00001234, owner 1000 (alice), rule r, size 4K, idle 2h,
         * creator php-fpm[123] in php-fpm.service": one per removal, built without printf. */
        strbuf_init(&b, message, sizeof(message));
        strbuf_puts(&b, removal_types[type].verb);
        strbuf_putc(&b, ' ');
        strbuf_puts(&b, ipc_kind_to_string(o->kind));
        strbuf_putc(&b, ' ');
        if (ipc_kind_is_posix(o->kind)) {
                strbuf_puts_printable(&b, ipc_object_display_name(o));
                if (!ipc_object_in_host_namespace(o)) {
                        strbuf_puts(&b, " in ");
                        strbuf_puts_printable(&b, ipc_object_namespace_name(o));
                }
                strbuf_puts(&b, ": owner ");
        } else {
                strbuf_put_i64(&b, o->id);
                if (!ipc_object_in_host_namespace(o)) {
                        /* "shm 0 in docker-1a2b.scope": the id alone names another object on
                         * the host. */
                        strbuf_puts(&b, " in ");
                        strbuf_puts_printable(&b, ipc_object_namespace_name(o));
                }
                strbuf_puts(&b, ": key 0x");
                strbuf_put_hex32(&b, (uint32_t) o->key);
                strbuf_puts(&b, ", owner ");
        }
        strbuf_puts(&b, owner);
        strbuf_puts(&b, ", rule ");
        strbuf_puts(&b, strempty(rule));
        strbuf_puts(&b, ", size ");
        strbuf_puts(&b, size);
        strbuf_puts(&b, ", idle ");
        strbuf_puts(&b, idle);
        strbuf_puts(&b, ", creator ");
        if (creator && creator->pid > 0) {
                strbuf_puts(&b, strempty(creator->comm));
                strbuf_putc(&b, '[');
                strbuf_put_i64(&b, creator->pid);
                strbuf_putc(&b, ']');
                if (*unit) {
                        strbuf_puts(&b, " in ");
                        strbuf_puts(&b, unit);
                }
        } else
                strbuf_puts(&b, "unknown");
        if (detail && type == REMOVAL_QUARANTINED) {
                strbuf_puts(&b, ": restore with `ipcreapctl restore ");
                strbuf_puts(&b, detail);
                strbuf_puts(&b, "`");
        } else if (detail) {
                strbuf_puts(&b, ": ");
                strbuf_puts(&b, detail);
        }

        if (!log_to_journal()) {
                /* Already formatted: no second pass through printf. */
                log_message(removal_types[type].priority, message);
                return;
        }
        /* A POSIX object has a name instead of an id and a key. */
        char id_field[32], key_field[32], name_field[300];
        if (ipc_kind_is_posix(o->kind)) {
                snprintf(id_field, sizeof(id_field), "IPCREAP_ID=");
                snprintf(key_field, sizeof(key_field), "IPCREAP_KEY=");
                snprintf(name_field, sizeof(name_field), "IPCREAP_NAME=%s",
                         ipc_object_display_name(o));
        } else {
                snprintf(id_field, sizeof(id_field), "IPCREAP_ID=%d", o->id);
                snprintf(key_field, sizeof(key_field), "IPCREAP_KEY=0x%08" PRIx32,
                         (uint32_t) o->key);
                snprintf(name_field, sizeof(name_field), "IPCREAP_NAME=");
        }
        sd_journal_send("MESSAGE=%s", message, "MESSAGE_ID=%s", removal_types[type].message_id,
                        "PRIORITY=%i", removal_types[type].priority, "IPCREAP_KIND=%s",
                        ipc_kind_to_string(o->kind), "%s", id_field, "%s", key_field, "%s",
                        name_field, "IPCREAP_OWNER_UID=%" PRIu32, o->uid, "IPCREAP_RULE=%s",
                        strempty(rule), "IPCREAP_SIZE=%" PRIu64, o->size,
                        "IPCREAP_IDLE_SEC=%" PRIu64, idle_sec, "IPCREAP_CREATOR=%s",
                        creator && creator->comm ? creator->comm : "",
                        "IPCREAP_CREATOR_PID=%" PRIi32, creator ? (int32_t) creator->pid : 0,
                        "IPCREAP_CREATOR_UNIT=%s", unit, "IPCREAP_DRY_RUN=%s",
                        type == REMOVAL_DRY_RUN ? "yes" : "no", "IPCREAP_DETAIL=%s",
                        strempty(detail), "IPCREAP_NAMESPACE=%s", ipc_object_namespace_name(o),
                        "IPCREAP_NAMESPACE_INODE=%" PRIu64, o->ns ? o->ns->inode : 0,
                        "IPCREAP_QUARANTINE_ID=%s",
                        type == REMOVAL_QUARANTINED ? strempty(detail) : "", NULL);
}

void journal_log_restored(const char *qid, const char *kind, const char *what,
                          const char *namespace, uint32_t owner_uid, uint64_t size, int new_id) {
        char owner[64], id[32] = "";

        format_owner(owner, sizeof(owner), owner_uid);
        if (new_id >= 0)
                snprintf(id, sizeof(id), " as id %d", new_id);
        if (!log_to_journal()) {
                log_notice("Restored %s (%s) from quarantine entry %s%s: owner %s, namespace %s.",
                           what, kind, qid, id, owner, namespace);
                return;
        }
        sd_journal_send("MESSAGE=Restored %s from quarantine entry %s%s: owner %s, namespace %s.",
                        what, qid, id, owner, namespace, "MESSAGE_ID=%s", MESSAGE_ID_RESTORED,
                        "PRIORITY=%i", LOG_NOTICE, "IPCREAP_QUARANTINE_ID=%s", qid,
                        "IPCREAP_KIND=%s", kind, "IPCREAP_ID=%d", new_id,
                        "IPCREAP_OWNER_UID=%" PRIu32, owner_uid, "IPCREAP_SIZE=%" PRIu64, size,
                        "IPCREAP_NAMESPACE=%s", namespace, NULL);
}

void journal_log_expired(const char *qid, const char *kind, const char *what, const char *namespace,
                         uint32_t owner_uid, uint64_t size) {
        char owner[64];

        format_owner(owner, sizeof(owner), owner_uid);
        if (!log_to_journal()) {
                log_info("Quarantine entry %s (%s, owner %s, namespace %s) expired and was "
                         "dropped (QuarantineKeepSec=).",
                         qid, what, owner, namespace);
                return;
        }
        sd_journal_send("MESSAGE=Quarantine entry %s (%s, owner %s, namespace %s) expired and "
                        "was dropped (QuarantineKeepSec=).",
                        qid, what, owner, namespace, "MESSAGE_ID=%s", MESSAGE_ID_EXPIRED,
                        "PRIORITY=%i", LOG_INFO, "IPCREAP_QUARANTINE_ID=%s", qid, "IPCREAP_KIND=%s",
                        kind, "IPCREAP_OWNER_UID=%" PRIu32, owner_uid, "IPCREAP_SIZE=%" PRIu64,
                        size, "IPCREAP_NAMESPACE=%s", namespace, NULL);
}

void journal_log_policy_loaded(const char *path, size_t n_rules, bool reload) {
        if (!log_to_journal()) {
                log_info("%s policy %s: %zu rule%s.", reload ? "Reloaded" : "Loaded", path, n_rules,
                         n_rules == 1 ? "" : "s");
                return;
        }
        sd_journal_send("MESSAGE=%s policy %s: %zu rule%s.", reload ? "Reloaded" : "Loaded", path,
                        n_rules, n_rules == 1 ? "" : "s", "MESSAGE_ID=%s", MESSAGE_ID_POLICY_LOADED,
                        "PRIORITY=%i", LOG_INFO, "IPCREAP_POLICY=%s", path, "IPCREAP_RULES=%zu",
                        n_rules, NULL);
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
