/* SPDX-License-Identifier: MIT */
/* The client's text tables and the human forms of keys, timestamps and user names in them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
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

static void a_cell_is_read_back_as_added_and_out_of_range_is_null(void **state) {
        static const char *const headers[] = { "KIND", "NAMESPACE", NULL };
        Table *t = table_new(headers);

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ "shm", "host" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "sem", NULL }), 0);
        assert_string_equal(table_get_cell(t, 0, 1), "host");
        assert_string_equal(table_get_cell(t, 1, 0), "sem");
        assert_string_equal(table_get_cell(t, 1, 1), "-");
        assert_null(table_get_cell(t, 2, 0));
        assert_null(table_get_cell(t, 0, 2));
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

/* Prints the given columns with flags into a string the caller frees. */
static char *print_columns_to_string(const Table *t, const size_t *columns, size_t n,
                                     TablePrintFlags flags) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        table_print_columns(t, f, columns, n, flags);
        assert_int_equal(fclose(f), 0);
        assert_non_null(text);
        return text;
}

static Table *objects_table(void) {
        static const char *const headers[] = { "KIND", ">ID", "OWNER", ">SIZE", "PENDING", NULL };
        Table *t = table_new(headers);

        assert_non_null(t);
        assert_int_equal(table_add_row_with_keys(
                                 t, (const char *const[]){ "shm", "7", "root", "12.5K", "idle 2s" },
                                 (const int64_t[]){ 0, 7, 0, 12800, 0 }),
                         0);
        assert_int_equal(table_add_row_with_keys(
                                 t, (const char *const[]){ "sem", "30", "alice", "4K", NULL },
                                 (const int64_t[]){ 0, 30, 0, 4096, 0 }),
                         0);
        assert_int_equal(table_add_row_with_keys(
                                 t, (const char *const[]){ "msg", "5", "bob", "1M", "pid 4 alive" },
                                 (const int64_t[]){ 0, 5, 0, 1048576, 0 }),
                         0);
        return t;
}

static void column_names_are_found_in_any_case(void **state) {
        Table *t = objects_table();

        assert_int_equal(table_columns(t), 5);
        assert_int_equal(table_find_column(t, "KIND"), 0);
        assert_int_equal(table_find_column(t, "id"), 1);
        /* The '>' of a right-aligned header is not part of its name. */
        assert_int_equal(table_find_column(t, "Size"), 3);
        assert_int_equal(table_find_column(t, ">SIZE"), -ENOENT);
        assert_int_equal(table_find_column(t, "SIZ"), -ENOENT);
        assert_int_equal(table_find_column(t, ""), -ENOENT);
        table_free(t);
}

static void a_column_list_is_parsed_in_its_order(void **state) {
        Table *t = objects_table();
        size_t *columns = NULL, n = 0;
        char *bad = NULL;

        assert_int_equal(table_parse_columns(t, "size,Kind,ID,kind", &columns, &n, &bad), 0);
        assert_int_equal(n, 4);
        assert_int_equal(columns[0], 3);
        assert_int_equal(columns[1], 0);
        assert_int_equal(columns[2], 1);
        assert_int_equal(columns[3], 0);
        assert_null(bad);
        free(columns);

        assert_int_equal(table_parse_columns(t, "ID,NOPE,KIND", &columns, &n, &bad), -ENOENT);
        assert_string_equal(bad, "NOPE");
        free(bad);
        bad = NULL;
        assert_int_equal(table_parse_columns(t, "", &columns, &n, &bad), -EINVAL);
        assert_int_equal(table_parse_columns(t, "ID,", &columns, &n, &bad), -EINVAL);
        assert_int_equal(table_parse_columns(t, ",ID", &columns, &n, &bad), -EINVAL);
        assert_int_equal(table_parse_columns(t, "ID,,KIND", &columns, &n, NULL), -EINVAL);
        assert_null(bad);
        table_free(t);
}

static void chosen_columns_print_in_their_order_and_the_last_is_not_padded(void **state) {
        Table *t = objects_table();
        char *text = print_columns_to_string(t, (const size_t[]){ 3, 0 }, 2, 0);

        assert_string_equal(text, " SIZE KIND\n"
                                  "12.5K shm\n"
                                  "   4K sem\n"
                                  "   1M msg\n");
        free(text);
        /* NULL: every column, as table_print. */
        text = print_columns_to_string(t, NULL, 0, 0);
        assert_string_equal(text, "KIND ID OWNER  SIZE PENDING\n"
                                  "shm   7 root  12.5K idle 2s\n"
                                  "sem  30 alice    4K -\n"
                                  "msg   5 bob      1M pid 4 alive\n");
        free(text);
        table_free(t);
}

