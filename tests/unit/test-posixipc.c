/* SPDX-License-Identifier: MIT */
/* Tests the POSIX IPC kinds (posixipc.c) on trees built at run time under /tmp, since git
 * cannot carry names with newlines nor FIFOs: what each entry of a /dev/shm and a /dev/mqueue
 * becomes, the queue status parser, the re-read by name, the fence's fchmod and the removal
 * (both must refuse a name that no longer is the file seen), POSIX identity and names, and
 * the users a walk of /proc found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "evaluate.h"
#include "file-users.h"
#include "ipc-object.h"
#include "kind.h"
#include "macro.h"
#include "object-table.h"
#include "posixipc.h"

#define PATH_SIZE 512
/* A time the tests give files, far from now, so that no read can stumble on it. */
#define OLD_TIME        INT64_C(1600000000)
#define QUEUE_STATUS(n) "QSIZE:" #n "          NOTIFY:0     SIGNO:0     NOTIFY_PID:0\n"

/* A scratch root with shm/ and mqueue/ standing for /dev/shm and /dev/mqueue, and outside/ for
 * files that symlinks point at. */
typedef struct Tree {
        char root[64];
        char shm[96], mqueue[96], outside[96];
        KindSources src;
} Tree;

static int tree_setup(void **state) {
        Tree *t = calloc(1, sizeof(Tree));

        assert_non_null(t);
        snprintf(t->root, sizeof(t->root), "/tmp/test-posixipc-XXXXXX");
        assert_non_null(mkdtemp(t->root));
        snprintf(t->shm, sizeof(t->shm), "%s/shm", t->root);
        snprintf(t->mqueue, sizeof(t->mqueue), "%s/mqueue", t->root);
        snprintf(t->outside, sizeof(t->outside), "%s/outside", t->root);
        assert_int_equal(mkdir(t->shm, 01777), 0);
        assert_int_equal(mkdir(t->mqueue, 0755), 0);
        assert_int_equal(mkdir(t->outside, 0755), 0);
        t->src = (KindSources){ .procfs = "/proc", .shm_dir = t->shm, .mqueue_dir = t->mqueue };
        *state = t;
        return 0;
}

static int tree_teardown(void **state) {
        Tree *t = *state;
        char command[128];

        snprintf(command, sizeof(command), "rm -rf -- '%s'", t->root);
        assert_int_equal(system(command), 0);
        free(t);
        return 0;
}

static const char *path_join(char *buf, const char *dir, const char *name) {
        assert_in_range(snprintf(buf, PATH_SIZE, "%s/%s", dir, name), 1, PATH_SIZE - 1);
        return buf;
}

