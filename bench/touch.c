/* Benchmark helper: changes a given percentage of the System V objects of the current IPC
 * namespace (and of each namespace named on the command line), spread evenly over all of
 * them, as a user of each would: so a daemon's next incremental pass has exactly those to
 * read again. */
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

struct message {
        long type;
        char text[16];
};

typedef struct Object {
        char kind; /* 'm' shm, 's' sem, 'q' msg */
        int id;
        int nsems;
} Object;

static void usage(void) {
        fprintf(stderr,
                "touch [-p PERCENT] [-o OFFSET] [NSFILE...]\n\n"
                "Uses PERCENT %% (default 1) of the System V objects of this IPC namespace, then\n"
                "of each NSFILE's (/proc/PID/ns/ipc, entered with setns()): the objects are\n"
                "taken from /proc/sysvipc/{shm,sem,msg} in that order and every (100/PERCENT)th\n"
                "is used, starting at OFFSET (so successive runs can touch different ones).\n"
                "A segment is attached and detached, every semaphore of a set gets a semop of\n"
                "+1 and -1 (value unchanged, pid and time recorded), a queue gets a 16-byte\n"
                "message and gives one back. This process then exits: the new pids are dead.\n"
                "Refuses the host's IPC namespace (see bench-util.h).\n");
}

/* Appends the objects of one /proc/sysvipc table; returns 0 or -1 with errno set. */
static int read_table(const char *path, char kind, const char *id_name, Object **objects, size_t *n,
                      size_t *allocated) {
        FILE *f = fopen(path, "re");
        char *line = NULL;
        size_t len = 0;
        int id_column = -1, nsems_column = -1, r = 0;

        if (!f)
                return -1;
        if (getline(&line, &len, f) > 0) {
                /* The header names the columns; find ours by name. */
                char *save = NULL;
                int i = 0;
                for (char *w = strtok_r(line, " \n", &save); w;
                     w = strtok_r(NULL, " \n", &save), i++) {
                        if (strcmp(w, id_name) == 0)
                                id_column = i;
                        else if (strcmp(w, "nsems") == 0)
                                nsems_column = i;
                }
        }
        if (id_column < 0) {
                errno = EBADMSG;
                r = -1;
        }
        while (r == 0 && getline(&line, &len, f) > 0) {
                Object o = { .kind = kind };
                char *save = NULL;
                int i = 0;

                for (char *w = strtok_r(line, " \n", &save); w;
                     w = strtok_r(NULL, " \n", &save), i++) {
                        if (i == id_column)
                                o.id = atoi(w);
                        else if (i == nsems_column)
                                o.nsems = atoi(w);
                }
                if (*n == *allocated) {
                        size_t want = *allocated ? *allocated * 2 : 4096;
                        Object *p = realloc(*objects, want * sizeof(Object));
                        if (!p) {
                                r = -1;
                                break;
                        }
                        *objects = p;
                        *allocated = want;
                }
                (*objects)[(*n)++] = o;
        }
        free(line);
        fclose(f);
        return r;
}

/* Uses one object; returns 0 or -1 with errno set. */
static int use(const Object *o) {
        static const struct message m = { .type = 1, .text = "ipcreap-touch" };
        struct message in;
        struct sembuf ops[2 * 64];
        void *p;

        switch (o->kind) {
        case 'm':
                p = shmat(o->id, NULL, SHM_RDONLY);
                if (p == (void *) -1)
                        return -1;
                return shmdt(p);
        case 's': {
                int done = 0;
                /* In chunks, so a set of any size fits the array. */
                while (done < o->nsems) {
                        int k = 0;
                        for (; k < 64 && done + k < o->nsems; k++) {
                                unsigned short s = (unsigned short) (done + k);
                                ops[2 * k] = (struct sembuf){ .sem_num = s,
                                                              .sem_op = 1,
                                                              .sem_flg = IPC_NOWAIT };
                                ops[2 * k + 1] = (struct sembuf){ .sem_num = s,
                                                                  .sem_op = -1,
                                                                  .sem_flg = IPC_NOWAIT };
                        }
                        if (semop(o->id, ops, (size_t) (2 * k)) < 0)
                                return -1;
                        done += k;
                }
                return 0;
        }
        default:
                if (msgsnd(o->id, &m, sizeof(m.text), IPC_NOWAIT) < 0)
                        return -1;
                return msgrcv(o->id, &in, sizeof(in.text), 0, IPC_NOWAIT | MSG_NOERROR) < 0 ? -1
                                                                                            : 0;
        }
}

/* Touches PERCENT % of this namespace's objects; prints what it did. */
static int touch_namespace(const char *where, double percent, long offset) {
        Object *objects = NULL;
        size_t n = 0, allocated = 0, count, by_kind[3] = {};
        int r = 0;

        if (read_table("/proc/sysvipc/shm", 'm', "shmid", &objects, &n, &allocated) < 0 ||
            read_table("/proc/sysvipc/sem", 's', "semid", &objects, &n, &allocated) < 0 ||
            read_table("/proc/sysvipc/msg", 'q', "msqid", &objects, &n, &allocated) < 0) {
                fprintf(stderr, "touch: %s: reading /proc/sysvipc: %s\n", where, strerror(errno));
                free(objects);
                return -1;
        }
        count = (size_t) ((double) n * percent / 100.0 + 0.5);
        if (count > n)
                count = n;
        for (size_t j = 0; j < count; j++) {
                /* Evenly spread: the j-th of count equal strides, shifted by offset. */
                const Object *o = &objects[(j * n / count + (size_t) offset) % n];
                if (use(o) < 0) {
                        fprintf(stderr, "touch: %s: using %c %d: %s\n", where, o->kind, o->id,
                                strerror(errno));
                        r = -1;
                        break;
                }
                by_kind[o->kind == 'm' ? 0 : o->kind == 's' ? 1 : 2]++;
        }
        printf("touch: %s: %zu of %zu objects (%zu shm, %zu sem, %zu msg)\n", where, count, n,
               by_kind[0], by_kind[1], by_kind[2]);
        free(objects);
        return r;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "percent", required_argument, NULL, 'p' },
                { "offset", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        double percent = 1;
        long offset = 0;
        int c;

        while ((c = getopt_long(argc, argv, "p:o:h", options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        percent = strtod(optarg, NULL);
                        if (!(percent >= 0 && percent <= 100)) {
                                usage();
                                return 2;
                        }
                        break;
                case 'o':
                        offset = strtol(optarg, NULL, 10);
                        if (offset < 0) {
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

        if (!in_private_ipc_namespace()) {
                fprintf(stderr, "touch: refusing to touch the host's IPC namespace; run it under "
                                "unshare --ipc.\n");
                return 1;
        }
        if (touch_namespace("this namespace", percent, offset) < 0)
                return 1;
        for (int a = optind; a < argc; a++) {
                int fd = open(argv[a], O_RDONLY | O_CLOEXEC);

                if (fd < 0 || setns(fd, CLONE_NEWIPC) < 0) {
                        fprintf(stderr, "touch: entering %s: %s\n", argv[a], strerror(errno));
                        return 1;
                }
                close(fd);
                if (!in_private_ipc_namespace()) {
                        fprintf(stderr, "touch: %s is the host's IPC namespace; refusing.\n",
                                argv[a]);
                        return 1;
                }
                if (touch_namespace(argv[a], percent, offset) < 0)
                        return 1;
        }
        return 0;
}
