/* SPDX-License-Identifier: MIT */
/* Tests the kernel table reader: /proc/sysvipc parsing, the *_STAT_ANY fallback, semaphore
 * details, stat by id and the limits; the real-object tests run in a private IPC namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "macro.h"
#include "object-table.h"
#include "sysvipc.h"

#define FIXTURES "tests/fixtures/sysvipc/"

/* Keys only these tests use; the binaries run in a private IPC namespace anyway. */
#define TEST_KEY_SEM ((key_t) 0x7e570001)
#define TEST_KEY_MSG ((key_t) 0x7e570002)
#define TEST_KEY_SHM ((key_t) 0x7e570003)

/* Parsing must end promptly whatever the input; SIGALRM kills a hung test binary. */
#define PARSE_TIME_LIMIT_SEC 5

#define SHM_HEADER                                                                                 \
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  " \
        "cgid      atime      dtime      ctime                   rss                  swap\n"
/* The columns after size of a well-formed row: cpid .. swap. */
#define SHM_TAIL                                                                       \
        "  1200  1300      0  1000  1000  1000  1000 1700000100 1700000200 1700000000" \
        "                  4096                     0"

union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
};

/* ---- helpers ---- */

static FILE *open_text(const char *text) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        assert_non_null(f);
        return f;
}

static int parse_text(IpcKind kind, const char *text, ObjectTable *t, unsigned *bad) {
        FILE *f = open_text(text);
        int r = sysvipc_parse(kind, f, "test", t, bad);
        fclose(f);
        return r;
}

static int parse_fixture(IpcKind kind, const char *path, ObjectTable *t, unsigned *bad) {
        FILE *f = fopen(path, "re");
        int r;

        assert_non_null(f);
        r = sysvipc_parse(kind, f, path, t, bad);
        fclose(f);
        return r;
}

static const IpcObject *find_object(const ObjectTable *t, IpcKind kind, int id) {
        for (size_t i = 0; i < t->n; i++)
                if (t->objects[i].kind == kind && t->objects[i].id == id)
                        return &t->objects[i];
        return NULL;
}

/* Every scalar member of the object's kind, so a value that lands in the wrong member is
 * caught. Members of other kinds share storage (unions) and are not compared: a sem
 * literal designating .otime leaves the rest of the times union unspecified. */
static void assert_fields_equal(const IpcObject *got, const IpcObject *want) {
        assert_int_equal(got->kind, want->kind);
        assert_int_equal(got->id, want->id);
        assert_int_equal(got->key, want->key);
        assert_int_equal(got->mode, want->mode);
        assert_int_equal(got->uid, want->uid);
        assert_int_equal(got->gid, want->gid);
        assert_int_equal(got->cuid, want->cuid);
        assert_int_equal(got->cgid, want->cgid);
        assert_int_equal(got->size, want->size);
        assert_int_equal(got->ctime, want->ctime);
        switch (want->kind) {
        case IPC_KIND_SHM:
                assert_int_equal(got->nattch, want->nattch);
                assert_int_equal(got->atime, want->atime);
                assert_int_equal(got->dtime, want->dtime);
                assert_int_equal(got->cpid, want->cpid);
                assert_int_equal(got->lpid, want->lpid);
                assert_int_equal(got->creator_unknown, want->creator_unknown);
                break;
        case IPC_KIND_SEM:
                assert_int_equal(got->nsems, want->nsems);
                assert_int_equal(got->otime, want->otime);
                assert_int_equal(got->sem_waiters, want->sem_waiters);
                assert_int_equal(got->sem_details_error, want->sem_details_error);
                break;
        case IPC_KIND_MSG:
                assert_int_equal(got->messages, want->messages);
                assert_int_equal(got->stime, want->stime);
                assert_int_equal(got->rtime, want->rtime);
                assert_int_equal(got->lspid, want->lspid);
                assert_int_equal(got->lrpid, want->lrpid);
                break;
        default:
                fail_msg("unknown kind %d", want->kind);
        }
}

/* pids[] in order, each still presumed alive (the scanner decides liveness later). */
static void assert_pids(const IpcObject *o, size_t n, const pid_t *want) {
        assert_int_equal(o->n_pids, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(o->pids[i].pid, want[i]);
                assert_true(o->pids[i].alive);
        }
}

static void assert_same_object(const IpcObject *a, const IpcObject *b) {
        assert_fields_equal(a, b);
        assert_int_equal(a->n_pids, b->n_pids);
        for (size_t i = 0; i < a->n_pids; i++)
                assert_int_equal(a->pids[i].pid, b->pids[i].pid);
}

static double elapsed_sec(const struct timespec *since) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* ---- parsing real-format tables ---- */

