/* SPDX-License-Identifier: MIT */
/* Test helper: calls io.ipcreap.Reaper.GetStatus on one Varlink connection again and again, the
 * next as soon as the previous reply is in, until SIGTERM or SIGINT, and then prints what it
 * saw, so that a test can tell whether the daemon's event loop was ever blocked meanwhile:
 *
 *   status-loop SOCKET
 *   -> requests=N scanning=S max_ms=M slowest_at_ms=T
 *
 * N replies, S of them saying "scanning":true (answered during a pass), M the longest wait for
 * a reply in milliseconds and T when that request went out, counted from the start. A request
 * still unanswered at the signal is waited for (5 s at most; then it counts as 5000 ms), so a
 * loop blocked at the very end is seen too. Exits 1 if the connection fails or a reply is an
 * error. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char request[] = "{\"method\":\"io.ipcreap.Reaper.GetStatus\",\"parameters\":{}}";
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct sigaction act = { .sa_handler = on_signal };
        static char reply[1 << 20];
        double start, max_ms = 0, slowest_at = 0;
        long requests = 0, scanning = 0;
        int fd;

        if (argc != 2) {
                fprintf(stderr, "usage: status-loop SOCKET\n");
                return 2;
        }
        /* No SA_RESTART: poll() returns at the signal, which is only noted. */
        sigaction(SIGTERM, &act, NULL);
        sigaction(SIGINT, &act, NULL);
        strncpy(sa.sun_path, argv[1], sizeof(sa.sun_path) - 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("status-loop: connect");
                return 1;
        }
        start = now_ms();
        while (!stop) {
                double sent_at = now_ms(), waited;
                size_t n = 0;

                /* The NUL that ends a Varlink message is part of the request. */
                if (send(fd, request, sizeof(request), MSG_NOSIGNAL) != (ssize_t) sizeof(request)) {
                        perror("status-loop: send");
                        return 1;
                }
                for (;;) {
                        struct pollfd p = { .fd = fd, .events = POLLIN };
                        ssize_t l;

                        if (now_ms() - sent_at > 5000)
                                break; /* counted below as a 5 s wait */
                        if (poll(&p, 1, 100) <= 0)
                                continue;
                        l = recv(fd, reply + n, sizeof(reply) - 1 - n, MSG_DONTWAIT);
                        if (l < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (l <= 0) {
                                fprintf(stderr, "status-loop: the daemon closed the connection\n");
                                return 1;
                        }
                        n += (size_t) l;
                        if (memchr(reply + n - (size_t) l, 0, (size_t) l) || n == sizeof(reply) - 1)
                                break;
                }
                waited = now_ms() - sent_at;
                if (waited > max_ms) {
                        max_ms = waited;
                        slowest_at = sent_at - start;
                }
                if (n == 0 || waited > 5000)
                        break;
                reply[n] = 0;
                if (strstr(reply, "\"error\"")) {
                        fprintf(stderr, "status-loop: error reply: %.200s\n", reply);
                        return 1;
                }
                requests++;
                if (strstr(reply, "\"scanning\":true"))
                        scanning++;
        }
        printf("requests=%ld scanning=%ld max_ms=%.1f slowest_at_ms=%.0f\n", requests, scanning,
               max_ms, slowest_at);
        close(fd);
        return 0;
}
