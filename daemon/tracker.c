/* SPDX-License-Identifier: MIT */
/* Tracking across scans: each object's first-seen time and creator, the removal history and
 * the reap counters, persisted atomically in StateDirectory/state.json. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include <jansson.h>

#include "io-util.h"
#include "log.h"
#include "macro.h"
#include "object-json.h"
#include "removal-log.h"
#include "strbuf.h"
#include "tracker.h"

static int64_t monotonic_sec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec;
}

static uint64_t tracker_key(IpcKind kind, int id) {
        return ((uint64_t) kind << 32) | (uint32_t) id;
}

/* System V objects of the host by (kind, id); POSIX files by (kind, device, inode) and objects
 * of other namespaces by (namespace inode, kind, id), mixed into the keys with the top bit
 * set, which System V keys of the host never have. */
static uint64_t tracker_object_key(const IpcObject *o) {
        uint64_t h = 0xcbf29ce484222325ULL, ns = ipc_object_in_host_namespace(o) ? 0 : o->ns->inode;
        bool posix = ipc_kind_is_posix(o->kind);

        if (!posix && ns == 0)
                return tracker_key(o->kind, o->id);
        for (int i = 0; i < 4; i++) {
                h ^= i == 0   ? (uint64_t) o->kind
                     : i == 1 ? (posix ? o->dev : (uint64_t) (uint32_t) o->id)
                     : i == 2 ? o->ino
                              : ns;
                h *= 0x100000001b3ULL;
                h ^= h >> 29;
        }
        return h | (1ULL << 63);
}

static void tracked_object_free(void *p) {
        TrackedObject *o = p;
        creator_done(&o->creator);
        ipc_namespace_unref(o->ns);
        free(o);
}

void removal_event_done(RemovalEvent *ev) {
        free(ev->rule);
        free(ev->name);
        creator_done(&ev->creator);
        ipc_namespace_unref(ev->ns);
        *ev = (RemovalEvent){ 0 };
}

void tracker_lock(Tracker *t) {
        if (t->lock)
                pthread_mutex_lock(t->lock);
}

void tracker_unlock(Tracker *t) {
        if (t->lock)
                pthread_mutex_unlock(t->lock);
}

void tracker_init(Tracker *t, size_t history_size) {
        *t = (Tracker){ .history_capacity = history_size };
        if (history_size > 0) {
                t->history = calloc(history_size, sizeof(RemovalEvent));
                if (!t->history)
                        t->history_capacity = 0; /* Degrades to no history, never fails. */
        }
}

void tracker_done(Tracker *t) {
        hashmap_done(&t->objects, tracked_object_free);
        for (size_t i = 0; i < t->n_history; i++)
                removal_event_done(&t->history[(t->history_head + i) % t->history_capacity]);
        free(t->history);
        for (size_t i = 0; i < t->n_counters; i++)
                free(t->counters[i].rule);
        free(t->counters);
        removal_log_free(t->removal_log);
        *t = (Tracker){ .lock = t->lock };
}

const RemovalEvent *tracker_history_get(const Tracker *t, size_t i) {
        if (i >= t->n_history)
                return NULL;
        return &t->history[(t->history_head + t->n_history - 1 - i) % t->history_capacity];
}

int tracker_set_history_size(Tracker *t, size_t history_size) {
        RemovalEvent *h = NULL;
        size_t keep;

        if (history_size == t->history_capacity)
                return 0;
        if (history_size > 0) {
                h = calloc(history_size, sizeof(RemovalEvent));
                if (!h)
                        return -ENOMEM;
        }
        tracker_lock(t);
        keep = MIN(t->n_history, history_size);
        /* Keeps the newest events, oldest first in the new ring. */
        for (size_t i = 0; i < t->n_history; i++) {
                RemovalEvent *ev = &t->history[(t->history_head + i) % t->history_capacity];
                if (i < t->n_history - keep)
                        removal_event_done(ev);
                else
                        h[i - (t->n_history - keep)] = *ev;
        }
        free(t->history);
        t->history = h;
        t->history_capacity = history_size;
        t->history_head = 0;
        t->n_history = keep;
        tracker_unlock(t);
        return 0;
}

