/* SPDX-License-Identifier: MIT */
/* Tests the finder of mapped and open files (the in-use test of POSIX IPC): the parser of
 * /proc/PID/maps lines, the walk over the fixture trees in tests/fixtures/procfs-users/ and
 * trees built at run time (huge maps, overlong lines, unreadable files), and real processes
 * mapping or holding files under the live /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "file-users.h"
#include "macro.h"

#define FIXTURES "tests/fixtures/procfs-users/"
/* The fake devices the fixtures' maps lines name: 00:fff42 is asked for, 00:fff43 is not. */
#define SHM_DEV   ((uint64_t) makedev(0, 0xfff42))
#define OTHER_DEV ((uint64_t) makedev(0, 0xfff43))

/* ---- the parser ---- */

typedef struct ParseCase {
        const char *line;
        int r;
        uint64_t dev, ino;
} ParseCase;

static void check_parse_cases(const ParseCase *cases, size_t n) {
        for (size_t i = 0; i < n; i++) {
                uint64_t dev = 42, ino = 42;
                int r = file_users_parse_maps_line(cases[i].line, &dev, &ino);

                if (r != cases[i].r || (r == 1 && (dev != cases[i].dev || ino != cases[i].ino)))
                        print_error("case %zu \"%s\": got %d dev %" PRIx64 " ino %" PRIu64 "\n", i,
                                    cases[i].line, r, dev, ino);
                assert_int_equal(r, cases[i].r);
                if (r == 1) {
                        assert_int_equal(dev, cases[i].dev);
                        assert_int_equal(ino, cases[i].ino);
                } else {
                        /* Outputs are set only for a file mapping. */
                        assert_int_equal(dev, 42);
                        assert_int_equal(ino, 42);
                }
        }
}

