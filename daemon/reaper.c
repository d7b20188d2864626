/* SPDX-License-Identifier: MIT */
/* Safe removal: re-read the object by id right before IPC_RMID and remove it only if it is
 * still the same object, still unused and untouched since the scan judged it. */
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "evaluate.h"
#include "macro.h"
#include "reaper.h"
#include "sysvipc.h"

static int ipc_remove(IpcKind kind, int id) {
        int r;

        switch (kind) {
        case IPC_KIND_SHM:
                r = shmctl(id, IPC_RMID, NULL);
                break;
        case IPC_KIND_SEM:
                r = semctl(id, 0, IPC_RMID);
                break;
        case IPC_KIND_MSG:
                r = msgctl(id, IPC_RMID, NULL);
                break;
        default:
                return -EINVAL;
        }
        return r < 0 ? -errno : 0;
}

ReapOutcome reaper_remove(const IpcObject *seen, int *ret_error, const char **ret_detail) {
        IpcObject now = { 0 };
        ReapOutcome outcome;
        int r;

        *ret_error = 0;
        r = sysvipc_stat_for_removal(seen->kind, seen->id, &now);
        if (r == -EINVAL || r == -EIDRM) {
                *ret_detail = "already gone";
                return REAP_GONE;
        }
        if (r < 0) {
                /* Cannot look at it: cannot vouch that it is unused either. */
                *ret_error = -r;
                *ret_detail = "could not re-read it";
                return REAP_FAILED;
        }

        if (!ipc_object_same_identity(seen, &now)) {
                *ret_detail = "the id now names another object";
                outcome = REAP_CHANGED;
        } else if (ipc_object_in_use(&now)) {
                *ret_detail = "it came into use";
                outcome = REAP_IN_USE;
        } else if (ipc_object_last_activity(&now) != ipc_object_last_activity(seen)) {
                *ret_detail = "it was used since the scan";
                outcome = REAP_CHANGED;
        } else {
                /* The window between this check and IPC_RMID is a few microseconds after an
                 * idle time of at least MinIdleSec; the kernel offers no atomic compare. */
                r = ipc_remove(seen->kind, seen->id);
                if (r == -EINVAL || r == -EIDRM) {
                        *ret_detail = "already gone";
                        outcome = REAP_GONE;
                } else if (r < 0) {
                        *ret_error = -r;
                        *ret_detail = r == -EPERM ? "permission denied (needs CAP_SYS_ADMIN)"
                                                  : "IPC_RMID failed";
                        outcome = REAP_FAILED;
                } else {
                        *ret_detail = NULL;
                        outcome = REAP_REMOVED;
                }
        }
        ipc_object_done(&now);
        return outcome;
}
