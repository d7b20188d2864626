/* SPDX-License-Identifier: MIT */
/* The removal log: intents fsync'd before an object is fenced, outcomes after it is removed
 * or given back, replayed at start. One JSON document per line. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "hashmap.h"
#include "io-util.h"
#include "log.h"
#include "macro.h"
#include "object-json.h"
#include "removal-log.h"

/* A log holds one pass's removals at most (it is emptied after each save), so this only
 * stops a hostile or broken file from taking all memory at start. */
#define REMOVAL_LOG_MAX_BYTES (512u * 1024u * 1024u)

static const char *const outcome_names[] = {
        [REMOVAL_OUTCOME_REMOVED] = "removed",
        [REMOVAL_OUTCOME_KEPT] = "kept",
        [REMOVAL_OUTCOME_FENCED] = "fenced",
};

void removal_intent_done(RemovalIntent *i) {
        removal_event_done(&i->event);
        free(i->name);
        *i = (RemovalIntent){ 0 };
}

IpcObject removal_intent_object(const RemovalIntent *i) {
        return (IpcObject){
                .kind = i->kind,
                .id = i->id,
                .key = i->key,
                .cuid = i->cuid,
                .uid = i->uid,
                .ctime = i->ctime,
                .mode = i->mode,
                .name = i->name,
                .dev = i->dev,
                .ino = i->ino,
                .ns = i->event.ns,
        };
}

RemovalLog *removal_log_free(RemovalLog *log) {
        if (!log)
                return NULL;
        for (size_t i = 0; i < log->n_unfinished; i++)
                removal_intent_done(&log->unfinished[i]);
        free(log->unfinished);
        if (log->fd >= 0)
                close(log->fd);
        free(log->path);
        free(log);
        return NULL;
}

int removal_log_parse_line(const char *line, RemovalIntent *ret_intent, uint64_t *ret_seq,
                           RemovalOutcome *ret_outcome) {
        json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, NULL), *event = NULL;
        json_int_t seq, id, key, cuid, ctime, mode;
        const char *op, *kind;
        int r = -EBADMSG;

        if (!j)
                return -EBADMSG;
        if (json_unpack(j, "{s:I, s:s}", "seq", &seq, "op", &op) < 0 || seq <= 0)
                goto finish;
        for (size_t o = 0; o < ELEMENTSOF(outcome_names); o++)
                if (streq(op, outcome_names[o])) {
                        *ret_seq = (uint64_t) seq;
                        *ret_outcome = (RemovalOutcome) o;
                        r = 2;
                        goto finish;
                }
        if (!streq(op, "intent"))
                goto finish;
        if (json_unpack(j, "{s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "kind", &kind, "id", &id, "key",
                        &key, "cuid", &cuid, "ctime", &ctime, "mode", &mode, "event", &event) < 0)
                goto finish;
        RemovalIntent in = { .seq = (uint64_t) seq, .kind = ipc_kind_from_string(kind) };
        /* A POSIX object has no id: -1, as it has a name instead. */
        if (in.kind < 0 || id < -1 || id > INT32_MAX || (id < 0) != ipc_kind_is_posix(in.kind) ||
            key_from_json(key, &in.key) < 0 || cuid < 0 || cuid > UINT32_MAX || mode < 0 ||
            mode > 07777)
                goto finish;
        in.id = (int) id;
        in.cuid = (uint32_t) cuid;
        in.ctime = ctime;
        in.mode = (uint32_t) mode;
        if (ipc_kind_is_posix(in.kind)) {
                const char *name;
                json_int_t dev, ino, uid;
                if (json_unpack(j, "{s:s, s:I, s:I, s:I}", "name", &name, "dev", &dev, "ino", &ino,
                                "uid", &uid) < 0 ||
                    dev < 0 || ino < 0 || uid < 0 || uid > UINT32_MAX || !*name ||
                    strchr(name, '/'))
                        goto finish;
                in.dev = (uint64_t) dev;
                in.ino = (uint64_t) ino;
                in.uid = (uint32_t) uid;
                in.name = strdup(name);
                if (!in.name) {
                        r = -ENOMEM;
                        goto finish;
                }
        }
        r = removal_event_from_json(event, &in.event);
        if (r < 0) {
                free(in.name);
                goto finish;
        }
        *ret_intent = in;
        r = 1;
finish:
        json_decref(j);
        return r;
}

