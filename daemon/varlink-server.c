/* SPDX-License-Identifier: MIT */
/* The Varlink server on sd-event: accepts connections, frames requests, enforces limits
 * (request size and time, stalls, unsent output, connections per uid and in all), dispatches
 * methods and streams replies. */
#include <sys/epoll.h>
#include <sys/socket.h>

#include "log.h"
#include "macro.h"
#include "varlink-server.h"

typedef struct Connection Connection;

struct Call {
        unsigned n_ref;
        Connection *connection; /* NULL once the client is gone */
        bool more, oneway;
        bool answered;
};

struct Connection {
        Server *server;
        Connection *prev, *next;
        int fd;
        sd_event_source *io, *timer;
        VarlinkBuffer in, out;
        struct ucred cred;
        gid_t *groups;
        size_t n_groups;
        bool privileged; /* root or AdminGroup: may take a reserved slot */

        /* CLOCK_MONOTONIC deadline of the request being read (0: none); while we do not read,
         * the time it had left is kept instead, since its client cannot go on meanwhile. */
        uint64_t request_deadline;
        uint64_t request_time_left;
        /* Since when unsent output waits without the client taking any (0: nothing waits). */
        uint64_t output_stalled_since;

        Call *call; /* the request being answered; requests are answered in order */
        StreamFunction stream;
        void *stream_state;
        void (*stream_free)(void *);
        bool close_after_flush;
        bool dispatching; /* inside connection_process(): replies must not recurse into it */
};

struct Server {
        sd_event *event;
        int listen_fd;
        sd_event_source *listen_source;
        const Method *methods;
        void *userdata;
        Connection *connections;
        size_t n_connections;
        size_t n_unprivileged;
        ServerLimits limits;
        Policy *const *admin_policy;

        /* Refusals are logged at most once per stall timeout, with how many there were. */
        uint64_t refusal_logged;
        unsigned refusals_unlogged;
};

static void connection_update(Connection *c);
static void connection_process(Connection *c);
static int connection_write(Connection *c);

size_t server_connections(const Server *s) {
        return s->n_connections;
}

size_t server_buffered_bytes(const Server *s) {
        size_t n = 0;

        for (const Connection *c = s->connections; c; c = c->next)
                n += varlink_buffer_pending(&c->in) + varlink_buffer_pending(&c->out);
        return n;
}

void server_set_limits(Server *s, const ServerLimits *limits) {
        s->limits = *limits;
}

void server_set_admin_policy(Server *s, Policy *const *policy) {
        s->admin_policy = policy;
}

static bool connection_output_full(const Connection *c) {
        return varlink_buffer_pending(&c->out) >= c->server->limits.output_max;
}

static uint64_t server_now(const Server *s) {
        uint64_t now = 0;

        (void) sd_event_now(s->event, CLOCK_MONOTONIC, &now);
        return now;
}

Call *call_ref(Call *c) {
        if (c)
                c->n_ref++;
        return c;
}

Call *call_unref(Call *c) {
        if (c && --c->n_ref == 0)
                free(c);
        return NULL;
}

uid_t call_uid(const Call *c) {
        return c->connection ? c->connection->cred.uid : (uid_t) -1;
}

gid_t call_gid(const Call *c) {
        return c->connection ? c->connection->cred.gid : (gid_t) -1;
}

const gid_t *call_groups(const Call *c) {
        return c->connection ? c->connection->groups : NULL;
}

size_t call_n_groups(const Call *c) {
        return c->connection ? c->connection->n_groups : 0;
}

bool call_wants_more(const Call *c) {
        return c->more;
}

bool call_is_connected(const Call *c) {
        return c->connection;
}

static void connection_stream_done(Connection *c) {
        if (c->stream_free)
                c->stream_free(c->stream_state);
        c->stream = NULL;
        c->stream_state = NULL;
        c->stream_free = NULL;
}

static void connection_free(Connection *c) {
        Server *s = c->server;

        if (c->call) {
                c->call->connection = NULL;
                c->call = call_unref(c->call);
        }
        connection_stream_done(c);
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        if (c->fd >= 0)
                close(c->fd);
        varlink_buffer_done(&c->in);
        varlink_buffer_done(&c->out);
        free(c->groups);
        if (c->prev)
                c->prev->next = c->next;
        else
                s->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->n_connections--;
        if (!c->privileged)
                s->n_unprivileged--;
        free(c);
        /* A slot is free again: take waiting clients from the backlog. */
        if (s->listen_source)
                sd_event_source_set_enabled(s->listen_source, SD_EVENT_ON);
}