void tracker_begin_pass(Tracker *t) {
        void *v;
        for (size_t i = 0; hashmap_next(&t->objects, &i, NULL, &v);)
                ((TrackedObject *) v)->seen = false;
}

TrackedObject *tracker_observe(Tracker *t, const IpcObject *o, int64_t now) {
        uint64_t key = tracker_object_key(o);
        TrackedObject *tracked = hashmap_get(&t->objects, key);

        if (tracked &&
            (tracked->key != o->key || tracked->ctime != o->ctime || tracked->cuid != o->cuid ||
             tracked->kind != o->kind || tracked->dev != o->dev || tracked->ino != o->ino ||
             tracked->id != o->id || !ipc_namespace_same(tracked->ns, o->ns))) {
                /* The id was reused, or the object was changed with IPC_SET (ctime moved), or
                 * its namespace's inode now belongs to another namespace: either way what we
                 * knew no longer describes it. */
                tracked_object_free(hashmap_remove(&t->objects, key));
                tracked = NULL;
        }
        if (!tracked) {
                tracked = calloc(1, sizeof(TrackedObject));
                if (!tracked)
                        return NULL;
                *tracked = (TrackedObject){
                        .kind = o->kind,
                        .id = o->id,
                        .key = o->key,
                        .ctime = o->ctime,
                        .cuid = o->cuid,
                        .dev = o->dev,
                        .ino = o->ino,
                        .ns = ipc_object_in_host_namespace(o) ? NULL : ipc_namespace_ref(o->ns),
                        .first_seen = now,
                };
                if (hashmap_put(&t->objects, key, tracked, NULL) < 0) {
                        free(tracked);
                        return NULL;
                }
                t->dirty = true;
        }
        tracked->seen = true;
        return tracked;
}

void tracker_end_pass(Tracker *t) {
        uint64_t key;
        void *v;

        for (size_t i = 0; hashmap_next(&t->objects, &i, &key, &v);) {
                if (((TrackedObject *) v)->seen)
                        continue;
                tracked_object_free(hashmap_remove(&t->objects, key));
                t->dirty = true;
                /* Removal shifts later entries back into this slot: look at it again. */
                i--;
        }
}

void tracker_forget_object(Tracker *t, const IpcObject *o) {
        TrackedObject *tracked = hashmap_remove(&t->objects, tracker_object_key(o));
        if (tracked) {
                tracked_object_free(tracked);
                t->dirty = true;
        }
}

void tracker_forget(Tracker *t, IpcKind kind, int id) {
        TrackedObject *o = hashmap_remove(&t->objects, tracker_key(kind, id));
        if (o) {
                tracked_object_free(o);
                t->dirty = true;
        }
}

static uint64_t saturating_add(uint64_t a, uint64_t b) {
        return a > TRACKER_COUNTER_MAX - MIN(b, TRACKER_COUNTER_MAX) ? TRACKER_COUNTER_MAX : a + b;
}

static int count_removal(Tracker *t, IpcKind kind, const char *rule, uint64_t count) {
        ReapCounter *c;

        count = MIN(count, TRACKER_COUNTER_MAX);
        for (size_t i = 0; i < t->n_counters; i++)
                if (t->counters[i].kind == kind && streq(t->counters[i].rule, rule)) {
                        t->counters[i].count = saturating_add(t->counters[i].count, count);
                        return 0;
                }
        c = realloc(t->counters, (t->n_counters + 1) * sizeof(ReapCounter));
        if (!c)
                return -ENOMEM;
        t->counters = c;
        c[t->n_counters] = (ReapCounter){ .kind = kind, .rule = strdup(rule), .count = count };
        if (!c[t->n_counters].rule)
                return -ENOMEM;
        t->n_counters++;
        return 0;
}