static void file_mapping_gives_device_and_inode(void **state) {
        /* Not static: makedev() is a function. */
        const ParseCase cases[] = {
                { "7f3e8d000000-7f3e8d800000 rw-s 00000000 00:1a 1001                       "
                  "/dev/shm/PostgreSQL.1234\n",
                  1, makedev(0, 0x1a), 1001 },
                /* Without the newline, as the walk hands lines over. */
                { "7f3e8d000000-7f3e8d800000 rw-s 00000000 00:1a 1001 /dev/shm/sem.pg", 1,
                  makedev(0, 0x1a), 1001 },
                { "5631c1575000-5631c1577000 r--p 00000000 fe:00 247134                     "
                  "/usr/bin/cat",
                  1, makedev(0xfe, 0), 247134 },
                /* The kernel's dev_t has a 12-bit major and a 20-bit minor, printed with at
                 * least two hex digits each and more when needed. */
                { "7f0000000000-7f0000001000 r--s 00000000 103:a0000 5 /x", 1,
                  makedev(0x103, 0xa0000), 5 },
                { "7f0000000000-7f0000001000 r--s 00000000 fff:fffff 18446744073709551615 /x", 1,
                  makedev(0xfff, 0xfffff), UINT64_MAX },
                /* A 32-bit process: eight-digit addresses; a large offset. */
                { "08048000-08049000 r-xp 00000000 08:01 1311742 /usr/bin/old", 1, makedev(8, 1),
                  1311742 },
                { "ffff80000000-ffff80001000 rw-s 7fffffffff000 00:05 3 /SYSV00000000 (deleted)", 1,
                  makedev(0, 5), 3 },
                /* Any permissions. */
                { "7f0000000000-7f0000001000 ---p 00000000 00:1a 9 /dev/shm/guard", 1,
                  makedev(0, 0x1a), 9 },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void anonymous_mappings_are_not_files(void **state) {
        static const ParseCase cases[] = {
                { "5631c7adf000-5631c7b00000 rw-p 00000000 00:00 0                          "
                  "[heap]\n",
                  0, 0, 0 },
                { "7ffc1a20c000-7ffc1a22d000 rw-p 00000000 00:00 0                          "
                  "[stack]",
                  0, 0, 0 },
                { "7ffc1a2fc000-7ffc1a2fe000 r-xp 00000000 00:00 0 [vdso]", 0, 0, 0 },
                { "7ffc1a2f8000-7ffc1a2fc000 r--p 00000000 00:00 0 [vvar]", 0, 0, 0 },
                { "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]", 0, 0, 0 },
                { "7f0000300000-7f0000301000 rw-p 00000000 00:00 0 [anon:glibc malloc]", 0, 0, 0 },
                /* Unnamed: the kernel ends the line with a blank after the inode. */
                { "7fe5b3475000-7fe5b3539000 rw-p 00000000 00:00 0 \n", 0, 0, 0 },
                { "7fe5b3475000-7fe5b3539000 rw-p 00000000 00:00 0 ", 0, 0, 0 },
                { "7fe5b3475000-7fe5b3539000 rw-p 00000000 00:00 0", 0, 0, 0 },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void deleted_spaced_and_cut_paths_still_give_the_inode(void **state) {
        /* Not static: makedev() is a function. */
        const ParseCase cases[] = {
                { "7f0000600000-7f0000700000 rw-s 00000000 00:1a 1003                    "
                  "/dev/shm/dropped (deleted)\n",
                  1, makedev(0, 0x1a), 1003 },
                { "7f0000800000-7f0000900000 rw-s 00000000 00:1a 1004 /dev/shm/with two  spaces", 1,
                  makedev(0, 0x1a), 1004 },
                /* A name that looks like the fields (a path can hold anything). */
                { "7f0000800000-7f0000900000 rw-s 00000000 00:1a 1005 /dev/shm/00:00 0 [heap]", 1,
                  makedev(0, 0x1a), 1005 },
                /* A newline in a name is escaped by the kernel (seq_file_path(..., "\n")). */
                { "7f0000800000-7f0000900000 rw-s 00000000 00:1a 1006 /dev/shm/two\\012lines", 1,
                  makedev(0, 0x1a), 1006 },
                /* memfd and shared anonymous memory are files on internal mounts. */
                { "7f0000800000-7f0000900000 rw-s 00000000 00:01 2051 /memfd:pool (deleted)", 1,
                  makedev(0, 1), 2051 },
                { "7f0000800000-7f0000900000 rw-s 00000000 00:01 77 /dev/zero (deleted)", 1,
                  makedev(0, 1), 77 },
                /* The head of a line longer than the read buffer: the path is cut. */
                { "7f0000800000-7f0000900000 rw-s 00000000 00:1a 1007                    /dev/sh",
                  1, makedev(0, 0x1a), 1007 },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void garbage_lines_are_rejected(void **state) {
        static const ParseCase cases[] = {
                { "", -EBADMSG, 0, 0 },
                { "\n", -EBADMSG, 0, 0 },
                { "this is not a maps line", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00:1a", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00:1a ", -EBADMSG, 0, 0 },
                { "7f0000000000 rw-s 00000000 00:1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 001a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00-1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 :1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00: 5 /x", -EBADMSG, 0, 0 },
                /* The kernel prints lowercase hex. */
                { "7f0000000000-7f0000001000 rw-s 00000000 00:1A 5 /x", -EBADMSG, 0, 0 },
                { "7F0000000000-7f0000001000 rw-s 00000000 00:1a 5 /x", -EBADMSG, 0, 0 },
                /* More digits than the fields can hold. */
                { "7f0000000000-7f0000001000 rw-s 00000000 123456789:1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00:123456789 5 /x", -EBADMSG, 0, 0 },
                { "17f0000000000000-7f0000001000 rw-s 00000000 00:1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00:1a 99999999999999999999 /x", -EBADMSG,
                  0, 0 },
                /* Fields out of shape. */
                { "7f0000001000-7f0000000000 rw-s 00000000 00:1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rwxq 00000000 00:1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s  00000000 00:1a 5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00:1a -5 /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00:1a 5x /x", -EBADMSG, 0, 0 },
                { "7f0000000000-7f0000001000 rw-s 00000000 00:1a 5\n\n", -EBADMSG, 0, 0 },
                { " 7f0000000000-7f0000001000 rw-s 00000000 00:1a 5 /x", -EBADMSG, 0, 0 },
        };
        check_parse_cases(cases, ELEMENTSOF(cases));
}

/* ---- the walk over fixture trees ---- */

typedef struct FixtureFiles {
        uint64_t dev;
        uint64_t shm_a, shm_b, mq_c;
} FixtureFiles;

/* The real files the fixtures' descriptor links point to. */
static FixtureFiles fixture_files(void) {
        struct stat a, b, c;

        assert_int_equal(stat(FIXTURES "files/shm-a", &a), 0);
        assert_int_equal(stat(FIXTURES "files/shm-b", &b), 0);
        assert_int_equal(stat(FIXTURES "files/mq-c", &c), 0);
        /* The fake devices must not be the tree's own. */
        assert_true((uint64_t) a.st_dev != SHM_DEV && (uint64_t) a.st_dev != OTHER_DEV);
        return (FixtureFiles){
                .dev = a.st_dev, .shm_a = a.st_ino, .shm_b = b.st_ino, .mq_c = c.st_ino
        };
}

static void read_fixture(const char *name, const uint64_t *devs, size_t n_devs, FileUsers *u) {
        char path[256];

        snprintf(path, sizeof(path), FIXTURES "%s", name);
        assert_int_equal(file_users_read(path, devs, n_devs, u), 0);
}

static void assert_user(const FileUser *f, uint64_t dev, uint64_t ino, pid_t pid, bool mapped,
                        bool open) {
        assert_int_equal(f->dev, dev);
        assert_int_equal(f->ino, ino);
        assert_int_equal(f->pid, pid);
        assert_int_equal(f->mapped, mapped);
        assert_int_equal(f->open, open);
}

static void mapped_and_open_files_are_found_by_device_and_inode(void **state) {
        FixtureFiles files = fixture_files();
        const uint64_t devs[] = { SHM_DEV, files.dev };
        const FileUser *first;
        FileUsers u;

        read_fixture("basic", devs, ELEMENTSOF(devs), &u);
        /* 2 (a kernel thread), 100, 200, 300; "self", "stat" and "tty" are not processes. */
        assert_int_equal(u.n_processes, 4);
        assert_int_equal(u.n_fds, 10);
        assert_int_equal(u.n_maps_lines, 21);
        assert_int_equal(u.n_uncertain_devs, 0);
        assert_false(file_users_uncertain(&u, SHM_DEV));
        assert_null(file_users_uncertain_reason(&u, files.dev));

        /* Mapped by two processes; 200 maps it in three areas, apart: one entry. */
        assert_int_equal(file_users_find(&u, SHM_DEV, 1001, &first), 2);
        assert_user(&first[0], SHM_DEV, 1001, 100, true, false);
        assert_user(&first[1], SHM_DEV, 1001, 200, true, false);
        /* A semaphore is a mapped file too. */
        assert_int_equal(file_users_find(&u, SHM_DEV, 1002, &first), 1);
        assert_user(first, SHM_DEV, 1002, 100, true, false);
        /* " (deleted)" and blanks in the path change nothing. */
        assert_int_equal(file_users_find(&u, SHM_DEV, 1003, &first), 1);
        assert_user(first, SHM_DEV, 1003, 200, true, false);
        assert_int_equal(file_users_find(&u, SHM_DEV, 1004, &first), 1);
        assert_user(first, SHM_DEV, 1004, 200, true, false);

        /* Open through descriptors: the links lead to the real files. */
        assert_int_equal(file_users_find(&u, files.dev, files.shm_a, &first), 2);
        assert_user(&first[0], files.dev, files.shm_a, 100, false, true);
        assert_user(&first[1], files.dev, files.shm_a, 200, false, true);
        assert_int_equal(file_users_find(&u, files.dev, files.mq_c, &first), 1);
        assert_user(first, files.dev, files.mq_c, 200, false, true);
        /* Nobody uses shm-b, nor anything else. */
        assert_int_equal(file_users_find(&u, files.dev, files.shm_b, &first), 0);
        assert_null(first);
        assert_int_equal(file_users_find(&u, SHM_DEV, 1000, NULL), 0);
        assert_int_equal(file_users_find(&u, SHM_DEV, 1008, NULL), 0);

        /* Devices not asked for are not kept: 00:fff43, the libraries' 08:01 and fd:00. */
        assert_int_equal(file_users_find(&u, OTHER_DEV, 1005, NULL), 0);
        assert_int_equal(file_users_find(&u, makedev(8, 1), 1311742, NULL), 0);
        assert_int_equal(u.n_users, 8);
        for (size_t i = 0; i < u.n_users; i++)
                assert_true(u.users[i].dev == SHM_DEV || u.users[i].dev == files.dev);
        file_users_done(&u);
}

static void only_the_devices_asked_for_are_kept(void **state) {
        const uint64_t devs[] = { OTHER_DEV };
        const FileUser *first;
        FileUsers u;

        read_fixture("basic", devs, ELEMENTSOF(devs), &u);
        assert_int_equal(u.n_users, 1);
        assert_int_equal(file_users_find(&u, OTHER_DEV, 1005, &first), 1);
        assert_user(first, OTHER_DEV, 1005, 200, true, false);
        assert_int_equal(file_users_find(&u, SHM_DEV, 1001, NULL), 0);
        /* The whole tree was still read. */
        assert_int_equal(u.n_processes, 4);
        assert_int_equal(u.n_fds, 10);
        file_users_done(&u);
}

static void no_device_asked_for_needs_no_walk(void **state) {
        FileUsers u = { .n_users = 99 };

        assert_int_equal(file_users_read(FIXTURES "no-such-tree", NULL, 0, &u), 0);
        assert_int_equal(u.n_users, 0);
        assert_int_equal(u.n_processes, 0);
        assert_false(file_users_uncertain(&u, SHM_DEV));
        file_users_done(&u);
}

static void process_gone_meanwhile_is_ignored(void **state) {
        FixtureFiles files = fixture_files();
        const uint64_t devs[] = { SHM_DEV, files.dev };
        const FileUser *first;
        FileUsers u;

        read_fixture("gone", devs, ELEMENTSOF(devs), &u);
        /* 100 lost its fd directory after its maps were read: what it mapped is kept. 101 has
         * no maps left: not counted. Neither makes anything uncertain. */
        assert_int_equal(u.n_uncertain_devs, 0);
        assert_int_equal(u.n_processes, 2);
        assert_int_equal(file_users_find(&u, SHM_DEV, 1001, &first), 1);
        assert_user(first, SHM_DEV, 1001, 100, true, false);
        assert_int_equal(file_users_find(&u, SHM_DEV, 1002, &first), 1);
        assert_user(first, SHM_DEV, 1002, 102, true, false);
        assert_int_equal(file_users_find(&u, files.dev, files.shm_b, &first), 1);
        assert_user(first, files.dev, files.shm_b, 102, false, true);
        file_users_done(&u);
}

static void live_thread_of_an_exited_leader_stands_for_the_process(void **state) {
        FixtureFiles files = fixture_files();
        const uint64_t devs[] = { SHM_DEV, files.dev };
        const FileUser *first;
        FileUsers u;

        read_fixture("leader-exited", devs, ELEMENTSOF(devs), &u);
        assert_int_equal(u.n_uncertain_devs, 0);
        assert_int_equal(u.n_processes, 1);
        assert_int_equal(file_users_find(&u, SHM_DEV, 1006, &first), 1);
        assert_user(first, SHM_DEV, 1006, 500, true, false);
        assert_int_equal(file_users_find(&u, files.dev, files.shm_b, &first), 1);
        assert_user(first, files.dev, files.shm_b, 500, false, true);
        file_users_done(&u);
}

static void malformed_maps_make_every_device_uncertain(void **state) {
        const uint64_t devs[] = { SHM_DEV };
        FileUsers u;

        read_fixture("malformed", devs, ELEMENTSOF(devs), &u);
        assert_int_equal(u.n_uncertain_devs, 1);
        assert_int_equal(u.uncertain_devs[0], 0);
        assert_true(file_users_uncertain(&u, SHM_DEV));
        assert_true(file_users_uncertain(&u, OTHER_DEV));
        assert_string_equal(file_users_uncertain_reason(&u, SHM_DEV),
                            "pid 100: unexpected line in its maps");
        /* The other process is still judged. */
        assert_int_equal(file_users_find(&u, SHM_DEV, 1001, NULL), 1);
        file_users_done(&u);
}

static void read_errors_make_every_device_uncertain(void **state) {
        const uint64_t devs[] = { SHM_DEV };
        FileUsers u;

        read_fixture("read-error", devs, ELEMENTSOF(devs), &u);
        assert_true(file_users_uncertain(&u, SHM_DEV));
        assert_string_equal(file_users_uncertain_reason(&u, 12345),
                            "pid 100: reading its maps: Is a directory");
        file_users_done(&u);

        read_fixture("fd-not-a-directory", devs, ELEMENTSOF(devs), &u);
        assert_true(file_users_uncertain(&u, SHM_DEV));
        assert_string_equal(file_users_uncertain_reason(&u, SHM_DEV),
                            "pid 200: listing its descriptors: Not a directory");
        /* What its maps showed is still true. */
        assert_int_equal(file_users_find(&u, SHM_DEV, 1001, NULL), 1);
        file_users_done(&u);
}

static void missing_procfs_fails(void **state) {
        const uint64_t devs[] = { SHM_DEV };
        FileUsers u = { .n_users = 99 };

        assert_int_equal(file_users_read(FIXTURES "no-such-tree", devs, 1, &u), -ENOENT);
        assert_int_equal(u.n_users, 99); /* untouched */
}

static void added_uncertainty_keeps_the_first_reason_and_the_order(void **state) {
        FileUsers u = { 0 };

        assert_false(file_users_uncertain(&u, SHM_DEV));
        assert_int_equal(file_users_add_uncertain(&u, OTHER_DEV, "b"), 0);
        assert_int_equal(file_users_add_uncertain(&u, SHM_DEV, "a"), 0);
        assert_int_equal(file_users_add_uncertain(&u, SHM_DEV, "again"), 0);
        assert_int_equal(u.n_uncertain_devs, 2);
        assert_int_equal(u.uncertain_devs[0], SHM_DEV);
        assert_int_equal(u.uncertain_devs[1], OTHER_DEV);
        assert_string_equal(file_users_uncertain_reason(&u, SHM_DEV), "a");
        assert_false(file_users_uncertain(&u, 77));
        /* 0: every device. */
        assert_int_equal(file_users_add_uncertain(&u, 0, "hidepid"), 0);
        assert_string_equal(file_users_uncertain_reason(&u, 77), "hidepid");
        assert_string_equal(file_users_uncertain_reason(&u, OTHER_DEV), "b");
        file_users_done(&u);
}

/* ---- trees built at run time ---- */

static void write_file(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        size_t l = strlen(text);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, l), (ssize_t) l);
        assert_int_equal(close(fd), 0);
}

/* ROOT/PID with an empty fd directory, and PID/maps when maps is not NULL. */
static void make_process(const char *root, int pid, const char *maps) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%d", root, pid);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
        assert_int_equal(mkdir(path, 0755), 0);
        if (maps) {
                snprintf(path, sizeof(path), "%s/%d/maps", root, pid);
                write_file(path, maps, 0644);
        }
}

static void make_tree(char root[static 64]) {
        strcpy(root, "/tmp/test-file-users.XXXXXX");
        assert_non_null(mkdtemp(root));
        assert_int_equal(chmod(root, 0755), 0);
}

static void remove_tree(const char *root) {
        char cmd[600];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

/* A maps line naming (dev, ino) with the given path. */
static int maps_line(char *buf, size_t size, uint64_t dev, uint64_t ino, const char *path) {
        return snprintf(buf, size,
                        "7f3e8d000000-7f3e8d800000 rw-s 00000000 %02x:%02x %" PRIu64
                        "                    %s\n",
                        major(dev), minor(dev), ino, path);
}

static void file_mapped_and_open_by_one_process_is_one_entry(void **state) {
        char root[64], path[600], maps[4096];
        const FileUser *first;
        struct stat st;
        FileUsers u;
        size_t l = 0;

        make_tree(root);
        snprintf(path, sizeof(path), "%s/segment", root);
        write_file(path, "x", 0600);
        assert_int_equal(stat(path, &st), 0);
        /* Mapped twice, apart, and open twice: one entry, both ways. */
        l += (size_t) maps_line(maps + l, sizeof(maps) - l, st.st_dev, st.st_ino, path);
        l += (size_t) snprintf(maps + l, sizeof(maps) - l,
                               "7fff00000000-7fff00001000 rw-p 00000000 00:00 0 [stack]\n");
        maps_line(maps + l, sizeof(maps) - l, st.st_dev, st.st_ino, path);
        make_process(root, 100, maps);
        snprintf(path, sizeof(path), "%s/100/fd/3", root);
        assert_int_equal(symlink("../../segment", path), 0);
        snprintf(path, sizeof(path), "%s/100/fd/7", root);
        assert_int_equal(symlink("../../segment", path), 0);

        const uint64_t devs[] = { st.st_dev };
        assert_int_equal(file_users_read(root, devs, 1, &u), 0);
        assert_int_equal(u.n_users, 1);
        assert_int_equal(file_users_find(&u, st.st_dev, st.st_ino, &first), 1);
        assert_user(first, st.st_dev, st.st_ino, 100, true, true);
        file_users_done(&u);
        remove_tree(root);
}

/* Appends to a growing text. */
typedef struct Text {
        char *data;
        size_t size, allocated;
} Text;

static void text_append(Text *t, const char *s, size_t l) {
        assert_int_equal(GREEDY_REALLOC(t->data, t->allocated, t->size + l + 1), 0);
        memcpy(t->data + t->size, s, l);
        t->size += l;
        t->data[t->size] = 0;
}

static void text_append_line(Text *t, uint64_t dev, uint64_t ino, const char *path) {
        size_t size = strlen(path) + 128;
        _cleanup_free_ char *line = malloc(size);

        assert_non_null(line);
        text_append(t, line, (size_t) maps_line(line, size, dev, ino, path));
}

/* A path of l characters under /dev/shm. */
static char *long_path(size_t l) {
        char *p = malloc(l + 1);

        assert_non_null(p);
        memset(p, 'n', l);
        memcpy(p, "/dev/shm/", 9);
        for (size_t i = 100; i < l; i += 100)
                p[i] = i % 300 == 0 ? ' ' : '/';
        p[l] = 0;
        return p;
}

#define HUGE_MAPS_LINES 200000

static void huge_maps_with_overlong_lines_are_streamed(void **state) {
        _cleanup_free_ char *path_10k = long_path(10 * 1024),
                            *path_huge = long_path(3 * FILE_USERS_MAPS_CHUNK + 123);
        char root[64];
        Text maps = { 0 };
        const FileUser *first;
        FileUsers u;
        size_t lines = 0;

        make_tree(root);
        /* Targets at the start, in the middle, after a 10 KB line, after a line of three
         * chunks and more, and last without its newline; libraries and anonymous areas
         * between them. */
        text_append_line(&maps, SHM_DEV, 1, "/dev/shm/first"), lines++;
        for (size_t i = 0; lines < HUGE_MAPS_LINES - 5; i++) {
                if (i % 2)
                        text_append_line(&maps, makedev(8, 1), 1311742 + i % 50,
                                         "/usr/lib/x86_64-linux-gnu/libsomething.so.1");
                else
                        text_append_line(&maps, 0, 0, "[anon:bench]");
                lines++;
                if (lines == HUGE_MAPS_LINES / 2)
                        text_append_line(&maps, SHM_DEV, 2, "/dev/shm/middle (deleted)"), lines++;
        }
        text_append_line(&maps, SHM_DEV, 3, path_10k), lines++;
        text_append_line(&maps, SHM_DEV, 4, path_huge), lines++;
        text_append_line(&maps, SHM_DEV, 5, "/dev/shm/after the huge line"), lines++;
        text_append_line(&maps, OTHER_DEV, 7, path_huge), lines++;
        text_append_line(&maps, SHM_DEV, 6, "/dev/shm/last"), lines++;
        maps.data[--maps.size] = 0;
        assert_int_equal(lines, HUGE_MAPS_LINES);
        assert_true(maps.size > 60 * (size_t) HUGE_MAPS_LINES);
        make_process(root, 100, maps.data);
        free(maps.data);

        const uint64_t devs[] = { SHM_DEV };
        assert_int_equal(file_users_read(root, devs, 1, &u), 0);
        assert_int_equal(u.n_maps_lines, HUGE_MAPS_LINES);
        assert_int_equal(u.n_uncertain_devs, 0);
        assert_int_equal(u.n_users, 6);
        for (uint64_t ino = 1; ino <= 6; ino++) {
                assert_int_equal(file_users_find(&u, SHM_DEV, ino, &first), 1);
                assert_user(first, SHM_DEV, ino, 100, true, false);
        }
        file_users_done(&u);
        remove_tree(root);
}

/* Runs in a child without privileges: exits 0 when the walks judged as they should. */
static _noreturn_ void check_unreadable_as_nobody(const char *maps_root, const char *fd_root) {
        const uint64_t devs[] = { SHM_DEV };
        FileUsers u;

        if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                               setresuid(65534, 65534, 65534) < 0))
                _exit(10);
        if (file_users_read(maps_root, devs, 1, &u) < 0)
                _exit(11);
        /* 100's maps unreadable: every device; 200 still found. */
        if (u.n_uncertain_devs != 1 || u.uncertain_devs[0] != 0)
                _exit(12);
        if (!streq(file_users_uncertain_reason(&u, SHM_DEV),
                   "pid 100: reading its maps: Permission denied"))
                _exit(13);
        if (file_users_find(&u, SHM_DEV, 1001, NULL) != 1 || u.n_users != 1)
                _exit(14);
        file_users_done(&u);

        if (file_users_read(fd_root, devs, 1, &u) < 0)
                _exit(15);
        if (!streq(file_users_uncertain_reason(&u, 12345),
                   "pid 300: listing its descriptors: Permission denied"))
                _exit(16);
        file_users_done(&u);
        _exit(0);
}

static void unreadable_maps_or_fd_make_every_device_uncertain(void **state) {
        char maps_root[64], fd_root[64], path[128], line[256];
        int status;
        pid_t pid;

        make_tree(maps_root);
        make_process(maps_root, 100, NULL);
        snprintf(path, sizeof(path), "%s/100/maps", maps_root);
        write_file(path, "7f3e8d000000-7f3e8d800000 rw-s 00000000 00:fff42 1002 /dev/shm/b\n", 0);
        maps_line(line, sizeof(line), SHM_DEV, 1001, "/dev/shm/a");
        make_process(maps_root, 200, line);

        make_tree(fd_root);
        make_process(fd_root, 300, line);
        snprintf(path, sizeof(path), "%s/300/fd", fd_root);
        assert_int_equal(chmod(path, 0), 0);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                check_unreadable_as_nobody(maps_root, fd_root);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        remove_tree(maps_root);
        remove_tree(fd_root);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- real processes under the live /proc ---- */

typedef struct Child {
        pid_t pid;
        int release_fd; /* closing it lets the child exit */
} Child;

typedef enum ChildAction {
        CHILD_MAP,  /* map the file, then close its descriptor */
        CHILD_OPEN, /* hold it open, never map it */
        CHILD_QUEUE /* hold a POSIX message queue open */
} ChildAction;

/* A child that uses what (a path, or a queue name) as told, says so through a pipe, and waits
 * until the test closes release_fd; _exit(): no cmocka or leak-checker handlers in it. */
static Child spawn_user(ChildAction action, const char *what) {
        int ready[2], release[2];
        Child c;
        char x;

        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        assert_int_equal(pipe2(release, O_CLOEXEC), 0);
        c.pid = fork();
        assert_true(c.pid >= 0);
        if (c.pid == 0) {
                int fd = -1;
                void *p = NULL;

                close(ready[0]);
                close(release[1]);
                alarm(60); /* ends it if the test fails before releasing it */
                if (action == CHILD_QUEUE)
                        fd = mq_open(what, O_RDONLY | O_CLOEXEC);
                else
                        fd = open(what, O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        _exit(2);
                if (action == CHILD_MAP) {
                        p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                        if (p == MAP_FAILED || close(fd) < 0)
                                _exit(3);
                }
                if (write(ready[1], "x", 1) != 1)
                        _exit(4);
                (void) read(release[0], &x, 1);
                _exit(0);
        }
        close(ready[1]);
        close(release[0]);
        assert_int_equal(read(ready[0], &x, 1), 1);
        close(ready[0]);
        c.release_fd = release[1];
        return c;
}

/* Releases the children together: each holds copies of the release pipes of those spawned
 * before it. */
static void release_users(Child *children, size_t n) {
        for (size_t i = 0; i < n; i++)
                close(children[i].release_fd);
        for (size_t i = 0; i < n; i++) {
                int status;

                assert_int_equal(waitpid(children[i].pid, &status, 0), children[i].pid);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
        }
}

static void make_file(const char *path, struct stat *ret) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 4096), 0);
        assert_int_equal(fstat(fd, ret), 0);
        assert_int_equal(close(fd), 0);
}

static void live_mapped_and_open_files_are_found_with_their_pids(void **state) {
        char root[64], mapped[128], opened[128], idle[128], held[128];
        struct stat m, o, i, h;
        const FileUser *first;
        FileUsers u;
        int held_fd;

        make_tree(root);
        snprintf(mapped, sizeof(mapped), "%s/mapped", root);
        snprintf(opened, sizeof(opened), "%s/opened", root);
        snprintf(idle, sizeof(idle), "%s/idle", root);
        snprintf(held, sizeof(held), "%s/held-by-the-walker", root);
        make_file(mapped, &m);
        make_file(opened, &o);
        make_file(idle, &i);
        make_file(held, &h);
        Child children[2] = { spawn_user(CHILD_MAP, mapped), spawn_user(CHILD_OPEN, opened) };
        const Child *mapper = &children[0], *opener = &children[1];
        /* After the forks, so no child inherits it: the walking process skips itself. */
        held_fd = open(held, O_RDONLY | O_CLOEXEC);
        assert_true(held_fd >= 0);

        const uint64_t devs[] = { m.st_dev };
        assert_int_equal(file_users_read("/proc", devs, 1, &u), 0);
        assert_int_equal(file_users_find(&u, m.st_dev, m.st_ino, &first), 1);
        assert_user(first, m.st_dev, m.st_ino, mapper->pid, true, false);
        assert_int_equal(file_users_find(&u, o.st_dev, o.st_ino, &first), 1);
        assert_user(first, o.st_dev, o.st_ino, opener->pid, false, true);
        assert_int_equal(file_users_find(&u, i.st_dev, i.st_ino, NULL), 0);
        assert_int_equal(file_users_find(&u, h.st_dev, h.st_ino, NULL), 0);
        assert_true(u.n_processes >= 3);
        file_users_done(&u);

        close(held_fd);
        release_users(children, ELEMENTSOF(children));
        remove_tree(root);
}

static void live_message_queue_held_open_is_found(void **state) {
        struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 16 };
        const FileUser *first;
        char name[64];
        struct stat st;
        FileUsers u;
        mqd_t q;

        /* In the private IPC namespace of tests/run-unit.sh: the queue is the test's own. */
        snprintf(name, sizeof(name), "/test-file-users.%d", (int) getpid());
        q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
        assert_true(q >= 0);
        /* The queue's inode on the namespace's mqueue filesystem, through its descriptor. */
        assert_int_equal(fstat(q, &st), 0);
        Child holder = spawn_user(CHILD_QUEUE, name);

        const uint64_t devs[] = { st.st_dev };
        assert_int_equal(file_users_read("/proc", devs, 1, &u), 0);
        /* The holder, not this process (the walker skips itself). */
        assert_int_equal(file_users_find(&u, st.st_dev, st.st_ino, &first), 1);
        assert_user(first, st.st_dev, st.st_ino, holder.pid, false, true);
        file_users_done(&u);

        release_users(&holder, 1);
        assert_int_equal(mq_close(q), 0);
        assert_int_equal(mq_unlink(name), 0);
}