/* The expected objects are laid out by hand, a few fields to a line. */
/* clang-format off */
static void modern_shm_table_fills_every_field(void **state) {
        ObjectTable t = { 0 };
        unsigned bad = 99;

        assert_int_equal(parse_fixture(IPC_KIND_SHM, FIXTURES "shm", &t, &bad), 0);
        assert_int_equal(bad, 0);
        assert_int_equal(t.n, 3);

        assert_fields_equal(&t.objects[0], &(IpcObject){
                .kind = IPC_KIND_SHM, .key = 0x1234, .id = 0, .mode = 0600, .size = 4096,
                .cpid = 1200, .lpid = 1300, .nattch = 1, .uid = 1000, .gid = 1001,
                .cuid = 1002, .cgid = 1003, .atime = 1700000100, .dtime = 1700000200,
                .ctime = 1700000000 });
        assert_pids(&t.objects[0], 2, (pid_t[]){ 1200, 1300 });

        /* Negative key (the kernel prints key_t signed), SHM_DEST in the perms, cpid 0. */
        assert_fields_equal(&t.objects[1], &(IpcObject){
                .kind = IPC_KIND_SHM, .key = -1067704753, .id = 32769, .mode = 01644,
                .size = 1048576, .dtime = 1700000300, .ctime = 1700000050,
                .creator_unknown = true });
        assert_true(t.objects[1].mode & IPC_SHM_DEST);
        assert_int_equal((uint32_t) t.objects[1].key, 0xc05c1e4fu);
        assert_pids(&t.objects[1], 0, NULL);

        /* IPC_PRIVATE, SHM_LOCKED, a 64 GiB size, the largest pid, cpid == lpid once. */
        assert_fields_equal(&t.objects[2], &(IpcObject){
                .kind = IPC_KIND_SHM, .key = 0, .id = 65538, .mode = 02600,
                .size = UINT64_C(68719476736), .cpid = 4194304, .lpid = 4194304, .nattch = 3,
                .uid = 4294967294u, .gid = 65534, .cuid = 60000, .cgid = 60000,
                .atime = 1700000400, .ctime = 1700000010 });
        assert_true(t.objects[2].mode & IPC_SHM_LOCKED);
        assert_false(t.objects[2].mode & IPC_SHM_DEST);
        assert_pids(&t.objects[2], 1, (pid_t[]){ 4194304 });

        object_table_done(&t);
}

static void older_shm_table_without_rss_and_swap_parses(void **state) {
        ObjectTable t = { 0 };
        unsigned bad = 99;

        assert_int_equal(parse_fixture(IPC_KIND_SHM, FIXTURES "shm-14-columns", &t, &bad), 0);
        assert_int_equal(bad, 0);
        assert_int_equal(t.n, 2);
        assert_fields_equal(&t.objects[0], &(IpcObject){
                .kind = IPC_KIND_SHM, .key = 0x12345678, .id = 5, .mode = 0640, .size = 8192,
                .cpid = 2001, .lpid = 2002, .uid = 1000, .gid = 1000, .cuid = 1000,
                .cgid = 1000, .atime = 1600000100, .dtime = 1600000200, .ctime = 1600000000 });
        assert_pids(&t.objects[0], 2, (pid_t[]){ 2001, 2002 });
        /* cpid 0 with a last pid: the creator is unknown, the last pid is still recorded. */
        assert_fields_equal(&t.objects[1], &(IpcObject){
                .kind = IPC_KIND_SHM, .key = (int32_t) 0xdeadbeef, .id = 32774, .mode = 01600,
                .size = 65536, .lpid = 2003, .dtime = 1600000300, .ctime = 1600000001,
                .creator_unknown = true });
        assert_pids(&t.objects[1], 1, (pid_t[]){ 2003 });
        object_table_done(&t);
}

static void sem_table_fills_every_field_and_records_no_pids(void **state) {
        ObjectTable t = { 0 };
        unsigned bad = 99;

        assert_int_equal(parse_fixture(IPC_KIND_SEM, FIXTURES "sem", &t, &bad), 0);
        assert_int_equal(bad, 0);
        assert_int_equal(t.n, 2);
        assert_fields_equal(&t.objects[0], &(IpcObject){
                .kind = IPC_KIND_SEM, .key = 1577001101, .id = 0, .mode = 0644, .nsems = 3,
                .ctime = 1795881200 });
        assert_fields_equal(&t.objects[1], &(IpcObject){
                .kind = IPC_KIND_SEM, .key = -1, .id = 98305, .mode = 0600, .nsems = 250,
                .uid = 1000, .gid = 1001, .cuid = 1002, .cgid = 1003, .otime = 1700000500,
                .ctime = 1700000400 });
        /* Semaphore pids come from GETPID, not from the table. */
        assert_pids(&t.objects[0], 0, NULL);
        assert_pids(&t.objects[1], 0, NULL);
        object_table_done(&t);
}

static void msg_table_fills_every_field_and_records_lspid_and_lrpid(void **state) {
        ObjectTable t = { 0 };
        unsigned bad = 99;

        assert_int_equal(parse_fixture(IPC_KIND_MSG, FIXTURES "msg", &t, &bad), 0);
        assert_int_equal(bad, 0);
        assert_int_equal(t.n, 3);
        assert_fields_equal(&t.objects[0], &(IpcObject){
                .kind = IPC_KIND_MSG, .key = 0, .id = 0, .mode = 0666, .ctime = 1700000000 });
        assert_pids(&t.objects[0], 0, NULL);
        assert_fields_equal(&t.objects[1], &(IpcObject){
                .kind = IPC_KIND_MSG, .key = INT32_MAX, .id = 131074, .mode = 0620,
                .size = 16384, .messages = 4, .lspid = 4321, .lrpid = 4322, .uid = 1000,
                .gid = 100, .cuid = 1001, .cgid = 101, .stime = 1700000700,
                .rtime = 1700000600, .ctime = 1700000000 });
        assert_pids(&t.objects[1], 2, (pid_t[]){ 4321, 4322 });
        /* A queue's creator pid is not recorded: cpid 0 means nothing for msg. */
        assert_fields_equal(&t.objects[2], &(IpcObject){
                .kind = IPC_KIND_MSG, .key = INT32_MIN, .id = INT32_MAX, .mode = 0600,
                .size = 1, .messages = 1, .lspid = 77, .lrpid = 77, .stime = 1700000800,
                .rtime = 1700000800, .ctime = 1700000800 });
        assert_pids(&t.objects[2], 1, (pid_t[]){ 77 });
        object_table_done(&t);
}

