/* SPDX-License-Identifier: MIT */
/* Writing files and sockets whole: full writes, and atomic file replacement. */
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "io-util.h"
#include "macro.h"

int loop_write(int fd, const void *data, size_t n) {
        const char *p = data;

        while (n > 0) {
                ssize_t l = write(fd, p, n);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += l;
                n -= (size_t) l;
        }
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -1, dir_fd = -1;
        int r;

        dir = strdup(path);
        if (!dir || asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        /* open() applies the umask; the mode asked for is the mode meant. */
        if (fchmod(fd, mode) < 0 || (r = loop_write(fd, data, n)) < 0 || fsync(fd) < 0) {
                r = errno > 0 ? -errno : -EIO;
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        /* The rename is durable only once the directory is synced. */
        dir_fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0)
                (void) fsync(dir_fd);
        return 0;
}
