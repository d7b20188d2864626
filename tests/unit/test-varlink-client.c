/* SPDX-License-Identifier: MIT */
/* The Varlink client call against a fake server thread that answers with canned replies. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>

#include "macro.h"
#include "varlink-client.h"
#include "varlink.h"

/* Reads one request, then sends its script (NULs included) and hangs up. */
typedef struct FakeServer {
        int fd;
        const char *script;
        size_t script_size;
        size_t chunk; /* bytes per send(), so replies arrive in pieces; 0 for all at once */
        char request[4096];
        size_t request_size; /* without the terminator */
        bool request_terminated;
        pthread_t thread;
} FakeServer;

typedef struct Replies {
        json_t *list;      /* the parameters of each reply, in order */
        size_t stop_after; /* the callback fails on this reply; 0 never */
} Replies;

static void *fake_server_run(void *userdata) {
        FakeServer *s = userdata;

        while (!s->request_terminated && s->request_size < sizeof(s->request)) {
                ssize_t l = recv(s->fd, s->request + s->request_size, 1, 0);
                if (l <= 0)
                        break;
                if (s->request[s->request_size] == 0)
                        s->request_terminated = true;
                else
                        s->request_size++;
        }
        for (size_t sent = 0; sent < s->script_size;) {
                size_t n = s->chunk ? MIN(s->chunk, s->script_size - sent) : s->script_size - sent;
                ssize_t l = send(s->fd, s->script + sent, n, MSG_NOSIGNAL);
                if (l < 0)
                        break; /* the client stopped listening */
                sent += (size_t) l;
        }
        close(s->fd);
        return NULL;
}

/* Starts a fake server with script; returns the client's end of the connection. */
static int fake_server_start(FakeServer *s, const char *script, size_t script_size, size_t chunk) {
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        *s = (FakeServer){
                .fd = sv[1], .script = script, .script_size = script_size, .chunk = chunk
        };
        assert_int_equal(pthread_create(&s->thread, NULL, fake_server_run, s), 0);
        return sv[0];
}

/* Waits for the fake server and returns the request it got, parsed. */
static json_t *fake_server_finish(FakeServer *s) {
        json_error_t error;
        json_t *request;

        assert_int_equal(pthread_join(s->thread, NULL), 0);
        assert_true(s->request_terminated);
        request = json_loadb(s->request, s->request_size, JSON_REJECT_DUPLICATES, &error);
        if (!request)
                fail_msg("Client sent malformed JSON: %s", error.text);
        return request;
}

static int collect_reply(json_t *parameters, void *userdata) {
        Replies *r = userdata;

        assert_true(json_is_object(parameters));
        assert_int_equal(json_array_append(r->list, parameters), 0);
        if (r->stop_after > 0 && json_array_size(r->list) >= r->stop_after)
                return -ECANCELED;
        return 0;
}

/* Runs one call of method against script; returns its result and what the server got. */
static int call_fake_server(const char *script, size_t script_size, size_t chunk,
                            const char *method, json_t *parameters, bool more, Replies *replies,
                            VarlinkError *error, json_t **ret_request) {
        FakeServer server;
        int fd = fake_server_start(&server, script, script_size, chunk);
        int r = varlink_client_call(fd, method, parameters, more, collect_reply, replies, error);
        json_t *request;

        /* Hanging up first: the server may still be sending what the client did not read. */
        close(fd);
        request = fake_server_finish(&server);
        if (ret_request)
                *ret_request = request;
        else
                json_decref(request);
        return r;
}

static json_int_t reply_int(const Replies *r, size_t i, const char *key) {
        json_t *v = json_object_get(json_array_get(r->list, i), key);

        assert_true(json_is_integer(v));
        return json_integer_value(v);
}

