/* SPDX-License-Identifier: MIT */
/* Test helper: makes and uses System V IPC objects the way real programs do, so the
 * integration tests can create leaks, attach, block in semop and hold pids alive.
 *
 *   ipc-helper [--hold] shm-create KEY SIZE     prints the id
 *   ipc-helper [--hold] shm-attach ID            attaches (holds until killed)
 *   ipc-helper shm-create-many KEY COUNT         COUNT segments, keys KEY, KEY+1, ...
 *   ipc-helper [--hold] sem-create KEY NSEMS     prints the id
 *   ipc-helper sem-wait ID                       blocks in semop(-1) on semaphore 0;
 *                                                exits 0 once posted, 3 if the set vanished
 *   ipc-helper [--hold] sem-post ID              semop(+1) on semaphore 0
 *   ipc-helper [--hold] sem-touch ID             semop(0) on every semaphore: records our pid
 *   ipc-helper [--hold] msg-create KEY           prints the id
 *   ipc-helper [--hold] msg-send ID              sends one 16-byte message
 *   ipc-helper [--hold] msg-touch ID             sends and receives one message: records
 *                                                our pid as lspid and lrpid, leaves it empty
 *
 * KEY is hex (0x1234) or "private". With --hold the helper prints "ready" after acting
 * and waits for a signal, keeping its pid alive (and a segment attached). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
};

static void die(const char *what) {
        fprintf(stderr, "ipc-helper: %s: %s\n", what, strerror(errno));
        exit(1);
}

static key_t parse_key(const char *s) {
        if (strcmp(s, "private") == 0)
                return IPC_PRIVATE;
        return (key_t) strtoul(s, NULL, 0);
}

static int parse_int(const char *s) {
        char *end;
        long v = strtol(s, &end, 0);
        if (*end || v < 0) {
                fprintf(stderr, "ipc-helper: bad number \"%s\"\n", s);
                exit(2);
        }
        return (int) v;
}

static void hold(void) {
        sigset_t none;
        printf("ready\n");
        fflush(stdout);
        sigemptyset(&none);
        for (;;)
                sigsuspend(&none);
}

int main(int argc, char *argv[]) {
        int holding = 0, id;
        const char *cmd;

        if (argc > 1 && strcmp(argv[1], "--hold") == 0) {
                holding = 1;
                argv++;
                argc--;
        }
        if (argc < 3) {
                fprintf(stderr, "usage: ipc-helper [--hold] COMMAND ARGS (see the source)\n");
                return 2;
        }
        cmd = argv[1];
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (strcmp(cmd, "shm-create") == 0 && argc == 4) {
                id = shmget(parse_key(argv[2]), (size_t) parse_int(argv[3]), IPC_CREAT | 0644);
                if (id < 0)
                        die("shmget");
                printf("%d\n", id);
        } else if (strcmp(cmd, "shm-create-many") == 0 && argc == 4) {
                key_t first = parse_key(argv[2]);
                for (int i = 0, n = parse_int(argv[3]); i < n; i++)
                        if (shmget(first + i, 4096, IPC_CREAT | IPC_EXCL | 0644) < 0)
                                die("shmget");
        } else if (strcmp(cmd, "shm-attach") == 0) {
                if (shmat(parse_int(argv[2]), NULL, 0) == (void *) -1)
                        die("shmat");
                holding = 1;
        } else if (strcmp(cmd, "sem-create") == 0 && argc == 4) {
                id = semget(parse_key(argv[2]), parse_int(argv[3]), IPC_CREAT | 0644);
                if (id < 0)
                        die("semget");
                printf("%d\n", id);
        } else if (strcmp(cmd, "sem-wait") == 0) {
                struct sembuf op = { .sem_num = 0, .sem_op = -1 };
                printf("waiting\n");
                fflush(stdout);
                if (semop(parse_int(argv[2]), &op, 1) < 0)
                        return errno == EIDRM || errno == EINVAL ? 3 : 1;
                printf("posted\n");
                return 0;
        } else if (strcmp(cmd, "sem-post") == 0) {
                struct sembuf op = { .sem_num = 0, .sem_op = 1 };
                if (semop(parse_int(argv[2]), &op, 1) < 0)
                        die("semop");
        } else if (strcmp(cmd, "sem-touch") == 0) {
                struct semid_ds ds;
                int semid = parse_int(argv[2]);
                if (semctl(semid, 0, IPC_STAT, (union semun){ .buf = &ds }) < 0)
                        die("semctl");
                for (unsigned short i = 0; i < ds.sem_nsems; i++) {
                        struct sembuf op = { .sem_num = i, .sem_op = 0, .sem_flg = IPC_NOWAIT };
                        if (semop(semid, &op, 1) < 0)
                                die("semop");
                }
        } else if (strcmp(cmd, "msg-create") == 0) {
                id = msgget(parse_key(argv[2]), IPC_CREAT | 0644);
                if (id < 0)
                        die("msgget");
                printf("%d\n", id);
        } else if (strcmp(cmd, "msg-send") == 0) {
                struct {
                        long type;
                        char text[16];
                } m = { 1, "hello, ipcreap" };
                if (msgsnd(parse_int(argv[2]), &m, sizeof(m.text), 0) < 0)
                        die("msgsnd");
        } else if (strcmp(cmd, "msg-touch") == 0) {
                struct {
                        long type;
                        char text[16];
                } m = { 1, "hello, ipcreap" };
                int msqid = parse_int(argv[2]);
                if (msgsnd(msqid, &m, sizeof(m.text), IPC_NOWAIT) < 0)
                        die("msgsnd");
                if (msgrcv(msqid, &m, sizeof(m.text), 0, IPC_NOWAIT) < 0)
                        die("msgrcv");
        } else if (strcmp(cmd, "sem-create-many") == 0 && argc == 5) {
                /* FIRSTKEY N NSEMS: N sets, each used once by this process (which exits), so
                 * that every semaphore records its pid. */
                key_t first = parse_key(argv[2]);
                int nsems = parse_int(argv[4]);
                for (int i = 0, n = parse_int(argv[3]); i < n; i++) {
                        int semid = semget(first + i, nsems, IPC_CREAT | IPC_EXCL | 0644);
                        if (semid < 0)
                                die("semget");
                        for (unsigned short s = 0; s < nsems; s++) {
                                struct sembuf op = { .sem_num = s,
                                                     .sem_op = 0,
                                                     .sem_flg = IPC_NOWAIT };
                                if (semop(semid, &op, 1) < 0)
                                        die("semop");
                        }
                }
        } else {
                fprintf(stderr, "ipc-helper: unknown command \"%s\"\n", cmd);
                return 2;
        }
        if (holding)
                hold();
        return 0;
}