static void columns_are_found_by_name_not_by_position(void **state) {
        /* A future kernel might reorder or add columns: the header says which is which. */
        static const char text[] =
                "      semid        key   uid   gid  cuid  cgid      otime      ctime perms "
                "     nsems   newcol\n"
                "          7         42  1000  1001  1002  1003       1111       2222   640 "
                "         5      999\n";
        ObjectTable t = { 0 };
        unsigned bad = 99;

        assert_int_equal(parse_text(IPC_KIND_SEM, text, &t, &bad), 0);
        assert_int_equal(bad, 0);
        assert_int_equal(t.n, 1);
        assert_fields_equal(&t.objects[0], &(IpcObject){
                .kind = IPC_KIND_SEM, .id = 7, .key = 42, .uid = 1000, .gid = 1001,
                .cuid = 1002, .cgid = 1003, .otime = 1111, .ctime = 2222, .mode = 0640,
                .nsems = 5 });
        object_table_done(&t);
}

/* clang-format on */

/* ---- malformed input ---- */

static void malformed_rows_are_counted_and_skipped_around_good_ones(void **state) {
        static const char text[] = SHM_HEADER
                "         0          1   600                  4096" SHM_TAIL "\n"
                /* too few columns */
                "         0          2   600\n"
                "         0          3   600                 12288" SHM_TAIL "\n"
                /* too many columns */
                "         0          4   600                 16384" SHM_TAIL "     0\n"
                /* non-numeric size */
                "         0          5   600                    4k" SHM_TAIL "\n"
                /* negative id */
                "         0         -6   600                 24576" SHM_TAIL "\n"
                "         0          7   600                 28672" SHM_TAIL "\n"
                /* perms that are not octal */
                "         0          8   689                 32768" SHM_TAIL "\n"
                /* key beyond key_t */
                "2147483648          9   600                 36864" SHM_TAIL "\n"
                /* negative uid in an unsigned column */
                "         0         10   600                 40960  1200  1300      0    -1  "
                "1000  1000  1000 1700000100 1700000200 1700000000 4096 0\n"
                /* more words than any table has */
                "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 "
                "30 31 32 33 34 35 36 37 38 39 40\n"
                /* blank lines are not rows at all */
                "\n"
                "   \t  \n"
                /* tabs separate columns as well as spaces */
                "0\t11\t600\t45056\t1200\t1300\t0\t1000\t1000\t1000\t1000\t1700000100\t"
                "1700000200\t1700000000\t4096\t0\n"
                "         0         12   600                 49152" SHM_TAIL "\n";
        static const int good[] = { 1, 3, 7, 11, 12 };
        ObjectTable t = { 0 };
        unsigned bad = 0;

        assert_int_equal(parse_text(IPC_KIND_SHM, text, &t, &bad), 0);
        assert_int_equal(bad, 8);
        assert_int_equal(t.n, ELEMENTSOF(good));
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                const IpcObject *o = &t.objects[i];
                /* Each row's own values, nothing left over from a dropped row. */
                assert_int_equal(o->id, good[i]);
                assert_int_equal(o->size, (uint64_t) good[i] * 4096);
                assert_int_equal(o->uid, 1000);
                assert_int_equal(o->ctime, 1700000000);
                assert_pids(o, 2, (pid_t[]){ 1200, 1300 });
        }
        object_table_done(&t);
}

static void header_missing_a_required_column_is_rejected(void **state) {
        static const char *const headers[_IPC_KIND_MAX][16] = {
                [IPC_KIND_SHM] = { "key", "shmid", "perms", "size", "cpid", "lpid", "nattch", "uid",
                                   "gid", "cuid", "cgid", "atime", "dtime", "ctime" },
                [IPC_KIND_SEM] = { "key", "semid", "perms", "nsems", "uid", "gid", "cuid", "cgid",
                                   "otime", "ctime" },
                [IPC_KIND_MSG] = { "key", "msqid", "perms", "cbytes", "qnum", "lspid", "lrpid",
                                   "uid", "gid", "cuid", "cgid", "stime", "rtime", "ctime" },
        };

        for (IpcKind k = IPC_KIND_SHM; k <= IPC_KIND_MSG; k++) { /* the System V tables */
                size_t n = 0;
                while (headers[k][n])
                        n++;
                /* Each column left out in turn; the rest, plus one row, stay valid. */
                for (size_t missing = 0; missing <= n; missing++) {
                        char text[512] = "";
                        ObjectTable t = { 0 };
                        unsigned bad = 0;
                        int r;

                        for (size_t c = 0; c < n; c++)
                                if (c != missing) {
                                        strcat(text, " ");
                                        strcat(text, headers[k][c]);
                                }
                        strcat(text, "\n");
                        for (size_t c = 0; c < n; c++)
                                if (c != missing)
                                        strcat(text, " 1");
                        strcat(text, "\n");

                        r = parse_text(k, text, &t, &bad);
                        if (missing < n) {
                                if (r != -EBADMSG)
                                        print_error("%s without \"%s\" gave %d\n",
                                                    ipc_kind_to_string(k), headers[k][missing], r);
                                assert_int_equal(r, -EBADMSG);
                                assert_int_equal(t.n, 0);
                        } else {
                                /* The control: with every column present it parses. */
                                assert_int_equal(r, 0);
                                assert_int_equal(t.n, 1);
                                assert_int_equal(t.objects[0].id, 1);
                        }
                        object_table_done(&t);
                }
        }
}

