/* The scene of bench/posix.sh: FILES shared memory files of 4 KiB in a private /dev/shm and
 * PROCESSES processes, each mapping MAPS of them (its descriptors closed, as most programs
 * do after mmap) and every OPEN_EVERY-th one also holding a descriptor on another file.
 * Prints "ready USED UNUSED" (files mapped or open, and the others) once every process is in
 * place, then waits; the processes die with it (and with the benchmark's pid namespace).
 *
 *   posix-populate FILES PROCESSES MAPS OPEN_EVERY
 *
 * Refuses to run unless /dev/shm is an empty tmpfs that is not the host's (the device
 * bench/posix.sh saw before it mounted one of its own, IPCREAP_BENCH_HOST_SHM_DEV). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SHM         "/dev/shm"
#define TMPFS_MAGIC 0x01021994

static void file_name(char *buf, size_t size, int i) {
        snprintf(buf, size, SHM "/bench.%05d", i);
}

static int mapped_file(int files, int maps, int process, int j) {
        return (process * maps + j) % files;
}

static int open_file(int files, int process) {
        return (files - 1 - process % files + files) % files;
}

static int private_shm(void) {
        const char *host_dev = getenv("IPCREAP_BENCH_HOST_SHM_DEV");
        struct statfs sfs;
        struct stat st;
        struct dirent *de;
        int entries = 0;
        DIR *d;

        if (!host_dev || stat(SHM, &st) < 0 || statfs(SHM, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC ||
            (unsigned long long) st.st_dev == strtoull(host_dev, NULL, 10))
                return 0;
        d = opendir(SHM);
        if (!d)
                return 0;
        while ((de = readdir(d)))
                entries += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(d);
        return entries == 0;
}

/* One user: maps its files, closes the descriptors, maybe holds one more open, says so and
 * sleeps. Dies with the parent. */
static _Noreturn void user(int ready_fd, int files, int maps, int open_every, int index) {
        char path[64];

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
                _exit(1);
        for (int j = 0; j < maps; j++) {
                char *p;
                int fd;
                file_name(path, sizeof(path), mapped_file(files, maps, index, j));
                fd = open(path, O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        _exit(1);
                p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (p == MAP_FAILED)
                        _exit(1);
                close(fd);
                p[0] = 1;
        }
        if (open_every > 0 && index % open_every == 0) {
                file_name(path, sizeof(path), open_file(files, index));
                if (open(path, O_RDONLY | O_CLOEXEC) < 0)
                        _exit(1);
        }
        if (write(ready_fd, "x", 1) != 1)
                _exit(1);
        close(ready_fd);
        for (;;)
                pause();
}

int main(int argc, char *argv[]) {
        int files, processes, maps, open_every, ready[2], used = 0;
        char *in_use;

        if (argc != 5) {
                fprintf(stderr, "usage: posix-populate FILES PROCESSES MAPS OPEN_EVERY\n");
                return 2;
        }
        files = atoi(argv[1]);
        processes = atoi(argv[2]);
        maps = atoi(argv[3]);
        open_every = atoi(argv[4]);
        if (files < 1 || processes < 0 || maps < 0 || open_every < 0) {
                fprintf(stderr, "posix-populate: bad numbers\n");
                return 2;
        }
        if (!private_shm()) {
                fprintf(stderr, "posix-populate: refusing: " SHM " is not an empty private tmpfs "
                                "(run bench/posix.sh)\n");
                return 1;
        }
        in_use = calloc((size_t) files, 1);
        if (!in_use || pipe2(ready, O_CLOEXEC) < 0)
                return 1;

        for (int i = 0; i < files; i++) {
                char path[64];
                int fd;
                file_name(path, sizeof(path), i);
                fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0 || ftruncate(fd, 4096) < 0) {
                        fprintf(stderr, "posix-populate: %s: %s\n", path, strerror(errno));
                        return 1;
                }
                close(fd);
        }
        for (int i = 0; i < processes; i++) {
                pid_t pid = fork();
                if (pid < 0) {
                        fprintf(stderr, "posix-populate: fork: %s\n", strerror(errno));
                        return 1;
                }
                if (pid == 0)
                        user(ready[1], files, maps, open_every, i);
                for (int j = 0; j < maps; j++)
                        in_use[mapped_file(files, maps, i, j)] = 1;
                if (open_every > 0 && i % open_every == 0)
                        in_use[open_file(files, i)] = 1;
        }
        close(ready[1]);
        for (int i = 0; i < processes; i++) {
                char x;
                if (read(ready[0], &x, 1) != 1) {
                        fprintf(stderr, "posix-populate: a process failed to map its files\n");
                        return 1;
                }
        }
        for (int i = 0; i < files; i++)
                used += in_use[i];
        printf("ready %d %d\n", used, files - used);
        fflush(stdout);
        for (;;)
                pause();
}
