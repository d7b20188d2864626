/* The quarantine benchmark's objects and its floors (bench/quarantine.sh): leaked segments
 * filled with data, the least work that copies them durably to disk, and the least work that
 * puts such copies back into new segments.
 *
 *   quarantine-floor populate N SIZE   N segments of SIZE bytes (IPC_PRIVATE, mode 0600),
 *                                      each filled with its own pseudo-random bytes by this
 *                                      process, which then exits: every one is an orphan
 *   quarantine-floor copy DIR          the quarantine's floor: every segment of the namespace
 *                                      attached read-only, written to a new file in DIR and
 *                                      fsync'd, file by file; then one fsync of DIR
 *   quarantine-floor restore DIR       the restore's floor: every file of DIR read straight
 *                                      into a new segment of its size
 *
 * Each prints one line of counts. populate and restore refuse the host's IPC namespace. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench-util.h"

static int fail(const char *what) {
        fprintf(stderr, "quarantine-floor: %s: %s\n", what, strerror(errno));
        return 1;
}

/* Bytes no file system can compress or share between segments. */
static void fill(void *p, size_t size, uint64_t seed) {
        uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1, *w = p;

        for (size_t i = 0; i < size / sizeof(uint64_t); i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                w[i] = x;
        }
}

static int populate(long n, size_t size) {
        for (long i = 0; i < n; i++) {
                int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
                void *p;

                if (id < 0)
                        return fail("shmget");
                p = shmat(id, NULL, 0);
                if (p == (void *) -1)
                        return fail("shmat");
                fill(p, size, (uint64_t) i);
                (void) shmdt(p);
        }
        printf("created=%ld size=%zu\n", n, size);
        return 0;
}

/* The ids of /proc/sysvipc/shm, read whole before anything is done with them. */
static int read_ids(int **ret, size_t *ret_n) {
        FILE *f = fopen("/proc/sysvipc/shm", "re");
        char *line = NULL;
        size_t size = 0, n = 0, allocated = 0;
        int *ids = NULL;

        if (!f)
                return fail("/proc/sysvipc/shm");
        if (getline(&line, &size, f) >= 0)
                while (getline(&line, &size, f) >= 0) {
                        long key;
                        int id;

                        if (sscanf(line, "%ld %d", &key, &id) != 2)
                                continue;
                        if (n == allocated) {
                                int *more;
                                allocated = allocated ? allocated * 2 : 1024;
                                more = realloc(ids, allocated * sizeof(int));
                                if (!more)
                                        return fail("realloc");
                                ids = more;
                        }
                        ids[n++] = id;
                }
        free(line);
        fclose(f);
        *ret = ids;
        *ret_n = n;
        return 0;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t l = write(fd, p, n);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += l;
                n -= (size_t) l;
        }
        return 0;
}

static int copy(const char *dir) {
        int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        unsigned long long bytes = 0;
        size_t n = 0;
        int *ids = NULL;

        if (dir_fd < 0)
                return fail(dir);
        if (read_ids(&ids, &n) != 0)
                return 1;
        for (size_t i = 0; i < n; i++) {
                struct shmid_ds ds;
                char name[32];
                void *p;
                int fd;

                if (shmctl(ids[i], IPC_STAT, &ds) < 0)
                        return fail("shmctl IPC_STAT");
                p = shmat(ids[i], NULL, SHM_RDONLY);
                if (p == (void *) -1)
                        return fail("shmat");
                snprintf(name, sizeof(name), "shm-%d", ids[i]);
                fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0)
                        return fail(name);
                if (write_all(fd, p, ds.shm_segsz) < 0)
                        return fail("write");
                if (fsync(fd) < 0)
                        return fail("fsync");
                close(fd);
                (void) shmdt(p);
                bytes += ds.shm_segsz;
        }
        if (fsync(dir_fd) < 0)
                return fail("fsync of the directory");
        close(dir_fd);
        free(ids);
        printf("copied=%zu bytes=%llu\n", n, bytes);
        return 0;
}

static int restore(const char *dir) {
        DIR *d = opendir(dir);
        unsigned long long bytes = 0;
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return fail(dir);
        while ((de = readdir(d))) {
                struct stat st;
                char *p;
                int fd, id;

                if (de->d_name[0] == '.')
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0)
                        return fail(de->d_name);
                id = shmget(IPC_PRIVATE, (size_t) st.st_size, IPC_CREAT | 0600);
                if (id < 0)
                        return fail("shmget");
                p = shmat(id, NULL, 0);
                if (p == (void *) -1)
                        return fail("shmat");
                for (off_t done = 0; done < st.st_size;) {
                        ssize_t l = read(fd, p + done, (size_t) (st.st_size - done));
                        if (l < 0 && errno == EINTR)
                                continue;
                        if (l <= 0)
                                return fail("read");
                        done += l;
                }
                (void) shmdt(p);
                close(fd);
                bytes += (unsigned long long) st.st_size;
                n++;
        }
        closedir(d);
        printf("restored=%zu bytes=%llu\n", n, bytes);
        return 0;
}

int main(int argc, char *argv[]) {
        if (argc >= 2 && strcmp(argv[1], "copy") == 0 && argc == 3)
                return copy(argv[2]);
        if (argc < 2 || (strcmp(argv[1], "populate") != 0 && strcmp(argv[1], "restore") != 0)) {
                fprintf(stderr,
                        "usage: quarantine-floor populate N SIZE | copy DIR | restore DIR\n");
                return 2;
        }
        if (!in_private_ipc_namespace()) {
                fprintf(stderr, "quarantine-floor: refusing to make objects in the host's IPC "
                                "namespace; run it under unshare --ipc.\n");
                return 1;
        }
        if (strcmp(argv[1], "populate") == 0 && argc == 4)
                return populate(atol(argv[2]), (size_t) strtoull(argv[3], NULL, 0));
        if (strcmp(argv[1], "restore") == 0 && argc == 3)
                return restore(argv[2]);
        fprintf(stderr, "usage: quarantine-floor populate N SIZE | copy DIR | restore DIR\n");
        return 2;
}
