/* SPDX-License-Identifier: MIT */
/* ipcreapd: options, policy loading, and either one pass (--once) or the daemon's loop. */
#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
#include "metrics.h"
#include "policy.h"
#include "quarantine-store.h"
#include "scan.h"
#include "strv.h"
#include "tracker.h"

static const char *arg_config = POLICY_DEFAULT_PATH;
static PolicyOverrides arg_overrides;
static bool arg_once;
static bool arg_check_config;

static void help(void) {
        printf("ipcreapd [OPTIONS...]\n\n"
               "Finds System V IPC objects that their programs leaked and removes them\n"
               "according to the policy.\n\n"
               "  -c --config FILE       Policy file (default %s, plus FILE.d/*.conf)\n"
               "  -s --socket PATH       Control socket (overrides Socket=)\n"
               "  -S --state-dir DIR     State directory (overrides StateDirectory=)\n"
               "  -n --dry-run           Report orphans, never remove (overrides DryRun=)\n"
               "     --once              One scan-and-reap pass, print a summary, exit\n"
               "     --check-config      Validate the policy, print the effective rules, exit\n"
               "     --log-level LEVEL   debug, info, notice, warning, err (default info)\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n\n"
               "See ipcreapd(8) and ipcreap.conf(5).\n",
               POLICY_DEFAULT_PATH);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_ONCE = 0x100, ARG_CHECK_CONFIG, ARG_LOG_LEVEL, ARG_VERSION };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "socket", required_argument, NULL, 's' },
                { "state-dir", required_argument, NULL, 'S' },
                { "dry-run", no_argument, NULL, 'n' },
                { "once", no_argument, NULL, ARG_ONCE },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c, level;

        while ((c = getopt_long(argc, argv, "c:s:S:nh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case 's':
                        arg_overrides.socket = optarg;
                        break;
                case 'S':
                        arg_overrides.state_directory = optarg;
                        break;
                case 'n':
                        arg_overrides.dry_run = true;
                        break;
                case ARG_ONCE:
                        arg_once = true;
                        break;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
                        break;
                case ARG_LOG_LEVEL:
                        level = log_parse_level(optarg);
                        if (level < 0) {
                                fprintf(stderr,
                                        "ipcreapd: unknown log level \"%s\" (use debug, "
                                        "info, notice, warning or err)\n",
                                        optarg);
                                return -EINVAL;
                        }
                        log_set_level(level);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("ipcreapd " IPCREAP_VERSION "\n");
                        return 0;
                default:
                        fprintf(stderr, "Try 'ipcreapd --help'.\n");
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "ipcreapd: unexpected argument \"%s\"; try 'ipcreapd --help'.\n",
                        argv[optind]);
                return -EINVAL;
        }
        if (arg_once && arg_check_config) {
                fprintf(stderr, "ipcreapd: --once and --check-config exclude each other.\n");
                return -EINVAL;
        }
        return 1;
}

static int check_config(void) {
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_policy_free_ Policy *p = NULL;
        int r;

        r = policy_load(arg_config, &p, &errors);
        if (r == -EINVAL) {
                for (char **e = errors; *e; e++)
                        fprintf(stderr, "%s\n", *e);
                return r;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to load policy %s: %m", arg_config);
        if (policy_apply_overrides(p, &arg_overrides) < 0)
                return log_oom();
        policy_print(p, stdout);
        _cleanup_strv_free_ char **warnings = NULL;
        if (policy_warnings(p, &warnings) >= 0)
                for (char **w = warnings; w && *w; w++)
                        fprintf(stderr, "%s\n", *w);
        return 0;
}

static int run_once(Policy *p) {
        const char *dir = p->daemon.state_directory;
        ScanOptions opt = { .procfs = "/proc",
                            .dry_run = p->daemon.dry_run,
                            .announce_every_pass = true };
        ScanResult res;
        Tracker tracker;
        char summary[256];
        bool persist;
        int r;

        tracker_init(&tracker, p->daemon.history_size);
        persist = tracker_prepare_directory(dir) >= 0;
        if (persist)
                (void) tracker_load(&tracker, dir);
        /* Without it, Quarantine=yes rules keep their orphans. */
        _cleanup_(quarantine_store_freep) QuarantineStore *store = NULL;
        if (persist && quarantine_store_open(dir, p->daemon.quarantine_max_bytes,
                                             p->daemon.quarantine_keep_sec, &store) >= 0)
                opt.quarantine = store;

        r = scan_run(p, &tracker, &opt, &res);
        if (r >= 0) {
                scan_result_summary(&res, summary, sizeof(summary));
                printf("%s\n", summary);
                fflush(stdout);
                if (persist)
                        (void) tracker_save(&tracker, dir);
                if (p->daemon.metrics_file) {
                        _cleanup_free_ char *text = NULL;
                        if (metrics_format(&res, &tracker, &text) >= 0)
                                (void) metrics_write_file(p->daemon.metrics_file, text);
                }
                scan_result_done(&res);
        }
        tracker_done(&tracker);
        return r;
}

int main(int argc, char *argv[]) {
        _cleanup_policy_free_ Policy *policy = NULL;
        int r;

        log_setup("ipcreapd");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? (r == -EINVAL ? 2 : 1) : 0;

        if (arg_check_config)
                return check_config() < 0 ? 1 : 0;

        r = manager_load_policy(arg_config, &arg_overrides, false, &policy, NULL);
        if (r < 0)
                return 1;

        if (arg_once) {
                /* A pass may log one line per object: write them in blocks, not one
                 * write(2) each. */
                static char buffer[64 * 1024];
                fflush(stderr);
                (void) setvbuf(stderr, buffer, _IOFBF, sizeof(buffer));
                r = run_once(policy);
                fflush(stderr);
                return r < 0 ? 1 : 0;
        }

        /* A quarantine batch holds two descriptors per object (up to 4,096 objects) and a pass
         * one per namespace: the soft limit of 1024 systemd gives services is too few. */
        struct rlimit nofile;
        if (getrlimit(RLIMIT_NOFILE, &nofile) >= 0 && nofile.rlim_cur < nofile.rlim_max) {
                nofile.rlim_cur = nofile.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &nofile);
        }
        r = manager_run(TAKE_PTR(policy), arg_config, &arg_overrides);
        return r < 0 ? 1 : 0;
}