/* Ends the current call (its reply is complete in c->out) and moves on to the next request. */
static void connection_finish_call(Connection *c) {
        if (c->call) {
                c->call->answered = true;
                c->call->connection = NULL;
                c->call = call_unref(c->call);
        }
}

static int reply_message(Call *call, const char *error, json_t *parameters, bool continues) {
        Connection *c = call->connection;
        json_t *m;
        int r;

        if (!c || call->answered) {
                json_decref(parameters);
                return 0;
        }
        if (call->oneway) {
                json_decref(parameters);
                if (!continues)
                        connection_finish_call(c);
                return 0;
        }
        m = json_object();
        if (!m) {
                json_decref(parameters);
                return -ENOMEM;
        }
        if (error)
                json_object_set_new(m, "error", json_string(error));
        json_object_set_new(m, "parameters", parameters ? parameters : json_object());
        if (continues)
                json_object_set_new(m, "continues", json_true());
        r = varlink_buffer_append_json(&c->out, m);
        json_decref(m);
        if (r < 0)
                return r;
        if (!continues)
                connection_finish_call(c);
        /* Inside connection_process() the reply goes out (or EPOLLOUT is armed) at its end. */
        if (!c->dispatching)
                connection_update(c);
        return 0;
}

/* A deferred call (Scan) is answered from outside the connection's handler: go on with the
 * client's next request, or hang up if it asked for that. */
static void connection_after_deferred_reply(Connection *c) {
        if (!c || c->dispatching || c->call)
                return;
        connection_process(c);
        /* A request handled just now may have asked to hang up: nothing else will. */
        if (c->close_after_flush && varlink_buffer_pending(&c->out) == 0 && !c->stream)
                connection_free(c);
}

int call_reply(Call *c, json_t *parameters) {
        Connection *conn = c->connection;
        int r = reply_message(c, NULL, parameters, false);
        if (r >= 0)
                connection_after_deferred_reply(conn);
        return r;
}

int call_reply_text(Call *call, const char *parameters_text) {
        Connection *c = call->connection;
        int r;

        if (!c || call->answered)
                return 0;
        if (!call->oneway) {
                r = varlink_buffer_append(&c->out, "{\"parameters\":", 14);
                if (r >= 0)
                        r = varlink_buffer_append(&c->out, parameters_text,
                                                  strlen(parameters_text));
                /* The closing brace and the message's NUL terminator. */
                if (r >= 0)
                        r = varlink_buffer_append(&c->out, "}", 2);
                if (r < 0)
                        return r;
        }
        connection_finish_call(c);
        if (!c->dispatching)
                connection_update(c);
        connection_after_deferred_reply(c);
        return 0;
}

int call_error(Call *c, const char *error, json_t *parameters) {
        Connection *conn = c->connection;
        int r = reply_message(c, error, parameters, false);
        if (r >= 0)
                connection_after_deferred_reply(conn);
        return r;
}

int call_error_invalid_parameter(Call *c, const char *parameter) {
        return call_error(c, VARLINK_ERROR_INVALID_PARAMETER,
                          json_pack("{s:s}", "parameter", parameter));
}

int call_stream(Call *c, StreamFunction fn, void *state, void (*free_state)(void *)) {
        Connection *conn = c->connection;

        if (!conn || c->oneway) {
                if (free_state)
                        free_state(state);
                if (conn)
                        connection_finish_call(conn);
                return 0;
        }
        conn->stream = fn;
        conn->stream_state = state;
        conn->stream_free = free_state;
        if (!conn->dispatching)
                connection_update(conn);
        return 0;
}

static const Method *find_method(const Server *s, const char *name) {
        for (const Method *m = s->methods; m->name; m++)
                if (streq(m->name, name))
                        return m;
        return NULL;
}

static bool known_interface(const Server *s, const char *method) {
        const char *dot = strrchr(method, '.');
        if (!dot)
                return false;
        for (const Method *m = s->methods; m->name; m++)
                if (strncmp(m->name, method, (size_t) (dot - method + 1)) == 0)
                        return true;
        return false;
}

