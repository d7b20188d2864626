/* SPDX-License-Identifier: MIT */
/* The methods of io.ipcreap.Reaper and org.varlink.service, and the interface description.
 * Queries answer from the last completed scan; mutating methods check the caller first. */
#include "evaluate.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "metrics.h"
#include "object-json.h"
#include "strv.h"

static const char interface_description[] =
        "# Finds System V IPC objects that their programs leaked and removes them by policy.\n"
        "# Queries answer from the last completed scan. See ipcreapctl(1) and ipcreapd(8).\n"
        "interface io.ipcreap.Reaper\n"
        "\n"
        "# The process first seen alive among an object's recorded pids. cmdline and unit\n"
        "# are given only to root, AdminGroup and the object's owner: they can hold secrets.\n"
        "type Creator (\n"
        "  pid: int,\n"
        "  comm: ?string,\n"
        "  cmdline: ?string,\n"
        "  unit: ?string\n"
        ")\n"
        "\n"
        "# One System V shared memory segment (shm), semaphore set (sem) or message queue\n"
        "# (msg), with an id and a key (unsigned); or one POSIX object (posix-shm, posix-sem,\n"
        "# posix-mq), with a name. size is segment or file bytes (shm, posix-shm, posix-sem)\n"
        "# or queued bytes (msg, posix-mq), 0 for sem. namespace is \"host\" (the daemon's\n"
        "# own IPC namespace) or a container's (namespaceInode: its ns/ipc inode). Objects of\n"
        "# other namespaces than host are shown only to root, AdminGroup and their owner.\n"
        "# state is one of in-use, idle, orphan, protected, unmatched.\n"
        "type Object (\n"
        "  kind: string,\n"
        "  id: ?int,\n"
        "  key: ?int,\n"
        "  name: ?string,\n"
        "  namespace: string,\n"
        "  namespaceInode: ?int,\n"
        "  mode: int,\n"
        "  ownerUid: int,\n"
        "  ownerGid: int,\n"
        "  creatorUid: int,\n"
        "  creatorGid: int,\n"
        "  size: int,\n"
        "  nattch: ?int,\n"
        "  nsems: ?int,\n"
        "  messages: ?int,\n"
        "  pids: []int,\n"
        "  alivePids: []int,\n"
        "  lastActivity: int,\n"
        "  firstSeen: int,\n"
        "  idleSec: int,\n"
        "  creator: ?Creator,\n"
        "  state: string,\n"
        "  rule: ?string,\n"
        "  pending: []string\n"
        ")\n"
        "\n"
        "# What one pass found and did; counts maps kind to state to number of objects.\n"
        "type ScanSummary (\n"
        "  time: int,\n"
        "  durationSec: float,\n"
        "  dryRun: bool,\n"
        "  objects: int,\n"
        "  orphans: int,\n"
        "  reaped: int,\n"
        "  wouldReap: int,\n"
        "  deferred: int,\n"
        "  skipped: int,\n"
        "  failed: int,\n"
        "  reclaimedBytes: int,\n"
        "  summary: string,\n"
        "  counts: ?[string][string]int\n"
        ")\n"
        "\n"
        "# A kernel limit (shmmni, shmall, semmni, semmns, msgmni) and how much is used.\n"
        "type Limit (\n"
        "  name: string,\n"
        "  used: int,\n"
        "  max: int,\n"
        "  ratio: float\n"
        ")\n"
        "\n"
        "# One IPC namespace the last pass read: host first; startTime is when its oldest\n"
        "# process started (0 for host), part of its identity with the inode and the name.\n"
        "type NamespaceStatus (\n"
        "  name: string,\n"
        "  inode: int,\n"
        "  startTime: int,\n"
        "  objects: int,\n"
        "  orphans: int,\n"
        "  counts: [string][string]int,\n"
        "  limits: []Limit\n"
        ")\n"
        "\n"
        "# A fact a judgement rests on: read in the last pass (thisPass), kept from an earlier\n"
        "# one (readAt, ageSec), or not read at all (no readAt), with why in note.\n"
        "type Fact (\n"
        "  name: string,\n"
        "  thisPass: bool,\n"
        "  readAt: ?int,\n"
        "  ageSec: ?int,\n"
        "  note: ?string\n"
        ")\n"
        "\n"
        "# How one rule judged the object, in policy order.\n"
        "type RuleCheck (\n"
        "  name: string,\n"
        "  file: string,\n"
        "  line: int,\n"
        "  action: string,\n"
        "  matched: bool,\n"
        "  governs: bool,\n"
        "  reason: string\n"
        ")\n"
        "\n"
        "type RemovalEvent (\n"
        "  time: int,\n"
        "  kind: string,\n"
        "  id: int,\n"
        "  key: int,\n"
        "  ownerUid: int,\n"
        "  rule: string,\n"
        "  size: int,\n"
        "  idleSec: int,\n"
        "  creator: ?Creator,\n"
        "  name: ?string,\n"
        "  namespace: string,\n"
        "  namespaceInode: ?int,\n"
        "  namespaceStartUsec: ?int,\n"
        "  namespaceStartTime: ?int\n"
        ")\n"
        "\n"
        "type Judgement (\n"
        "  state: string,\n"
        "  rule: ?string,\n"
        "  pending: ?[]string\n"
        ")\n"
        "\n"
        "# An object the candidate policy treats differently from the running one.\n"
        "type Change (\n"
        "  kind: string,\n"
        "  id: int,\n"
        "  key: int,\n"
        "  namespace: string,\n"
        "  ownerUid: int,\n"
        "  size: int,\n"
        "  idleSec: int,\n"
        "  current: Judgement,\n"
        "  simulated: Judgement\n"
        ")\n"
        "\n"
        "method GetStatus() -> (\n"
        "  version: string,\n"
        "  startTime: int,\n"
        "  dryRun: bool,\n"
        "  scanIntervalSec: int,\n"
        "  scanning: bool,\n"
        "  lastScan: ?ScanSummary,\n"
        "  reapedTotal: int,\n"
        "  reclaimedBytesTotal: int,\n"
        "  limits: []Limit,\n"
        "  namespaces: []NamespaceStatus\n"
        ")\n"
        "\n"
        "# Queries that need a scan (List, Explain, Metrics, Simulate) wait up to 10 s for\n"
        "# the first one after start, then fail with NotReady.\n"
        "# With 'more', one reply per object, each with a one-element list.\n"
        "# namespace: only that namespace's objects (by name). fields: only these fields of\n"
        "# each object, separated by commas (as \"kind,id,state\"), for a client that shows\n"
        "# a few columns of 100,000 objects.\n"
        "method List(kind: ?string, state: ?string, namespace: ?string, fields: ?string) -> (\n"
        "  objects: []Object\n"
        ")\n"
        "\n"
        "# namespace: where the object is, \"host\" when not given.\n"
        "method Explain(kind: string, id: ?int, name: ?string, namespace: ?string) -> (\n"
        "  object: Object,\n"
        "  state: string,\n"
        "  rule: ?string,\n"
        "  pending: []string,\n"
        "  rules: []RuleCheck,\n"
        "  facts: []Fact\n"
        ")\n"
        "\n"
        "# Newest first.\n"
        "method History(limit: ?int) -> (events: []RemovalEvent)\n"
        "\n"
        "# The Prometheus text exposition.\n"
        "method Metrics() -> (text: string)\n"
        "\n"
        "# Runs a pass now (after the running one, if any). Root or AdminGroup only.\n"
        "method Scan(dryRun: ?bool) -> (\n"
        "  time: int,\n"
        "  durationSec: float,\n"
        "  dryRun: bool,\n"
        "  objects: int,\n"
        "  orphans: int,\n"
        "  reaped: int,\n"
        "  wouldReap: int,\n"
        "  deferred: int,\n"
        "  skipped: int,\n"
        "  failed: int,\n"
        "  reclaimedBytes: int,\n"
        "  summary: string\n"
        ")\n"
        "\n"
        "# Re-reads the policy; an invalid one keeps the old in force. Root or AdminGroup only.\n"
        "method Reload() -> ()\n"
        "\n"
        "# Judges the current objects under the given policy text; removes nothing.\n"
        "# Root or AdminGroup only.\n"
        "method Simulate(config: string) -> (\n"
        "  objects: int,\n"
        "  wouldReap: int,\n"
        "  counts: [string][string]int,\n"
        "  currentCounts: [string][string]int,\n"
        "  changes: []Change\n"
        ")\n"
        "\n"
        "# One object kept in the quarantine (Quarantine=yes): its contents can be restored.\n"
        "# key (System V) or name (POSIX); size: segment, file or queued bytes; removedAt,\n"
        "# storedAt (its copy committed; the keep time counts from it), expiresAt: Unix\n"
        "# seconds (expiresAt null: kept until restored). creatorUid, creatorGid, creator:\n"
        "# as the object had them, which a restore gives back. nsems (sem), messages (msg).\n"
        "type QuarantineEntry (\n"
        "  quarantineId: string,\n"
        "  kind: string,\n"
        "  namespace: string,\n"
        "  namespaceInode: ?int,\n"
        "  key: ?int,\n"
        "  name: ?string,\n"
        "  id: ?int,\n"
        "  mode: ?int,\n"
        "  ownerUid: int,\n"
        "  ownerGid: ?int,\n"
        "  creatorUid: ?int,\n"
        "  creatorGid: ?int,\n"
        "  creator: ?Creator,\n"
        "  size: int,\n"
        "  nsems: ?int,\n"
        "  messages: ?int,\n"
        "  removedAt: int,\n"
        "  storedAt: int,\n"
        "  rule: string,\n"
        "  expiresAt: ?int\n"
        ")\n"
        "\n"
        "# Objects removed under Quarantine=yes, oldest first. Root or AdminGroup only.\n"
        "method ListQuarantine() -> (entries: []QuarantineEntry)\n"
        "\n"
        "# Recreates a quarantined object in its namespace with its key or name, owner, group,\n"
        "# mode and contents, and its old id when free (sameId). Root or AdminGroup only.\n"
        "method Restore(quarantineId: string) -> (\n"
        "  quarantineId: string,\n"
        "  kind: string,\n"
        "  namespace: string,\n"
        "  id: ?int,\n"
        "  key: ?int,\n"
        "  name: ?string,\n"
        "  sameId: bool\n"
        ")\n"
        "\n"
        "error NoSuchObject (kind: string, id: ?int, name: ?string)\n"
        "error PermissionDenied (method: string)\n"
        "error InvalidConfig (errors: []string)\n"
        "error ScanFailed (message: string)\n"
        "error QuarantineNotFound (quarantineId: string)\n"
        "# An object with that key or name exists now: nothing was changed.\n"
        "error KeyInUse (quarantineId: string)\n"
        "# No IPC namespace has the entry's identity (inode, start time, name) any more.\n"
        "error NamespaceGone (quarantineId: string)\n"
        "error RestoreFailed (quarantineId: string, message: string)\n"
        "\n"
        "# Sent, before any call, to a connection over a quota, which is then closed: scope\n"
        "# \"user\" (this uid's connections) or \"all\" (those open to users other than root\n"
        "# and AdminGroup); limit is that quota.\n"
        "error TooManyConnections (scope: string, limit: int)\n"
        "# No scan has completed yet (just started, or the first one failed).\n"
        "error NotReady (message: string)\n";

