/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the /proc/sysvipc table parser: the first byte picks the kind, the
 * rest is the table. Besides crashes and sanitizer reports it checks what the parser promises
 * of every row it keeps, and runs each kept object through the evaluator, as a pass would. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "log.h"
#include "macro.h"
#include "object-table.h"
#include "policy.h"
#include "strv.h"
#include "sysvipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Every matcher and condition the evaluator knows, so that each row meets all of them. */
static const char policy_text[] = "[Daemon]\n"
                                  "DryRun=yes\n"
                                  "[Rule system-users]\n"
                                  "Owner=0-999\n"
                                  "Action=keep\n"
                                  "[Rule reports]\n"
                                  "Kind=shm msg\n"
                                  "Owner=1000-60000\n"
                                  "Group=100-199 5\n"
                                  "Key=private 0x5000-0x50ff 0xABC\n"
                                  "Creator=php-fpm* worker\n"
                                  "MinSize=1M\n"
                                  "MinIdleSec=1h\n"
                                  "RequireDeadPids=no\n"
                                  "RequireNoOwnerProcesses=yes\n"
                                  "Action=report\n"
                                  "[Rule stale]\n"
                                  "Kind=shm sem msg\n"
                                  "MinIdleSec=6h\n"
                                  "RequireDeadPids=yes\n"
                                  "Action=reap\n";

static Policy *policy;

/* The kinds with a /proc/sysvipc table; '0', '1' and '2' pick them in the seeds. */
static const IpcKind sysv_kinds[] = { IPC_KIND_SHM, IPC_KIND_SEM, IPC_KIND_MSG };

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        _cleanup_strv_free_ char **errors = NULL;

        /* A malformed row is logged; millions of such lines say nothing. */
        log_set_level(LOG_CRIT);
        if (policy_load_string(policy_text, "fuzz.conf", &policy, &errors) != 0) {
                fprintf(stderr, "fuzz policy does not load: %s\n", errors ? errors[0] : "?");
                abort();
        }
        return 0;
}

/* 1, 0 or "cannot tell", by uid: every branch of RequireNoOwnerProcesses. */
static int fake_owner_has_processes(uint32_t uid, void *userdata) {
        return (int) (uid % 3) - 1;
}

static void check_object(IpcKind kind, IpcObject *o) {
        EvaluationContext ctx = { .now = 1700000000 + 86400,
                                  .owner_has_processes = fake_owner_has_processes };
        _cleanup_strv_free_ char **reasons = NULL;
        IpcObject copy = { 0 };
        Verdict v;

        if (o->kind != kind || o->id < 0)
                abort();
        /* The recorded pids are distinct and nonzero. */
        for (size_t i = 0; i < o->n_pids; i++) {
                if (o->pids[i].pid == 0)
                        abort();
                for (size_t j = 0; j < i; j++)
                        if (o->pids[i].pid == o->pids[j].pid)
                                abort();
                /* Liveness is the scanner's; any answer will do here. */
                o->pids[i].alive = o->pids[i].pid & 1;
        }
        (void) ipc_object_last_activity(o);
        (void) ipc_object_idle_sec(o, ctx.now);
        (void) ipc_object_in_use(o);

        if (ipc_object_copy(&copy, o) < 0)
                return;
        if (!ipc_object_same_identity(&copy, o) || copy.n_pids != o->n_pids)
                abort();
        ipc_object_done(&copy);

        v = policy_evaluate(policy, o, (o->id & 1) ? "php-fpm7" : NULL, &ctx);
        if (v.state < 0 || v.state >= _OBJECT_STATE_MAX || v.rule >= (int) policy->n_rules)
                abort();
        (void) verdict_reasons(&v, o, policy, ctx.now, &reasons);
        for (size_t r = 0; r < policy->n_rules; r++) {
                _cleanup_free_ char *why = NULL;
                (void) rule_matches(&policy->rules[r], o, "worker", &why);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ObjectTable t = { 0 };
        unsigned bad = 0;
        IpcKind kind;
        FILE *f;
        int r;

        if (size < 1)
                return 0;
        kind = sysv_kinds[data[0] % ELEMENTSOF(sysv_kinds)];
        /* fmemopen() of zero bytes fails: that is the empty table, which the parser refuses
         * before any row. */
        if (size == 1)
                return 0;
        f = fmemopen((void *) (data + 1), size - 1, "r");
        if (!f)
                abort();
        r = sysvipc_parse(kind, f, "fuzz", &t, &bad);
        fclose(f);
        if (r == 0)
                for (size_t i = 0; i < t.n; i++)
                        check_object(kind, &t.objects[i]);
        else if (r != -EBADMSG && r != -ENOMEM)
                abort();
        object_table_done(&t);
        return 0;
}