static void write_file(const char *dir, const char *name, const char *content, uint64_t size,
                       mode_t mode) {
        char path[PATH_SIZE];
        int fd = open(path_join(path, dir, name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        assert_true(fd >= 0);
        if (content)
                assert_int_equal(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        else
                assert_int_equal(ftruncate(fd, (off_t) size), 0);
        /* After the creation, so that the umask does not matter. */
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(close(fd), 0);
}

static void make_file(const char *dir, const char *name, uint64_t size, mode_t mode) {
        write_file(dir, name, NULL, size, mode);
}

static void make_queue(const char *dir, const char *name, const char *status) {
        write_file(dir, name, status, 0, 0600);
}

static void make_symlink(const char *target, const char *dir, const char *name) {
        char path[PATH_SIZE];
        assert_int_equal(symlink(target, path_join(path, dir, name)), 0);
}

static void set_mtime(const char *dir, const char *name, int64_t sec) {
        char path[PATH_SIZE];
        struct timespec times[2] = { { .tv_sec = sec }, { .tv_sec = sec } };

        assert_int_equal(
                utimensat(AT_FDCWD, path_join(path, dir, name), times, AT_SYMLINK_NOFOLLOW), 0);
}

static void stat_name(const char *dir, const char *name, struct stat *st) {
        char path[PATH_SIZE];
        assert_int_equal(lstat(path_join(path, dir, name), st), 0);
}

static bool exists(const char *dir, const char *name) {
        char path[PATH_SIZE];
        struct stat st;
        return lstat(path_join(path, dir, name), &st) == 0;
}

static mode_t mode_of(const char *dir, const char *name) {
        struct stat st;
        stat_name(dir, name, &st);
        return st.st_mode & 07777;
}

/* Puts a new file at name: made beside it and renamed over it, so that both existed at once
 * and the new one cannot have been given the old inode number. */
static void replace_with_new_file(const char *dir, const char *name, mode_t mode) {
        char from[PATH_SIZE], to[PATH_SIZE], tmp[PATH_SIZE];

        snprintf(tmp, sizeof(tmp), "%s.new", name);
        make_file(dir, tmp, 4096, mode);
        assert_int_equal(rename(path_join(from, dir, tmp), path_join(to, dir, name)), 0);
}

/* Moves the file at name to dst_dir/dst_name (same inode) and puts a symlink to it at name:
 * followed, the link would lead to the very file seen. */
static void move_and_link(const char *dir, const char *name, const char *dst_dir,
                          const char *dst_name) {
        char from[PATH_SIZE], to[PATH_SIZE];

        assert_int_equal(rename(path_join(from, dir, name), path_join(to, dst_dir, dst_name)), 0);
        make_symlink(to, dir, name);
}

static void read_objects(const KindSources *src, IpcKind kind, ObjectTable *t) {
        int r = posixipc_read_kind(src, kind, t);
        if (r < 0)
                print_error("posixipc_read_kind(%s): %s\n", ipc_kind_to_string(kind), strerror(-r));
        assert_int_equal(r, 0);
}

static const IpcObject *find_object(const ObjectTable *t, const char *name) {
        const IpcObject *found = NULL;

        for (size_t i = 0; i < t->n; i++)
                if (t->objects[i].name && streq(t->objects[i].name, name)) {
                        assert_null(found); /* once */
                        found = &t->objects[i];
                }
        return found;
}

/* Reads kind and copies out the object named name, which must be there. */
static void read_one(const Tree *t, IpcKind kind, const char *name, IpcObject *ret) {
        ObjectTable table = { 0 };
        const IpcObject *o;

        read_objects(&t->src, kind, &table);
        o = find_object(&table, name);
        if (!o)
                print_error("no %s named \"%s\"\n", ipc_kind_to_string(kind), name);
        assert_non_null(o);
        assert_int_equal(ipc_object_copy(ret, o), 0);
        object_table_done(&table);
}

/* ---- the readers ---- */

static void a_regular_file_is_a_segment_with_its_size_mode_owner_file_and_times(void **state) {
        Tree *t = *state;
        ObjectTable table = { 0 };
        const IpcObject *o;
        struct stat st;

        make_file(t->shm, "PostgreSQL.1234", 1 << 20, 0640);
        set_mtime(t->shm, "PostgreSQL.1234", OLD_TIME);
        stat_name(t->shm, "PostgreSQL.1234", &st);

        read_objects(&t->src, IPC_KIND_POSIX_SHM, &table);
        assert_int_equal(table.n, 1);
        o = find_object(&table, "PostgreSQL.1234");
        assert_non_null(o);
        assert_int_equal(o->kind, IPC_KIND_POSIX_SHM);
        assert_int_equal(o->id, -1);
        assert_string_equal(ipc_object_display_name(o), "PostgreSQL.1234");
        assert_int_equal(o->size, 1 << 20);
        assert_int_equal(o->mode, 0640);
        assert_int_equal(o->uid, st.st_uid);
        assert_int_equal(o->gid, st.st_gid);
        assert_int_equal(o->cuid, st.st_uid);
        assert_int_equal(o->cgid, st.st_gid);
        assert_int_equal(o->dev, st.st_dev);
        assert_int_equal(o->ino, st.st_ino);
        assert_int_equal(o->mtime, OLD_TIME);
        assert_int_equal(o->ctime, st.st_ctim.tv_sec);
        assert_false(o->not_regular);
        assert_int_equal(o->n_pids, 0);
        assert_int_equal(o->n_users, 0);
        assert_null(o->users_unknown);
        assert_null(o->ns);
        /* Last activity: max(mtime, ctime), and the utimensat() above moved the ctime. */
        assert_int_equal(ipc_object_last_activity(o), st.st_ctim.tv_sec);
        object_table_done(&table);
}

static void a_file_of_another_user_is_read_with_its_owner_and_group(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject o = { 0 };

        make_file(t->shm, "steam", 0, 02660);
        if (lchown(path_join(path, t->shm, "steam"), 4321, 8765) < 0)
                skip(); /* A user namespace without those ids. */
        /* chown clears set-group-ID: set it again. */
        assert_int_equal(chmod(path, 02660), 0);
        read_one(t, IPC_KIND_POSIX_SHM, "steam", &o);
        assert_int_equal(o.uid, 4321);
        assert_int_equal(o.gid, 8765);
        assert_int_equal(o.cuid, 4321);
        assert_int_equal(o.cgid, 8765);
        assert_int_equal(o.mode, 02660); /* the special bits too */
        assert_int_equal(o.size, 0);
        ipc_object_done(&o);
}

static void a_sem_file_is_a_semaphore_shown_without_its_prefix(void **state) {
        Tree *t = *state;
        ObjectTable shm = { 0 }, sem = { 0 };
        const IpcObject *o;
        struct stat st;

        make_file(t->shm, "sem.pg_sem", 32, 0600);
        stat_name(t->shm, "sem.pg_sem", &st);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        assert_int_equal(sem.n, 1);
        assert_int_equal(shm.n, 0);
        o = find_object(&sem, "sem.pg_sem");
        assert_non_null(o);
        assert_int_equal(o->kind, IPC_KIND_POSIX_SEM);
        assert_int_equal(o->id, -1);
        assert_string_equal(ipc_object_display_name(o), "pg_sem");
        assert_int_equal(o->size, 32);
        assert_int_equal(o->ino, st.st_ino);
        assert_false(o->not_regular);
        object_table_done(&shm);
        object_table_done(&sem);
}

static void sem_dot_alone_and_lookalikes_are_segments(void **state) {
        static const char *const names[] = { "sem.", "sem", "SEM.x", "semx", "xsem.y", ".sem.z" };
        Tree *t = *state;
        ObjectTable shm = { 0 }, sem = { 0 };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                make_file(t->shm, names[i], 8, 0600);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        assert_int_equal(sem.n, 0);
        assert_int_equal(shm.n, ELEMENTSOF(names));
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const IpcObject *o = find_object(&shm, names[i]);
                assert_non_null(o);
                assert_int_equal(o->kind, IPC_KIND_POSIX_SHM);
                assert_string_equal(ipc_object_display_name(o), names[i]);
        }
        object_table_done(&shm);
        object_table_done(&sem);
}

static void a_symlink_is_a_segment_marked_not_regular_and_never_followed(void **state) {
        Tree *t = *state;
        ObjectTable shm = { 0 }, sem = { 0 };
        char target[PATH_SIZE];
        const IpcObject *o;
        struct stat link_st, target_st;

        /* A big file elsewhere, linked from the directory under a segment's and a semaphore's
         * names, and a link to nothing. */
        make_file(t->outside, "big", 8 << 20, 0666);
        path_join(target, t->outside, "big");
        make_symlink(target, t->shm, "link");
        make_symlink(target, t->shm, "sem.link");
        make_symlink("/nonexistent/ipcreap-test", t->shm, "dangling");
        stat_name(t->shm, "link", &link_st);
        stat_name(t->outside, "big", &target_st);

        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        assert_int_equal(sem.n, 0); /* a semaphore is a regular file */
        assert_int_equal(shm.n, 3);
        for (size_t i = 0; i < shm.n; i++) {
                o = &shm.objects[i];
                assert_int_equal(o->kind, IPC_KIND_POSIX_SHM);
                assert_true(o->not_regular);
                assert_int_equal(o->size, 0);
                assert_int_not_equal(o->ino, target_st.st_ino);
        }
        o = find_object(&shm, "link");
        assert_non_null(o);
        assert_int_equal(o->ino, link_st.st_ino);
        assert_string_equal(ipc_object_display_name(find_object(&shm, "sem.link")), "sem.link");
        assert_non_null(find_object(&shm, "dangling"));
        /* The target was neither listed nor touched. */
        assert_int_equal(mode_of(t->outside, "big"), 0666);
        object_table_done(&shm);
        object_table_done(&sem);
}

static void directories_and_fifos_are_segments_marked_not_regular(void **state) {
        Tree *t = *state;
        ObjectTable shm = { 0 }, sem = { 0 };
        char path[PATH_SIZE];

        assert_int_equal(mkdir(path_join(path, t->shm, "dir"), 0755), 0);
        assert_int_equal(mkdir(path_join(path, t->shm, "sem.dir"), 0755), 0);
        /* The walk does not go down into a directory. */
        make_file(path, "inside", 4096, 0600);
        /* Listing a FIFO must not open it (that would wait for a writer). */
        assert_int_equal(mkfifo(path_join(path, t->shm, "fifo"), 0600), 0);

        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        assert_int_equal(sem.n, 0);
        assert_int_equal(shm.n, 3);
        for (size_t i = 0; i < shm.n; i++) {
                assert_true(shm.objects[i].not_regular);
                assert_int_equal(shm.objects[i].size, 0);
        }
        assert_non_null(find_object(&shm, "dir"));
        assert_non_null(find_object(&shm, "sem.dir"));
        assert_non_null(find_object(&shm, "fifo"));
        assert_null(find_object(&shm, "inside"));
        assert_int_equal(find_object(&shm, "dir")->mode, 0755);
        object_table_done(&shm);
        object_table_done(&sem);
}

/* Names anybody can give a file in /dev/shm. Those with control characters or bytes that are
 * not UTF-8 are odd: listed (escaped), never matched nor removed. */
static const struct {
        const char *name;
        bool odd;
} odd_names[] = {
        { "with space", false },
        { " leading space", false },
        { "trailing space ", false },
        { "*?[glob]", false },
        { "-rf", false },
        { "...", false },
        { "..x", false },
        { "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", false }, /* UTF-8, 2 and 4 bytes */
        { "back\\slash 'quote' \"double\"", false },
        { "%s%n", false },
        { "new\nline", true },
        { "\n", true },
        { "ends in a newline\n", true },
        { "tab\there", true },
        { "escape\x1b[31m", true },
        { "delete\x7f", true },
        { "\xff\xfe not UTF-8", true },
        { "latin-1 caf\xe9", true },
        { "overlong \xc0\xaf", true },
        { "surrogate \xed\xa0\x80", true },
        { "cut short \xe2\x82", true },
};

static void odd_names_are_read_byte_for_byte(void **state) {
        Tree *t = *state;
        ObjectTable shm = { 0 }, sem = { 0 };
        const IpcObject *o;

        for (size_t i = 0; i < ELEMENTSOF(odd_names); i++)
                make_file(t->shm, odd_names[i].name, i + 1, 0600);
        make_file(t->shm, "sem.new\nline", 32, 0600);
        make_file(t->shm, "sem. ", 32, 0600);

        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        assert_int_equal(shm.n, ELEMENTSOF(odd_names));
        for (size_t i = 0; i < ELEMENTSOF(odd_names); i++) {
                o = find_object(&shm, odd_names[i].name);
                if (!o || o->odd_name != odd_names[i].odd)
                        print_error("odd name %zu: %s\n", i, o ? "flag wrong" : "not read");
                assert_non_null(o);
                assert_string_equal(ipc_object_display_name(o), odd_names[i].name);
                assert_int_equal(o->size, i + 1);
                assert_false(o->not_regular);
                assert_int_equal(o->odd_name, odd_names[i].odd);
        }
        assert_int_equal(sem.n, 2);
        o = find_object(&sem, "sem.new\nline");
        assert_non_null(o);
        assert_string_equal(ipc_object_display_name(o), "new\nline");
        assert_true(o->odd_name);
        o = find_object(&sem, "sem. ");
        assert_non_null(o);
        assert_string_equal(ipc_object_display_name(o), " ");
        assert_false(o->odd_name);
        object_table_done(&shm);
        object_table_done(&sem);
}

/* The evaluator never lets an odd name be removed; the actions themselves still take any
 * name a directory entry can have. */
static void odd_names_are_re_read_fenced_and_removed_by_name(void **state) {
        Tree *t = *state;

        for (size_t i = 0; i < ELEMENTSOF(odd_names); i++)
                make_file(t->shm, odd_names[i].name, 64, 0640);
        for (size_t i = 0; i < ELEMENTSOF(odd_names); i++) {
                IpcObject o = { 0 }, again = { 0 };
                int64_t ctime;

                read_one(t, IPC_KIND_POSIX_SHM, odd_names[i].name, &o);
                assert_int_equal(posixipc_stat(&t->src, &o, &again), 0);
                assert_true(ipc_object_same_identity(&o, &again));
                assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), 0);
                assert_int_equal(mode_of(t->shm, odd_names[i].name), 0);
                assert_int_equal(posixipc_remove(&t->src, &o), 0);
                assert_false(exists(t->shm, odd_names[i].name));
                ipc_object_done(&o);
                ipc_object_done(&again);
        }
}

