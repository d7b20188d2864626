/* SPDX-License-Identifier: MIT */
/* Calls one Varlink method on the daemon's socket and hands each reply to a callback. */
#include <sys/socket.h>

#include "io-util.h"
#include "macro.h"
#include "varlink-client.h"
#include "varlink.h"

/* Replies may be large (a List of 100,000 objects without more); refuse beyond reason. */
#define CLIENT_REPLY_MAX (1024u * 1024u * 1024u)

void varlink_error_done(VarlinkError *e) {
        free(e->name);
        json_decref(e->parameters);
        *e = (VarlinkError){ 0 };
}

int varlink_client_call(int fd, const char *method, json_t *parameters, bool more,
                        ReplyCallback callback, void *userdata, VarlinkError *ret_error) {
        VarlinkBuffer out = { 0 }, in = { 0 };
        json_t *request;
        int r, write_error = 0;

        request = json_pack("{s:s, s:o}", "method", method, "parameters",
                            parameters ? parameters : json_object());
        if (!request)
                return -ENOMEM;
        if (more)
                json_object_set_new(request, "more", json_true());
        r = varlink_buffer_append_json(&out, request);
        json_decref(request);
        if (r >= 0)
                r = loop_write(fd, varlink_buffer_head(&out), varlink_buffer_pending(&out));
        varlink_buffer_done(&out);
        if (r == -EAGAIN)
                return -ETIMEDOUT; /* SO_SNDTIMEO: the daemon does not read */
        /* A daemon that refuses the connection (TooManyConnections) says why and hangs up,
         * possibly before the request went out: its answer is still there to read. */
        if (r == -EPIPE || r == -ECONNRESET)
                write_error = r;
        else if (r < 0)
                return r;

        for (;;) {
                const char *message;
                size_t length;
                json_t *reply, *params, *continues;
                const char *error = NULL;
                json_error_t jerror;

                r = varlink_buffer_message(&in, CLIENT_REPLY_MAX, &message, &length);
                if (r < 0)
                        goto finish;
                if (r == 0) {
                        ssize_t l = varlink_buffer_fill(&in, fd, CLIENT_REPLY_MAX + 1, false);
                        if (l == 0 || (l < 0 && write_error != 0)) {
                                r = write_error != 0 ? write_error : -ECONNRESET;
                                goto finish;
                        }
                        if (l < 0) {
                                /* Blocking: EAGAIN means SO_RCVTIMEO passed in silence. */
                                r = l == -EAGAIN ? -ETIMEDOUT : (int) l;
                                goto finish;
                        }
                        continue;
                }

                reply = json_loadb(message, length, 0, &jerror);
                varlink_buffer_consume(&in, length + 1);
                if (!reply || json_unpack(reply, "{s?s, s?o, s?o}", "error", &error, "parameters",
                                          &params, "continues", &continues) < 0) {
                        json_decref(reply);
                        r = -EBADMSG;
                        goto finish;
                }
                params = json_object_get(reply, "parameters");
                continues = json_object_get(reply, "continues");
                if (error) {
                        if (ret_error) {
                                ret_error->name = strdup(error);
                                ret_error->parameters =
                                        params ? json_incref(params) : json_object();
                        }
                        json_decref(reply);
                        r = 1;
                        goto finish;
                }
                if (!params) {
                        /* The reply owns the empty object, so it goes with the reply. */
                        params = json_object();
                        if (!params || json_object_set_new(reply, "parameters", params) < 0) {
                                json_decref(reply);
                                r = -ENOMEM;
                                goto finish;
                        }
                }
                r = callback ? callback(params, userdata) : 0;
                bool last = !json_is_true(continues);
                json_decref(reply);
                if (r < 0)
                        goto finish;
                if (last) {
                        r = 0;
                        goto finish;
                }
        }
finish:
        varlink_buffer_done(&in);
        return r;
}
