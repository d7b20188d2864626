/* Benchmark reference "the floor" over every IPC namespace: finds them in /proc, enters each
 * with setns() and does there exactly the work of bench/floor, whose code it runs. */
#include <dirent.h>
#include <sched.h>
#include <sys/stat.h>

#include "bench-util.h"

/* The very same code as the single-namespace floor, so the two floors cannot drift apart:
 * its main() becomes the per-namespace pass. */
#define main floor_in_current_namespace
#include "floor.c"
#undef main

#define MAX_NAMESPACES 65536

typedef struct Namespace {
        ino_t inode;
        int fd;
        char path[40];
} Namespace;

static Namespace namespaces[MAX_NAMESPACES];
static size_t n_namespaces;

/* Remembers the IPC namespace of /proc/PID (or self) if not seen yet. Processes that vanish
 * meanwhile are skipped, as the daemon must skip them. */
static void namespace_add(const char *pid) {
        Namespace *ns = &namespaces[n_namespaces];
        struct stat st;

        if (n_namespaces >= MAX_NAMESPACES)
                return;
        snprintf(ns->path, sizeof(ns->path), "/proc/%s/ns/ipc", pid);
        if (stat(ns->path, &st) < 0)
                return;
        for (size_t i = 0; i < n_namespaces; i++)
                if (namespaces[i].inode == st.st_ino)
                        return;
        /* Held open for the whole pass, as the daemon holds its namespaces. */
        ns->fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (ns->fd < 0)
                return;
        ns->inode = st.st_ino;
        n_namespaces++;
}

int main(void) {
        unsigned long processes = 0;
        double start, found;
        struct dirent *de;
        int failed = 0;
        DIR *proc;

        start = now_ms();
        /* Our own namespace first: the daemon's "host". */
        namespace_add("self");
        proc = opendir("/proc");
        if (!proc) {
                fprintf(stderr, "ns-floor: /proc: %s\n", strerror(errno));
                return 1;
        }
        while ((de = readdir(proc)))
                if (de->d_name[0] >= '1' && de->d_name[0] <= '9') {
                        namespace_add(de->d_name);
                        processes++;
                }
        closedir(proc);
        found = now_ms();

        for (size_t i = 0; i < n_namespaces; i++) {
                if (setns(namespaces[i].fd, CLONE_NEWIPC) < 0) {
                        fprintf(stderr, "ns-floor: entering %s: %s\n", namespaces[i].path,
                                strerror(errno));
                        failed = 1;
                        continue;
                }
                if (floor_in_current_namespace() != 0)
                        failed = 1;
        }
        printf("ns-floor: %zu namespaces of %lu processes found in %.1f ms, "
               "entered and read in %.1f ms\n",
               n_namespaces, processes, found - start, now_ms() - found);
        return failed;
}