/* Checks parameters against the method's list: unknown names and wrong types are refused
 * with InvalidParameter naming the parameter. */
static const char *check_parameters(const Method *m, json_t *parameters) {
        const char *key;
        json_t *value;

        json_object_foreach(parameters, key, value) {
                const MethodParam *p;
                for (p = m->params; p && p->name; p++)
                        if (streq(p->name, key))
                                break;
                if (!p || !p->name)
                        return key;
                if (json_is_null(value) && !p->required)
                        continue;
                if ((p->type == PARAM_STRING && !json_is_string(value)) ||
                    (p->type == PARAM_INT && !json_is_integer(value)) ||
                    (p->type == PARAM_BOOL && !json_is_boolean(value)))
                        return key;
        }
        for (const MethodParam *p = m->params; p && p->name; p++) {
                json_t *v = json_object_get(parameters, p->name);
                if (p->required && (!v || json_is_null(v)))
                        return p->name;
        }
        return NULL;
}

static void connection_dispatch(Connection *c, const char *message, size_t length) {
        Server *s = c->server;
        json_t *request, *parameters = NULL, *more = NULL, *oneway = NULL;
        const char *method_name = NULL, *bad;
        json_error_t error;
        const Method *m;
        Call *call;
        int r;

        c->call = call = calloc(1, sizeof(Call));
        if (!call) {
                log_oom();
                c->close_after_flush = true;
                return;
        }
        call->n_ref = 1;
        call->connection = c;

        request = json_loadb(message, length, JSON_REJECT_DUPLICATES, &error);
        if (!request ||
            json_unpack(request, "{s:s, s?o, s?o, s?o}", "method", &method_name, "parameters",
                        &parameters, "more", &more, "oneway", &oneway) < 0 ||
            (parameters && !json_is_object(parameters) && !json_is_null(parameters)) ||
            (more && !json_is_boolean(more)) || (oneway && !json_is_boolean(oneway))) {
                /* The stream can no longer be trusted: say why, then hang up. */
                log_debug("Dropping client (pid " PID_FMT "): malformed request: %s", c->cred.pid,
                          request ? "not a Varlink call" : error.text);
                (void) call_error(call, VARLINK_ERROR_INVALID_PARAMETER,
                                  json_pack("{s:s, s:s}", "parameter", "(request)", "message",
                                            request ? "not a Varlink call object" : error.text));
                c->close_after_flush = true;
                json_decref(request);
                return;
        }
        call->more = more && json_is_true(more);
        call->oneway = oneway && json_is_true(oneway);
        if (!parameters || json_is_null(parameters))
                parameters = NULL;

        m = find_method(s, method_name);
        if (!m) {
                if (known_interface(s, method_name))
                        r = call_error(call, VARLINK_ERROR_METHOD_NOT_FOUND,
                                       json_pack("{s:s}", "method", method_name));
                else {
                        const char *dot = strrchr(method_name, '.');
                        int len = dot ? (int) (dot - method_name) : (int) strlen(method_name);
                        r = call_error(call, VARLINK_ERROR_INTERFACE_NOT_FOUND,
                                       json_pack("{s:s%}", "interface", method_name, (size_t) len));
                }
        } else {
                json_t *p = parameters ? json_incref(parameters) : json_object();
                bad = p ? check_parameters(m, p) : NULL;
                if (!p)
                        r = -ENOMEM;
                else if (bad)
                        r = call_error_invalid_parameter(call, bad);
                else
                        r = m->handler(call, p, s->userdata);
                json_decref(p);
        }
        json_decref(request);
        if (r < 0) {
                log_warning_errno(r, "Failed to answer %s, dropping the client: %m", method_name);
                c->close_after_flush = true;
        }
}

