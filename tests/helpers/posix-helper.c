/* SPDX-License-Identifier: MIT */
/* Test helper: makes and uses POSIX shared memory, named semaphores and message queues the
 * way real programs do, so the integration tests can leave them behind, map them, hold them
 * open and keep a pid alive. Only ever run in the private mount namespace of a test, on its
 * own tmpfs on /dev/shm and its own mqueue mount on /dev/mqueue.
 *
 *   posix-helper [--hold] shm-create NAME SIZE  shm_open(O_CREAT|O_EXCL) + ftruncate, closed
 *   posix-helper shm-map NAME                   maps it whole, closes the fd, holds the map
 *   posix-helper shm-open NAME                  holds an fd on it, never maps it
 *   posix-helper [--hold] sem-create NAME VALUE sem_open(O_CREAT|O_EXCL), then sem_close
 *   posix-helper sem-open NAME                  sem_open (glibc maps the file and closes
 *                                               its fd), holds the mapping
 *   posix-helper [--hold] sem-post NAME         sem_post once, then sem_close
 *   posix-helper [--hold] mq-create NAME        mq_open(O_CREAT|O_EXCL), then mq_close
 *   posix-helper [--hold] mq-send NAME          sends one 16-byte message, then mq_close
 *   posix-helper mq-open NAME                   holds the queue open
 *
 * NAME is given without the leading slash. Objects are created with mode 0600. Holding
 * commands (and any with --hold) print "ready" once done and wait for a signal. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *name) {
        fprintf(stderr, "posix-helper: %s %s: %s\n", what, name, strerror(errno));
        exit(1);
}

static unsigned parse_uint(const char *s) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 0);
        if (errno || *end || !*s || v > 1ul << 30) {
                fprintf(stderr, "posix-helper: bad number \"%s\"\n", s);
                exit(2);
        }
        return (unsigned) v;
}

static _Noreturn void hold(void) {
        sigset_t none;

        printf("ready\n");
        fflush(stdout);
        sigemptyset(&none);
        for (;;)
                sigsuspend(&none);
}

int main(int argc, char *argv[]) {
        char name[300];
        const char *cmd;
        int holding = 0;

        if (argc > 1 && strcmp(argv[1], "--hold") == 0) {
                holding = 1;
                argv++;
                argc--;
        }
        if (argc < 3 || strchr(argv[2], '/')) {
                fprintf(stderr, "usage: posix-helper [--hold] COMMAND NAME [ARG] (see the "
                                "source)\n");
                return 2;
        }
        cmd = argv[1];
        /* POSIX names are "/NAME": one leading slash and no other. */
        snprintf(name, sizeof(name), "/%s", argv[2]);
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (strcmp(cmd, "shm-create") == 0 && argc == 4) {
                int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
                if (fd < 0)
                        die("shm_open", name);
                if (ftruncate(fd, (off_t) parse_uint(argv[3])) < 0)
                        die("ftruncate", name);
                close(fd);
        } else if (strcmp(cmd, "shm-map") == 0 && argc == 3) {
                struct stat st;
                char *p;
                int fd = shm_open(name, O_RDWR, 0);
                if (fd < 0)
                        die("shm_open", name);
                if (fstat(fd, &st) < 0)
                        die("fstat", name);
                if (st.st_size == 0) {
                        errno = EINVAL;
                        die("an empty file cannot be mapped:", name);
                }
                p = mmap(NULL, (size_t) st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (p == MAP_FAILED)
                        die("mmap", name);
                /* Only the mapping keeps it now, as in programs that close after mmap. */
                close(fd);
                p[0] = 1;
                hold();
        } else if (strcmp(cmd, "shm-open") == 0 && argc == 3) {
                if (shm_open(name, O_RDWR, 0) < 0)
                        die("shm_open", name);
                hold();
        } else if (strcmp(cmd, "sem-create") == 0 && argc == 4) {
                sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, parse_uint(argv[3]));
                if (s == SEM_FAILED)
                        die("sem_open", name);
                sem_close(s);
        } else if (strcmp(cmd, "sem-open") == 0 && argc == 3) {
                if (sem_open(name, 0) == SEM_FAILED)
                        die("sem_open", name);
                hold();
        } else if (strcmp(cmd, "sem-post") == 0 && argc == 3) {
                sem_t *s = sem_open(name, 0);
                if (s == SEM_FAILED)
                        die("sem_open", name);
                if (sem_post(s) < 0)
                        die("sem_post", name);
                sem_close(s);
        } else if (strcmp(cmd, "mq-create") == 0 && argc == 3) {
                struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
                mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
                if (q == (mqd_t) -1)
                        die("mq_open", name);
                mq_close(q);
        } else if (strcmp(cmd, "mq-send") == 0 && argc == 3) {
                static const char msg[16] = "ipcreap-test";
                mqd_t q = mq_open(name, O_WRONLY);
                if (q == (mqd_t) -1)
                        die("mq_open", name);
                if (mq_send(q, msg, sizeof(msg), 0) < 0)
                        die("mq_send", name);
                mq_close(q);
        } else if (strcmp(cmd, "mq-open") == 0 && argc == 3) {
                if (mq_open(name, O_RDWR) == (mqd_t) -1)
                        die("mq_open", name);
                hold();
        } else {
                fprintf(stderr, "posix-helper: unknown command or wrong arguments: %s\n", cmd);
                return 2;
        }
        if (holding)
                hold();
        return 0;
}