static const char service_description[] =
        "# The Varlink service interface\n"
        "interface org.varlink.service\n"
        "\n"
        "method GetInfo() -> (\n"
        "  vendor: string,\n"
        "  product: string,\n"
        "  version: string,\n"
        "  url: string,\n"
        "  interfaces: []string\n"
        ")\n"
        "\n"
        "method GetInterfaceDescription(interface: string) -> (description: string)\n"
        "\n"
        "error InterfaceNotFound (interface: string)\n"
        "error MethodNotFound (method: string)\n"
        "error MethodNotImplemented (method: string)\n"
        "error InvalidParameter (parameter: string)\n"
        "error PermissionDenied ()\n"
        "error ExpectedMore ()\n";

static int64_t now_sec(void) {
        return (int64_t) time(NULL);
}

static bool caller_is_admin(Manager *m, Call *call) {
        return policy_is_admin(&m->policy->daemon, call_uid(call), call_gid(call),
                               call_groups(call), call_n_groups(call));
}

/* Who asks, as far as creators go (see CreatorDetail): taken when the call arrives, so a
 * streamed reply judges every object by the same caller. */
typedef struct Viewer {
        bool privileged; /* root or AdminGroup: the test of the mutating methods */
        uid_t uid;
} Viewer;

static Viewer call_viewer(Manager *m, Call *call) {
        return (Viewer){ .privileged = caller_is_admin(m, call), .uid = call_uid(call) };
}

