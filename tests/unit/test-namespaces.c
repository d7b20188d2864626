/* SPDX-License-Identifier: MIT */
/* IPC namespaces: names from the cgroup files of container engines, and the setns thread
 * that reads and removes inside one, even after its last process is gone. */
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "macro.h"
#include "namespaces.h"

/* The name a process with this /proc/PID/cgroup gives its namespace, the daemon being in
 * own (NULL: the root). */
static char *name_of(const char *cgroup_file, const char *own, uint64_t inode) {
        _cleanup_free_ char *path = NULL, *container = NULL;

        assert_int_equal(namespace_parse_cgroup_file(cgroup_file, &path), 0);
        container = namespace_container_from_cgroup(path, own);
        return namespace_name(container, inode);
}

#define ASSERT_NAME(cgroup_file, own, expected)                                  \
        do {                                                                     \
                _cleanup_free_ char *_n = name_of(cgroup_file, own, 4026532000); \
                assert_non_null(_n);                                             \
                assert_string_equal(_n, expected);                               \
        } while (0)

static void docker_with_the_systemd_driver(void **state) {
        ASSERT_NAME("0::/system.slice/docker-4f1ca9e0b3d2.scope\n", NULL,
                    "docker-4f1ca9e0b3d2.scope");
        /* cgroup v1: the name=systemd hierarchy has the scope, the controllers do not. */
        ASSERT_NAME("12:pids:/docker/4f1ca9e0b3d2\n"
                    "3:cpu,cpuacct:/docker/4f1ca9e0b3d2\n"
                    "1:name=systemd:/system.slice/docker-4f1ca9e0b3d2.scope\n",
                    NULL, "docker-4f1ca9e0b3d2.scope");
}

static void podman_rootful_and_rootless_but_not_conmon(void **state) {
        ASSERT_NAME("0::/machine.slice/libpod-9b2e.scope/container\n", NULL, "libpod-9b2e.scope");
        ASSERT_NAME("0::/user.slice/user-1000.slice/user@1000.service/user.slice/"
                    "libpod-9b2e.scope/container\n",
                    NULL, "libpod-9b2e.scope");
        /* conmon, Podman's monitor, runs in the host's namespace. */
        ASSERT_NAME("0::/machine.slice/libpod-conmon-9b2e.scope\n", NULL, "ipc-4026532000");
}

static void nspawn_registered_with_machined(void **state) {
        ASSERT_NAME("0::/machine.slice/machine-leaky.scope/payload\n", NULL, "machine-leaky.scope");
        /* A booted container's own services are deeper: the outermost container names it. */
        ASSERT_NAME("0::/machine.slice/machine-db.scope/payload/system.slice/postgresql.service\n",
                    NULL, "machine-db.scope");
}

static void containerd_and_the_kubernetes_pod(void **state) {
        ASSERT_NAME("0::/system.slice/cri-containerd-77aa.scope\n", NULL,
                    "cri-containerd-77aa.scope");
        /* A pod's containers share one IPC namespace: the pod slice names it. */
        ASSERT_NAME("0::/kubepods.slice/kubepods-burstable.slice/"
                    "kubepods-burstable-pod1234_5678.slice/cri-containerd-77aa.scope\n",
                    NULL, "kubepods-burstable-pod1234_5678.slice");
        ASSERT_NAME("0::/kubepods.slice/kubepods-pod1234_5678.slice/crio-77aa.scope\n", NULL,
                    "kubepods-pod1234_5678.slice");
}

static void a_plain_process_is_named_by_its_inode(void **state) {
        ASSERT_NAME("0::/user.slice/user-1000.slice/session-3.scope\n", NULL, "ipc-4026532000");
        ASSERT_NAME("0::/\n", NULL, "ipc-4026532000");
        /* kubepods itself, or a slice named like a pod without being one, is no pod. */
        ASSERT_NAME("0::/kubepods.slice/kubepods-burstable.slice\n", NULL, "ipc-4026532000");
}

static void the_daemons_own_container_does_not_count(void **state) {
        /* The daemon runs inside docker-abc.scope itself (no cgroup namespace): a namespace
         * made inside that same container is no other container. */
        ASSERT_NAME("0::/system.slice/docker-abc.scope/inner\n", "/system.slice/docker-abc.scope",
                    "ipc-4026532000");
        ASSERT_NAME("0::/system.slice/docker-abc.scope/machine.slice/machine-x.scope/payload\n",
                    "/system.slice/docker-abc.scope/system.slice/ipcreapd.service",
                    "machine-x.scope");
        /* A sibling container of the daemon's is another container. */
        ASSERT_NAME("0::/system.slice/docker-def.scope\n", "/system.slice/docker-abc.scope",
                    "docker-def.scope");
}

