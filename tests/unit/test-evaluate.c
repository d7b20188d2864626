/* SPDX-License-Identifier: MIT */
/* Tests the policy evaluator: a table of (object, policy, clock, owner answer) -> (state, rule,
 * pending reasons), one named test per case, then the "why" and reason texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>

#include "evaluate.h"
#include "macro.h"
#include "policy.h"
#include "strv.h"

/* The object templates below are overridden field by field, on purpose. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

#define T0  INT64_C(1700000000) /* when the template objects were created */
#define DAY INT64_C(86400)
#define NOW (T0 + DAY)

#define SHM(...)                                                                                \
        {                                                                                       \
                .kind = IPC_KIND_SHM, .id = 1, .key = 0x1234, .mode = 0600, .uid = 1000,        \
                .gid = 1000, .cuid = 1000, .cgid = 1000, .size = 4096, .ctime = T0, __VA_ARGS__ \
        }
#define SEM(...)                                                                              \
        {                                                                                     \
                .kind = IPC_KIND_SEM, .id = 2, .key = 0x1234, .mode = 0600, .uid = 1000,      \
                .gid = 1000, .cuid = 1000, .cgid = 1000, .nsems = 4, .ctime = T0, __VA_ARGS__ \
        }
#define MSG(...)                                                                         \
        {                                                                                \
                .kind = IPC_KIND_MSG, .id = 3, .key = 0x1234, .mode = 0600, .uid = 1000, \
                .gid = 1000, .cuid = 1000, .cgid = 1000, .ctime = T0, __VA_ARGS__        \
        }

/* POSIX objects: a file's name, device and inode, no id, no key, no recorded pid. */
#define PSHM(...)                                                                                 \
        {                                                                                         \
                .kind = IPC_KIND_POSIX_SHM, .id = -1, .name = (char *) "PostgreSQL.1234",         \
                .mode = 0600, .uid = 1000, .gid = 1000, .cuid = 1000, .cgid = 1000, .size = 4096, \
                .mtime = T0, .ctime = T0, .dev = 42, .ino = 7, __VA_ARGS__                        \
        }
#define PSEM(...)                                                                               \
        {                                                                                       \
                .kind = IPC_KIND_POSIX_SEM, .id = -1, .name = (char *) "sem.pg_lock",           \
                .mode = 0600, .uid = 1000, .gid = 1000, .cuid = 1000, .cgid = 1000, .size = 32, \
                .mtime = T0, .ctime = T0, .dev = 42, .ino = 8, __VA_ARGS__                      \
        }
#define PMQ(...)                                                                                \
        {                                                                                       \
                .kind = IPC_KIND_POSIX_MQ, .id = -1, .name = (char *) "jobs", .mode = 0600,     \
                .uid = 1000, .gid = 1000, .cuid = 1000, .cgid = 1000, .mtime = T0, .ctime = T0, \
                .dev = 43, .ino = 9, __VA_ARGS__                                                \
        }

#define ALIVE(p) \
        { .pid = (p), .alive = true }
#define DEAD(p) \
        { .pid = (p), .alive = false }

/* Rules that match everything, with conditions that hold for the template objects. */
#define LENIENT "[Rule all]\nMinIdleSec=0\nRequireDeadPids=no\n"

/* The same for every kind, POSIX ones included. */
#define LENIENT_ALL "[Rule all]\nKind=all\nMinIdleSec=0\nRequireDeadPids=no\n"

#define FIRST_MATCH                                                          \
        "[Rule system]\nOwner=0-999\nAction=keep\n"                          \
        "[Rule users]\nOwner=1000-60000\nMinIdleSec=0\nRequireDeadPids=no\n" \
        "[Rule rest]\nAction=report\nMinIdleSec=0\nRequireDeadPids=no\n"

typedef enum OwnerAnswer {
        OWNER_NO_CALLBACK, /* ctx.owner_has_processes is NULL */
        OWNER_HAS_PROCESSES,
        OWNER_HAS_NONE,
        OWNER_CANNOT_TELL,
} OwnerAnswer;

typedef struct EvaluationCase {
        const char *name; /* the behaviour; also the cmocka test name */
        const char *policy;
        IpcObject object;
        IpcPid pids[3];
        size_t n_pids;
        const char *creator; /* the recorded creator's comm; NULL: unknown */
        int64_t now;         /* 0: NOW */
        OwnerAnswer owner;
        ObjectState state;
        const char *rule; /* the governing rule; NULL: none */
        unsigned pending;
} EvaluationCase;

