/* SPDX-License-Identifier: MIT */
/* Varlink framing: NUL-terminated messages found in a growing, consumed buffer; fill from a fd. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "macro.h"
#include "varlink.h"

/* Asserts that b holds a complete message equal to expected, and consumes it. */
static void assert_next_message(VarlinkBuffer *b, size_t max, const char *expected,
                                size_t expected_length) {
        const char *message = NULL;
        size_t length = SIZE_MAX;

        assert_int_equal(varlink_buffer_message(b, max, &message, &length), 1);
        assert_int_equal(length, expected_length);
        assert_memory_equal(message, expected, expected_length);
        assert_int_equal(message[length], 0);
        varlink_buffer_consume(b, length + 1);
}

static void assert_no_message(const VarlinkBuffer *b, size_t max) {
        const char *message = NULL;
        size_t length = 0;

        assert_int_equal(varlink_buffer_message(b, max, &message, &length), 0);
}

static void message_split_into_single_byte_appends_is_found_only_when_complete(void **state) {
        static const char request[] = "{\"method\":\"test.Echo\",\"parameters\":{}}";
        VarlinkBuffer b = { 0 };

        for (size_t i = 0; i < sizeof(request) - 1; i++) {
                assert_int_equal(varlink_buffer_append(&b, &request[i], 1), 0);
                assert_no_message(&b, VARLINK_MESSAGE_MAX);
        }
        assert_int_equal(varlink_buffer_append(&b, "", 1), 0);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, request, sizeof(request) - 1);
        assert_int_equal(varlink_buffer_pending(&b), 0);
        assert_no_message(&b, VARLINK_MESSAGE_MAX);
        varlink_buffer_done(&b);
}

static void coalesced_messages_come_out_one_at_a_time_in_order(void **state) {
        static const char stream[] = "{\"a\":1}\0{\"b\":2}\0\0{\"c\":3}\0{\"d\":";
        VarlinkBuffer b = { 0 };

        assert_int_equal(varlink_buffer_append(&b, stream, sizeof(stream) - 1), 0);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "{\"a\":1}", 7);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "{\"b\":2}", 7);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "", 0);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "{\"c\":3}", 7);
        /* The partial fourth message stays pending until its end arrives. */
        assert_no_message(&b, VARLINK_MESSAGE_MAX);
        assert_int_equal(varlink_buffer_pending(&b), 5);
        assert_int_equal(varlink_buffer_append(&b, "4}", 3), 0);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "{\"d\":4}", 7);
        assert_int_equal(varlink_buffer_pending(&b), 0);
        varlink_buffer_done(&b);
}

/* A deterministic pseudo-random sequence, so a failure is reproducible. */
static unsigned next_random(unsigned *seed) {
        *seed = *seed * 1103515245u + 12345u;
        return (*seed >> 16) & 0x7fff;
}

static void consumed_space_is_reused_without_corrupting_pending_data(void **state) {
        enum { N = 3000, LONGEST = 700 };
        VarlinkBuffer b = { 0 };
        size_t lengths[N];
        unsigned seed = 42;
        size_t appended = 0, taken = 0;
        char text[LONGEST + 1], expected[LONGEST];

        /* Messages of varied length arrive in up to three pieces while earlier ones are
         * consumed at a varying pace: the buffer compacts and grows in every order. */
        while (taken < N) {
                if (appended < N && (appended == taken || next_random(&seed) % 3 != 0)) {
                        size_t length = next_random(&seed) % LONGEST, cut1, cut2;

                        for (size_t i = 0; i < length; i++)
                                text[i] = (char) ('a' + (appended + i) % 26);
                        text[length] = 0;
                        cut1 = next_random(&seed) % (length + 2);
                        cut2 = cut1 + next_random(&seed) % (length + 2 - cut1);
                        assert_int_equal(varlink_buffer_append(&b, text, cut1), 0);
                        assert_int_equal(varlink_buffer_append(&b, text + cut1, cut2 - cut1), 0);
                        assert_int_equal(varlink_buffer_append(&b, text + cut2, length + 1 - cut2),
                                         0);
                        lengths[appended++] = length;
                } else {
                        for (size_t i = 0; i < lengths[taken]; i++)
                                expected[i] = (char) ('a' + (taken + i) % 26);
                        assert_next_message(&b, VARLINK_MESSAGE_MAX, expected, lengths[taken]);
                        taken++;
                }
        }
        assert_int_equal(varlink_buffer_pending(&b), 0);
        assert_no_message(&b, VARLINK_MESSAGE_MAX);
        varlink_buffer_done(&b);
}

