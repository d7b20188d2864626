/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the Varlink framing and the server's request dispatch. The first byte
 * sets the scene (bit 0: the daemon has a snapshot, bit 1: the client half-closes after
 * sending, bit 2: it sends in small pieces, bit 3: the server's output cap is tiny, so that
 * pipelined requests and streams are throttled, bit 6: the client reads no reply before it
 * has sent everything, so that replies pile up); the rest is what the client sends.
 * The server runs the daemon's real methods on a Manager built from fixtures (all but Scan
 * and Reload, which start a pass or read the disk), plus fake ones that stream, answer later
 * or fail. Each input must leave no connection, fd or memory behind, and the server must
 * never hold more than one request in and its output cap plus one reply out. Before that,
 * the input is framed by hand and every message checked. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "evaluate.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "strv.h"
#include "sysvipc.h"
#include "varlink-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_NOW 1700086400

#define FLAG_SNAPSHOT   0x01
#define FLAG_HALF_CLOSE 0x02
#define FLAG_PIECES     0x04
#define FLAG_SMALL_OUT  0x08
#define FLAG_NO_READ    0x40

static const char policy_text[] = "[Daemon]\n"
                                  "DryRun=yes\n"
                                  "HistorySize=8\n"
                                  "[Rule system-users]\n"
                                  "Owner=0-999\n"
                                  "Action=keep\n"
                                  "[Rule reports]\n"
                                  "Kind=shm msg\n"
                                  "Owner=1000-60000\n"
                                  "Creator=php-fpm*\n"
                                  "Action=report\n"
                                  "[Rule stale]\n"
                                  "MinIdleSec=1h\n"
                                  "RequireDeadPids=yes\n"
                                  "Action=reap\n";

/* tests/fixtures/sysvipc, abridged. */
static const char *const tables[IPC_KIND_MSG + 1] = {
        [IPC_KIND_SHM] =
                "key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime\n"
                "4660 0 600 4096 1200 1300 1 1000 1001 1002 1003 1700000100 1700000200 "
                "1700000000\n"
                "-1067704753 32769 1644 1048576 0 0 0 0 0 0 0 0 1700000300 1700000050\n"
                "0 65538 2600 68719476736 4194304 4194304 0 4294967294 65534 60000 60000 "
                "1700000400 0 1700000010\n",
        [IPC_KIND_SEM] = "key semid perms nsems uid gid cuid cgid otime ctime\n"
                         "1577001101 0 644 3 0 0 0 0 0 1695881200\n"
                         "-1 98305 600 250 1000 1001 1002 1003 1700000500 1700000400\n",
        [IPC_KIND_MSG] =
                "key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime\n"
                "0 0 666 0 0 0 0 0 0 0 0 0 0 1700000000\n"
                "2147483647 131074 620 16384 4 4321 4322 1000 100 1001 101 1700000700 "
                "1700000600 1700000000\n",
};

static sd_event *event;
static Manager manager;
static ScanResult *snapshot;
static Server *server;
static struct sockaddr_un address;
static size_t output_max;
static socklen_t address_length;

/* ---- fake methods: every parameter type, streams, deferred answers, failures ---- */

static const MethodParam echo_params[] = {
        { "text", PARAM_STRING, true },
        { "number", PARAM_INT, false },
        { "flag", PARAM_BOOL, false },
        {},
};

static int method_echo(Call *call, json_t *parameters, void *userdata) {
        return call_reply(call, json_incref(parameters));
}

typedef struct CountState {
        int64_t left;
} CountState;

static int count_stream(VarlinkBuffer *out, void *userdata) {
        CountState *st = userdata;
        json_t *m = json_pack("{s:{s:I}, s:b}", "parameters", "left", (json_int_t) st->left,
                              "continues", st->left > 0);
        int r;

        if (!m)
                return -ENOMEM;
        r = varlink_buffer_append_json(out, m);
        json_decref(m);
        if (r < 0)
                return r;
        return st->left-- > 0;
}

static const MethodParam count_params[] = {
        { "count", PARAM_INT, true },
        {},
};

/* Streams count + 1 replies (without "more" all of them too: a stream is a stream). */
static int method_count(Call *call, json_t *parameters, void *userdata) {
        json_int_t count = json_integer_value(json_object_get(parameters, "count"));
        CountState *st;

        if (count < 0 || count > 1000)
                return call_error_invalid_parameter(call, "count");
        st = calloc(1, sizeof(CountState));
        if (!st)
                return -ENOMEM;
        st->left = count;
        return call_stream(call, count_stream, st, free);
}

