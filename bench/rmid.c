/* Removal reference: reads the /proc/sysvipc tables and IPC_RMIDs every object, timed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

static int remove_one(int kind, int id) {
        switch (kind) {
        case 0:
                return shmctl(id, IPC_RMID, NULL);
        case 1:
                return semctl(id, 0, IPC_RMID);
        default:
                return msgctl(id, IPC_RMID, NULL);
        }
}

int main(void) {
        static const char *const tables[] = { "/proc/sysvipc/shm", "/proc/sysvipc/sem",
                                              "/proc/sysvipc/msg" };
        unsigned long removed = 0, failed = 0;
        char *line = NULL;
        size_t size = 0, n_ids, allocated = 0;
        int *ids = NULL;
        double start = now_ms();

        if (!in_private_ipc_namespace()) {
                fprintf(stderr, "rmid: refusing to remove the host's IPC objects; run it "
                                "under unshare --ipc.\n");
                return 1;
        }
        for (int kind = 0; kind < 3; kind++) {
                FILE *f = fopen(tables[kind], "re");

                if (!f) {
                        fprintf(stderr, "rmid: %s: %s\n", tables[kind], strerror(errno));
                        return 1;
                }
                /* The whole table first, as a reaper reads it: removing while the kernel
                 * iterates the table could make the iteration skip rows. Every table has
                 * the key first and the id second. */
                n_ids = 0;
                if (getline(&line, &size, f) >= 0)
                        while (getline(&line, &size, f) >= 0) {
                                long key;
                                int id;

                                if (sscanf(line, "%ld %d", &key, &id) != 2)
                                        continue;
                                if (n_ids == allocated) {
                                        size_t want = allocated ? allocated * 2 : 4096;
                                        int *p = realloc(ids, want * sizeof(int));
                                        if (!p) {
                                                fprintf(stderr, "rmid: out of memory\n");
                                                return 1;
                                        }
                                        ids = p;
                                        allocated = want;
                                }
                                ids[n_ids++] = id;
                        }
                fclose(f);
                for (size_t i = 0; i < n_ids; i++) {
                        if (remove_one(kind, ids[i]) < 0)
                                failed++;
                        else
                                removed++;
                }
        }
        free(ids);
        free(line);
        printf("rmid: removed %lu, failed %lu in %.1f ms\n", removed, failed, now_ms() - start);
        return failed ? 1 : 0;
}
