/* Benchmark client: C concurrent Varlink connections call one method in a loop; latency stats. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

typedef struct Client {
        int fd;
        size_t sent; /* bytes of the request sent so far */
        char *in;    /* reply bytes received so far */
        size_t n_in, allocated;
        double started; /* when the request's first byte went out */
        long done;      /* requests answered on this connection */
        bool writing;   /* EPOLLOUT armed: the request did not fit in one send */
} Client;

static const char *arg_socket;
static const char *arg_method = "io.ipcreap.Reaper.GetStatus";
static int arg_clients = 64;
static double arg_seconds = 5;
static long arg_requests; /* per client; 0: run for arg_seconds */
static double arg_warmup = 0.5;

static char request[512];
static size_t request_length;

static int epoll_fd = -1;
static double *samples;
static size_t n_samples, allocated_samples;
static long errors;

static void usage(void) {
        fprintf(stderr, "latency --socket PATH [-c CLIENTS] [-d SECONDS | -n REQUESTS] "
                        "[-w WARMUP] [-m METHOD]\n\n"
                        "Opens CLIENTS connections (default 64) to the Varlink socket; each calls "
                        "METHOD\n(default io.ipcreap.Reaper.GetStatus) again as soon as the "
                        "previous reply is in,\nfor SECONDS (default 5) or REQUESTS calls each. "
                        "Replies in the first WARMUP\nseconds (default 0.5) are not counted. "
                        "Prints one line of key=value results.\n");
}

static int connect_client(Client *c) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        strncpy(sa.sun_path, arg_socket, sizeof(sa.sun_path) - 1);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                return -errno;
        if (connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(c->fd);
                c->fd = -1;
                return r;
        }
        (void) fcntl(c->fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
                return -errno;
        c->sent = 0;
        c->n_in = 0;
        c->writing = false;
        c->started = now_ms();
        return 0;
}

static void record(double ms) {
        if (n_samples == allocated_samples) {
                allocated_samples = allocated_samples ? allocated_samples * 2 : 65536;
                samples = realloc(samples, allocated_samples * sizeof(double));
                if (!samples) {
                        fprintf(stderr, "latency: out of memory\n");
                        exit(1);
                }
        }
        samples[n_samples++] = ms;
}

/* Sends what is left of the request, watching for room only while some is left; returns <0
 * on a broken connection. */
