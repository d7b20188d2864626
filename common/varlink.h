/* SPDX-License-Identifier: MIT */
/* Varlink framing shared by the daemon and the client: JSON messages ended by a NUL byte. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define VARLINK_INTERFACE         "io.ipcreap.Reaper"
#define VARLINK_SERVICE_INTERFACE "org.varlink.service"
/* A request (or reply, for the client) larger than this is refused. */
#define VARLINK_MESSAGE_MAX (64u * 1024u)

#define VARLINK_ERROR_NO_SUCH_OBJECT      VARLINK_INTERFACE ".NoSuchObject"
#define VARLINK_ERROR_PERMISSION_DENIED   VARLINK_INTERFACE ".PermissionDenied"
#define VARLINK_ERROR_INVALID_CONFIG      VARLINK_INTERFACE ".InvalidConfig"
#define VARLINK_ERROR_INVALID_PARAMETER   VARLINK_SERVICE_INTERFACE ".InvalidParameter"
#define VARLINK_ERROR_METHOD_NOT_FOUND    VARLINK_SERVICE_INTERFACE ".MethodNotFound"
#define VARLINK_ERROR_INTERFACE_NOT_FOUND VARLINK_SERVICE_INTERFACE ".InterfaceNotFound"

/* Sent instead of serving a new connection that would exceed a quota, before the client
 * asked anything; parameters "scope" ("user": the connections of this uid, "all": the slots
 * open to users other than root and AdminGroup) and "limit" (that quota). */
#define VARLINK_ERROR_TOO_MANY_CONNECTIONS VARLINK_INTERFACE ".TooManyConnections"
/* A query that needs a completed pass, asked before the first one finished (parameter
 * "message"). */
#define VARLINK_ERROR_NOT_READY VARLINK_INTERFACE ".NotReady"

typedef struct VarlinkBuffer {
        char *data;
        size_t size;  /* bytes held */
        size_t start; /* bytes already consumed at the front */
        size_t allocated;
} VarlinkBuffer;

void varlink_buffer_done(VarlinkBuffer *b);
/* Appends n bytes. */
int varlink_buffer_append(VarlinkBuffer *b, const void *data, size_t n);
static inline size_t varlink_buffer_pending(const VarlinkBuffer *b) {
        return b->size - b->start;
}
static inline const char *varlink_buffer_head(const VarlinkBuffer *b) {
        /* NULL + 0 is undefined behaviour: an empty buffer has no data yet. */
        return b->data ? b->data + b->start : "";
}
void varlink_buffer_consume(VarlinkBuffer *b, size_t n);
/* Drops the last n bytes appended. */
void varlink_buffer_truncate_tail(VarlinkBuffer *b, size_t n);
/* Reads what the fd has into b, at most max_pending bytes held in all. Returns bytes read,
 * 0 at EOF, -EAGAIN when nothing is there now (nonblocking) or within the socket's
 * SO_RCVTIMEO (blocking), -ENOBUFS when b is full. Retries on EINTR. */
ssize_t varlink_buffer_fill(VarlinkBuffer *b, int fd, size_t max_pending, bool nonblocking);

/* Looks for one complete message at the head of b. Returns 1 and sets *ret_message (NUL
 * terminated, inside the buffer) and *ret_length (without the NUL); 0 when more bytes are
 * needed; -EMSGSIZE when the pending bytes exceed max without a terminator. Consume the
 * message with varlink_buffer_consume(b, *ret_length + 1). */
int varlink_buffer_message(const VarlinkBuffer *b, size_t max, const char **ret_message,
                           size_t *ret_length);

/* Serializes j compactly and appends it plus the NUL terminator. */
int varlink_buffer_append_json(VarlinkBuffer *b, const json_t *j);

/* Client side: connects to a Unix stream socket at path (blocking, O_CLOEXEC). */
int varlink_connect(const char *path);
/* The same, with every blocking step bounded by timeout_usec (0: none): connect() on a full
 * backlog fails with -ETIMEDOUT, and each later send or recv that waits that long fails with
 * EAGAIN (SO_SNDTIMEO, SO_RCVTIMEO). */
int varlink_connect_timeout(const char *path, uint64_t timeout_usec);
