/* The restore benchmark's client (bench/quarantine.sh): reads quarantine ids from stdin, one a
 * line, then on one Varlink connection calls io.ipcreap.Reaper.Restore for each in turn, the
 * next as soon as the previous reply is in: the daemon's restores back to back, with nothing
 * of a client process's start in between. Prints one line: restored, errors, seconds.
 *
 *   restore-loop SOCKET < QIDS */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench-util.h"

static char reply[65536];

/* One call: the request and its NUL, then the reply up to its NUL. 1 if it is an error. */
static int call(int fd, const char *qid) {
        char request[256];
        size_t length, n = 0;
        int l;

        l = snprintf(request, sizeof(request),
                     "{\"method\":\"io.ipcreap.Reaper.Restore\",\"parameters\":"
                     "{\"quarantineId\":\"%s\"}}",
                     qid);
        if (l < 0 || (size_t) l >= sizeof(request))
                return -EINVAL;
        length = (size_t) l + 1;
        for (size_t sent = 0; sent < length;) {
                ssize_t s = send(fd, request + sent, length - sent, MSG_NOSIGNAL);
                if (s < 0 && errno == EINTR)
                        continue;
                if (s < 0)
                        return -errno;
                sent += (size_t) s;
        }
        for (;;) {
                ssize_t r = recv(fd, reply + n, sizeof(reply) - 1 - n, 0);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return r < 0 ? -errno : -ECONNRESET;
                n += (size_t) r;
                if (memchr(reply + n - (size_t) r, 0, (size_t) r))
                        break;
                if (n == sizeof(reply) - 1)
                        return -EMSGSIZE;
        }
        if (strstr(reply, "\"error\"")) {
                fprintf(stderr, "restore-loop: %s: %s\n", qid, reply);
                return 1;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char **qids = NULL, *line = NULL;
        size_t n = 0, allocated = 0, size = 0;
        long errors = 0;
        double start;
        int fd;

        if (argc != 2) {
                fprintf(stderr, "usage: restore-loop SOCKET < QIDS\n");
                return 2;
        }
        while (getline(&line, &size, stdin) > 0) {
                line[strcspn(line, "\n")] = 0;
                if (!line[0])
                        continue;
                if (n == allocated) {
                        char **more;
                        allocated = allocated ? allocated * 2 : 1024;
                        more = realloc(qids, allocated * sizeof(char *));
                        if (!more)
                                return 1;
                        qids = more;
                }
                if (!(qids[n++] = strdup(line)))
                        return 1;
        }
        strncpy(sa.sun_path, argv[1], sizeof(sa.sun_path) - 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("restore-loop: connect");
                return 1;
        }
        start = now_ms();
        for (size_t i = 0; i < n; i++) {
                int r = call(fd, qids[i]);
                if (r < 0) {
                        fprintf(stderr, "restore-loop: %s: %s\n", qids[i], strerror(-r));
                        return 1;
                }
                errors += r;
        }
        printf("restored=%zu errors=%ld seconds=%.3f\n", n - (size_t) errors, errors,
               (now_ms() - start) / 1e3);
        for (size_t i = 0; i < n; i++)
                free(qids[i]);
        free(qids);
        free(line);
        close(fd);
        return errors ? 1 : 0;
}
