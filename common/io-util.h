/* SPDX-License-Identifier: MIT */
/* Writing files and sockets whole: full writes, and atomic file replacement. */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Writes all n bytes (MSG_NOSIGNAL semantics for sockets are the caller's business). */
int loop_write(int fd, const void *data, size_t n);

/* Replaces path with data atomically: a temporary file in the same directory, fsync,
 * rename, fsync of the directory. On failure (a full disk) the old file stays and the
 * temporary one is removed. */
int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode);

/* The same, with the contents written by writer into a buffered stream of the temporary
 * file, for large files that need not sit in memory whole. writer returns negative errno
 * on failure. */
int write_file_atomic_stream(const char *path, mode_t mode, int (*writer)(FILE *f, void *userdata),
                             void *userdata);