static void unusable_headers_are_rejected(void **state) {
        ObjectTable t = { 0 };
        char wide[1024] = "";

        /* A blank first line, and a header wider than any kernel prints. */
        assert_int_equal(parse_text(IPC_KIND_MSG, "\n", &t, NULL), -EBADMSG);
        assert_int_equal(parse_text(IPC_KIND_MSG, "   \t \n1 2 3\n", &t, NULL), -EBADMSG);
        strcat(wide, SHM_HEADER);
        wide[strlen(wide) - 1] = 0;
        for (int i = 0; i < 20; i++)
                strcat(wide, " extra");
        strcat(wide, "\n");
        assert_int_equal(parse_text(IPC_KIND_SHM, wide, &t, NULL), -EBADMSG);
        /* The sem header is not a shm header. */
        assert_int_equal(parse_fixture(IPC_KIND_SHM, FIXTURES "sem", &t, NULL), -EBADMSG);
        assert_int_equal(t.n, 0);
}

static void empty_input_is_an_error(void **state) {
        ObjectTable t = { 0 };
        unsigned bad = 0;

        assert_int_equal(parse_text(IPC_KIND_SHM, "", &t, &bad), -EBADMSG);
        assert_int_equal(t.n, 0);
}

static void header_without_rows_is_an_empty_table(void **state) {
        ObjectTable t = { 0 };
        unsigned bad = 99;

        assert_int_equal(parse_text(IPC_KIND_SHM, SHM_HEADER, &t, &bad), 0);
        assert_int_equal(bad, 0);
        assert_int_equal(t.n, 0);
}

static void unknown_kind_is_rejected(void **state) {
        ObjectTable t = { 0 };

        assert_int_equal(parse_text(_IPC_KIND_MAX, SHM_HEADER, &t, NULL), -EINVAL);
        assert_int_equal(parse_text(_IPC_KIND_INVALID, SHM_HEADER, &t, NULL), -EINVAL);
        assert_int_equal(t.n, 0);
}

static void last_line_without_newline_is_parsed(void **state) {
        static const char text[] =
                SHM_HEADER "         0          1   600                  4096" SHM_TAIL "\n"
                           "         0          2   600                  8192" SHM_TAIL;
        ObjectTable t = { 0 };
        unsigned bad = 99;

        assert_int_equal(parse_text(IPC_KIND_SHM, text, &t, &bad), 0);
        assert_int_equal(bad, 0);
        assert_int_equal(t.n, 2);
        assert_int_equal(t.objects[1].id, 2);
        assert_int_equal(t.objects[1].size, 8192);
        /* The last column of the unterminated line, swap, is read past; ctime before it. */
        assert_int_equal(t.objects[1].ctime, 1700000000);
        object_table_done(&t);
}

static void bad_line_count_may_be_omitted(void **state) {
        static const char text[] =
                SHM_HEADER "garbage\n"
                           "         0          1   600                  4096" SHM_TAIL "\n";
        ObjectTable t = { 0 };

        assert_int_equal(parse_text(IPC_KIND_SHM, text, &t, NULL), 0);
        assert_int_equal(t.n, 1);
        object_table_done(&t);
}

static void very_long_garbage_lines_are_skipped_in_bounded_time(void **state) {
        static const char good1[] =
                "         0          1   600                  4096" SHM_TAIL "\n";
        static const char good2[] = "         0          2   600                  8192" SHM_TAIL;
        const size_t garbage = 4u << 20;
        struct timespec start;
        _cleanup_free_ char *text = NULL;
        ObjectTable t = { 0 };
        unsigned bad = 0;
        double elapsed;
        size_t n = 0;
        char *p;
        int r;

        /* 4 MiB of one word, then 4 MiB of words "1 ", then the last row unterminated. */
        text = malloc(sizeof(SHM_HEADER) + sizeof(good1) + 2 * garbage + 2 + sizeof(good2));
        assert_non_null(text);
        p = stpcpy(text, SHM_HEADER);
        p = stpcpy(p, good1);
        memset(p, 'A', garbage);
        p += garbage;
        *p++ = '\n';
        for (n = 0; n < garbage / 2; n++) {
                *p++ = '1';
                *p++ = ' ';
        }
        *p++ = '\n';
        strcpy(p, good2);

        alarm(PARSE_TIME_LIMIT_SEC * 6);
        clock_gettime(CLOCK_MONOTONIC, &start);
        r = parse_text(IPC_KIND_SHM, text, &t, &bad);
        elapsed = elapsed_sec(&start);
        alarm(0);

        assert_int_equal(r, 0);
        assert_true(elapsed < PARSE_TIME_LIMIT_SEC);
        assert_int_equal(bad, 2);
        assert_int_equal(t.n, 2);
        assert_int_equal(t.objects[0].id, 1);
        assert_int_equal(t.objects[1].id, 2);
        object_table_done(&t);
}

static void very_long_header_line_is_rejected_in_bounded_time(void **state) {
        const size_t garbage = 4u << 20;
        _cleanup_free_ char *text = malloc(garbage + 2);
        struct timespec start;
        ObjectTable t = { 0 };
        double elapsed;
        int r;

        assert_non_null(text);
        memset(text, 'k', garbage);
        text[garbage] = '\n';
        text[garbage + 1] = 0;
        alarm(PARSE_TIME_LIMIT_SEC * 6);
        clock_gettime(CLOCK_MONOTONIC, &start);
        r = parse_text(IPC_KIND_MSG, text, &t, NULL);
        elapsed = elapsed_sec(&start);
        alarm(0);
        assert_int_equal(r, -EBADMSG);
        assert_true(elapsed < PARSE_TIME_LIMIT_SEC);
        assert_int_equal(t.n, 0);
}