static void a_name_of_255_bytes_is_read_whole(void **state) {
        Tree *t = *state;
        char shm_name[256], sem_name[256];
        ObjectTable shm = { 0 }, sem = { 0 };
        const IpcObject *o;
        IpcObject again = { 0 };

        memset(shm_name, 'a', 255);
        shm_name[255] = 0;
        memcpy(sem_name, "sem.", 4);
        memset(sem_name + 4, 'b', 251);
        sem_name[255] = 0;
        make_file(t->shm, shm_name, 100, 0600);
        make_file(t->shm, sem_name, 32, 0600);

        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        assert_int_equal(shm.n, 1);
        assert_int_equal(sem.n, 1);
        o = find_object(&shm, shm_name);
        assert_non_null(o);
        assert_int_equal(strlen(o->name), 255);
        assert_int_equal(o->size, 100);
        assert_int_equal(posixipc_stat(&t->src, o, &again), 0);
        assert_string_equal(again.name, shm_name);
        assert_true(ipc_object_same_identity(o, &again));
        o = find_object(&sem, sem_name);
        assert_non_null(o);
        assert_int_equal(strlen(ipc_object_display_name(o)), 251);
        assert_string_equal(ipc_object_display_name(o), sem_name + 4);
        ipc_object_done(&again);
        object_table_done(&shm);
        object_table_done(&sem);
}

static void every_entry_of_the_shm_directory_is_listed_once(void **state) {
        Tree *t = *state;
        ObjectTable shm = { 0 }, sem = { 0 };
        char path[PATH_SIZE];
        size_t entries = 0;

        make_file(t->shm, "a", 1, 0600);
        make_file(t->shm, "sem.b", 1, 0600);
        make_file(t->shm, "sem.", 1, 0600);
        make_symlink("a", t->shm, "sem.c");
        assert_int_equal(mkdir(path_join(path, t->shm, "sem.d"), 0700), 0);
        assert_int_equal(mkdir(path_join(path, t->shm, "e"), 0700), 0);
        entries = 6;

        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        assert_int_equal(shm.n + sem.n, entries);
        assert_int_equal(sem.n, 1);
        assert_non_null(find_object(&sem, "sem.b"));
        for (size_t i = 0; i < shm.n; i++)
                assert_null(find_object(&sem, shm.objects[i].name));
        object_table_done(&shm);
        object_table_done(&sem);
}

static void reading_appends_to_what_the_table_holds(void **state) {
        Tree *t = *state;
        ObjectTable table = { 0 };

        make_file(t->shm, "x", 1, 0600);
        make_file(t->shm, "sem.y", 1, 0600);
        make_queue(t->mqueue, "z", QUEUE_STATUS(0));
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &table);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &table);
        read_objects(&t->src, IPC_KIND_POSIX_MQ, &table);
        assert_int_equal(table.n, 3);
        assert_int_equal(find_object(&table, "x")->kind, IPC_KIND_POSIX_SHM);
        assert_int_equal(find_object(&table, "sem.y")->kind, IPC_KIND_POSIX_SEM);
        assert_int_equal(find_object(&table, "z")->kind, IPC_KIND_POSIX_MQ);
        object_table_done(&table);
}

static void a_missing_directory_gives_enoent_and_no_objects(void **state) {
        Tree *t = *state;
        char missing[PATH_SIZE];
        ObjectTable table = { 0 };
        KindSources src;

        path_join(missing, t->root, "no-such-mount");
        src = (KindSources){ .procfs = "/proc", .shm_dir = missing, .mqueue_dir = missing };
        assert_int_equal(posixipc_read_kind(&src, IPC_KIND_POSIX_SHM, &table), -ENOENT);
        assert_int_equal(posixipc_read_kind(&src, IPC_KIND_POSIX_SEM, &table), -ENOENT);
        assert_int_equal(posixipc_read_kind(&src, IPC_KIND_POSIX_MQ, &table), -ENOENT);
        assert_int_equal(table.n, 0);
        object_table_done(&table);
}

static void an_empty_directory_gives_no_objects(void **state) {
        Tree *t = *state;
        ObjectTable table = { 0 };

        read_objects(&t->src, IPC_KIND_POSIX_SHM, &table);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &table);
        read_objects(&t->src, IPC_KIND_POSIX_MQ, &table);
        assert_int_equal(table.n, 0);
        object_table_done(&table);
}

static void the_kind_table_reads_each_posix_kind_from_its_directory(void **state) {
        Tree *t = *state;
        ObjectTable table = { 0 };

        make_file(t->shm, "seg", 1, 0600);
        make_file(t->shm, "sem.s", 1, 0600);
        make_queue(t->mqueue, "q", QUEUE_STATUS(5));
        for (IpcKind k = IPC_KIND_POSIX_SHM; k <= IPC_KIND_POSIX_MQ; k++) {
                const KindOps *ops = kind_ops(k);
                assert_non_null(ops);
                assert_int_equal(ops->read_all(&t->src, &table), 0);
        }
        assert_int_equal(table.n, 3);
        assert_int_equal(find_object(&table, "seg")->kind, IPC_KIND_POSIX_SHM);
        assert_int_equal(find_object(&table, "sem.s")->kind, IPC_KIND_POSIX_SEM);
        assert_int_equal(find_object(&table, "q")->kind, IPC_KIND_POSIX_MQ);
        assert_int_equal(find_object(&table, "q")->size, 5);
        object_table_done(&table);
}

/* ---- queues ---- */

static void a_queue_gives_its_queued_bytes_and_its_mtime_stands_for_its_ctime(void **state) {
        Tree *t = *state;
        ObjectTable table = { 0 };
        const IpcObject *o;
        struct stat st;

        make_queue(t->mqueue, "jobs", QUEUE_STATUS(129));
        make_queue(t->mqueue, "idle", QUEUE_STATUS(0));
        set_mtime(t->mqueue, "jobs", OLD_TIME);
        stat_name(t->mqueue, "jobs", &st);

        read_objects(&t->src, IPC_KIND_POSIX_MQ, &table);
        assert_int_equal(table.n, 2);
        o = find_object(&table, "jobs");
        assert_non_null(o);
        assert_int_equal(o->kind, IPC_KIND_POSIX_MQ);
        assert_int_equal(o->id, -1);
        assert_string_equal(ipc_object_display_name(o), "jobs");
        assert_int_equal(o->size, 129);
        assert_int_equal(o->mode, 0600);
        assert_int_equal(o->dev, st.st_dev);
        assert_int_equal(o->ino, st.st_ino);
        /* Reading the status moves a real queue's ctime; only sends and receives move its
         * mtime, which stands for both. */
        assert_int_equal(o->mtime, OLD_TIME);
        assert_int_equal(o->ctime, OLD_TIME);
        assert_int_equal(ipc_object_last_activity(o), OLD_TIME);
        assert_false(o->not_regular);
        assert_int_equal(find_object(&table, "idle")->size, 0);
        object_table_done(&table);
}

/* On a real mqueue mount every queue file has st_size 80 (FILENT_SIZE), whatever it holds: a
 * status that cannot be read or parsed says nothing of the queued bytes, and the file size must
 * not stand for them (MinSize would compare 80 bytes that are not there). */
