/* SPDX-License-Identifier: MIT */
/* The IPC namespaces of the host (SPEC section 8): found from every process's ns/ipc, named
 * after the outermost container holding them, held open for a pass, and entered with setns()
 * on a short-lived thread of their own, so that the *ctl calls, /proc/sysvipc and the IPC
 * sysctls act on that namespace while the pid namespace (and so every recorded pid) stays
 * the host's. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "ipc-object.h"
#include "kind.h"

/* One namespace, held for a pass. */
typedef struct NamespaceHandle {
        IpcNamespace *ns; /* a reference */
        int fd;           /* its ns/ipc, held open so that it cannot be swapped; -1: the host */
        pid_t holder;     /* its oldest process */
        /* Where its objects are read: procfs, and its POSIX mounts reached through the
         * holder's root, as /proc/self/fd/N of the O_PATH descriptors below (NULL: no such
         * mount of its own, or one already read for another namespace). */
        KindSources src;
        int shm_fd, mqueue_fd;
        char shm_path[32], mqueue_path[32];
        uint64_t shm_dev, mqueue_dev;
} NamespaceHandle;

typedef struct NamespaceSet {
        NamespaceHandle *handles; /* the host's first */
        size_t n;
        size_t n_processes; /* processes looked at */
        size_t n_skipped;   /* namespaces beyond NAMESPACES_MAX, not read */
} NamespaceSet;

/* At most this many namespaces besides the host's are read in a pass. An unprivileged user
 * can make IPC namespaces (inside a user namespace of their own) by the thousand, each
 * with up to 32,768 objects of every kind: the cap bounds a pass's time and memory. The
 * namespaces of the host's user namespace (containers started by root: Docker, nspawn,
 * Kubernetes without user namespaces) come first, so that nobody can crowd them out. */
#define NAMESPACES_MAX 1024

/* Finds the namespaces: the host's (the caller's own, with host_src for its objects) and,
 * with all, every other one some process in procfs is in. A namespace whose processes all
 * vanish while it is opened is skipped. */
int namespaces_discover(const KindSources *host_src, bool all, NamespaceSet *ret);
void namespace_set_done(NamespaceSet *s);
/* The handle whose namespace has ns's identity, or NULL. */
NamespaceHandle *namespace_set_find(const NamespaceSet *s, const IpcNamespace *ns);

/* Runs fn(userdata) in the namespace: on the calling thread for the host, else on a new
 * thread that enters it with setns() and ends with fn. Returns fn's result, or a negative
 * errno when the namespace cannot be entered (-EPERM without CAP_SYS_ADMIN). */
int namespace_run(const NamespaceHandle *h, int (*fn)(void *userdata), void *userdata);

/* The container a process with cgroup path `path` is in, outermost first: a Kubernetes pod
 * slice (kubepods-...-podUID.slice), machine-NAME.scope, docker-ID.scope, libpod-ID.scope,
 * cri-containerd-ID.scope or crio-ID.scope; components that also hold `own` (the daemon's own
 * cgroup path: the daemon may itself run in a container) do not count. NULL: none. */
char *namespace_container_from_cgroup(const char *path, const char *own);
/* The cgroup path of a /proc/PID/cgroup file's contents: the unified (0::) line, else
 * name=systemd, else the first. */
int namespace_parse_cgroup_file(const char *contents, char **ret);
/* The name of a namespace: its container's, else "ipc-INODE". */
char *namespace_name(const char *container, uint64_t inode);
