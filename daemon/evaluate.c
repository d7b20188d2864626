/* SPDX-License-Identifier: MIT */
/* The policy evaluator: (object snapshot, policy, clock, liveness) -> state, rule, reasons.
 * Pure: it never calls the kernel, so explain, simulate and dry runs all run this code. */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>

#include "evaluate.h"
#include "kind.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

unsigned ipc_object_in_use(const IpcObject *o) {
        const KindOps *ops = kind_ops(o->kind);
        return ops && ops->in_use ? ops->in_use(o) : 0;
}

uint64_t ipc_object_idle_sec(const IpcObject *o, int64_t now) {
        int64_t last = ipc_object_last_activity(o);
        /* A clock set backwards makes activity look like the future: not idle at all. */
        return now > last ? (uint64_t) (now - last) : 0;
}

static bool set_why(char **ret_why, const char *format, ...) _printf_(2, 3);
static bool set_why(char **ret_why, const char *format, ...) {
        va_list ap;

        if (!ret_why)
                return false;
        va_start(ap, format);
        if (vasprintf(ret_why, format, ap) < 0)
                *ret_why = NULL;
        va_end(ap);
        return false;
}

/* Runs for every object and rule of every pass: the host answer and "*" are worked out by
 * the parser, so fnmatch() runs only for a container's object under a narrower glob. host
 * is ipc_object_in_host_namespace(o), asked once per object rather than once per rule. */
static bool rule_matches_namespace(const Rule *r, const IpcObject *o, bool host) {
        if (!r->namespaces)
                return host;
        if (r->namespaces_match_all)
                return true;
        if (host)
                return r->namespaces_match_host;
        for (char **g = r->namespaces; *g; g++)
                if (fnmatch(*g, ipc_object_namespace_name(o), 0) == 0)
                        return true;
        return false;
}

static bool rule_matches_in(const Rule *r, const IpcObject *o, bool host, const char *creator_comm,
                            char **ret_why) {
        char a[FORMAT_SIZE_MAX], b[FORMAT_SIZE_MAX];

        if (ret_why)
                *ret_why = NULL;
        if (!(r->kinds & (1u << o->kind)))
                return set_why(ret_why, "Kind: %s is not selected", ipc_kind_to_string(o->kind));
        if (!rule_matches_namespace(r, o, host)) {
                _cleanup_free_ char *globs = NULL;
                if (!r->namespaces)
                        return set_why(ret_why,
                                       "no Namespace=: applies to the host namespace only, not "
                                       "to %s",
                                       ipc_object_namespace_name(o));
                globs = ret_why ? strv_join(r->namespaces, " ") : NULL;
                return set_why(ret_why, "Namespace= does not match %s (it lists %s)",
                               ipc_object_namespace_name(o), strempty(globs));
        }
        if (!id_set_contains(&r->owner, o->uid))
                return set_why(ret_why, "Owner: uid %" PRIu32 " is not in %s", o->uid,
                               r->owner.text);
        if (!id_set_contains(&r->group, o->gid))
                return set_why(ret_why, "Group: gid %" PRIu32 " is not in %s", o->gid,
                               r->group.text);
        if (ipc_kind_is_posix(o->kind) && !id_set_is_any(&r->key))
                return set_why(ret_why, "Key: a POSIX object has no key");
        if (!ipc_kind_is_posix(o->kind) && !id_set_contains(&r->key, (uint32_t) o->key))
                return set_why(ret_why, "Key: 0x%08" PRIx32 " is not in %s", (uint32_t) o->key,
                               r->key.text);
        if (r->names) {
                const char *name = ipc_object_display_name(o);
                bool found = false;
                if (!ipc_kind_is_posix(o->kind))
                        return set_why(ret_why, "Name: a System V object has no name");
                for (char **g = r->names; *g && !found; g++)
                        found = fnmatch(*g, name, 0) == 0;
                if (!found) {
                        _cleanup_free_ char *globs = strv_join(r->names, " ");
                        return set_why(ret_why, "Name: \"%s\" matches none of %s", name,
                                       strempty(globs));
                }
        }
        if (r->creator) {
                bool found = false;
                if (!creator_comm)
                        return set_why(ret_why, "Creator: the creator is not known");
                for (char **g = r->creator; *g && !found; g++)
                        found = fnmatch(*g, creator_comm, 0) == 0;
                if (!found) {
                        _cleanup_free_ char *globs = strv_join(r->creator, " ");
                        return set_why(ret_why, "Creator: \"%s\" matches none of %s", creator_comm,
                                       strempty(globs));
                }
        }
        /* A semaphore set has no byte size: MinSize above 0 never matches one. */
        if (o->size < r->min_size)
                return set_why(ret_why, "MinSize: %s is below %s",
                               format_size(a, sizeof(a), o->size),
                               format_size(b, sizeof(b), r->min_size));
        if (ret_why)
                *ret_why = strdup("matches");
        return true;
}

