/* SPDX-License-Identifier: MIT */
/* Tests the quarantine's copy and restore of every kind (quarantine-copy.c) on real objects of
 * the private IPC namespace run-unit.sh gives each test, with a scratch directory standing for
 * /dev/shm: contents, key or name, owner, mode and id come back; a key or name in use, a
 * truncated copy and an object that cannot be copied without consuming it change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <mqueue.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipc-object.h"
#include "kind.h"
#include "macro.h"
#include "posixipc.h"
#include "quarantine-copy.h"
#include "sysvipc.h"

#define PATH_SIZE          512
#define KEY                0x51c0de01
#define SEGMENT            (3u * 1024 * 1024)
#define OWNER_UID          1234
#define OWNER_GID          2345
#define QUEUE_NAME         "qc-test-queue"
#define SEM_VALUE_MAX_SYSV 32767

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
};

/* Set by a test to play a kernel without MSG_COPY (CONFIG_CHECKPOINT_RESTORE off). */
static bool fake_no_msg_copy;

/* Stands in for libc's msgrcv() in this program, the code under test included. */
ssize_t msgrcv(int id, void *buf, size_t size, long type, int flags) {
        if (fake_no_msg_copy && (flags & MSG_COPY)) {
                errno = ENOSYS;
                return -1;
        }
        return syscall(SYS_msgrcv, id, buf, size, type, flags);
}

/* A scratch directory: shm/ for /dev/shm, mqueue/ for a queue mount, and the copy's data. */
typedef struct Scratch {
        char root[64];
        char shm[96], mqueue[96], data[96];
        KindSources src;
        bool mqueue_mounted;
        char shmmax[32]; /* to put back, when a test changed it */
} Scratch;

static int scratch_setup(void **state) {
        Scratch *s = calloc(1, sizeof(Scratch));

        assert_non_null(s);
        snprintf(s->root, sizeof(s->root), "/tmp/test-quarantine-copy-XXXXXX");
        assert_non_null(mkdtemp(s->root));
        snprintf(s->shm, sizeof(s->shm), "%s/shm", s->root);
        snprintf(s->mqueue, sizeof(s->mqueue), "%s/mqueue", s->root);
        snprintf(s->data, sizeof(s->data), "%s/data", s->root);
        assert_int_equal(mkdir(s->shm, 01777), 0);
        assert_int_equal(mkdir(s->mqueue, 0755), 0);
        s->src = (KindSources){ .procfs = "/proc", .shm_dir = s->shm, .mqueue_dir = s->mqueue };
        *state = s;
        return 0;
}

static void read_sysctl(const char *name, char *buf, size_t size) {
        char path[PATH_SIZE];
        FILE *f;

        snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
        f = fopen(path, "re");
        assert_non_null(f);
        assert_non_null(fgets(buf, (int) size, f));
        fclose(f);
}