/* One case to a paragraph: name, policy, object, [pids, n_pids,] expectations. */
/* clang-format off */
static const EvaluationCase verdict_cases[] = {
        /* ---- in use: never judged by any rule ---- */
        { "attached_segment_is_in_use_whatever_the_policy", LENIENT, SHM(.nattch = 1),
          .state = OBJECT_IN_USE, .pending = PENDING_ATTACHED },
        { "attached_segment_is_in_use_even_under_a_keep_rule", "[Rule k]\nAction=keep\n",
          SHM(.nattch = 2), .state = OBJECT_IN_USE, .pending = PENDING_ATTACHED },
        { "attached_segment_is_in_use_without_any_rule", "", SHM(.nattch = 1),
          .state = OBJECT_IN_USE, .pending = PENDING_ATTACHED },
        { "attached_segment_with_dead_pids_and_old_activity_is_still_in_use",
          "[Rule r]\nMinIdleSec=0\n", SHM(.nattch = 1, .ctime = T0 - 365 * DAY),
          { DEAD(100), DEAD(200) }, 2, .state = OBJECT_IN_USE, .pending = PENDING_ATTACHED },
        { "segment_marked_for_destruction_is_in_use", LENIENT, SHM(.mode = 01600),
          .state = OBJECT_IN_USE, .pending = PENDING_DESTROY_MARKED },
        { "attached_segment_marked_for_destruction_gives_both_reasons", LENIENT,
          SHM(.nattch = 1, .mode = 01600), .state = OBJECT_IN_USE,
          .pending = PENDING_ATTACHED | PENDING_DESTROY_MARKED },
        { "locked_segment_is_not_in_use_for_being_locked", LENIENT, SHM(.mode = 02600),
          .state = OBJECT_ORPHAN, .rule = "all" },
        { "semaphore_set_with_waiters_is_in_use", LENIENT, SEM(.sem_waiters = 1),
          .state = OBJECT_IN_USE, .pending = PENDING_SEM_WAITERS },
        { "semaphore_set_with_unreadable_details_is_in_use", LENIENT,
          SEM(.sem_details_error = EACCES), .state = OBJECT_IN_USE,
          .pending = PENDING_SEM_UNREADABLE },
        { "semaphore_set_with_unreadable_details_does_not_claim_waiters", LENIENT,
          SEM(.sem_details_error = EPERM, .sem_waiters = 2), .state = OBJECT_IN_USE,
          .pending = PENDING_SEM_UNREADABLE },
        { "semaphore_set_without_waiters_can_be_an_orphan", LENIENT, SEM(),
          .state = OBJECT_ORPHAN, .rule = "all" },
        { "message_queue_holding_messages_is_never_in_use", LENIENT,
          MSG(.messages = 3, .size = 300), .state = OBJECT_ORPHAN, .rule = "all" },
        { "message_queue_ignores_fields_that_mean_in_use_for_other_kinds", LENIENT,
          MSG(.nattch = 1, .mode = 01600, .sem_waiters = 2, .sem_details_error = EACCES),
          .state = OBJECT_ORPHAN, .rule = "all" },
        { "segment_ignores_semaphore_waiters", LENIENT, SHM(.sem_waiters = 2),
          .state = OBJECT_ORPHAN, .rule = "all" },
        { "queue_with_a_thread_blocked_on_it_is_in_use", LENIENT,
          MSG(.waiters = (IpcWaiter[]){ { 7, 8, false } }, .n_waiters = 1),
          .state = OBJECT_IN_USE, .pending = PENDING_MSG_WAITERS },
        { "queue_with_a_thread_that_cannot_be_judged_is_in_use", LENIENT,
          MSG(.waiters_unknown = (char *) "pid 5 tid 5: Permission denied"),
          .state = OBJECT_IN_USE, .pending = PENDING_MSG_WAITERS_UNKNOWN },
        { "queue_waiters_keep_it_even_under_a_keep_rule", "[Rule k]\nAction=keep\n",
          MSG(.waiters = (IpcWaiter[]){ { 7, 8, true } }, .n_waiters = 1),
          .state = OBJECT_IN_USE, .pending = PENDING_MSG_WAITERS },
        { "segment_ignores_queue_waiters", LENIENT,
          SHM(.waiters = (IpcWaiter[]){ { 7, 8, true } }, .n_waiters = 1),
          .state = OBJECT_ORPHAN, .rule = "all" },

        /* ---- which rule governs ---- */
        { "object_no_rule_matches_is_unmatched", "[Rule sem-only]\nKind=sem\nMinIdleSec=0\n",
          SHM(), .state = OBJECT_UNMATCHED },
        { "empty_policy_leaves_every_object_unmatched", "", MSG(), .state = OBJECT_UNMATCHED },
        { "keep_rule_protects_an_idle_object_with_dead_pids", "[Rule keep-all]\nAction=keep\n",
          SHM(), { DEAD(100) }, 1, .state = OBJECT_PROTECTED, .rule = "keep-all" },
        { "keep_rule_protects_a_young_object_with_live_pids_without_pending_reasons",
          "[Rule keep-all]\nAction=keep\nRequireNoOwnerProcesses=yes\n",
          SHM(.ctime = NOW - 1, .creator_unknown = true), { ALIVE(100) }, 1,
          .owner = OWNER_HAS_PROCESSES, .state = OBJECT_PROTECTED, .rule = "keep-all" },
        { "first_matching_rule_keeps_a_system_user_object", FIRST_MATCH, SHM(.uid = 5),
          .state = OBJECT_PROTECTED, .rule = "system" },
        { "first_matching_rule_reaps_a_regular_user_object", FIRST_MATCH, SHM(.uid = 1000),
          .state = OBJECT_ORPHAN, .rule = "users" },
        { "later_rule_governs_what_earlier_rules_do_not_match", FIRST_MATCH, SHM(.uid = 70000),
          .state = OBJECT_ORPHAN, .rule = "rest" },
        { "first_matching_rule_governs_even_when_its_conditions_are_unmet",
          "[Rule strict]\nMinIdleSec=7d\n" "[Rule lenient]\nMinIdleSec=0\nRequireDeadPids=no\n",
          SHM(), { DEAD(100) }, 1, .state = OBJECT_IDLE, .rule = "strict",
          .pending = PENDING_TOO_YOUNG },
        { "rule_for_another_kind_is_passed_over",
          "[Rule sems]\nKind=sem\nAction=keep\n" "[Rule shms]\nKind=shm\nMinIdleSec=0\n"
          "RequireDeadPids=no\n",
          SHM(), .state = OBJECT_ORPHAN, .rule = "shms" },

        /* ---- matchers, each excluding and including ---- */
        { "kind_matcher_includes_a_listed_kind",
          "[Rule r]\nKind=shm msg\nMinIdleSec=0\nRequireDeadPids=no\n", MSG(),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "kind_matcher_excludes_an_unlisted_kind",
          "[Rule r]\nKind=shm msg\nMinIdleSec=0\nRequireDeadPids=no\n", SEM(),
          .state = OBJECT_UNMATCHED },
        { "owner_matcher_excludes_a_uid_outside_its_range",
          "[Rule r]\nOwner=0-999\n" "MinIdleSec=0\nRequireDeadPids=no\n", SHM(.uid = 1000),
          .state = OBJECT_UNMATCHED },
        { "owner_matcher_includes_the_last_uid_of_its_range",
          "[Rule r]\nOwner=0-999\n" "MinIdleSec=0\nRequireDeadPids=no\n", SHM(.uid = 999),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "owner_matcher_reads_user_names", "[Rule r]\nOwner=root\nMinIdleSec=0\n"
          "RequireDeadPids=no\n", SHM(.uid = 0), .state = OBJECT_ORPHAN, .rule = "r" },
        { "owner_matcher_looks_at_the_owner_not_the_creator",
          "[Rule r]\nOwner=0\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(.uid = 1000, .cuid = 0),
          .state = OBJECT_UNMATCHED },
        { "group_matcher_excludes_a_gid_outside_its_range",
          "[Rule r]\nGroup=100-200\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(.gid = 50),
          .state = OBJECT_UNMATCHED },
        { "group_matcher_includes_a_gid_in_its_range",
          "[Rule r]\nGroup=100-200\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(.gid = 200),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "key_matcher_includes_a_key_in_its_range",
          "[Rule r]\nKey=0x5000-0x50ff\nMinIdleSec=0\nRequireDeadPids=no\n",
          SEM(.key = 0x50ff), .state = OBJECT_ORPHAN, .rule = "r" },
        { "key_matcher_excludes_a_key_outside_its_range",
          "[Rule r]\nKey=0x5000-0x50ff\nMinIdleSec=0\nRequireDeadPids=no\n",
          SEM(.key = 0x5100), .state = OBJECT_UNMATCHED },
        { "key_matcher_private_includes_ipc_private",
          "[Rule r]\nKey=private\nMinIdleSec=0\nRequireDeadPids=no\n", MSG(.key = 0),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "key_matcher_private_excludes_a_real_key",
          "[Rule r]\nKey=private\nMinIdleSec=0\nRequireDeadPids=no\n", MSG(.key = 1),
          .state = OBJECT_UNMATCHED },
        { "key_matcher_reads_keys_above_0x7fffffff_as_unsigned",
          "[Rule r]\nKey=0xc0000000-0xcfffffff\nMinIdleSec=0\nRequireDeadPids=no\n",
          SHM(.key = (int32_t) 0xc05c1e4f), .state = OBJECT_ORPHAN, .rule = "r" },
        { "key_matcher_excludes_a_negative_key_below_its_range",
          "[Rule r]\nKey=0x0-0x7fffffff\nMinIdleSec=0\nRequireDeadPids=no\n",
          SHM(.key = -1), .state = OBJECT_UNMATCHED },
        { "creator_matcher_includes_a_comm_matching_a_glob",
          "[Rule r]\nCreator=php-fpm* worker\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(),
          .creator = "php-fpm7.4", .state = OBJECT_ORPHAN, .rule = "r" },
        { "creator_matcher_includes_a_comm_equal_to_a_later_glob",
          "[Rule r]\nCreator=php-fpm* worker\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(),
          .creator = "worker", .state = OBJECT_ORPHAN, .rule = "r" },
        { "creator_matcher_excludes_a_comm_matching_no_glob",
          "[Rule r]\nCreator=php-fpm* worker\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(),
          .creator = "nginx", .state = OBJECT_UNMATCHED },
        { "unknown_creator_never_matches_a_creator_rule",
          "[Rule r]\nCreator=php-fpm*\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(),
          .state = OBJECT_UNMATCHED },
        { "unknown_creator_does_not_match_even_a_wildcard",
          "[Rule r]\nCreator=*\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(),
          .state = OBJECT_UNMATCHED },
        { "rule_without_creator_matcher_matches_an_unknown_creator", LENIENT, SHM(),
          .state = OBJECT_ORPHAN, .rule = "all" },
        { "min_size_matcher_includes_a_segment_of_exactly_that_size",
          "[Rule r]\nMinSize=1M\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(.size = 1048576),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "min_size_matcher_excludes_a_smaller_segment",
          "[Rule r]\nMinSize=1M\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(.size = 1048575),
          .state = OBJECT_UNMATCHED },
        { "min_size_matcher_counts_a_queues_bytes",
          "[Rule r]\nMinSize=1M\nMinIdleSec=0\nRequireDeadPids=no\n",
          MSG(.size = 2097152, .messages = 2), .state = OBJECT_ORPHAN, .rule = "r" },
        { "min_size_above_zero_never_matches_a_semaphore_set",
          "[Rule r]\nMinSize=1\nMinIdleSec=0\nRequireDeadPids=no\n", SEM(.nsems = 1000),
          .state = OBJECT_UNMATCHED },

        /* ---- conditions of reap and report rules ---- */
        { "object_idle_less_than_min_idle_is_idle_too_young",
          "[Rule r]\nMinIdleSec=1h\nRequireDeadPids=no\n", SHM(.ctime = NOW - 1800),
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_TOO_YOUNG },
        { "object_idle_exactly_min_idle_is_old_enough",
          "[Rule r]\nMinIdleSec=1h\nRequireDeadPids=no\n", SHM(.ctime = NOW - 3600),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "default_min_idle_is_one_hour", "[Rule r]\nRequireDeadPids=no\n",
          SHM(.ctime = NOW - 3599), .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_TOO_YOUNG },
        { "recent_attach_makes_a_segment_young",
          "[Rule r]\nMinIdleSec=5min\nRequireDeadPids=no\n", SHM(.atime = NOW - 60),
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_TOO_YOUNG },
        { "recent_detach_makes_a_segment_young",
          "[Rule r]\nMinIdleSec=5min\nRequireDeadPids=no\n", SHM(.dtime = NOW - 60),
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_TOO_YOUNG },
        { "recent_semop_makes_a_semaphore_set_young",
          "[Rule r]\nMinIdleSec=5min\nRequireDeadPids=no\n", SEM(.otime = NOW - 60),
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_TOO_YOUNG },
        { "recent_send_makes_a_queue_young", "[Rule r]\nMinIdleSec=5min\nRequireDeadPids=no\n",
          MSG(.stime = NOW - 60), .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_TOO_YOUNG },
        { "recent_receive_makes_a_queue_young",
          "[Rule r]\nMinIdleSec=5min\nRequireDeadPids=no\n", MSG(.rtime = NOW - 60),
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_TOO_YOUNG },
        { "alive_pid_keeps_an_object_idle_when_dead_pids_are_required",
          "[Rule r]\nMinIdleSec=0\nRequireDeadPids=yes\n", SHM(), { DEAD(100), ALIVE(200) }, 2,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_PIDS_ALIVE },
        { "all_pids_dead_make_an_orphan", "[Rule r]\nMinIdleSec=0\n", SHM(),
          { DEAD(100), DEAD(200) }, 2, .state = OBJECT_ORPHAN, .rule = "r" },
        /* No recorded pid: the creator is unknown, not dead (a queue nobody used yet). */
        { "object_without_pids_is_an_orphan_when_its_owner_runs_nothing",
          "[Rule r]\nMinIdleSec=0\n", MSG(), .owner = OWNER_HAS_NONE, .state = OBJECT_ORPHAN,
          .rule = "r" },
        { "queue_without_pids_is_kept_while_its_owner_runs_a_process",
          "[Rule r]\nMinIdleSec=0\n", MSG(), .owner = OWNER_HAS_PROCESSES,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_RUNNING },
        { "semaphore_set_without_pids_is_kept_while_its_owner_runs_a_process",
          "[Rule r]\nMinIdleSec=0\n", SEM(), .owner = OWNER_HAS_PROCESSES,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_RUNNING },
        { "object_without_pids_is_kept_when_owner_processes_cannot_be_told",
          "[Rule r]\nMinIdleSec=0\n", MSG(), .owner = OWNER_CANNOT_TELL,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_UNKNOWN },
        { "object_without_pids_is_kept_without_an_owner_callback",
          "[Rule r]\nMinIdleSec=0\n", MSG(), .owner = OWNER_NO_CALLBACK,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_UNKNOWN },
        { "object_without_pids_needs_no_owner_check_without_require_dead_pids", LENIENT, MSG(),
          .owner = OWNER_HAS_PROCESSES, .state = OBJECT_ORPHAN, .rule = "all" },
        { "alive_semaphore_pid_keeps_a_set_idle", "[Rule r]\nMinIdleSec=0\n", SEM(),
          { DEAD(7), ALIVE(8), DEAD(9) }, 3, .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_PIDS_ALIVE },
        { "require_dead_pids_no_ignores_alive_pids", LENIENT, SHM(),
          { ALIVE(100), ALIVE(200) }, 2, .state = OBJECT_ORPHAN, .rule = "all" },
        { "segment_of_an_unseen_creator_is_idle_when_dead_pids_are_required",
          "[Rule r]\nMinIdleSec=0\n", SHM(.creator_unknown = true), .state = OBJECT_IDLE,
          .rule = "r", .pending = PENDING_CREATOR_UNSEEN },
        { "segment_of_an_unseen_creator_with_a_live_last_pid_gives_both_reasons",
          "[Rule r]\nMinIdleSec=0\n", SHM(.creator_unknown = true), { ALIVE(300) }, 1,
          .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_CREATOR_UNSEEN | PENDING_PIDS_ALIVE },
        { "unseen_creator_does_not_matter_without_require_dead_pids", LENIENT,
          SHM(.creator_unknown = true), .state = OBJECT_ORPHAN, .rule = "all" },
        { "owner_with_processes_keeps_an_object_idle",
          "[Rule r]\nMinIdleSec=0\nRequireNoOwnerProcesses=yes\n", SHM(), { DEAD(100) }, 1,
          .owner = OWNER_HAS_PROCESSES, .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_OWNER_PROCESSES },
        { "owner_without_processes_allows_an_orphan",
          "[Rule r]\nMinIdleSec=0\nRequireNoOwnerProcesses=yes\n", SHM(),
          .owner = OWNER_HAS_NONE, .state = OBJECT_ORPHAN, .rule = "r" },
        { "owner_processes_that_cannot_be_told_keep_an_object_idle",
          "[Rule r]\nMinIdleSec=0\nRequireNoOwnerProcesses=yes\n", SHM(), { DEAD(100) }, 1,
          .owner = OWNER_CANNOT_TELL, .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_OWNER_PROCESSES_UNKNOWN },
        { "owner_processes_without_a_callback_are_unknown",
          "[Rule r]\nMinIdleSec=0\nRequireNoOwnerProcesses=yes\n", SHM(), { DEAD(100) }, 1,
          .owner = OWNER_NO_CALLBACK, .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_OWNER_PROCESSES_UNKNOWN },
        { "owner_processes_do_not_matter_unless_required",
          "[Rule r]\nMinIdleSec=0\nRequireNoOwnerProcesses=no\n", SHM(), { DEAD(100) }, 1,
          .owner = OWNER_HAS_PROCESSES, .state = OBJECT_ORPHAN, .rule = "r" },
        { "report_rule_makes_an_orphan", "[Rule tell]\nAction=report\nMinIdleSec=0\n", MSG(),
          { DEAD(5) }, 1, .state = OBJECT_ORPHAN, .rule = "tell" },
        { "report_rule_checks_its_conditions_too", "[Rule tell]\nAction=report\n",
          MSG(.stime = NOW - 10), { ALIVE(5) }, 1, .state = OBJECT_IDLE, .rule = "tell",
          .pending = PENDING_TOO_YOUNG | PENDING_PIDS_ALIVE },
        { "every_unmet_condition_is_pending_at_once",
          "[Rule r]\nMinIdleSec=2d\nRequireNoOwnerProcesses=yes\n",
          SHM(.creator_unknown = true), { ALIVE(42) }, 1, .owner = OWNER_HAS_PROCESSES,
          .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_TOO_YOUNG | PENDING_PIDS_ALIVE | PENDING_CREATOR_UNSEEN |
                     PENDING_OWNER_PROCESSES },
        { "clock_set_before_the_last_activity_counts_as_idle_zero", "[Rule r]\nMinIdleSec=0\n",
          SHM(), { DEAD(100) }, 1, .now = T0 - 3600, .state = OBJECT_ORPHAN, .rule = "r" },
        { "clock_set_before_the_last_activity_is_too_young_for_any_min_idle",
          "[Rule r]\nMinIdleSec=1\n", SHM(), { DEAD(100) }, 1, .now = T0 - 10 * DAY,
          .state = OBJECT_IDLE,
          .rule = "r", .pending = PENDING_TOO_YOUNG },

        /* ---- POSIX objects: opt-in by Kind= ---- */
        { "rule_without_kind_never_matches_a_posix_segment", LENIENT, PSHM(),
          .state = OBJECT_UNMATCHED },
        { "rule_without_kind_never_matches_a_posix_semaphore", LENIENT, PSEM(),
          .state = OBJECT_UNMATCHED },
        { "rule_without_kind_never_matches_a_posix_queue", LENIENT, PMQ(),
          .state = OBJECT_UNMATCHED },
        { "keep_rule_without_kind_does_not_protect_a_posix_segment",
          "[Rule sysv]\nAction=keep\n" "[Rule pg]\nKind=posix-shm\nMinIdleSec=0\n"
          "RequireDeadPids=no\n",
          PSHM(), .state = OBJECT_ORPHAN, .rule = "pg" },
        { "rule_listing_the_system_v_kinds_never_matches_a_posix_object",
          "[Rule r]\nKind=shm sem msg\nMinIdleSec=0\nRequireDeadPids=no\n", PSHM(),
          .state = OBJECT_UNMATCHED },
        { "kind_posix_shm_matches_a_posix_segment",
          "[Rule r]\nKind=posix-shm\nMinIdleSec=0\nRequireDeadPids=no\n", PSHM(),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "kind_posix_shm_does_not_match_a_posix_semaphore",
          "[Rule r]\nKind=posix-shm\nMinIdleSec=0\nRequireDeadPids=no\n", PSEM(),
          .state = OBJECT_UNMATCHED },
        { "kind_posix_shm_does_not_match_a_system_v_segment",
          "[Rule r]\nKind=posix-shm\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(),
          .state = OBJECT_UNMATCHED },
        { "kind_posix_sem_matches_a_named_semaphore",
          "[Rule r]\nKind=posix-sem\nMinIdleSec=0\nRequireDeadPids=no\n", PSEM(),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "kind_posix_sem_does_not_match_a_posix_segment",
          "[Rule r]\nKind=posix-sem\nMinIdleSec=0\nRequireDeadPids=no\n", PSHM(),
          .state = OBJECT_UNMATCHED },
        { "kind_posix_mq_matches_a_posix_queue",
          "[Rule r]\nKind=posix-mq\nMinIdleSec=0\nRequireDeadPids=no\n", PMQ(),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "kind_posix_mq_does_not_match_a_system_v_queue",
          "[Rule r]\nKind=posix-mq\nMinIdleSec=0\nRequireDeadPids=no\n", MSG(),
          .state = OBJECT_UNMATCHED },
        { "kind_all_matches_a_posix_segment", LENIENT_ALL, PSHM(), .state = OBJECT_ORPHAN,
          .rule = "all" },
        { "kind_all_matches_a_posix_semaphore", LENIENT_ALL, PSEM(), .state = OBJECT_ORPHAN,
          .rule = "all" },
        { "kind_all_matches_a_posix_queue", LENIENT_ALL, PMQ(), .state = OBJECT_ORPHAN,
          .rule = "all" },
        { "kind_all_matches_a_system_v_segment", LENIENT_ALL, SHM(), .state = OBJECT_ORPHAN,
          .rule = "all" },
        { "kind_all_matches_a_system_v_semaphore_set", LENIENT_ALL, SEM(),
          .state = OBJECT_ORPHAN, .rule = "all" },
        { "kind_all_matches_a_system_v_queue", LENIENT_ALL, MSG(), .state = OBJECT_ORPHAN,
          .rule = "all" },
        { "kind_mixing_system_v_and_posix_kinds_matches_each_listed",
          "[Rule r]\nKind=shm posix-shm\nMinIdleSec=0\nRequireDeadPids=no\n", PSHM(),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "kind_mixing_system_v_and_posix_kinds_leaves_out_the_others",
          "[Rule r]\nKind=shm posix-shm\nMinIdleSec=0\nRequireDeadPids=no\n", PSEM(),
          .state = OBJECT_UNMATCHED },

        /* ---- POSIX objects: Name=, and the matchers they share or lack ---- */
        { "name_matcher_includes_a_segment_matching_a_glob",
          "[Rule r]\nKind=all\nName=PostgreSQL.* fastrtps_*\nMinIdleSec=0\n"
          "RequireDeadPids=no\n",
          PSHM(.name = (char *) "PostgreSQL.1234"), .state = OBJECT_ORPHAN, .rule = "r" },
        { "name_matcher_includes_a_segment_matching_a_later_glob",
          "[Rule r]\nKind=all\nName=PostgreSQL.* fastrtps_*\nMinIdleSec=0\n"
          "RequireDeadPids=no\n",
          PSHM(.name = (char *) "fastrtps_port7411"), .state = OBJECT_ORPHAN, .rule = "r" },
        { "name_matcher_excludes_a_segment_matching_no_glob",
          "[Rule r]\nKind=all\nName=PostgreSQL.* fastrtps_*\nMinIdleSec=0\n"
          "RequireDeadPids=no\n",
          PSHM(.name = (char *) "pulse-shm-12345"), .state = OBJECT_UNMATCHED },
        { "name_matcher_is_case_sensitive",
          "[Rule r]\nKind=all\nName=PostgreSQL.*\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSHM(.name = (char *) "postgresql.1234"), .state = OBJECT_UNMATCHED },
        { "name_matcher_matches_the_whole_name_not_a_part",
          "[Rule r]\nKind=all\nName=PostgreSQL\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSHM(.name = (char *) "PostgreSQL.1234"), .state = OBJECT_UNMATCHED },
        { "name_matcher_matches_a_semaphore_by_its_name_without_the_prefix",
          "[Rule r]\nKind=posix-sem\nName=pg_lock\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSEM(.name = (char *) "sem.pg_lock"), .state = OBJECT_ORPHAN, .rule = "r" },
        { "name_matcher_does_not_see_a_semaphores_file_prefix",
          "[Rule r]\nKind=posix-sem\nName=sem.*\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSEM(.name = (char *) "sem.pg_lock"), .state = OBJECT_UNMATCHED },
        { "name_matcher_includes_a_queue_matching_a_glob",
          "[Rule r]\nKind=posix-mq\nName=jo?s\nMinIdleSec=0\nRequireDeadPids=no\n", PMQ(),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "name_glob_star_matches_an_odd_name",
          "[Rule r]\nKind=all\nName=*\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSHM(.name = (char *) ".hidden new\nline"), .state = OBJECT_ORPHAN, .rule = "r" },
        { "name_matcher_never_matches_a_system_v_segment",
          "[Rule r]\nKind=all\nName=*\nMinIdleSec=0\nRequireDeadPids=no\n", SHM(),
          .state = OBJECT_UNMATCHED },
        { "name_matcher_never_matches_a_system_v_queue",
          "[Rule r]\nKind=all\nName=*\nMinIdleSec=0\nRequireDeadPids=no\n", MSG(),
          .state = OBJECT_UNMATCHED },
        { "rule_with_name_passes_a_system_v_object_to_the_next_rule",
          "[Rule posix]\nKind=all\nName=*\nAction=keep\n" "[Rule rest]\nMinIdleSec=0\n"
          "RequireDeadPids=no\n",
          SEM(), .state = OBJECT_ORPHAN, .rule = "rest" },
        { "key_matcher_never_matches_a_posix_object",
          "[Rule r]\nKind=all\nKey=private\nMinIdleSec=0\nRequireDeadPids=no\n", PSHM(),
          .state = OBJECT_UNMATCHED },
        { "key_matcher_of_every_key_never_matches_a_posix_object",
          "[Rule r]\nKind=all\nKey=0x0-0xffffffff\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSEM(), .state = OBJECT_UNMATCHED },
        { "owner_matcher_excludes_a_posix_object_of_another_uid",
          "[Rule r]\nKind=all\nOwner=0-999\nMinIdleSec=0\nRequireDeadPids=no\n", PSHM(),
          .state = OBJECT_UNMATCHED },
        { "group_matcher_includes_a_posix_object_of_its_gid",
          "[Rule r]\nKind=all\nGroup=1000\nMinIdleSec=0\nRequireDeadPids=no\n", PMQ(),
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "creator_matcher_never_matches_a_posix_object_whose_creator_is_unknown",
          "[Rule r]\nKind=all\nCreator=*\nMinIdleSec=0\nRequireDeadPids=no\n", PSHM(),
          .state = OBJECT_UNMATCHED },
        { "min_size_matcher_compares_a_posix_files_size",
          "[Rule r]\nKind=all\nMinSize=1M\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSHM(.size = 1048576), .state = OBJECT_ORPHAN, .rule = "r" },
        { "min_size_matcher_excludes_a_smaller_posix_file",
          "[Rule r]\nKind=all\nMinSize=1M\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSHM(.size = 1048575), .state = OBJECT_UNMATCHED },
        { "min_size_matcher_compares_a_posix_queues_queued_bytes",
          "[Rule r]\nKind=all\nMinSize=1K\nMinIdleSec=0\nRequireDeadPids=no\n",
          PMQ(.size = 1024), .state = OBJECT_ORPHAN, .rule = "r" },
        { "min_size_matcher_excludes_an_empty_posix_queue",
          "[Rule r]\nKind=all\nMinSize=1\nMinIdleSec=0\nRequireDeadPids=no\n", PMQ(),
          .state = OBJECT_UNMATCHED },

        /* ---- POSIX objects that are not regular files: listed, never judged ---- */
        { "symlink_or_directory_in_dev_shm_is_unmatched_under_a_rule_for_everything",
          LENIENT_ALL, PSHM(.not_regular = true, .size = 0), .state = OBJECT_UNMATCHED },
        { "symlink_or_directory_in_dev_shm_is_unmatched_under_a_name_glob_for_everything",
          "[Rule r]\nKind=posix-shm\nName=*\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSHM(.not_regular = true), .state = OBJECT_UNMATCHED },
        { "symlink_or_directory_in_dev_shm_is_unmatched_not_protected_by_a_keep_rule",
          "[Rule k]\nKind=all\nAction=keep\n", PSHM(.not_regular = true),
          .state = OBJECT_UNMATCHED },
        { "not_regular_entry_of_dev_mqueue_is_unmatched", LENIENT_ALL,
          PMQ(.not_regular = true), .state = OBJECT_UNMATCHED },
        { "not_regular_entry_is_unmatched_however_old_and_whatever_its_owner",
          "[Rule r]\nKind=all\nMinIdleSec=0\n",
          PSHM(.not_regular = true, .ctime = T0 - 365 * DAY, .mtime = T0 - 365 * DAY),
          .owner = OWNER_HAS_NONE, .state = OBJECT_UNMATCHED },

        /* ---- POSIX objects with names that are not plain UTF-8: listed, never judged ---- */
        { "posix_object_with_an_odd_name_is_unmatched_under_a_rule_for_everything",
          LENIENT_ALL, PSHM(.name = (char *) "two\nlines", .odd_name = true),
          .state = OBJECT_UNMATCHED },
        { "posix_object_with_an_odd_name_is_unmatched_under_a_name_glob_for_everything",
          "[Rule r]\nKind=all\nName=*\nMinIdleSec=0\nRequireDeadPids=no\n",
          PSEM(.name = (char *) "sem.caf\xe9", .odd_name = true), .state = OBJECT_UNMATCHED },
        { "posix_object_with_an_odd_name_is_unmatched_not_protected_by_a_keep_rule",
          "[Rule k]\nKind=all\nAction=keep\n",
          PMQ(.name = (char *) "tab\there", .odd_name = true), .state = OBJECT_UNMATCHED },

        /* ---- POSIX objects in use: mapped or open ---- */
        { "posix_segment_mapped_by_a_process_is_in_use", LENIENT_ALL,
          PSHM(.users = (IpcUser[]){ { 7, true } }, .n_users = 1), .state = OBJECT_IN_USE,
          .pending = PENDING_FILE_USERS },
        { "posix_semaphore_open_in_a_process_is_in_use", LENIENT_ALL,
          PSEM(.users = (IpcUser[]){ { 7, false } }, .n_users = 1), .state = OBJECT_IN_USE,
          .pending = PENDING_FILE_USERS },
        { "posix_queue_open_in_a_process_is_in_use", LENIENT_ALL,
          PMQ(.users = (IpcUser[]){ { 7, false } }, .n_users = 1), .state = OBJECT_IN_USE,
          .pending = PENDING_FILE_USERS },
        { "posix_object_that_a_process_may_use_unseen_is_in_use", LENIENT_ALL,
          PSHM(.users_unknown = (char *) "pid 5: reading its maps: Permission denied"),
          .state = OBJECT_IN_USE, .pending = PENDING_FILE_USERS_UNKNOWN },
        { "posix_object_with_users_and_unknown_users_gives_both_reasons", LENIENT_ALL,
          PSHM(.users = (IpcUser[]){ { 7, true }, { 8, false } }, .n_users = 2,
               .users_unknown = (char *) "pid 5: reading its fd: Permission denied"),
          .state = OBJECT_IN_USE, .pending = PENDING_FILE_USERS | PENDING_FILE_USERS_UNKNOWN },
        { "posix_object_in_use_is_in_use_even_under_a_keep_rule", "[Rule k]\nKind=all\n"
          "Action=keep\n", PSHM(.users = (IpcUser[]){ { 7, true } }, .n_users = 1),
          .state = OBJECT_IN_USE, .pending = PENDING_FILE_USERS },
        { "posix_object_in_use_is_in_use_without_any_rule", "",
          PSEM(.users_unknown = (char *) "why"), .state = OBJECT_IN_USE,
          .pending = PENDING_FILE_USERS_UNKNOWN },
        { "posix_object_in_use_is_in_use_even_when_no_rule_selects_its_kind", LENIENT,
          PMQ(.users = (IpcUser[]){ { 7, false } }, .n_users = 1), .state = OBJECT_IN_USE,
          .pending = PENDING_FILE_USERS },
        { "posix_segment_ignores_fields_that_mean_in_use_for_system_v_kinds", LENIENT_ALL,
          PSHM(.nattch = 1, .mode = 01600, .sem_waiters = 2, .sem_details_error = EACCES,
               .waiters = (IpcWaiter[]){ { 7, 8, true } }, .n_waiters = 1,
               .waiters_unknown = (char *) "why"),
          .state = OBJECT_ORPHAN, .rule = "all" },
        { "system_v_segment_ignores_posix_file_users", LENIENT,
          SHM(.users = (IpcUser[]){ { 7, true } }, .n_users = 1,
              .users_unknown = (char *) "why"),
          .state = OBJECT_ORPHAN, .rule = "all" },

        /* ---- POSIX objects: the conditions (no recorded pid, creator unknown) ---- */
        { "posix_object_is_an_orphan_when_its_owner_runs_nothing",
          "[Rule r]\nKind=all\nMinIdleSec=0\n", PSHM(), .owner = OWNER_HAS_NONE,
          .state = OBJECT_ORPHAN, .rule = "r" },
        { "posix_segment_is_kept_while_its_owner_runs_a_process",
          "[Rule r]\nKind=all\nMinIdleSec=0\n", PSHM(), .owner = OWNER_HAS_PROCESSES,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_RUNNING },
        { "posix_semaphore_is_kept_while_its_owner_runs_a_process",
          "[Rule r]\nKind=all\nMinIdleSec=0\n", PSEM(), .owner = OWNER_HAS_PROCESSES,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_RUNNING },
        { "posix_queue_is_kept_while_its_owner_runs_a_process",
          "[Rule r]\nKind=all\nMinIdleSec=0\n", PMQ(), .owner = OWNER_HAS_PROCESSES,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_RUNNING },
        { "posix_object_is_kept_when_its_owners_processes_cannot_be_told",
          "[Rule r]\nKind=all\nMinIdleSec=0\n", PSHM(), .owner = OWNER_CANNOT_TELL,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_UNKNOWN },
        { "posix_object_is_kept_without_an_owner_callback",
          "[Rule r]\nKind=all\nMinIdleSec=0\n", PSHM(), .owner = OWNER_NO_CALLBACK,
          .state = OBJECT_IDLE, .rule = "r", .pending = PENDING_NO_PIDS_OWNER_UNKNOWN },
        { "posix_object_needs_no_owner_check_without_require_dead_pids", LENIENT_ALL, PSHM(),
          .owner = OWNER_HAS_PROCESSES, .state = OBJECT_ORPHAN, .rule = "all" },
        { "posix_object_with_owner_processes_required_absent_gives_both_reasons",
          "[Rule r]\nKind=all\nMinIdleSec=0\nRequireNoOwnerProcesses=yes\n", PSHM(),
          .owner = OWNER_HAS_PROCESSES, .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_NO_PIDS_OWNER_RUNNING | PENDING_OWNER_PROCESSES },
        { "recent_write_makes_a_posix_segment_young",
          "[Rule r]\nKind=all\nMinIdleSec=5min\nRequireDeadPids=no\n",
          PSHM(.mtime = NOW - 60), .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_TOO_YOUNG },
        { "recent_change_makes_a_posix_segment_young",
          "[Rule r]\nKind=all\nMinIdleSec=5min\nRequireDeadPids=no\n",
          PSHM(.ctime = NOW - 60), .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_TOO_YOUNG },
        { "recent_send_or_receive_makes_a_posix_queue_young",
          "[Rule r]\nKind=all\nMinIdleSec=5min\nRequireDeadPids=no\n",
          PMQ(.mtime = NOW - 60, .ctime = NOW - 60), .state = OBJECT_IDLE, .rule = "r",
          .pending = PENDING_TOO_YOUNG },
        { "posix_object_idle_exactly_min_idle_is_old_enough",
          "[Rule r]\nKind=all\nMinIdleSec=1h\nRequireDeadPids=no\n",
          PSHM(.mtime = NOW - 3600, .ctime = NOW - 7200), .state = OBJECT_ORPHAN,
          .rule = "r" },
        { "report_rule_makes_a_posix_orphan",
          "[Rule tell]\nKind=posix-shm\nAction=report\nMinIdleSec=0\n", PSHM(),
          .owner = OWNER_HAS_NONE, .state = OBJECT_ORPHAN, .rule = "tell" },
};

/* clang-format on */

static unsigned owner_calls;

static int owner_answer(uint32_t uid, void *userdata) {
        owner_calls++;
        assert_int_equal(uid, 1000);
        switch (*(const OwnerAnswer *) userdata) {
        case OWNER_HAS_PROCESSES:
                return 1;
        case OWNER_HAS_NONE:
                return 0;
        default:
                return -EAGAIN;
        }
}

static Policy *load_policy(const char *text) {
        _cleanup_strv_free_ char **errors = NULL;
        Policy *p = NULL;
        int r = policy_load_string(text, "test.conf", &p, &errors);

        for (char **e = errors; e && *e; e++)
                print_error("%s\n", *e);
        assert_int_equal(r, 0);
        assert_non_null(p);
        return p;
}

static void verdict_is_what_the_case_says(void **state) {
        const EvaluationCase *c = *state;
        IpcObject o = c->object;
        IpcPid pids[ELEMENTSOF(c->pids)];
        EvaluationContext ctx = {
                .now = c->now ? c->now : NOW,
                .owner_has_processes = c->owner == OWNER_NO_CALLBACK ? NULL : owner_answer,
                .userdata = (void *) &c->owner,
        };
        _cleanup_policy_free_ Policy *p = load_policy(c->policy);
        Verdict v;

        memcpy(pids, c->pids, sizeof(pids));
        o.pids = c->n_pids > 0 ? pids : NULL;
        o.n_pids = c->n_pids;

        v = policy_evaluate(p, &o, c->creator, &ctx);
        if (v.state != c->state || v.pending != c->pending)
                print_error("%s: state %s pending 0x%x, expected %s pending 0x%x\n", c->name,
                            object_state_to_string(v.state), v.pending,
                            object_state_to_string(c->state), c->pending);
        assert_string_equal(object_state_to_string(v.state), object_state_to_string(c->state));
        assert_int_equal(v.pending, c->pending);
        if (c->rule) {
                assert_true(v.rule >= 0 && (size_t) v.rule < p->n_rules);
                assert_string_equal(p->rules[v.rule].name, c->rule);
        } else
                assert_int_equal(v.rule, -1);
}

/* ---- beyond the table ---- */

static void owner_processes_are_asked_only_when_the_rule_requires_it(void **state) {
        static const OwnerAnswer has = OWNER_HAS_PROCESSES;
        EvaluationContext ctx = { .now = NOW,
                                  .owner_has_processes = owner_answer,
                                  .userdata = (void *) &has };
        _cleanup_policy_free_ Policy *p =
                load_policy("[Rule keep]\nOwner=0-999\nAction=keep\nRequireNoOwnerProcesses=yes\n"
                            "[Rule plain]\nMinIdleSec=0\nRequireDeadPids=no\n");
        IpcObject attached = SHM(.nattch = 1), system = SHM(.uid = 5), user = SHM();

        owner_calls = 0;
        (void) policy_evaluate(p, &attached, NULL, &ctx);
        (void) policy_evaluate(p, &system, NULL, &ctx);
        assert_int_equal(policy_evaluate(p, &user, NULL, &ctx).state, OBJECT_ORPHAN);
        assert_int_equal(owner_calls, 0);
}

static void idle_time_is_zero_when_the_clock_is_before_the_last_activity(void **state) {
        IpcObject shm = SHM(.atime = T0 + 100), sem = SEM(.otime = T0 + 50),
                  msg = MSG(.rtime = T0 + 10, .stime = T0 + 20);

        assert_int_equal(ipc_object_idle_sec(&shm, T0 + 100), 0);
        assert_int_equal(ipc_object_idle_sec(&shm, T0), 0);
        assert_int_equal(ipc_object_idle_sec(&shm, 0), 0);
        assert_int_equal(ipc_object_idle_sec(&shm, T0 + 160), 60);
        assert_int_equal(ipc_object_idle_sec(&sem, T0 + 60), 10);
        assert_int_equal(ipc_object_idle_sec(&msg, T0 + 60), 40);
}

static void in_use_test_reports_the_reasons_of_each_kind(void **state) {
        IpcObject free_shm = SHM(), attached = SHM(.nattch = 3, .mode = 01600),
                  waited = SEM(.sem_waiters = 1), unreadable = SEM(.sem_details_error = EIO),
                  queue = MSG(.messages = 100);

        assert_int_equal(ipc_object_in_use(&free_shm), 0);
        assert_int_equal(ipc_object_in_use(&attached), PENDING_ATTACHED | PENDING_DESTROY_MARKED);
        assert_int_equal(ipc_object_in_use(&waited), PENDING_SEM_WAITERS);
        assert_int_equal(ipc_object_in_use(&unreadable), PENDING_SEM_UNREADABLE);
        assert_int_equal(ipc_object_in_use(&queue), 0);
        assert_true((ipc_object_in_use(&attached) & ~PENDING_IN_USE) == 0);
}

static void rule_matches_says_why_a_matcher_fails(void **state) {
        static const struct {
                const char *rule;
                IpcObject object;
                const char *creator;
                bool matches;
                const char *why;
        } cases[] = {
                { "Kind=sem", SHM(), NULL, false, "Kind: shm is not selected" },
                { "Kind=sem\nOwner=0-999", SHM(.uid = 1000), NULL, false,
                  "Kind: shm is not selected" }, /* the first failing matcher */
                { "Owner=0-999", SHM(.uid = 1000), NULL, false, "Owner: uid 1000 is not in 0-999" },
                { "Owner=0-99 200-299", MSG(.uid = 150), NULL, false,
                  "Owner: uid 150 is not in 0-99 200-299" },
                { "Group=100-200", SHM(.gid = 50), NULL, false, "Group: gid 50 is not in 100-200" },
                { "Key=0x5000-0x50ff private", SHM(.key = 0x6000), NULL, false,
                  "Key: 0x00006000 is not in 0x5000-0x50ff private" },
                { "Key=0x1", SHM(.key = (int32_t) 0xdeadbeef), NULL, false,
                  "Key: 0xdeadbeef is not in 0x1" },
                { "Creator=php-fpm* worker", SHM(), NULL, false,
                  "Creator: the creator is not known" },
                { "Creator=php-fpm* worker", SHM(), "nginx", false,
                  "Creator: \"nginx\" matches none of php-fpm* worker" },
                { "MinSize=1M", SHM(.size = 524288), NULL, false, "MinSize: 512K is below 1M" },
                { "MinSize=1", SEM(), NULL, false, "MinSize: 0B is below 1B" },
                { "Creator=php-fpm*\nMinSize=1K\nKey=0x1234", SHM(), "php-fpm", true, "matches" },
                { "", SEM(), NULL, true, "matches" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL, *why = NULL;
                _cleanup_policy_free_ Policy *p = NULL;

                assert_true(asprintf(&text, "[Rule r]\n%s\n", cases[i].rule) > 0);
                p = load_policy(text);
                assert_int_equal(p->n_rules, 1);
                bool m = rule_matches(&p->rules[0], &cases[i].object, cases[i].creator, &why);
                if (m != cases[i].matches || !why || !streq(why, cases[i].why))
                        print_error("case %zu: %d \"%s\"\n", i, m, strempty(why));
                assert_int_equal(m, cases[i].matches);
                assert_non_null(why);
                assert_string_equal(why, cases[i].why);
                /* The answer does not depend on asking why. */
                assert_int_equal(
                        rule_matches(&p->rules[0], &cases[i].object, cases[i].creator, NULL),
                        cases[i].matches);
        }
}

static void rule_matches_says_why_a_posix_matcher_fails(void **state) {
        static const struct {
                const char *rule;
                IpcObject object;
                bool matches;
                const char *why;
        } cases[] = {
                { "", PSHM(), false, "Kind: posix-shm is not selected" },
                { "Kind=posix-shm", PSEM(), false, "Kind: posix-sem is not selected" },
                { "Kind=all\nName=PostgreSQL.* fastrtps_*", PSHM(.name = (char *) "pulse-shm-1"),
                  false, "Name: \"pulse-shm-1\" matches none of PostgreSQL.* fastrtps_*" },
                /* A semaphore is named without its file's prefix. */
                { "Kind=all\nName=sem.*", PSEM(), false,
                  "Name: \"pg_lock\" matches none of sem.*" },
                { "Kind=all\nName=*", SHM(), false, "Name: a System V object has no name" },
                { "Kind=all\nKey=private", PMQ(), false, "Key: a POSIX object has no key" },
                { "Kind=all\nMinSize=1", PMQ(), false, "MinSize: 0B is below 1B" },
                { "Kind=posix-sem\nName=pg_*", PSEM(), true, "matches" },
                { "Kind=all", PMQ(), true, "matches" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL, *why = NULL;
                _cleanup_policy_free_ Policy *p = NULL;

                assert_true(asprintf(&text, "[Rule r]\n%s\n", cases[i].rule) > 0);
                p = load_policy(text);
                bool m = rule_matches(&p->rules[0], &cases[i].object, NULL, &why);
                if (m != cases[i].matches || !why || !streq(why, cases[i].why))
                        print_error("case %zu: %d \"%s\"\n", i, m, strempty(why));
                assert_int_equal(m, cases[i].matches);
                assert_non_null(why);
                assert_string_equal(why, cases[i].why);
                assert_int_equal(rule_matches(&p->rules[0], &cases[i].object, NULL, NULL),
                                 cases[i].matches);
        }
}

static void assert_reasons(const Verdict *v, const IpcObject *o, const Policy *p, int64_t now,
                           const char *const *want) {
        _cleanup_strv_free_ char **got = NULL;
        size_t n = 0;

        assert_int_equal(verdict_reasons(v, o, p, now, &got), 0);
        assert_non_null(got);
        while (want[n])
                n++;
        for (size_t i = 0; got[i] || i < n; i++) {
                if (i >= n || !got[i] || !streq(got[i], want[i]))
                        print_error("reason %zu: got \"%s\", expected \"%s\"\n", i,
                                    i < strv_length(got) ? got[i] : "(none)",
                                    i < n ? want[i] : "(none)");
                assert_true(i < n);
                assert_non_null(got[i]);
                assert_string_equal(got[i], want[i]);
        }
        assert_int_equal(strv_length(got), n);
}

static void verdict_reasons_describe_each_pending_reason(void **state) {
        _cleanup_policy_free_ Policy *p = load_policy("[Rule r]\nMinIdleSec=1h\n");
        IpcPid pids[] = { ALIVE(100), DEAD(200), ALIVE(300) };
        IpcObject one = SHM(.nattch = 1, .mode = 01600, .ctime = NOW - 1800),
                  many = SHM(.nattch = 3), sem1 = SEM(.sem_waiters = 1),
                  sem2 = SEM(.sem_waiters = 2), unreadable = SEM(.sem_details_error = EACCES);

        one.pids = pids;
        one.n_pids = ELEMENTSOF(pids);

        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_ATTACHED }, &one, p, NOW,
                       (const char *[]){ "attached by 1 process", NULL });
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_ATTACHED }, &many, p, NOW,
                       (const char *[]){ "attached by 3 processes", NULL });
        assert_reasons(
                &(Verdict){ OBJECT_IN_USE, -1, PENDING_DESTROY_MARKED }, &one, p, NOW,
                (const char *[]){ "marked for destruction: the kernel frees it at the last detach",
                                  NULL });
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_SEM_WAITERS }, &sem1, p, NOW,
                       (const char *[]){ "1 process waiting in semop", NULL });
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_SEM_WAITERS }, &sem2, p, NOW,
                       (const char *[]){ "2 processes waiting in semop", NULL });
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_SEM_UNREADABLE }, &unreadable, p, NOW,
                       (const char *[]){
                               "semaphore details unreadable (Permission denied): waiters unknown",
                               NULL });
        IpcWaiter waiters[] = { { 10, 10, false }, { 20, 21, true } };
        IpcObject queue = MSG(.waiters = waiters, .n_waiters = 2,
                              .waiters_unknown = (char *) "pid 5 tid 6: Permission denied");
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_MSG_WAITERS }, &queue, p, NOW,
                       (const char *[]){ "blocked on it: pid 10 thread 10 in msgrcv, pid 20 "
                                         "thread 21 in msgsnd",
                                         NULL });
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_MSG_WAITERS_UNKNOWN }, &queue, p, NOW,
                       (const char *[]){ "a thread that may wait on it cannot be read (pid 5 "
                                         "tid 6: Permission denied)",
                                         NULL });
        assert_reasons(&(Verdict){ OBJECT_IDLE, 0, PENDING_TOO_YOUNG }, &one, p, NOW,
                       (const char *[]){ "idle for 30min, rule needs 1h", NULL });
        assert_reasons(&(Verdict){ OBJECT_IDLE, 0, PENDING_PIDS_ALIVE }, &one, p, NOW,
                       (const char *[]){ "pid 100 300 alive", NULL });
        assert_reasons(&(Verdict){ OBJECT_IDLE, 0, PENDING_CREATOR_UNSEEN }, &one, p, NOW,
                       (const char *[]){
                               "creator pid unknown (another pid namespace): may be alive", NULL });
        assert_reasons(&(Verdict){ OBJECT_IDLE, 0, PENDING_OWNER_PROCESSES }, &one, p, NOW,
                       (const char *[]){ "owner uid 1000 has running processes", NULL });
        assert_reasons(&(Verdict){ OBJECT_IDLE, 0, PENDING_OWNER_PROCESSES_UNKNOWN }, &one, p, NOW,
                       (const char *[]){ "cannot tell whether owner uid 1000 has running processes",
                                         NULL });
        assert_reasons(&(Verdict){ OBJECT_ORPHAN, 0, 0 }, &one, p, NOW, (const char *[]){ NULL });
        assert_reasons(&(Verdict){ OBJECT_UNMATCHED, -1, 0 }, &one, p, NOW,
                       (const char *[]){ NULL });
}