bool rule_matches(const Rule *r, const IpcObject *o, const char *creator_comm, char **ret_why) {
        return rule_matches_in(r, o, ipc_object_in_host_namespace(o), creator_comm, ret_why);
}

/* No recorded pid: whoever made the object is unknown, not dead. It may be a process still
 * running as the object's creator or owner uid, which made the queue or set and has not
 * used it yet (a daemon polling with IPC_NOWAIT). */
static unsigned no_pids_pending(const IpcObject *o, const EvaluationContext *ctx) {
        uint32_t uids[2] = { o->uid, o->cuid };
        bool unknown = false;

        for (size_t i = 0; i < ELEMENTSOF(uids); i++) {
                int has;

                if (i > 0 && uids[i] == uids[0])
                        break;
                has = ctx->owner_has_processes ? ctx->owner_has_processes(uids[i], ctx->userdata)
                                               : -ENODATA;
                if (has > 0)
                        return PENDING_NO_PIDS_OWNER_RUNNING;
                if (has < 0)
                        unknown = true;
        }
        return unknown ? PENDING_NO_PIDS_OWNER_UNKNOWN : 0;
}

Verdict policy_evaluate(const Policy *p, const IpcObject *o, const char *creator_comm,
                        const EvaluationContext *ctx) {
        Verdict v = { .state = OBJECT_UNMATCHED, .rule = -1 };
        const Rule *r = NULL;
        bool host;

        v.pending = ipc_object_in_use(o);
        if (v.pending) {
                v.state = OBJECT_IN_USE;
                return v;
        }
        /* A directory or symlink in /dev/shm is nobody's IPC object: listed, never judged. */
        if (o->not_regular || o->odd_name)
                return v;
        host = ipc_object_in_host_namespace(o);
        for (size_t i = 0; i < p->n_rules; i++)
                if (rule_matches_in(&p->rules[i], o, host, creator_comm, NULL)) {
                        r = &p->rules[i];
                        v.rule = (int) i;
                        break;
                }
        if (!r)
                return v;
        if (r->action == RULE_ACTION_KEEP) {
                v.state = OBJECT_PROTECTED;
                return v;
        }

        if (ipc_object_idle_sec(o, ctx->now) < r->min_idle_sec)
                v.pending |= PENDING_TOO_YOUNG;
        if (r->require_dead_pids) {
                for (size_t i = 0; i < o->n_pids; i++)
                        if (o->pids[i].alive)
                                v.pending |= PENDING_PIDS_ALIVE;
                if (o->creator_unknown)
                        v.pending |= PENDING_CREATOR_UNSEEN;
                else if (o->n_pids == 0)
                        v.pending |= no_pids_pending(o, ctx);
        }
        if (r->require_no_owner_processes) {
                int has = ctx->owner_has_processes ? ctx->owner_has_processes(o->uid, ctx->userdata)
                                                   : -ENODATA;
                if (has > 0)
                        v.pending |= PENDING_OWNER_PROCESSES;
                else if (has < 0)
                        v.pending |= PENDING_OWNER_PROCESSES_UNKNOWN;
        }
        /* Its messages cannot be read without consuming them: no removal that could not be
         * undone. */
        if (r->action == RULE_ACTION_REAP && r->quarantine && o->kind == IPC_KIND_POSIX_MQ &&
            o->size > 0)
                v.pending |= PENDING_QUARANTINE_UNCOPYABLE;
        v.state = v.pending ? OBJECT_IDLE : OBJECT_ORPHAN;
        return v;
}

