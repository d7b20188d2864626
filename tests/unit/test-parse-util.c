/* SPDX-License-Identifier: MIT */
/* The policy's value syntax: booleans, numbers, time spans, sizes, and their printed forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"

/* A value the parsers must leave alone when they fail. */
#define UNTOUCHED UINT64_C(0xdeadbeef)

#define assert_span(text, expected)                                   \
        do {                                                          \
                uint64_t _v = UNTOUCHED;                              \
                assert_int_equal(parse_timespan_sec((text), &_v), 0); \
                assert_int_equal(_v, (expected));                     \
        } while (0)

#define assert_span_error(text, error)                                    \
        do {                                                              \
                uint64_t _v = UNTOUCHED;                                  \
                assert_int_equal(parse_timespan_sec((text), &_v), error); \
                assert_int_equal(_v, UNTOUCHED);                          \
        } while (0)

#define assert_size(text, expected)                           \
        do {                                                  \
                uint64_t _v = UNTOUCHED;                      \
                assert_int_equal(parse_size((text), &_v), 0); \
                assert_int_equal(_v, (expected));             \
        } while (0)

#define assert_size_error(text, error)                            \
        do {                                                      \
                uint64_t _v = UNTOUCHED;                          \
                assert_int_equal(parse_size((text), &_v), error); \
                assert_int_equal(_v, UNTOUCHED);                  \
        } while (0)

/* ---- booleans ---- */