static void write_sysctl(const char *name, const char *value) {
        char path[PATH_SIZE];
        FILE *f;

        snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_true(fputs(value, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

/* Removes every System V object of the namespace, so that each test starts from none. */
static void remove_all_sysv(void) {
        struct shmid_ds shm;
        struct semid_ds sem;
        struct msqid_ds msg;
        int id;

        for (int i = 0; i < 256; i++) {
                if ((id = shmctl(i, SHM_STAT_ANY, &shm)) >= 0)
                        (void) shmctl(id, IPC_RMID, NULL);
                if ((id = semctl(i, 0, SEM_STAT_ANY, (union semun){ .buf = &sem })) >= 0)
                        (void) semctl(id, 0, IPC_RMID);
                if ((id = msgctl(i, MSG_STAT_ANY, &msg)) >= 0)
                        (void) msgctl(id, IPC_RMID, NULL);
        }
}

static int scratch_teardown(void **state) {
        Scratch *s = *state;
        char command[160];

        remove_all_sysv();
        if (s->shmmax[0])
                write_sysctl("shmmax", s->shmmax);
        (void) mq_unlink("/" QUEUE_NAME);
        if (s->mqueue_mounted)
                (void) umount2(s->mqueue, MNT_DETACH);
        snprintf(command, sizeof(command), "rm -rf -- '%s'", s->root);
        assert_int_equal(system(command), 0);
        free(s);
        return 0;
}

static const char *path_join(char *buf, const char *dir, const char *name) {
        assert_in_range(snprintf(buf, PATH_SIZE, "%s/%s", dir, name), 1, PATH_SIZE - 1);
        return buf;
}

/* The copy's data file, empty. */
static int open_data(const Scratch *s) {
        int fd = open(s->data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        return fd;
}

static void rewind_fd(int fd) {
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
}

static uint8_t pattern(size_t i) {
        return (uint8_t) (i * 7 + (i >> 13));
}

static int64_t meta_int(const json_t *m, const char *key) {
        json_t *v = json_object_get(m, key);
        if (!json_is_integer(v))
                print_error("metadata lacks \"%s\"\n", key);
        assert_true(json_is_integer(v));
        return json_integer_value(v);
}

static int read_next_id(const char *file) {
        char path[PATH_SIZE];
        FILE *f;
        int id;

        snprintf(path, sizeof(path), "/proc/sys/kernel/%s", file);
        f = fopen(path, "re");
        assert_non_null(f);
        assert_int_equal(fscanf(f, "%d", &id), 1);
        fclose(f);
        return id;
}

static void write_next_id(const char *file, int id) {
        char value[16];

        snprintf(value, sizeof(value), "%d\n", id);
        write_sysctl(file, value);
}

static unsigned used_segments(void) {
        struct shm_info info = { 0 };
        assert_true(shmctl(0, SHM_INFO, (struct shmid_ds *) &info) >= 0);
        return (unsigned) info.used_ids;
}

static unsigned used_queues(void) {
        struct msginfo info = { 0 };
        assert_true(msgctl(0, MSG_INFO, (struct msqid_ds *) &info) >= 0);
        return (unsigned) info.msgpool; /* MSG_INFO: the number of queues */
}

/* The snapshot the reaper would hold (read before the fence), then the fence: mode 000. */
static void snapshot_and_fence(IpcKind kind, int id, IpcObject *ret) {
        int64_t ctime;

        assert_int_equal(sysvipc_stat(kind, id, ret), 0);
        assert_int_equal(sysvipc_set_mode(kind, id, ret->key, ret->cuid, -1, ret->mode, 0, &ctime),
                         0);
}

static void copy_ok(const Scratch *s, const IpcObject *o, int fd, json_t *meta,
                    uint64_t *ret_bytes) {
        int r = quarantine_copy(&s->src, o, fd, meta, ret_bytes);
        if (r < 0)
                print_error("quarantine_copy(%s): %s\n", ipc_kind_to_string(o->kind), strerror(-r));
        assert_int_equal(r, 0);
}

static void restore_ok(const Scratch *s, const json_t *meta, int fd, int *ret_id) {
        int r;

        rewind_fd(fd);
        r = quarantine_restore(&s->src, meta, fd, ret_id);
        if (r < 0)
                print_error("quarantine_restore: %s\n", strerror(-r));
        assert_int_equal(r, 0);
}

/* ---- shm ---- */

/* A segment of SEGMENT bytes of the pattern with key, owner OWNER_UID:OWNER_GID and mode. */
static int make_segment(int32_t key, uint32_t mode) {
        struct shmid_ds ds;
        uint8_t *p;
        int id;

        id = shmget(key, SEGMENT, IPC_CREAT | IPC_EXCL | 0600);
        assert_true(id >= 0);
        p = shmat(id, NULL, 0);
        assert_true(p != (void *) -1);
        for (size_t i = 0; i < SEGMENT; i++)
                p[i] = pattern(i);
        assert_int_equal(shmdt(p), 0);
        assert_true(shmctl(id, IPC_STAT, &ds) >= 0);
        ds.shm_perm.uid = OWNER_UID;
        ds.shm_perm.gid = OWNER_GID;
        ds.shm_perm.mode = mode;
        assert_int_equal(shmctl(id, IPC_SET, &ds), 0);
        return id;
}

static void assert_segment_is_the_original(int id, int32_t key, uint32_t mode) {
        struct shmid_ds ds;
        uint8_t *p;

        assert_true(shmctl(id, IPC_STAT, &ds) >= 0);
        assert_int_equal(ds.shm_perm.__key, key);
        assert_int_equal(ds.shm_perm.uid, OWNER_UID);
        assert_int_equal(ds.shm_perm.gid, OWNER_GID);
        assert_int_equal(ds.shm_perm.mode & 0777, mode);
        assert_int_equal(ds.shm_segsz, SEGMENT);
        assert_int_equal(ds.shm_nattch, 0);
        p = shmat(id, NULL, SHM_RDONLY);
        assert_true(p != (void *) -1);
        for (size_t i = 0; i < SEGMENT; i++)
                if (p[i] != pattern(i)) {
                        print_error("byte %zu differs\n", i);
                        fail();
                }
        assert_int_equal(shmdt(p), 0);
}

/* Copies a fenced segment made by make_segment() and removes it; fd holds the copy. */
static void quarantine_segment(const Scratch *s, int id, int fd, json_t *meta) {
        IpcObject o = { 0 };
        uint64_t bytes = 0;

        snapshot_and_fence(IPC_KIND_SHM, id, &o);
        copy_ok(s, &o, fd, meta, &bytes);
        assert_int_equal(bytes, SEGMENT);
        ipc_object_done(&o);
        assert_int_equal(shmctl(id, IPC_RMID, NULL), 0);
}

static void a_segment_comes_back_byte_for_byte_with_its_key_owner_mode_and_id(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        struct stat st;
        int id, restored = -1;

        id = make_segment(KEY, 0640);
        quarantine_segment(s, id, fd, meta);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_size, SEGMENT);
        assert_string_equal(json_string_value(json_object_get(meta, "kind")), "shm");
        assert_string_equal(json_string_value(json_object_get(meta, "dataFormat")), "bytes");
        assert_int_equal(meta_int(meta, "key"), KEY);
        assert_int_equal(meta_int(meta, "id"), id);
        assert_int_equal(meta_int(meta, "mode"), 0640); /* the snapshot's, not the fence's */
        assert_int_equal(meta_int(meta, "ownerUid"), OWNER_UID);
        assert_int_equal(meta_int(meta, "ownerGid"), OWNER_GID);
        assert_int_equal(meta_int(meta, "creatorUid"), 0);
        assert_int_equal(meta_int(meta, "size"), SEGMENT);
        assert_int_equal(meta_int(meta, "dataBytes"), SEGMENT);
        assert_int_equal(used_segments(), 0);

        restore_ok(s, meta, fd, &restored);
        assert_int_equal(restored, id);
        assert_segment_is_the_original(restored, KEY, 0640);
        assert_int_equal(read_next_id("shm_next_id"), -1);
        json_decref(meta);
}

static void a_private_segment_comes_back_too(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        int id, restored = -1;

        id = make_segment(IPC_PRIVATE, 0600);
        quarantine_segment(s, id, fd, meta);
        restore_ok(s, meta, fd, &restored);
        assert_int_equal(restored, id);
        assert_segment_is_the_original(restored, IPC_PRIVATE, 0600);
        json_decref(meta);
}

static void a_segment_whose_id_is_taken_comes_back_under_a_new_id(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        struct shmid_ds ds;
        int id, other, restored = -1;

        id = make_segment(KEY, 0640);
        quarantine_segment(s, id, fd, meta);
        /* Another segment takes the very id meanwhile. */
        write_next_id("shm_next_id", id);
        other = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        assert_int_equal(other, id);

        restore_ok(s, meta, fd, &restored);
        assert_int_not_equal(restored, id);
        assert_segment_is_the_original(restored, KEY, 0640);
        /* The other one is untouched. */
        assert_true(shmctl(other, IPC_STAT, &ds) >= 0);
        assert_int_equal(ds.shm_perm.__key, IPC_PRIVATE);
        assert_int_equal(ds.shm_segsz, 4096);
        assert_int_equal(read_next_id("shm_next_id"), -1);
        json_decref(meta);
}

static void a_segment_whose_key_is_taken_is_not_restored_and_nothing_changes(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        struct shmid_ds ds;
        int id, other, restored = -7;

        id = make_segment(KEY, 0640);
        quarantine_segment(s, id, fd, meta);
        other = shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0600);
        assert_true(other >= 0);

        /* A next id somebody else asked for (CRIU restoring in the container, say) stays. */
        write_next_id("shm_next_id", 4242);

        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, &restored), -EEXIST);
        assert_int_equal(restored, -7);
        assert_int_equal(used_segments(), 1);
        assert_true(shmctl(other, IPC_STAT, &ds) >= 0);
        assert_int_equal(ds.shm_segsz, 4096);
        assert_int_equal(ds.shm_perm.mode & 0777, 0600);
        /* Not even the next id was touched. */
        assert_int_equal(read_next_id("shm_next_id"), 4242);
        other = shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
        assert_int_equal(other, 4242);
        assert_int_equal(shmctl(other, IPC_RMID, NULL), 0);
        json_decref(meta);
}

