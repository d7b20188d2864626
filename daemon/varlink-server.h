/* SPDX-License-Identifier: MIT */
/* The Varlink server on sd-event: accepts connections, frames requests, enforces limits
 * (request size, stalls, connection count), dispatches methods and streams replies. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "varlink.h"

/* Timeouts and caps; a client crossing them is dropped, everyone else is still served. */
#define SERVER_CONNECTIONS_MAX    256
#define SERVER_STALL_TIMEOUT_USEC (10 * 1000000ULL) /* mid-request, or not reading replies */
#define SERVER_IDLE_TIMEOUT_USEC  (60 * 1000000ULL) /* connected, nothing asked */
/* Streamed replies are generated only while the pending output is below this. */
#define SERVER_OUTPUT_LOW_WATER (256u * 1024u)

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