/* Frames and dispatches requests while no call is in progress. */
static void connection_process(Connection *c) {
        const char *next_message;
        size_t next_length;

again:
        c->dispatching = true;
        /* Pipelined requests wait while the output is over its cap: a client that asks
         * faster than it reads is throttled to its own reading speed. */
        while (!c->call && !c->close_after_flush && !connection_output_full(c)) {
                const char *message;
                size_t length;
                int r;

                r = varlink_buffer_message(&c->in, VARLINK_MESSAGE_MAX, &message, &length);
                if (r == -EMSGSIZE) {
                        log_warning("Dropping client (pid " PID_FMT ", uid " UID_FMT "): request "
                                    "larger than %u bytes.",
                                    c->cred.pid, c->cred.uid, VARLINK_MESSAGE_MAX);
                        c->close_after_flush = true;
                        varlink_buffer_consume(&c->in, varlink_buffer_pending(&c->in));
                        break;
                }
                if (r <= 0)
                        break;
                /* Copy out: the handler may append to buffers that move c->in's memory. */
                _cleanup_free_ char *copy = strndup(message, length);
                varlink_buffer_consume(&c->in, length + 1);
                /* Complete: the next request's clock starts when we wait for it. */
                c->request_deadline = c->request_time_left = 0;
                if (!copy) {
                        log_oom();
                        c->close_after_flush = true;
                        break;
                }
                connection_dispatch(c, copy, length);
        }
        c->dispatching = false;
        /* Answer at once: a reply usually fits in the socket buffer, and writing it now saves
         * arming EPOLLOUT, a trip through the event loop and disarming it again. */
        if (varlink_buffer_pending(&c->out) > 0 && connection_write(c) < 0) {
                varlink_buffer_consume(&c->out, varlink_buffer_pending(&c->out));
                connection_stream_done(c);
                c->close_after_flush = true;
        }
        /* The write may have ended a streamed reply: go on with pipelined requests. */
        if (!c->call && !c->close_after_flush && !connection_output_full(c) &&
            varlink_buffer_message(&c->in, VARLINK_MESSAGE_MAX, &next_message, &next_length) > 0)
                goto again;
        connection_update(c);
}

/* The request deadline runs only while we read: a request we stopped reading (a call in
 * progress, output over its cap) cannot be completed by its client meanwhile. */
static void connection_update_request_clock(Connection *c, bool reading, uint64_t now) {
        if (varlink_buffer_pending(&c->in) == 0) {
                c->request_deadline = c->request_time_left = 0;
                return;
        }
        if (reading) {
                if (c->request_deadline == 0)
                        c->request_deadline =
                                now + (c->request_time_left > 0
                                               ? c->request_time_left
                                               : c->server->limits.request_timeout_usec);
                c->request_time_left = 0;
        } else if (c->request_deadline > 0) {
                c->request_time_left = c->request_deadline > now ? c->request_deadline - now : 1;
                c->request_deadline = 0;
        }
}

/* Arms the io events and the timer for what the connection is waiting for. */
static void connection_update(Connection *c) {
        const ServerLimits *limits = &c->server->limits;
        uint32_t events = 0;
        uint64_t now, deadline;

        if (!c->io)
                return;
        if (varlink_buffer_pending(&c->out) > 0 || c->stream)
                events |= EPOLLOUT;
        /* Over the output cap the connection is not read either: its requests wait in the
         * socket (the client's send blocks), not in our memory. */
        if (!c->call && !c->close_after_flush && !connection_output_full(c))
                events |= EPOLLIN;
        (void) sd_event_source_set_io_events(c->io, events);

        now = server_now(c->server);
        connection_update_request_clock(c, events & EPOLLIN, now);

        if (events & EPOLLOUT) {
                /* Only the client taking output restarts this clock (connection_write()):
                 * bytes it sends meanwhile do not. */
                if (c->output_stalled_since == 0)
                        c->output_stalled_since = now;
                deadline = c->output_stalled_since + limits->stall_timeout_usec;
        } else {
                c->output_stalled_since = 0;
                if (c->call)
                        deadline = 0; /* waiting for us (a deferred Scan): no deadline */
                else if (varlink_buffer_pending(&c->in) > 0)
                        deadline = now + limits->stall_timeout_usec; /* silence mid-request */
                else
                        deadline = now + limits->idle_timeout_usec;
        }
        /* However the bytes trickle in, a request has its absolute deadline. */
        if (c->request_deadline > 0 && (deadline == 0 || c->request_deadline < deadline))
                deadline = c->request_deadline;

        if (deadline == 0)
                (void) sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        else {
                (void) sd_event_source_set_time(c->timer, deadline);
                (void) sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        }
}