static void verdict_reasons_keep_a_fixed_order(void **state) {
        _cleanup_policy_free_ Policy *p = load_policy("[Rule r]\nMinIdleSec=2d\n");
        IpcPid pids[] = { ALIVE(42) };
        IpcWaiter waiters[] = { { 3, 4, false } };
        IpcUser users[] = { { 5, true }, { 6, false } };
        IpcObject o = SHM(.nattch = 2, .mode = 01600, .sem_waiters = 1, .sem_details_error = ENOENT,
                          .ctime = NOW - 90000, .waiters = waiters, .n_waiters = 1,
                          .waiters_unknown = (char *) "why", .users = users, .n_users = 2,
                          .users_unknown = (char *) "pid 7: reading its maps: Permission denied");

        o.pids = pids;
        o.n_pids = 1;
        assert_reasons(&(Verdict){ OBJECT_IDLE, 0, ~0u }, &o, p, NOW,
                       (const char *[]){
                               "attached by 2 processes",
                               "marked for destruction: the kernel frees it at the last detach",
                               "1 process waiting in semop",
                               "semaphore details unreadable (No such file or directory): "
                               "waiters unknown",
                               "blocked on it: pid 3 thread 4 in msgrcv",
                               "a thread that may wait on it cannot be read (why)",
                               "mapped by pid 5, open in pid 6",
                               "a process that may map or hold it cannot be read (pid 7: reading "
                               "its maps: Permission denied)",
                               "idle for 1d 1h, rule needs 2d", "pid 42 alive",
                               "creator pid unknown (another pid namespace): may be alive",
                               "no pid recorded and uid 1000 has running processes: the creator "
                               "may be one",
                               "no pid recorded and the owner's processes cannot be told: the "
                               "creator may be alive",
                               "owner uid 1000 has running processes",
                               "cannot tell whether owner uid 1000 has running processes",
                               "Quarantine=yes: its contents cannot be copied (a queue needs "
                               "MSG_COPY, which this kernel lacks), so it is kept",
                               "Quarantine=yes: its copy does not fit in the quarantine store "
                               "(QuarantineMaxBytes, or the disk), so it is kept",
                               NULL });
}

