/* SPDX-License-Identifier: MIT */
/* Test helper: a message-queue user that blocks in msgrcv/msgsnd the way a real consumer
 * or producer does, so the integration tests can check that ipcreapd never removes a queue
 * with a waiter, and that the waiter is never woken with EIDRM.
 *
 *   msg-waiter [--next-id N] send-receive KEY   creates the queue, sends one message and
 *                                               receives it (both pids recorded), prints
 *                                               the id and exits
 *   msg-waiter receive KEY                      opens the queue by key and blocks in msgrcv
 *   msg-waiter [--next-id N] create-receive KEY the same, creating the queue first
 *   msg-waiter thread-receive KEY               the same in a worker thread, while the main
 *                                               thread waits in pthread_join (futex)
 *   msg-waiter fill KEY                         fills the queue (IPC_NOWAIT until EAGAIN)
 *   msg-waiter send KEY                         blocks in msgsnd on a full queue
 *   msg-waiter take KEY                         receives one message without waiting
 *
 * Before blocking, the waiting commands print "waiting pid=P tid=T msqid=ID nr=NR", NR being
 * the system call number /proc/P/task/T/syscall shows meanwhile. When the call returns
 * they print "received N bytes" or "sent" and exit 0; if it fails they print
 * "msgrcv: ERROR" (or msgsnd) and exit 3 for EIDRM or EINVAL (the queue was removed), 1
 * otherwise. --next-id writes kernel.msg_next_id first, so two IPC namespaces can be given
 * queues with the same id. KEY is hex (0x7777). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct Message {
        long type;
        char text[1024];
} Message;

static int exit_for(const char *call) {
        int error = errno;

        printf("%s: %s\n", call, strerror(error));
        return error == EIDRM || error == EINVAL ? 3 : 1;
}

static int open_queue(key_t key, int flags) {
        int id = msgget(key, flags | 0644);

        if (id < 0) {
                fprintf(stderr, "msg-waiter: msgget(0x%x): %s\n", (unsigned) key, strerror(errno));
                exit(1);
        }
        return id;
}

static void announce(int msqid, long nr) {
        printf("waiting pid=%d tid=%d msqid=%d nr=%ld\n", (int) getpid(), (int) gettid(), msqid,
               nr);
}

static int receive(int msqid) {
        Message m;
        ssize_t n;

        announce(msqid, SYS_msgrcv);
        n = msgrcv(msqid, &m, sizeof(m.text), 0, 0);
        if (n < 0)
                return exit_for("msgrcv");
        printf("received %zd bytes\n", n);
        return 0;
}

static void *receive_in_thread(void *userdata) {
        return (void *) (intptr_t) receive(*(int *) userdata);
}

static int set_next_id(const char *id) {
        FILE *f = fopen("/proc/sys/kernel/msg_next_id", "we");

        if (!f || fprintf(f, "%s\n", id) < 0 || fclose(f) != 0) {
                fprintf(stderr, "msg-waiter: kernel.msg_next_id=%s: %s\n", id, strerror(errno));
                return -1;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        Message m = { .type = 1, .text = "hello, ipcreap" };
        const char *cmd;
        key_t key;
        int id;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc > 2 && strcmp(argv[1], "--next-id") == 0) {
                if (set_next_id(argv[2]) < 0)
                        return 1;
                argv += 2;
                argc -= 2;
        }
        if (argc != 3) {
                fprintf(stderr, "usage: msg-waiter [--next-id N] COMMAND KEY (see the source)\n");
                return 2;
        }
        cmd = argv[1];
        key = (key_t) strtoul(argv[2], NULL, 0);

        if (strcmp(cmd, "send-receive") == 0) {
                id = open_queue(key, IPC_CREAT);
                if (msgsnd(id, &m, 16, 0) < 0)
                        return exit_for("msgsnd");
                if (msgrcv(id, &m, sizeof(m.text), 0, 0) < 0)
                        return exit_for("msgrcv");
                printf("%d\n", id);
                return 0;
        }
        if (strcmp(cmd, "receive") == 0)
                return receive(open_queue(key, 0));
        if (strcmp(cmd, "create-receive") == 0)
                return receive(open_queue(key, IPC_CREAT));
        if (strcmp(cmd, "thread-receive") == 0) {
                pthread_t worker;
                void *result;

                id = open_queue(key, 0);
                if (pthread_create(&worker, NULL, receive_in_thread, &id) != 0 ||
                    pthread_join(worker, &result) != 0)
                        return 1;
                return (int) (intptr_t) result;
        }
        if (strcmp(cmd, "fill") == 0) {
                int n = 0;

                id = open_queue(key, 0);
                while (msgsnd(id, &m, sizeof(m.text), IPC_NOWAIT) == 0)
                        n++;
                if (errno != EAGAIN)
                        return exit_for("msgsnd");
                printf("%d messages\n", n);
                return 0;
        }
        if (strcmp(cmd, "send") == 0) {
                id = open_queue(key, 0);
                announce(id, SYS_msgsnd);
                if (msgsnd(id, &m, sizeof(m.text), 0) < 0)
                        return exit_for("msgsnd");
                printf("sent\n");
                return 0;
        }
        if (strcmp(cmd, "take") == 0) {
                id = open_queue(key, 0);
                if (msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) < 0)
                        return exit_for("msgrcv");
                return 0;
        }
        fprintf(stderr, "msg-waiter: unknown command \"%s\"\n", cmd);
        return 2;
}
