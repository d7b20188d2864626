/* SPDX-License-Identifier: MIT */
/* Contents for the quarantine tests: fill a segment, a set or a queue with a known pattern and
 * check it after a restore; race the daemon's copy with an attach of our own. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

static unsigned char pattern(unsigned seed, size_t i) {
        uint32_t x = (uint32_t) (i * 2654435761u) ^ seed;
        return (unsigned char) (x ^ (x >> 13) ^ (x >> 24));
}

static int usage(void) {
        fprintf(stderr, "usage: quarantine-helper shm-fill|shm-check ID SEED\n"
                        "       quarantine-helper shm-race ID SECONDS\n"
                        "       quarantine-helper sem-set ID V...|sem-get ID\n"
                        "       quarantine-helper set-owner shm|sem|msg ID UID GID MODE\n"
                        "       quarantine-helper msg-put ID TYPE TEXT|msg-dump ID\n");
        return 2;
}

/* Waits for the daemon's copy (the segment fenced at mode 0 and attached by the daemon), then
 * attaches as root (CAP_IPC_OWNER passes the fence) and holds it: the copy's second re-check
 * must see it. Prints "attached" or "refused: ERRNO" (the segment was already removed). */
static int shm_race(int id, int seconds) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += seconds;
        for (;;) {
                struct shmid_ds ds;
                struct timespec now;

                if (shmctl(id, IPC_STAT, &ds) < 0) {
                        printf("refused: %s\n", strerror(errno));
                        return 0;
                }
                if ((ds.shm_perm.mode & 0777) == 0 && ds.shm_nattch > 0) {
                        void *p = shmat(id, NULL, SHM_RDONLY);
                        if (p == (void *) -1) {
                                printf("refused: %s\n", strerror(errno));
                                return 0;
                        }
                        printf("attached\n");
                        fflush(stdout);
                        sleep((unsigned) seconds);
                        return 0;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec > deadline.tv_sec) {
                        printf("timeout\n");
                        return 1;
                }
        }
}

int main(int argc, char *argv[]) {
        if (argc < 3)
                return usage();
        const char *cmd = argv[1];
        int id = atoi(argv[2]);

        if ((strcmp(cmd, "shm-fill") == 0 || strcmp(cmd, "shm-check") == 0) && argc == 4) {
                unsigned seed = (unsigned) strtoul(argv[3], NULL, 0);
                struct shmid_ds ds;
                unsigned char *p;
                if (shmctl(id, IPC_STAT, &ds) < 0)
                        return perror("shmctl"), 1;
                p = shmat(id, NULL, cmd[4] == 'f' ? 0 : SHM_RDONLY);
                if (p == (void *) -1)
                        return perror("shmat"), 1;
                for (size_t i = 0; i < ds.shm_segsz; i++) {
                        if (cmd[4] == 'f')
                                p[i] = pattern(seed, i);
                        else if (p[i] != pattern(seed, i)) {
                                fprintf(stderr, "byte %zu differs\n", i);
                                return 1;
                        }
                }
                return shmdt(p) < 0;
        }
        if (strcmp(cmd, "set-owner") == 0 && argc == 7) {
                /* set-owner shm|sem|msg ID UID GID MODE */
                int oid = atoi(argv[3]);
                uid_t uid = (uid_t) atoi(argv[4]);
                gid_t gid = (gid_t) atoi(argv[5]);
                mode_t mode = (mode_t) strtoul(argv[6], NULL, 8);
                if (strcmp(argv[2], "shm") == 0) {
                        struct shmid_ds ds;
                        if (shmctl(oid, IPC_STAT, &ds) < 0)
                                return perror("shmctl"), 1;
                        ds.shm_perm.uid = uid, ds.shm_perm.gid = gid, ds.shm_perm.mode = mode;
                        return shmctl(oid, IPC_SET, &ds) < 0 ? (perror("shmctl"), 1) : 0;
                }
                if (strcmp(argv[2], "sem") == 0) {
                        struct semid_ds ds;
                        if (semctl(oid, 0, IPC_STAT, &ds) < 0)
                                return perror("semctl"), 1;
                        ds.sem_perm.uid = uid, ds.sem_perm.gid = gid, ds.sem_perm.mode = mode;
                        return semctl(oid, 0, IPC_SET, &ds) < 0 ? (perror("semctl"), 1) : 0;
                }
                struct msqid_ds ds;
                if (msgctl(oid, IPC_STAT, &ds) < 0)
                        return perror("msgctl"), 1;
                ds.msg_perm.uid = uid, ds.msg_perm.gid = gid, ds.msg_perm.mode = mode;
                return msgctl(oid, IPC_SET, &ds) < 0 ? (perror("msgctl"), 1) : 0;
        }
        if (strcmp(cmd, "shm-race") == 0 && argc == 4)
                return shm_race(id, atoi(argv[3]));
        if (strcmp(cmd, "sem-set") == 0 && argc >= 4) {
                unsigned short v[256];
                int n = argc - 3;
                for (int i = 0; i < n && i < 256; i++)
                        v[i] = (unsigned short) atoi(argv[3 + i]);
                return semctl(id, 0, SETALL, v) < 0 ? (perror("semctl"), 1) : 0;
        }
        if (strcmp(cmd, "sem-get") == 0) {
                struct semid_ds ds;
                unsigned short v[256];
                if (semctl(id, 0, IPC_STAT, &ds) < 0 || semctl(id, 0, GETALL, v) < 0)
                        return perror("semctl"), 1;
                for (unsigned long i = 0; i < ds.sem_nsems && i < 256; i++)
                        printf("%s%u", i ? " " : "", v[i]);
                printf("\n");
                return 0;
        }
        if (strcmp(cmd, "msg-put") == 0 && argc == 5) {
                struct {
                        long type;
                        char text[8192];
                } m;
                m.type = atol(argv[3]);
                snprintf(m.text, sizeof(m.text), "%s", argv[4]);
                return msgsnd(id, &m, strlen(m.text), IPC_NOWAIT) < 0 ? (perror("msgsnd"), 1) : 0;
        }
        if (strcmp(cmd, "msg-dump") == 0) {
                /* MSG_COPY: reads the queue in order without consuming it. */
                struct {
                        long type;
                        char text[8192];
                } m;
                for (long i = 0;; i++) {
                        ssize_t l = msgrcv(id, &m, sizeof(m.text), i, MSG_COPY | IPC_NOWAIT);
                        if (l < 0)
                                return errno == ENOMSG ? 0 : (perror("msgrcv"), 1);
                        printf("%ld:%.*s\n", m.type, (int) l, m.text);
                }
        }
        return usage();
}
