/* SPDX-License-Identifier: MIT */
/* The quarantine's glue: entries begun for orphans, listed for clients, restored in their own
 * namespace and expired. */
#include <inttypes.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "kind.h"
#include "log.h"
#include "macro.h"
#include "namespaces.h"
#include "object-json.h"
#include "quarantine-copy.h"
#include "quarantine.h"

/* Room for what quarantine_copy() writes (quarantine-copy.h): the bytes, or per message a
 * type and a length of 8 bytes each. */
static uint64_t expected_size(const IpcObject *o) {
        switch (o->kind) {
        case IPC_KIND_MSG:
                return o->size + 16 * o->messages;
        case IPC_KIND_SEM:
        case IPC_KIND_POSIX_MQ:
                return 0;
        default:
                return o->size;
        }
}

int quarantine_prepare(QuarantineStore *s, const IpcObject *o, const char *rule,
                       const Creator *creator, int64_t now, QuarantineWriter **ret_writer,
                       json_t **ret_meta) {
        _cleanup_(quarantine_store_abortp) QuarantineWriter *w = NULL;
        json_t *meta;
        int r;

        r = quarantine_store_begin(s, expected_size(o), &w);
        if (r < 0)
                return r;
        meta = json_pack("{s:s, s:I}", "rule", strempty(rule), "removedAt", (json_int_t) now);
        if (!meta)
                return -ENOMEM;
        if (namespace_to_json(ipc_object_in_host_namespace(o) ? NULL : o->ns, meta) < 0 ||
            (creator && creator->pid > 0 &&
             json_object_set_new(meta, "creator", creator_to_json(creator)) < 0)) {
                json_decref(meta);
                return -ENOMEM;
        }
        *ret_writer = TAKE_PTR(w);
        *ret_meta = meta;
        return 0;
}

static const char *display_name(IpcKind kind, const char *name) {
        if (name && kind == IPC_KIND_POSIX_SEM && strncmp(name, "sem.", 4) == 0)
                return name + 4;
        return name;
}

json_t *quarantine_entry_to_json(const QuarantineEntry *e) {
        json_t *m = e->metadata, *j;
        const char *kind = json_string_value(json_object_get(m, "kind"));
        IpcKind k = kind ? ipc_kind_from_string(kind) : _IPC_KIND_INVALID;
        json_t *size = json_object_get(m, k == IPC_KIND_MSG ? "queueBytes" : "size");
        static const char *const copied[] = { "id",         "key",       "mode",
                                              "ownerUid",   "ownerGid",  "creatorUid",
                                              "creatorGid", "rule",      "removedAt",
                                              "creator",    "namespace", "namespaceInode",
                                              "nsems",      "messages" };

        j = json_pack("{s:s, s:s, s:I, s:I}", "quarantineId", e->id, "kind", strempty(kind), "size",
                      (json_int_t) (json_is_integer(size) ? json_integer_value(size)
                                                          : (json_int_t) e->size),
                      "storedAt", (json_int_t) e->stored_at);
        if (!j)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(copied); i++) {
                json_t *v = json_object_get(m, copied[i]);
                if (v && json_object_set(j, copied[i], v) < 0)
                        goto fail;
        }
        if (!json_object_get(j, "namespace") &&
            json_object_set_new(j, "namespace", json_string(IPC_NAMESPACE_HOST)) < 0)
                goto fail;
        if (k >= 0 && ipc_kind_is_posix(k)) {
                const char *name = json_string_value(json_object_get(m, "name"));
                if (json_object_set_new(j, "name", json_string(strempty(display_name(k, name)))) <
                    0)
                        goto fail;
        }
        if (json_object_set_new(j, "expiresAt",
                                e->expires_at > 0 ? json_integer((json_int_t) e->expires_at)
                                                  : json_null()) < 0)
                goto fail;
        return j;
fail:
        json_decref(j);
        return NULL;
}

void restore_result_done(RestoreResult *r) {
        free(r->name);
        free(r->namespace);
        *r = (RestoreResult){ 0 };
}