/* The object's owner made or runs the program, so its command line is no news to them;
 * the creator uid counts too, as the kernel lets it act as owner. */
static CreatorDetail creator_detail(const Viewer *v, uint32_t owner_uid, uint32_t creator_uid) {
        if (v->privileged)
                return CREATOR_FULL;
        if (v->uid != (uid_t) -1 && (v->uid == owner_uid || v->uid == creator_uid))
                return CREATOR_FULL;
        return CREATOR_PUBLIC;
}

static CreatorDetail object_creator_detail(const Viewer *v, const IpcObject *o) {
        return creator_detail(v, o->uid, o->cuid);
}

/* A container's IPC is invisible to host users today (ipcs shows only their own
 * namespace): the daemon shows it only to root, AdminGroup and the object's owner. */
static bool viewer_may_see(const Viewer *v, const IpcNamespace *ns, uint32_t owner_uid,
                           uint32_t creator_uid) {
        if (!ns || ns->host || v->privileged)
                return true;
        return v->uid != (uid_t) -1 && (v->uid == owner_uid || v->uid == creator_uid);
}

static bool viewer_may_see_object(const Viewer *v, const IpcObject *o) {
        return viewer_may_see(v, o->ns, o->uid, o->cuid);
}

/* JSON integers are signed 64-bit; the kernel's "unlimited" shmall is not. */
static json_int_t clamp_json(uint64_t v) {
        return v > INT64_MAX ? INT64_MAX : (json_int_t) v;
}

static int deny(Call *call, const char *method) {
        log_info("Refused %s to uid " UID_FMT ": not root and not in AdminGroup.", method,
                 call_uid(call));
        return call_error(call, VARLINK_ERROR_PERMISSION_DENIED,
                          json_pack("{s:s}", "method", method));
}

static json_t *counts_to_json(const ScanResult *r,
                              size_t counts[_IPC_KIND_MAX][_OBJECT_STATE_MAX]) {
        json_t *all = json_object();

        for (IpcKind k = 0; all && k < _IPC_KIND_MAX; k++) {
                if (!scan_result_covers(r, k))
                        continue;
                json_t *kind = json_object();
                for (ObjectState s = 0; kind && s < _OBJECT_STATE_MAX; s++)
                        json_object_set_new(kind, object_state_to_string(s),
                                            json_integer((json_int_t) counts[k][s]));
                json_object_set_new(all, ipc_kind_to_string(k), kind);
        }
        return all;
}

static json_t *limits_to_json(const IpcLimits *limits) {
        json_t *a = json_array();

        for (IpcLimit l = 0; a && l < _IPC_LIMIT_MAX; l++) {
                /* The POSIX limits only where those kinds were read. */
                if (l >= IPC_LIMIT_MQUEUES && limits->max[l] == 0)
                        continue;
                json_array_append_new(
                        a, json_pack("{s:s, s:I, s:I, s:f}", "name", ipc_limit_to_string(l), "used",
                                     clamp_json(limits->used[l]), "max", clamp_json(limits->max[l]),
                                     "ratio",
                                     limits->max[l]
                                             ? (double) limits->used[l] / (double) limits->max[l]
                                             : 0.0));
        }
        return a;
}

/* Names, counts and limit use per namespace: aggregates, like the metrics, for anyone. */
static json_t *namespaces_to_json(const ScanResult *r) {
        json_t *a = json_array();

        for (size_t k = 0; a && r && k < r->n_namespaces; k++) {
                const NamespaceResult *nr = &r->namespaces[k];

                /* objects and orphans as found, like lastScan's; counts after removal. */
                json_array_append_new(
                        a,
                        json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o}", "name", nr->ns->name,
                                  "inode", (json_int_t) nr->ns->inode, "startTime",
                                  (json_int_t) (nr->ns->start_usec / 1000000), "objects",
                                  (json_int_t) nr->n_objects, "orphans", (json_int_t) nr->n_orphans,
                                  "counts", counts_to_json(r, ((NamespaceResult *) nr)->counts),
                                  "limits", limits_to_json(&nr->limits)));
        }
        return a;
}