static void appending_after_a_consume_compacts_before_growing(void **state) {
        VarlinkBuffer b = { 0 };
        size_t allocated, grown;

        /* Ten bytes are allocated for nine; after consuming five, four are pending and one
         * more byte fits once the consumed five are dropped: the buffer must not grow. */
        assert_int_equal(varlink_buffer_append(&b, "abcd\0efgh", 9), 0);
        allocated = b.allocated;
        varlink_buffer_consume(&b, 5);
        assert_int_equal(varlink_buffer_append(&b, "i", 1), 0);
        grown = b.allocated;
        assert_int_equal(varlink_buffer_append(&b, "", 1), 0);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "efghi", 5);
        varlink_buffer_done(&b);
        assert_int_equal(grown, allocated);
}

static void buffer_stays_small_when_messages_are_consumed_as_they_come(void **state) {
        VarlinkBuffer b = { 0 };
        size_t allocated;

        /* A partial message is always pending, so the buffer never empties and resets. */
        assert_int_equal(varlink_buffer_append(&b, "{", 1), 0);
        for (int i = 0; i < 10000; i++) {
                assert_int_equal(varlink_buffer_append(&b, "\"x\":1}\0{", 8), 0);
                assert_next_message(&b, VARLINK_MESSAGE_MAX, "{\"x\":1}", 7);
        }
        allocated = b.allocated;
        varlink_buffer_done(&b);
        assert_true(allocated <= 64);
}

static void pending_bytes_beyond_max_without_terminator_are_emsgsize(void **state) {
        VarlinkBuffer b = { 0 };
        const char *message;
        size_t length;

        assert_int_equal(varlink_buffer_append(&b, "12345678", 8), 0);
        assert_no_message(&b, 8); /* exactly max pending: it may still end here */
        assert_int_equal(varlink_buffer_append(&b, "9", 1), 0);
        assert_int_equal(varlink_buffer_message(&b, 8, &message, &length), -EMSGSIZE);
        varlink_buffer_done(&b);
}

static void complete_message_longer_than_max_is_emsgsize(void **state) {
        VarlinkBuffer b = { 0 };
        const char *message;
        size_t length;

        assert_int_equal(varlink_buffer_append(&b, "12345678\0", 9), 0);
        assert_next_message(&b, 8, "12345678", 8); /* exactly max: accepted */
        assert_int_equal(varlink_buffer_append(&b, "123456789\0", 10), 0);
        assert_int_equal(varlink_buffer_message(&b, 8, &message, &length), -EMSGSIZE);
        varlink_buffer_done(&b);
}

static void empty_message_is_a_message_of_length_zero(void **state) {
        VarlinkBuffer b = { 0 };

        assert_no_message(&b, VARLINK_MESSAGE_MAX); /* a buffer never used has none */
        assert_int_equal(varlink_buffer_append(&b, "", 1), 0);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "", 0);
        assert_int_equal(varlink_buffer_pending(&b), 0);
        assert_no_message(&b, VARLINK_MESSAGE_MAX);
        varlink_buffer_done(&b);
}

static void append_json_writes_compact_json_and_a_terminator(void **state) {
        static const char expected[] = "{\"method\":\"a.B\",\"parameters\":{\"list\":[1,2],"
                                       "\"text\":\"x y\"},\"more\":true}";
        VarlinkBuffer b = { 0 };
        json_t *j = json_pack("{s:s, s:{s:[i, i], s:s}, s:b}", "method", "a.B", "parameters",
                              "list", 1, 2, "text", "x y", "more", 1);

        assert_non_null(j);
        assert_int_equal(varlink_buffer_append(&b, "x", 1), 0);
        varlink_buffer_consume(&b, 1);
        assert_int_equal(varlink_buffer_append_json(&b, j), 0);
        assert_int_equal(varlink_buffer_pending(&b), sizeof(expected));
        assert_memory_equal(varlink_buffer_head(&b), expected, sizeof(expected));
        assert_next_message(&b, VARLINK_MESSAGE_MAX, expected, sizeof(expected) - 1);
        json_decref(j);
        varlink_buffer_done(&b);
}