static void a_truncated_segment_copy_is_refused_and_leaves_no_segment(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        int id, restored = -7;

        id = make_segment(KEY, 0640);
        quarantine_segment(s, id, fd, meta);
        assert_int_equal(ftruncate(fd, SEGMENT / 2), 0);

        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, &restored), -EBADMSG);
        assert_int_equal(restored, -7);
        assert_int_equal(used_segments(), 0);
        assert_true(shmget(KEY, 0, 0) < 0 && errno == ENOENT);
        assert_int_equal(read_next_id("shm_next_id"), -1);
        json_decref(meta);
}

static void a_copy_longer_than_the_segment_is_refused_and_leaves_no_segment(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        int id, restored = -7;

        id = make_segment(KEY, 0640);
        quarantine_segment(s, id, fd, meta);
        assert_int_equal(ftruncate(fd, SEGMENT + 1), 0);

        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, &restored), -EBADMSG);
        assert_int_equal(used_segments(), 0);
        json_decref(meta);
}

static void a_create_that_fails_gives_back_the_id_it_asked_for(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        int id, restored = -7;

        id = make_segment(KEY, 0640);
        quarantine_segment(s, id, fd, meta);
        /* The namespace's segments may no longer be that large: shmget() fails after the id
         * was asked for, which must not be left for the next segment anybody makes. */
        read_sysctl("shmmax", s->shmmax, sizeof(s->shmmax));
        write_sysctl("shmmax", "1048576");
        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, &restored), -EINVAL);
        assert_int_equal(restored, -7);
        assert_int_equal(used_segments(), 0);
        assert_int_equal(read_next_id("shm_next_id"), -1);
        json_decref(meta);
}

