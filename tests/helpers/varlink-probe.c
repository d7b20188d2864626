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
 *                                      all N get a reply
 *   varlink-probe pipeline SOCKET N SECONDS
 *                                      an attacker: pipelines up to N requests (History,
 *                                      GetStatus, GetInterfaceDescription, Metrics); never reads
 *                                      a reply; prints how many went out and when the server
 *                                      hung up, after SECONDS at most
 *   varlink-probe drip SOCKET N INTERVAL SECONDS
 *                                      an attacker: keeps N connections, each sending one byte
 *                                      of a never-ending request every INTERVAL seconds, and
 *                                      reconnects those dropped; prints counts and the longest
 *                                      life of a dropped connection
 *   varlink-probe hold SOCKET N SECONDS
 *                                      opens N idle connections, prints how many the server
 *                                      refused (TooManyConnections) and holds the rest
 *   varlink-probe mute SOCKET SECONDS  listens on SOCKET and never answers */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <fcntl.h>
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

/* Connects, or returns -1 (the backlog is full, or the server is gone). */
static int try_connect(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
                return -1;
        strcpy(sa.sun_path, path);
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Whether the server refused fd over a quota: its TooManyConnections error is waiting. */
static int refused(int fd) {
        char buf[512];
        ssize_t l = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_PEEK);

        if (l <= 0)
                return 0;
        buf[l] = 0;
        return strstr(buf, "TooManyConnections") != NULL;
}

static int pipeline(const char *path, long n, double seconds) {
        /* Each answered whole at once (List streams, and a stream held back the next
         * request even before the output cap). */
        static const char *const requests[] = {
                "{\"method\":\"io.ipcreap.Reaper.History\"}",
                "{\"method\":\"io.ipcreap.Reaper.GetStatus\"}",
                ("{\"method\":\"org.varlink.service.GetInterfaceDescription\","
                 "\"parameters\":{\"interface\":\"io.ipcreap.Reaper\"}}"),
                "{\"method\":\"io.ipcreap.Reaper.Metrics\"}",
        };
        double start = now(), end = start + seconds, hangup = -1;
        long sent = 0;
        size_t offset = 0;
        int fd = connect_to(path);

        while (now() < end) {
                const char *r = requests[sent % 4];
                size_t len = strlen(r) + 1;
                struct pollfd p = { .fd = fd, .events = sent < n ? POLLOUT : 0 };
                ssize_t l;

                /* The server hanging up shows as POLLHUP even though we never read. */
                if (poll(&p, 1, 100) < 0)
                        break;
                if (p.revents & (POLLHUP | POLLERR)) {
                        hangup = now() - start;
                        break;
                }
                if (!(p.revents & POLLOUT))
                        continue;
                l = send(fd, r + offset, len - offset, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (l < 0) {
                        if (errno == EAGAIN)
                                continue;
                        hangup = now() - start;
                        break;
                }
                offset += (size_t) l;
                if (offset == len) {
                        offset = 0;
                        sent++;
                }
        }
        printf("sent %ld requests, server hung up after %.1f s\n", sent, hangup);
        return 0;
}

typedef struct Dripper {
        int fd;
        double since, next;
        size_t sent;
} Dripper;

static int drip(const char *path, int n, double interval, double seconds) {
        static const char request[] = "{\"method\":\"io.ipcreap.Reaper.GetStatus\",\"parameters\":"
                                      "{\"padding\":\"";
        Dripper *d = calloc((size_t) n, sizeof(Dripper));
        double start = now(), end = start + seconds, longest = 0;
        long connected = 0, refusals = 0, drops = 0, failed = 0;
        int open_now, most = 0;

        for (int i = 0; i < n; i++)
                d[i].fd = -1;
        while (now() < end) {
                double t = now();

                open_now = 0;
                for (int i = 0; i < n; i++) {
                        Dripper *x = &d[i];
                        ssize_t l;
                        char byte;

                        if (x->fd < 0) {
                                x->fd = try_connect(path);
                                if (x->fd < 0) {
                                        failed++;
                                        continue;
                                }
                                connected++;
                                *x = (Dripper){ .fd = x->fd, .since = t, .next = t };
                        }
                        if (refused(x->fd)) {
                                refusals++;
                                close(x->fd);
                                x->fd = -1;
                                continue;
                        }
                        /* Dropped: EOF (or a reset) where a refusal would have said why. */
                        l = recv(x->fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
                        if (l == 0 || (l < 0 && errno != EAGAIN)) {
                                drops++;
                                if (x->sent > 0 && t - x->since > longest)
                                        longest = t - x->since;
                                close(x->fd);
                                x->fd = -1;
                                continue;
                        }
                        open_now++;
                        if (t < x->next)
                                continue;
                        byte = x->sent < sizeof(request) - 1 ? request[x->sent] : 'x';
                        if (send(x->fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
                                if (x->sent == 0)
                                        x->since = t; /* the request's first byte */
                                x->sent++;
                        }
                        x->next = t + interval;
                }
                most = open_now > most ? open_now : most;
                usleep(20000);
        }
        printf("connected %ld, refused %ld, dropped %ld, connect failed %ld, most open %d, "
               "longest request %.1f s\n",
               connected, refusals, drops, failed, most, longest);
        return 0;
}

static int hold(const char *path, int n, double seconds) {
        int *fds = calloc((size_t) n, sizeof(int)), refusals = 0;

        for (int i = 0; i < n; i++)
                fds[i] = connect_to(path);
        /* A refusal comes right after the accept. */
        usleep(300000);
        for (int i = 0; i < n; i++)
                refusals += refused(fds[i]);
        printf("%d open, %d refused\n", n - refusals, refusals);
        fflush(stdout);
        usleep((useconds_t) (seconds * 1e6));
        return 0;
}

static int mute(const char *path, double seconds) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        strcpy(sa.sun_path, path);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
                perror("listen");
                return 2;
        }
        printf("listening\n");
        fflush(stdout);
        usleep((useconds_t) (seconds * 1e6));
        return 0;
}

int main(int argc, char *argv[]) {
        int fd;

        if (argc < 3) {
                fprintf(stderr,
                        "usage: varlink-probe call|raw|oversize|stall|many|pipeline|drip|hold|mute "
                        "SOCKET ...\n");
                return 2;
        }
        if (strcmp(argv[1], "call") == 0 && argc == 4) {
                fd = connect_to(argv[2]);
                /* A server refusing the connection answers, and hangs up, before we ask:
                 * its answer is still there to read. */
                (void) send_all(fd, argv[3], strlen(argv[3]) + 1);
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
        if (strcmp(argv[1], "pipeline") == 0 && argc == 5)
                return pipeline(argv[2], atol(argv[3]), atof(argv[4]));
        if (strcmp(argv[1], "drip") == 0 && argc == 6)
                return drip(argv[2], atoi(argv[3]), atof(argv[4]), atof(argv[5]));
        if (strcmp(argv[1], "hold") == 0 && argc == 5)
                return hold(argv[2], atoi(argv[3]), atof(argv[4]));
        if (strcmp(argv[1], "mute") == 0 && argc == 4)
                return mute(argv[2], atof(argv[3]));
        fprintf(stderr, "varlink-probe: bad arguments\n");
        return 2;
}