static int record_event(Tracker *t, RemovalEvent *ev, bool restore) {
        int r = 0;

        /* Kept within what state.json can carry, so that it always loads again. */
        ev->size = MIN(ev->size, TRACKER_COUNTER_MAX);
        ev->idle_sec = MIN(ev->idle_sec, TRACKER_COUNTER_MAX);
        ev->restore = restore;
        tracker_lock(t);
        if (restore)
                t->restored_total = saturating_add(t->restored_total, 1);
        else {
                r = count_removal(t, ev->kind, strempty(ev->rule), 1);
                t->reclaimed_bytes = saturating_add(t->reclaimed_bytes, ev->size);
        }
        t->dirty = true;
        t->history_version++;
        if (t->history_capacity == 0) {
                tracker_unlock(t);
                removal_event_done(ev);
                return r;
        }
        if (t->n_history == t->history_capacity) {
                removal_event_done(&t->history[t->history_head]);
                t->history_head = (t->history_head + 1) % t->history_capacity;
                t->n_history--;
        }
        t->history[(t->history_head + t->n_history) % t->history_capacity] = *ev;
        t->n_history++;
        tracker_unlock(t);
        *ev = (RemovalEvent){ 0 };
        return r;
}

int tracker_record_removal(Tracker *t, RemovalEvent *ev) {
        return record_event(t, ev, false);
}

int tracker_record_restore(Tracker *t, RemovalEvent *ev) {
        return record_event(t, ev, true);
}

/* ---- state.json ---- */

/* Writes state.json's text straight from the tracker: building a jansson tree of 100,000
 * objects first costs more time than the whole kernel scan, and a hundred MB of memory. The
 * hand-written parts are numbers and fixed words; anything with free text (creators,
 * events, rule names) still goes through jansson, which escapes it. tracker_load() reads
 * the file with jansson. */
/* Only history and counters are shared with queries: the lock covers them alone, so a
 * query never waits for the (long) objects part. */