static int method_get_status(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        const ScanResult *r = m->snapshot;
        json_t *reply, *last = NULL, *limits;
        uint64_t total = 0, reclaimed;
        char *text;

        tracker_lock(&m->tracker);
        for (size_t i = 0; i < m->tracker.n_counters; i++)
                total += m->tracker.counters[i].count;
        reclaimed = m->tracker.reclaimed_bytes;
        tracker_unlock(&m->tracker);

        /* The totals move during a pass, without a manager_status_changed(). */
        if (m->status_cache.text && m->status_cache.reaped == total &&
            m->status_cache.reclaimed == reclaimed)
                return call_reply_text(call, m->status_cache.text);

        limits = r ? limits_to_json(&r->limits) : json_array();
        if (r) {
                last = scan_result_summary_json(r);
                if (last)
                        json_object_set_new(last, "counts",
                                            counts_to_json(r, ((ScanResult *) r)->counts));
        }
        reply = json_pack("{s:s, s:I, s:b, s:I, s:b, s:o?, s:I, s:I, s:o, s:o}", "version",
                          IPCREAP_VERSION, "startTime", (json_int_t) m->start_time, "dryRun",
                          m->policy->daemon.dry_run, "scanIntervalSec",
                          (json_int_t) m->policy->daemon.scan_interval_sec, "scanning", m->scanning,
                          "lastScan", last, "reapedTotal", (json_int_t) total,
                          "reclaimedBytesTotal", (json_int_t) reclaimed, "limits",
                          limits ? limits : json_array(), "namespaces", namespaces_to_json(r));
        if (!reply)
                return -ENOMEM;
        text = json_dumps(reply, JSON_COMPACT);
        json_decref(reply);
        if (!text)
                return -ENOMEM;
        free(m->status_cache.text);
        m->status_cache.text = text;
        m->status_cache.reaped = total;
        m->status_cache.reclaimed = reclaimed;
        return call_reply_text(call, text);
}

/* ---- List: streamed, so 100,000 objects never sit in memory as one reply ---- */

typedef struct ListState {
        ScanResult *snapshot;
        IpcKind kind;      /* -1: any */
        ObjectState state; /* -1: any */
        char *namespace;   /* NULL: any */
        char **fields;     /* NULL: all */
        bool more, started, first;
        ssize_t current; /* next object to send, -1 when done */
        int64_t now;
        Viewer viewer;
} ListState;

static void list_state_free(void *p) {
        ListState *st = p;
        scan_result_unref(st->snapshot);
        free(st->namespace);
        strv_free(st->fields);
        free(st);
}

static ssize_t list_next(const ListState *st, size_t from) {
        const ScanResult *r = st->snapshot;

        for (size_t i = from; r && i < r->table.n; i++) {
                if (st->kind >= 0 && r->table.objects[i].kind != st->kind)
                        continue;
                if (st->state >= 0 && r->info[i].verdict.state != st->state)
                        continue;
                if (st->namespace &&
                    !streq(ipc_object_namespace_name(&r->table.objects[i]), st->namespace))
                        continue;
                if (!viewer_may_see_object(&st->viewer, &r->table.objects[i]))
                        continue;
                return (ssize_t) i;
        }
        return -1;
}

static int append_text(VarlinkBuffer *out, const char *s) {
        return varlink_buffer_append(out, s, strlen(s));
}

/* Appends j without the message terminator: the message goes on after it. */
static int append_json(VarlinkBuffer *out, json_t *j) {
        int r;

        if (!j)
                return -ENOMEM;
        r = varlink_buffer_append_json(out, j);
        json_decref(j);
        if (r >= 0)
                varlink_buffer_truncate_tail(out, 1);
        return r;
}

static int end_message(VarlinkBuffer *out) {
        return varlink_buffer_append(out, "", 1);
}

/* How much one call of list_stream() adds: the server calls again while its unsent output
 * is below its own limit, so this only keeps each step short. */
#define LIST_CHUNK_BYTES (64u * 1024u)

static int list_stream(VarlinkBuffer *out, void *userdata) {
        ListState *st = userdata;
        size_t start = varlink_buffer_pending(out);
        int r = 0;

        if (!st->started) {
                st->started = st->first = true;
                st->current = list_next(st, 0);
                if (st->more && st->current < 0) {
                        r = append_text(out, "{\"parameters\":{\"objects\":[]}}");
                        return r < 0 ? r : end_message(out) < 0 ? -ENOMEM : 0;
                }
                if (!st->more)
                        r = append_text(out, "{\"parameters\":{\"objects\":[");
        }
        while (r >= 0 && st->current >= 0 &&
               varlink_buffer_pending(out) - start < LIST_CHUNK_BYTES) {
                ssize_t next = list_next(st, (size_t) st->current + 1);
                const IpcObject *o = &st->snapshot->table.objects[st->current];
                json_t *j = object_to_json_detail(st->snapshot, (size_t) st->current, st->now,
                                                  object_creator_detail(&st->viewer, o));

                if (j && st->fields) {
                        /* Less to send and, above all, less for the client to parse. */
                        json_t *p = json_object();
                        for (char **f = st->fields; p && *f; f++) {
                                json_t *v = json_object_get(j, *f);
                                if (v)
                                        json_object_set(p, *f, v);
                        }
                        json_decref(j);
                        j = p;
                }

                if (st->more)
                        r = append_text(out, "{\"parameters\":{\"objects\":[");
                else if (!st->first)
                        r = append_text(out, ",");
                if (r >= 0)
                        r = append_json(out, j);
                else
                        json_decref(j);
                if (r >= 0 && st->more) {
                        r = append_text(out, next >= 0 ? "]},\"continues\":true}" : "]}}");
                        if (r >= 0)
                                r = end_message(out);
                }
                st->first = false;
                st->current = next;
        }
        if (r < 0)
                return r;
        if (st->current >= 0)
                return 1;
        if (!st->more) {
                r = append_text(out, "]}}");
                if (r >= 0)
                        r = end_message(out);
        }
        return r < 0 ? r : 0;
}

