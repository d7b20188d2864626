/* SPDX-License-Identifier: MIT */
/* Safe removal: re-read the object by id right before IPC_RMID and remove it only if it is
 * still the same object, still unused and untouched since the scan judged it. */
#pragma once

#include <stdbool.h>

#include "ipc-object.h"

typedef enum ReapOutcome {
        REAP_REMOVED,
        REAP_GONE,    /* already removed by someone else */
        REAP_CHANGED, /* another object now has the id, or its activity moved */
        REAP_IN_USE,  /* attached, or waiters, since the scan */
        REAP_FAILED,  /* IPC_RMID failed; *ret_error says why */
} ReapOutcome;

/* seen: the object as the scan read it. *ret_detail: a short human reason for anything but
 * REAP_REMOVED. */
ReapOutcome reaper_remove(const IpcObject *seen, int *ret_error, const char **ret_detail);