static void a_queue_whose_status_cannot_be_parsed_has_no_queued_bytes(void **state) {
        static const char garbage[] = "not a status line, padded to the 80 bytes of a queue's "
                                      "file....................\n";
        Tree *t = *state;
        ObjectTable table = { 0 };

        assert_int_equal(strlen(garbage), 80);
        make_queue(t->mqueue, "garbage", garbage);
        make_queue(t->mqueue, "empty", "");
        read_objects(&t->src, IPC_KIND_POSIX_MQ, &table);
        assert_int_equal(table.n, 2);
        assert_int_equal(find_object(&table, "garbage")->size, 0);
        assert_int_equal(find_object(&table, "empty")->size, 0);
        object_table_done(&table);
}

static void every_entry_of_the_mqueue_directory_is_a_queue(void **state) {
        Tree *t = *state;
        ObjectTable mq = { 0 }, shm = { 0 }, sem = { 0 };
        char path[PATH_SIZE];

        make_queue(t->mqueue, "sem.q", QUEUE_STATUS(3));
        assert_int_equal(mkdir(path_join(path, t->mqueue, "dir"), 0700), 0);
        make_symlink("sem.q", t->mqueue, "link");
        /* A FIFO must not be opened for its status. */
        assert_int_equal(mkfifo(path_join(path, t->mqueue, "fifo"), 0600), 0);

        read_objects(&t->src, IPC_KIND_POSIX_MQ, &mq);
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &shm);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &sem);
        assert_int_equal(mq.n, 4);
        assert_int_equal(shm.n, 0);
        assert_int_equal(sem.n, 0);
        for (size_t i = 0; i < mq.n; i++)
                assert_int_equal(mq.objects[i].kind, IPC_KIND_POSIX_MQ);
        assert_false(find_object(&mq, "sem.q")->not_regular);
        assert_string_equal(ipc_object_display_name(find_object(&mq, "sem.q")), "sem.q");
        assert_int_equal(find_object(&mq, "sem.q")->size, 3);
        assert_true(find_object(&mq, "dir")->not_regular);
        assert_true(find_object(&mq, "link")->not_regular);
        assert_int_equal(find_object(&mq, "link")->size, 0);
        assert_true(find_object(&mq, "fifo")->not_regular);
        object_table_done(&mq);
        object_table_done(&shm);
        object_table_done(&sem);
}

typedef struct QueueStatusCase {
        const char *status;
        int r;
        uint64_t qsize;
} QueueStatusCase;

static void check_queue_status_cases(const QueueStatusCase *cases, size_t n) {
        for (size_t i = 0; i < n; i++) {
                uint64_t qsize = 42;
                int r = posixipc_parse_mqueue(cases[i].status, &qsize);

                if (r != cases[i].r || (r == 0 && qsize != cases[i].qsize))
                        print_error("case %zu \"%s\": got %d qsize %" PRIu64 "\n", i,
                                    cases[i].status, r, qsize);
                assert_int_equal(r, cases[i].r);
                /* Set only on success. */
                assert_int_equal(qsize, r == 0 ? cases[i].qsize : 42);
        }
}

static void the_queue_status_parser_reads_the_queued_bytes(void **state) {
        static const QueueStatusCase cases[] = {
                /* As the kernel prints it (ipc/mqueue.c, mqueue_read_file). */
                { "QSIZE:129          NOTIFY:2     SIGNO:0     NOTIFY_PID:8260\n", 0, 129 },
                { QUEUE_STATUS(0), 0, 0 },
                { "QSIZE:7", 0, 7 },
                { "QSIZE:7\n", 0, 7 },
                { "QSIZE:007 ", 0, 7 },
                { "QSIZE:18446744073709551615 NOTIFY:0", 0, UINT64_MAX },
        };
        check_queue_status_cases(cases, ELEMENTSOF(cases));
}

static void the_queue_status_parser_refuses_anything_else(void **state) {
        static const QueueStatusCase cases[] = {
                { "", -EBADMSG, 0 },
                { "\n", -EBADMSG, 0 },
                { "QSIZE:", -EBADMSG, 0 },
                { "QSIZE:\n", -EBADMSG, 0 },
                { "QSIZE: 1", -EBADMSG, 0 },
                { "QSIZE:-1", -EBADMSG, 0 },
                { "QSIZE:+1", -EBADMSG, 0 },
                { "QSIZE:1x", -EBADMSG, 0 },
                { "QSIZE:0x10", -EBADMSG, 0 },
                { "QSIZE:1.5", -EBADMSG, 0 },
                { "QSIZE:18446744073709551616 NOTIFY:0", -EBADMSG, 0 }, /* overflow */
                { "QSIZE:99999999999999999999999999", -EBADMSG, 0 },
                { "qsize:1", -EBADMSG, 0 },
                { " QSIZE:1", -EBADMSG, 0 },
                { "QSIZE 1", -EBADMSG, 0 },
                { "NOTIFY:0 QSIZE:1", -EBADMSG, 0 },
                { "QSIZ", -EBADMSG, 0 },
        };
        check_queue_status_cases(cases, ELEMENTSOF(cases));
}

/* ---- re-read by name ---- */

static void stat_re_reads_an_object_by_its_name(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject seg = { 0 }, sem = { 0 }, queue = { 0 }, again = { 0 };

        make_file(t->shm, "seg", 4096, 0600);
        make_file(t->shm, "sem.s", 32, 0600);
        make_queue(t->mqueue, "q", QUEUE_STATUS(10));
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &seg);
        read_one(t, IPC_KIND_POSIX_SEM, "sem.s", &sem);
        read_one(t, IPC_KIND_POSIX_MQ, "q", &queue);

        /* Grown since it was seen: the re-read sees the new size of the same file. */
        assert_int_equal(truncate(path_join(path, t->shm, "seg"), 8192), 0);
        assert_int_equal(posixipc_stat(&t->src, &seg, &again), 0);
        assert_int_equal(again.kind, IPC_KIND_POSIX_SHM);
        assert_string_equal(again.name, "seg");
        assert_int_equal(again.size, 8192);
        assert_int_equal(again.ino, seg.ino);
        assert_true(ipc_object_same_object(&seg, &again));
        ipc_object_done(&again);

        assert_int_equal(posixipc_stat(&t->src, &sem, &again), 0);
        assert_int_equal(again.kind, IPC_KIND_POSIX_SEM);
        assert_string_equal(ipc_object_display_name(&again), "s");
        assert_true(ipc_object_same_identity(&sem, &again));
        ipc_object_done(&again);

        /* A queue is looked for in its own directory, and its status read again. */
        assert_int_equal(unlink(path_join(path, t->mqueue, "q")), 0);
        make_queue(t->mqueue, "q", QUEUE_STATUS(20));
        assert_int_equal(posixipc_stat(&t->src, &queue, &again), 0);
        assert_int_equal(again.kind, IPC_KIND_POSIX_MQ);
        assert_int_equal(again.size, 20);
        ipc_object_done(&again);

        ipc_object_done(&seg);
        ipc_object_done(&sem);
        ipc_object_done(&queue);
}

static void stat_of_a_name_that_is_gone_is_enoent(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject o = { 0 }, again = { 0 };
        KindSources no_dir = t->src;

        make_file(t->shm, "gone", 1, 0600);
        read_one(t, IPC_KIND_POSIX_SHM, "gone", &o);
        assert_int_equal(unlink(path_join(path, t->shm, "gone")), 0);
        assert_int_equal(posixipc_stat(&t->src, &o, &again), -ENOENT);
        no_dir.shm_dir = path_join(path, t->root, "no-such-mount");
        assert_int_equal(posixipc_stat(&no_dir, &o, &again), -ENOENT);
        ipc_object_done(&again);
        ipc_object_done(&o);
}

static void stat_never_follows_a_symlink_put_at_the_name(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 }, again = { 0 };

        make_file(t->shm, "seg", 1 << 20, 0600);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        move_and_link(t->shm, "seg", t->outside, "seg");
        assert_int_equal(posixipc_stat(&t->src, &o, &again), 0);
        assert_true(again.not_regular);
        assert_int_equal(again.size, 0);
        assert_int_not_equal(again.ino, o.ino);
        assert_false(ipc_object_same_object(&o, &again));
        ipc_object_done(&again);
        ipc_object_done(&o);
}