/* The fields of an Object (the interface description): what List's fields may name. */
static bool object_field_is_known(const char *f) {
        static const char *const known[] = {
                "kind",      "id",       "key",      "name",       "namespace",  "namespaceInode",
                "mode",      "ownerUid", "ownerGid", "creatorUid", "creatorGid", "size",
                "nattch",    "nsems",    "messages", "pids",       "alivePids",  "lastActivity",
                "firstSeen", "idleSec",  "creator",  "state",      "rule",       "pending",
        };
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (streq(known[i], f))
                        return true;
        return false;
}

static int method_list(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        const char *kind = NULL, *state = NULL, *namespace = NULL, *fields = NULL;
        ListState *st;

        if (!m->snapshot)
                return manager_wait_for_snapshot(m, call, method_list, parameters);
        (void) json_unpack(parameters, "{s?s, s?s, s?s, s?s}", "kind", &kind, "state", &state,
                           "namespace", &namespace, "fields", &fields);
        if (json_object_get(parameters, "namespace") &&
            !json_is_null(json_object_get(parameters, "namespace")) && !namespace)
                return call_error_invalid_parameter(call, "namespace");
        st = calloc(1, sizeof(ListState));
        if (!st)
                return -ENOMEM;
        *st = (ListState){ .kind = -1,
                           .state = -1,
                           .more = call_wants_more(call),
                           .now = now_sec(),
                           .viewer = call_viewer(m, call),
                           .snapshot = scan_result_ref(m->snapshot) };
        if (kind && (st->kind = ipc_kind_from_string(kind)) < 0) {
                list_state_free(st);
                return call_error_invalid_parameter(call, "kind");
        }
        if (state && (st->state = object_state_from_string(state)) < 0) {
                list_state_free(st);
                return call_error_invalid_parameter(call, "state");
        }
        if (namespace && !(st->namespace = strdup(namespace))) {
                list_state_free(st);
                return -ENOMEM;
        }
        if (fields) {
                _cleanup_free_ char *spaced = strdup(fields);
                for (char *c = spaced; c && *c; c++)
                        if (*c == ',')
                                *c = ' ';
                /* Blanks in a name are refused below, like any unknown name. */
                st->fields = spaced ? strv_split_blanks(spaced) : NULL;
                if (!st->fields) {
                        list_state_free(st);
                        return -ENOMEM;
                }
                for (char **f = st->fields; *f; f++)
                        if (!object_field_is_known(*f)) {
                                list_state_free(st);
                                return call_error_invalid_parameter(call, "fields");
                        }
        }
        return call_stream(call, list_stream, st, list_state_free);
}

/* A System V object by id, a POSIX one by its name (a semaphore's without "sem."), in the
 * namespace of that name. */
static ssize_t find_object(const ScanResult *r, IpcKind kind, int id, const char *name,
                           const char *namespace) {
        for (size_t i = 0; r && i < r->table.n; i++) {
                const IpcObject *o = &r->table.objects[i];
                if (o->kind != kind || !streq(ipc_object_namespace_name(o), namespace))
                        continue;
                if (!ipc_kind_is_posix(kind)) {
                        if (o->id == id)
                                return (ssize_t) i;
                        continue;
                }
                /* An odd name is known by its escaped form, as List shows it. */
                _cleanup_free_ char *escaped =
                        o->odd_name ? ipc_name_escape(ipc_object_display_name(o)) : NULL;
                if (streq(o->odd_name ? strempty(escaped) : ipc_object_display_name(o), name))
                        return (ssize_t) i;
        }
        return -1;
}

static json_t *strv_to_json(char **l) {
        json_t *a = json_array();
        for (char **s = l; a && s && *s; s++)
                json_array_append_new(a, json_string(*s));
        return a;
}

static json_t *fact(const char *name, int64_t read_at, bool this_pass, const char *note) {
        json_t *j =
                json_pack("{s:s, s:b, s:s?}", "name", name, "thisPass", this_pass, "note", note);

        if (j && read_at > 0) {
                json_object_set_new(j, "readAt", json_integer((json_int_t) read_at));
                json_object_set_new(j, "ageSec",
                                    json_integer((json_int_t) MAX(now_sec() - read_at, 0)));
        }
        return j;
}

/* Which facts the judgement rests on, and whether each is from the last pass: a pass reads
 * only what can change a decision (ipcreapd(8), "Incremental passes"). */
static json_t *facts_to_json(const ScanResult *r, const IpcObject *o) {
        bool looked = o->users_looked_for;
        json_t *a = json_array();

        if (!a)
                return NULL;
        json_array_append_new(a, fact("kernel table", r->time, true, NULL));
        switch (o->kind) {
        case IPC_KIND_SEM:
                json_array_append_new(
                        a, fact("semaphore pids", o->pids_read_at, !o->pids_kept,
                                !o->pids_kept ? NULL
                                              : "kept from an earlier pass: the set has not "
                                                "changed since (its otime and ctime are older "
                                                "than that read)"));
                json_array_append_new(
                        a, fact("semaphore waiters", o->sem_waiters_read ? r->time : 0,
                                o->sem_waiters_read,
                                o->sem_waiters_read ? NULL
                                                    : "not read: only a set that would "
                                                      "otherwise be an orphan is asked"));
                break;
        case IPC_KIND_MSG:
                json_array_append_new(a, fact("queue waiters", looked ? r->time : 0, looked,
                                              looked ? NULL
                                                     : "not looked for: only a queue that "
                                                       "would otherwise be an orphan is"));
                break;
        default:
                if (ipc_kind_is_posix(o->kind))
                        json_array_append_new(
                                a, fact("processes mapping or holding it", looked ? r->time : 0,
                                        looked,
                                        looked ? NULL
                                               : "not looked for: only a file that would "
                                                 "otherwise be an orphan is"));
                break;
        }
        return a;
}