static void a_copy_of_another_object_under_the_id_is_refused(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        IpcObject o = { 0 };
        uint64_t bytes = 7;
        int id;

        id = make_segment(KEY, 0640);
        assert_int_equal(sysvipc_stat(IPC_KIND_SHM, id, &o), 0);
        o.key = KEY + 1; /* what was seen under this id had another key */
        assert_int_equal(quarantine_copy(&s->src, &o, fd, meta, &bytes), -ESTALE);
        assert_int_equal(bytes, 7);
        assert_int_equal(json_object_size(meta), 0);
        ipc_object_done(&o);
        json_decref(meta);
}

/* ---- sem ---- */

static void semaphore_values_come_back_with_key_owner_mode_and_id(void **state) {
        static const unsigned short values[] = { 0, 1, 42, SEM_VALUE_MAX_SYSV };
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object(), *array;
        unsigned short got[ELEMENTSOF(values)] = { 0 };
        struct semid_ds ds;
        IpcObject o = { 0 };
        uint64_t bytes = 7;
        int id, restored = -1;

        id = semget(KEY, ELEMENTSOF(values), IPC_CREAT | IPC_EXCL | 0600);
        assert_true(id >= 0);
        assert_int_equal(semctl(id, 0, SETALL, (union semun){ .array = (unsigned short *) values }),
                         0);
        assert_true(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }) >= 0);
        ds.sem_perm.uid = OWNER_UID;
        ds.sem_perm.gid = OWNER_GID;
        ds.sem_perm.mode = 0660;
        assert_int_equal(semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }), 0);

        snapshot_and_fence(IPC_KIND_SEM, id, &o);
        copy_ok(s, &o, fd, meta, &bytes);
        ipc_object_done(&o);
        assert_int_equal(bytes, 0);
        assert_string_equal(json_string_value(json_object_get(meta, "dataFormat")), "none");
        assert_int_equal(meta_int(meta, "nsems"), ELEMENTSOF(values));
        array = json_object_get(meta, "semValues");
        assert_int_equal(json_array_size(array), ELEMENTSOF(values));
        assert_int_equal(json_integer_value(json_array_get(array, 2)), 42);
        assert_int_equal(semctl(id, 0, IPC_RMID), 0);

        restore_ok(s, meta, fd, &restored);
        assert_int_equal(restored, id);
        assert_int_equal(semctl(restored, 0, GETALL, (union semun){ .array = got }), 0);
        assert_memory_equal(got, values, sizeof(values));
        assert_true(semctl(restored, 0, IPC_STAT, (union semun){ .buf = &ds }) >= 0);
        assert_int_equal(ds.sem_perm.__key, KEY);
        assert_int_equal(ds.sem_perm.uid, OWNER_UID);
        assert_int_equal(ds.sem_perm.gid, OWNER_GID);
        assert_int_equal(ds.sem_perm.mode & 0777, 0660);
        assert_int_equal(ds.sem_nsems, ELEMENTSOF(values));
        assert_int_equal(read_next_id("sem_next_id"), -1);
        json_decref(meta);
}

/* ---- msg ---- */

typedef struct TestMessage {
        long type;
        size_t length;
} TestMessage;

/* Types out of order and repeated, an empty message and one larger than a page. */
static const TestMessage messages[] = {
        { 5, 11 }, { 1, 0 }, { 5, 3 }, { 9, 6000 }, { 2, 1 },
};

static void fill_message(char *text, size_t i, size_t length) {
        for (size_t j = 0; j < length; j++)
                text[j] = (char) ('a' + (i * 3 + j) % 26);
}