static void names_that_could_leave_the_directory_are_refused(void **state) {
        static const char *const names[] = {
                "../outside/victim", "a/b", "/etc/passwd", ".", "..", ""
        };
        Tree *t = *state;
        IpcObject again = { 0 };
        int64_t ctime = 42;

        make_file(t->outside, "victim", 1, 0644);
        for (size_t i = 0; i <= ELEMENTSOF(names); i++) {
                /* The last round: no name at all. */
                IpcObject o = { .kind = IPC_KIND_POSIX_SHM,
                                .id = -1,
                                .name = i < ELEMENTSOF(names) ? (char *) names[i] : NULL };

                assert_int_equal(posixipc_stat(&t->src, &o, &again), -EINVAL);
                assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0644, 0, &ctime), -EINVAL);
                assert_int_equal(posixipc_remove(&t->src, &o), -EINVAL);
        }
        assert_int_equal(ctime, 42);
        assert_true(exists(t->outside, "victim"));
        assert_int_equal(mode_of(t->outside, "victim"), 0644);
        assert_true(exists(t->root, "shm"));
}

/* ---- the fence ---- */

static void set_mode_fences_a_file_to_000_and_gives_its_mode_back(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 };
        int64_t fenced_ctime = -1, restored_ctime = -1;
        struct stat st;

        make_file(t->shm, "PostgreSQL.42", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "PostgreSQL.42", &o);

        assert_int_equal(posixipc_set_mode(&t->src, &o, o.ctime, 0640, 0, &fenced_ctime), 0);
        stat_name(t->shm, "PostgreSQL.42", &st);
        assert_int_equal(st.st_mode & 07777, 0);
        assert_int_equal(fenced_ctime, st.st_ctim.tv_sec);

        /* Given back under the ctime the fence left, and the mode it set. */
        assert_int_equal(posixipc_set_mode(&t->src, &o, fenced_ctime, 0, 0640, &restored_ctime), 0);
        stat_name(t->shm, "PostgreSQL.42", &st);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(restored_ctime, st.st_ctim.tv_sec);
        /* The same file all along. */
        assert_int_equal(st.st_ino, o.ino);
        assert_int_equal(st.st_size, 4096);
        ipc_object_done(&o);
}

static void set_mode_keeps_the_special_bits_of_the_file(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 };
        int64_t ctime;

        make_file(t->shm, "special", 1, 02640);
        read_one(t, IPC_KIND_POSIX_SHM, "special", &o);
        assert_int_equal(o.mode, 02640);
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), 0);
        assert_int_equal(mode_of(t->shm, "special"), 02000);
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0, 0640, &ctime), 0);
        assert_int_equal(mode_of(t->shm, "special"), 02640);
        ipc_object_done(&o);
}

static void set_mode_of_a_semaphore_and_a_queue_works_in_their_directories(void **state) {
        Tree *t = *state;
        IpcObject sem = { 0 }, queue = { 0 };
        int64_t ctime = -1;

        make_file(t->shm, "sem.s", 32, 0660);
        make_queue(t->mqueue, "q", QUEUE_STATUS(1));
        set_mtime(t->mqueue, "q", OLD_TIME);
        read_one(t, IPC_KIND_POSIX_SEM, "sem.s", &sem);
        read_one(t, IPC_KIND_POSIX_MQ, "q", &queue);

        assert_int_equal(posixipc_set_mode(&t->src, &sem, sem.ctime, 0660, 0, &ctime), 0);
        assert_int_equal(mode_of(t->shm, "sem.s"), 0);
        /* A queue's change time is its mtime, which the fence does not move. */
        assert_int_equal(posixipc_set_mode(&t->src, &queue, OLD_TIME, 0600, 0, &ctime), 0);
        assert_int_equal(mode_of(t->mqueue, "q"), 0);
        assert_int_equal(ctime, OLD_TIME);
        assert_int_equal(posixipc_set_mode(&t->src, &queue, OLD_TIME, 0, 0600, &ctime), 0);
        assert_int_equal(mode_of(t->mqueue, "q"), 0600);
        ipc_object_done(&sem);
        ipc_object_done(&queue);
}

static void set_mode_refuses_a_file_replaced_by_another_of_the_same_name(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 };
        int64_t ctime = 42;

        make_file(t->shm, "seg", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        /* Same name, same mode, same owner: only the inode tells. */
        replace_with_new_file(t->shm, "seg", 0640);
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->shm, "seg"), 0640);
        assert_int_equal(ctime, 42);
        ipc_object_done(&o);
}

static void set_mode_refuses_a_file_whose_mode_is_not_the_one_expected(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject o = { 0 };
        int64_t ctime;

        make_file(t->shm, "seg", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        /* Its owner changed the mode since it was seen. */
        assert_int_equal(chmod(path_join(path, t->shm, "seg"), 0600), 0);
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->shm, "seg"), 0600);
        /* A restore of a fence someone undid meanwhile does not clobber their mode. */
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0, 0640, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->shm, "seg"), 0600);
        ipc_object_done(&o);
}

static void set_mode_refuses_a_file_whose_ctime_is_not_the_one_expected(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 };
        int64_t ctime;

        make_file(t->shm, "seg", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        assert_int_equal(posixipc_set_mode(&t->src, &o, o.ctime - 1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(posixipc_set_mode(&t->src, &o, o.ctime + 1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->shm, "seg"), 0640);
        ipc_object_done(&o);
}

static void set_mode_refuses_a_file_given_to_another_owner(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject o = { 0 };
        int64_t ctime;

        make_file(t->shm, "seg", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        if (lchown(path_join(path, t->shm, "seg"), o.uid + 1, (gid_t) -1) < 0)
                skip(); /* A user namespace without that uid. */
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->shm, "seg"), 0640);
        assert_int_equal(posixipc_remove(&t->src, &o), -ESTALE);
        assert_true(exists(t->shm, "seg"));
        ipc_object_done(&o);
}

static void set_mode_refuses_a_symlink_to_the_very_file_seen(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 };
        int64_t ctime;

        make_file(t->shm, "seg", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        /* Followed, the link would lead to the same device, inode and owner. */
        move_and_link(t->shm, "seg", t->outside, "seg");
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->outside, "seg"), 0640);
        ipc_object_done(&o);
}

static void set_mode_refuses_a_directory_or_a_fifo_put_at_the_name(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject o = { 0 };
        int64_t ctime;

        make_file(t->shm, "seg", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);

        assert_int_equal(unlink(path_join(path, t->shm, "seg")), 0);
        assert_int_equal(mkdir(path, 0640), 0);
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->shm, "seg"), 0640);

        /* A FIFO nobody writes to: refused at once, not waited on. */
        assert_int_equal(rmdir(path), 0);
        assert_int_equal(mkfifo(path, 0640), 0);
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), -ESTALE);
        assert_int_equal(mode_of(t->shm, "seg"), 0640);
        ipc_object_done(&o);
}

static void set_mode_of_a_name_that_is_gone_is_enoent(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject o = { 0 };
        int64_t ctime;

        make_file(t->shm, "seg", 4096, 0640);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        assert_int_equal(unlink(path_join(path, t->shm, "seg")), 0);
        assert_int_equal(posixipc_set_mode(&t->src, &o, -1, 0640, 0, &ctime), -ENOENT);
        ipc_object_done(&o);
}

/* ---- removal ---- */

static void remove_unlinks_the_file_seen_and_nothing_else(void **state) {
        Tree *t = *state;
        IpcObject seg = { 0 }, sem = { 0 }, queue = { 0 };

        make_file(t->shm, "seg", 4096, 0600);
        make_file(t->shm, "other", 4096, 0600);
        make_file(t->shm, "sem.s", 32, 0600);
        make_file(t->shm, "s", 32, 0600); /* the semaphore's name without its prefix */
        make_queue(t->mqueue, "q", QUEUE_STATUS(0));
        make_file(t->shm, "q", 32, 0600); /* the queue's name in the other directory */
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &seg);
        read_one(t, IPC_KIND_POSIX_SEM, "sem.s", &sem);
        read_one(t, IPC_KIND_POSIX_MQ, "q", &queue);

        assert_int_equal(posixipc_remove(&t->src, &seg), 0);
        assert_int_equal(posixipc_remove(&t->src, &sem), 0);
        assert_int_equal(posixipc_remove(&t->src, &queue), 0);
        assert_false(exists(t->shm, "seg"));
        assert_false(exists(t->shm, "sem.s"));
        assert_false(exists(t->mqueue, "q"));
        assert_true(exists(t->shm, "other"));
        assert_true(exists(t->shm, "s"));
        assert_true(exists(t->shm, "q"));
        ipc_object_done(&seg);
        ipc_object_done(&sem);
        ipc_object_done(&queue);
}