static int state_write(FILE *f, void *userdata) {
        Tracker *t = userdata;
        bool first = true;
        int r = 0;
        void *v;

        fprintf(f, "{\"version\":%d,\"objects\":[", TRACKER_STATE_VERSION);
        for (size_t i = 0; hashmap_next(&t->objects, &i, NULL, &v);) {
                const TrackedObject *o = v;
                char line[256];
                StrBuf b;

                strbuf_init(&b, line, sizeof(line));
                strbuf_puts(&b, first ? "{\"kind\":\"" : ",{\"kind\":\"");
                strbuf_puts(&b, ipc_kind_to_string(o->kind));
                strbuf_puts(&b, "\",\"id\":");
                strbuf_put_i64(&b, o->id);
                strbuf_puts(&b, ",\"key\":");
                strbuf_put_i64(&b, key_to_json(o->key));
                strbuf_puts(&b, ",\"ctime\":");
                strbuf_put_i64(&b, o->ctime);
                strbuf_puts(&b, ",\"cuid\":");
                strbuf_put_u64(&b, o->cuid);
                strbuf_puts(&b, ",\"firstSeen\":");
                strbuf_put_i64(&b, o->first_seen);
                if (ipc_kind_is_posix(o->kind)) {
                        strbuf_puts(&b, ",\"dev\":");
                        strbuf_put_u64(&b, o->dev);
                        strbuf_puts(&b, ",\"ino\":");
                        strbuf_put_u64(&b, o->ino);
                }
                if (o->ns) {
                        /* Its namespace's whole identity: a namespace that reuses the inode
                         * after a restart inherits nothing. */
                        strbuf_puts(&b, ",\"namespaceInode\":");
                        strbuf_put_u64(&b, o->ns->inode);
                        strbuf_puts(&b, ",\"namespaceStartUsec\":");
                        strbuf_put_u64(&b, o->ns->start_usec);
                }
                fwrite(line, 1, strbuf_length(&b), f);
                if (o->ns) {
                        json_t *n = json_string(o->ns->name);
                        fputs(",\"namespace\":", f);
                        if (!n || json_dumpf(n, f, JSON_ENCODE_ANY) < 0)
                                r = -ENOMEM;
                        json_decref(n);
                }
                if (o->restored)
                        fprintf(f, ",\"restoredCuid\":%" PRIu32 ",\"restoredCgid\":%" PRIu32,
                                o->restored_cuid, o->restored_cgid);
                if (o->creator.pid > 0) {
                        json_t *c = creator_to_json(&o->creator);
                        fputs(",\"creator\":", f);
                        if (!c || json_dumpf(c, f, JSON_COMPACT) < 0)
                                r = -ENOMEM;
                        json_decref(c);
                }
                fputc('}', f);
                first = false;
        }
        tracker_lock(t);
        fprintf(f,
                "],\"reclaimedBytes\":%" PRIu64 ",\"restoredTotal\":%" PRIu64
                ",\"removalLogApplied\":%" PRIu64 ",\"history\":[",
                MIN(t->reclaimed_bytes, TRACKER_COUNTER_MAX),
                MIN(t->restored_total, TRACKER_COUNTER_MAX),
                MIN(t->log_applied, TRACKER_COUNTER_MAX));
        /* Oldest first, so a load replays them in order. */
        for (size_t i = t->n_history; i > 0; i--) {
                json_t *j = removal_event_to_json(tracker_history_get(t, i - 1));
                if (i != t->n_history)
                        fputc(',', f);
                if (!j || json_dumpf(j, f, JSON_COMPACT) < 0)
                        r = -ENOMEM;
                json_decref(j);
        }
        fputs("],\"reaped\":[", f);
        for (size_t i = 0; i < t->n_counters; i++) {
                json_t *j = json_pack(
                        "{s:s, s:s, s:I}", "kind", ipc_kind_to_string(t->counters[i].kind), "rule",
                        t->counters[i].rule, "count", (json_int_t) t->counters[i].count);
                if (i > 0)
                        fputc(',', f);
                if (!j || json_dumpf(j, f, JSON_COMPACT) < 0)
                        r = -ENOMEM;
                json_decref(j);
        }
        tracker_unlock(t);
        fputs("]}", f);
        if (ferror(f))
                return -EIO;
        return r;
}

static int kind_from_json(const char *s, IpcKind *ret) {
        IpcKind k = s ? ipc_kind_from_string(s) : _IPC_KIND_INVALID;
        if (k < 0)
                return -EBADMSG;
        *ret = k;
        return 0;
}

/* An object's or event's namespace: none given is the host (NULL). */
int namespace_from_json(json_t *j, IpcNamespace **ret) {
        const char *name = NULL;
        json_int_t inode = 0, start = 0;

        if (json_unpack(j, "{s?s, s?I, s?I}", "namespace", &name, "namespaceInode", &inode,
                        "namespaceStartUsec", &start) < 0 ||
            inode < 0 || start < 0)
                return -EBADMSG;
        if (!name || streq(name, IPC_NAMESPACE_HOST)) {
                *ret = NULL;
                return 0;
        }
        if (inode == 0 || !ipc_name_is_plain(name))
                return -EBADMSG;
        *ret = ipc_namespace_new((uint64_t) inode, (uint64_t) start, name, false);
        return *ret ? 0 : -ENOMEM;
}

/* Fills t from root; on malformed input returns -EBADMSG and leaves t partly filled (the
 * caller throws it away). */
