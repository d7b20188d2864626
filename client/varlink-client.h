/* SPDX-License-Identifier: MIT */
/* Calls one Varlink method on the daemon's socket and hands each reply to a callback. */
#pragma once

#include <stdbool.h>

#include <jansson.h>

/* Called once per reply (several with more); returns negative to stop. */
typedef int (*ReplyCallback)(json_t *parameters, void *userdata);

typedef struct VarlinkError {
        char *name;         /* the error's qualified name */
        json_t *parameters; /* its parameters */
} VarlinkError;

void varlink_error_done(VarlinkError *e);

/* Sends method(parameters) on fd (parameters are taken, may be NULL) and reads replies
 * until the last. Returns 0 on success, 1 when the daemon answered with an error (in
 * *ret_error), negative errno when the connection failed: -ETIMEDOUT when the socket's
 * SO_RCVTIMEO or SO_SNDTIMEO (varlink_connect_timeout()) passed with no progress. */
int varlink_client_call(int fd, const char *method, json_t *parameters, bool more,
                        ReplyCallback callback, void *userdata, VarlinkError *ret_error);
