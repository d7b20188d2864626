/* SPDX-License-Identifier: MIT */
/* Semaphore pids kept from the last pass: a set whose times have not moved since its pids
 * were read keeps them, so a steady pass makes no per-semaphore call (GETPID) at all. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "hashmap.h"
#include "scan.h"
#include "sysvipc.h"

typedef struct SemCache {
        SemPidsCache ops; /* what the reader calls: sysvipc_read_kind() */
        const ScanResult *previous;
        /* The namespace's sets in previous->table: both passes walk the kernel's index in
         * the same order, so a cursor finds each set a few steps on at most; a set it does
         * not find is looked up in ids, built at the first miss. */
        size_t begin, cursor, end;
        Hashmap ids; /* id -> index + 1 in previous->table */
        bool ids_built;
        int64_t now;
        size_t kept; /* sets that kept their pids */
} SemCache;

/* Whether prev's pids (read at prev->pids_read_at) still describe now, the same set read
 * at Unix second time_now: the same set, no semop or IPC_SET since (times unchanged), and
 * its last change in a second before the read (a change in the second of the read may have
 * come after it). */
bool sem_pids_still_valid(const IpcObject *prev, const IpcObject *now, int64_t time_now);

/* The sets of the namespace with ns's identity in previous (NULL: none): a namespace that
 * is gone, or another that took its inode, has none, and every set is read. */
void sem_cache_init(SemCache *c, const ScanResult *previous, const IpcNamespace *ns, int64_t now);
void sem_cache_done(SemCache *c);