static int state_from_json(Tracker *t, json_t *root) {
        json_t *objects, *history, *counters = NULL, *j;
        json_int_t version, reclaimed = 0, applied = 0, restored = 0;
        size_t i;
        int r;

        if (json_unpack(root, "{s:I, s:o, s:o, s?o, s?I, s?I, s?I}", "version", &version, "objects",
                        &objects, "history", &history, "reaped", &counters, "reclaimedBytes",
                        &reclaimed, "removalLogApplied", &applied, "restoredTotal", &restored) < 0)
                return -EBADMSG;
        if (version != TRACKER_STATE_VERSION || !json_is_array(objects) ||
            !json_is_array(history) || applied < 0)
                return -EBADMSG;
        /* One odd number is no reason to throw away the history with it. */
        if (reclaimed < 0)
                log_warning("State file: reclaimedBytes is negative, counting from 0.");
        t->reclaimed_bytes = reclaimed < 0 ? 0 : (uint64_t) reclaimed;
        t->log_applied = (uint64_t) applied;
        t->restored_total = restored < 0 ? 0 : (uint64_t) restored;

        json_array_foreach(objects, i, j) {
                json_int_t id, key, ctime, cuid, first_seen;
                const char *kind;
                TrackedObject *o;
                IpcObject probe = { 0 };

                if (json_unpack(j, "{s:s, s:I, s:I, s:I, s:I, s:I}", "kind", &kind, "id", &id,
                                "key", &key, "ctime", &ctime, "cuid", &cuid, "firstSeen",
                                &first_seen) < 0 ||
                    kind_from_json(kind, &probe.kind) < 0 || id < -1 || id > INT32_MAX ||
                    (id < 0) != ipc_kind_is_posix(probe.kind) ||
                    key_from_json(key, &probe.key) < 0 || cuid < 0 || cuid > UINT32_MAX)
                        return -EBADMSG;
                if (ipc_kind_is_posix(probe.kind)) {
                        json_int_t dev, ino;
                        if (json_unpack(j, "{s:I, s:I}", "dev", &dev, "ino", &ino) < 0)
                                return -EBADMSG;
                        probe.dev = (uint64_t) dev;
                        probe.ino = (uint64_t) ino;
                }
                probe.id = (int) id;
                probe.ctime = ctime;
                probe.cuid = (uint32_t) cuid;
                r = namespace_from_json(j, &probe.ns);
                if (r < 0)
                        return r;
                o = tracker_observe(t, &probe, first_seen);
                ipc_namespace_unref(probe.ns);
                if (!o)
                        return -ENOMEM;
                o->first_seen = first_seen;
                json_int_t rcuid = -1, rcgid = -1;
                if (json_unpack(j, "{s?I, s?I}", "restoredCuid", &rcuid, "restoredCgid", &rcgid) <
                    0)
                        return -EBADMSG;
                if (rcuid >= 0 && rcuid <= UINT32_MAX && rcgid >= 0 && rcgid <= UINT32_MAX) {
                        o->restored = true;
                        o->restored_cuid = (uint32_t) rcuid;
                        o->restored_cgid = (uint32_t) rcgid;
                }
                creator_done(&o->creator);
                if (creator_from_json(json_object_get(j, "creator"), &o->creator) < 0)
                        return -EBADMSG;
        }
        json_array_foreach(history, i, j) {
                RemovalEvent ev;
                r = removal_event_from_json(j, &ev);
                if (r < 0)
                        return r;
                /* Replays the event without counting it again. */
                if (t->history_capacity == 0) {
                        removal_event_done(&ev);
                        continue;
                }
                if (t->n_history == t->history_capacity) {
                        removal_event_done(&t->history[t->history_head]);
                        t->history_head = (t->history_head + 1) % t->history_capacity;
                        t->n_history--;
                }
                t->history[(t->history_head + t->n_history++) % t->history_capacity] = ev;
        }
        if (counters) {
                if (!json_is_array(counters))
                        return -EBADMSG;
                json_array_foreach(counters, i, j) {
                        const char *kind, *rule;
                        json_int_t count;
                        IpcKind k;
                        if (json_unpack(j, "{s:s, s:s, s:I}", "kind", &kind, "rule", &rule, "count",
                                        &count) < 0 ||
                            kind_from_json(kind, &k) < 0)
                                return -EBADMSG;
                        if (count < 0) {
                                log_warning("State file: the %s counter of rule %s is negative, "
                                            "counting from 0.",
                                            kind, rule);
                                count = 0;
                        }
                        if (count_removal(t, k, rule, (uint64_t) count) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* Reads state.json into t; returns 1 when loaded, 0 when absent or set aside as corrupt. */
static int load_state_file(Tracker *t, const char *dir) {
        _cleanup_free_ char *path = NULL, *aside = NULL;
        json_error_t error;
        Tracker loaded;
        json_t *root;
        int r;

        if (asprintf(&path, "%s/" TRACKER_STATE_FILE, dir) < 0)
                return -ENOMEM;
        root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
        if (!root && access(path, F_OK) < 0 && errno == ENOENT)
                return 0;

        tracker_init(&loaded, t->history_capacity);
        if (root) {
                r = state_from_json(&loaded, root);
                json_decref(root);
                if (r == -ENOMEM) {
                        tracker_done(&loaded);
                        return log_oom();
                }
        } else
                r = -EBADMSG;
        if (r < 0) {
                tracker_done(&loaded);
                if (asprintf(&aside, "%s.corrupt", path) < 0)
                        return -ENOMEM;
                if (rename(path, aside) < 0)
                        log_warning_errno(errno,
                                          "State file %s is unreadable (%s) and could not "
                                          "be set aside, starting afresh: %m",
                                          path, root ? "bad contents" : error.text);
                else
                        log_warning("State file %s is unreadable (%s), moved to %s, starting "
                                    "afresh.",
                                    path, root ? "bad contents" : error.text, aside);
                return 0;
        }
        loaded.lock = t->lock;
        loaded.removal_log = TAKE_PTR(t->removal_log);
        tracker_done(t);
        *t = loaded;
        t->dirty = false;
        return 1;
}

int tracker_load(Tracker *t, const char *dir) {
        int loaded, r;

        loaded = load_state_file(t, dir);
        if (loaded < 0)
                return loaded;
        t->removal_log = removal_log_free(t->removal_log);
        /* Without the log nothing can be removed (the scan checks), but queries still work. */
        r = removal_log_open(dir, t, &t->removal_log);
        if (r < 0)
                log_warning("Without the removal log nothing will be removed: no removal "
                            "could be recorded.");
        return loaded;
}

int tracker_save(Tracker *t, const char *dir) {
        _cleanup_free_ char *path = NULL;
        int r;

        /* Unsettled removals keep their entries in the log, which only a save could cover:
         * saving now would mark them applied before they are settled. */
        if (t->removal_log && t->removal_log->n_unfinished > 0)
                return 0;
        if (asprintf(&path, "%s/" TRACKER_STATE_FILE, dir) < 0)
                return log_oom();
        /* Written as it is formatted: 100,000 objects never sit in memory as one text. */
        r = write_file_atomic_stream(path, 0600, state_write, t);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s, keeping the previous state: %m",
                                       path);
        t->dirty = false;
        t->saved_history_version = t->history_version;
        t->saved_at = monotonic_sec();
        /* state.json now holds every removal in the log. */
        if (t->removal_log && t->log_applied + 1 >= t->removal_log->next_seq)
                (void) removal_log_reset(t->removal_log);
        return 0;
}

bool tracker_save_due(const Tracker *t) {
        if (!t->dirty)
                return false;
        /* A pass that only tracked a few new objects does not rewrite a state of 100,000: the
         * removal log keeps every removal durable meanwhile, and what waits (first seen,
         * creators) is at most TRACKER_SAVE_INTERVAL_SEC old after a crash. */
        return t->history_version != t->saved_history_version || t->saved_at == 0 ||
               monotonic_sec() - t->saved_at >= TRACKER_SAVE_INTERVAL_SEC;
}

int tracker_prepare_directory(const char *dir) {
        _cleanup_free_ char *path = strdup(dir);

        if (!path)
                return -ENOMEM;
        for (char *p = path + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        (void) mkdir(path, 0755);
                        *p = '/';
                }
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return log_warning_errno(errno,
                                         "Failed to create state directory %s, tracking "
                                         "and history will not be kept: %m",
                                         dir);
        return 0;
}