static void walked_pids_are_counted_not_named_for_other_callers(void **state) {
        _cleanup_policy_free_ Policy *p = load_policy("[Rule r]\nMinIdleSec=0\n");
        _cleanup_strv_free_ char **hidden = NULL, **shown = NULL;
        IpcWaiter waiters[] = { { 10, 11, false } };
        IpcUser users[] = { { 20, true }, { 21, false } };
        IpcObject q = MSG(.waiters = waiters, .n_waiters = 1,
                          .waiters_unknown = (char *) "pid 30 tid 30: Permission denied");
        IpcObject f = SHM(.users = users, .n_users = 2,
                          .users_unknown = (char *) "pid 31: reading its maps: Permission denied");
        Verdict vq = { OBJECT_IN_USE, -1, PENDING_MSG_WAITERS | PENDING_MSG_WAITERS_UNKNOWN };
        Verdict vf = { OBJECT_IN_USE, -1, PENDING_FILE_USERS | PENDING_FILE_USERS_UNKNOWN };

        assert_int_equal(verdict_reasons_detail(&vq, &q, p, NOW, true, &hidden), 0);
        assert_string_equal(hidden[0], "1 thread blocked on it");
        assert_null(strstr(hidden[1], "30"));
        assert_int_equal(verdict_reasons_detail(&vq, &q, p, NOW, false, &shown), 0);
        assert_non_null(strstr(shown[0], "pid 10 thread 11"));
        assert_non_null(strstr(shown[1], "pid 30"));
        hidden = strv_free(hidden);
        assert_int_equal(verdict_reasons_detail(&vf, &f, p, NOW, true, &hidden), 0);
        assert_string_equal(hidden[0], "mapped or open in 2 processes");
        assert_null(strstr(hidden[1], "31"));
}