static int client_send(Client *c) {
        bool blocked = false;

        while (c->sent < request_length) {
                ssize_t l = send(c->fd, request + c->sent, request_length - c->sent,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (l < 0) {
                        if (errno != EAGAIN)
                                return -errno;
                        blocked = true;
                        break;
                }
                c->sent += (size_t) l;
        }
        if (blocked != c->writing) {
                struct epoll_event ev = { .events = EPOLLIN | (blocked ? EPOLLOUT : 0),
                                          .data.ptr = c };
                if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
                        return -errno;
                c->writing = blocked;
        }
        return 0;
}

/* Reads reply bytes; returns 1 when a whole reply (up to its NUL) is in, <0 on error. */
static int client_receive(Client *c) {
        for (;;) {
                if (c->allocated - c->n_in < 4096) {
                        size_t want = c->allocated ? c->allocated * 2 : 16384;
                        char *p = realloc(c->in, want);
                        if (!p)
                                return -ENOMEM;
                        c->in = p;
                        c->allocated = want;
                }
                ssize_t l = recv(c->fd, c->in + c->n_in, c->allocated - c->n_in, MSG_DONTWAIT);
                if (l < 0)
                        return errno == EAGAIN ? 0 : -errno;
                if (l == 0)
                        return -ECONNRESET;
                char *nul = memchr(c->in + c->n_in, 0, (size_t) l);
                c->n_in += (size_t) l;
                if (nul) {
                        /* One request in flight per connection: nothing follows the NUL. */
                        size_t length = (size_t) (nul - c->in);
                        if (memmem(c->in, length, "\"error\"", 7) ||
                            !memmem(c->in, length, "\"parameters\"", 12))
                                errors++;
                        return 1;
                }
        }
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static double percentile(double p) {
        size_t i;

        if (n_samples == 0)
                return 0;
        /* Nearest rank. */
        i = (size_t) (p / 100.0 * (double) n_samples + 0.999999);
        if (i < 1)
                i = 1;
        if (i > n_samples)
                i = n_samples;
        return samples[i - 1];
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "clients", required_argument, NULL, 'c' },
                { "duration", required_argument, NULL, 'd' },
                { "requests", required_argument, NULL, 'n' },
                { "warmup", required_argument, NULL, 'w' },
                { "method", required_argument, NULL, 'm' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct epoll_event events[256];
        double start, measure_from, end, measured_end;
        Client *clients;
        int opt, active;

        while ((opt = getopt_long(argc, argv, "s:c:d:n:w:m:h", options, NULL)) >= 0)
                switch (opt) {
                case 's':
                        arg_socket = optarg;
                        break;
                case 'c':
                        arg_clients = atoi(optarg);
                        break;
                case 'd':
                        arg_seconds = atof(optarg);
                        break;
                case 'n':
                        arg_requests = atol(optarg);
                        break;
                case 'w':
                        arg_warmup = atof(optarg);
                        break;
                case 'm':
                        arg_method = optarg;
                        break;
                case 'h':
                        usage();
                        return 0;
                default:
                        usage();
                        return 2;
                }
        if (!arg_socket || arg_clients <= 0 || arg_clients > 1000 || arg_seconds <= 0) {
                usage();
                return 2;
        }
        /* The NUL that ends a Varlink message is part of what is sent. */
        request_length = 1 + (size_t) snprintf(request, sizeof(request),
                                               "{\"method\":\"%s\",\"parameters\":{}}", arg_method);

        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        clients = calloc((size_t) arg_clients, sizeof(Client));
        if (epoll_fd < 0 || !clients) {
                perror("latency");
                return 1;
        }
        for (int i = 0; i < arg_clients; i++) {
                int r = connect_client(&clients[i]);
                if (r < 0) {
                        fprintf(stderr, "latency: cannot connect to %s: %s\n", arg_socket,
                                strerror(-r));
                        return 1;
                }
        }

        start = now_ms();
        measure_from = arg_requests > 0 ? start : start + arg_warmup * 1e3;
        end = start + (arg_requests > 0 ? 3600e3 : (arg_warmup + arg_seconds) * 1e3);
        for (int i = 0; i < arg_clients; i++) {
                clients[i].started = now_ms();
                if (client_send(&clients[i]) < 0)
                        errors++;
        }

        active = arg_clients;
        while (active > 0) {
                int n = epoll_wait(epoll_fd, events, 256, 1000);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("latency: epoll_wait");
                        return 1;
                }
                for (int i = 0; i < n; i++) {
                        Client *c = events[i].data.ptr;
                        int r = 0;

                        if (c->fd < 0)
                                continue;
                        if (events[i].events & EPOLLOUT)
                                r = client_send(c);
                        if (r >= 0 && events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                                r = client_receive(c);
                        if (r < 0) {
                                /* The daemon dropped us: count it, connect again. */
                                errors++;
                                epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
                                close(c->fd);
                                c->fd = -1;
                                if (now_ms() < end && connect_client(c) >= 0 && client_send(c) >= 0)
                                        continue;
                                active--;
                                continue;
                        }
                        if (r == 0)
                                continue;

                        double t = now_ms();
                        if (c->started >= measure_from)
                                record(t - c->started);
                        c->done++;
                        if (t >= end || (arg_requests > 0 && c->done >= arg_requests)) {
                                epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
                                close(c->fd);
                                c->fd = -1;
                                active--;
                                continue;
                        }
                        c->sent = 0;
                        c->n_in = 0;
                        c->started = t;
                        if (client_send(c) < 0)
                                errors++;
                }
        }
        measured_end = now_ms();

        qsort(samples, n_samples, sizeof(double), compare_double);
        double seconds = (measured_end - measure_from) / 1e3;
        printf("clients=%d requests=%zu seconds=%.2f rps=%.0f median_ms=%.3f p90_ms=%.3f "
               "p99_ms=%.3f max_ms=%.3f errors=%ld\n",
               arg_clients, n_samples, seconds, seconds > 0 ? (double) n_samples / seconds : 0,
               percentile(50), percentile(90), percentile(99),
               n_samples ? samples[n_samples - 1] : 0.0, errors);
        for (int i = 0; i < arg_clients; i++)
                free(clients[i].in);
        free(clients);
        free(samples);
        close(epoll_fd);
        return errors ? 1 : 0;
}
