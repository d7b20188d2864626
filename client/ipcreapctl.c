/* SPDX-License-Identifier: MIT */
/* ipcreapctl: asks ipcreapd what it sees and why, triggers scans, reloads and simulations,
 * and checks policy files offline. */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

#include "macro.h"
#include "output.h"
#include "parse-util.h"
#include "policy.h"
#include "strv.h"
#include "table.h"
#include "varlink-client.h"
#include "varlink.h"

/* Exit codes of SPEC section 5. */
#define EXIT_DAEMON_SAID_NO 1
#define EXIT_USAGE          2
#define EXIT_UNREACHABLE    3

/* How long to wait for the daemon to accept, take the request and start replying; 0 waits
 * for ever. */
#define DEFAULT_TIMEOUT_USEC (30 * 1000000ULL)
#define TIMEOUT_ENV          "IPCREAPCTL_TIMEOUT"

static const char *arg_socket = POLICY_DEFAULT_SOCKET;
static uint64_t arg_timeout_usec = DEFAULT_TIMEOUT_USEC;
static bool arg_json;
static bool arg_no_pager;
static const char *arg_kind;
static const char *arg_state;
static long long arg_lines = -1;
static bool arg_dry_run;
/* list, in the style of lsipc */
static const char *arg_output;
static const char *arg_sort;
static const char *arg_owner;
static bool arg_owner_set;
static uint32_t arg_owner_uid;
static bool arg_no_headings;
static bool arg_raw;
/* list and explain */
static const char *arg_namespace;

static pid_t pager_pid;
/* Set when writing our own output failed (a closed pipe), which is not the daemon's fault. */
static bool output_failed;

static void help(void) {
        printf("ipcreapctl [OPTIONS...] COMMAND ...\n\n"
               "Query and control ipcreapd, the System V IPC reaper.\n\n"
               "Commands:\n"
               "  status                       The daemon's state, last scan, limits\n"
               "  list [--kind K] [--state S]  Table of objects\n"
               "  explain KIND ID|NAME         Why an object is kept or reaped\n"
               "  history [-n N]               Past removals, newest first\n"
               "  scan [--dry-run]             Run a pass now\n"
               "  reload                       Reload the policy\n"
               "  simulate FILE                What a candidate policy would do to today's "
               "objects\n"
               "  check-config [FILE]          Validate a policy offline (no daemon needed)\n"
               "  metrics                      Prometheus text\n"
               "  quarantine                   Objects kept in the quarantine\n"
               "  restore QID                  Bring a quarantined object back\n\n"
               "Options:\n"
               "     --socket PATH   The daemon's socket (default %s)\n"
               "     --json          Print the reply as one JSON document\n"
               "     --no-pager      Do not pipe tables into a pager\n"
               "     --timeout SEC   Give up when the daemon does not answer within SEC\n"
               "                     seconds (default 30, 0 waits for ever; or $" TIMEOUT_ENV ")\n"
               "  -h --help          Show this help\n"
               "     --version       Show the version\n\n"
               "Options of list (in the style of lsipc):\n"
               "     --kind KIND         Only objects of this kind\n"
               "     --state STATE       Only objects in this state\n"
               "     --owner USER        Only objects owned by USER (a name or a uid)\n"
               "     --namespace NAME    Only objects of this IPC namespace: \"host\" or a\n"
               "                         container's, as 'status' names them\n"
               "  -o --output COLUMNS    The columns to show, comma-separated, in any case;\n"
               "                         +COLUMNS adds them to the default ones\n"
               "     --sort COLUMN       Order the rows by COLUMN\n"
               "  -n --noheadings        No header line (and no count below the table)\n"
               "     --raw               No alignment: one space between cells, blanks and\n"
               "                         control characters in a cell as \\xHH\n"
               "Options of explain, history and scan:\n"
               "     --namespace NAME    explain: the object's IPC namespace (default host)\n"
               "  -n --lines N           history: only the N newest removals\n"
               "     --dry-run           scan: judge, remove nothing\n\n",
               POLICY_DEFAULT_SOCKET);
        /* The names below come from the code, so they are always the current ones; the bash
         * completion reads them from here. */
        printf("Kinds:");
        for (IpcKind k = 0; k < _IPC_KIND_MAX; k++)
                printf(" %s", ipc_kind_to_string(k));
        printf("\nStates:");
        for (ObjectState st = 0; st < _OBJECT_STATE_MAX; st++)
                printf(" %s", object_state_to_string(st));
        printf("\nColumns (default " LIST_DEFAULT_COLUMNS "):\n");
        for (ListColumn c = 0; c < _COL_MAX; c++) {
                const char *h = list_column_info[c].header;
                printf("  %-12s %s\n", h + (h[0] == '>'), list_column_info[c].help);
        }
        printf("\nExit status: 0 success, 1 the daemon said no or failed, 2 usage error,\n"
               "3 daemon not reachable. See ipcreapctl(1).\n");
}

