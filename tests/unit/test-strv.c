/* SPDX-License-Identifier: MIT */
/* String vectors: splitting policy lists on blanks, joining, copying. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "strv.h"

static void split_blanks_ignores_runs_of_blanks(void **state) {
        char **l = strv_split_blanks("  shm\tsem   msg \n");
        assert_non_null(l);
        assert_int_equal(strv_length(l), 3);
        assert_string_equal(l[0], "shm");
        assert_string_equal(l[1], "sem");
        assert_string_equal(l[2], "msg");
        strv_free(l);
}

static void split_blanks_of_empty_text_is_an_empty_list(void **state) {
        char **l = strv_split_blanks("   ");
        assert_non_null(l);
        assert_null(l[0]);
        strv_free(l);
}

static void join_and_copy_keep_order(void **state) {
        char **l = strv_split_blanks("a b c"), **c;
        char *s;

        c = strv_copy(l);
        s = strv_join(c, ", ");
        assert_string_equal(s, "a, b, c");
        assert_true(strv_contains(c, "b"));
        assert_false(strv_contains(c, "d"));
        free(s);
        strv_free(l);
        strv_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(split_blanks_ignores_runs_of_blanks),
                cmocka_unit_test(split_blanks_of_empty_text_is_an_empty_list),
                cmocka_unit_test(join_and_copy_keep_order),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