static void many_alive_pids_are_listed_within_bounds(void **state) {
        _cleanup_policy_free_ Policy *p = load_policy("[Rule r]\nMinIdleSec=0\n");
        _cleanup_strv_free_ char **reasons = NULL;
        IpcPid pids[500];
        IpcObject o = SEM(.nsems = 500);

        /* A large semaphore set records a pid per semaphore; the sentence stays short. */
        for (size_t i = 0; i < ELEMENTSOF(pids); i++)
                pids[i] = (IpcPid){ .pid = (pid_t) (4000000 + i), .alive = true };
        o.pids = pids;
        o.n_pids = ELEMENTSOF(pids);
        assert_int_equal(verdict_reasons(&(Verdict){ OBJECT_IDLE, 0, PENDING_PIDS_ALIVE }, &o, p,
                                         NOW, &reasons),
                         0);
        assert_int_equal(strv_length(reasons), 1);
        assert_true(strncmp(reasons[0], "pid 4000000 4000001 4000002 ", 28) == 0);
        assert_true(strlen(reasons[0]) < 300);
        assert_true(strlen(reasons[0]) > 200);
        assert_non_null(strstr(reasons[0], " alive"));
}

static void posix_users_and_owner_reasons_read_as_sentences(void **state) {
        _cleanup_policy_free_ Policy *p = load_policy("[Rule r]\nKind=all\nMinIdleSec=0\n");
        IpcUser users[100];
        IpcObject many = PSHM(.users = users, .n_users = ELEMENTSOF(users)),
                  one = PSEM(.users = users, .n_users = 1), unknown = PMQ(), owned = PSHM();
        _cleanup_strv_free_ char **reasons = NULL;

        for (size_t i = 0; i < ELEMENTSOF(users); i++)
                users[i] = (IpcUser){ .pid = (pid_t) (1000 + i), .mapped = i % 2 == 0 };
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_FILE_USERS }, &one, p, NOW,
                       (const char *[]){ "mapped by pid 1000", NULL });
        /* A file mapped by a hundred processes: the sentence stays short and says so. */
        assert_int_equal(verdict_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_FILE_USERS }, &many,
                                         p, NOW, &reasons),
                         0);
        assert_int_equal(strv_length(reasons), 1);
        assert_true(strncmp(reasons[0], "mapped by pid 1000, open in pid 1001, ", 38) == 0);
        assert_non_null(strstr(reasons[0], " more)"));
        assert_true(strlen(reasons[0]) < 300);
        /* The reason a process could not be read is lost only to memory shortage. */
        assert_reasons(&(Verdict){ OBJECT_IN_USE, -1, PENDING_FILE_USERS_UNKNOWN }, &unknown, p,
                       NOW,
                       (const char *[]){ "a process that may map or hold it cannot be read (out "
                                         "of memory)",
                                         NULL });
        assert_reasons(&(Verdict){ OBJECT_IDLE, 0, PENDING_NO_PIDS_OWNER_RUNNING }, &owned, p, NOW,
                       (const char *[]){ "no pid recorded and uid 1000 has running processes: "
                                         "the creator may be one",
                                         NULL });
}