static void boolean_accepts_every_documented_spelling(void **state) {
        static const char *const yes[] = { "yes", "true", "on", "1", "y", "t", "YES", "True" };
        static const char *const no[] = { "no", "false", "off", "0", "n", "f", "NO", "Off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                assert_int_equal(parse_boolean(yes[i]), 1);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                assert_int_equal(parse_boolean(no[i]), 0);
}

static void boolean_rejects_anything_else(void **state) {
        static const char *const bad[] = { "", "2", "-1", "yess", "maybe", " yes", "no ", "onn" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(parse_boolean(bad[i]), -EINVAL);
}

/* ---- whole numbers ---- */

static void uint64_reads_decimal_numbers_up_to_the_maximum(void **state) {
        uint64_t v;

        assert_int_equal(parse_uint64("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_uint64("42", &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(parse_uint64("007", &v), 0);
        assert_int_equal(v, 7);
        assert_int_equal(parse_uint64("18446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
}

static void uint64_rejects_signs_blanks_and_trailing_text(void **state) {
        static const char *const bad[] = { "",   "-1",   "+1",  " 1",     "1 ", "1a",
                                           "0x", "0x10", "1.0", "0x0x10", "a" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t v = UNTOUCHED;
                assert_int_equal(parse_uint64(bad[i], &v), -EINVAL);
                assert_int_equal(v, UNTOUCHED);
        }
}

static void uint64_reports_overflow_as_erange(void **state) {
        uint64_t v = UNTOUCHED;

        assert_int_equal(parse_uint64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(parse_uint64("99999999999999999999999", &v), -ERANGE);
        assert_int_equal(v, UNTOUCHED);
}

static void uint32_reads_up_to_the_maximum_and_refuses_more(void **state) {
        uint32_t v = 7;

        assert_int_equal(parse_uint32("4294967295", &v), 0);
        assert_true(v == UINT32_MAX);
        v = 7;
        assert_int_equal(parse_uint32("4294967296", &v), -ERANGE);
        assert_int_equal(parse_uint32("-1", &v), -EINVAL);
        assert_int_equal(parse_uint32("", &v), -EINVAL);
        assert_int_equal(v, 7);
}

/* ---- hexadecimal keys ---- */

static void hex_uint32_reads_one_prefix_and_hex_digits_in_either_case(void **state) {
        static const struct {
                const char *text;
                uint32_t value;
        } good[] = {
                { "0x0", 0 },
                { "0x5000", 0x5000 },
                { "0X50ff", 0x50ff },
                { "0xABCdef", 0xabcdef },
                { "0xffffffff", UINT32_MAX },
                { "0x00000000000001", 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                uint32_t v = 7;
                assert_int_equal(parse_hex_uint32(good[i].text, &v), 0);
                assert_int_equal(v, good[i].value);
        }
}

static void hex_uint32_rejects_a_second_prefix_a_bare_prefix_signs_and_blanks(void **state) {
        static const char *const bad[] = { "",      "0x",   "0X",   "x5",   "5000", "0x0x5000",
                                           "0X0x5", "0xx5", "-0x5", "+0x5", "0x-5", "0x+5",
                                           " 0x5",  "0x 5", "0x5 ", "0x5g", "0x5-", "00x5" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint32_t v = 7;
                assert_int_equal(parse_hex_uint32(bad[i], &v), -EINVAL);
                assert_int_equal(v, 7);
        }
}

static void hex_uint32_reports_more_than_32_bits_as_erange(void **state) {
        uint32_t v = 7;

        assert_int_equal(parse_hex_uint32("0x100000000", &v), -ERANGE);
        assert_int_equal(parse_hex_uint32("0xffffffffffffffffffff", &v), -ERANGE);
        assert_int_equal(v, 7);
}

/* ---- time spans ---- */

static void timespan_plain_number_is_seconds(void **state) {
        assert_span("0", 0);
        assert_span("90", 90);
        assert_span("3600", 3600);
}

static void timespan_accepts_each_documented_unit(void **state) {
        assert_span("90s", 90);
        assert_span("5min", 300);
        assert_span("2h", 7200);
        assert_span("7d", 604800);
        assert_span("1w", 604800);
}

static void timespan_accepts_systemd_unit_spellings(void **state) {
        assert_span("10sec", 10);
        assert_span("10second", 10);
        assert_span("10seconds", 10);
        assert_span("2m", 120);
        assert_span("1minute", 60);
        assert_span("3minutes", 180);
        assert_span("1hr", 3600);
        assert_span("1hour", 3600);
        assert_span("2hours", 7200);
        assert_span("1day", 86400);
        assert_span("2days", 172800);
        assert_span("1week", 604800);
        assert_span("2weeks", 1209600);
}

static void timespan_adds_up_several_components(void **state) {
        assert_span("1h 30min", 5400);
        assert_span("1h30min", 5400);
        assert_span("1w 2d 3h 4min 5s", 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
        assert_span("2h \t 5min", 7500);
        assert_span("1min 30", 90);
        assert_span("5 min", 300);
        assert_span("  90s  ", 90);
}

static void timespan_rejects_malformed_text(void **state) {
        static const char *const bad[] = { "",       "   ",   "-1",      "5 mins", "abc",  "1x",
                                           "h",      "1hs",   "1.5h",    "5min-",  "+5",   "1 h x",
                                           "1ms",    "1mins", "5min,1h", "0x",     "0x10", "-5s",
                                           "5s -1s", "+5min", "0x0x10s" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_span_error(bad[i], -EINVAL);
}

static void timespan_reports_overflow_as_erange(void **state) {
        assert_span("18446744073709551615", UINT64_MAX);
        assert_span("18446744073709551615s", UINT64_MAX);
        assert_span_error("18446744073709551616", -ERANGE);
        assert_span_error("30500568904944w", -ERANGE); /* just over UINT64_MAX seconds */
        assert_span_error("18446744073709551615 1", -ERANGE);
        assert_span_error("18446744073709551615s 1s", -ERANGE);
}

/* ---- sizes ---- */

static void size_plain_number_is_bytes(void **state) {
        assert_size("0", 0);
        assert_size("4096", 4096);
        assert_size("100B", 100);
}

static void size_suffixes_are_powers_of_1024(void **state) {
        assert_size("512K", 512 * 1024);
        assert_size("1M", 1024 * 1024);
        assert_size("2G", UINT64_C(2) << 30);
        assert_size("3T", UINT64_C(3) << 40);
        assert_size("1P", UINT64_C(1) << 50);
        assert_size("4k", 4096);
        assert_size("1KiB", 1024);
        assert_size("1KB", 1024);
        assert_size("3MiB", UINT64_C(3) << 20);
        assert_size("1gb", UINT64_C(1) << 30);
}

static void size_rejects_malformed_text(void **state) {
        static const char *const bad[] = { "",    "-1",  "K",     "1.5M", "1 K", "1X",    "1KiBs",
                                           "1iB", "1Ki", "1BB",   "M1",   " 1K", "1K ",   "0x10",
                                           "1E",  "1KK", "1 KiB", "0x",   "+1K", "0x0x1K" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_size_error(bad[i], -EINVAL);
}

static void size_reports_overflow_as_erange(void **state) {
        assert_size("18446744073709551615", UINT64_MAX);
        assert_size("16383P", UINT64_C(16383) << 50);
        assert_size_error("16384P", -ERANGE);
        assert_size_error("17179869184G", -ERANGE);
        assert_size_error("18446744073709551616", -ERANGE);
}

/* ---- formatting ---- */

static void format_timespan_shows_at_most_two_units(void **state) {
        static const struct {
                uint64_t sec;
                const char *text;
        } cases[] = {
                { 0, "0s" },        { 1, "1s" },        { 59, "59s" },       { 60, "1min" },
                { 90, "1min 30s" }, { 3600, "1h" },     { 3665, "1h 1min" }, { 5400, "1h 30min" },
                { 86400, "1d" },    { 90061, "1d 1h" }, { 694861, "1w 1d" }, { 1209600, "2w" },
        };
        char buf[FORMAT_TIMESPAN_MAX];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_string_equal(format_timespan(buf, sizeof(buf), cases[i].sec), cases[i].text);
}

static void format_timespan_drops_a_smaller_unit_after_a_gap(void **state) {
        char buf[FORMAT_TIMESPAN_MAX];

        /* "1h 5s" would read as if minutes were missing; an age needs no such precision. */
        assert_string_equal(format_timespan(buf, sizeof(buf), 3605), "1h");
        assert_string_equal(format_timespan(buf, sizeof(buf), 86460), "1d");
}

static void format_timespan_never_writes_past_a_small_buffer(void **state) {
        char buf[16];

        memset(buf, 'x', sizeof(buf));
        format_timespan(buf, 4, 5400);
        assert_true(strlen(buf) < 4);
        assert_memory_equal(buf + 4, "xxxxxxxxxxxx", 12);

        memset(buf, 'x', sizeof(buf));
        format_timespan_exact(buf, 5, 694861);
        assert_true(strlen(buf) < 5);
        assert_memory_equal(buf + 5, "xxxxxxxxxxx", 11);
}

static void format_timespan_exact_spells_every_unit(void **state) {
        char buf[FORMAT_TIMESPAN_MAX];

        assert_string_equal(format_timespan_exact(buf, sizeof(buf), 0), "0");
        assert_string_equal(format_timespan_exact(buf, sizeof(buf), 59), "59s");
        assert_string_equal(format_timespan_exact(buf, sizeof(buf), 3605), "1h 5s");
        assert_string_equal(format_timespan_exact(buf, sizeof(buf), 5400), "1h 30min");
        assert_string_equal(format_timespan_exact(buf, sizeof(buf), 694861), "1w 1d 1h 1min 1s");
}

static uint64_t next_random(uint64_t *seed) {
        /* A fixed LCG: reproducible values spread over the whole 64-bit range. */
        *seed = *seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        return *seed;
}

static void format_timespan_exact_parses_back_to_the_same_value(void **state) {
        static const uint64_t values[] = { 0,      1,      59,     60,         61,
                                           3599,   3600,   3601,   86399,      86400,
                                           604799, 604800, 694861, UINT64_MAX, UINT64_MAX - 1 };
        char buf[FORMAT_TIMESPAN_MAX];
        uint64_t seed = 1;

        for (size_t i = 0; i < ELEMENTSOF(values) + 2000; i++) {
                uint64_t v, back = UNTOUCHED;
                if (i < ELEMENTSOF(values))
                        v = values[i];
                else
                        v = next_random(&seed) >> (i % 64);
                format_timespan_exact(buf, sizeof(buf), v);
                assert_int_equal(parse_timespan_sec(buf, &back), 0);
                assert_true(back == v);
        }
}

static void format_size_uses_base_1024_with_one_decimal(void **state) {
        static const struct {
                uint64_t bytes;
                const char *text;
        } cases[] = {
                { 0, "0B" },
                { 512, "512B" },
                { 1023, "1023B" },
                { 1024, "1K" },
                { 1536, "1.5K" },
                { 1075, "1K" }, /* 1.05K: one decimal, truncated */
                { 11263, "10.9K" },
                { 100 * 1024 + 512, "100K" }, /* three digits need no decimal */
                { 1048575, "1023K" },
                { 1048576, "1M" },
                { 3 * 1048576 / 2, "1.5M" },
                { UINT64_C(1) << 30, "1G" },
                { UINT64_C(5) << 40, "5T" },
                { UINT64_C(1) << 50, "1P" },
                { UINT64_MAX, "16383P" },
        };
        char buf[FORMAT_SIZE_MAX];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_string_equal(format_size(buf, sizeof(buf), cases[i].bytes), cases[i].text);
}

static void format_size_exact_uses_the_largest_exact_unit(void **state) {
        static const struct {
                uint64_t bytes;
                const char *text;
        } cases[] = {
                { 0, "0" },
                { 1000, "1000" },
                { 1024, "1K" },
                { 1536, "1536" },
                { 3 * 1048576 / 2, "1536K" },
                { UINT64_C(256) << 20, "256M" },
                { UINT64_C(2) << 30, "2G" },
                { UINT64_C(1) << 50, "1P" },
                { UINT64_C(1) << 60, "1024P" },
                { UINT64_MAX, "18446744073709551615" },
        };
        char buf[FORMAT_SIZE_MAX];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_string_equal(format_size_exact(buf, sizeof(buf), cases[i].bytes),
                                    cases[i].text);
}

static void format_size_exact_parses_back_to_the_same_value(void **state) {
        static const uint64_t values[] = { 0,
                                           1,
                                           1023,
                                           1024,
                                           1025,
                                           UINT64_C(256) << 20,
                                           UINT64_C(1) << 50,
                                           UINT64_C(1) << 63,
                                           UINT64_C(16383) << 50,
                                           UINT64_MAX };
        char buf[FORMAT_SIZE_MAX];
        uint64_t seed = 7;

        for (size_t i = 0; i < ELEMENTSOF(values) + 2000; i++) {
                uint64_t v, back = UNTOUCHED;
                if (i < ELEMENTSOF(values))
                        v = values[i];
                else /* Many values with long runs of low zero bits, so every unit is used. */
                        v = (next_random(&seed) >> (i % 64)) << ((i * 7) % 61);
                format_size_exact(buf, sizeof(buf), v);
                assert_int_equal(parse_size(buf, &back), 0);
                assert_true(back == v);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(boolean_accepts_every_documented_spelling),
                cmocka_unit_test(boolean_rejects_anything_else),
                cmocka_unit_test(uint64_reads_decimal_numbers_up_to_the_maximum),
                cmocka_unit_test(uint64_rejects_signs_blanks_and_trailing_text),
                cmocka_unit_test(uint64_reports_overflow_as_erange),
                cmocka_unit_test(uint32_reads_up_to_the_maximum_and_refuses_more),
                cmocka_unit_test(hex_uint32_reads_one_prefix_and_hex_digits_in_either_case),
                cmocka_unit_test(hex_uint32_rejects_a_second_prefix_a_bare_prefix_signs_and_blanks),
                cmocka_unit_test(hex_uint32_reports_more_than_32_bits_as_erange),
                cmocka_unit_test(timespan_plain_number_is_seconds),
                cmocka_unit_test(timespan_accepts_each_documented_unit),
                cmocka_unit_test(timespan_accepts_systemd_unit_spellings),
                cmocka_unit_test(timespan_adds_up_several_components),
                cmocka_unit_test(timespan_rejects_malformed_text),
                cmocka_unit_test(timespan_reports_overflow_as_erange),
                cmocka_unit_test(size_plain_number_is_bytes),
                cmocka_unit_test(size_suffixes_are_powers_of_1024),
                cmocka_unit_test(size_rejects_malformed_text),
                cmocka_unit_test(size_reports_overflow_as_erange),
                cmocka_unit_test(format_timespan_shows_at_most_two_units),
                cmocka_unit_test(format_timespan_drops_a_smaller_unit_after_a_gap),
                cmocka_unit_test(format_timespan_never_writes_past_a_small_buffer),
                cmocka_unit_test(format_timespan_exact_spells_every_unit),
                cmocka_unit_test(format_timespan_exact_parses_back_to_the_same_value),
                cmocka_unit_test(format_size_uses_base_1024_with_one_decimal),
                cmocka_unit_test(format_size_exact_uses_the_largest_exact_unit),
                cmocka_unit_test(format_size_exact_parses_back_to_the_same_value),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