static int usage_error(const char *format, ...) _printf_(1, 2);
static int usage_error(const char *format, ...) {
        va_list ap;

        fputs("ipcreapctl: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputs(" Try 'ipcreapctl --help'.\n", stderr);
        return EXIT_USAGE;
}

/* ---- pager: long tables go through less on a terminal, as in systemctl ---- */

static void pager_open(void) {
        const char *pager = getenv("SYSTEMD_PAGER");
        int fds[2];

        if (arg_no_pager || arg_json || !isatty(STDOUT_FILENO))
                return;
        if (!pager)
                pager = getenv("PAGER");
        if (!pager)
                pager = "less";
        if (!*pager || streq(pager, "cat"))
                return;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        fflush(stdout);
        pager_pid = fork();
        if (pager_pid < 0) {
                close(fds[0]);
                close(fds[1]);
                pager_pid = 0;
                return;
        }
        if (pager_pid == 0) {
                dup2(fds[0], STDIN_FILENO);
                setenv("LESS", "FRSXMK", 0);
                execlp("sh", "sh", "-c", pager, (char *) NULL);
                _exit(EXIT_FAILURE);
        }
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
}

static void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        fclose(stdout);
        (void) waitpid(pager_pid, NULL, 0);
}

/* ---- talking to the daemon ---- */

static int print_daemon_error(const char *command, const VarlinkError *e) {
        const char *name = e->name;

        if (streq(name, VARLINK_ERROR_TOO_MANY_CONNECTIONS)) {
                const char *scope = "?";
                json_int_t limit = -1;
                (void) json_unpack(e->parameters, "{s?s, s?I}", "scope", &scope, "limit", &limit);
                if (streq(scope, "user"))
                        fprintf(stderr,
                                "ipcreapctl: ipcreapd refused the connection: uid %u already has "
                                "%" JSON_INTEGER_FORMAT " connections open (TooManyConnections). "
                                "Close some and try again.\n",
                                (unsigned) getuid(), limit);
                else
                        fprintf(stderr,
                                "ipcreapctl: ipcreapd refused the connection: the "
                                "%" JSON_INTEGER_FORMAT
                                " connections open to users are taken (TooManyConnections). "
                                "Try again later, or as root.\n",
                                limit);
        } else if (streq(name, VARLINK_ERROR_NOT_READY)) {
                const char *msg = "no scan has completed yet";
                (void) json_unpack(e->parameters, "{s?s}", "message", &msg);
                fprintf(stderr,
                        "ipcreapctl: ipcreapd is not ready: %s; try again in a few seconds "
                        "('ipcreapctl status' shows its last scan).\n",
                        msg);
        } else if (streq(name, VARLINK_ERROR_PERMISSION_DENIED))
                fprintf(stderr,
                        "ipcreapctl: permission denied: '%s' needs root or membership in "
                        "the AdminGroup= of ipcreap.conf.\n",
                        command);
        else if (streq(name, VARLINK_ERROR_NO_SUCH_OBJECT)) {
                const char *kind = "?", *obj_name = NULL, *ns = arg_namespace;
                json_int_t id = -1;
                char where[256];
                (void) json_unpack(e->parameters, "{s?s, s?I, s?s, s?s}", "kind", &kind, "id", &id,
                                   "name", &obj_name, "namespace", &ns);
                /* Without --namespace the daemon looked in the host namespace only. */
                snprintf(where, sizeof(where), " in namespace %s", ns ? ns : NAMESPACE_HOST);
                if (obj_name)
                        fprintf(stderr,
                                "ipcreapctl: the daemon knows no %s named \"%s\"%s (as of its "
                                "last scan); see 'ipcreapctl list'.\n",
                                kind, obj_name, where);
                else
                        fprintf(stderr,
                                "ipcreapctl: the daemon knows no %s with id %" JSON_INTEGER_FORMAT
                                "%s (as of its last scan); see 'ipcreapctl list'.\n",
                                kind, id, where);
        } else if (streq(name, VARLINK_INTERFACE ".QuarantineNotFound") ||
                   streq(name, VARLINK_INTERFACE ".KeyInUse") ||
                   streq(name, VARLINK_INTERFACE ".NamespaceGone")) {
                const char *qid = "?";
                (void) json_unpack(e->parameters, "{s?s}", "quarantineId", &qid);
                if (streq(name, VARLINK_INTERFACE ".QuarantineNotFound"))
                        fprintf(stderr,
                                "ipcreapctl: no quarantine entry %s (restored or expired?); "
                                "see 'ipcreapctl quarantine'.\n",
                                qid);
                else if (streq(name, VARLINK_INTERFACE ".KeyInUse"))
                        fprintf(stderr,
                                "ipcreapctl: cannot restore %s: an object with its key or name "
                                "exists now; nothing was changed. Remove that one first.\n",
                                qid);
                else
                        fprintf(stderr,
                                "ipcreapctl: cannot restore %s: its IPC namespace (container) is "
                                "gone; it is never restored into another one.\n",
                                qid);
        } else if (streq(name, VARLINK_ERROR_INVALID_CONFIG)) {
                json_t *errors = json_object_get(e->parameters, "errors"), *v;
                size_t i;
                json_array_foreach(errors, i, v)
                        fprintf(stderr, "%s\n", json_string_value(v) ? json_string_value(v) : "?");
                fprintf(stderr, "ipcreapctl: the policy is invalid; %s.\n",
                        streq(command, "reload") ? "the daemon keeps running the old one"
                                                 : "fix it and try again");
        } else if (streq(name, VARLINK_ERROR_INVALID_PARAMETER)) {
                const char *p = "?";
                (void) json_unpack(e->parameters, "{s?s}", "parameter", &p);
                fprintf(stderr, "ipcreapctl: the daemon refused parameter '%s'.\n", p);
        } else if (streq(name, VARLINK_ERROR_METHOD_NOT_FOUND) ||
                   streq(name, VARLINK_ERROR_INTERFACE_NOT_FOUND))
                fprintf(stderr,
                        "ipcreapctl: the daemon does not know '%s'; is it an older "
                        "version than this client?\n",
                        command);
        else {
                _cleanup_free_ char *p = json_dumps(e->parameters, JSON_COMPACT);
                fprintf(stderr, "ipcreapctl: %s failed: %s %s\n", command, name, strempty(p));
        }
        return EXIT_DAEMON_SAID_NO;
}