/* Answered from the event loop, like Scan: the client's next requests wait meanwhile. */
typedef struct Later {
        Call *call;
        sd_event_source *source;
        bool error;
} Later;

static unsigned n_later;

static int on_later(sd_event_source *s, void *userdata) {
        Later *l = userdata;

        if (l->error)
                (void) call_error(l->call, VARLINK_ERROR_NO_SUCH_OBJECT, NULL);
        else
                (void) call_reply(l->call, json_pack("{s:b}", "late", true));
        call_unref(l->call);
        sd_event_source_disable_unref(l->source);
        free(l);
        n_later--;
        return 0;
}

static const MethodParam later_params[] = {
        { "error", PARAM_BOOL, false },
        {},
};

static int method_later(Call *call, json_t *parameters, void *userdata) {
        Later *l = calloc(1, sizeof(Later));
        int r;

        if (!l)
                return -ENOMEM;
        l->error = json_is_true(json_object_get(parameters, "error"));
        r = sd_event_add_defer(event, &l->source, on_later, l);
        if (r < 0) {
                free(l);
                return r;
        }
        l->call = call_ref(call);
        n_later++;
        return 0;
}

/* A handler failure drops the client. */
static int method_fail(Call *call, json_t *parameters, void *userdata) {
        return -EIO;
}

/* Replies twice, holding its own reference as a deferred caller would: the second reply
 * must be dropped, not sent. */
static int method_twice(Call *call, json_t *parameters, void *userdata) {
        int r;

        call_ref(call);
        r = call_reply(call, NULL);
        if (r >= 0)
                r = call_error(call, VARLINK_ERROR_NO_SUCH_OBJECT, NULL);
        call_unref(call);
        return r;
}

static Method methods[32];

static void build_method_table(void) {
        static const Method fake[] = {
                { "io.ipcreap.Fuzz.Echo", method_echo, echo_params },
                { "io.ipcreap.Fuzz.Count", method_count, count_params },
                { "io.ipcreap.Fuzz.Later", method_later, later_params },
                { "io.ipcreap.Fuzz.Fail", method_fail, NULL },
                { "io.ipcreap.Fuzz.Twice", method_twice, NULL },
        };
        const Method *real = manager_methods();
        size_t n = 0;

        if (!real)
                abort();
        for (; real->name; real++)
                if (!streq(real->name, VARLINK_INTERFACE ".Scan") &&
                    !streq(real->name, VARLINK_INTERFACE ".Reload"))
                        methods[n++] = *real;
        for (size_t i = 0; i < ELEMENTSOF(fake); i++)
                methods[n++] = fake[i];
        if (n >= ELEMENTSOF(methods))
                abort();
        methods[n] = (Method){};
}

/* ---- the Manager the real methods answer from ---- */

static void build_snapshot(Policy *policy) {
        EvaluationContext ctx = { .now = FUZZ_NOW };
        ScanResult *r = calloc(1, sizeof(ScanResult));

        if (!r)
                abort();
        r->n_ref = 1;
        r->policy = policy_ref(policy);
        r->time = FUZZ_NOW - 5;
        r->duration_usec = 1234;
        for (IpcKind k = 0; k < (IpcKind) ELEMENTSOF(tables); k++) {
                FILE *f = fmemopen((void *) tables[k], strlen(tables[k]), "r");
                if (!f || sysvipc_parse(k, f, "fixture", &r->table, NULL) < 0)
                        abort();
                fclose(f);
        }
        r->info = calloc(r->table.n, sizeof(ObjectInfo));
        if (!r->info)
                abort();
        for (size_t i = 0; i < r->table.n; i++) {
                IpcObject *o = &r->table.objects[i];
                ObjectInfo *info = &r->info[i];

                for (size_t p = 0; p < o->n_pids; p++)
                        o->pids[p].alive = p == 0;
                if (o->n_pids > 0 &&
                    creator_copy(&info->creator,
                                 &(Creator){ .pid = o->pids[0].pid,
                                             .comm = (char *) "php-fpm7",
                                             .cmdline = (char *) "php-fpm: pool www --password=x",
                                             .unit = (char *) "php.service" }) < 0)
                        abort();
                info->first_seen = FUZZ_NOW - 86400;
                info->verdict = policy_evaluate(policy, o, info->creator.comm, &ctx);
                r->counts[o->kind][info->verdict.state]++;
                r->n_orphans += info->verdict.state == OBJECT_ORPHAN;
        }
        r->n_objects = r->table.n;
        r->dry_run = true;
        r->would_reap = r->n_orphans;
        for (IpcLimit l = 0; l < _IPC_LIMIT_MAX; l++) {
                r->limits.used[l] = l + 1;
                r->limits.max[l] = l == IPC_LIMIT_SHMALL ? UINT64_MAX : l * 1000;
        }
        snapshot = r;
}