/* Reads the whole log into a NUL-terminated buffer, not trusting st_size. */
static int read_log(int fd, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        for (;;) {
                ssize_t l;
                if (GREEDY_REALLOC(buf, allocated, size + 65536 + 1) < 0)
                        return -ENOMEM;
                l = read(fd, buf + size, allocated - size - 1);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0)
                        break;
                size += (size_t) l;
                if (size > REMOVAL_LOG_MAX_BYTES)
                        return -EFBIG;
        }
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* Replays the entries after t->log_applied. Intents wait in a map by seq for their outcome. */
static int replay(RemovalLog *log, char *text, Tracker *t) {
        Hashmap pending = { 0 };
        uint64_t max_seq = t->log_applied;
        size_t allocated = 0, bad = 0, lineno = 0;
        int r = 0;

        for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
                RemovalIntent in = { 0 };
                RemovalOutcome outcome;
                uint64_t seq;
                int kind;

                end = strchr(line, '\n');
                if (end)
                        *end = 0;
                lineno++;
                kind = removal_log_parse_line(line, &in, &seq, &outcome);
                if (kind < 0) {
                        /* Only the last line can be torn by a crash; anything else is damage,
                         * but dropping one line loses at most one record, not the file. */
                        bad++;
                        log_warning("%s:%zu: unreadable entry, skipping it.", log->path, lineno);
                        continue;
                }
                if (kind == 1) {
                        max_seq = MAX(max_seq, in.seq);
                        RemovalIntent *heap = NULL;
                        if (in.seq <= t->log_applied ||
                            hashmap_get(&pending, in.seq)) { /* Saved already, or a repeat. */
                                removal_intent_done(&in);
                                continue;
                        }
                        heap = malloc(sizeof(RemovalIntent));
                        if (!heap || hashmap_put(&pending, in.seq, heap, NULL) < 0) {
                                free(heap);
                                removal_intent_done(&in);
                                r = -ENOMEM;
                                break;
                        }
                        *heap = in;
                        continue;
                }
                max_seq = MAX(max_seq, seq);
                if (outcome == REMOVAL_OUTCOME_FENCED) {
                        RemovalIntent *touched = hashmap_get(&pending, seq);
                        if (touched)
                                touched->fenced = true;
                        continue;
                }
                RemovalIntent *done = hashmap_remove(&pending, seq);
                if (!done)
                        continue; /* Its intent is in the state file already. */
                if (outcome == REMOVAL_OUTCOME_REMOVED) {
                        r = tracker_record_removal(t, &done->event);
                        if (r < 0) {
                                removal_intent_done(done);
                                free(done);
                                break;
                        }
                }
                removal_intent_done(done);
                free(done);
        }

        /* What is left has no outcome: settled against the kernel before the first pass. */
        void *v;
        for (size_t i = 0; hashmap_next(&pending, &i, NULL, &v);) {
                if (r >= 0 && GREEDY_REALLOC(log->unfinished, allocated, log->n_unfinished + 1) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        log->unfinished[log->n_unfinished++] = *(RemovalIntent *) v;
                else
                        removal_intent_done(v);
                free(v);
        }
        hashmap_done(&pending, NULL);
        if (bad > 0)
                log_warning("%s: skipped %zu unreadable entr%s.", log->path, bad,
                            bad == 1 ? "y" : "ies");
        log->next_seq = max_seq + 1;
        if (r >= 0 && max_seq != t->log_applied) {
                /* Everything replayed now lives in t (tracker_save() waits for the
                 * unfinished ones to be settled before it writes that down). */
                t->log_applied = max_seq;
                t->dirty = true;
        }
        return r;
}

