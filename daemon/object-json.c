/* SPDX-License-Identifier: MIT */
/* JSON forms of objects, creators and removal events: the Varlink replies and state.json
 * share them, so a field has one name everywhere. */
#include "evaluate.h"
#include "kind.h"
#include "macro.h"
#include "object-json.h"
#include "strv.h"

int key_from_json(json_int_t v, int32_t *ret) {
        if (v < 0 || v > UINT32_MAX)
                return -ERANGE;
        *ret = (int32_t) (uint32_t) v;
        return 0;
}

json_t *creator_to_json_detail(const Creator *c, CreatorDetail detail) {
        bool full = detail == CREATOR_FULL;

        /* Unknown or withheld parts are left out, as the interface's optional fields allow. */
        return json_pack("{s:I, s:s*, s:s*, s:s*}", "pid", (json_int_t) c->pid, "comm", c->comm,
                         "cmdline", full ? c->cmdline : NULL, "unit", full ? c->unit : NULL);
}

/* An optional string: absent or null is NULL; anything else must be a string. */
static int optional_string(json_t *j, const char *key, const char **ret) {
        json_t *v = json_object_get(j, key);

        if (!v || json_is_null(v)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return -EBADMSG;
        *ret = json_string_value(v);
        return 0;
}

int creator_from_json(json_t *j, Creator *ret) {
        const char *comm, *cmdline, *unit;
        json_int_t pid = 0;

        if (!j || json_is_null(j)) {
                *ret = (Creator){ 0 };
                return 0;
        }
        if (json_unpack(j, "{s:I}", "pid", &pid) < 0 || pid < 0 || pid > INT32_MAX ||
            optional_string(j, "comm", &comm) < 0 || optional_string(j, "cmdline", &cmdline) < 0 ||
            optional_string(j, "unit", &unit) < 0)
                return -EBADMSG;
        return creator_copy(ret, &(Creator){ .pid = (pid_t) pid,
                                             .comm = (char *) comm,
                                             .cmdline = (char *) cmdline,
                                             .unit = (char *) unit });
}

json_t *removal_event_to_json_detail(const RemovalEvent *ev, CreatorDetail detail) {
        json_t *j = json_pack("{s:I, s:s, s:i, s:I, s:I, s:s, s:I, s:I}", "time",
                              (json_int_t) ev->time, "kind", ipc_kind_to_string(ev->kind), "id",
                              ev->id, "key", key_to_json(ev->key), "ownerUid",
                              (json_int_t) ev->owner_uid, "rule", strempty(ev->rule), "size",
                              (json_int_t) ev->size, "idleSec", (json_int_t) ev->idle_sec);
        if (j && ipc_kind_is_posix(ev->kind) &&
            json_object_set_new(j, "name", json_string(strempty(ev->name))) < 0) {
                json_decref(j);
                return NULL;
        }
        if (j && ev->creator.pid > 0 &&
            json_object_set_new(j, "creator", creator_to_json_detail(&ev->creator, detail)) < 0) {
                json_decref(j);
                return NULL;
        }
        if (j && namespace_to_json(ev->ns, j) < 0) {
                json_decref(j);
                return NULL;
        }
        if (j && ev->quarantine_id[0] &&
            (json_object_set_new(j, "quarantineId", json_string(ev->quarantine_id)) < 0 ||
             json_object_set_new(j, "action", json_string(ev->restore ? "restore" : "remove")) <
                     0)) {
                json_decref(j);
                return NULL;
        }
        return j;
}

int namespace_to_json(const IpcNamespace *ns, json_t *j) {
        bool host = !ns || ns->host;

        if (json_object_set_new(j, "namespace", json_string(host ? IPC_NAMESPACE_HOST : ns->name)) <
            0)
                return -ENOMEM;
        if (host)
                return 0;
        if (json_object_set_new(j, "namespaceInode", json_integer((json_int_t) ns->inode)) < 0 ||
            json_object_set_new(j, "namespaceStartUsec",
                                json_integer((json_int_t) ns->start_usec)) < 0 ||
            json_object_set_new(j, "namespaceStartTime",
                                json_integer((json_int_t) (ns->start_usec / 1000000))) < 0)
                return -ENOMEM;
        return 0;
}

int removal_event_from_json(json_t *j, RemovalEvent *ret) {
        json_int_t time, id, key, uid, size, idle;
        const char *kind, *rule;
        RemovalEvent ev = { 0 };

        if (json_unpack(j, "{s:I, s:s, s:I, s:I, s:I, s:s, s:I, s:I}", "time", &time, "kind", &kind,
                        "id", &id, "key", &key, "ownerUid", &uid, "rule", &rule, "size", &size,
                        "idleSec", &idle) < 0)
                return -EBADMSG;
        ev.kind = ipc_kind_from_string(kind);
        if (ev.kind < 0 || id < -1 || id > INT32_MAX || (id < 0) != ipc_kind_is_posix(ev.kind) ||
            key_from_json(key, &ev.key) < 0 || uid < 0 || uid > UINT32_MAX || size < 0 || idle < 0)
                return -EBADMSG;
        if (ipc_kind_is_posix(ev.kind)) {
                const char *name = json_string_value(json_object_get(j, "name"));
                if (!name)
                        return -EBADMSG;
                ev.name = strdup(name);
                if (!ev.name)
                        return -ENOMEM;
        }
        ev.time = time;
        ev.id = (int) id;
        ev.owner_uid = (uint32_t) uid;
        ev.size = (uint64_t) size;
        ev.idle_sec = (uint64_t) idle;
        ev.rule = strdup(rule);
        if (!ev.rule) {
                free(ev.name);
                return -ENOMEM;
        }
        const char *qid = json_string_value(json_object_get(j, "quarantineId")),
                   *action = json_string_value(json_object_get(j, "action"));
        if (qid && strlen(qid) < sizeof(ev.quarantine_id))
                strcpy(ev.quarantine_id, qid);
        ev.restore = action && streq(action, "restore");
        if (creator_from_json(json_object_get(j, "creator"), &ev.creator) < 0 ||
            namespace_from_json(j, &ev.ns) < 0) {
                removal_event_done(&ev);
                return -EBADMSG;
        }
        *ret = ev;
        return 0;
}

static json_t *pids_to_json(const IpcObject *o, bool only_alive) {
        json_t *a = json_array();

        for (size_t i = 0; a && i < o->n_pids; i++)
                if (!only_alive || o->pids[i].alive)
                        json_array_append_new(a, json_integer(o->pids[i].pid));
        return a;
}

json_t *object_to_json_detail(const ScanResult *r, size_t index, int64_t now,
                              CreatorDetail detail) {
        const IpcObject *o = &r->table.objects[index];
        const ObjectInfo *info = &r->info[index];
        const Verdict *v = &info->verdict;
        _cleanup_strv_free_ char **reasons = NULL;
        json_t *j, *pending;

        j = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, "
                      "s:s}",
                      "kind", ipc_kind_to_string(o->kind), "id", o->id, "key", key_to_json(o->key),
                      "mode", (json_int_t) (o->mode & 0777), "ownerUid", (json_int_t) o->uid,
                      "ownerGid", (json_int_t) o->gid, "creatorUid", (json_int_t) o->cuid,
                      "creatorGid", (json_int_t) o->cgid, "size", (json_int_t) o->size, "pids",
                      pids_to_json(o, false), "alivePids", pids_to_json(o, true), "lastActivity",
                      (json_int_t) ipc_object_last_activity(o), "firstSeen",
                      (json_int_t) info->first_seen, "idleSec",
                      (json_int_t) ipc_object_idle_sec(o, now), "state",
                      object_state_to_string(v->state));
        if (!j)
                return NULL;

        if (ipc_kind_is_posix(o->kind)) {
                /* Known by a name, not an id and a key. */
                json_object_del(j, "id");
                json_object_del(j, "key");
        }
        json_object_set_new(j, "namespace", json_string(ipc_object_namespace_name(o)));
        if (o->ns)
                json_object_set_new(j, "namespaceInode", json_integer((json_int_t) o->ns->inode));
        if (kind_ops(o->kind) && kind_ops(o->kind)->fields_to_json)
                kind_ops(o->kind)->fields_to_json(o, j);
        if (info->creator.pid > 0)
                json_object_set_new(j, "creator", creator_to_json_detail(&info->creator, detail));
        json_object_set_new(j, "rule",
                            v->rule >= 0 ? json_string(r->policy->rules[v->rule].name)
                                         : json_null());

        pending = json_array();
        if (!pending ||
            verdict_reasons_detail(v, o, r->policy, now, detail == CREATOR_PUBLIC, &reasons) < 0) {
                json_decref(pending);
                json_decref(j);
                return NULL;
        }
        for (char **s = reasons; *s; s++)
                json_array_append_new(pending, json_string(*s));
        json_object_set_new(j, "pending", pending);
        return j;
}
