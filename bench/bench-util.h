/* Shared by the bench programs: a monotonic clock in ms and the guard that keeps the ones
 * making or removing objects out of the host's IPC namespace. */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* Refuses to touch the host's IPC objects: the initial namespace (its inode number is fixed,
 * PROC_IPC_INIT_INO), the one bench/run.sh started from, or PID 1's (when readable, and
 * PID 1 is the host's: in the benchmark's own pid namespace PID 1 is the benchmark). */
static inline int in_private_ipc_namespace(void) {
        const char *host = getenv("IPCREAP_BENCH_HOST_IPC_NS");
        const char *host_pid = getenv("IPCREAP_BENCH_HOST_PID_NS");
        char self[64] = "", init[64] = "", pid_ns[64] = "";

        if (readlink("/proc/self/ns/ipc", self, sizeof(self) - 1) <= 0)
                return 0;
        if (strcmp(self, "ipc:[4026531839]") == 0 || (host && strcmp(self, host) == 0))
                return 0;
        if (readlink("/proc/self/ns/pid", pid_ns, sizeof(pid_ns) - 1) > 0 && host_pid &&
            strcmp(pid_ns, host_pid) != 0)
                return 1;
        if (readlink("/proc/1/ns/ipc", init, sizeof(init) - 1) > 0 && strcmp(self, init) == 0)
                return 0;
        return 1;
}