static void remove_refuses_a_file_replaced_by_another_of_the_same_name(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 }, now = { 0 };

        make_file(t->shm, "seg", 4096, 0600);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        replace_with_new_file(t->shm, "seg", 0600);
        assert_int_equal(posixipc_remove(&t->src, &o), -ESTALE);
        assert_true(exists(t->shm, "seg"));

        /* The new file is an object of its own, and removed as that. */
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &now);
        assert_false(ipc_object_same_object(&o, &now));
        assert_int_equal(posixipc_remove(&t->src, &now), 0);
        assert_false(exists(t->shm, "seg"));
        ipc_object_done(&o);
        ipc_object_done(&now);
}

static void remove_refuses_a_symlink_or_a_directory_put_at_the_name(void **state) {
        Tree *t = *state;
        char path[PATH_SIZE];
        IpcObject o = { 0 };

        make_file(t->shm, "seg", 4096, 0600);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        move_and_link(t->shm, "seg", t->outside, "seg");
        assert_int_equal(posixipc_remove(&t->src, &o), -ESTALE);
        assert_true(exists(t->shm, "seg"));
        assert_true(exists(t->outside, "seg"));

        assert_int_equal(unlink(path_join(path, t->shm, "seg")), 0);
        assert_int_equal(mkdir(path, 0700), 0);
        assert_int_equal(posixipc_remove(&t->src, &o), -ESTALE);
        assert_true(exists(t->shm, "seg"));
        ipc_object_done(&o);
}

static void remove_never_touches_what_was_listed_as_not_regular(void **state) {
        Tree *t = *state;
        char target[PATH_SIZE], path[PATH_SIZE];
        ObjectTable table = { 0 };

        make_file(t->outside, "big", 4096, 0600);
        make_symlink(path_join(target, t->outside, "big"), t->shm, "link");
        assert_int_equal(mkdir(path_join(path, t->shm, "dir"), 0700), 0);
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &table);
        assert_int_equal(table.n, 2);
        for (size_t i = 0; i < table.n; i++) {
                int64_t ctime;
                assert_true(table.objects[i].not_regular);
                assert_int_equal(posixipc_set_mode(&t->src, &table.objects[i], -1,
                                                   table.objects[i].mode, 0, &ctime),
                                 -ESTALE);
                assert_int_equal(posixipc_remove(&t->src, &table.objects[i]), -ESTALE);
        }
        assert_true(exists(t->shm, "link"));
        assert_true(exists(t->shm, "dir"));
        assert_true(exists(t->outside, "big"));
        assert_int_equal(mode_of(t->shm, "dir"), 0700);
        object_table_done(&table);
}

static void remove_of_a_name_that_is_gone_is_enoent(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 };

        make_file(t->shm, "seg", 4096, 0600);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        assert_int_equal(posixipc_remove(&t->src, &o), 0);
        assert_int_equal(posixipc_remove(&t->src, &o), -ENOENT);
        ipc_object_done(&o);
}

/* ---- identity ---- */

/* The object template below is overridden field by field, on purpose. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

#define POSIX_OBJECT(...)                                                                          \
        (IpcObject) {                                                                              \
                .kind = IPC_KIND_POSIX_SHM, .id = -1, .name = (char *) "PostgreSQL.1", .dev = 42,  \
                .ino = 7, .ctime = OLD_TIME, .uid = 1000, .cuid = 1000, .gid = 1000, .cgid = 1000, \
                __VA_ARGS__                                                                        \
        }

static IpcNamespace container_ns = {
        .n_ref = 1, .inode = 4026531839, .start_usec = 1, .name = (char *) "docker-1.scope"
};
static IpcNamespace reused_ns = {
        .n_ref = 1, .inode = 4026531839, .start_usec = 2, .name = (char *) "docker-1.scope"
};

static void posix_identity_is_kind_name_device_inode_ctime_and_owner(void **state) {
        IpcObject a = POSIX_OBJECT();
        struct {
                const char *what;
                IpcObject other;
                bool same_object, same_identity;
        } cases[] = {
                { "itself", POSIX_OBJECT(), true, true },
                { "another name", POSIX_OBJECT(.name = (char *) "PostgreSQL.2"), false, false },
                { "a name one byte longer", POSIX_OBJECT(.name = (char *) "PostgreSQL.10"), false,
                  false },
                { "no name", POSIX_OBJECT(.name = NULL), false, false },
                { "another device", POSIX_OBJECT(.dev = 43), false, false },
                { "another inode", POSIX_OBJECT(.ino = 8), false, false },
                { "another owner", POSIX_OBJECT(.uid = 1001, .cuid = 1001), false, false },
                { "another kind", POSIX_OBJECT(.kind = IPC_KIND_POSIX_SEM), false, false },
                { "another namespace", POSIX_OBJECT(.ns = &container_ns), false, false },
                /* A chmod or a write by someone: the same object, changed. */
                { "another ctime", POSIX_OBJECT(.ctime = OLD_TIME + 1), true, false },
                /* What does not identify a POSIX object. */
                { "another size", POSIX_OBJECT(.size = 1 << 20), true, true },
                { "another mode", POSIX_OBJECT(.mode = 0), true, true },
                { "another group", POSIX_OBJECT(.gid = 5, .cgid = 5), true, true },
                { "another mtime", POSIX_OBJECT(.mtime = OLD_TIME + 9), true, true },
                { "another key or id", POSIX_OBJECT(.key = 0x1234, .id = 5), true, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                bool object = ipc_object_same_object(&a, &cases[i].other),
                     identity = ipc_object_same_identity(&a, &cases[i].other);

                if (object != cases[i].same_object || identity != cases[i].same_identity)
                        print_error("%s: same object %d, same identity %d\n", cases[i].what, object,
                                    identity);
                assert_int_equal(object, cases[i].same_object);
                assert_int_equal(identity, cases[i].same_identity);
                /* Symmetric. */
                assert_int_equal(ipc_object_same_object(&cases[i].other, &a), object);
                assert_int_equal(ipc_object_same_identity(&cases[i].other, &a), identity);
        }

        /* A namespace that took over a dead one's inode is another namespace: same inode
         * and name, a later oldest process. */
        IpcObject in_old = POSIX_OBJECT(.ns = &container_ns),
                  in_new = POSIX_OBJECT(.ns = &reused_ns);
        IpcNamespace same_again = container_ns;
        IpcObject in_same = POSIX_OBJECT(.ns = &same_again);
        assert_false(ipc_object_same_object(&in_old, &in_new));
        assert_true(ipc_object_same_identity(&in_old, &in_same));
}

static void a_re_read_of_an_untouched_file_has_the_same_identity(void **state) {
        Tree *t = *state;
        IpcObject o = { 0 }, again = { 0 }, copy = { 0 };

        make_file(t->shm, "seg", 4096, 0600);
        read_one(t, IPC_KIND_POSIX_SHM, "seg", &o);
        assert_int_equal(posixipc_stat(&t->src, &o, &again), 0);
        assert_true(ipc_object_same_identity(&o, &again));
        /* A copy owns its own name. */
        assert_int_equal(ipc_object_copy(&copy, &o), 0);
        assert_ptr_not_equal(copy.name, o.name);
        assert_true(ipc_object_same_identity(&o, &copy));
        ipc_object_done(&o);
        assert_true(ipc_object_same_identity(&copy, &again));
        ipc_object_done(&again);
        ipc_object_done(&copy);
}