static void truncate_tail_drops_only_unconsumed_bytes(void **state) {
        VarlinkBuffer b = { 0 };
        json_t *j = json_pack("{s:i}", "id", 7);

        assert_int_equal(varlink_buffer_append(&b, "abc\0defg", 8), 0);
        varlink_buffer_consume(&b, 4);
        varlink_buffer_truncate_tail(&b, 2);
        assert_int_equal(varlink_buffer_pending(&b), 2);
        assert_string_equal(varlink_buffer_head(&b), "de");
        /* Never cuts into what was already consumed. */
        varlink_buffer_truncate_tail(&b, 100);
        assert_int_equal(varlink_buffer_pending(&b), 0);
        assert_int_equal(varlink_buffer_append(&b, "x", 1), 0);
        assert_string_equal(varlink_buffer_head(&b), "x");
        varlink_buffer_consume(&b, 1);

        /* How streamed replies are built: JSON without its terminator, continued by hand. */
        assert_non_null(j);
        assert_int_equal(varlink_buffer_append(&b, "{\"objects\":[", 12), 0);
        assert_int_equal(varlink_buffer_append_json(&b, j), 0);
        varlink_buffer_truncate_tail(&b, 1);
        assert_no_message(&b, VARLINK_MESSAGE_MAX);
        assert_int_equal(varlink_buffer_append(&b, "]}", 3), 0);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "{\"objects\":[{\"id\":7}]}", 22);
        json_decref(j);
        varlink_buffer_done(&b);
}

static void fill_reads_what_is_there_and_reports_when_nothing_is(void **state) {
        VarlinkBuffer b = { 0 };
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], VARLINK_MESSAGE_MAX, true), -EAGAIN);
        assert_int_equal(send(sv[1], "{}\0{\"a\"", 7, 0), 7);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], VARLINK_MESSAGE_MAX, true), 7);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "{}", 2);
        assert_no_message(&b, VARLINK_MESSAGE_MAX);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], VARLINK_MESSAGE_MAX, true), -EAGAIN);
        assert_int_equal(send(sv[1], ":1}", 4, 0), 4);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], VARLINK_MESSAGE_MAX, true), 4);
        assert_next_message(&b, VARLINK_MESSAGE_MAX, "{\"a\":1}", 7);
        close(sv[0]);
        close(sv[1]);
        varlink_buffer_done(&b);
}

static void fill_returns_zero_at_end_of_file(void **state) {
        VarlinkBuffer b = { 0 };
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(send(sv[1], "{}", 2, 0), 2);
        close(sv[1]);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], VARLINK_MESSAGE_MAX, true), 2);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], VARLINK_MESSAGE_MAX, true), 0);
        /* Blocking reads see the end of file too, rather than waiting. */
        assert_int_equal(varlink_buffer_fill(&b, sv[0], VARLINK_MESSAGE_MAX, false), 0);
        assert_int_equal(varlink_buffer_pending(&b), 2);
        close(sv[0]);
        varlink_buffer_done(&b);
}

static void fill_holds_at_most_max_pending_bytes(void **state) {
        VarlinkBuffer b = { 0 };
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(send(sv[1], "abc\0efghijklmnopqrst", 20, 0), 20);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], 8, true), 8);
        assert_int_equal(varlink_buffer_pending(&b), 8);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], 8, true), -ENOBUFS);
        /* Consuming makes room for exactly as much as was consumed. */
        assert_next_message(&b, 8, "abc", 3);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], 8, true), 4);
        assert_int_equal(varlink_buffer_pending(&b), 8);
        assert_memory_equal(varlink_buffer_head(&b), "efghijkl", 8);
        assert_int_equal(varlink_buffer_fill(&b, sv[0], 8, true), -ENOBUFS);
        close(sv[0]);
        close(sv[1]);
        varlink_buffer_done(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(
                        message_split_into_single_byte_appends_is_found_only_when_complete),
                cmocka_unit_test(coalesced_messages_come_out_one_at_a_time_in_order),
                cmocka_unit_test(consumed_space_is_reused_without_corrupting_pending_data),
                cmocka_unit_test(appending_after_a_consume_compacts_before_growing),
                cmocka_unit_test(buffer_stays_small_when_messages_are_consumed_as_they_come),
                cmocka_unit_test(pending_bytes_beyond_max_without_terminator_are_emsgsize),
                cmocka_unit_test(complete_message_longer_than_max_is_emsgsize),
                cmocka_unit_test(empty_message_is_a_message_of_length_zero),
                cmocka_unit_test(append_json_writes_compact_json_and_a_terminator),
                cmocka_unit_test(truncate_tail_drops_only_unconsumed_bytes),
                cmocka_unit_test(fill_reads_what_is_there_and_reports_when_nothing_is),
                cmocka_unit_test(fill_returns_zero_at_end_of_file),
                cmocka_unit_test(fill_holds_at_most_max_pending_bytes),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