static void build_manager(void) {
        _cleanup_strv_free_ char **errors = NULL;
        Policy *policy = NULL;

        if (policy_load_string(policy_text, "fuzz.conf", &policy, &errors) != 0)
                abort();
        manager = (Manager){ .event = event,
                             .policy = policy,
                             .config_path = "/nonexistent/ipcreap.conf",
                             .start_time = FUZZ_NOW - 3600,
                             .ready = true,
                             .worker_fd = -1 };
        tracker_init(&manager.tracker, policy->daemon.history_size);
        for (int i = 0; i < 12; i++) {
                RemovalEvent ev = { .time = FUZZ_NOW - 100 + i,
                                    .kind = (IpcKind) (i % ELEMENTSOF(tables)),
                                    .id = i * 32768,
                                    .key = i == 3 ? -1 : i,
                                    .owner_uid = i % 2 ? 0 : 1000,
                                    .rule = strdup(i % 2 ? "stale" : "reports"),
                                    .size = (uint64_t) i * 4096,
                                    .idle_sec = 3600,
                                    .creator = { .pid = i % 3 ? 100 + i : 0 } };
                if (ev.creator.pid > 0)
                        ev.creator.comm = strdup("worker"), ev.creator.cmdline = strdup("w -p s");
                if (!ev.rule || tracker_record_removal(&manager.tracker, &ev) < 0)
                        abort();
        }
        build_snapshot(policy);
}

/* ---- the loop ---- */

/* With show, prints where each fd points, for the report of a leak. */
static int count_fds(bool show) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d))) {
                char path[64], target[256];
                ssize_t l;

                if (de->d_name[0] == '.')
                        continue;
                n++;
                snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
                l = show ? readlink(path, target, sizeof(target) - 1) : -1;
                if (l >= 0)
                        fprintf(stderr, "fd %s: %.*s\n", de->d_name, (int) l, target);
        }
        closedir(d);
        return n;
}

static void cleanup(void) {
        server = server_free(server);
        manager_status_changed(&manager);
        snapshot = scan_result_unref(snapshot);
        manager.snapshot = NULL;
        tracker_done(&manager.tracker);
        manager.policy = policy_free(manager.policy);
        event = sd_event_unref(event);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        sd_event_source *warm = NULL;
        int fd;

        log_set_level(LOG_CRIT);
        if (sd_event_new(&event) < 0)
                abort();
        build_manager();
        build_method_table();

        /* An abstract socket of this process: parallel fuzzers (-jobs) do not meet. */
        address.sun_family = AF_UNIX;
        snprintf(address.sun_path + 1, sizeof(address.sun_path) - 1, "ipcreap-fuzz-%d",
                 (int) getpid());
        address_length = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 +
                                      strlen(address.sun_path + 1));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &address, address_length) < 0 ||
            listen(fd, 16) < 0 || server_new(event, fd, methods, &manager, &server) < 0) {
                perror("listen");
                abort();
        }
        /* sd-event makes its timerfd with the first timer, once: not a leak of an input. */
        if (sd_event_add_time_relative(event, &warm, CLOCK_MONOTONIC, 1000000, 0, NULL, NULL) < 0)
                abort();
        sd_event_source_disable_unref(warm);
        atexit(cleanup);
        return 0;
}

/* Frames the bytes by hand as the server does, in pieces, and checks every message: it is
 * what was sent up to a NUL, and what parses re-serializes to a message that parses equal. */