static int make_queue_with_messages(void) {
        struct {
                long type;
                char text[8192];
        } m;
        struct msqid_ds ds;
        int id;

        id = msgget(KEY, IPC_CREAT | IPC_EXCL | 0600);
        assert_true(id >= 0);
        for (size_t i = 0; i < ELEMENTSOF(messages); i++) {
                m.type = messages[i].type;
                fill_message(m.text, i, messages[i].length);
                assert_int_equal(msgsnd(id, &m, messages[i].length, IPC_NOWAIT), 0);
        }
        assert_true(msgctl(id, IPC_STAT, &ds) >= 0);
        ds.msg_perm.uid = OWNER_UID;
        ds.msg_perm.gid = OWNER_GID;
        ds.msg_perm.mode = 0620;
        ds.msg_qbytes = 12345; /* below msgmnb: lowering needs no privilege */
        assert_int_equal(msgctl(id, IPC_SET, &ds), 0);
        return id;
}

/* Receives every message (type 0: the queue's order) and checks each. */
static void assert_queue_holds_the_messages(int id) {
        struct {
                long type;
                char text[8192];
        } m;
        char want[8192];

        for (size_t i = 0; i < ELEMENTSOF(messages); i++) {
                ssize_t l = msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT);
                assert_int_equal(l, (ssize_t) messages[i].length);
                assert_int_equal(m.type, messages[i].type);
                fill_message(want, i, messages[i].length);
                assert_memory_equal(m.text, want, messages[i].length);
        }
        assert_true(msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) < 0 && errno == ENOMSG);
}

static bool kernel_has_msg_copy(void) {
        struct {
                long type;
                char text[1];
        } m;
        int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        bool has;

        assert_true(id >= 0);
        has = !(msgrcv(id, &m, sizeof(m.text), 0, MSG_COPY | IPC_NOWAIT) < 0 && errno == ENOSYS);
        assert_int_equal(msgctl(id, IPC_RMID, NULL), 0);
        return has;
}

static void queue_messages_come_back_with_types_in_order_and_nothing_consumed(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        struct msqid_ds ds;
        IpcObject o = { 0 };
        uint64_t bytes = 0, text = 0;
        int id, r, restored = -1;

        id = make_queue_with_messages();
        for (size_t i = 0; i < ELEMENTSOF(messages); i++)
                text += messages[i].length;

        snapshot_and_fence(IPC_KIND_MSG, id, &o);
        r = quarantine_copy(&s->src, &o, fd, meta, &bytes);
        ipc_object_done(&o);
        if (!kernel_has_msg_copy()) {
                /* This kernel cannot: the object must be kept, and the reason is known. */
                assert_int_equal(r, QUARANTINE_COPY_NO_MSG_COPY);
                json_decref(meta);
                skip();
        }
        assert_int_equal(r, 0);
        assert_int_equal(bytes, text + 16 * ELEMENTSOF(messages));
        assert_string_equal(json_string_value(json_object_get(meta, "dataFormat")), "messages");
        assert_int_equal(meta_int(meta, "messages"), ELEMENTSOF(messages));
        assert_int_equal(meta_int(meta, "queueBytes"), text);
        assert_int_equal(meta_int(meta, "qbytes"), 12345);
        /* MSG_COPY consumed nothing. */
        assert_true(msgctl(id, IPC_STAT, &ds) >= 0);
        assert_int_equal(ds.msg_qnum, ELEMENTSOF(messages));
        assert_int_equal(msgctl(id, IPC_RMID, NULL), 0);

        restore_ok(s, meta, fd, &restored);
        assert_int_equal(restored, id);
        assert_true(msgctl(restored, IPC_STAT, &ds) >= 0);
        assert_int_equal(ds.msg_perm.__key, KEY);
        assert_int_equal(ds.msg_perm.uid, OWNER_UID);
        assert_int_equal(ds.msg_perm.gid, OWNER_GID);
        assert_int_equal(ds.msg_perm.mode & 0777, 0620);
        assert_int_equal(ds.msg_qbytes, 12345);
        assert_int_equal(read_next_id("msg_next_id"), -1);
        assert_queue_holds_the_messages(restored);
        json_decref(meta);
}

static void a_queue_is_kept_where_the_kernel_lacks_msg_copy(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        struct msqid_ds ds;
        IpcObject o = { 0 };
        int id;

        id = make_queue_with_messages();
        snapshot_and_fence(IPC_KIND_MSG, id, &o);
        fake_no_msg_copy = true;
        assert_int_equal(quarantine_copy(&s->src, &o, fd, meta, NULL), QUARANTINE_COPY_NO_MSG_COPY);
        fake_no_msg_copy = false;
        ipc_object_done(&o);
        assert_non_null(quarantine_copy_kept_reason(QUARANTINE_COPY_NO_MSG_COPY));
        assert_null(quarantine_copy_kept_reason(-EIO));
        assert_int_equal(json_object_size(meta), 0);
        assert_true(msgctl(id, IPC_STAT, &ds) >= 0);
        assert_int_equal(ds.msg_qnum, ELEMENTSOF(messages));
        json_decref(meta);
}