static char *format_timeout(char *buf, size_t size) {
        snprintf(buf, size, "%.3g s", (double) arg_timeout_usec / 1e6);
        return buf;
}

/* "30", "2.5", "1min", "infinity"; 0 and "infinity" wait for ever. */
static int parse_timeout(const char *s, uint64_t *ret) {
        uint64_t sec;
        char *end;
        double d;

        if (streq(s, "infinity")) {
                *ret = 0;
                return 0;
        }
        errno = 0;
        d = strtod(s, &end);
        if (end != s && *end == 0 && errno == 0) {
                if (!(d >= 0 && d < 1e9))
                        return -ERANGE;
                *ret = (uint64_t) (d * 1e6 + 0.5);
                return 0;
        }
        if (parse_timespan_sec(s, &sec) < 0 || sec >= UINT64_MAX / 1000000)
                return -EINVAL;
        *ret = sec * 1000000;
        return 0;
}

/* Calls method and maps every failure to an exit code with a one-line message. */
static int call_daemon(const char *command, const char *method, json_t *parameters, bool more,
                       ReplyCallback callback, void *userdata) {
        VarlinkError error = { 0 };
        _cleanup_close_ int fd = -1;
        char timeout[32];
        int r;

        fd = varlink_connect_timeout(arg_socket, arg_timeout_usec);
        if (fd == -ETIMEDOUT) {
                json_decref(parameters);
                fprintf(stderr,
                        "ipcreapctl: ipcreapd at %s did not accept the connection within %s; it "
                        "is overloaded or hung. Try again, or wait longer with --timeout.\n",
                        arg_socket, format_timeout(timeout, sizeof(timeout)));
                return EXIT_UNREACHABLE;
        }
        if (fd < 0) {
                json_decref(parameters);
                fprintf(stderr,
                        "ipcreapctl: cannot reach ipcreapd at %s: %s. Is it running? "
                        "Start it with 'systemctl start ipcreapd.socket'.\n",
                        arg_socket, strerror(-fd));
                return EXIT_UNREACHABLE;
        }
        r = varlink_client_call(fd, method, parameters, more, callback, userdata, &error);
        if (r < 0 && output_failed) {
                fprintf(stderr, "ipcreapctl: cannot write the output: %s.\n", strerror(-r));
                return EXIT_DAEMON_SAID_NO;
        }
        if (r == -ETIMEDOUT) {
                fprintf(stderr,
                        "ipcreapctl: no reply from ipcreapd at %s within %s; it is overloaded or "
                        "hung. Try again, or wait longer with --timeout.\n",
                        arg_socket, format_timeout(timeout, sizeof(timeout)));
                return EXIT_UNREACHABLE;
        }
        if (r < 0) {
                fprintf(stderr, "ipcreapctl: lost the connection to ipcreapd at %s: %s.\n",
                        arg_socket, strerror(-r));
                return EXIT_UNREACHABLE;
        }
        if (r > 0) {
                r = print_daemon_error(command, &error);
                varlink_error_done(&error);
                return r;
        }
        return 0;
}

static int output_error(void) {
        output_failed = true;
        return errno > 0 ? -errno : -EIO;
}