static void check_framing(const uint8_t *data, size_t size) {
        VarlinkBuffer in = { 0 }, out = { 0 };
        size_t fed = 0, delivered = 0;

        while (fed < size || varlink_buffer_pending(&in) > 0) {
                const char *message;
                size_t length, piece = 0;
                int r;

                if (fed < size)
                        piece = MIN(size - fed, (size_t) 1 + data[fed] % 64);

                if (piece > 0 && varlink_buffer_append(&in, data + fed, piece) < 0)
                        abort();
                fed += piece;
                while ((r = varlink_buffer_message(&in, 256, &message, &length)) > 0) {
                        json_t *j;

                        if (length != strnlen(message, length + 1) ||
                            memcmp(message, data + delivered, length) != 0)
                                abort();
                        delivered += length + 1;
                        j = json_loadb(message, length, JSON_REJECT_DUPLICATES, NULL);
                        if (j) {
                                const char *again;
                                size_t again_length;
                                json_t *k;

                                if (varlink_buffer_append_json(&out, j) < 0 ||
                                    varlink_buffer_message(&out, SIZE_MAX, &again, &again_length) !=
                                            1)
                                        abort();
                                k = json_loadb(again, again_length, 0, NULL);
                                if (!k || !json_equal(j, k))
                                        abort();
                                json_decref(k);
                                json_decref(j);
                                varlink_buffer_consume(&out, again_length + 1);
                        }
                        varlink_buffer_consume(&in, length + 1);
                }
                if (r == -EMSGSIZE) {
                        /* Too long without a terminator: the server hangs up here. */
                        if (varlink_buffer_pending(&in) <= 256)
                                abort();
                        break;
                }
                if (r < 0)
                        abort();
                if (fed == size) {
                        /* A torn last message: the rest of the bytes, without a NUL. */
                        if (varlink_buffer_pending(&in) != size - delivered ||
                            memchr(varlink_buffer_head(&in), 0, varlink_buffer_pending(&in)))
                                abort();
                        break;
                }
        }
        if (varlink_buffer_pending(&out) != 0)
                abort();
        varlink_buffer_done(&in);
        varlink_buffer_done(&out);
}

static bool drain(int fd) {
        char buf[65536];
        bool any = false;
        ssize_t l;

        while ((l = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
                any = true;
        return any;
}

/* What the server may hold for one client (varlink-server.h): one request being read, and
 * replies up to its output cap plus the one (or the stream step) that crossed it. Replies
 * of the methods here are far below VARLINK_MESSAGE_MAX; a pipelining client whose answers
 * were not throttled would pile up megabytes. */
static size_t buffered_max(void) {
        return VARLINK_MESSAGE_MAX + 1 + output_max + 2 * VARLINK_MESSAGE_MAX;
}

/* Runs the loop until nothing more happens: no event dispatched, nothing to read. */
static void settle(int client, unsigned max_iterations) {
        for (unsigned i = 0; i < max_iterations; i++) {
                int r = sd_event_run(event, 0);
                bool read_any = client >= 0 && drain(client);

                if (r < 0)
                        abort();
                if (server_buffered_bytes(server) > buffered_max()) {
                        fprintf(stderr, "the server holds %zu bytes for one client, over %zu\n",
                                server_buffered_bytes(server), buffered_max());
                        abort();
                }
                if (r == 0 && !read_any)
                        return;
        }
}

static void converse(uint8_t flags, const uint8_t *data, size_t size) {
        ServerLimits limits = SERVER_LIMITS_DEFAULT;
        size_t sent = 0;
        int client;

        limits.output_max = output_max = flags & FLAG_SMALL_OUT ? 64 : SERVER_OUTPUT_MAX;
        server_set_limits(server, &limits);
        client = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (client < 0 || connect(client, (struct sockaddr *) &address, address_length) < 0)
                abort();
        settle(client, 8); /* accepted */

        for (unsigned stuck = 0; sent < size && stuck < 64;) {
                size_t piece = flags & FLAG_PIECES ? MIN(size - sent, (size_t) 7) : size - sent;
                ssize_t l = send(client, data + sent, piece, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (l > 0) {
                        sent += (size_t) l;
                        stuck = 0;
                } else
                        stuck++; /* the server stopped reading, or hung up */
                settle(flags & FLAG_NO_READ ? -1 : client, 64);
                if (server_connections(server) == 0)
                        break;
        }
        if (flags & FLAG_HALF_CLOSE) {
                (void) shutdown(client, SHUT_WR);
                settle(client, 256);
        }
        close(client);
        /* Gone clients free their connection at the next look at it. */
        for (unsigned i = 0; i < 64 && (server_connections(server) > 0 || n_later > 0); i++)
                settle(-1, 64);
        if (server_connections(server) != 0 || n_later != 0) {
                fprintf(stderr, "a closed client's connection or call is still there\n");
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Counted around each input: libFuzzer itself opens some between inputs (the pipes
         * to its symbolizer). */
        int fds_before, fds;

        if (size < 1)
                return 0;
        fds_before = count_fds(false);
        check_framing(data + 1, size - 1);

        if (!!(data[0] & FLAG_SNAPSHOT) != !!manager.snapshot) {
                manager.snapshot = data[0] & FLAG_SNAPSHOT ? snapshot : NULL;
                manager_status_changed(&manager);
        }
        converse(data[0], data + 1, size - 1);

        fds = count_fds(false);
        if (fds != fds_before) {
                (void) count_fds(true);
                fprintf(stderr, "%d fds open after the input, %d before\n", fds, fds_before);
                abort();
        }
        return 0;
}