static void binary_garbage_rows_are_skipped(void **state) {
        /* A NUL in the middle of a row ends its words early: the row is short, not valid. */
        static const char text[] =
                SHM_HEADER "         0          1   600\0                 4096" SHM_TAIL "\n"
                           "\x01\x02\x03\xff\xfe\n"
                           "         0          3   600                 12288" SHM_TAIL "\n";
        ObjectTable t = { 0 };
        unsigned bad = 0;
        FILE *f = fmemopen((void *) text, sizeof(text) - 1, "r");

        assert_non_null(f);
        assert_int_equal(sysvipc_parse(IPC_KIND_SHM, f, "test", &t, &bad), 0);
        fclose(f);
        assert_int_equal(bad, 2);
        assert_int_equal(t.n, 1);
        assert_int_equal(t.objects[0].id, 3);
        object_table_done(&t);
}

/* ---- real objects, in the private IPC namespace run-unit.sh provides ---- */

typedef struct RealObjects {
        int shm[4], sem[4], msg[4];
        size_t n_shm, n_sem, n_msg;
        void *attached;
        pid_t children[4];
        size_t n_children;
} RealObjects;

static int real_setup(void **state) {
        RealObjects *ro = calloc(1, sizeof(RealObjects));
        if (!ro)
                return -1;
        *state = ro;
        return 0;
}

/* Removes whatever the test made, even when an assertion ended it early. */
static int real_teardown(void **state) {
        RealObjects *ro = *state;

        for (size_t i = 0; i < ro->n_children; i++) {
                kill(ro->children[i], SIGKILL);
                (void) waitpid(ro->children[i], NULL, 0);
        }
        if (ro->attached)
                (void) shmdt(ro->attached);
        for (size_t i = 0; i < ro->n_shm; i++)
                (void) shmctl(ro->shm[i], IPC_RMID, NULL);
        for (size_t i = 0; i < ro->n_sem; i++)
                (void) semctl(ro->sem[i], 0, IPC_RMID);
        for (size_t i = 0; i < ro->n_msg; i++)
                (void) msgctl(ro->msg[i], IPC_RMID, NULL);
        free(ro);
        return 0;
}

static int make_shm(RealObjects *ro, key_t key, size_t size, int mode) {
        int id = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);
        assert_true(id >= 0);
        ro->shm[ro->n_shm++] = id;
        return id;
}

static int make_sem(RealObjects *ro, key_t key, int nsems, int mode) {
        int id = semget(key, nsems, IPC_CREAT | IPC_EXCL | mode);
        assert_true(id >= 0);
        ro->sem[ro->n_sem++] = id;
        return id;
}

static int make_msg(RealObjects *ro, key_t key, int mode) {
        int id = msgget(key, IPC_CREAT | IPC_EXCL | mode);
        assert_true(id >= 0);
        ro->msg[ro->n_msg++] = id;
        return id;
}

static void sem_add(int id, unsigned short sem, short delta) {
        struct sembuf op = { .sem_num = sem, .sem_op = delta };
        assert_int_equal(semop(id, &op, 1), 0);
}

typedef struct Created {
        int detached_shm, attached_shm, sem, msg;
        int64_t before, after;
} Created;

/* One object of each kind with some history: attaches, a semop, a queued message. */
static void create_objects(RealObjects *ro, Created *c) {
        struct {
                long type;
                char text[16];
        } message = { .type = 1, .text = "0123456789abcde" };
        void *addr;

        c->before = time(NULL);
        c->detached_shm = make_shm(ro, IPC_PRIVATE, 8192, 0640);
        addr = shmat(c->detached_shm, NULL, 0);
        assert_true(addr != (void *) -1);
        assert_int_equal(shmdt(addr), 0);
        c->attached_shm = make_shm(ro, TEST_KEY_SHM, 4096, 0600);
        ro->attached = shmat(c->attached_shm, NULL, SHM_RDONLY);
        assert_true(ro->attached != (void *) -1);
        c->sem = make_sem(ro, TEST_KEY_SEM, 3, 0600);
        sem_add(c->sem, 2, 1);
        c->msg = make_msg(ro, TEST_KEY_MSG, 0620);
        assert_int_equal(msgsnd(c->msg, &message, sizeof(message.text), 0), 0);
        c->after = time(NULL);
}

static void assert_time_between(int64_t t, int64_t before, int64_t after) {
        assert_in_range(t, before, after);
}