static void evaluated_verdict_reads_back_as_sentences(void **state) {
        static const OwnerAnswer cannot_tell = OWNER_CANNOT_TELL;
        EvaluationContext ctx = { .now = NOW,
                                  .owner_has_processes = owner_answer,
                                  .userdata = (void *) &cannot_tell };
        _cleanup_policy_free_ Policy *p =
                load_policy("[Rule r]\nMinIdleSec=1d\nRequireNoOwnerProcesses=yes\n");
        IpcPid pids[] = { ALIVE(77) };
        IpcObject o = MSG(.rtime = NOW - 7200);
        Verdict v;

        o.pids = pids;
        o.n_pids = 1;
        v = policy_evaluate(p, &o, NULL, &ctx);
        assert_int_equal(v.state, OBJECT_IDLE);
        assert_reasons(&v, &o, p, NOW,
                       (const char *[]){ "idle for 2h, rule needs 1d", "pid 77 alive",
                                         "cannot tell whether owner uid 1000 has running processes",
                                         NULL });
}

/* ---- IPC namespaces: Namespace= and its default ---- */

/* The namespaces of these tests: the daemon's own made explicit, two containers and a plain
 * `unshare --ipc`. NULL, the fixtures' default, is the daemon's own too. */
typedef struct Namespaces {
        IpcNamespace *host, *docker, *machine, *plain;
} Namespaces;

