/* SPDX-License-Identifier: MIT */
/* The method table's parameters, read from the interface descriptions in methods.c: what
 * GetInterfaceDescription promises is what the server checks calls against. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"
#include "macro.h"
#include "manager.h"

typedef struct ExpectedParam {
        const char *name;
        ParamType type;
        bool required;
} ExpectedParam;

static const Method *find(const Method *methods, const char *name) {
        for (const Method *m = methods; m->name; m++)
                if (streq(m->name, name))
                        return m;
        return NULL;
}

static void assert_params(const char *method, const ExpectedParam *expected, size_t n) {
        const Method *methods = manager_methods(), *m;
        size_t i = 0;

        assert_non_null(methods);
        m = find(methods, method);
        assert_non_null(m);
        assert_non_null(m->params);
        for (const MethodParam *p = m->params; p->name; p++, i++) {
                assert_true(i < n);
                assert_string_equal(p->name, expected[i].name);
                assert_int_equal(p->type, expected[i].type);
                assert_int_equal(p->required, expected[i].required);
        }
        assert_int_equal(i, n);
}

#define ASSERT_PARAMS(method, ...)                                \
        do {                                                      \
                static const ExpectedParam e[] = { __VA_ARGS__ }; \
                assert_params(method, e, ELEMENTSOF(e));          \
        } while (0)

static void every_method_has_a_handler_and_parameters_from_its_description(void **state) {
        const Method *methods = manager_methods();
        size_t n = 0;

        assert_non_null(methods);
        for (const Method *m = methods; m->name; m++, n++) {
                assert_non_null(m->handler);
                assert_non_null(m->params);
        }
        assert_int_equal(n, 12);
        /* A second call hands back the same table, parsed once. */
        assert_ptr_equal(manager_methods(), methods);
}

static void methods_without_parameters_take_none(void **state) {
        assert_params(VARLINK_INTERFACE ".GetStatus", NULL, 0);
        assert_params(VARLINK_INTERFACE ".Metrics", NULL, 0);
        assert_params(VARLINK_INTERFACE ".Reload", NULL, 0);
        assert_params(VARLINK_INTERFACE ".ListQuarantine", NULL, 0);
        assert_params(VARLINK_SERVICE_INTERFACE ".GetInfo", NULL, 0);
}

static void optional_parameters_are_marked_by_a_question_mark(void **state) {
        ASSERT_PARAMS(VARLINK_INTERFACE ".List", { "kind", PARAM_STRING, false },
                      { "state", PARAM_STRING, false }, { "namespace", PARAM_STRING, false },
                      { "fields", PARAM_STRING, false });
        ASSERT_PARAMS(VARLINK_INTERFACE ".History", { "limit", PARAM_INT, false });
        ASSERT_PARAMS(VARLINK_INTERFACE ".Scan", { "dryRun", PARAM_BOOL, false });
}

static void required_parameters_have_their_types(void **state) {
        /* A System V object by id, a POSIX one by name. */
        ASSERT_PARAMS(VARLINK_INTERFACE ".Explain", { "kind", PARAM_STRING, true },
                      { "id", PARAM_INT, false }, { "name", PARAM_STRING, false },
                      { "namespace", PARAM_STRING, false });
        ASSERT_PARAMS(VARLINK_INTERFACE ".Simulate", { "config", PARAM_STRING, true });
        ASSERT_PARAMS(VARLINK_INTERFACE ".Restore", { "quarantineId", PARAM_STRING, true });
        ASSERT_PARAMS(VARLINK_SERVICE_INTERFACE ".GetInterfaceDescription",
                      { "interface", PARAM_STRING, true });
}

int main(void) {
#define TEST(f) cmocka_unit_test(f)
        const struct CMUnitTest tests[] = {
                TEST(every_method_has_a_handler_and_parameters_from_its_description),
                TEST(methods_without_parameters_take_none),
                TEST(optional_parameters_are_marked_by_a_question_mark),
                TEST(required_parameters_have_their_types),
        };
#undef TEST

        log_set_level(LOG_ERR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
