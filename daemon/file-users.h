/* SPDX-License-Identifier: MIT */
/* Which files are mapped or held open, by (device, inode), from every process's PROCFS/PID/maps
 * and PROCFS/PID/fd: the in-use test of POSIX shared memory, semaphores and message queues. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* PID/maps is read in chunks of this size, however long the file; a line longer than a chunk
 * (a deep path) is judged by its first chunk, which holds the device and the inode. */
#define FILE_USERS_MAPS_CHUNK 65536

/* One process using one file. A file mapped in several areas, or both mapped and open, by the
 * same process is one entry. */
typedef struct FileUser {
        uint64_t dev; /* st_dev encoding (makedev()) */
        uint64_t ino;
        pid_t pid;   /* as the procfs read shows it, i.e. in its pid namespace */
        bool mapped; /* some line of PID/maps names it */
        bool open;   /* some entry of PID/fd refers to it */
} FileUser;

typedef struct FileUsers {
        /* Sorted by (dev, ino, pid), for file_users_find(); only files on the devices asked
         * for. */
        FileUser *users;
        size_t n_users;
        /* Devices on which some process could not be judged: its maps or fd unreadable (no
         * ptrace access, a transient error). A process that exited half-way is not that: it
         * uses nothing any more. Sorted, unique. 0 stands for every device, and is what the
         * walk itself records: a process may map or hold any file, since descriptors can be
         * passed. */
        uint64_t *uncertain_devs;
        size_t n_uncertain_devs;
        /* Parallel to uncertain_devs: one example each, for Explain ("pid 12: reading its
         * maps: Permission denied"). */
        char **uncertain_reasons;
        /* What the walk looked at, for debug logs and the benchmark. */
        size_t n_processes, n_fds, n_maps_lines;
} FileUsers;

/* One walk of every process under procfs ("/proc" or a fixture tree), keeping the users of
 * files on the n_devs devices devs (the st_dev of the /dev/shm and /dev/mqueue mounts being
 * judged). Costs per process: one streamed read of PID/maps, one listing of PID/fd and one
 * statx per descriptor (through the magic link: sockets, pipes and anonymous inodes are told by
 * their devices like any file; a readlink to skip them by name would cost as much). Under "/proc"
 * the calling process itself is skipped: the daemon opens the files it fences.
 *
 * Matching is by (device, inode), never by path: paths differ inside containers and mmaps of
 * unlinked files read " (deleted)". A process whose maps or fd cannot be read makes every
 * device uncertain (dev 0); processes that vanish meanwhile are ignored; kernel threads have
 * empty maps and fd. When the leader of a thread group has exited (its maps and fd read
 * empty), one live thread's task/TID/maps and task/TID/fd stand for the process.
 *
 * Not visible to this or any walk of /proc, and so never counted as a use:
 * - a descriptor in flight: sent in an SCM_RIGHTS message and not yet received;
 * - an io_uring fixed file (IORING_REGISTER_FILES): the ring holds it, no fd table does;
 * - a descriptor in the private table of a thread that called unshare(CLONE_FILES) (seen only
 *   in its task/TID/fd, which the walk does not list while the leader is alive);
 * - processes a /proc mounted with hidepid= hides entirely (see file_users_add_uncertain()).
 * A file opened before the caller's check and mapped after it is the caller's race to close
 * (the POSIX fence: fchmod 000, then walk again).
 *
 * Returns 0, or negative errno (-ENOMEM, or procfs itself unreadable); *ret is untouched on
 * failure. With n_devs 0 nothing can be kept: returns an empty result without a walk.
 *
 * In fixture trees, PID/maps is text as the kernel prints it and PID/fd a directory of
 * symlinks: to files, whose st_dev and st_ino count, or dangling, as "socket:[123]" does there
 * (skipped like a descriptor closed meanwhile). */
int file_users_read(const char *procfs, const uint64_t *devs, size_t n_devs, FileUsers *ret);
void file_users_done(FileUsers *u);

/* The users of (dev, ino): returns how many, and *ret_first points to the first of them
 * (consecutive in u->users, by pid), or NULL when there is none. */
size_t file_users_find(const FileUsers *u, uint64_t dev, uint64_t ino, const FileUser **ret_first);

/* Whether a candidate file on dev must be kept because some process could not be judged. */
bool file_users_uncertain(const FileUsers *u, uint64_t dev);
/* The example reason for that, or NULL when dev is certain. */
const char *file_users_uncertain_reason(const FileUsers *u, uint64_t dev);

/* Marks dev (0: every device) uncertain with reason, for what the caller knows and the walk
 * cannot see, e.g. a /proc mounted with hidepid= that hides processes entirely. Keeps the
 * first reason per device. */
int file_users_add_uncertain(FileUsers *u, uint64_t dev, const char *reason);

/* Pure parser of one PID/maps line, with or without its newline:
 * "START-END PERMS OFFSET MAJ:MIN INODE [PATH]", addresses, offset and device in hex (the
 * device as the kernel's major and minor, any number of digits), the inode in decimal, the
 * path (which may hold spaces, end in " (deleted)", or be cut short) after blanks. Returns 1
 * for a file mapping, with its device as makedev(MAJ, MIN) and its inode; 0 for an anonymous
 * one (inode 0: [heap], [stack], [vdso], [anon:NAME]); -EBADMSG for anything else. Outputs
 * are set only when it returns 1. */
int file_users_parse_maps_line(const char *line, uint64_t *ret_dev, uint64_t *ret_ino);