static void assert_created_objects(const ObjectTable *t, const Created *c) {
        const IpcObject *o;
        pid_t self = getpid();

        o = find_object(t, IPC_KIND_SHM, c->detached_shm);
        assert_non_null(o);
        assert_int_equal(o->key, IPC_PRIVATE);
        assert_int_equal(o->mode & 0777, 0640);
        assert_int_equal(o->size, 8192);
        assert_int_equal(o->nattch, 0);
        assert_int_equal(o->cpid, self);
        assert_int_equal(o->lpid, self);
        assert_int_equal(o->uid, geteuid());
        assert_int_equal(o->gid, getegid());
        assert_int_equal(o->cuid, geteuid());
        assert_int_equal(o->cgid, getegid());
        assert_time_between(o->atime, c->before, c->after);
        assert_time_between(o->dtime, c->before, c->after);
        assert_time_between(o->ctime, c->before, c->after);
        assert_false(o->creator_unknown);
        /* The reader's own pid is "none recorded" (the daemon's own attach or restore). */
        assert_pids(o, 0, NULL);

        o = find_object(t, IPC_KIND_SHM, c->attached_shm);
        assert_non_null(o);
        assert_int_equal(o->key, TEST_KEY_SHM);
        assert_int_equal(o->mode & 0777, 0600);
        assert_int_equal(o->nattch, 1);
        assert_int_equal(o->dtime, 0);

        o = find_object(t, IPC_KIND_SEM, c->sem);
        assert_non_null(o);
        assert_int_equal(o->key, TEST_KEY_SEM);
        assert_int_equal(o->mode & 0777, 0600);
        assert_int_equal(o->nsems, 3);
        assert_int_equal(o->size, 0);
        assert_time_between(o->otime, c->before, c->after);
        assert_time_between(o->ctime, c->before, c->after);
        assert_int_equal(o->sem_waiters, 0);
        assert_int_equal(o->sem_details_error, 0);
        /* GETPID of semaphore 2 is this process, the reader: none recorded, like 0 and 1. */
        assert_pids(o, 0, NULL);

        o = find_object(t, IPC_KIND_MSG, c->msg);
        assert_non_null(o);
        assert_int_equal(o->key, TEST_KEY_MSG);
        assert_int_equal(o->mode & 0777, 0620);
        assert_int_equal(o->size, 16);
        assert_int_equal(o->messages, 1);
        assert_int_equal(o->lspid, self);
        assert_int_equal(o->lrpid, 0);
        assert_time_between(o->stime, c->before, c->after);
        assert_int_equal(o->rtime, 0);
        assert_pids(o, 0, NULL);
}

static void read_all_from_proc_returns_the_objects_created_here(void **state) {
        RealObjects *ro = *state;
        ObjectTable t = { 0 };
        Created c;

        create_objects(ro, &c);
        assert_int_equal(sysvipc_read_all("/proc", &t), 0);
        assert_created_objects(&t, &c);
        object_table_done(&t);
}

static void read_all_without_sysvipc_tables_falls_back_to_stat_any(void **state) {
        RealObjects *ro = *state;
        char root[] = "/tmp/ipcreap-test-procfs-XXXXXX";
        ObjectTable from_proc = { 0 }, from_index = { 0 };
        Created c;
        int r;

        create_objects(ro, &c);
        assert_non_null(mkdtemp(root));
        r = sysvipc_read_all(root, &from_index);
        assert_int_equal(rmdir(root), 0);
        assert_int_equal(r, 0);
        assert_int_equal(sysvipc_read_all("/proc", &from_proc), 0);

        assert_created_objects(&from_index, &c);
        assert_int_equal(from_index.n, from_proc.n);
        for (size_t i = 0; i < from_proc.n; i++) {
                const IpcObject *a = &from_proc.objects[i];
                const IpcObject *b = find_object(&from_index, a->kind, a->id);
                assert_non_null(b);
                assert_same_object(a, b);
        }
        object_table_done(&from_proc);
        object_table_done(&from_index);
}

static void stat_any_walk_finds_every_kind(void **state) {
        RealObjects *ro = *state;
        ObjectTable t = { 0 };
        Created c;

        create_objects(ro, &c);
        for (IpcKind k = IPC_KIND_SHM; k <= IPC_KIND_MSG; k++)
                assert_int_equal(sysvipc_read_stat_any(k, &t), 0);
        assert_non_null(find_object(&t, IPC_KIND_SHM, c.detached_shm));
        assert_non_null(find_object(&t, IPC_KIND_SHM, c.attached_shm));
        assert_non_null(find_object(&t, IPC_KIND_SEM, c.sem));
        assert_non_null(find_object(&t, IPC_KIND_MSG, c.msg));
        object_table_done(&t);
}

/* Polls a semaphore's GETNCNT or GETZCNT until it reaches want; fails after 10 s. */
static void wait_for_count(int id, int sem, int cmd, int want) {
        for (int i = 0; i < 10000; i++) {
                int v = semctl(id, sem, cmd);
                assert_true(v >= 0);
                if (v == want)
                        return;
                nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        }
        fail_msg("semaphore %d of set %d never got %d waiters", sem, id, want);
}

/* A child that blocks in semop(op) on semaphore sem, and exits 0 when it completes. */
static pid_t spawn_waiter(RealObjects *ro, int id, unsigned short sem, short op) {
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                struct sembuf b = { .sem_num = sem, .sem_op = op };
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                alarm(30);
                _exit(semop(id, &b, 1) == 0 ? 0 : 1);
        }
        ro->children[ro->n_children++] = pid;
        return pid;
}

static void reap_child(RealObjects *ro, pid_t pid) {
        int status;

        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        /* Under valgrind a child inherits the parent's error count and exit code. */
        if (!RUNNING_ON_VALGRIND)
                assert_int_equal(WEXITSTATUS(status), 0);
        for (size_t i = 0; i < ro->n_children; i++)
                if (ro->children[i] == pid)
                        ro->children[i] = ro->children[--ro->n_children];
}

static void sem_details_report_getpid_pids_and_waiters(void **state) {
        RealObjects *ro = *state;
        IpcObject o = { .kind = IPC_KIND_SEM, .nsems = 2 };
        pid_t child;

        o.id = make_sem(ro, IPC_PRIVATE, 2, 0600);
        sem_add(o.id, 1, 1);
        child = spawn_waiter(ro, o.id, 0, -1);
        wait_for_count(o.id, 0, GETNCNT, 1);

        assert_int_equal(sysvipc_read_sem_details(&o), 0);
        assert_int_equal(o.sem_waiters, 1);
        assert_int_equal(o.sem_details_error, 0);
        /* Semaphore 1 names this process, the reader: none recorded. */
        assert_pids(&o, 0, NULL);

        /* Posting wakes the child; its completed semop records its pid on semaphore 0. */
        sem_add(o.id, 0, 1);
        reap_child(ro, child);
        assert_int_equal(sysvipc_read_sem_details(&o), 0);
        assert_int_equal(o.sem_waiters, 0);
        assert_pids(&o, 1, (pid_t[]){ child });
        ipc_object_done(&o);
}

