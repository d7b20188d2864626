/* SPDX-License-Identifier: MIT */
/* Stress helper: attaches and detaches a segment by key in a tight loop while passes race
 * to remove it, and counts the one outcome that must never happen: the segment removed
 * (IPC_RMID) while this process has it attached. EACCES (the daemon's fence) and a segment
 * found gone before the attach are fine; the segment is made again and the loop goes on.
 *
 *   attach-racer KEY ATTACHES    prints "attaches N fenced N gone N lost N"; exit 1 if lost
 *
 * Run it as an unprivileged user: CAP_IPC_OWNER passes through the fence by design. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <time.h>

int main(int argc, char *argv[]) {
        unsigned long attaches = 0, fenced = 0, gone = 0, lost = 0, target;
        key_t key;

        if (argc != 3) {
                fprintf(stderr, "usage: attach-racer KEY ATTACHES\n");
                return 2;
        }
        key = (key_t) strtoul(argv[1], NULL, 0);
        target = strtoul(argv[2], NULL, 0);
        while (attaches < target) {
                volatile char *p;
                int id = shmget(key, 4096, IPC_CREAT | 0600);

                if (id < 0) {
                        /* Fenced segments refuse even this lookup: wait for the pass. */
                        if (errno == EACCES) {
                                fenced++;
                                continue;
                        }
                        perror("shmget");
                        return 2;
                }
                p = shmat(id, NULL, 0);
                if (p == (void *) -1) {
                        if (errno == EACCES)
                                fenced++;
                        else if (errno == EINVAL || errno == EIDRM)
                                gone++;
                        else {
                                perror("shmat");
                                return 2;
                        }
                        continue;
                }
                attaches++;
                p[0] = 1;
                /* Hold it for a few microseconds: a removal that slipped past the re-check
                 * lands in this window, and shows as the key no longer naming this id (the
                 * kernel makes a segment private when it is marked for destruction). */
                for (volatile int spin = 0; spin < 2000; spin++)
                        ;
                if (shmget(key, 0, 0) != id)
                        lost++;
                if (shmdt((const void *) p) < 0) {
                        perror("shmdt");
                        return 2;
                }
        }
        printf("attaches %lu fenced %lu gone %lu lost %lu\n", attaches, fenced, gone, lost);
        return lost > 0;
}
