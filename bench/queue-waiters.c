/* Benchmark of the message-queue waiter walk: many sleeping processes and threads, some
 * blocked in msgrcv, and candidate queues; times queue_waiters_read() against a walk that
 * only lists the same task directories. Run it through bench/queue-waiters.sh. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "bench-util.h"
#include "queue-waiters.h"

typedef struct Options {
        int processes, threaded_every, extra_threads, queues, waiters, runs;
} Options;

static void *sleep_forever(void *userdata) {
        (void) userdata;
        for (;;)
                pause();
        return NULL;
}

/* A child: extra threads in pause(), then the main thread in msgrcv (waiter) or pause(). */
static _Noreturn void sleeper(int ready_fd, int extra_threads, int msqid) {
        struct {
                long type;
                char text[16];
        } m;

        for (int i = 0; i < extra_threads; i++) {
                pthread_t t;
                if (pthread_create(&t, NULL, sleep_forever, NULL) != 0)
                        _exit(1);
        }
        if (write(ready_fd, "x", 1) != 1)
                _exit(1);
        close(ready_fd);
        if (msqid >= 0)
                (void) msgrcv(msqid, &m, sizeof(m.text), 0, 0);
        for (;;)
                pause();
}

/* The queues are made and used by a child that exits: every recorded pid is dead. */
static int make_queues(int n, int *ids) {
        int pipe_fds[2], status;
        pid_t pid;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                struct {
                        long type;
                        char text[16];
                } m = { 1, "bench" };
                for (int i = 0; i < n; i++) {
                        int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
                        if (id < 0 || msgsnd(id, &m, sizeof(m.text), 0) < 0 ||
                            msgrcv(id, &m, sizeof(m.text), 0, 0) < 0 ||
                            write(pipe_fds[1], &id, sizeof(id)) != sizeof(id))
                                _exit(1);
                }
                _exit(0);
        }
        close(pipe_fds[1]);
        for (int i = 0; i < n; i++)
                if (read(pipe_fds[0], &ids[i], sizeof(int)) != sizeof(int))
                        return -1;
        close(pipe_fds[0]);
        return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0
                       ? 0
                       : -1;
}

/* The floor: list /proc and every PROCFS/PID/task, read nothing. Returns the thread count. */
static size_t list_only(void) {
        DIR *proc = opendir("/proc");
        struct dirent *de;
        size_t threads = 0;

        if (!proc)
                return 0;
        while ((de = readdir(proc))) {
                char path[300];
                DIR *task;
                struct dirent *t;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/task", de->d_name);
                task = opendir(path);
                if (!task)
                        continue;
                while ((t = readdir(task)))
                        threads += t->d_name[0] != '.';
                closedir(task);
        }
        closedir(proc);
        return threads;
}

/* bench-util.h's guard also refuses PID 1's namespace, which in the private pid namespace
 * of queue-waiters.sh is this very program's: compare with the host's only. */
static int in_private_namespace(void) {
        const char *host = getenv("IPCREAP_BENCH_HOST_IPC_NS");
        char self[64] = "";

        if (!host || readlink("/proc/self/ns/ipc", self, sizeof(self) - 1) <= 0)
                return 0;
        return strcmp(self, "ipc:[4026531839]") != 0 && strcmp(self, host) != 0;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static void report(const char *what, double *ms, int runs) {
        qsort(ms, (size_t) runs, sizeof(double), compare_double);
        printf("%-28s median %8.2f ms   min %8.2f   max %8.2f   (%d runs)\n", what, ms[runs / 2],
               ms[0], ms[runs - 1], runs);
}

static int parse_options(int argc, char *argv[], Options *o) {
        *o = (Options){ .processes = 2000,
                        .threaded_every = 10,
                        .extra_threads = 3,
                        .queues = 1000,
                        .waiters = 100,
                        .runs = 11 };
        for (int i = 1; i < argc; i++) {
                int *target = NULL;
                if (strcmp(argv[i], "--processes") == 0)
                        target = &o->processes;
                else if (strcmp(argv[i], "--queues") == 0)
                        target = &o->queues;
                else if (strcmp(argv[i], "--waiters") == 0)
                        target = &o->waiters;
                else if (strcmp(argv[i], "--runs") == 0)
                        target = &o->runs;
                if (!target || i + 1 >= argc) {
                        fprintf(stderr, "usage: queue-waiters [--processes N] [--queues N] "
                                        "[--waiters N] [--runs N]\n");
                        return -1;
                }
                *target = atoi(argv[++i]);
        }
        if (o->processes < 1 || o->queues < 1 || o->runs < 1 || o->waiters < 0 ||
            o->waiters > o->queues || o->waiters > o->processes) {
                fprintf(stderr, "queue-waiters: bad numbers\n");
                return -1;
        }
        return 0;
}

/* One whole pass, ipcreapd --once --dry-run under the policy in config, in ms. */
static double time_pass(const char *daemon, const char *config, const char *state) {
        double start = now_ms();
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, STDOUT_FILENO);
                        dup2(null, STDERR_FILENO);
                }
                execl(daemon, daemon, "--once", "--dry-run", "--config", config, "--state-dir",
                      state, (char *) NULL);
                _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
                return -1;
        return now_ms() - start;
}