static int connection_write(Connection *c) {
        for (;;) {
                size_t pending = varlink_buffer_pending(&c->out);
                ssize_t l;

                if (pending < c->server->limits.output_max && c->stream) {
                        int r = c->stream(&c->out, c->stream_state);
                        if (r < 0)
                                return r;
                        if (r == 0) {
                                connection_stream_done(c);
                                connection_finish_call(c);
                        }
                        continue;
                }
                if (pending == 0)
                        return 0;
                l = send(c->fd, varlink_buffer_head(&c->out), pending, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (l < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                varlink_buffer_consume(&c->out, (size_t) l);
                c->output_stalled_since = 0; /* the client takes its replies */
        }
}

static int connection_on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Connection *c = userdata;
        int r;

        if (revents & EPOLLOUT) {
                r = connection_write(c);
                if (r < 0) {
                        log_debug_errno(r, "Dropping client (pid " PID_FMT "): write failed: %m",
                                        c->cred.pid);
                        connection_free(c);
                        return 0;
                }
                /* A stream that just ended frees the connection for requests already read. */
                if (!c->call && !c->close_after_flush && varlink_buffer_pending(&c->in) > 0)
                        connection_process(c);
        }
        if (revents & EPOLLIN && !c->call && !c->close_after_flush && !connection_output_full(c)) {
                ssize_t l = varlink_buffer_fill(&c->in, c->fd, VARLINK_MESSAGE_MAX + 1, true);
                if (l == 0 || (l < 0 && l != -EAGAIN && l != -ENOBUFS)) {
                        connection_free(c); /* EOF or error: the client is gone. */
                        return 0;
                }
                connection_process(c);
        } else if (revents & (EPOLLHUP | EPOLLERR)) {
                /* The client is gone for good, even mid-call: nothing can reach it any more
                 * (and epoll would report the hangup again and again). */
                connection_free(c);
                return 0;
        }

        if (c->close_after_flush && varlink_buffer_pending(&c->out) == 0 && !c->stream) {
                connection_free(c);
                return 0;
        }
        connection_update(c);
        return 0;
}

static int connection_on_timeout(sd_event_source *source, uint64_t usec, void *userdata) {
        Connection *c = userdata;
        const char *why;

        if (varlink_buffer_pending(&c->out) > 0 || c->stream)
                why = "not reading its replies";
        else if (c->request_deadline > 0 && usec >= c->request_deadline)
                why = "request not complete in time";
        else if (varlink_buffer_pending(&c->in) > 0)
                why = "stalled mid-request";
        else
                why = "idle";
        log_info("Dropping client (pid " PID_FMT ", uid " UID_FMT "): %s.", c->cred.pid,
                 c->cred.uid, why);
        connection_free(c);
        return 0;
}

static void read_peer_groups(Connection *c) {
        socklen_t len = 0;

        /* SO_PEERGROUPS reports the supplementary groups the peer had at connect time. */
        if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) < 0 && errno != ERANGE)
                return;
        if (len == 0)
                return;
        c->groups = malloc(len);
        if (!c->groups)
                return;
        if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, c->groups, &len) < 0) {
                c->groups = (free(c->groups), NULL);
                return;
        }
        c->n_groups = len / sizeof(gid_t);
}

static bool connection_is_privileged(const Server *s, const Connection *c) {
        if (c->cred.uid == 0)
                return true;
        return s->admin_policy && *s->admin_policy &&
               policy_is_admin(&(*s->admin_policy)->daemon, c->cred.uid, c->cred.gid, c->groups,
                               c->n_groups);
}

/* Which quota a new connection would exceed: NULL if none, else its scope (and *ret_limit). */
static const char *server_quota_exceeded(const Server *s, const Connection *c, size_t *ret_limit) {
        size_t same_uid = 0;

        if (c->cred.uid == 0)
                return NULL;
        for (const Connection *i = s->connections; i; i = i->next)
                if (i->cred.uid == c->cred.uid)
                        same_uid++;
        if (same_uid >= s->limits.connections_per_uid_max) {
                *ret_limit = s->limits.connections_per_uid_max;
                return "user";
        }
        if (!c->privileged &&
            s->n_unprivileged + s->limits.connections_reserved >= s->limits.connections_max) {
                *ret_limit = s->limits.connections_max -
                             MIN(s->limits.connections_reserved, s->limits.connections_max);
                return "all";
        }
        return NULL;
}

