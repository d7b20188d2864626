/* SPDX-License-Identifier: MIT */
/* Test helper: talks to a Varlink socket the way good and bad clients do.
 *
 *   varlink-probe call SOCKET JSON     sends JSON + NUL, prints each reply on a line until
 *                                      one without "continues"
 *   varlink-probe raw SOCKET TEXT      sends TEXT + NUL as is; prints what comes back until
 *                                      the server closes (exit 0) or 5 s pass (exit 1)
 *   varlink-probe oversize SOCKET N    sends N bytes of a never-ending string; exit 0 if the
 *                                      server closes the connection within 5 s
 *   varlink-probe stall SOCKET         sends half a request, then nothing; prints how many
 *                                      seconds until the server closed it (exit 1 after 30 s)
 *   varlink-probe many SOCKET N        N connections at once, each asks GetStatus; exit 0 if
 *                                      all N get a reply */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int connect_to(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
                perror("socket");
                exit(2);
        }
        strcpy(sa.sun_path, path);
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("connect");
                exit(2);
        }
        return fd;
}

static int send_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t l = send(fd, p, n, MSG_NOSIGNAL);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += l;
                n -= (size_t) l;
        }
        return 0;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Reads until EOF or timeout, printing messages one per line. Returns 1 on EOF, 0 on
 * timeout, and with stop_at_last, 2 after a reply without "continues". */
static int read_replies(int fd, double timeout, int stop_at_last) {
        char buf[65536], *msg = NULL;
        size_t len = 0;
        double end = now() + timeout;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int ms = (int) ((end - now()) * 1000);
                ssize_t l;

                if (ms <= 0 || poll(&p, 1, ms) <= 0) {
                        free(msg);
                        return 0;
                }
                l = recv(fd, buf, sizeof(buf), 0);
                if (l <= 0) {
                        free(msg);
                        return 1;
                }
                for (ssize_t i = 0; i < l; i++) {
                        if (buf[i] != 0) {
                                msg = realloc(msg, len + 2);
                                msg[len++] = buf[i];
                                continue;
                        }
                        msg = realloc(msg, len + 1);
                        msg[len] = 0;
                        printf("%s\n", msg);
                        fflush(stdout);
                        int last = !strstr(msg, "\"continues\":true");
                        len = 0;
                        if (stop_at_last && last) {
                                free(msg);
                                return 2;
                        }
                }
        }
}

int main(int argc, char *argv[]) {
        int fd;

        if (argc < 3) {
                fprintf(stderr, "usage: varlink-probe call|raw|oversize|stall|many SOCKET ...\n");
                return 2;
        }
        if (strcmp(argv[1], "call") == 0 && argc == 4) {
                fd = connect_to(argv[2]);
                if (send_all(fd, argv[3], strlen(argv[3]) + 1) < 0)
                        return 1;
                return read_replies(fd, 10, 1) == 2 ? 0 : 1;
        }
        if (strcmp(argv[1], "raw") == 0 && argc == 4) {
                fd = connect_to(argv[2]);
                if (send_all(fd, argv[3], strlen(argv[3]) + 1) < 0)
                        return 1;
                return read_replies(fd, 5, 0) == 1 ? 0 : 1;
        }
        if (strcmp(argv[1], "oversize") == 0 && argc == 4) {
                size_t n = strtoul(argv[3], NULL, 0);
                char *big = malloc(n);
                fd = connect_to(argv[2]);
                memset(big, 'x', n);
                memcpy(big, "{\"method\":\"", 11);
                /* The server may hang up before taking it all: that is the expected end. */
                (void) send_all(fd, big, n);
                free(big);
                return read_replies(fd, 5, 0) == 1 ? 0 : 1;
        }
        if (strcmp(argv[1], "stall") == 0) {
                const char *half = "{\"method\":\"io.ipcreap.Reaper.GetSt";
                double start = now();
                fd = connect_to(argv[2]);
                if (send_all(fd, half, strlen(half)) < 0)
                        return 1;
                if (read_replies(fd, 30, 0) != 1)
                        return 1;
                printf("%.1f\n", now() - start);
                return 0;
        }
        if (strcmp(argv[1], "many") == 0 && argc == 4) {
                const char *req = "{\"method\":\"io.ipcreap.Reaper.GetStatus\"}";
                int n = atoi(argv[3]), answered = 0, open_fds = n;
                struct pollfd *p = calloc((size_t) n, sizeof(struct pollfd));
                char **reply = calloc((size_t) n, sizeof(char *));
                size_t *len = calloc((size_t) n, sizeof(size_t));
                double end;

                /* All connect and ask before any reply is read: truly at once. */
                for (int i = 0; i < n; i++) {
                        p[i].fd = connect_to(argv[2]);
                        p[i].events = POLLIN;
                        if (send_all(p[i].fd, req, strlen(req) + 1) < 0)
                                return 1;
                }
                end = now() + 20;
                while (open_fds > 0 && now() < end) {
                        if (poll(p, (nfds_t) n, 1000) <= 0)
                                continue;
                        for (int i = 0; i < n; i++) {
                                char buf[65536];
                                ssize_t l;
                                if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
                                        continue;
                                l = recv(p[i].fd, buf, sizeof(buf), 0);
                                if (l > 0) {
                                        reply[i] = realloc(reply[i], len[i] + (size_t) l + 1);
                                        memcpy(reply[i] + len[i], buf, (size_t) l);
                                        len[i] += (size_t) l;
                                        reply[i][len[i]] = 0;
                                        if (!memchr(buf, 0, (size_t) l))
                                                continue; /* the reply goes on */
                                        if (strstr(reply[i], "\"version\""))
                                                answered++;
                                }
                                close(p[i].fd);
                                p[i].fd = -1;
                                open_fds--;
                        }
                }
                printf("%d of %d answered\n", answered, n);
                return answered == n ? 0 : 1;
        }
        fprintf(stderr, "varlink-probe: bad arguments\n");
        return 2;
}
