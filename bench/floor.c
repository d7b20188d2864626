/* Benchmark reference "the floor": the least kernel work any reaper must do to judge it all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <unistd.h>

/* Reads a /proc file whole into *buf (grown as needed); returns its length or -1. */
static ssize_t read_file(const char *path, char **buf, size_t *allocated) {
        size_t n = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -1;
        for (;;) {
                ssize_t l;

                if (*allocated - n < 65536) {
                        size_t want = *allocated ? *allocated * 2 : 1 << 20;
                        char *p = realloc(*buf, want);
                        if (!p) {
                                close(fd);
                                errno = ENOMEM;
                                return -1;
                        }
                        *buf = p;
                        *allocated = want;
                }
                l = read(fd, *buf + n, *allocated - n - 1);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        close(fd);
                        return -1;
                }
                if (l == 0)
                        break;
                n += (size_t) l;
        }
        close(fd);
        (*buf)[n] = 0;
        return (ssize_t) n;
}

/* Returns the index of column name in the header line, or -1. */
static int column_index(const char *header, const char *name) {
        const char *p = header;
        size_t len = strlen(name);
        int i = 0;

        for (;;) {
                while (*p == ' ')
                        p++;
                if (!*p || *p == '\n')
                        return -1;
                if (strncmp(p, name, len) == 0 && (p[len] == ' ' || p[len] == '\n'))
                        return i;
                while (*p && *p != ' ' && *p != '\n')
                        p++;
                i++;
        }
}

/* Returns the numeric value of word number index of the line at p. */
static long word_at(const char *p, int index) {
        for (int i = 0;; i++) {
                while (*p == ' ')
                        p++;
                if (i == index)
                        return strtol(p, NULL, 10);
                while (*p && *p != ' ' && *p != '\n')
                        p++;
        }
}

int main(void) {
        static const char *const tables[] = { "/proc/sysvipc/shm", "/proc/sysvipc/msg" };
        unsigned long objects = 0, semaphores = 0, sum = 0, errors = 0;
        char *buf = NULL, *line, *next;
        size_t allocated = 0;
        int id_column, nsems_column;

        /* shm and msg: everything a reaper needs is in the table itself. */
        for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
                if (read_file(tables[t], &buf, &allocated) < 0) {
                        fprintf(stderr, "floor: %s: %s\n", tables[t], strerror(errno));
                        return 1;
                }
                for (line = strchr(buf, '\n'); line && line[1]; line = strchr(line + 1, '\n'))
                        objects++;
        }

        /* sem: the table, then per semaphore its last pid and its waiters. */
        if (read_file("/proc/sysvipc/sem", &buf, &allocated) < 0) {
                fprintf(stderr, "floor: /proc/sysvipc/sem: %s\n", strerror(errno));
                return 1;
        }
        id_column = column_index(buf, "semid");
        nsems_column = column_index(buf, "nsems");
        if (id_column < 0 || nsems_column < 0) {
                fprintf(stderr, "floor: /proc/sysvipc/sem: unexpected header\n");
                return 1;
        }
        for (line = strchr(buf, '\n'); line && line[1]; line = next) {
                next = strchr(line + 1, '\n');
                int id = (int) word_at(line + 1, id_column);
                long nsems = word_at(line + 1, nsems_column);

                objects++;
                for (long i = 0; i < nsems; i++) {
                        int pid = semctl(id, (int) i, GETPID);
                        int ncnt = semctl(id, (int) i, GETNCNT);
                        int zcnt = semctl(id, (int) i, GETZCNT);

                        if (pid < 0 || ncnt < 0 || zcnt < 0)
                                errors++;
                        else
                                sum += (unsigned long) pid + (unsigned long) ncnt +
                                       (unsigned long) zcnt;
                        semaphores++;
                }
        }
        free(buf);
        printf("floor: %lu objects, %lu semaphores, %lu errors (checksum %lu)\n", objects,
               semaphores, errors, sum);
        return errors ? 1 : 0;
}