static void single_reply_is_handed_to_the_callback_once(void **state) {
        /* Anything after the last reply is not part of this call. */
        static const char script[] = "{\"parameters\":{\"answer\":42}}\0"
                                     "{\"parameters\":{\"answer\":43}}\0";
        Replies replies = { .list = json_array() };
        VarlinkError error = { 0 };
        json_t *request;
        int r;

        r = call_fake_server(script, sizeof(script) - 1, 0, "io.ipcreap.Reaper.Explain",
                             json_pack("{s:s, s:i}", "kind", "shm", "id", 3), false, &replies,
                             &error, &request);
        assert_int_equal(r, 0);
        assert_null(error.name);
        assert_int_equal(json_array_size(replies.list), 1);
        assert_int_equal(reply_int(&replies, 0, "answer"), 42);

        /* The request: the method, the parameters given, and no "more". */
        assert_string_equal(json_string_value(json_object_get(request, "method")),
                            "io.ipcreap.Reaper.Explain");
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(request, "parameters"), "kind")),
                "shm");
        assert_int_equal(
                json_integer_value(json_object_get(json_object_get(request, "parameters"), "id")),
                3);
        assert_null(json_object_get(request, "more"));
        json_decref(request);
        json_decref(replies.list);
}

static void call_without_parameters_sends_an_empty_object(void **state) {
        static const char script[] = "{\"parameters\":{}}\0";
        Replies replies = { .list = json_array() };
        json_t *request, *parameters;

        assert_int_equal(call_fake_server(script, sizeof(script) - 1, 0, "a.B", NULL, false,
                                          &replies, NULL, &request),
                         0);
        parameters = json_object_get(request, "parameters");
        assert_true(json_is_object(parameters));
        assert_int_equal(json_object_size(parameters), 0);
        assert_int_equal(json_array_size(replies.list), 1);
        json_decref(request);
        json_decref(replies.list);
}

static void continued_replies_are_handed_over_one_callback_each(void **state) {
        static const char script[] = "{\"parameters\":{\"i\":0},\"continues\":true}\0"
                                     "{\"parameters\":{\"i\":1},\"continues\":true}\0"
                                     "{\"parameters\":{\"i\":2}}\0";
        Replies replies = { .list = json_array() };
        json_t *request;
        int r;

        /* One byte at a time: replies are reassembled from however the bytes arrive. */
        r = call_fake_server(script, sizeof(script) - 1, 1, "io.ipcreap.Reaper.List", NULL, true,
                             &replies, NULL, &request);
        assert_int_equal(r, 0);
        assert_int_equal(json_array_size(replies.list), 3);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(reply_int(&replies, i, "i"), (json_int_t) i);
        assert_true(json_is_true(json_object_get(request, "more")));
        json_decref(request);
        json_decref(replies.list);
}

static void error_reply_returns_one_with_its_name_and_parameters(void **state) {
        static const char script[] = "{\"error\":\"io.ipcreap.Reaper.NoSuchObject\","
                                     "\"parameters\":{\"kind\":\"shm\",\"id\":7}}\0";
        Replies replies = { .list = json_array() };
        VarlinkError error = { 0 };
        int r;

        r = call_fake_server(script, sizeof(script) - 1, 0, "io.ipcreap.Reaper.Explain", NULL,
                             false, &replies, &error, NULL);
        assert_int_equal(r, 1);
        assert_int_equal(json_array_size(replies.list), 0);
        assert_string_equal(error.name, VARLINK_ERROR_NO_SUCH_OBJECT);
        assert_string_equal(json_string_value(json_object_get(error.parameters, "kind")), "shm");
        assert_int_equal(json_integer_value(json_object_get(error.parameters, "id")), 7);
        varlink_error_done(&error);
        assert_null(error.name);
        json_decref(replies.list);
}

static void error_reply_without_parameters_has_empty_parameters(void **state) {
        static const char script[] = "{\"error\":\"org.varlink.service.PermissionDenied\"}\0";
        Replies replies = { .list = json_array() };
        VarlinkError error = { 0 };

        assert_int_equal(call_fake_server(script, sizeof(script) - 1, 0, "a.B", NULL, false,
                                          &replies, &error, NULL),
                         1);
        assert_string_equal(error.name, "org.varlink.service.PermissionDenied");
        assert_true(json_is_object(error.parameters));
        assert_int_equal(json_object_size(error.parameters), 0);
        varlink_error_done(&error);
        json_decref(replies.list);
}