static void right_aligned_columns_sort_by_their_numbers(void **state) {
        Table *t = objects_table();
        char *text;

        /* By bytes: 4K < 12.5K < 1M, which as text would be 12.5K, 1M, 4K. */
        table_sort(t, 3);
        text = print_columns_to_string(t, (const size_t[]){ 0 }, 1, TABLE_NO_HEADINGS);
        assert_string_equal(text, "sem\nshm\nmsg\n");
        free(text);
        /* By id: 5 < 7 < 30, which as text would be 30, 5, 7. */
        table_sort(t, 1);
        text = print_columns_to_string(t, (const size_t[]){ 1 }, 1, TABLE_NO_HEADINGS);
        assert_string_equal(text, " 5\n 7\n30\n");
        free(text);
        table_free(t);
}

static void left_aligned_columns_sort_by_text_and_ties_keep_their_order(void **state) {
        static const char *const headers[] = { "OWNER", ">N", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        /* Without keys, a right-aligned column sorts by the number its text starts with. */
        assert_int_equal(table_add_row(t, (const char *const[]){ "root", "10" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "alice", "9" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "root", "1" }), 0);
        assert_int_equal(table_add_row(t, (const char *const[]){ "alice", "2" }), 0);
        table_sort(t, 0);
        text = print_columns_to_string(t, NULL, 0, TABLE_RAW | TABLE_NO_HEADINGS);
        assert_string_equal(text, "alice 9\nalice 2\nroot 10\nroot 1\n");
        free(text);
        table_sort(t, 1);
        text = print_columns_to_string(t, NULL, 0, TABLE_RAW | TABLE_NO_HEADINGS);
        assert_string_equal(text, "root 1\nalice 2\nalice 9\nroot 10\n");
        free(text);
        /* Out of range: nothing happens. */
        table_sort(t, 2);
        table_free(t);
}

static void noheadings_drops_the_header_and_its_width(void **state) {
        static const char *const headers[] = { "IDENTIFIER", "K", NULL };
        Table *t = table_new(headers);
        char *text;

        assert_non_null(t);
        assert_int_equal(table_add_row(t, (const char *const[]){ "1", "shm" }), 0);
        text = print_columns_to_string(t, NULL, 0, TABLE_NO_HEADINGS);
        assert_string_equal(text, "1 shm\n");
        free(text);
        table_free(t);
}

static void raw_output_is_unaligned_and_escapes_blanks_as_lsipc_does(void **state) {
        Table *t = objects_table();
        char *text = print_columns_to_string(t, (const size_t[]){ 1, 4, 2 }, 3, TABLE_RAW);

        assert_string_equal(text, "ID PENDING OWNER\n"
                                  "7 idle\\x202s root\n"
                                  "30 - alice\n"
                                  "5 pid\\x204\\x20alive bob\n");
        free(text);
        table_free(t);
}

static void raw_escapes_backslash_tab_newline_and_control_characters(void **state) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        table_fputs_raw("a\\b\tc\nd\x01\x7f\u00e9", f);
        assert_int_equal(fclose(f), 0);
        /* UTF-8 (é) passes as it is. */
        assert_string_equal(text, "a\\x5cb\\x09c\\x0ad\\x01\\x7f\u00e9");
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(columns_are_aligned_to_their_widest_cell),
                cmocka_unit_test(a_header_starting_with_gt_is_right_aligned_without_the_gt),
                cmocka_unit_test(the_last_column_is_never_padded),
                cmocka_unit_test(a_right_aligned_last_column_is_padded_on_the_left),
                cmocka_unit_test(a_null_cell_prints_a_dash),
                cmocka_unit_test(a_cell_is_read_back_as_added_and_out_of_range_is_null),
                cmocka_unit_test(cells_are_copied_when_added),
                cmocka_unit_test(a_table_without_rows_prints_its_headers),
                cmocka_unit_test(many_rows_are_kept_in_order),
                cmocka_unit_test(format_key_prints_eight_hex_digits_as_ipcs_does),
                cmocka_unit_test(format_timestamp_of_zero_or_negative_is_a_dash),
                cmocka_unit_test(format_timestamp_prints_local_date_and_time),
                cmocka_unit_test(format_user_names_root),
                cmocka_unit_test(format_user_prints_the_number_of_an_unknown_uid),
                cmocka_unit_test(column_names_are_found_in_any_case),
                cmocka_unit_test(a_column_list_is_parsed_in_its_order),
                cmocka_unit_test(chosen_columns_print_in_their_order_and_the_last_is_not_padded),
                cmocka_unit_test(right_aligned_columns_sort_by_their_numbers),
                cmocka_unit_test(left_aligned_columns_sort_by_text_and_ties_keep_their_order),
                cmocka_unit_test(noheadings_drops_the_header_and_its_width),
                cmocka_unit_test(raw_output_is_unaligned_and_escapes_blanks_as_lsipc_does),
                cmocka_unit_test(raw_escapes_backslash_tab_newline_and_control_characters),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