static int method_explain(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        const ScanResult *r = m->snapshot;
        _cleanup_strv_free_ char **reasons = NULL;
        const char *kind_name, *name = NULL, *namespace = NULL;
        json_int_t id = -1;
        json_t *rules, *reply;
        const IpcObject *o;
        const ObjectInfo *info;
        IpcKind kind;
        Viewer viewer;
        ssize_t i;

        if (!r)
                return manager_wait_for_snapshot(m, call, method_explain, parameters);
        if (json_unpack(parameters, "{s:s, s?I, s?s}", "kind", &kind_name, "id", &id, "name",
                        &name) < 0)
                return call_error_invalid_parameter(call, "kind");
        if (json_unpack(parameters, "{s?s}", "namespace", &namespace) < 0)
                return call_error_invalid_parameter(call, "namespace");
        kind = ipc_kind_from_string(kind_name);
        if (kind < 0)
                return call_error_invalid_parameter(call, "kind");
        if (ipc_kind_is_posix(kind) ? !name : (id < 0 || id > INT32_MAX))
                return call_error_invalid_parameter(call, ipc_kind_is_posix(kind) ? "name" : "id");
        viewer = call_viewer(m, call);
        i = find_object(r, kind, (int) id, name, namespace ? namespace : IPC_NAMESPACE_HOST);
        /* One the caller may not see is, to them, not there. */
        if (i >= 0 && !viewer_may_see_object(&viewer, &r->table.objects[i]))
                i = -1;
        if (i < 0)
                return call_error(call, VARLINK_ERROR_NO_SUCH_OBJECT,
                                  ipc_kind_is_posix(kind)
                                          ? json_pack("{s:s, s:s}", "kind", kind_name, "name", name)
                                          : json_pack("{s:s, s:I}", "kind", kind_name, "id", id));
        o = &r->table.objects[i];
        info = &r->info[i];

        rules = json_array();
        if (!rules)
                return -ENOMEM;
        for (size_t k = 0; k < r->policy->n_rules; k++) {
                const Rule *rule = &r->policy->rules[k];
                _cleanup_free_ char *why = NULL;
                bool matched = rule_matches(rule, o, info->creator.comm, &why);
                json_array_append_new(
                        rules, json_pack("{s:s, s:s, s:i, s:s, s:b, s:b, s:s}", "name", rule->name,
                                         "file", rule->file, "line", (int) rule->line, "action",
                                         rule_action_to_string(rule->action), "matched", matched,
                                         "governs", info->verdict.rule == (int) k, "reason",
                                         why ? why : "?"));
        }
        if (verdict_reasons_detail(&info->verdict, o, r->policy, now_sec(),
                                   object_creator_detail(&viewer, o) == CREATOR_PUBLIC,
                                   &reasons) < 0) {
                json_decref(rules);
                return -ENOMEM;
        }
        reply = json_pack(
                "{s:o, s:s, s:s?, s:o, s:o}", "object",
                object_to_json_detail(r, (size_t) i, now_sec(), object_creator_detail(&viewer, o)),
                "state", object_state_to_string(info->verdict.state), "rule",
                info->verdict.rule >= 0 ? r->policy->rules[info->verdict.rule].name : NULL,
                "pending", strv_to_json(reasons), "rules", rules);
        if (reply)
                json_object_set_new(reply, "facts", facts_to_json(r, o));
        if (!reply)
                return -ENOMEM;
        return call_reply(call, reply);
}

static int method_history(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        json_int_t limit = -1;
        json_t *events = json_array();
        Viewer viewer = call_viewer(m, call);
        size_t n;

        if (!events)
                return -ENOMEM;
        (void) json_unpack(parameters, "{s?I}", "limit", &limit);
        if (json_object_get(parameters, "limit") &&
            !json_is_null(json_object_get(parameters, "limit")) && limit < 0) {
                json_decref(events);
                return call_error_invalid_parameter(call, "limit");
        }
        tracker_lock(&m->tracker);
        n = 0;
        for (size_t i = 0; i < m->tracker.n_history && (limit < 0 || n < (size_t) limit); i++) {
                const RemovalEvent *ev = tracker_history_get(&m->tracker, i);
                /* The event keeps the owner, not the creator uid, of the removed object. */
                if (!viewer_may_see(&viewer, ev->ns, ev->owner_uid, ev->owner_uid))
                        continue;
                json_array_append_new(
                        events, removal_event_to_json_detail(
                                        ev, creator_detail(&viewer, ev->owner_uid, ev->owner_uid)));
                n++;
        }
        tracker_unlock(&m->tracker);
        return call_reply(call, json_pack("{s:o}", "events", events));
}

static int method_metrics(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *text = NULL;
        int r;

        if (!m->snapshot)
                return manager_wait_for_snapshot(m, call, method_metrics, parameters);
        r = metrics_format(m->snapshot, &m->tracker, &text);
        if (r < 0)
                return r;
        return call_reply(call, json_pack("{s:s}", "text", text));
}