static void error_after_continued_replies_ends_the_call_with_one(void **state) {
        static const char script[] = "{\"parameters\":{\"i\":0},\"continues\":true}\0"
                                     "{\"error\":\"test.Broke\",\"parameters\":{}}\0"
                                     "{\"parameters\":{\"i\":1}}\0";
        Replies replies = { .list = json_array() };
        VarlinkError error = { 0 };

        assert_int_equal(call_fake_server(script, sizeof(script) - 1, 0, "a.B", NULL, true,
                                          &replies, &error, NULL),
                         1);
        assert_int_equal(json_array_size(replies.list), 1);
        assert_string_equal(error.name, "test.Broke");
        varlink_error_done(&error);
        json_decref(replies.list);
}

static void connection_closed_before_any_reply_is_an_error(void **state) {
        Replies replies = { .list = json_array() };
        VarlinkError error = { 0 };
        int r;

        r = call_fake_server("", 0, 0, "a.B", NULL, false, &replies, &error, NULL);
        assert_true(r < 0);
        assert_int_equal(json_array_size(replies.list), 0);
        assert_null(error.name);
        json_decref(replies.list);
}

static void connection_closed_mid_reply_is_an_error(void **state) {
        static const char script[] = "{\"parameters\":{\"answer\":4";
        Replies replies = { .list = json_array() };
        VarlinkError error = { 0 };
        int r;

        r = call_fake_server(script, sizeof(script) - 1, 0, "a.B", NULL, false, &replies, &error,
                             NULL);
        assert_true(r < 0);
        assert_int_equal(json_array_size(replies.list), 0);
        assert_null(error.name);
        json_decref(replies.list);
}

static void connection_closed_between_continued_replies_is_an_error(void **state) {
        static const char script[] = "{\"parameters\":{\"i\":0},\"continues\":true}\0";
        Replies replies = { .list = json_array() };
        int r;

        r = call_fake_server(script, sizeof(script) - 1, 0, "a.B", NULL, true, &replies, NULL,
                             NULL);
        assert_true(r < 0);
        assert_int_equal(json_array_size(replies.list), 1);
        json_decref(replies.list);
}

static void negative_callback_result_stops_the_call_and_is_returned(void **state) {
        static const char script[] = "{\"parameters\":{\"i\":0},\"continues\":true}\0"
                                     "{\"parameters\":{\"i\":1},\"continues\":true}\0"
                                     "{\"parameters\":{\"i\":2},\"continues\":true}\0"
                                     "{\"parameters\":{\"i\":3}}\0";
        Replies replies = { .list = json_array(), .stop_after = 2 };

        assert_int_equal(call_fake_server(script, sizeof(script) - 1, 0, "a.B", NULL, true,
                                          &replies, NULL, NULL),
                         -ECANCELED);
        assert_int_equal(json_array_size(replies.list), 2);
        assert_int_equal(reply_int(&replies, 1, "i"), 1);
        json_decref(replies.list);
}

static void reply_without_parameters_is_handed_over_as_an_empty_object(void **state) {
        static const char script[] = "{\"continues\":true}\0{}\0";
        Replies replies = { .list = json_array() };

        assert_int_equal(call_fake_server(script, sizeof(script) - 1, 0, "a.B", NULL, true,
                                          &replies, NULL, NULL),
                         0);
        assert_int_equal(json_array_size(replies.list), 2);
        assert_int_equal(json_object_size(json_array_get(replies.list, 0)), 0);
        assert_int_equal(json_object_size(json_array_get(replies.list, 1)), 0);
        json_decref(replies.list);
}

