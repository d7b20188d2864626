/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every module: cleanup attributes, array sizes, min/max. */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x)  (sizeof(x) / sizeof((x)[0]))
#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_     __attribute__((noreturn))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

/* Takes ownership out of a cleanup variable: returns the pointer and leaves NULL behind. */
#define TAKE_PTR(p)                         \
        ({                                  \
                __typeof__(p) _taken = (p); \
                (p) = NULL;                 \
                _taken;                     \
        })

#define TAKE_FD(fd)                \
        ({                         \
                int _taken = (fd); \
                (fd) = -1;         \
                _taken;            \
        })

static inline int negative_errno(void) {
        /* Some libc paths leave errno 0 on failure; never report success by accident. */
        return errno > 0 ? -errno : -EIO;
}

static inline const char *strempty(const char *s) {
        return s ? s : "";
}

static inline int streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

/* Grows *array to hold at least need elements of size size; returns false on overflow/OOM. */
static inline int greedy_realloc(void **array, size_t *allocated, size_t need, size_t size) {
        if (need <= *allocated)
                return 0;
        size_t n = MAX(need, *allocated * 2);
        n = MAX(n, (size_t) 16);
        if (n > SIZE_MAX / size)
                return -ENOMEM;
        void *q = realloc(*array, n * size);
        if (!q)
                return -ENOMEM;
        *array = q;
        *allocated = n;
        return 0;
}
#define GREEDY_REALLOC(array, allocated, need) \
        greedy_realloc((void **) &(array), &(allocated), (need), sizeof((array)[0]))

#include <dirent.h>
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

#define _cleanup_closedir_ _cleanup_(closedirp)

static inline const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Closes fd if it is one; returns -EBADF, for "fd = safe_close(fd)". */
static inline int safe_close(int fd) {
        if (fd >= 0)
                close(fd);
        return -EBADF;
}

#define PID_FMT "%" PRIi32
#define UID_FMT "%" PRIu32
#define GID_FMT "%" PRIu32
#include <inttypes.h>

/* Frees and returns NULL, for "p = mfree(p);". */
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}
