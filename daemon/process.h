/* SPDX-License-Identifier: MIT */
/* Process liveness with the pid-reuse guard, creator attribution, and owners' processes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hashmap.h"

/* The kernel keeps IPC times in whole seconds and btime is rounded: a process that started
 * up to this many seconds after an object's last activity still counts as the one that did
 * it. Errs towards "alive", the side that keeps objects. */
#define PROCESS_START_SLACK_SEC 2

#define CREATOR_CMDLINE_MAX 256

typedef enum ProcessStatus {
        PROCESS_GONE,    /* no such process */
        PROCESS_ZOMBIE,  /* exited, not yet reaped: holds nothing, does nothing */
        PROCESS_RUNNING, /* exists; start_time says since when */
        PROCESS_UNKNOWN, /* /proc did not say: treated as alive */
} ProcessStatus;

typedef struct ProcessInfo {
        ProcessStatus status;
        int64_t start_time; /* Unix seconds, PROCESS_RUNNING only */
        char comm[16];
} ProcessInfo;

typedef struct Creator {
        pid_t pid;
        char *comm;
        char *cmdline;
        char *unit;
} Creator;

/* Parsers on buffers, so tests feed them strings. */
int proc_parse_btime(const char *stat_buffer, int64_t *ret);
int proc_parse_pid_stat(const char *buffer, char *ret_state, uint64_t *ret_start_ticks,
                        char ret_comm[16]);
int proc_parse_status_uids(const char *buffer, uint32_t ret_uids[2]);
/* Whether the proc mounted at mountpoint hides other users' processes (hidepid= other than
 * 0/off), from a /proc/self/mountinfo buffer. */
bool proc_parse_mountinfo_hidepid(const char *mountinfo, const char *mountpoint);

/* Per-pass cache of process lookups under a procfs root ("/proc" or a fixture tree). */
typedef struct ProcessCache {
        char *procfs;
        int64_t boot_time;
        long clock_ticks;
        Hashmap pids;
        uint32_t *owner_uids; /* sorted; uids that have a running process */
        size_t n_owner_uids;
        bool owner_uids_read;
        bool owner_uids_complete; /* false if some process could not be read */
        /* /proc hides other users' processes (hidepid=): a missing entry proves nothing. */
        bool hidepid;
} ProcessCache;

int process_cache_init(ProcessCache *c, const char *procfs);
void process_cache_done(ProcessCache *c);

/* Status of pid, read once per cache lifetime. */
const ProcessInfo *process_lookup(ProcessCache *c, pid_t pid);

/* SPEC's liveness: the process exists, is not a zombie, and started no later (with slack)
 * than the object's last activity. Unknown counts as alive. */
bool process_alive_since(ProcessCache *c, pid_t pid, int64_t last_activity);

/* Whether uid has a running (non-zombie) process. Returns 1 yes, 0 no, -EAGAIN when /proc
 * could not be fully read (the caller must then assume yes). */
int process_uid_has_processes(ProcessCache *c, uint32_t uid);

/* Records what pid is: comm, cmdline (truncated), systemd unit (only under the real /proc).
 * Fails with -ESRCH if the process changed or vanished while it was read. */
int process_read_creator(ProcessCache *c, pid_t pid, Creator *ret);
void creator_done(Creator *c);
int creator_copy(Creator *dst, const Creator *src);
