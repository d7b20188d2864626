/* Benchmark of the POSIX in-use walk: many processes mapping and holding files of a private
 * /dev/shm; times file_users_read() plus judging every file, against a floor that only reads
 * every maps file, lists every fd directory and stats every file, and against lsof and fuser
 * over the same mount. Run it through bench/file-users.sh. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "file-users.h"

#define SHM         "/dev/shm"
#define TMPFS_MAGIC 0x01021994

typedef struct Options {
        int processes, files, maps_per_process, open_every, runs;
        const char *exec; /* a shell command to run once the processes are in place */
} Options;

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static double median(double *ms, int runs) {
        qsort(ms, (size_t) runs, sizeof(double), compare_double);
        return ms[runs / 2];
}

static void report(const char *what, double *ms, int runs) {
        double m = median(ms, runs);
        printf("%-40s median %8.2f ms   min %8.2f   max %8.2f   (%d runs)\n", what, m, ms[0],
               ms[runs - 1], runs);
}

static void file_name(char *buf, size_t size, int i) {
        snprintf(buf, size, SHM "/bench.%05d", i);
}

/* A child: maps its files (descriptors closed), holds one more open when asked, then sleeps
 * until the pid namespace ends. */
static _Noreturn void user(int ready_fd, const Options *o, int index) {
        char path[64];

        for (int j = 0; j < o->maps_per_process; j++) {
                int fd;
                file_name(path, sizeof(path), (index * o->maps_per_process + j) % o->files);
                fd = open(path, O_RDWR | O_CLOEXEC);
                if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
                        _exit(1);
                close(fd);
        }
        if (o->open_every > 0 && index % o->open_every == 0) {
                file_name(path, sizeof(path), (o->files - 1 - index) % o->files);
                if (open(path, O_RDONLY | O_CLOEXEC) < 0)
                        _exit(1);
        }
        if (write(ready_fd, "x", 1) != 1)
                _exit(1);
        close(ready_fd);
        for (;;)
                pause();
}

/* Lists /dev/shm and stats every file: what any judge of the files must do. Calls judge for
 * each when given. Returns the number of files. */
static size_t for_each_file(void (*judge)(const struct stat *st, void *userdata), void *userdata) {
        DIR *d = opendir(SHM);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                struct stat st;
                if (de->d_name[0] == '.' ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                n++;
                if (judge)
                        judge(&st, userdata);
        }
        closedir(d);
        return n;
}

typedef struct Verdicts {
        const FileUsers *users;
        size_t used, unused;
} Verdicts;

static void judge_file(const struct stat *st, void *userdata) {
        Verdicts *v = userdata;

        if (file_users_find(v->users, st->st_dev, st->st_ino, NULL) > 0 ||
            file_users_uncertain(v->users, st->st_dev))
                v->used++;
        else
                v->unused++;
}

/* The floor: read every maps file whole (no parsing), list every fd directory with one call per
 * descriptor (a readlink: what a descriptor is cannot be known with less), then list and stat
 * every file. Returns bytes of maps read. */
static size_t floor_walk(void) {
        static char buf[65536];
        DIR *proc = opendir("/proc");
        struct dirent *de;
        size_t bytes = 0;

        if (!proc)
                return 0;
        while ((de = readdir(proc))) {
                char path[300], dents[8192];
                ssize_t n;
                int fd;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/maps", de->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        while ((n = read(fd, buf, sizeof(buf))) > 0)
                                bytes += (size_t) n;
                        close(fd);
                }
                snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
                fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        while ((n = getdents64(fd, dents, sizeof(dents))) > 0)
                                for (ssize_t off = 0; off < n;) {
                                        const struct dirent64 *e =
                                                (const struct dirent64 *) (dents + off);
                                        char link[64];
                                        off += e->d_reclen;
                                        if (e->d_name[0] != '.')
                                                (void) readlinkat(fd, e->d_name, link,
                                                                  sizeof(link));
                                }
                        close(fd);
                }
        }
        closedir(proc);
        for_each_file(NULL, NULL);
        return bytes;
}

/* A command's wall time from fork to exit, its output thrown away; -1 on failure (fuser
 * exits 1 when nothing uses the mount, which is a failure here too). */
static double time_command(char *const argv[]) {
        double start = now_ms();
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, STDOUT_FILENO);
                        dup2(null, STDERR_FILENO);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
                return -1;
        return now_ms() - start;
}

static int parse_options(int argc, char *argv[], Options *o) {
        *o = (Options){
                .processes = 2000, .files = 10000, .maps_per_process = 3, .open_every = 4, .runs = 7
        };
        for (int i = 1; i < argc; i++) {
                int *target = NULL;
                if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc) {
                        o->exec = argv[++i];
                        continue;
                }
                if (strcmp(argv[i], "--processes") == 0)
                        target = &o->processes;
                else if (strcmp(argv[i], "--files") == 0)
                        target = &o->files;
                else if (strcmp(argv[i], "--maps-per-process") == 0)
                        target = &o->maps_per_process;
                else if (strcmp(argv[i], "--runs") == 0)
                        target = &o->runs;
                if (!target || i + 1 >= argc) {
                        fprintf(stderr, "usage: file-users [--processes N] [--files N] "
                                        "[--maps-per-process N] [--runs N] [--exec CMD]\n");
                        return -1;
                }
                *target = atoi(argv[++i]);
        }
        if (o->processes < 1 || o->files < 1 || o->maps_per_process < 0 || o->runs < 1) {
                fprintf(stderr, "file-users: bad numbers\n");
                return -1;
        }
        return 0;
}