static int method_scan(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        int dry_run = 0;

        if (!caller_is_admin(m, call))
                return deny(call, "Scan");
        (void) json_unpack(parameters, "{s?b}", "dryRun", &dry_run);
        return manager_request_scan(m, call, dry_run);
}

static int reply_invalid_config(Call *call, char **errors) {
        return call_error(call, VARLINK_ERROR_INVALID_CONFIG,
                          json_pack("{s:o}", "errors", strv_to_json(errors)));
}

static int method_reload(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **errors = NULL;
        int r;

        if (!caller_is_admin(m, call))
                return deny(call, "Reload");
        r = manager_reload(m, &errors);
        if (r == -EINVAL)
                return reply_invalid_config(call, errors);
        if (r < 0)
                return r;
        return call_reply(call, NULL);
}

static json_t *judgement_to_json(const Verdict *v, const Policy *p, const IpcObject *o, int64_t now,
                                 bool with_pending) {
        _cleanup_strv_free_ char **reasons = NULL;
        json_t *j = json_pack("{s:s, s:s?}", "state", object_state_to_string(v->state), "rule",
                              v->rule >= 0 ? p->rules[v->rule].name : NULL);

        if (j && with_pending && verdict_reasons(v, o, p, now, &reasons) >= 0)
                json_object_set_new(j, "pending", strv_to_json(reasons));
        return j;
}

static int method_simulate(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        const ScanResult *r = m->snapshot;
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_policy_free_ Policy *candidate = NULL;
        size_t counts[_IPC_KIND_MAX][_OBJECT_STATE_MAX] = { 0 };
        size_t current[_IPC_KIND_MAX][_OBJECT_STATE_MAX] = { 0 };
        ProcessCache cache = { 0 };
        EvaluationContext ctx = { .now = now_sec() };
        json_t *changes;
        const char *text;
        size_t would_reap = 0, n = r ? r->table.n : 0;
        int k;

        if (!caller_is_admin(m, call))
                return deny(call, "Simulate");
        if (!r)
                return manager_wait_for_snapshot(m, call, method_simulate, parameters);
        if (json_unpack(parameters, "{s:s}", "config", &text) < 0)
                return call_error_invalid_parameter(call, "config");
        k = policy_load_string(text, "(simulated policy)", &candidate, &errors);
        if (k == -EINVAL)
                return reply_invalid_config(call, errors);
        if (k < 0)
                return k;

        /* Owner processes are read fresh, and only if the candidate asks about them. */
        if (policy_needs_owner_processes(candidate) && process_cache_init(&cache, "/proc") >= 0) {
                ctx.owner_has_processes = scan_owner_has_processes;
                ctx.userdata = &cache;
        }
        changes = json_array();
        for (size_t i = 0; changes && i < n; i++) {
                const IpcObject *o = &r->table.objects[i];
                const ObjectInfo *info = &r->info[i];
                Verdict v = policy_evaluate(candidate, o, info->creator.comm, &ctx);
                counts[o->kind][v.state]++;
                current[o->kind][info->verdict.state]++;
                if (v.state == OBJECT_ORPHAN && candidate->rules[v.rule].action == RULE_ACTION_REAP)
                        would_reap++;
                /* Treated differently means another state; rule names differ between any
                 * two policies and say nothing by themselves. */
                if (v.state == info->verdict.state)
                        continue;
                json_array_append_new(
                        changes,
                        json_pack("{s:s, s:i, s:I, s:s, s:I, s:I, s:I, s:o, s:o}", "kind",
                                  ipc_kind_to_string(o->kind), "id", o->id, "key",
                                  key_to_json(o->key), "namespace", ipc_object_namespace_name(o),
                                  "ownerUid", (json_int_t) o->uid, "size", (json_int_t) o->size,
                                  "idleSec", (json_int_t) ipc_object_idle_sec(o, ctx.now),
                                  "current",
                                  judgement_to_json(&info->verdict, r->policy, o, ctx.now, false),
                                  "simulated", judgement_to_json(&v, candidate, o, ctx.now, true)));
        }
        if (ctx.userdata)
                process_cache_done(&cache);
        if (!changes)
                return -ENOMEM;
        return call_reply(call, json_pack("{s:I, s:I, s:o, s:o, s:o}", "objects", (json_int_t) n,
                                          "wouldReap", (json_int_t) would_reap, "counts",
                                          counts_to_json(r, counts), "currentCounts",
                                          counts_to_json(r, current), "changes", changes));
}

static int method_list_quarantine(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        QuarantineEntry *e = NULL;
        json_t *entries;
        size_t n = 0;
        int r;

        if (!caller_is_admin(m, call))
                return deny(call, "ListQuarantine");
        entries = json_array();
        if (!entries)
                return -ENOMEM;
        r = m->quarantine ? quarantine_store_list(m->quarantine, &e, &n) : 0;
        if (r < 0) {
                json_decref(entries);
                return r;
        }
        for (size_t i = 0; i < n; i++)
                json_array_append_new(entries, quarantine_entry_to_json(&e[i]));
        quarantine_entry_array_free(e, n);
        return call_reply(call, json_pack("{s:o}", "entries", entries));
}

static int method_restore(Call *call, json_t *parameters, void *userdata) {
        Manager *m = userdata;
        const char *qid;

        if (!caller_is_admin(m, call))
                return deny(call, "Restore");
        if (json_unpack(parameters, "{s:s}", "quarantineId", &qid) < 0)
                return call_error_invalid_parameter(call, "quarantineId");
        if (!m->quarantine || !quarantine_id_is_valid(qid) ||
            quarantine_store_get(m->quarantine, qid, NULL) < 0)
                return call_error(call, "io.ipcreap.Reaper.QuarantineNotFound",
                                  json_pack("{s:s}", "quarantineId", qid));
        /* On a thread, after the running pass: a copy of a GiB never stalls the loop. */
        return manager_request_restore(m, call, qid);
}

