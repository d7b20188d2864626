/* SPDX-License-Identifier: MIT */
/* Process liveness with the pid-reuse guard, creator attribution, and owners' processes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hashmap.h"

/* The kernel keeps IPC times in whole seconds, truncated: activity stamped second S happened
 * before S + 1. A process that started before S + 1 s plus one clock tick (the resolution of
 * its start time) may be the one that did it; one that started later reused the pid. */
#define PROCESS_ACTIVITY_RESOLUTION_USEC 1000000

#define CREATOR_CMDLINE_MAX 256

typedef enum ProcessStatus {
        PROCESS_GONE,    /* no such process */
        PROCESS_ZOMBIE,  /* exited, not yet reaped: holds nothing, does nothing */
        PROCESS_RUNNING, /* exists; start_time says since when */
        PROCESS_UNKNOWN, /* /proc did not say: treated as alive */
} ProcessStatus;

typedef struct ProcessInfo {
        ProcessStatus status;
        int64_t start_usec; /* Unix microseconds, PROCESS_RUNNING only */
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
/* The four uids of the "Uid:" line: real, effective, saved, filesystem. */
int proc_parse_status_uids(const char *buffer, uint32_t ret_uids[4]);
/* Whether the proc mounted at mountpoint hides other users' processes (hidepid= other than
 * 0/off), from a /proc/self/mountinfo buffer. */
bool proc_parse_mountinfo_hidepid(const char *mountinfo, const char *mountpoint);

/* Per-pass cache of process lookups under a procfs root ("/proc" or a fixture tree). */
typedef struct ProcessCache {
        char *procfs;
        int64_t boot_time; /* btime of PROCFS/stat, whole seconds */
        int64_t boot_usec; /* the boot on the CLOCK_REALTIME axis, to the microsecond */
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

/* SPEC's liveness: the process exists, is not a zombie, and started no later than the
 * second of the object's last activity (see PROCESS_ACTIVITY_RESOLUTION_USEC). Unknown counts
 * as alive. Also the guard for creator attribution, with the object's ctime. */
bool process_alive_since(ProcessCache *c, pid_t pid, int64_t last_activity);

/* Whether uid is the real, effective, saved or filesystem uid of a running (non-zombie)
 * process. Returns 1 yes, 0 no, -EAGAIN when /proc could not be fully read (the caller must
 * then assume yes). */
int process_uid_has_processes(ProcessCache *c, uint32_t uid);

/* Records what pid is: comm, cmdline (truncated), systemd unit (only under the real /proc).
 * Fails with -ESRCH if the process changed or vanished while it was read. */
int process_read_creator(ProcessCache *c, pid_t pid, Creator *ret);
void creator_done(Creator *c);
int creator_copy(Creator *dst, const Creator *src);