static void sem_waiters_include_processes_waiting_for_zero(void **state) {
        RealObjects *ro = *state;
        IpcObject o = { .kind = IPC_KIND_SEM, .nsems = 3 };

        o.id = make_sem(ro, IPC_PRIVATE, 3, 0600);
        sem_add(o.id, 2, 1);
        (void) spawn_waiter(ro, o.id, 0, -1);
        (void) spawn_waiter(ro, o.id, 2, 0);
        (void) spawn_waiter(ro, o.id, 2, 0);
        wait_for_count(o.id, 0, GETNCNT, 1);
        wait_for_count(o.id, 2, GETZCNT, 2);

        assert_int_equal(sysvipc_read_sem_details(&o), 0);
        assert_int_equal(o.sem_waiters, 3);
        ipc_object_done(&o);
}

static void sem_details_of_a_removed_set_say_it_is_gone(void **state) {
        RealObjects *ro = *state;
        IpcObject o = { .kind = IPC_KIND_SEM, .nsems = 1 };

        o.id = make_sem(ro, IPC_PRIVATE, 1, 0600);
        assert_int_equal(semctl(o.id, 0, IPC_RMID), 0);
        ro->n_sem--;
        int r = sysvipc_read_sem_details(&o);
        assert_true(r == -EINVAL || r == -EIDRM);
        ipc_object_done(&o);
}

static void sem_details_without_permission_are_recorded_not_fatal(void **state) {
        RealObjects *ro = *state;
        IpcObject o = { .kind = IPC_KIND_SEM, .nsems = 2 };
        char verdict = '?';
        int fds[2];
        pid_t pid;

        /* The tests run as root (tests/run-unit.sh needs it for the IPC namespace). */
        if (geteuid() != 0)
                fail_msg("needs root, to switch to another uid");
        o.id = make_sem(ro, IPC_PRIVATE, 2, 0600);
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* As nobody, the set's 0600 bits deny GETPID: waiters become unknown. The
                 * answer goes through a pipe (valgrind may own the exit code). */
                char v = 'u';
                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
                        v = 'u';
                else if (sysvipc_read_sem_details(&o) != 0)
                        v = 'r';
                else if (o.sem_details_error != EACCES)
                        v = 'e';
                else if (o.sem_waiters != 0 || o.n_pids != 0)
                        v = 'w';
                else
                        v = 'k';
                (void) !write(fds[1], &v, 1);
                _exit(0);
        }
        close(fds[1]);
        assert_int_equal(read(fds[0], &verdict, 1), 1);
        close(fds[0]);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        /* k: okay; u: could not become nobody; r: failed; e: wrong error; w: invented data. */
        assert_int_equal(verdict, 'k');
}

static void stat_rereads_one_object_by_id(void **state) {
        RealObjects *ro = *state;
        ObjectTable t = { 0 };
        Created c;
        int ids[] = { 0, 0, 0 };
        IpcKind kinds[] = { IPC_KIND_SHM, IPC_KIND_SEM, IPC_KIND_MSG };

        create_objects(ro, &c);
        ids[0] = c.detached_shm;
        ids[1] = c.sem;
        ids[2] = c.msg;
        assert_int_equal(sysvipc_read_all("/proc", &t), 0);
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                IpcObject o = { 0 };
                assert_int_equal(sysvipc_stat(kinds[i], ids[i], &o), 0);
                assert_same_object(&o, find_object(&t, kinds[i], ids[i]));
                ipc_object_done(&o);
        }
        object_table_done(&t);
}

static void stat_of_a_removed_object_says_it_is_gone_and_leaves_ret_alone(void **state) {
        RealObjects *ro = *state;
        int shm = make_shm(ro, IPC_PRIVATE, 4096, 0600);
        int sem = make_sem(ro, IPC_PRIVATE, 1, 0600);
        int msg = make_msg(ro, IPC_PRIVATE, 0600);
        struct {
                IpcKind kind;
                int id;
        } gone[] = { { IPC_KIND_SHM, shm }, { IPC_KIND_SEM, sem }, { IPC_KIND_MSG, msg } };

        assert_int_equal(shmctl(shm, IPC_RMID, NULL), 0);
        assert_int_equal(semctl(sem, 0, IPC_RMID), 0);
        assert_int_equal(msgctl(msg, IPC_RMID, NULL), 0);
        ro->n_shm = ro->n_sem = ro->n_msg = 0;

        for (size_t i = 0; i < ELEMENTSOF(gone); i++) {
                IpcObject o = { .id = 4242, .size = 77 };
                int r = sysvipc_stat(gone[i].kind, gone[i].id, &o);
                assert_true(r == -EINVAL || r == -EIDRM);
                assert_int_equal(o.id, 4242);
                assert_int_equal(o.size, 77);
        }
        /* An id that never existed, and a kind that does not. */
        IpcObject o = { 0 };
        int r = sysvipc_stat(IPC_KIND_SHM, 0x7ffffff0, &o);
        assert_true(r == -EINVAL || r == -EIDRM);
        assert_int_equal(sysvipc_stat(_IPC_KIND_MAX, shm, &o), -EINVAL);
}

/* ---- limits ---- */