static void the_display_name_drops_only_a_semaphores_prefix(void **state) {
        IpcObject sem = POSIX_OBJECT(.kind = IPC_KIND_POSIX_SEM, .name = (char *) "sem.lock"),
                  shm = POSIX_OBJECT(.name = (char *) "sem.lock"),
                  mq = POSIX_OBJECT(.kind = IPC_KIND_POSIX_MQ, .name = (char *) "sem.lock"),
                  unnamed = POSIX_OBJECT(.name = NULL), sysv = { .kind = IPC_KIND_SHM, .id = 3 };

        assert_string_equal(ipc_object_display_name(&sem), "lock");
        assert_string_equal(ipc_object_display_name(&shm), "sem.lock");
        assert_string_equal(ipc_object_display_name(&mq), "sem.lock");
        assert_string_equal(ipc_object_display_name(&unnamed), "");
        assert_string_equal(ipc_object_display_name(&sysv), "");
}

static void the_posix_kinds_have_their_names(void **state) {
        static const struct {
                IpcKind kind;
                const char *name;
        } kinds[] = {
                { IPC_KIND_POSIX_SHM, "posix-shm" },
                { IPC_KIND_POSIX_SEM, "posix-sem" },
                { IPC_KIND_POSIX_MQ, "posix-mq" },
        };

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                assert_string_equal(ipc_kind_to_string(kinds[i].kind), kinds[i].name);
                assert_int_equal(ipc_kind_from_string(kinds[i].name), kinds[i].kind);
                assert_true(ipc_kind_is_posix(kinds[i].kind));
        }
        assert_false(ipc_kind_is_posix(IPC_KIND_SHM));
        assert_false(ipc_kind_is_posix(IPC_KIND_SEM));
        assert_false(ipc_kind_is_posix(IPC_KIND_MSG));
        assert_false(ipc_kind_is_posix(_IPC_KIND_MAX));
        assert_false(ipc_kind_is_posix(_IPC_KIND_INVALID));
}

