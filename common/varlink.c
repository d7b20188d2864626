/* SPDX-License-Identifier: MIT */
/* Varlink framing shared by the daemon and the client: JSON messages ended by a NUL byte. */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "macro.h"
#include "varlink.h"

void varlink_buffer_done(VarlinkBuffer *b) {
        free(b->data);
        *b = (VarlinkBuffer){ 0 };
}

static int buffer_reserve(VarlinkBuffer *b, size_t n) {
        /* Drops consumed bytes before growing, so a long-lived connection stays small. */
        if (b->start > 0 && b->size + n + 1 > b->allocated) {
                memmove(b->data, b->data + b->start, b->size - b->start);
                b->size -= b->start;
                b->start = 0;
        }
        if (b->size + n + 1 > b->allocated) {
                size_t want = MAX(b->size + n + 1, b->allocated * 2);
                char *p = realloc(b->data, want);
                if (!p)
                        return -ENOMEM;
                b->data = p;
                b->allocated = want;
        }
        return 0;
}

int varlink_buffer_append(VarlinkBuffer *b, const void *data, size_t n) {
        int r = buffer_reserve(b, n);
        if (r < 0)
                return r;
        memcpy(b->data + b->size, data, n);
        b->size += n;
        b->data[b->size] = 0;
        return 0;
}

void varlink_buffer_consume(VarlinkBuffer *b, size_t n) {
        b->start += MIN(n, b->size - b->start);
        if (b->start == b->size)
                b->start = b->size = 0;
}

void varlink_buffer_truncate_tail(VarlinkBuffer *b, size_t n) {
        b->size -= MIN(n, b->size - b->start);
        if (b->data)
                b->data[b->size] = 0;
}

ssize_t varlink_buffer_fill(VarlinkBuffer *b, int fd, size_t max_pending, bool nonblocking) {
        size_t room, pending = varlink_buffer_pending(b);
        ssize_t l;
        int r;

        if (pending >= max_pending)
                return -ENOBUFS;
        room = MIN(max_pending - pending, (size_t) 65536);
        r = buffer_reserve(b, room);
        if (r < 0)
                return r;
        do
                l = recv(fd, b->data + b->size, room, nonblocking ? MSG_DONTWAIT : 0);
        while (l < 0 && errno == EINTR);
        if (l < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
        b->size += (size_t) l;
        b->data[b->size] = 0;
        return l;
}

int varlink_buffer_message(const VarlinkBuffer *b, size_t max, const char **ret_message,
                           size_t *ret_length) {
        size_t pending = varlink_buffer_pending(b);
        const char *head = varlink_buffer_head(b);
        const char *nul = pending > 0 ? memchr(head, 0, pending) : NULL;

        if (!nul)
                return pending > max ? -EMSGSIZE : 0;
        if ((size_t) (nul - head) > max)
                return -EMSGSIZE;
        *ret_message = head;
        *ret_length = (size_t) (nul - head);
        return 1;
}

static int dump_callback(const char *buffer, size_t size, void *data) {
        return varlink_buffer_append(data, buffer, size) < 0 ? -1 : 0;
}

int varlink_buffer_append_json(VarlinkBuffer *b, const json_t *j) {
        if (json_dump_callback(j, dump_callback, b, JSON_COMPACT) < 0)
                return -ENOMEM;
        return varlink_buffer_append(b, "", 1);
}

int varlink_connect_timeout(const char *path, uint64_t timeout_usec) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (timeout_usec > 0) {
                struct timeval tv = { .tv_sec = (time_t) (timeout_usec / 1000000),
                                      .tv_usec = (suseconds_t) (timeout_usec % 1000000) };
                /* SO_SNDTIMEO also bounds connect() on a full listen backlog (then EAGAIN). */
                if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                        return -errno;
        }
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return errno == EAGAIN && timeout_usec > 0 ? -ETIMEDOUT : -errno;
        return TAKE_FD(fd);
}

int varlink_connect(const char *path) {
        return varlink_connect_timeout(path, 0);
}