static int write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        if (!f)
                return -1;
        fputs(text, f);
        return fclose(f);
}

/* The cost in a whole pass: the same objects, with the queues candidates (every one an
 * orphan but for its waiters: one walk) and not (too young for the rule: no walk). */
static int time_passes(const Options *o) {
        const char *daemon = getenv("IPCREAP_BENCH_DAEMON");
        char dir[] = "/tmp/ipcreap-bench-waiters-XXXXXX", walk[64], nowalk[64], state[64];
        double *with = calloc((size_t) o->runs, sizeof(double)),
               *without = calloc((size_t) o->runs, sizeof(double));

        if (!daemon || !with || !without || !mkdtemp(dir))
                return -1;
        snprintf(walk, sizeof(walk), "%s/walk.conf", dir);
        snprintf(nowalk, sizeof(nowalk), "%s/nowalk.conf", dir);
        snprintf(state, sizeof(state), "%s/state", dir);
        if (write_text(walk, "[Rule q]\nKind=msg\nMinIdleSec=0\nRequireDeadPids=no\n") < 0 ||
            write_text(nowalk, "[Rule q]\nKind=msg\nMinIdleSec=1h\nRequireDeadPids=no\n") < 0)
                return -1;
        for (int run = -1; run < o->runs; run++) {
                double a = time_pass(daemon, walk, state), b = time_pass(daemon, nowalk, state);
                if (a < 0 || b < 0)
                        return -1;
                if (run >= 0) {
                        with[run] = a;
                        without[run] = b;
                }
        }
        report("pass, queues are candidates", with, o->runs);
        report("pass, no candidate queue", without, o->runs);
        printf("a pass's cost of looking for waiters: %.2f ms\n",
               with[o->runs / 2] - without[o->runs / 2]);
        free(with);
        free(without);
        return 0;
}

int main(int argc, char *argv[]) {
        Options o;
        int ready[2], *ids;
        pid_t *children;
        double *walk_ms, *list_ms;
        QueueWaiters w;
        size_t threads = 0;

        if (parse_options(argc, argv, &o) < 0)
                return 2;
        if (!in_private_namespace()) {
                fprintf(stderr, "queue-waiters: refusing to run in the host's IPC namespace; "
                                "use bench/queue-waiters.sh\n");
                return 1;
        }
        ids = calloc((size_t) o.queues, sizeof(int));
        children = calloc((size_t) o.processes, sizeof(pid_t));
        walk_ms = calloc((size_t) o.runs, sizeof(double));
        list_ms = calloc((size_t) o.runs, sizeof(double));
        if (!ids || !children || !walk_ms || !list_ms || pipe2(ready, O_CLOEXEC) < 0)
                return 1;
        if (make_queues(o.queues, ids) < 0) {
                fprintf(stderr, "queue-waiters: could not make %d queues: %s\n", o.queues,
                        strerror(errno));
                return 1;
        }
        for (int i = 0; i < o.processes; i++) {
                int extra = i % o.threaded_every == 0 ? o.extra_threads : 0;
                children[i] = fork();
                if (children[i] < 0) {
                        fprintf(stderr, "queue-waiters: fork: %s\n", strerror(errno));
                        return 1;
                }
                if (children[i] == 0)
                        sleeper(ready[1], extra, i < o.waiters ? ids[i] : -1);
        }
        close(ready[1]);
        for (int i = 0; i < o.processes; i++) {
                char c;
                if (read(ready[0], &c, 1) != 1)
                        return 1;
        }
        /* Let the last ones reach msgrcv or pause(). */
        nanosleep(&(struct timespec){ .tv_nsec = 300 * 1000 * 1000 }, NULL);

        for (int run = -1; run < o.runs; run++) {
                double start = now_ms();
                size_t listed = list_only();
                double middle = now_ms();

                if (queue_waiters_read("/proc", &w) < 0)
                        return 1;
                /* Run -1 warms the dentry caches up and is not counted. */
                if (run >= 0) {
                        list_ms[run] = middle - start;
                        walk_ms[run] = now_ms() - middle;
                }
                threads = listed;
                if (run == o.runs - 1)
                        printf("%zu processes, %zu threads (%zu listed), %zu waiters, %zu "
                               "uncertain namespaces; %d candidate queues\n",
                               w.n_processes, w.n_threads, threads, w.n_waiters, w.n_uncertain_ns,
                               o.queues);
                queue_waiters_done(&w);
        }
        report("queue_waiters_read()", walk_ms, o.runs);
        report("listing the tasks only", list_ms, o.runs);
        printf("per thread: %.2f us (walk), %.2f us more than listing\n",
               walk_ms[o.runs / 2] * 1000 / (double) threads,
               (walk_ms[o.runs / 2] - list_ms[o.runs / 2]) * 1000 / (double) threads);
        if (time_passes(&o) < 0)
                fprintf(stderr, "queue-waiters: timing whole passes failed\n");

        for (int i = 0; i < o.processes; i++)
                kill(children[i], SIGKILL);
        for (int i = 0; i < o.processes; i++)
                waitpid(children[i], NULL, 0);
        for (int i = 0; i < o.queues; i++)
                msgctl(ids[i], IPC_RMID, NULL);
        free(ids);
        free(children);
        free(walk_ms);
        free(list_ms);
        return 0;
}