static int print_json(json_t *parameters, void *userdata) {
        if (json_dumpf(parameters, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF ||
            fflush(stdout) == EOF)
                return output_error();
        return 0;
}

static int keep_reply(json_t *parameters, void *userdata) {
        json_t **ret = userdata;
        *ret = json_incref(parameters);
        return 0;
}

/* ---- status ---- */

static int command_status(void) {
        json_t *reply = NULL;
        int r;

        r = call_daemon("status", VARLINK_INTERFACE ".GetStatus", NULL, false,
                        arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;
        status_print(stdout, reply, time(NULL));
        json_decref(reply);
        return 0;
}

/* ---- list ---- */

typedef struct ListContext {
        Table *table;
        size_t n;
        int64_t now;
} ListContext;

static bool list_wanted(json_t *o) {
        /* Also here, for a daemon that ignores the namespace parameter. */
        if (arg_namespace && !streq(reply_namespace(o), arg_namespace))
                return false;
        return !arg_owner_set || (uint32_t) reply_int(o, "ownerUid") == arg_owner_uid;
}

static int list_reply(json_t *parameters, void *userdata) {
        ListContext *ctx = userdata;
        json_t *objects = json_object_get(parameters, "objects"), *o;
        size_t i;

        json_array_foreach(objects, i, o) {
                if (!list_wanted(o))
                        continue;
                if (arg_json) {
                        /* Streamed replies are stitched into the one document of List; it
                         * opens with the first reply, so a failed call prints nothing. */
                        if (fputs(ctx->n++ ? "," : "{\"objects\":[", stdout) == EOF ||
                            json_dumpf(o, stdout, JSON_COMPACT) < 0)
                                return output_error();
                } else if (list_table_add_object(ctx->table, o) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The columns -o asks for ("+COLUMNS": the default ones and these), and the --sort column,
 * checked before the daemon is asked. */
static int list_parse_columns(const Table *t, size_t **ret, size_t *ret_n, int *ret_sort) {
        _cleanup_free_ char *spec = NULL, *bad = NULL;
        int r;

        if (!arg_output)
                spec = strdup(LIST_DEFAULT_COLUMNS);
        else if (arg_output[0] == '+') {
                if (asprintf(&spec, LIST_DEFAULT_COLUMNS ",%s", arg_output + 1) < 0)
                        spec = NULL;
        } else
                spec = strdup(arg_output);
        if (!spec)
                return -ENOMEM;
        r = table_parse_columns(t, spec, ret, ret_n, &bad);
        if (r == -ENOENT)
                return -usage_error(
                        "unknown column \"%s\" for -o (the columns are at the end of --help).",
                        bad);
        if (r == -EINVAL)
                return -usage_error("-o needs column names separated by commas, as in "
                                    "-o ID,OWNER,STATE.");
        if (r < 0)
                return r;
        *ret_sort = -1;
        if (arg_sort) {
                *ret_sort = table_find_column(t, arg_sort);
                if (*ret_sort < 0)
                        return -usage_error("unknown column \"%s\" for --sort (the columns are at "
                                            "the end of --help).",
                                            arg_sort);
        }
        return 0;
}

/* The object fields the table's columns (and the sort column) show: List sends only
 * those, which is most of what makes a table of 100,000 objects fast. */
static char *list_fields(const size_t *columns, size_t n_columns, int sort) {
        static const char *const fields[_COL_MAX] = {
                [COL_KIND] = "kind",       [COL_ID] = "id",
                [COL_KEY] = "key",         [COL_NAME] = "name",
                [COL_OWNER] = "ownerUid",  [COL_UID] = "ownerUid",
                [COL_GROUP] = "ownerGid",  [COL_GID] = "ownerGid",
                [COL_PERMS] = "mode",      [COL_SIZE] = "size",
                [COL_NATTCH] = "nattch",   [COL_NSEMS] = "nsems",
                [COL_MSGS] = "messages",   [COL_IDLE] = "idleSec",
                [COL_STATE] = "state",     [COL_RULE] = "rule",
                [COL_CREATOR] = "creator", [COL_CPID] = "creator",
                [COL_UNIT] = "creator",    [COL_FIRST_SEEN] = "firstSeen",
                [COL_PENDING] = "pending", [COL_NAMESPACE] = "namespace",
        };
        /* What every row needs whatever is shown: the filters and the NAMESPACE column. */
        _cleanup_free_ char *s = strdup("kind,name,namespace,ownerUid");

        for (size_t i = 0; s && i <= n_columns; i++) {
                int c = i < n_columns ? (int) columns[i] : sort;
                char *t;
                if (c < 0 || c >= _COL_MAX || !fields[c])
                        continue;
                if (asprintf(&t, "%s,%s", s, fields[c]) < 0)
                        return NULL;
                free(s);
                s = t;
        }
        return TAKE_PTR(s);
}

static int command_list(void) {
        ListContext ctx = { .now = time(NULL) };
        _cleanup_free_ size_t *columns = NULL;
        size_t n_columns = 0;
        int sort = -1;
        json_t *params;
        int r;

        if (!arg_json) {
                ctx.table = list_table_new();
                if (!ctx.table)
                        return -ENOMEM;
                /* -ENOMEM, or -EXIT_USAGE with the message given */
                r = list_parse_columns(ctx.table, &columns, &n_columns, &sort);
                if (r < 0) {
                        table_free(ctx.table);
                        return r == -ENOMEM ? r : -r;
                }
        }
        params = json_object();
        if (!params) {
                table_free(ctx.table);
                return -ENOMEM;
        }
        if (arg_kind)
                json_object_set_new(params, "kind", json_string(arg_kind));
        if (arg_state)
                json_object_set_new(params, "state", json_string(arg_state));
        if (arg_namespace)
                json_object_set_new(params, "namespace", json_string(arg_namespace));
        if (!arg_json) {
                _cleanup_free_ char *fields = list_fields(columns, n_columns, sort);
                if (!fields) {
                        json_decref(params);
                        table_free(ctx.table);
                        return -ENOMEM;
                }
                json_object_set_new(params, "fields", json_string(fields));
        }

        r = call_daemon("list", VARLINK_INTERFACE ".List", params, true, list_reply, &ctx);
        if (arg_json) {
                if (r == 0 && (fputs(ctx.n ? "]}\n" : "{\"objects\":[]}\n", stdout) == EOF ||
                               fflush(stdout) == EOF)) {
                        fprintf(stderr, "ipcreapctl: cannot write the output: %m.\n");
                        return EXIT_DAEMON_SAID_NO;
                }
                return r;
        }
        /* The default columns (also when +COLUMNS extends them) gain NAMESPACE when a
         * container's object is listed; an explicit -o list is taken as it is. */
        if (r == 0 && (!arg_output || arg_output[0] == '+')) {
                size_t *with_namespace = NULL;
                r = namespace_columns(ctx.table, COL_NAMESPACE, columns, n_columns, &with_namespace,
                                      &n_columns);
                if (r == 0) {
                        free(columns);
                        columns = with_namespace;
                }
        }
        if (r == 0) {
                if (sort >= 0)
                        table_sort(ctx.table, (size_t) sort);
                pager_open();
                table_print_columns(ctx.table, stdout, columns, n_columns,
                                    (arg_no_headings ? TABLE_NO_HEADINGS : 0) |
                                            (arg_raw ? TABLE_RAW : 0));
                /* A count is for people; -n and --raw are for scripts. */
                if (!arg_no_headings && !arg_raw)
                        printf("\n%zu object%s listed.\n", table_rows(ctx.table),
                               table_rows(ctx.table) == 1 ? "" : "s");
        }
        table_free(ctx.table);
        return r;
}

/* ---- explain ---- */

static int command_explain(char **args) {
        json_t *reply = NULL, *params;
        int32_t id32;
        IpcKind kind;
        int r;

        if (strv_length(args) != 2)
                return usage_error("explain needs KIND and ID (or NAME), as in 'explain shm 32769' "
                                   "or 'explain posix-shm PostgreSQL.1234'.");
        kind = ipc_kind_from_string(args[0]);
        if (kind < 0)
                return usage_error("unknown kind \"%s\" (use shm, sem, msg, posix-shm, posix-sem "
                                   "or posix-mq).",
                                   args[0]);
        if (!ipc_kind_is_posix(kind) && (parse_uint32(args[1], (uint32_t *) &id32) < 0 || id32 < 0))
                return usage_error("\"%s\" is not an IPC id.", args[1]);

        params = ipc_kind_is_posix(kind) ? json_pack("{s:s, s:s}", "kind", args[0], "name", args[1])
                                         : json_pack("{s:s, s:i}", "kind", args[0], "id", id32);
        if (!params)
                return -ENOMEM;
        /* Without it the daemon looks in the host namespace; an older daemon knows no other. */
        if (arg_namespace)
                json_object_set_new(params, "namespace", json_string(arg_namespace));
        r = call_daemon("explain", VARLINK_INTERFACE ".Explain", params, false,
                        arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;
        explain_print(stdout, reply, args[1]);
        json_decref(reply);
        return 0;
}

/* ---- history ---- */

static int command_history(void) {
        json_t *reply = NULL, *params = json_object();
        _cleanup_free_ size_t *columns = NULL;
        size_t n_columns = 0;
        Table *t;
        int r;

        if (!params)
                return -ENOMEM;
        if (arg_lines >= 0)
                json_object_set_new(params, "limit", json_integer(arg_lines));
        r = call_daemon("history", VARLINK_INTERFACE ".History", params, false,
                        arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;

        t = history_table_new(json_object_get(reply, "events"));
        json_decref(reply);
        if (!t || namespace_columns(t, HISTORY_COL_NAMESPACE, NULL, 0, &columns, &n_columns) < 0) {
                table_free(t);
                return -ENOMEM;
        }
        /* The quarantine column only where some removal was quarantined (or restored). */
        if (!table_column_used(t, HISTORY_COL_QUARANTINE)) {
                size_t k = 0;
                for (size_t i = 0; i < n_columns; i++)
                        if (columns[i] != HISTORY_COL_QUARANTINE)
                                columns[k++] = columns[i];
                n_columns = k;
        }
        if (table_rows(t) > 0) {
                pager_open();
                table_print_columns(t, stdout, columns, n_columns, 0);
        } else
                printf("No removals recorded.\n");
        table_free(t);
        return 0;
}

/* ---- quarantine, restore ---- */

static int command_quarantine(void) {
        json_t *reply = NULL;
        _cleanup_free_ size_t *columns = NULL;
        size_t n_columns = 0;
        Table *t;
        int r;

        r = call_daemon("quarantine", VARLINK_INTERFACE ".ListQuarantine", NULL, false,
                        arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;
        t = quarantine_table_new(json_object_get(reply, "entries"));
        json_decref(reply);
        if (!t ||
            namespace_columns(t, QUARANTINE_COL_NAMESPACE, NULL, 0, &columns, &n_columns) < 0) {
                table_free(t);
                return -ENOMEM;
        }
        if (table_rows(t) > 0) {
                pager_open();
                table_print_columns(t, stdout, columns, n_columns, 0);
        } else
                printf("No objects in quarantine.\n");
        table_free(t);
        return 0;
}

static int command_restore(char **args) {
        json_t *reply = NULL, *params;
        int r;

        if (!args[0] || args[1])
                return usage_error("'restore' takes one QID (see 'ipcreapctl quarantine').");
        params = json_pack("{s:s}", "quarantineId", args[0]);
        if (!params)
                return -ENOMEM;
        r = call_daemon("restore", VARLINK_INTERFACE ".Restore", params, false,
                        arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;
        restore_print(stdout, reply);
        json_decref(reply);
        return 0;
}

/* ---- scan, reload, metrics ---- */

static int command_scan(void) {
        json_t *reply = NULL, *params = json_pack("{s:b}", "dryRun", arg_dry_run);
        int r;

        r = call_daemon("scan", VARLINK_INTERFACE ".Scan", params, false,
                        arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;
        printf("%s (%.3fs)\n", reply_str(reply, "summary"),
               json_real_value(json_object_get(reply, "durationSec")));
        json_decref(reply);
        return 0;
}

static int command_reload(void) {
        int r = call_daemon("reload", VARLINK_INTERFACE ".Reload", NULL, false,
                            arg_json ? print_json : NULL, NULL);
        if (r == 0 && !arg_json)
                printf("Policy reloaded.\n");
        return r;
}

static int command_metrics(void) {
        json_t *reply = NULL;
        int r = call_daemon("metrics", VARLINK_INTERFACE ".Metrics", NULL, false,
                            arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;
        fputs(reply_str(reply, "text"), stdout);
        json_decref(reply);
        return 0;
}

/* ---- simulate, check-config ---- */

static int read_policy_file(const char *path, char **ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *text;
        size_t n;

        if (!f)
                return -errno;
        /* The request carrying it must stay under the daemon's 64 KiB limit. */
        text = malloc(VARLINK_MESSAGE_MAX);
        if (!text)
                return -ENOMEM;
        n = fread(text, 1, VARLINK_MESSAGE_MAX - 1024, f);
        if (ferror(f) || !feof(f)) {
                free(text);
                return ferror(f) ? -EIO : -EFBIG;
        }
        text[n] = 0;
        *ret = text;
        return 0;
}

static const char *judgement_text(char *buf, size_t size, json_t *j) {
        const char *rule = json_string_value(json_object_get(j, "rule"));
        snprintf(buf, size, "%s%s%s", reply_str(j, "state"), rule ? "/" : "", rule ? rule : "");
        return buf;
}

static int command_simulate(char **args) {
        static const char *const headers[] = { "KIND",  ">ID", "KEY",       "OWNER",   ">SIZE",
                                               ">IDLE", "NOW", "SIMULATED", "PENDING", NULL };
        _cleanup_free_ char *text = NULL;
        json_t *reply = NULL, *changes, *c;
        Table *t;
        size_t i;
        int r;

        if (strv_length(args) != 1)
                return usage_error("simulate needs one FILE, the candidate policy.");
        r = read_policy_file(args[0], &text);
        if (r < 0) {
                fprintf(stderr, "ipcreapctl: cannot read %s: %s.\n", args[0],
                        r == -EFBIG ? "larger than a request may be (about 63 KiB)" : strerror(-r));
                return EXIT_USAGE;
        }
        /* The request as sent (JSON escapes grow the text) must fit the daemon's limit. */
        json_t *params = json_pack("{s:s}", "config", text);
        _cleanup_free_ char *encoded = params ? json_dumps(params, JSON_COMPACT) : NULL;
        if (!encoded) {
                json_decref(params);
                return -ENOMEM;
        }
        if (strlen(encoded) + 128 > VARLINK_MESSAGE_MAX) {
                json_decref(params);
                fprintf(stderr,
                        "ipcreapctl: %s is too large to send: a request may be at most "
                        "%u bytes once encoded as JSON.\n",
                        args[0], VARLINK_MESSAGE_MAX);
                return EXIT_USAGE;
        }
        r = call_daemon("simulate", VARLINK_INTERFACE ".Simulate", params, false,
                        arg_json ? print_json : keep_reply, &reply);
        if (r != 0 || arg_json)
                return r;

        changes = json_object_get(reply, "changes");
        printf("Under %s: %" JSON_INTEGER_FORMAT " objects, %" JSON_INTEGER_FORMAT
               " would be reaped; %zu judged differently from the running policy.\n",
               args[0], reply_int(reply, "objects"), reply_int(reply, "wouldReap"),
               json_array_size(changes));
        t = table_new(headers);
        json_array_foreach(changes, i, c) {
                char id[24], key[16], owner[32], size[FORMAT_SIZE_MAX], idle[FORMAT_TIMESPAN_MAX],
                        now[96], sim[96];
                json_t *pending = json_object_get(json_object_get(c, "simulated"), "pending");
                const char *row[] = {
                        reply_str(c, "kind"),
                        (snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, reply_int(c, "id")), id),
                        format_key(key, sizeof(key), (uint32_t) reply_int(c, "key")),
                        format_user(owner, sizeof(owner), (uint32_t) reply_int(c, "ownerUid")),
                        format_size(size, sizeof(size), (uint64_t) reply_int(c, "size")),
                        format_timespan(idle, sizeof(idle), (uint64_t) reply_int(c, "idleSec")),
                        judgement_text(now, sizeof(now), json_object_get(c, "current")),
                        judgement_text(sim, sizeof(sim), json_object_get(c, "simulated")),
                        json_string_value(json_array_get(pending, 0)),
                };
                if (t)
                        (void) table_add_row(t, row);
        }
        if (t && table_rows(t) > 0) {
                putchar('\n');
                pager_open();
                table_print(t, stdout);
        }
        table_free(t);
        json_decref(reply);
        return 0;
}

static int command_check_config(char **args) {
        const char *path = args[0] ? args[0] : POLICY_DEFAULT_PATH;
        _cleanup_strv_free_ char **errors = NULL;
        Policy *p = NULL;
        int r;

        if (strv_length(args) > 1)
                return usage_error("check-config takes at most one FILE.");
        r = policy_load(path, &p, &errors);
        if (r == -EINVAL) {
                for (char **e = errors; *e; e++)
                        fprintf(stderr, "%s\n", *e);
                fprintf(stderr, "ipcreapctl: %s is invalid (%zu error%s).\n", path,
                        strv_length(errors), strv_length(errors) == 1 ? "" : "s");
                return EXIT_DAEMON_SAID_NO;
        }
        if (r < 0) {
                fprintf(stderr, "ipcreapctl: cannot load %s: %s.\n", path, strerror(-r));
                return EXIT_DAEMON_SAID_NO;
        }
        policy_print(p, stdout);
        _cleanup_strv_free_ char **warnings = NULL;
        if (policy_warnings(p, &warnings) >= 0)
                for (char **w = warnings; w && *w; w++)
                        fprintf(stderr, "%s\n", *w);
        policy_free(p);
        return 0;
}

/* ---- main ---- */

enum {
        ARG_SOCKET = 0x100,
        ARG_JSON,
        ARG_NO_PAGER,
        ARG_VERSION,
        ARG_KIND,
        ARG_STATE,
        ARG_DRY_RUN,
        ARG_TIMEOUT,
        ARG_SORT,
        ARG_OWNER,
        ARG_NO_HEADINGS,
        ARG_RAW,
        ARG_NAMESPACE,
};

static const struct option options[] = {
        { "socket", required_argument, NULL, ARG_SOCKET },
        { "json", no_argument, NULL, ARG_JSON },
        { "no-pager", no_argument, NULL, ARG_NO_PAGER },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        { "kind", required_argument, NULL, ARG_KIND },
        { "state", required_argument, NULL, ARG_STATE },
        { "lines", required_argument, NULL, 'n' },
        { "dry-run", no_argument, NULL, ARG_DRY_RUN },
        { "timeout", required_argument, NULL, ARG_TIMEOUT },
        { "output", required_argument, NULL, 'o' },
        { "sort", required_argument, NULL, ARG_SORT },
        { "owner", required_argument, NULL, ARG_OWNER },
        { "noheadings", no_argument, NULL, ARG_NO_HEADINGS },
        { "raw", no_argument, NULL, ARG_RAW },
        { "namespace", required_argument, NULL, ARG_NAMESPACE },
        {},
};

static bool is_number(const char *s) {
        return *s && strspn(s, "0123456789") == strlen(s);
}

/* The option named by "--NAME" (without the dashes), as getopt_long finds it: the exact
 * name, or the only one NAME abbreviates. */
static const struct option *find_long_option(const char *name) {
        const struct option *found = NULL;
        size_t len = strlen(name);

        for (const struct option *o = options; o->name; o++) {
                if (streq(o->name, name))
                        return o;
                if (strncmp(o->name, name, len) == 0) {
                        if (found)
                                return NULL;
                        found = o;
                }
        }
        return found;
}

/* The command word, found before the options are parsed: -n is --noheadings with 'list'
 * (as in lsipc) and --lines N with 'history' (as in journalctl), so the short options
 * depend on the command. Before the command, "-n" takes a value only if a number follows. */
static const char *find_command(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (streq(a, "--"))
                        return i + 1 < argc ? argv[i + 1] : NULL;
                if (a[0] != '-' || a[1] == 0)
                        return a;
                if (a[1] == '-') {
                        const struct option *o = find_long_option(a + 2);
                        if (!strchr(a, '=') && o && o->has_arg == required_argument)
                                i++;
                        continue;
                }
                for (const char *p = a + 1; *p; p++) {
                        if (*p == 'o') {
                                i += !p[1];
                                break;
                        }
                        if (*p == 'n') {
                                if (!p[1] && i + 1 < argc && is_number(argv[i + 1]))
                                        i++;
                                break;
                        }
                }
        }
        return NULL;
}

static int parse_owner(const char *s) {
        struct passwd *pw;

        if (is_number(s)) {
                if (parse_uint32(s, &arg_owner_uid) < 0)
                        return -usage_error("--owner: \"%s\" is not a uid.", s);
        } else {
                pw = getpwnam(s);
                if (!pw)
                        return -usage_error("--owner: there is no user \"%s\".", s);
                arg_owner_uid = pw->pw_uid;
        }
        arg_owner = s;
        arg_owner_set = true;
        return 0;
}

/* "shm, sem, msg, ..." from the kinds the code knows, for messages. */
static const char *kinds_text(void) {
        static char buf[256];
        size_t n = 0;

        for (IpcKind k = 0; k < _IPC_KIND_MAX && n < sizeof(buf); k++)
                n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s%s",
                                       k == 0                   ? ""
                                       : k + 1 == _IPC_KIND_MAX ? " or "
                                                                : ", ",
                                       ipc_kind_to_string(k));
        return buf;
}

static int parse_argv(int argc, char *argv[]) {
        const char *timeout_env = getenv(TIMEOUT_ENV);
        const char *command = find_command(argc, argv);
        bool list = command && streq(command, "list");
        int c, r, long_index;
        uint64_t n;

        if (timeout_env && parse_timeout(timeout_env, &arg_timeout_usec) < 0)
                return -usage_error("$" TIMEOUT_ENV " needs seconds (or \"infinity\"), not \"%s\".",
                                    timeout_env);

        /* GNU getopt permutes: options may follow the command ("list --kind shm"), and the
         * words end up in argv[optind..]. */
        opterr = 0;
        for (;;) {
                long_index = -1;
                c = getopt_long(argc, argv, list ? "hno:" : "hn:o:", options, &long_index);
                if (c < 0)
                        break;
                switch (c) {
                case ARG_SOCKET:
                        arg_socket = optarg;
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_NO_PAGER:
                        arg_no_pager = true;
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("ipcreapctl " IPCREAP_VERSION "\n");
                        return 0;
                case ARG_KIND:
                        if (ipc_kind_from_string(optarg) < 0)
                                return -usage_error("unknown kind \"%s\" (use %s).", optarg,
                                                    kinds_text());
                        arg_kind = optarg;
                        break;
                case ARG_STATE:
                        if (object_state_from_string(optarg) < 0)
                                return -usage_error("unknown state \"%s\" (use in-use, idle, "
                                                    "orphan, protected or unmatched).",
                                                    optarg);
                        arg_state = optarg;
                        break;
                case 'n':
                        if (list && long_index < 0) { /* -n, not --lines: --noheadings */
                                arg_no_headings = true;
                                break;
                        }
                        if (parse_uint64(optarg, &n) < 0 || n > INT32_MAX)
                                return -usage_error("-n needs a number, not \"%s\".", optarg);
                        arg_lines = (long long) n;
                        break;
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                case ARG_TIMEOUT:
                        if (parse_timeout(optarg, &arg_timeout_usec) < 0)
                                return -usage_error("--timeout needs seconds (or \"infinity\"), "
                                                    "not \"%s\".",
                                                    optarg);
                        break;
                case 'o':
                        arg_output = optarg;
                        break;
                case ARG_SORT:
                        arg_sort = optarg;
                        break;
                case ARG_OWNER:
                        r = parse_owner(optarg);
                        if (r < 0)
                                return r;
                        break;
                case ARG_NO_HEADINGS:
                        arg_no_headings = true;
                        break;
                case ARG_RAW:
                        arg_raw = true;
                        break;
                case ARG_NAMESPACE:
                        if (!*optarg)
                                return -usage_error("--namespace needs a name, as \"host\" or "
                                                    "one 'ipcreapctl status' lists.");
                        arg_namespace = optarg;
                        break;
                case '?':
                default:
                        return -usage_error("unknown option \"%s\", or it lacks its value.",
                                            argv[optind - 1]);
                }
        }
        return 1;
}

int main(int argc, char *argv[]) {
        const char *command;
        char **words;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return -r;
        words = argv + optind;
        if (!words[0])
                return usage_error("missing COMMAND.");
        command = words[0];

        if ((arg_kind || arg_state || arg_owner || arg_output || arg_sort || arg_no_headings ||
             arg_raw) &&
            !streq(command, "list"))
                return usage_error("--kind, --state, --owner, -o, --sort, --noheadings and --raw "
                                   "go with 'list'.");
        if ((arg_output || arg_sort || arg_no_headings || arg_raw) && arg_json)
                return usage_error("-o, --sort, --noheadings and --raw shape the table; --json "
                                   "prints every field.");
        if (arg_namespace && !streq(command, "list") && !streq(command, "explain"))
                return usage_error("--namespace goes with 'list' and 'explain'.");
        if (arg_lines >= 0 && !streq(command, "history"))
                return usage_error("--lines (-n N) goes with 'history'; with 'list', -n is "
                                   "--noheadings.");
        if (arg_dry_run && !streq(command, "scan"))
                return usage_error("--dry-run goes with 'scan'.");

        /* A pager that quits early must not kill us mid-write. */
        signal(SIGPIPE, SIG_IGN);

        if (streq(command, "check-config"))
                r = command_check_config(words + 1);
        else if (streq(command, "explain"))
                r = command_explain(words + 1);
        else if (streq(command, "simulate"))
                r = command_simulate(words + 1);
        else if (streq(command, "restore"))
                r = command_restore(words + 1);
        else if (words[1])
                r = usage_error("'%s' takes no arguments.", command);
        else if (streq(command, "status"))
                r = command_status();
        else if (streq(command, "list"))
                r = command_list();
        else if (streq(command, "history"))
                r = command_history();
        else if (streq(command, "quarantine"))
                r = command_quarantine();
        else if (streq(command, "scan"))
                r = command_scan();
        else if (streq(command, "reload"))
                r = command_reload();
        else if (streq(command, "metrics"))
                r = command_metrics();
        else
                r = usage_error("unknown command \"%s\".", command);

        if (r < 0) {
                fprintf(stderr, "ipcreapctl: %s\n", strerror(-r));
                r = EXIT_DAEMON_SAID_NO;
        }
        pager_close();
        return r;
}