static void malformed_reply_is_ebadmsg(void **state) {
        static const struct {
                const char *script;
                size_t size;
        } cases[] = {
#define CASE(s) { s, sizeof(s) - 1 }
                CASE("{\"parameters\":\0"),                /* not JSON */
                CASE("[1,2]\0"),                           /* not an object */
                CASE("{\"error\":7,\"parameters\":{}}\0"), /* error not a string */
#undef CASE
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Replies replies = { .list = json_array() };
                VarlinkError error = { 0 };

                assert_int_equal(call_fake_server(cases[i].script, cases[i].size, 0, "a.B", NULL,
                                                  false, &replies, &error, NULL),
                                 -EBADMSG);
                assert_int_equal(json_array_size(replies.list), 0);
                assert_null(error.name);
                json_decref(replies.list);
        }
}

static void call_on_a_connection_the_server_closed_fails(void **state) {
        Replies replies = { .list = json_array() };
        int sv[2], r;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        close(sv[1]);
        r = varlink_client_call(sv[0], "a.B", json_object(), false, collect_reply, &replies, NULL);
        assert_true(r < 0);
        assert_int_equal(json_array_size(replies.list), 0);
        close(sv[0]);
        json_decref(replies.list);
}

static void refusal_sent_before_the_request_is_read_as_the_answer(void **state) {
        /* The daemon refuses a connection over a quota at accept: it says why and closes
         * before the request went out, so the client's write fails (EPIPE). */
        static const char refusal[] = "{\"error\":\"io.ipcreap.Reaper.TooManyConnections\","
                                      "\"parameters\":{\"scope\":\"user\",\"limit\":32}}";
        Replies replies = { .list = json_array() };
        VarlinkError error = { 0 };
        int sv[2], r;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(send(sv[1], refusal, sizeof(refusal), MSG_NOSIGNAL),
                         (ssize_t) sizeof(refusal));
        close(sv[1]);
        r = varlink_client_call(sv[0], "a.B", json_object(), false, collect_reply, &replies,
                                &error);
        assert_int_equal(r, 1);
        assert_string_equal(error.name, VARLINK_ERROR_TOO_MANY_CONNECTIONS);
        assert_int_equal(json_integer_value(json_object_get(error.parameters, "limit")), 32);
        assert_int_equal(json_array_size(replies.list), 0);
        varlink_error_done(&error);
        close(sv[0]);
        json_decref(replies.list);
}

static void silent_server_is_etimedout_after_the_receive_timeout(void **state) {
        struct timeval tv = { .tv_usec = 100000 };
        Replies replies = { .list = json_array() };
        char request[256];
        int sv[2], r;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        /* What varlink_connect_timeout() sets up; the server takes the request, says nothing. */
        assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
        r = varlink_client_call(sv[0], "a.B", json_object(), false, collect_reply, &replies, NULL);
        assert_int_equal(r, -ETIMEDOUT);
        assert_true(recv(sv[1], request, sizeof(request), MSG_DONTWAIT) > 0);
        assert_int_equal(json_array_size(replies.list), 0);
        close(sv[0]);
        close(sv[1]);
        json_decref(replies.list);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(single_reply_is_handed_to_the_callback_once),
                cmocka_unit_test(call_without_parameters_sends_an_empty_object),
                cmocka_unit_test(continued_replies_are_handed_over_one_callback_each),
                cmocka_unit_test(error_reply_returns_one_with_its_name_and_parameters),
                cmocka_unit_test(error_reply_without_parameters_has_empty_parameters),
                cmocka_unit_test(error_after_continued_replies_ends_the_call_with_one),
                cmocka_unit_test(connection_closed_before_any_reply_is_an_error),
                cmocka_unit_test(connection_closed_mid_reply_is_an_error),
                cmocka_unit_test(connection_closed_between_continued_replies_is_an_error),
                cmocka_unit_test(negative_callback_result_stops_the_call_and_is_returned),
                cmocka_unit_test(reply_without_parameters_is_handed_over_as_an_empty_object),
                cmocka_unit_test(malformed_reply_is_ebadmsg),
                cmocka_unit_test(call_on_a_connection_the_server_closed_fails),
                cmocka_unit_test(refusal_sent_before_the_request_is_read_as_the_answer),
                cmocka_unit_test(silent_server_is_etimedout_after_the_receive_timeout),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
