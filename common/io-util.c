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

/* Makes the rename durable: only a synced directory remembers it after a crash. */
static void sync_directory_of(const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int fd = -1;

        if (!dir)
                return;
        fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                (void) fsync(fd);
}

int write_file_atomic_stream(const char *path, mode_t mode, int (*writer)(FILE *f, void *userdata),
                             void *userdata) {
        _cleanup_free_ char *tmp = NULL;
        FILE *f;
        int fd, r;

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                (void) unlink(tmp);
                return r;
        }
        (void) setvbuf(f, NULL, _IOFBF, 64 * 1024);
        /* open() applies the umask; the mode asked for is the mode meant. */
        r = fchmod(fd, mode) < 0 ? -errno : 0;
        if (r >= 0)
                r = writer(f, userdata);
        if (r >= 0 && (fflush(f) == EOF || fsync(fd) < 0))
                r = errno > 0 ? -errno : -EIO;
        if (fclose(f) == EOF && r >= 0)
                r = errno > 0 ? -errno : -EIO;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        sync_directory_of(path);
        return 0;
}

typedef struct Blob {
        const void *data;
        size_t n;
} Blob;

static int write_blob(FILE *f, void *userdata) {
        const Blob *b = userdata;
        return fwrite(b->data, 1, b->n, f) == b->n ? 0 : -EIO;
}

int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode) {
        return write_file_atomic_stream(path, mode, write_blob, &(Blob){ data, n });
}