static Namespaces namespaces_new(void) {
        Namespaces n = {
                .host = ipc_namespace_new(4026531839, 0, NULL, true),
                .docker = ipc_namespace_new(4026532000, 1, "docker-abc.scope", false),
                .machine = ipc_namespace_new(4026532001, 2, "machine-web.scope", false),
                .plain = ipc_namespace_new(4026532002, 3, "ipc-4026532002", false),
        };

        assert_non_null(n.host);
        assert_non_null(n.docker);
        assert_non_null(n.machine);
        assert_non_null(n.plain);
        return n;
}

static void namespaces_free(Namespaces *n) {
        ipc_namespace_unref(n->host);
        ipc_namespace_unref(n->docker);
        ipc_namespace_unref(n->machine);
        ipc_namespace_unref(n->plain);
}

static const EvaluationContext lenient_context = { .now = NOW };

static void a_rule_without_namespace_governs_only_the_host_namespace(void **state) {
        _cleanup_policy_free_ Policy *p = load_policy(LENIENT_ALL);
        Namespaces n = namespaces_new();
        IpcObject host[] = { SHM(), SHM(.ns = n.host), PMQ(.ns = n.host) };
        IpcObject containers[] = { SHM(.ns = n.docker), MSG(.ns = n.machine), SEM(.ns = n.plain),
                                   PSHM(.ns = n.docker) };

        for (size_t i = 0; i < ELEMENTSOF(host); i++) {
                Verdict v = policy_evaluate(p, &host[i], NULL, &lenient_context);
                assert_int_equal(v.state, OBJECT_ORPHAN);
                assert_int_equal(v.rule, 0);
        }
        /* An orphan in a container is listed, not reaped: no rule names its namespace. */
        for (size_t i = 0; i < ELEMENTSOF(containers); i++) {
                Verdict v = policy_evaluate(p, &containers[i], NULL, &lenient_context);
                assert_int_equal(v.state, OBJECT_UNMATCHED);
                assert_int_equal(v.rule, -1);
                assert_int_equal(v.pending, 0);
        }
        namespaces_free(&n);
}

