/* SPDX-License-Identifier: MIT */
/* The Varlink server on sd-event: accepts connections, frames requests, enforces limits
 * (request size, stalls, connection count), dispatches methods and streams replies. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "policy.h"
#include "varlink.h"

/* Timeouts and caps; a client crossing them is dropped (or refused), everyone else is still
 * served. The socket is 0666: every limit assumes a hostile local user on the other end. */
#define SERVER_CONNECTIONS_MAX 256
/* Slots of SERVER_CONNECTIONS_MAX only root and AdminGroup may take: however many other users
 * connect, an administrator still gets in. */
#define SERVER_CONNECTIONS_RESERVED 16
/* Connections one uid may hold at once (root is exempt), as dbus-broker's per-user quotas:
 * one user cannot take every slot open to users. */
#define SERVER_CONNECTIONS_PER_UID_MAX 32
/* Mid-request silence, or not reading replies: this long without progress drops the client. */
#define SERVER_STALL_TIMEOUT_USEC (10 * 1000000ULL)
/* From the first byte of a request to its terminating NUL, however slowly the bytes trickle
 * in: a byte now and then must not hold a slot forever. */
#define SERVER_REQUEST_TIMEOUT_USEC (10 * 1000000ULL)
#define SERVER_IDLE_TIMEOUT_USEC    (60 * 1000000ULL) /* connected, nothing asked */
/* More output (a stream's next replies, the answer to the next pipelined request) is made
 * only while the unsent output is below this; above it the connection is not read either.
 * A connection thus holds at most one request (VARLINK_MESSAGE_MAX) in, and this plus one
 * reply out. */
#define SERVER_OUTPUT_MAX (256u * 1024u)

typedef struct ServerLimits {
        size_t connections_max;
        size_t connections_reserved;
        size_t connections_per_uid_max;
        size_t output_max;
        uint64_t stall_timeout_usec;
        uint64_t request_timeout_usec;
        uint64_t idle_timeout_usec;
} ServerLimits;

#define SERVER_LIMITS_DEFAULT                                                       \
        ((ServerLimits){ .connections_max = SERVER_CONNECTIONS_MAX,                 \
                         .connections_reserved = SERVER_CONNECTIONS_RESERVED,       \
                         .connections_per_uid_max = SERVER_CONNECTIONS_PER_UID_MAX, \
                         .output_max = SERVER_OUTPUT_MAX,                           \
                         .stall_timeout_usec = SERVER_STALL_TIMEOUT_USEC,           \
                         .request_timeout_usec = SERVER_REQUEST_TIMEOUT_USEC,       \
                         .idle_timeout_usec = SERVER_IDLE_TIMEOUT_USEC })

typedef struct Server Server;
typedef struct Call Call;

typedef enum ParamType { PARAM_STRING, PARAM_INT, PARAM_BOOL } ParamType;

typedef struct MethodParam {
        const char *name;
        ParamType type;
        bool required;
} MethodParam;

/* Returns 0 when the call was answered or kept for later (call_ref), negative on failure
 * (the server then logs it and drops the client, which sees the connection close). */
typedef int (*MethodHandler)(Call *call, json_t *parameters, void *userdata);

typedef struct Method {
        const char *name; /* fully qualified: "io.ipcreap.Reaper.List" */
        MethodHandler handler;
        const MethodParam *params; /* terminated by { NULL } */
} Method;

/* Writes more of a streamed reply into out. Returns 1 while more is to come, 0 when the
 * whole reply is in out, negative on failure. */
typedef int (*StreamFunction)(VarlinkBuffer *out, void *state);

int server_new(sd_event *event, int listen_fd, const Method *methods, void *userdata, Server **ret);
Server *server_free(Server *s);
size_t server_connections(const Server *s);
/* Bytes held in connection buffers (requests read, replies not yet sent), all clients. */
size_t server_buffered_bytes(const Server *s);
/* Replaces the limits (tests shorten the timeouts); the defaults are SERVER_LIMITS_DEFAULT.
 * Applies to connections accepted from now on, and to timers armed from now on. */
void server_set_limits(Server *s, const ServerLimits *limits);
/* Whose connections may take the reserved slots: root always; with this, also members of
 * (*policy)->daemon's AdminGroup, read at each accept so that a reload applies. */
void server_set_admin_policy(Server *s, Policy *const *policy);

Call *call_ref(Call *c);
Call *call_unref(Call *c);
uid_t call_uid(const Call *c);
/* The caller's credentials from SO_PEERCRED and SO_PEERGROUPS; -1 once disconnected. */
gid_t call_gid(const Call *c);
const gid_t *call_groups(const Call *c);
size_t call_n_groups(const Call *c);
bool call_wants_more(const Call *c);
/* False once the client went away; replies are then dropped. */
bool call_is_connected(const Call *c);

/* Each takes the reference to parameters (may be NULL for an empty object). */
int call_reply(Call *c, json_t *parameters);
/* Replies with parameters already serialized as a JSON object (a cached reply). */
int call_reply_text(Call *c, const char *parameters_text);
int call_error(Call *c, const char *error, json_t *parameters);
int call_error_invalid_parameter(Call *c, const char *parameter);
/* Hands the rest of the reply to fn; free_state(state) runs when done or disconnected. */
int call_stream(Call *c, StreamFunction fn, void *state, void (*free_state)(void *));