static void limits_come_from_procfs_and_usage_from_the_table(void **state) {
        uint64_t page = (uint64_t) sysconf(_SC_PAGESIZE);
        ObjectTable t = { 0 };
        IpcLimits l;
        IpcObject *o;

        o = object_table_append(&t);
        *o = (IpcObject){ .kind = IPC_KIND_SHM, .size = page };
        o = object_table_append(&t);
        *o = (IpcObject){ .kind = IPC_KIND_SHM, .size = page + 1 };
        o = object_table_append(&t);
        *o = (IpcObject){ .kind = IPC_KIND_SHM, .size = 0 };
        o = object_table_append(&t);
        *o = (IpcObject){ .kind = IPC_KIND_SEM, .nsems = 3 };
        o = object_table_append(&t);
        *o = (IpcObject){ .kind = IPC_KIND_SEM, .nsems = 250 };
        o = object_table_append(&t);
        *o = (IpcObject){ .kind = IPC_KIND_MSG, .size = 100000 };

        sysvipc_read_limits("tests/fixtures/procfs-limits", &t, &l);
        assert_int_equal(l.max[IPC_LIMIT_SHMMNI], 4096);
        /* The kernel's default shmall, close to UINT64_MAX, is read whole. */
        assert_true(l.max[IPC_LIMIT_SHMALL] == UINT64_C(18446744073692774399));
        /* kernel.sem is "SEMMSL SEMMNS SEMOPM SEMMNI", tab-separated: "250 32000 32 128". */
        assert_int_equal(l.max[IPC_LIMIT_SEMMNS], 32000);
        assert_int_equal(l.max[IPC_LIMIT_SEMMNI], 128);
        assert_int_equal(l.max[IPC_LIMIT_MSGMNI], 32000);

        assert_int_equal(l.used[IPC_LIMIT_SHMMNI], 3);
        assert_int_equal(l.used[IPC_LIMIT_SHMALL], 1 + 2 + 0); /* pages, rounded up */
        assert_int_equal(l.used[IPC_LIMIT_SEMMNI], 2);
        assert_int_equal(l.used[IPC_LIMIT_SEMMNS], 253);
        assert_int_equal(l.used[IPC_LIMIT_MSGMNI], 1);
        object_table_done(&t);
}

static void missing_limit_files_leave_the_maximum_unknown(void **state) {
        char root[] = "/tmp/ipcreap-test-limits-XXXXXX";
        ObjectTable t = { 0 };
        IpcLimits l;
        IpcObject *o;

        o = object_table_append(&t);
        *o = (IpcObject){ .kind = IPC_KIND_MSG };
        assert_non_null(mkdtemp(root));
        sysvipc_read_limits(root, &t, &l);
        assert_int_equal(rmdir(root), 0);
        for (IpcLimit i = 0; i < _IPC_LIMIT_MAX; i++)
                assert_int_equal(l.max[i], 0);
        assert_int_equal(l.used[IPC_LIMIT_MSGMNI], 1);
        object_table_done(&t);
}

static void limit_names_are_the_sysctl_names(void **state) {
        assert_string_equal(ipc_limit_to_string(IPC_LIMIT_SHMMNI), "shmmni");
        assert_string_equal(ipc_limit_to_string(IPC_LIMIT_SHMALL), "shmall");
        assert_string_equal(ipc_limit_to_string(IPC_LIMIT_SEMMNI), "semmni");
        assert_string_equal(ipc_limit_to_string(IPC_LIMIT_SEMMNS), "semmns");
        assert_string_equal(ipc_limit_to_string(IPC_LIMIT_MSGMNI), "msgmni");
        assert_null(ipc_limit_to_string(_IPC_LIMIT_MAX));
}

#define real_object_test(f) cmocka_unit_test_setup_teardown(f, real_setup, real_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(modern_shm_table_fills_every_field),
                cmocka_unit_test(older_shm_table_without_rss_and_swap_parses),
                cmocka_unit_test(sem_table_fills_every_field_and_records_no_pids),
                cmocka_unit_test(msg_table_fills_every_field_and_records_lspid_and_lrpid),
                cmocka_unit_test(columns_are_found_by_name_not_by_position),
                cmocka_unit_test(malformed_rows_are_counted_and_skipped_around_good_ones),
                cmocka_unit_test(header_missing_a_required_column_is_rejected),
                cmocka_unit_test(unusable_headers_are_rejected),
                cmocka_unit_test(empty_input_is_an_error),
                cmocka_unit_test(header_without_rows_is_an_empty_table),
                cmocka_unit_test(unknown_kind_is_rejected),
                cmocka_unit_test(last_line_without_newline_is_parsed),
                cmocka_unit_test(bad_line_count_may_be_omitted),
                cmocka_unit_test(very_long_garbage_lines_are_skipped_in_bounded_time),
                cmocka_unit_test(very_long_header_line_is_rejected_in_bounded_time),
                cmocka_unit_test(binary_garbage_rows_are_skipped),
                real_object_test(read_all_from_proc_returns_the_objects_created_here),
                real_object_test(read_all_without_sysvipc_tables_falls_back_to_stat_any),
                real_object_test(stat_any_walk_finds_every_kind),
                real_object_test(sem_details_report_getpid_pids_and_waiters),
                real_object_test(sem_waiters_include_processes_waiting_for_zero),
                real_object_test(sem_details_of_a_removed_set_say_it_is_gone),
                real_object_test(sem_details_without_permission_are_recorded_not_fatal),
                real_object_test(stat_rereads_one_object_by_id),
                real_object_test(stat_of_a_removed_object_says_it_is_gone_and_leaves_ret_alone),
                cmocka_unit_test(limits_come_from_procfs_and_usage_from_the_table),
                cmocka_unit_test(missing_limit_files_leave_the_maximum_unknown),
                cmocka_unit_test(limit_names_are_the_sysctl_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