static int method_get_info(Call *call, json_t *parameters, void *userdata) {
        return call_reply(call, json_pack("{s:s, s:s, s:s, s:s, s:[s, s]}", "vendor", "ipcreap",
                                          "product", "ipcreapd", "version", IPCREAP_VERSION, "url",
                                          "man:ipcreapd(8)", "interfaces",
                                          VARLINK_SERVICE_INTERFACE, VARLINK_INTERFACE));
}

static int method_get_interface_description(Call *call, json_t *parameters, void *userdata) {
        const char *name;

        if (json_unpack(parameters, "{s:s}", "interface", &name) < 0)
                return call_error_invalid_parameter(call, "interface");
        if (streq(name, VARLINK_INTERFACE))
                return call_reply(call, json_pack("{s:s}", "description", interface_description));
        if (streq(name, VARLINK_SERVICE_INTERFACE))
                return call_reply(call, json_pack("{s:s}", "description", service_description));
        return call_error(call, VARLINK_ERROR_INTERFACE_NOT_FOUND,
                          json_pack("{s:s}", "interface", name));
}

/* ---- the method table: parameters read from the descriptions above ---- */

/* The descriptions are the one source of the interface (as systemd's varlink-io.*.c): each
 * method's parameter list is read from its "method NAME(...)" line, so what
 * GetInterfaceDescription tells a client and what the server accepts cannot drift apart. */
#define METHOD_PARAMS_MAX 4

static Method methods[] = {
        { .name = VARLINK_INTERFACE ".GetStatus", .handler = method_get_status },
        { .name = VARLINK_INTERFACE ".List", .handler = method_list },
        { .name = VARLINK_INTERFACE ".Explain", .handler = method_explain },
        { .name = VARLINK_INTERFACE ".History", .handler = method_history },
        { .name = VARLINK_INTERFACE ".Metrics", .handler = method_metrics },
        { .name = VARLINK_INTERFACE ".Scan", .handler = method_scan },
        { .name = VARLINK_INTERFACE ".Reload", .handler = method_reload },
        { .name = VARLINK_INTERFACE ".Simulate", .handler = method_simulate },
        { .name = VARLINK_INTERFACE ".ListQuarantine", .handler = method_list_quarantine },
        { .name = VARLINK_INTERFACE ".Restore", .handler = method_restore },
        { .name = VARLINK_SERVICE_INTERFACE ".GetInfo", .handler = method_get_info },
        { .name = VARLINK_SERVICE_INTERFACE ".GetInterfaceDescription",
          .handler = method_get_interface_description },
        {},
};
static MethodParam method_params[ELEMENTSOF(methods)][METHOD_PARAMS_MAX + 1];

static int param_type_from_string(const char *type, size_t length, ParamType *ret) {
        static const struct {
                const char *name;
                ParamType type;
        } table[] = { { "string", PARAM_STRING }, { "int", PARAM_INT }, { "bool", PARAM_BOOL } };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strlen(table[i].name) == length && strncmp(type, table[i].name, length) == 0) {
                        *ret = table[i].type;
                        return 0;
                }
        return -EOPNOTSUPP; /* the server checks only these */
}

/* Fills ret (terminated by an empty entry) from "method NAME(a: string, b: ?int)" in
 * description. The names point into description, which is static. */
static int params_from_description(const char *description, const char *method, MethodParam *ret,
                                   size_t max) {
        char head[128];
        const char *p, *end;
        size_t n = 0;

        if ((size_t) snprintf(head, sizeof(head), "\nmethod %s(", method) >= sizeof(head))
                return -ENAMETOOLONG;
        p = strstr(description, head);
        if (!p)
                return -ENOENT;
        p += strlen(head);
        end = strchr(p, ')');
        if (!end)
                return -EBADMSG;
        while (p < end) {
                const char *name, *colon, *type, *stop;
                MethodParam *param;

                p += strspn(p, " ");
                name = p;
                colon = memchr(p, ':', (size_t) (end - p));
                if (!colon || n >= max)
                        return -EBADMSG;
                type = colon + 1 + strspn(colon + 1, " ");
                stop = memchr(type, ',', (size_t) (end - type));
                if (!stop)
                        stop = end;
                param = &ret[n++];
                param->name = strndup(name, (size_t) (colon - name));
                if (!param->name)
                        return -ENOMEM;
                param->required = *type != '?';
                if (!param->required)
                        type++;
                if (param_type_from_string(type, (size_t) (stop - type), &param->type) < 0)
                        return -EBADMSG;
                p = stop < end ? stop + 1 : end;
        }
        ret[n] = (MethodParam){};
        return 0;
}

const Method *manager_methods(void) {
        static bool parsed;

        if (parsed)
                return methods;
        for (size_t i = 0; methods[i].name; i++) {
                const char *name = methods[i].name, *dot = strrchr(name, '.');
                bool service = strncmp(name, VARLINK_SERVICE_INTERFACE ".",
                                       strlen(VARLINK_SERVICE_INTERFACE ".")) == 0;
                int r = params_from_description(service ? service_description
                                                        : interface_description,
                                                dot + 1, method_params[i], METHOD_PARAMS_MAX);
                if (r < 0) {
                        log_error_errno(r, "The interface description of %s is unusable: %m", name);
                        return NULL;
                }
                methods[i].params = method_params[i];
        }
        parsed = true;
        return methods;
}