typedef struct RestoreWork {
        const json_t *meta;
        int fd;
        KindSources src;
        IpcKind kind;
        int id;
        IpcObject fresh;
        bool have_fresh;
} RestoreWork;

/* On the namespace's thread: the *_next_id files and the *ctl calls are that namespace's. */
static int restore_in_namespace(void *userdata) {
        RestoreWork *w = userdata;
        const KindOps *ops = kind_ops(w->kind);
        IpcObject probe = { .kind = w->kind, .id = -1 };
        int r;

        r = quarantine_restore(&w->src, w->meta, w->fd, &w->id);
        if (r < 0)
                return r;
        probe.id = w->id;
        probe.name = (char *) json_string_value(json_object_get(w->meta, "name"));
        probe.key = (int32_t) json_integer_value(json_object_get(w->meta, "key"));
        if (ops && ops->stat(&w->src, &probe, &w->fresh) >= 0)
                w->have_fresh = true;
        return 0;
}

static int64_t json_int_or(const json_t *m, const char *key, int64_t dflt) {
        json_t *v = json_object_get(m, key);
        return json_is_integer(v) ? (int64_t) json_integer_value(v) : dflt;
}

/* The tracker's record: first seen now, the original creator, cuid and cgid; History's. */
static void record_restore(Tracker *t, const QuarantineEntry *e, RestoreWork *w, IpcNamespace *ns,
                           int64_t now) {
        const json_t *m = e->metadata;
        RemovalEvent ev = {
                .time = now,
                .kind = w->kind,
                .id = ipc_kind_is_posix(w->kind) ? -1 : w->id,
                .key = (int32_t) json_int_or(m, "key", 0),
                .owner_uid = (uint32_t) json_int_or(m, "ownerUid", 0),
                .size = (uint64_t) json_int_or(m, "size", 0),
                .restore = true,
        };

        if (w->have_fresh) {
                TrackedObject *tracked;

                if (!w->fresh.ns)
                        w->fresh.ns = ipc_namespace_ref(ns);
                tracked = tracker_observe(t, &w->fresh, now);
                if (tracked) {
                        tracked->first_seen = now;
                        tracked->restored = true;
                        tracked->restored_cuid =
                                (uint32_t) json_int_or(m, "creatorUid", w->fresh.cuid);
                        tracked->restored_cgid =
                                (uint32_t) json_int_or(m, "creatorGid", w->fresh.cgid);
                        creator_done(&tracked->creator);
                        if (creator_from_json(json_object_get(m, "creator"), &tracked->creator) < 0)
                                tracked->creator = (Creator){ 0 };
                        t->dirty = true;
                }
        }
        snprintf(ev.quarantine_id, sizeof(ev.quarantine_id), "%s", e->id);
        ev.rule = strdup(strempty(json_string_value(json_object_get(m, "rule"))));
        if (ipc_kind_is_posix(w->kind))
                ev.name = strdup(strempty(
                        display_name(w->kind, json_string_value(json_object_get(m, "name")))));
        if (ns && !ns->host)
                ev.ns = ipc_namespace_ref(ns);
        if (creator_from_json(json_object_get(m, "creator"), &ev.creator) < 0)
                ev.creator = (Creator){ 0 };
        if (!ev.rule || tracker_record_restore(t, &ev) < 0)
                log_oom();
        removal_event_done(&ev);
}