static void a_truncated_queue_copy_is_refused_and_leaves_no_queue(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta = json_object();
        IpcObject o = { 0 };
        struct stat st;
        int id, restored = -7;

        if (!kernel_has_msg_copy()) {
                json_decref(meta);
                skip();
        }
        id = make_queue_with_messages();
        snapshot_and_fence(IPC_KIND_MSG, id, &o);
        copy_ok(s, &o, fd, meta, NULL);
        ipc_object_done(&o);
        assert_int_equal(msgctl(id, IPC_RMID, NULL), 0);
        /* Cut inside the large message, after some were sent. */
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(ftruncate(fd, st.st_size - 100), 0);

        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, &restored), -EBADMSG);
        assert_int_equal(restored, -7);
        assert_int_equal(used_queues(), 0);
        assert_int_equal(read_next_id("msg_next_id"), -1);
        json_decref(meta);
}

/* ---- POSIX ---- */

static void make_posix_file(const Scratch *s, const char *name, size_t size, mode_t mode) {
        char path[PATH_SIZE];
        _cleanup_free_ uint8_t *buf = malloc(size);
        int fd;

        assert_non_null(buf);
        for (size_t i = 0; i < size; i++)
                buf[i] = pattern(i);
        fd = open(path_join(path, s->shm, name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, size), (ssize_t) size);
        assert_int_equal(fchown(fd, OWNER_UID, OWNER_GID), 0);
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(close(fd), 0);
}

static void snapshot_and_fence_posix(const Scratch *s, IpcKind kind, const char *name,
                                     IpcObject *ret) {
        IpcObject seen = { .kind = kind, .name = (char *) name };
        int64_t ctime;

        assert_int_equal(posixipc_stat(&s->src, &seen, ret), 0);
        assert_int_equal(posixipc_set_mode(&s->src, ret, -1, ret->mode, 0, &ctime), 0);
}

static void assert_posix_file_is_the_original(const Scratch *s, const char *name, size_t size,
                                              mode_t mode) {
        char path[PATH_SIZE];
        _cleanup_free_ uint8_t *buf = malloc(size + 1);
        struct stat st;
        int fd;

        assert_non_null(buf);
        fd = open(path_join(path, s->shm, name), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, mode);
        assert_int_equal(st.st_uid, OWNER_UID);
        assert_int_equal(st.st_gid, OWNER_GID);
        assert_int_equal(read(fd, buf, size + 1), (ssize_t) size);
        for (size_t i = 0; i < size; i++)
                assert_int_equal(buf[i], pattern(i));
        assert_int_equal(close(fd), 0);
}

static void posix_file_comes_back_with_its_bytes_owner_and_mode(Scratch *s, IpcKind kind,
                                                                const char *name) {
        const size_t size = 300 * 1000 + 7; /* more than one buffer, not a multiple */
        _cleanup_close_ int fd = open_data(s);
        char path[PATH_SIZE];
        json_t *meta = json_object();
        IpcObject o = { 0 };
        uint64_t bytes = 0;
        int restored = 7;

        make_posix_file(s, name, size, 0640);
        snapshot_and_fence_posix(s, kind, name, &o);
        copy_ok(s, &o, fd, meta, &bytes);
        ipc_object_done(&o);
        assert_int_equal(bytes, size);
        assert_string_equal(json_string_value(json_object_get(meta, "kind")),
                            ipc_kind_to_string(kind));
        assert_string_equal(json_string_value(json_object_get(meta, "name")), name);
        assert_int_equal(meta_int(meta, "mode"), 0640);
        assert_int_equal(meta_int(meta, "size"), size);
        assert_int_equal(unlink(path_join(path, s->shm, name)), 0);

        restore_ok(s, meta, fd, &restored);
        assert_int_equal(restored, -1);
        assert_posix_file_is_the_original(s, name, size, 0640);
        json_decref(meta);
}

static void a_posix_segment_comes_back_with_its_bytes_owner_and_mode(void **state) {
        posix_file_comes_back_with_its_bytes_owner_and_mode(*state, IPC_KIND_POSIX_SHM,
                                                            "PostgreSQL.1234");
}

static void a_posix_semaphore_comes_back_with_its_bytes_owner_and_mode(void **state) {
        posix_file_comes_back_with_its_bytes_owner_and_mode(*state, IPC_KIND_POSIX_SEM,
                                                            "sem.qc-test");
}

