/* Benchmark helper: fills the (private) IPC namespace with N leaked shm, sem and msg objects. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
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
                "populate [-n N] [--bare]\n\n"
                "Creates N shared memory segments (%d bytes), N semaphore sets of %d and N\n"
                "message queues with IPC_PRIVATE, uses each once (attach+detach, a semop on\n"
                "every semaphore, one 16-byte message) so its pids and times are recorded as\n"
                "a real leak's would be, and exits: the recorded pids are dead.\n"
                "--bare skips the use: objects with no pids and only ctime.\n"
                "Run it only inside a private IPC namespace (unshare --ipc).\n",
                SEGMENT_SIZE, SEMS_PER_SET);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "bare", no_argument, NULL, 'b' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct sembuf ops[SEMS_PER_SET];
        struct message m = { .type = 1, .text = "ipcreap-bench" };
        long n = 1000;
        int bare = 0, c;
        double start;

        while ((c = getopt_long(argc, argv, "n:bh", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        n = strtol(optarg, NULL, 10);
                        if (n < 0) {
                                usage();
                                return 2;
                        }
                        break;
                case 'b':
                        bare = 1;
                        break;
                case 'h':
                        usage();
                        return 0;
                default:
                        usage();
                        return 2;
                }

        if (!in_private_ipc_namespace()) {
                fprintf(stderr, "populate: refusing to fill the host's IPC namespace; run it "
                                "under unshare --ipc.\n");
                return 1;
        }
        for (int i = 0; i < SEMS_PER_SET; i++)
                ops[i] = (struct sembuf){ .sem_num = (unsigned short) i, .sem_op = 1 };

        start = now_ms();
        for (long i = 0; i < n; i++) {
                int shm = shmget(IPC_PRIVATE, SEGMENT_SIZE, IPC_CREAT | 0600);
                int sem = semget(IPC_PRIVATE, SEMS_PER_SET, IPC_CREAT | 0600);
                int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

                if (shm < 0 || sem < 0 || msg < 0) {
                        fprintf(stderr,
                                "populate: creating object %ld of %ld failed: %s "
                                "(raise kernel.shmmni, kernel.sem, kernel.msgmni)\n",
                                i + 1, n, strerror(errno));
                        return 1;
                }
                if (bare)
                        continue;
                void *p = shmat(shm, NULL, SHM_RDONLY);
                if (p == (void *) -1 || shmdt(p) < 0 || semop(sem, ops, SEMS_PER_SET) < 0 ||
                    msgsnd(msg, &m, sizeof(m.text), IPC_NOWAIT) < 0) {
                        fprintf(stderr, "populate: using object %ld failed: %s\n", i + 1,
                                strerror(errno));
                        return 1;
                }
        }
        printf("populate: %ld shm + %ld sem (x%d) + %ld msg in %.1f ms\n", n, n, SEMS_PER_SET, n,
               now_ms() - start);
        return 0;
}