int quarantine_restore_entry(QuarantineStore *s, Tracker *t, const char *procfs, const char *qid,
                             RestoreResult *ret) {
        _cleanup_close_ int fd = -1;
        QuarantineEntry e = { 0 };
        IpcNamespace *ns = NULL;
        NamespaceSet set = { 0 };
        NamespaceHandle *h;
        RestoreWork w = { .id = -1 };
        const KindSources host_src = {
                .procfs = procfs,
                .shm_dir = "/dev/shm",
                .mqueue_dir = "/dev/mqueue",
        };
        const char *kind;
        char what[300];
        int r;

        r = quarantine_store_open_data(s, qid, &fd, &e);
        if (r < 0)
                return r;
        kind = json_string_value(json_object_get(e.metadata, "kind"));
        w.kind = kind ? ipc_kind_from_string(kind) : _IPC_KIND_INVALID;
        if (w.kind < 0 || namespace_from_json(e.metadata, &ns) < 0) {
                r = log_error_errno(EBADMSG, "Quarantine entry %s does not say what it holds.",
                                    qid);
                goto finish;
        }
        /* Only the namespace with the whole recorded identity: one that reused its inode is a
         * stranger's. */
        r = namespaces_discover(&host_src, ns != NULL, &set);
        if (r < 0)
                goto finish;
        h = ns ? namespace_set_find(&set, ns) : &set.handles[0];
        if (!h) {
                r = -ENXIO;
                goto finish;
        }
        w.meta = e.metadata;
        w.fd = fd;
        w.src = h->src;
        r = namespace_run(h, restore_in_namespace, &w);
        if (r == -ENOENT && ns)
                r = -ENXIO; /* It went away while being entered. */
        if (r < 0)
                goto finish;

        int64_t now = (int64_t) time(NULL);
        record_restore(t, &e, &w, h->ns, now);
        if (quarantine_store_remove(s, qid) < 0)
                log_warning("Restored quarantine entry %s, but could not remove it from the "
                            "store.",
                            qid);
        if (ipc_kind_is_posix(w.kind))
                snprintf(what, sizeof(what), "%s %s", kind,
                         strempty(display_name(
                                 w.kind, json_string_value(json_object_get(e.metadata, "name")))));
        else
                snprintf(what, sizeof(what), "%s key 0x%08" PRIx32, kind,
                         (uint32_t) json_int_or(e.metadata, "key", 0));
        journal_log_restored(qid, kind, what, h->ns && !h->ns->host ? h->ns->name : "host",
                             (uint32_t) json_int_or(e.metadata, "ownerUid", 0),
                             (uint64_t) json_int_or(e.metadata, "size", 0),
                             ipc_kind_is_posix(w.kind) ? -1 : w.id);
        if (ret) {
                *ret = (RestoreResult){
                        .kind = w.kind,
                        .id = ipc_kind_is_posix(w.kind) ? -1 : w.id,
                        .key = (int32_t) json_int_or(e.metadata, "key", 0),
                        .same_id = !ipc_kind_is_posix(w.kind) &&
                                   w.id == json_int_or(e.metadata, "id", -2),
                        .namespace = strdup(h->ns && !h->ns->host ? h->ns->name : "host"),
                };
                if (ipc_kind_is_posix(w.kind))
                        ret->name = strdup(strempty(display_name(
                                w.kind, json_string_value(json_object_get(e.metadata, "name")))));
        }
        r = 0;
finish:
        if (w.have_fresh)
                ipc_object_done(&w.fresh);
        namespace_set_done(&set);
        ipc_namespace_unref(ns);
        quarantine_entry_done(&e);
        return r;
}

void quarantine_expire(QuarantineStore *s) {
        QuarantineEntry *expired = NULL;
        size_t n = 0;

        (void) quarantine_store_expire(s, (int64_t) time(NULL), &expired, &n, NULL);
        for (size_t i = 0; i < n; i++) {
                const json_t *m = expired[i].metadata;
                const char *kind = strempty(json_string_value(json_object_get(m, "kind")));
                IpcKind k = ipc_kind_from_string(kind);
                const char *ns = json_string_value(json_object_get(m, "namespace"));
                char what[300];

                if (k >= 0 && ipc_kind_is_posix(k))
                        snprintf(what, sizeof(what), "%s %s", kind,
                                 strempty(display_name(
                                         k, json_string_value(json_object_get(m, "name")))));
                else
                        snprintf(what, sizeof(what), "%s key 0x%08" PRIx32, kind,
                                 (uint32_t) json_int_or(m, "key", 0));
                journal_log_expired(expired[i].id, kind, what, ns ? ns : "host",
                                    (uint32_t) json_int_or(m, "ownerUid", 0), expired[i].size);
        }
        quarantine_entry_array_free(expired, n);
}