static void namespace_globs_choose_the_namespaces_a_rule_governs(void **state) {
        Namespaces n = namespaces_new();
        const struct {
                const char *globs;
                IpcNamespace *ns;
                bool matches;
        } cases[] = {
                { "docker-*", n.docker, true },
                { "docker-*", n.machine, false },
                { "docker-*", n.host, false },
                { "docker-*", NULL, false },
                { "*", n.docker, true },
                { "*", n.machine, true },
                { "*", n.plain, true },
                { "*", n.host, true },
                { "*", NULL, true },
                { "host", n.host, true },
                { "host", NULL, true },
                { "host", n.docker, false },
                { "host", n.plain, false },
                { "machine-*.scope", n.machine, true },
                { "machine-*.scope", n.docker, false },
                { "machine-*.scope", n.host, false },
                { "machine-*.slice", n.machine, false },
                { "ipc-[0-9]*", n.plain, true },
                { "ipc-[0-9]*", n.docker, false },
                { "docker-abc.scope", n.docker, true },
                { "docker-abc", n.docker, false }, /* a glob matches the whole name */
                { "h*", n.host, true },
                { "h*", n.docker, false },
                { "host docker-*", n.host, true },
                { "host docker-*", n.docker, true },
                { "host docker-*", n.machine, false },
                { "libpod-* machine-*", n.machine, true },
                { "[!h]*", n.docker, true },
                { "[!h]*", n.host, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL;
                _cleanup_policy_free_ Policy *p = NULL;
                IpcObject o = SHM(.ns = cases[i].ns);
                bool m;

                assert_true(asprintf(&text, "[Rule r]\nNamespace=%s\n", cases[i].globs) > 0);
                p = load_policy(text);
                m = rule_matches(&p->rules[0], &o, NULL, NULL);
                if (m != cases[i].matches)
                        print_error("Namespace=%s on %s: %d\n", cases[i].globs,
                                    ipc_object_namespace_name(&o), m);
                assert_int_equal(m, cases[i].matches);
        }
        namespaces_free(&n);
}

static void a_container_object_goes_to_the_first_rule_that_names_its_namespace(void **state) {
        _cleanup_policy_free_ Policy *p =
                load_policy("[Rule host-users]\nOwner=1000\nMinIdleSec=0\nRequireDeadPids=no\n"
                            "[Rule databases]\nNamespace=machine-*.scope\nAction=keep\n"
                            "[Rule containers]\nNamespace=*\nAction=report\nMinIdleSec=0\n"
                            "RequireDeadPids=no\n");
        Namespaces n = namespaces_new();
        IpcObject host = SHM(), docker = SHM(.ns = n.docker), machine = SHM(.ns = n.machine),
                  attached = SHM(.ns = n.docker, .nattch = 1);
        Verdict v;

        v = policy_evaluate(p, &host, NULL, &lenient_context);
        assert_int_equal(v.state, OBJECT_ORPHAN);
        assert_string_equal(p->rules[v.rule].name, "host-users");
        v = policy_evaluate(p, &machine, NULL, &lenient_context);
        assert_int_equal(v.state, OBJECT_PROTECTED);
        assert_string_equal(p->rules[v.rule].name, "databases");
        v = policy_evaluate(p, &docker, NULL, &lenient_context);
        assert_int_equal(v.state, OBJECT_ORPHAN);
        assert_string_equal(p->rules[v.rule].name, "containers");
        /* In use is in use, in a container as on the host, whatever rule names it. */
        v = policy_evaluate(p, &attached, NULL, &lenient_context);
        assert_int_equal(v.state, OBJECT_IN_USE);
        assert_int_equal(v.pending, PENDING_ATTACHED);
        namespaces_free(&n);
}

static void rule_matches_says_why_the_namespace_does_not_match(void **state) {
        Namespaces n = namespaces_new();
        const struct {
                const char *rule;
                IpcObject object;
                bool matches;
                const char *why;
        } cases[] = {
                { "", SHM(.ns = n.docker), false,
                  "no Namespace=: applies to the host namespace only, not to docker-abc.scope" },
                { "Kind=all\nName=PostgreSQL.*", PSHM(.ns = n.plain), false,
                  "no Namespace=: applies to the host namespace only, not to ipc-4026532002" },
                { "Namespace=machine-*.scope", SHM(.ns = n.docker), false,
                  "Namespace= does not match docker-abc.scope (it lists machine-*.scope)" },
                { "Namespace=docker-*\nNamespace=libpod-*", SHM(.ns = n.host), false,
                  "Namespace= does not match host (it lists docker-* libpod-*)" },
                { "Namespace=docker-*", SHM(), false,
                  "Namespace= does not match host (it lists docker-*)" },
                /* Kind is checked first, the namespace before the other matchers. */
                { "Kind=sem", SHM(.ns = n.docker), false, "Kind: shm is not selected" },
                { "Owner=0", SHM(.ns = n.docker), false,
                  "no Namespace=: applies to the host namespace only, not to docker-abc.scope" },
                { "Namespace=docker-*\nOwner=0", SHM(.ns = n.docker), false,
                  "Owner: uid 1000 is not in 0" },
                { "Namespace=docker-*", SHM(.ns = n.docker), true, "matches" },
                { "Namespace=*", SHM(.ns = n.host), true, "matches" },
                { "", SHM(.ns = n.host), true, "matches" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL, *why = NULL;
                _cleanup_policy_free_ Policy *p = NULL;
                bool m;

                assert_true(asprintf(&text, "[Rule r]\n%s\n", cases[i].rule) > 0);
                p = load_policy(text);
                m = rule_matches(&p->rules[0], &cases[i].object, NULL, &why);
                if (m != cases[i].matches || !why || !streq(why, cases[i].why))
                        print_error("case %zu: %d \"%s\"\n", i, m, strempty(why));
                assert_int_equal(m, cases[i].matches);
                assert_non_null(why);
                assert_string_equal(why, cases[i].why);
                assert_int_equal(rule_matches(&p->rules[0], &cases[i].object, NULL, NULL),
                                 cases[i].matches);
        }
        namespaces_free(&n);
}

int main(void) {
        static const struct CMUnitTest others[] = {
                cmocka_unit_test(owner_processes_are_asked_only_when_the_rule_requires_it),
                cmocka_unit_test(idle_time_is_zero_when_the_clock_is_before_the_last_activity),
                cmocka_unit_test(in_use_test_reports_the_reasons_of_each_kind),
                cmocka_unit_test(rule_matches_says_why_a_matcher_fails),
                cmocka_unit_test(verdict_reasons_describe_each_pending_reason),
                cmocka_unit_test(verdict_reasons_keep_a_fixed_order),
                cmocka_unit_test(many_alive_pids_are_listed_within_bounds),
                cmocka_unit_test(walked_pids_are_counted_not_named_for_other_callers),
                cmocka_unit_test(evaluated_verdict_reads_back_as_sentences),
                cmocka_unit_test(rule_matches_says_why_a_posix_matcher_fails),
                cmocka_unit_test(posix_users_and_owner_reasons_read_as_sentences),
                cmocka_unit_test(a_rule_without_namespace_governs_only_the_host_namespace),
                cmocka_unit_test(namespace_globs_choose_the_namespaces_a_rule_governs),
                cmocka_unit_test(
                        a_container_object_goes_to_the_first_rule_that_names_its_namespace),
                cmocka_unit_test(rule_matches_says_why_the_namespace_does_not_match),
        };
        struct CMUnitTest tests[ELEMENTSOF(verdict_cases) + ELEMENTSOF(others)];
        size_t n = 0;

        /* One test per case, named for the behaviour it pins down. */
        for (size_t i = 0; i < ELEMENTSOF(verdict_cases); i++)
                tests[n++] = (struct CMUnitTest){ .name = verdict_cases[i].name,
                                                  .test_func = verdict_is_what_the_case_says,
                                                  .initial_state = (void *) &verdict_cases[i] };
        for (size_t i = 0; i < ELEMENTSOF(others); i++)
                tests[n++] = others[i];
        return _cmocka_run_group_tests("test-evaluate", tests, n, NULL, NULL);
}