static void a_name_with_control_characters_is_not_shown(void **state) {
        ASSERT_NAME("0::/system.slice/docker-a\033[2Jb.scope\n", NULL, "ipc-4026532000");
        ASSERT_NAME("0::/system.slice/docker-\xff\xfe.scope\n", NULL, "ipc-4026532000");
}

static void a_file_without_a_cgroup_line_is_refused(void **state) {
        char *path = NULL;

        assert_int_equal(namespace_parse_cgroup_file("", &path), -EINVAL);
        assert_int_equal(namespace_parse_cgroup_file("garbage\n", &path), -EINVAL);
        assert_null(path);
}

/* ---- entering ---- */

static int count_segments_with_key(void *userdata) {
        struct shmid_ds ds;
        int id = shmget(*(key_t *) userdata, 0, 0);

        if (id < 0)
                return -errno;
        if (shmctl(id, IPC_STAT, &ds) < 0)
                return -errno;
        return (int) ds.shm_segsz;
}

static int remove_segment_with_key(void *userdata) {
        int id = shmget(*(key_t *) userdata, 0, 0);

        if (id < 0)
                return -errno;
        return shmctl(id, IPC_RMID, NULL) < 0 ? -errno : 0;
}

/* A child in a new IPC namespace with a segment of 8192 bytes under key; it waits for a
 * byte on its pipe, then exits. */
static pid_t make_container(key_t key, int *ret_pipe) {
        int p[2], q[2];
        pid_t pid;
        char c;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(pipe2(q, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[1]);
                close(q[0]);
                if (unshare(CLONE_NEWIPC) < 0 || shmget(key, 8192, IPC_CREAT | 0600) < 0)
                        _exit(1);
                (void) !write(q[1], "r", 1);
                (void) !read(p[0], &c, 1);
                _exit(0);
        }
        close(p[0]);
        close(q[1]);
        assert_int_equal(read(q[0], &c, 1), 1);
        close(q[0]);
        *ret_pipe = p[1];
        return pid;
}

static void a_held_namespace_is_read_and_changed_after_its_last_process_exits(void **state) {
        key_t key = 0x1a2b3c;
        char path[64];
        int pipe_fd, status;
        pid_t pid = make_container(key, &pipe_fd);
        NamespaceHandle h = { .fd = -EBADF, .shm_fd = -EBADF, .mqueue_fd = -EBADF };

        /* This thread's namespace has no such key: the segment is the container's. */
        assert_int_equal(count_segments_with_key(&key), -ENOENT);
        snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int) pid);
        h.fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(h.fd >= 0);
        assert_int_equal(namespace_run(&h, count_segments_with_key, &key), 8192);

        /* Its only process is gone: the held descriptor keeps the namespace, so a removal
         * decided on what was read acts on that same namespace, never on another. */
        close(pipe_fd);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(namespace_run(&h, count_segments_with_key, &key), 8192);
        assert_int_equal(namespace_run(&h, remove_segment_with_key, &key), 0);
        assert_int_equal(namespace_run(&h, count_segments_with_key, &key), -ENOENT);
        /* The caller's own namespace never changed. */
        assert_int_equal(count_segments_with_key(&key), -ENOENT);
        close(h.fd);
}

static void the_host_runs_on_the_callers_thread(void **state) {
        key_t key = 0x1a2b3d;
        int id = shmget(key, 4096, IPC_CREAT | 0600);
        NamespaceHandle host = { .fd = -EBADF };

        assert_true(id >= 0);
        assert_int_equal(namespace_run(&host, count_segments_with_key, &key), 4096);
        assert_int_equal(shmctl(id, IPC_RMID, NULL), 0);
}

int main(void) {
#define TEST(f) cmocka_unit_test(f)
        const struct CMUnitTest tests[] = {
                TEST(docker_with_the_systemd_driver),
                TEST(podman_rootful_and_rootless_but_not_conmon),
                TEST(nspawn_registered_with_machined),
                TEST(containerd_and_the_kubernetes_pod),
                TEST(a_plain_process_is_named_by_its_inode),
                TEST(the_daemons_own_container_does_not_count),
                TEST(a_name_with_control_characters_is_not_shown),
                TEST(a_file_without_a_cgroup_line_is_refused),
                TEST(a_held_namespace_is_read_and_changed_after_its_last_process_exits),
                TEST(the_host_runs_on_the_callers_thread),
        };
#undef TEST

        log_set_level(LOG_ERR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
