/* SPDX-License-Identifier: MIT */
/* The client's text tables and the human forms of keys, timestamps and user names in them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "table.h"

/* Prints the table into a string the caller frees. */
static char *print_to_string(const Table *t) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        table_print(t, f);
        assert_int_equal(fclose(f), 0);
        assert_non_null(text);
        return text;
}

static void columns_are_aligned_to_their_widest_cell(void **state) {
        static const char *const headers[] = { "KIND", "OWNER", "STATE", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ "shm", "root", "orphan" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "sem", "postgresql", "in-use" }),
                         0);
        assert_int_equal(table_rows(t), 2);
        text = print_to_string(t);
        assert_string_equal(text, "KIND OWNER      STATE\n"
                                  "shm  root       orphan\n"
                                  "sem  postgresql in-use\n");
        free(text);
        table_free(t);
}

static void a_header_starting_with_gt_is_right_aligned_without_the_gt(void **state) {
        static const char *const headers[] = { "KIND", ">ID", ">SIZE", "RULE", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ "shm", "32768", "1M", "a" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "msg", "5", "12.5K", "b" }), 0);
        text = print_to_string(t);
        assert_string_equal(text, "KIND    ID  SIZE RULE\n"
                                  "shm  32768    1M a\n"
                                  "msg      5 12.5K b\n");
        assert_null(strchr(text, '>'));
        free(text);
        table_free(t);
}

static void the_last_column_is_never_padded(void **state) {
        static const char *const headers[] = { "ID", "CREATOR", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ "1", "php-fpm: pool www" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "22", "x" }), 0);
        text = print_to_string(t);
        assert_string_equal(text, "ID CREATOR\n"
                                  "1  php-fpm: pool www\n"
                                  "22 x\n");
        for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
                assert_true(p[-1] != ' ');
        free(text);
        table_free(t);
}

static void a_right_aligned_last_column_is_padded_on_the_left(void **state) {
        static const char *const headers[] = { "KIND", ">BYTES", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ "shm", "1048576" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "sem", "0" }), 0);
        text = print_to_string(t);
        assert_string_equal(text, "KIND   BYTES\n"
                                  "shm  1048576\n"
                                  "sem        0\n");
        free(text);
        table_free(t);
}

static void a_null_cell_prints_a_dash(void **state) {
        static const char *const headers[] = { "KIND", "CREATOR", ">PID", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ "shm", NULL, NULL }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ NULL, "worker", "12" }), 0);
        text = print_to_string(t);
        assert_string_equal(text, "KIND CREATOR PID\n"
                                  "shm  -         -\n"
                                  "-    worker   12\n");
        free(text);
        table_free(t);
}

static void cells_are_copied_when_added(void **state) {
        static const char *const headers[] = { "A", "B", NULL };
        Table *t = table_new(headers);
        char a[8] = "one", b[8] = "two";
        char *text;

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ a, b }), 0);
        strcpy(a, "XXX");
        strcpy(b, "YYY");
        text = print_to_string(t);
        assert_string_equal(text, "A   B\none two\n");
        free(text);
        table_free(t);
}

static void a_table_without_rows_prints_its_headers(void **state) {
        static const char *const headers[] = { "KIND", ">ID", "STATE", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        assert_int_equal(table_rows(t), 0);
        text = print_to_string(t);
        assert_string_equal(text, "KIND ID STATE\n");
        free(text);
        table_free(t);
        assert_null(table_free(NULL));
}

static void many_rows_are_kept_in_order(void **state) {
        static const char *const headers[] = { ">N", NULL };
        Table *t = table_new(headers);
        char *text, *expected = NULL, cell[16];
        size_t size = 0;
        FILE *f = open_memstream(&expected, &size);

        assert_non_null(t);
        assert_non_null(f);
        fprintf(f, "  N\n");
        for (int i = 0; i < 1000; i++) {
                snprintf(cell, sizeof(cell), "%d", i);
                assert_int_equal(table_add_row(t, (const char *const[]){ cell }), 0);
                fprintf(f, "%3d\n", i);
        }
        assert_int_equal(fclose(f), 0);
        assert_int_equal(table_rows(t), 1000);
        text = print_to_string(t);
        assert_string_equal(text, expected);
        free(text);
        free(expected);
        table_free(t);
}

static void format_key_prints_eight_hex_digits_as_ipcs_does(void **state) {
        char buf[16];

        assert_string_equal(format_key(buf, sizeof(buf), 0), "0x00000000");
        assert_string_equal(format_key(buf, sizeof(buf), 0x5000), "0x00005000");
        assert_string_equal(format_key(buf, sizeof(buf), 0xdeadbeef), "0xdeadbeef");
        assert_string_equal(format_key(buf, sizeof(buf), (uint32_t) -1), "0xffffffff");
}

static void format_timestamp_of_zero_or_negative_is_a_dash(void **state) {
        char buf[64];

        assert_string_equal(format_timestamp(buf, sizeof(buf), 0), "-");
        assert_string_equal(format_timestamp(buf, sizeof(buf), -5), "-");
}

static void format_timestamp_prints_local_date_and_time(void **state) {
        char buf[64];

        assert_int_equal(setenv("TZ", "UTC", 1), 0);
        tzset();
        assert_string_equal(format_timestamp(buf, sizeof(buf), 86400 + 3661),
                            "1970-01-02 01:01:01");
        assert_string_equal(format_timestamp(buf, sizeof(buf), 1795879800), "2026-11-28 15:30:00");
        /* Too small a buffer gives "-" rather than a cut-off date. */
        assert_string_equal(format_timestamp(buf, 8, 1795879800), "-");
}

static void format_user_names_root(void **state) {
        char buf[32];

        assert_string_equal(format_user(buf, sizeof(buf), 0), "root");
        /* Cached: the second answer is the same. */
        assert_string_equal(format_user(buf, sizeof(buf), 0), "root");
}

static void format_user_prints_the_number_of_an_unknown_uid(void **state) {
        char buf[32];

        assert_string_equal(format_user(buf, sizeof(buf), 3999999999u), "3999999999");
        assert_string_equal(format_user(buf, sizeof(buf), 3999999999u), "3999999999");
        assert_string_equal(format_user(buf, sizeof(buf), 4294967295u), "4294967295");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(columns_are_aligned_to_their_widest_cell),
                cmocka_unit_test(a_header_starting_with_gt_is_right_aligned_without_the_gt),
                cmocka_unit_test(the_last_column_is_never_padded),
                cmocka_unit_test(a_right_aligned_last_column_is_padded_on_the_left),
                cmocka_unit_test(a_null_cell_prints_a_dash),
                cmocka_unit_test(cells_are_copied_when_added),
                cmocka_unit_test(a_table_without_rows_prints_its_headers),
                cmocka_unit_test(many_rows_are_kept_in_order),
                cmocka_unit_test(format_key_prints_eight_hex_digits_as_ipcs_does),
                cmocka_unit_test(format_timestamp_of_zero_or_negative_is_a_dash),
                cmocka_unit_test(format_timestamp_prints_local_date_and_time),
                cmocka_unit_test(format_user_names_root),
                cmocka_unit_test(format_user_prints_the_number_of_an_unknown_uid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