/* Says why before hanging up, so that the client can tell its user; best effort: a fresh
 * socket's buffer takes this small message whole, and the client reads it even after we
 * closed. */
static void connection_refuse(Server *s, Connection *c, const char *scope, size_t limit) {
        VarlinkBuffer out = { 0 };
        uint64_t now = server_now(s);
        json_t *m;

        m = json_pack("{s:s, s:{s:s, s:I}}", "error", VARLINK_ERROR_TOO_MANY_CONNECTIONS,
                      "parameters", "scope", scope, "limit", (json_int_t) limit);
        if (m && varlink_buffer_append_json(&out, m) >= 0)
                (void) send(c->fd, varlink_buffer_head(&out), varlink_buffer_pending(&out),
                            MSG_DONTWAIT | MSG_NOSIGNAL);
        json_decref(m);
        varlink_buffer_done(&out);

        /* A flood of refusals must not flood the log. */
        s->refusals_unlogged++;
        if (s->refusal_logged == 0 || now >= s->refusal_logged + s->limits.stall_timeout_usec) {
                log_warning("Refusing connections (last: pid " PID_FMT ", uid " UID_FMT "): %s "
                            "(limit %zu); %u refused since the last such message.",
                            c->cred.pid, c->cred.uid,
                            streq(scope, "user") ? "too many connections of this uid"
                                                 : "the slots open to users are taken",
                            limit, s->refusals_unlogged);
                s->refusal_logged = now;
                s->refusals_unlogged = 0;
        }
        close(c->fd);
        free(c->groups);
        free(c);
}

static int server_on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Server *s = userdata;

        while (s->n_connections < s->limits.connections_max) {
                socklen_t len = sizeof(struct ucred);
                const char *scope;
                size_t limit = 0;
                Connection *c;
                int cfd, r;

                cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_warning_errno(errno, "Failed to accept a client: %m");
                        return 0;
                }
                c = calloc(1, sizeof(Connection));
                if (!c) {
                        close(cfd);
                        return log_oom(), 0;
                }
                c->server = s;
                c->fd = cfd;
                /* Without credentials nobody is authorized for anything but reading. */
                if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) < 0)
                        c->cred = (struct ucred){ .pid = 0, .uid = (uid_t) -1, .gid = (gid_t) -1 };
                read_peer_groups(c);
                c->privileged = connection_is_privileged(s, c);

                scope = server_quota_exceeded(s, c, &limit);
                if (scope) {
                        connection_refuse(s, c, scope, limit);
                        continue;
                }

                c->next = s->connections;
                if (c->next)
                        c->next->prev = c;
                s->connections = c;
                s->n_connections++;
                if (!c->privileged)
                        s->n_unprivileged++;

                r = sd_event_add_io(s->event, &c->io, cfd, EPOLLIN, connection_on_io, c);
                if (r >= 0)
                        r = sd_event_add_time_relative(s->event, &c->timer, CLOCK_MONOTONIC,
                                                       s->limits.idle_timeout_usec, 0,
                                                       connection_on_timeout, c);
                if (r < 0) {
                        log_warning_errno(r, "Failed to watch a client: %m");
                        connection_free(c);
                        continue;
                }
                connection_update(c);
        }
        /* At the cap: leave the rest in the listen backlog until a slot frees up. */
        log_debug("%zu connections open, not accepting more for now.", s->limits.connections_max);
        return sd_event_source_set_enabled(s->listen_source, SD_EVENT_OFF);
}

int server_new(sd_event *event, int listen_fd, const Method *methods, void *userdata,
               Server **ret) {
        Server *s = calloc(1, sizeof(Server));
        int r;

        if (!s)
                return -ENOMEM;
        *s = (Server){ .event = sd_event_ref(event),
                       .listen_fd = listen_fd,
                       .methods = methods,
                       .userdata = userdata,
                       .limits = SERVER_LIMITS_DEFAULT };
        r = sd_event_add_io(event, &s->listen_source, listen_fd, EPOLLIN, server_on_accept, s);
        if (r < 0) {
                server_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

Server *server_free(Server *s) {
        if (!s)
                return NULL;
        while (s->connections)
                connection_free(s->connections);
        s->listen_source = sd_event_source_disable_unref(s->listen_source);
        if (s->listen_fd >= 0)
                close(s->listen_fd);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}
