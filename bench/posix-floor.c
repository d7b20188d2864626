/* The floor of bench/posix.sh: the least work any judge of POSIX shared memory must do to
 * apply SPEC section 7 to every file of /dev/shm. Once: read every process's
 * /proc/PID/maps whole (no parsing), list its /proc/PID/fd directory and readlink every
 * descriptor, then list /dev/shm and stat every file (no following symlinks). Nothing is
 * matched or judged; it prints what it read, so that the work cannot be optimised away.
 *
 *   posix-floor [PROC [SHM_DIR]]     (defaults /proc and /dev/shm) */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* getdents64 through readdir on an fd of our own: one buffer, no allocation per entry. */
static size_t for_each_fd(int proc_fd, const char *pid, size_t *links) {
        char path[300], target[4096];
        struct dirent *de;
        size_t n = 0;
        DIR *d;
        int fd;

        snprintf(path, sizeof(path), "%s/fd", pid);
        fd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                ssize_t len;
                if (de->d_name[0] == '.')
                        continue;
                n++;
                len = readlinkat(fd, de->d_name, target, sizeof(target));
                if (len > 0)
                        *links += (size_t) len;
        }
        closedir(d);
        return n;
}

static size_t read_maps(int proc_fd, const char *pid) {
        static char buf[1 << 16];
        char path[300];
        size_t bytes = 0;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "%s/maps", pid);
        fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                bytes += (size_t) n;
        close(fd);
        return bytes;
}

int main(int argc, char *argv[]) {
        const char *procfs = argc > 1 ? argv[1] : "/proc";
        const char *shm = argc > 2 ? argv[2] : "/dev/shm";
        size_t processes = 0, fds = 0, link_bytes = 0, maps_bytes = 0, files = 0, size = 0;
        struct dirent *de;
        DIR *proc, *dir;

        proc = opendir(procfs);
        if (!proc) {
                perror(procfs);
                return 1;
        }
        while ((de = readdir(proc))) {
                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                processes++;
                maps_bytes += read_maps(dirfd(proc), de->d_name);
                fds += for_each_fd(dirfd(proc), de->d_name, &link_bytes);
        }
        closedir(proc);

        dir = opendir(shm);
        if (!dir) {
                perror(shm);
                return 1;
        }
        while ((de = readdir(dir))) {
                struct stat st;
                if (de->d_name[0] == '.' && (!de->d_name[1] || strcmp(de->d_name, "..") == 0))
                        continue;
                if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                files++;
                size += (size_t) st.st_size;
        }
        closedir(dir);

        printf("%zu processes, %zu KiB of maps, %zu descriptors (%zu bytes of links), %zu files "
               "(%zu bytes)\n",
               processes, maps_bytes / 1024, fds, link_bytes, files, size);
        return 0;
}