int verdict_reasons(const Verdict *v, const IpcObject *o, const Policy *p, int64_t now,
                    char ***ret) {
        return verdict_reasons_detail(v, o, p, now, false, ret);
}

int verdict_reasons_detail(const Verdict *v, const IpcObject *o, const Policy *p, int64_t now,
                           bool hide_walked_pids, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        char idle[FORMAT_TIMESPAN_MAX], need[FORMAT_TIMESPAN_MAX];
        const Rule *r = v->rule >= 0 && (size_t) v->rule < p->n_rules ? &p->rules[v->rule] : NULL;
        int k = 0;

        if (!l)
                return -ENOMEM;
        if (v->pending & PENDING_ATTACHED)
                k = strv_extendf(&l, "attached by %" PRIu64 " process%s", o->nattch,
                                 o->nattch == 1 ? "" : "es");
        if (k >= 0 && v->pending & PENDING_DESTROY_MARKED)
                k = strv_extend(&l, "marked for destruction: the kernel frees it at the last "
                                    "detach");
        if (k >= 0 && v->pending & PENDING_SEM_WAITERS)
                k = strv_extendf(&l, "%" PRIu64 " process%s waiting in semop", o->sem_waiters,
                                 o->sem_waiters == 1 ? "" : "es");
        if (k >= 0 && v->pending & PENDING_SEM_UNREADABLE)
                k = strv_extendf(&l, "semaphore details unreadable (%s): waiters unknown",
                                 strerror(o->sem_details_error));
        if (k >= 0 && hide_walked_pids && v->pending & PENDING_MSG_WAITERS && o->n_waiters > 0)
                k = strv_extendf(&l, "%zu thread%s blocked on it", o->n_waiters,
                                 o->n_waiters == 1 ? "" : "s");
        else if (k >= 0 && v->pending & PENDING_MSG_WAITERS && o->n_waiters > 0) {
                char who[256] = "";
                size_t n = 0, shown = 0;
                for (size_t i = 0; i < o->n_waiters && n < sizeof(who) - 64; i++, shown++)
                        n += (size_t) snprintf(who + n, sizeof(who) - n,
                                               "%spid %" PRIi32 " thread %" PRIi32 " in %s",
                                               i ? ", " : "", (int32_t) o->waiters[i].pid,
                                               (int32_t) o->waiters[i].tid,
                                               o->waiters[i].sending ? "msgsnd" : "msgrcv");
                if (o->n_waiters > shown)
                        k = strv_extendf(&l, "blocked on it: %s (and %zu more)", who,
                                         o->n_waiters - shown);
                else
                        k = strv_extendf(&l, "blocked on it: %s", who);
        }
        if (k >= 0 && v->pending & PENDING_MSG_WAITERS_UNKNOWN)
                k = strv_extendf(&l, "a thread that may wait on it cannot be read (%s)",
                                 hide_walked_pids     ? "details for root, AdminGroup and its owner"
                                 : o->waiters_unknown ? o->waiters_unknown
                                                      : "out of memory");
        if (k >= 0 && hide_walked_pids && v->pending & PENDING_FILE_USERS && o->n_users > 0)
                k = strv_extendf(&l, "mapped or open in %zu process%s", o->n_users,
                                 o->n_users == 1 ? "" : "es");
        else if (k >= 0 && v->pending & PENDING_FILE_USERS && o->n_users > 0) {
                char who[256] = "";
                size_t n = 0, shown = 0;
                for (size_t i = 0; i < o->n_users && n < sizeof(who) - 48; i++, shown++)
                        n += (size_t) snprintf(who + n, sizeof(who) - n, "%s%s pid %" PRIi32,
                                               i ? ", " : "",
                                               o->users[i].mapped ? "mapped by" : "open in",
                                               (int32_t) o->users[i].pid);
                if (o->n_users > shown)
                        k = strv_extendf(&l, "%s (and %zu more)", who, o->n_users - shown);
                else
                        k = strv_extend(&l, who);
        }
        if (k >= 0 && v->pending & PENDING_FILE_USERS_UNKNOWN)
                k = strv_extendf(&l, "a process that may map or hold it cannot be read (%s)",
                                 hide_walked_pids   ? "details for root, AdminGroup and its owner"
                                 : o->users_unknown ? o->users_unknown
                                                    : "out of memory");
        if (k >= 0 && v->pending & PENDING_TOO_YOUNG)
                k = strv_extendf(&l, "idle for %s, rule needs %s",
                                 format_timespan(idle, sizeof(idle), ipc_object_idle_sec(o, now)),
                                 format_timespan(need, sizeof(need), r ? r->min_idle_sec : 0));
        if (k >= 0 && v->pending & PENDING_PIDS_ALIVE) {
                char pids[256] = "";
                size_t n = 0, shown = 0, alive = 0;
                for (size_t i = 0; i < o->n_pids; i++) {
                        if (!o->pids[i].alive)
                                continue;
                        alive++;
                        if (n >= sizeof(pids) - 16)
                                continue;
                        n += (size_t) snprintf(pids + n, sizeof(pids) - n, "%s%" PRIi32,
                                               n ? " " : "", (int32_t) o->pids[i].pid);
                        shown++;
                }
                if (alive > shown)
                        k = strv_extendf(&l, "pid %s (and %zu more) alive", pids, alive - shown);
                else
                        k = strv_extendf(&l, "pid %s alive", pids);
        }
        if (k >= 0 && v->pending & PENDING_CREATOR_UNSEEN)
                k = strv_extend(&l, "creator pid unknown (another pid namespace): may be alive");
        if (k >= 0 && v->pending & PENDING_NO_PIDS_OWNER_RUNNING) {
                if (o->cuid != o->uid)
                        k = strv_extendf(&l,
                                         "no pid recorded and uid %" PRIu32 " or %" PRIu32
                                         " has running processes: the creator may be one",
                                         o->uid, o->cuid);
                else
                        k = strv_extendf(&l,
                                         "no pid recorded and uid %" PRIu32
                                         " has running processes: the creator may be one",
                                         o->uid);
        }
        if (k >= 0 && v->pending & PENDING_NO_PIDS_OWNER_UNKNOWN)
                k = strv_extend(&l, "no pid recorded and the owner's processes cannot be told: "
                                    "the creator may be alive");
        if (k >= 0 && v->pending & PENDING_OWNER_PROCESSES)
                k = strv_extendf(&l, "owner uid %" PRIu32 " has running processes", o->uid);
        if (k >= 0 && v->pending & PENDING_OWNER_PROCESSES_UNKNOWN)
                k = strv_extendf(&l,
                                 "cannot tell whether owner uid %" PRIu32 " has running processes",
                                 o->uid);
        if (k >= 0 && v->pending & PENDING_QUARANTINE_UNCOPYABLE)
                k = strv_extend(&l, o->kind == IPC_KIND_POSIX_MQ
                                            ? "Quarantine=yes: a POSIX queue's messages cannot be "
                                              "copied without consuming them, so a non-empty one "
                                              "is kept"
                                            : "Quarantine=yes: its contents cannot be copied "
                                              "(a queue needs MSG_COPY, which this kernel lacks), "
                                              "so it is kept");
        if (k >= 0 && v->pending & PENDING_QUARANTINE_FULL)
                k = strv_extend(&l, "Quarantine=yes: its copy does not fit in the quarantine "
                                    "store (QuarantineMaxBytes, or the disk), so it is kept");
        if (k < 0)
                return k;
        *ret = TAKE_PTR(l);
        return 0;
}