static void a_posix_file_whose_name_is_taken_is_not_restored_and_nothing_changes(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        char path[PATH_SIZE];
        json_t *meta = json_object();
        IpcObject o = { 0 };
        struct stat before, after;

        make_posix_file(s, "PostgreSQL.1", 5000, 0600);
        snapshot_and_fence_posix(s, IPC_KIND_POSIX_SHM, "PostgreSQL.1", &o);
        copy_ok(s, &o, fd, meta, NULL);
        ipc_object_done(&o);
        assert_int_equal(unlink(path_join(path, s->shm, "PostgreSQL.1")), 0);
        make_posix_file(s, "PostgreSQL.1", 10, 0644);
        assert_int_equal(stat(path, &before), 0);

        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, NULL), -EEXIST);
        assert_int_equal(stat(path, &after), 0);
        assert_int_equal(after.st_ino, before.st_ino);
        assert_int_equal(after.st_size, 10);
        assert_int_equal(after.st_mode & 07777, 0644);
        json_decref(meta);
}

static void a_truncated_posix_copy_is_refused_and_leaves_no_file(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        char path[PATH_SIZE];
        json_t *meta = json_object();
        IpcObject o = { 0 };
        struct stat st;

        make_posix_file(s, "PostgreSQL.2", 5000, 0600);
        snapshot_and_fence_posix(s, IPC_KIND_POSIX_SHM, "PostgreSQL.2", &o);
        copy_ok(s, &o, fd, meta, NULL);
        ipc_object_done(&o);
        assert_int_equal(unlink(path_join(path, s->shm, "PostgreSQL.2")), 0);
        assert_int_equal(ftruncate(fd, 4999), 0);

        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, NULL), -EBADMSG);
        assert_true(lstat(path, &st) < 0 && errno == ENOENT);
        json_decref(meta);
}

static void a_posix_file_replaced_since_it_was_seen_is_not_copied(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        char path[PATH_SIZE], from[PATH_SIZE];
        json_t *meta = json_object();
        IpcObject o = { 0 };

        make_posix_file(s, "PostgreSQL.3", 100, 0600);
        snapshot_and_fence_posix(s, IPC_KIND_POSIX_SHM, "PostgreSQL.3", &o);
        /* A new file under the name: made beside it first, so it cannot reuse the inode. */
        make_posix_file(s, "PostgreSQL.3.new", 100, 0600);
        assert_int_equal(rename(path_join(from, s->shm, "PostgreSQL.3.new"),
                                path_join(path, s->shm, "PostgreSQL.3")),
                         0);
        assert_int_equal(quarantine_copy(&s->src, &o, fd, meta, NULL), -ESTALE);
        assert_int_equal(json_object_size(meta), 0);
        ipc_object_done(&o);
        json_decref(meta);
}

/* Mounts the namespace's queues at s->mqueue, in a mount namespace of this process's own: the
 * mount shows the IPC namespace of whoever mounts it, this test's. */
static bool mount_mqueue(Scratch *s) {
        if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("mqueue", s->mqueue, "mqueue", 0, NULL) < 0) {
                print_message("no mqueue mount here (%s): the copy of a queue is not tested\n",
                              strerror(errno));
                return false;
        }
        s->mqueue_mounted = true;
        return true;
}