/* A child whose leader left with pthread_exit() while a worker maps one file and holds
 * another: the zombie leader's PID/maps and PID/fd read empty, the worker's task/TID ones do
 * not. */
typedef struct Worker {
        const char *mapped, *opened;
        int ready_fd, release_fd;
} Worker;

static void *map_and_hold(void *userdata) {
        const Worker *w = userdata;
        int fd = open(w->mapped, O_RDWR | O_CLOEXEC);
        char x;

        if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ||
            close(fd) < 0 || open(w->opened, O_RDONLY | O_CLOEXEC) < 0 ||
            write(w->ready_fd, "x", 1) != 1)
                _exit(2);
        (void) read(w->release_fd, &x, 1);
        _exit(0);
}

static _noreturn_ void exit_leader_keep_worker(Worker *w) {
        /* Static: the leader's stack is gone once it has left. */
        static Worker worker;
        pthread_t thread;

        worker = *w;
        alarm(60); /* ends it if the test fails before releasing it */
        if (pthread_create(&thread, NULL, map_and_hold, &worker) != 0)
                _exit(1);
        pthread_exit(NULL);
}

static void live_worker_of_an_exited_leader_is_found(void **state) {
        char root[64], mapped[128], opened[128];
        int ready[2], release[2], status;
        const FileUser *first;
        struct stat m, o;
        FileUsers u;
        pid_t child;
        char x;

        make_tree(root);
        snprintf(mapped, sizeof(mapped), "%s/mapped", root);
        snprintf(opened, sizeof(opened), "%s/opened", root);
        make_file(mapped, &m);
        make_file(opened, &o);
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        assert_int_equal(pipe2(release, O_CLOEXEC), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                close(ready[0]);
                close(release[1]);
                exit_leader_keep_worker(&(Worker){ .mapped = mapped,
                                                   .opened = opened,
                                                   .ready_fd = ready[1],
                                                   .release_fd = release[0] });
        }
        close(ready[1]);
        close(release[0]);
        assert_int_equal(read(ready[0], &x, 1), 1);
        close(ready[0]);

        const uint64_t devs[] = { m.st_dev };
        assert_int_equal(file_users_read("/proc", devs, 1, &u), 0);
        assert_int_equal(file_users_find(&u, m.st_dev, m.st_ino, &first), 1);
        assert_user(first, m.st_dev, m.st_ino, child, true, false);
        assert_int_equal(file_users_find(&u, o.st_dev, o.st_ino, &first), 1);
        assert_user(first, o.st_dev, o.st_ino, child, false, true);
        file_users_done(&u);

        close(release[1]);
        assert_int_equal(waitpid(child, &status, 0), child);
        /* (Its exit status is valgrind's to change under it: the leader's stack is gone.) */
        assert_true(WIFEXITED(status));
        remove_tree(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(file_mapping_gives_device_and_inode),
                cmocka_unit_test(anonymous_mappings_are_not_files),
                cmocka_unit_test(deleted_spaced_and_cut_paths_still_give_the_inode),
                cmocka_unit_test(garbage_lines_are_rejected),
                cmocka_unit_test(mapped_and_open_files_are_found_by_device_and_inode),
                cmocka_unit_test(only_the_devices_asked_for_are_kept),
                cmocka_unit_test(no_device_asked_for_needs_no_walk),
                cmocka_unit_test(process_gone_meanwhile_is_ignored),
                cmocka_unit_test(live_thread_of_an_exited_leader_stands_for_the_process),
                cmocka_unit_test(malformed_maps_make_every_device_uncertain),
                cmocka_unit_test(read_errors_make_every_device_uncertain),
                cmocka_unit_test(missing_procfs_fails),
                cmocka_unit_test(added_uncertainty_keeps_the_first_reason_and_the_order),
                cmocka_unit_test(file_mapped_and_open_by_one_process_is_one_entry),
                cmocka_unit_test(huge_maps_with_overlong_lines_are_streamed),
                cmocka_unit_test(unreadable_maps_or_fd_make_every_device_uncertain),
                cmocka_unit_test(live_mapped_and_open_files_are_found_with_their_pids),
                cmocka_unit_test(live_message_queue_held_open_is_found),
                cmocka_unit_test(live_worker_of_an_exited_leader_is_found),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