static void a_plain_name_is_utf8_without_control_characters(void **state) {
        static const struct {
                const char *name;
                bool plain;
        } cases[] = {
                { "", true },
                { "PostgreSQL.1234", true },
                { "with space ~!@#$%^&*()", true },
                { "\xc3\xa9", true },         /* U+00E9 */
                { "\xe2\x82\xac", true },     /* U+20AC */
                { "\xef\xbf\xbd", true },     /* U+FFFD */
                { "\xf0\x9f\x98\x80", true }, /* U+1F600 */
                { "\xf4\x8f\xbf\xbf", true }, /* U+10FFFF, the last */
                { "\x01", false },
                { "\x1f", false },
                { "\x7f", false },
                { "a\tb", false },
                { "\x80", false }, /* a continuation byte alone */
                { "\xc3", false }, /* cut short at the end */
                { "\xe2\x82", false },
                { "\xc3x", false },
                { "\xc0\x80", false },             /* overlong NUL */
                { "\xe0\x80\xaf", false },         /* overlong '/' */
                { "\xf0\x82\x82\xac", false },     /* overlong U+20AC */
                { "\xed\xa0\x80", false },         /* surrogate U+D800 */
                { "\xed\xbf\xbf", false },         /* surrogate U+DFFF */
                { "\xf4\x90\x80\x80", false },     /* U+110000 */
                { "\xf8\x88\x80\x80\x80", false }, /* five bytes */
                { "\xfe", false },
                { "\xff", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                if (ipc_name_is_plain(cases[i].name) != cases[i].plain)
                        print_error("case %zu: plain %d\n", i, !cases[i].plain);
                assert_int_equal(ipc_name_is_plain(cases[i].name), cases[i].plain);
        }
}

static void an_escaped_name_shows_each_odd_byte_as_hex(void **state) {
        static const struct {
                const char *name, *escaped;
        } cases[] = {
                { "", "" },
                { "PostgreSQL.1234", "PostgreSQL.1234" },
                { "new\nline", "new\\x0aline" },
                { "\t\x1b\x7f", "\\x09\\x1b\\x7f" },
                { "caf\xe9", "caf\\xe9" },
                /* A backslash too, so that the escaped form reads back one way only. */
                { "a\\x0a", "a\\x5cx0a" },
                { "\xc3\xa9", "\\xc3\\xa9" },
                { "\xff\xff\xff\xff", "\\xff\\xff\\xff\\xff" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *e = ipc_name_escape(cases[i].name);
                assert_non_null(e);
                assert_string_equal(e, cases[i].escaped);
                assert_true(ipc_name_is_plain(e));
        }
}

static void an_odd_name_is_shown_escaped_in_json(void **state) {
        Tree *t = *state;
        ObjectTable table = { 0 };
        const KindOps *sem_ops = kind_ops(IPC_KIND_POSIX_SEM),
                      *shm_ops = kind_ops(IPC_KIND_POSIX_SHM);
        json_t *j;

        make_file(t->shm, "sem.two\nlines", 32, 0600);
        make_file(t->shm, "caf\xe9", 32, 0600);
        make_file(t->shm, "sem.plain", 32, 0600);
        read_objects(&t->src, IPC_KIND_POSIX_SEM, &table);
        read_objects(&t->src, IPC_KIND_POSIX_SHM, &table);
        assert_int_equal(table.n, 3);

        j = json_object();
        sem_ops->fields_to_json(find_object(&table, "sem.two\nlines"), j);
        assert_string_equal(json_string_value(json_object_get(j, "name")), "two\\x0alines");
        json_decref(j);

        j = json_object();
        shm_ops->fields_to_json(find_object(&table, "caf\xe9"), j);
        assert_string_equal(json_string_value(json_object_get(j, "name")), "caf\\xe9");
        json_decref(j);

        j = json_object();
        sem_ops->fields_to_json(find_object(&table, "sem.plain"), j);
        assert_string_equal(json_string_value(json_object_get(j, "name")), "plain");
        json_decref(j);
        object_table_done(&table);
}

/* ---- users ---- */

static void users_from_a_walk_make_the_file_in_use(void **state) {
        const uint64_t dev = 42, other_dev = 43;
        FileUsers u = { 0 };
        IpcObject o = POSIX_OBJECT(.dev = dev, .ino = 7), lone = POSIX_OBJECT(.dev = dev, .ino = 9);
        const KindOps *ops = kind_ops(IPC_KIND_POSIX_SHM);

        /* Sorted by (dev, ino, pid), as the walk leaves them. */
        u.users = calloc(4, sizeof(FileUser));
        assert_non_null(u.users);
        u.users[0] = (FileUser){ .dev = dev, .ino = 6, .pid = 5, .mapped = true };
        u.users[1] = (FileUser){ .dev = dev, .ino = 7, .pid = 10, .mapped = true };
        u.users[2] = (FileUser){ .dev = dev, .ino = 7, .pid = 11, .open = true };
        u.users[3] = (FileUser){ .dev = other_dev, .ino = 9, .pid = 12, .mapped = true };
        u.n_users = 4;

        assert_int_equal(posixipc_set_users(&o, &u), 0);
        assert_int_equal(o.n_users, 2);
        assert_int_equal(o.users[0].pid, 10);
        assert_true(o.users[0].mapped);
        assert_int_equal(o.users[1].pid, 11);
        assert_false(o.users[1].mapped);
        assert_null(o.users_unknown);
        assert_int_equal(ops->in_use(&o), PENDING_FILE_USERS);

        /* Inode 9 is used only on another device. */
        assert_int_equal(posixipc_set_users(&lone, &u), 0);
        assert_int_equal(lone.n_users, 0);
        assert_null(lone.users);
        assert_int_equal(ops->in_use(&lone), 0);

        /* A process that could not be read: every file is in doubt, and a second walk
         * replaces what the first one found. */
        file_users_done(&u);
        assert_int_equal(file_users_add_uncertain(&u, 0,
                                                  "pid 7: reading its maps: Permission "
                                                  "denied"),
                         0);
        assert_int_equal(posixipc_set_users(&o, &u), 0);
        assert_int_equal(o.n_users, 0);
        assert_null(o.users);
        assert_non_null(o.users_unknown);
        assert_string_equal(o.users_unknown, "pid 7: reading its maps: Permission denied");
        assert_int_equal(ops->in_use(&o), PENDING_FILE_USERS_UNKNOWN);
        file_users_done(&u);

        /* A clean walk clears the doubt. */
        assert_int_equal(posixipc_set_users(&o, &u), 0);
        assert_null(o.users_unknown);
        assert_int_equal(ops->in_use(&o), 0);

        o.name = lone.name = NULL; /* not ours to free */
        ipc_object_done(&o);
        ipc_object_done(&lone);
}

/* One process of a /proc built beside the tree: its maps, and an fd/ holding /dev/null and,
 * if given, a link to fd_target. */
static void make_process(const Tree *t, const char *pid, const char *maps, const char *fd_target) {
        char dir[PATH_SIZE], fd_dir[PATH_SIZE];

        snprintf(dir, sizeof(dir), "%s/proc/%s", t->root, pid);
        assert_int_equal(mkdir(dir, 0755), 0);
        write_file(dir, "maps", maps, 0, 0444);
        assert_int_equal(mkdir(path_join(fd_dir, dir, "fd"), 0755), 0);
        make_symlink("/dev/null", fd_dir, "0");
        if (fd_target)
                make_symlink(fd_target, fd_dir, "3");
}

static void a_walk_of_proc_finds_who_maps_or_holds_each_file(void **state) {
        Tree *t = *state;
        char proc[PATH_SIZE], maps[PATH_SIZE * 2], held[PATH_SIZE];
        IpcObject mapped = { 0 }, open = { 0 }, queue = { 0 }, unused = { 0 };
        KindSources src = t->src;
        FileUsers u;
        struct stat st;

        make_file(t->shm, "PostgreSQL.1", 4096, 0600);
        make_file(t->shm, "sem.held", 32, 0600);
        make_queue(t->mqueue, "q", QUEUE_STATUS(0));
        make_file(t->shm, "unused", 4096, 0600);
        read_one(t, IPC_KIND_POSIX_SHM, "PostgreSQL.1", &mapped);
        read_one(t, IPC_KIND_POSIX_SEM, "sem.held", &open);
        read_one(t, IPC_KIND_POSIX_MQ, "q", &queue);
        read_one(t, IPC_KIND_POSIX_SHM, "unused", &unused);

        assert_int_equal(mkdir(path_join(proc, t->root, "proc"), 0755), 0);
        stat_name(t->shm, "PostgreSQL.1", &st);
        /* Matched by device and inode, not by the path, which may say anything. */
        snprintf(maps, sizeof(maps),
                 "7f0000000000-7f0000001000 rw-s 00000000 %02x:%02x %" PRIu64
                 "                    /dev/shm/elsewhere (deleted)\n",
                 major(st.st_dev), minor(st.st_dev), (uint64_t) st.st_ino);
        make_process(t, "100", maps, NULL);
        make_process(t, "200", "", path_join(held, t->shm, "sem.held"));
        make_process(t, "300", "", path_join(held, t->mqueue, "q"));

        src.procfs = proc;
        assert_int_equal(posixipc_read_users(&src, false, &u), 0);
        assert_int_equal(posixipc_set_users(&mapped, &u), 0);
        assert_int_equal(posixipc_set_users(&open, &u), 0);
        assert_int_equal(posixipc_set_users(&queue, &u), 0);
        assert_int_equal(posixipc_set_users(&unused, &u), 0);
        file_users_done(&u);

        assert_int_equal(mapped.n_users, 1);
        assert_int_equal(mapped.users[0].pid, 100);
        assert_true(mapped.users[0].mapped);
        assert_int_equal(open.n_users, 1);
        assert_int_equal(open.users[0].pid, 200);
        assert_false(open.users[0].mapped);
        assert_int_equal(queue.n_users, 1);
        assert_int_equal(queue.users[0].pid, 300);
        assert_int_equal(unused.n_users, 0);
        assert_null(mapped.users_unknown);
        assert_null(unused.users_unknown);
        assert_int_equal(ipc_object_in_use(&mapped), PENDING_FILE_USERS);
        assert_int_equal(ipc_object_in_use(&unused), 0);
        ipc_object_done(&mapped);
        ipc_object_done(&open);
        ipc_object_done(&queue);
        ipc_object_done(&unused);
}

static void the_device_of_a_directory_is_its_filesystems(void **state) {
        Tree *t = *state;
        char missing[PATH_SIZE];
        struct stat st;

        assert_int_equal(stat(t->shm, &st), 0);
        assert_int_equal(posixipc_device(t->shm), st.st_dev);
        assert_int_equal(posixipc_device(path_join(missing, t->root, "no-such-mount")), 0);
}

#define tree_test(f) cmocka_unit_test_setup_teardown(f, tree_setup, tree_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                tree_test(a_regular_file_is_a_segment_with_its_size_mode_owner_file_and_times),
                tree_test(a_file_of_another_user_is_read_with_its_owner_and_group),
                tree_test(a_sem_file_is_a_semaphore_shown_without_its_prefix),
                tree_test(sem_dot_alone_and_lookalikes_are_segments),
                tree_test(a_symlink_is_a_segment_marked_not_regular_and_never_followed),
                tree_test(directories_and_fifos_are_segments_marked_not_regular),
                tree_test(odd_names_are_read_byte_for_byte),
                tree_test(odd_names_are_re_read_fenced_and_removed_by_name),
                tree_test(a_name_of_255_bytes_is_read_whole),
                tree_test(every_entry_of_the_shm_directory_is_listed_once),
                tree_test(reading_appends_to_what_the_table_holds),
                tree_test(a_missing_directory_gives_enoent_and_no_objects),
                tree_test(an_empty_directory_gives_no_objects),
                tree_test(the_kind_table_reads_each_posix_kind_from_its_directory),
                tree_test(a_queue_gives_its_queued_bytes_and_its_mtime_stands_for_its_ctime),
                tree_test(a_queue_whose_status_cannot_be_parsed_has_no_queued_bytes),
                tree_test(every_entry_of_the_mqueue_directory_is_a_queue),
                cmocka_unit_test(the_queue_status_parser_reads_the_queued_bytes),
                cmocka_unit_test(the_queue_status_parser_refuses_anything_else),
                tree_test(stat_re_reads_an_object_by_its_name),
                tree_test(stat_of_a_name_that_is_gone_is_enoent),
                tree_test(stat_never_follows_a_symlink_put_at_the_name),
                tree_test(names_that_could_leave_the_directory_are_refused),
                tree_test(set_mode_fences_a_file_to_000_and_gives_its_mode_back),
                tree_test(set_mode_keeps_the_special_bits_of_the_file),
                tree_test(set_mode_of_a_semaphore_and_a_queue_works_in_their_directories),
                tree_test(set_mode_refuses_a_file_replaced_by_another_of_the_same_name),
                tree_test(set_mode_refuses_a_file_whose_mode_is_not_the_one_expected),
                tree_test(set_mode_refuses_a_file_whose_ctime_is_not_the_one_expected),
                tree_test(set_mode_refuses_a_file_given_to_another_owner),
                tree_test(set_mode_refuses_a_symlink_to_the_very_file_seen),
                tree_test(set_mode_refuses_a_directory_or_a_fifo_put_at_the_name),
                tree_test(set_mode_of_a_name_that_is_gone_is_enoent),
                tree_test(remove_unlinks_the_file_seen_and_nothing_else),
                tree_test(remove_refuses_a_file_replaced_by_another_of_the_same_name),
                tree_test(remove_refuses_a_symlink_or_a_directory_put_at_the_name),
                tree_test(remove_never_touches_what_was_listed_as_not_regular),
                tree_test(remove_of_a_name_that_is_gone_is_enoent),
                cmocka_unit_test(posix_identity_is_kind_name_device_inode_ctime_and_owner),
                tree_test(a_re_read_of_an_untouched_file_has_the_same_identity),
                cmocka_unit_test(the_display_name_drops_only_a_semaphores_prefix),
                cmocka_unit_test(the_posix_kinds_have_their_names),
                cmocka_unit_test(a_plain_name_is_utf8_without_control_characters),
                cmocka_unit_test(an_escaped_name_shows_each_odd_byte_as_hex),
                tree_test(an_odd_name_is_shown_escaped_in_json),
                cmocka_unit_test(users_from_a_walk_make_the_file_in_use),
                tree_test(a_walk_of_proc_finds_who_maps_or_holds_each_file),
                tree_test(the_device_of_a_directory_is_its_filesystems),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