int removal_log_open(const char *dir, Tracker *t, RemovalLog **ret) {
        RemovalLog *log = calloc(1, sizeof(RemovalLog));
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        if (!log)
                return log_oom();
        log->fd = -1;
        if (asprintf(&log->path, "%s/" REMOVAL_LOG_FILE, dir) < 0) {
                log->path = NULL;
                removal_log_free(log);
                return log_oom();
        }
        /* Created with the first intent, so a daemon that never removes leaves no file. */
        log->fd = open(log->path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (log->fd < 0 && errno == ENOENT) {
                log->next_seq = t->log_applied + 1;
                *ret = log;
                return 0;
        }
        if (log->fd < 0) {
                r = log_error_errno(errno, "Failed to open %s: %m", log->path);
                removal_log_free(log);
                return r;
        }
        struct stat st;
        if (fstat(log->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                r = log_error_errno(errno ? errno : EBADF, "%s is not a regular file.", log->path);
                removal_log_free(log);
                return r;
        }
        r = read_log(log->fd, &text, &size);
        if (r < 0) {
                log_error_errno(r, "Failed to read %s: %m", log->path);
                removal_log_free(log);
                return r;
        }
        r = replay(log, text, t);
        if (r < 0) {
                removal_log_free(log);
                return log_oom();
        }
        if (log->n_unfinished > 0)
                log_notice("%s: %zu removal%s were under way when the daemon stopped; "
                           "settling them against the kernel.",
                           log->path, log->n_unfinished, log->n_unfinished == 1 ? "" : "s");
        *ret = log;
        return 0;
}

static int append_and_sync(RemovalLog *log, const char *data, size_t size) {
        int r;

        if (log->fd < 0) {
                log->fd = open(log->path,
                               O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                               0600);
                if (log->fd < 0)
                        return -errno;
                /* The new name must survive a crash as well as what is written under it. */
                _cleanup_free_ char *dir = strdup(log->path);
                char *slash = dir ? strrchr(dir, '/') : NULL;
                if (slash) {
                        *slash = 0;
                        _cleanup_close_ int dfd =
                                open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd >= 0)
                                (void) fsync(dfd);
                }
        }
        struct stat st;
        if (fstat(log->fd, &st) < 0)
                return -errno;
        r = loop_write(log->fd, data, size);
        if (r >= 0 && fdatasync(log->fd) < 0)
                r = -errno;
        /* A failed write (a full disk) must not leave a torn line for the next one to be
         * glued to: cut the file back to where it was. */
        if (r < 0 && ftruncate(log->fd, st.st_size) < 0)
                log_warning_errno(errno, "Failed to cut %s back after a failed write: %m",
                                  log->path);
        return r;
}

int removal_log_write_intents(RemovalLog *log, RemovalIntent *intents, size_t n) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        int r;

        for (size_t i = 0; i < n; i++) {
                RemovalIntent *in = &intents[i];
                json_t *j = json_pack("{s:I, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:o}", "seq",
                                      (json_int_t) (log->next_seq + i), "op", "intent", "kind",
                                      ipc_kind_to_string(in->kind), "id", in->id, "key",
                                      key_to_json(in->key), "cuid", (json_int_t) in->cuid, "ctime",
                                      (json_int_t) in->ctime, "mode", (json_int_t) in->mode,
                                      "event", removal_event_to_json(&in->event));
                if (j && ipc_kind_is_posix(in->kind) &&
                    json_object_update_new(
                            j, json_pack("{s:s, s:I, s:I, s:I}", "name", strempty(in->name), "dev",
                                         (json_int_t) in->dev, "ino", (json_int_t) in->ino, "uid",
                                         (json_int_t) in->uid)) < 0) {
                        json_decref(j);
                        j = NULL;
                }
                char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
                size_t l = line ? strlen(line) : 0;

                json_decref(j);
                if (!line || GREEDY_REALLOC(buf, allocated, size + l + 2) < 0) {
                        free(line);
                        return log_oom();
                }
                memcpy(buf + size, line, l);
                size += l;
                buf[size++] = '\n';
                free(line);
        }
        r = append_and_sync(log, buf, size);
        if (r < 0)
                return log_error_errno(r, "Failed to write removal intents to %s: %m", log->path);
        for (size_t i = 0; i < n; i++)
                intents[i].seq = log->next_seq + i;
        log->next_seq += n;
        return 0;
}

int removal_log_write_outcomes(RemovalLog *log, const RemovalIntent *intents,
                               const RemovalOutcome *outcomes, size_t n) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        int r;

        if (GREEDY_REALLOC(buf, allocated, n * 48 + 1) < 0)
                return log_oom();
        for (size_t i = 0; i < n; i++)
                size += (size_t) snprintf(buf + size, allocated - size,
                                          "{\"seq\":%" PRIu64 ",\"op\":\"%s\"}\n", intents[i].seq,
                                          outcome_names[outcomes[i]]);
        r = append_and_sync(log, buf, size);
        if (r < 0)
                return log_error_errno(r, "Failed to write removal outcomes to %s: %m", log->path);
        return 0;
}

int removal_log_keep_unfinished(RemovalLog *log, RemovalIntent *intent) {
        RemovalIntent *u =
                realloc(log->unfinished, (log->n_unfinished + 1) * sizeof(RemovalIntent));
        if (!u)
                return -ENOMEM;
        log->unfinished = u;
        u[log->n_unfinished++] = *intent;
        *intent = (RemovalIntent){ 0 };
        return 0;
}

int removal_log_reset(RemovalLog *log) {
        if (log->n_unfinished > 0 || log->fd < 0)
                return 0;
        if (ftruncate(log->fd, 0) < 0)
                return log_warning_errno(errno, "Failed to empty %s: %m", log->path);
        return 0;
}