static void a_non_empty_posix_queue_is_refused_and_an_empty_one_comes_back(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        struct mq_attr attr = { .mq_maxmsg = 5, .mq_msgsize = 64 };
        json_t *meta = json_object();
        IpcObject o = { 0 };
        char text[64];
        struct stat st;
        mqd_t q;

        q = mq_open("/" QUEUE_NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640, &attr);
        assert_true(q >= 0);
        assert_int_equal(fchown(q, OWNER_UID, OWNER_GID), 0);
        assert_int_equal(mq_send(q, "hello", 5, 3), 0);

        if (mount_mqueue(s)) {
                snapshot_and_fence_posix(s, IPC_KIND_POSIX_MQ, QUEUE_NAME, &o);
                assert_int_equal(quarantine_copy(&s->src, &o, fd, meta, NULL),
                                 QUARANTINE_COPY_QUEUE_NOT_EMPTY);
                assert_non_null(quarantine_copy_kept_reason(QUARANTINE_COPY_QUEUE_NOT_EMPTY));
                assert_int_equal(json_object_size(meta), 0);
                /* Nothing consumed. */
                assert_int_equal(mq_getattr(q, &attr), 0);
                assert_int_equal(attr.mq_curmsgs, 1);

                assert_int_equal(mq_receive(q, text, sizeof(text), NULL), 5);
                assert_int_equal(quarantine_copy(&s->src, &o, fd, meta, NULL), 0);
                assert_int_equal(meta_int(meta, "mqMaxMessages"), 5);
                assert_int_equal(meta_int(meta, "mqMessageSize"), 64);
                assert_int_equal(meta_int(meta, "mode"), 0640);
                ipc_object_done(&o);
        } else {
                /* What the copy would have written. */
                json_t *m = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
                                      "copyFormat", QUARANTINE_COPY_FORMAT, "dataFormat", "none",
                                      "kind", "posix-mq", "name", QUEUE_NAME, "mode", 0640,
                                      "ownerUid", OWNER_UID, "ownerGid", OWNER_GID, "size", 0,
                                      "dataBytes", 0, "mqMaxMessages", 5, "mqMessageSize", 64);
                assert_non_null(m);
                assert_int_equal(json_object_update(meta, m), 0);
                json_decref(m);
        }
        assert_int_equal(close(q), 0);
        assert_int_equal(mq_unlink("/" QUEUE_NAME), 0);

        /* Restore needs no mount: mq_open() reaches the namespace's queues itself. */
        restore_ok(s, meta, fd, NULL);
        q = mq_open("/" QUEUE_NAME, O_RDONLY | O_CLOEXEC);
        assert_true(q >= 0);
        assert_int_equal(mq_getattr(q, &attr), 0);
        assert_int_equal(attr.mq_maxmsg, 5);
        assert_int_equal(attr.mq_msgsize, 64);
        assert_int_equal(attr.mq_curmsgs, 0);
        assert_int_equal(fstat(q, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(st.st_uid, OWNER_UID);
        assert_int_equal(st.st_gid, OWNER_GID);
        assert_int_equal(close(q), 0);

        /* Its name taken now: refused. */
        rewind_fd(fd);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, NULL), -EEXIST);
        json_decref(meta);
}

static void metadata_that_describes_no_object_is_refused(void **state) {
        Scratch *s = *state;
        _cleanup_close_ int fd = open_data(s);
        json_t *meta;

        meta = json_pack("{s:i, s:s}", "copyFormat", QUARANTINE_COPY_FORMAT, "kind", "shm");
        assert_int_equal(quarantine_restore(&s->src, meta, fd, NULL), -EBADMSG);
        json_decref(meta);
        meta = json_pack("{s:i, s:s, s:s, s:i, s:i, s:i, s:i}", "copyFormat", 99, "kind", "shm",
                         "dataFormat", "bytes", "mode", 0600, "ownerUid", 0, "ownerGid", 0, "size",
                         10);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, NULL), -EBADMSG);
        json_decref(meta);
        /* A name that would leave the directory. */
        meta = json_pack("{s:i, s:s, s:s, s:i, s:i, s:i, s:i}", "copyFormat",
                         QUARANTINE_COPY_FORMAT, "kind", "posix-shm", "name", "../escape", "mode",
                         0600, "ownerUid", 0, "ownerGid", 0, "size", 0);
        assert_int_equal(quarantine_restore(&s->src, meta, fd, NULL), -EBADMSG);
        json_decref(meta);
        assert_int_equal(used_segments(), 0);
}

#define scratch_test(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                scratch_test(a_segment_comes_back_byte_for_byte_with_its_key_owner_mode_and_id),
                scratch_test(a_private_segment_comes_back_too),
                scratch_test(a_segment_whose_id_is_taken_comes_back_under_a_new_id),
                scratch_test(a_segment_whose_key_is_taken_is_not_restored_and_nothing_changes),
                scratch_test(a_truncated_segment_copy_is_refused_and_leaves_no_segment),
                scratch_test(a_copy_longer_than_the_segment_is_refused_and_leaves_no_segment),
                scratch_test(a_create_that_fails_gives_back_the_id_it_asked_for),
                scratch_test(a_copy_of_another_object_under_the_id_is_refused),
                scratch_test(semaphore_values_come_back_with_key_owner_mode_and_id),
                scratch_test(queue_messages_come_back_with_types_in_order_and_nothing_consumed),
                scratch_test(a_queue_is_kept_where_the_kernel_lacks_msg_copy),
                scratch_test(a_truncated_queue_copy_is_refused_and_leaves_no_queue),
                scratch_test(a_posix_segment_comes_back_with_its_bytes_owner_and_mode),
                scratch_test(a_posix_semaphore_comes_back_with_its_bytes_owner_and_mode),
                scratch_test(a_posix_file_whose_name_is_taken_is_not_restored_and_nothing_changes),
                scratch_test(a_truncated_posix_copy_is_refused_and_leaves_no_file),
                scratch_test(a_posix_file_replaced_since_it_was_seen_is_not_copied),
                scratch_test(metadata_that_describes_no_object_is_refused),
                /* Last: it may move the whole program into a mount namespace of its own. */
                scratch_test(a_non_empty_posix_queue_is_refused_and_an_empty_one_comes_back),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
