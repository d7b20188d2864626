/* Benchmark helper: enters each IPC namespace named on the command line (setns) and leaves N
 * leaked System V objects there, the kinds mixed as bench/populate mixes them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "bench-util.h"

#define SEGMENT_SIZE 4096
#define SEMS_PER_SET 4

struct message {
        long type;
        char text[16];
};

static void usage(void) {
        fprintf(stderr,
                "ns-populate [-n N] NSFILE...\n\n"
                "For each NSFILE (/proc/PID/ns/ipc), enters that IPC namespace with setns() and\n"
                "creates N objects there with IPC_PRIVATE, the kinds in turn: shared memory\n"
                "segments (%d bytes), semaphore sets of %d, message queues (N = 1000 gives\n"
                "334 + 333 + 333). Each is used once as bench/populate does (attach+detach, a\n"
                "semop on every semaphore, one message), so its pids and times are recorded as\n"
                "a real leak's would be; this process then exits: the recorded pids are dead.\n"
                "Refuses any namespace that is the host's (see bench-util.h).\n",
                SEGMENT_SIZE, SEMS_PER_SET);
}

/* Creates and uses one object of kind i % 3; returns 0 or -1 with errno set. */
static int make_object(long i) {
        static const struct message m = { .type = 1, .text = "ipcreap-bench" };
        struct sembuf ops[SEMS_PER_SET];
        void *p;
        int id;

        switch (i % 3) {
        case 0:
                id = shmget(IPC_PRIVATE, SEGMENT_SIZE, IPC_CREAT | 0600);
                if (id < 0)
                        return -1;
                p = shmat(id, NULL, SHM_RDONLY);
                if (p == (void *) -1)
                        return -1;
                return shmdt(p);
        case 1:
                id = semget(IPC_PRIVATE, SEMS_PER_SET, IPC_CREAT | 0600);
                if (id < 0)
                        return -1;
                for (int s = 0; s < SEMS_PER_SET; s++)
                        ops[s] = (struct sembuf){ .sem_num = (unsigned short) s, .sem_op = 1 };
                return semop(id, ops, SEMS_PER_SET);
        default:
                id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
                if (id < 0)
                        return -1;
                return msgsnd(id, &m, sizeof(m.text), IPC_NOWAIT);
        }
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {},
        };
        long n = 1000;
        double start;
        int c;

        while ((c = getopt_long(argc, argv, "n:h", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        n = strtol(optarg, NULL, 10);
                        if (n < 0) {
                                usage();
                                return 2;
                        }
                        break;
                case 'h':
                        usage();
                        return 0;
                default:
                        usage();
                        return 2;
                }
        if (optind >= argc) {
                usage();
                return 2;
        }

        start = now_ms();
        for (int a = optind; a < argc; a++) {
                int fd = open(argv[a], O_RDONLY | O_CLOEXEC);

                if (fd < 0 || setns(fd, CLONE_NEWIPC) < 0) {
                        fprintf(stderr, "ns-populate: entering %s: %s\n", argv[a], strerror(errno));
                        return 1;
                }
                close(fd);
                if (!in_private_ipc_namespace()) {
                        fprintf(stderr, "ns-populate: %s is the host's IPC namespace; refusing.\n",
                                argv[a]);
                        return 1;
                }
                for (long i = 0; i < n; i++)
                        if (make_object(i) < 0) {
                                fprintf(stderr,
                                        "ns-populate: %s: object %ld of %ld: %s (raise "
                                        "kernel.shmmni, kernel.sem, kernel.msgmni there)\n",
                                        argv[a], i + 1, n, strerror(errno));
                                return 1;
                        }
        }
        printf("ns-populate: %ld objects in each of %d namespaces in %.1f ms\n", n, argc - optind,
               now_ms() - start);
        return 0;
}