/* Only in the private namespaces of file-users.sh, on a /dev/shm of our own: a tmpfs whose
 * device is not the host's, and empty. */
static int private_shm(void) {
        const char *host_dev = getenv("IPCREAP_BENCH_HOST_SHM_DEV");
        struct statfs sfs;
        struct stat st;
        DIR *d;
        struct dirent *de;
        int entries = 0;

        const char *host_ipc = getenv("IPCREAP_BENCH_HOST_IPC_NS");
        char self[64] = "";

        /* bench-util.h's guard also refuses PID 1's namespace, which in the private pid
         * namespace of file-users.sh is this program's own: compare with the host's only. */
        if (!host_ipc || readlink("/proc/self/ns/ipc", self, sizeof(self) - 1) <= 0 ||
            strcmp(self, "ipc:[4026531839]") == 0 || strcmp(self, host_ipc) == 0)
                return 0;
        if (!host_dev || stat(SHM, &st) < 0 || statfs(SHM, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC ||
            (unsigned long long) st.st_dev == strtoull(host_dev, NULL, 10))
                return 0;
        d = opendir(SHM);
        if (!d)
                return 0;
        while ((de = readdir(d)))
                entries += de->d_name[0] != '.';
        closedir(d);
        return entries == 0;
}

int main(int argc, char *argv[]) {
        Options o;
        int ready[2];
        double *walk_ms, *floor_ms, *lsof_ms, *fuser_ms;
        struct stat shm;
        FileUsers u;
        Verdicts v = { 0 };
        size_t maps_bytes = 0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (parse_options(argc, argv, &o) < 0)
                return 2;
        if (!private_shm()) {
                fprintf(stderr, "file-users: refusing to run on a /dev/shm that is not a fresh "
                                "private tmpfs; use bench/file-users.sh\n");
                return 1;
        }
        walk_ms = calloc((size_t) o.runs, sizeof(double));
        floor_ms = calloc((size_t) o.runs, sizeof(double));
        lsof_ms = calloc((size_t) o.runs, sizeof(double));
        fuser_ms = calloc((size_t) o.runs, sizeof(double));
        if (!walk_ms || !floor_ms || !lsof_ms || !fuser_ms || pipe2(ready, O_CLOEXEC) < 0 ||
            stat(SHM, &shm) < 0)
                return 1;

        for (int i = 0; i < o.files; i++) {
                char path[64];
                int fd;
                file_name(path, sizeof(path), i);
                fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0 || ftruncate(fd, 4096) < 0)
                        return 1;
                close(fd);
        }
        for (int i = 0; i < o.processes; i++) {
                pid_t pid = fork();
                if (pid < 0)
                        return 1;
                if (pid == 0)
                        user(ready[1], &o, i);
        }
        close(ready[1]);
        for (int i = 0; i < o.processes; i++) {
                char x;
                if (read(ready[0], &x, 1) != 1) {
                        fprintf(stderr, "file-users: a child failed\n");
                        return 1;
                }
        }
        printf("%d processes, each mapping %d of %d files in a private " SHM
               " (every %dth holding one more open)\n",
               o.processes, o.maps_per_process, o.files, o.open_every);

        if (o.exec) {
                /* Other walks to compare, on the same processes and files. */
                fflush(stdout);
                return system(o.exec) == 0 ? 0 : 1;
        }

        const uint64_t devs[] = { shm.st_dev };
        char *lsof[] = { "lsof", "-n", "-P", "-w", SHM, NULL };
        char *fuser[] = { "fuser", "-m", SHM, NULL };
        size_t n_processes = 0, n_fds = 0, n_lines = 0, n_users = 0, n_uncertain = 0;
        /* Interleaved, after one warm-up round. */
        for (int run = -1; run < o.runs; run++) {
                double start = now_ms(), a, b, c, d;

                if (file_users_read("/proc", devs, 1, &u) < 0)
                        return 1;
                v = (Verdicts){ .users = &u };
                for_each_file(judge_file, &v);
                a = now_ms() - start;
                n_processes = u.n_processes;
                n_fds = u.n_fds;
                n_lines = u.n_maps_lines;
                n_users = u.n_users;
                n_uncertain = u.n_uncertain_devs;
                file_users_done(&u);
                start = now_ms();
                maps_bytes = floor_walk();
                b = now_ms() - start;
                c = time_command(lsof);
                d = time_command(fuser);
                if (c < 0 || d < 0) {
                        fprintf(stderr, "file-users: lsof or fuser failed\n");
                        return 1;
                }
                if (run >= 0) {
                        walk_ms[run] = a;
                        floor_ms[run] = b;
                        lsof_ms[run] = c;
                        fuser_ms[run] = d;
                }
        }
        printf("walk saw %zu processes, %zu descriptors, %zu maps lines (%zu KiB), %zu users; "
               "%zu files in use, %zu unused, %zu uncertain devices\n",
               n_processes, n_fds, n_lines, maps_bytes / 1024, n_users, v.used, v.unused,
               n_uncertain);
        report("file_users_read + judge every file", walk_ms, o.runs);
        report("floor: maps, fd + readlink, stat files", floor_ms, o.runs);
        report("lsof -n -P -w " SHM, lsof_ms, o.runs);
        report("fuser -m " SHM, fuser_ms, o.runs);
        printf("walk / floor: %.2f   lsof / walk: %.2f\n",
               walk_ms[o.runs / 2] / floor_ms[o.runs / 2],
               lsof_ms[o.runs / 2] / walk_ms[o.runs / 2]);
        return 0;
}
