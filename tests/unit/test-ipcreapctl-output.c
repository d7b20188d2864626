/* SPDX-License-Identifier: MIT */
/* What ipcreapctl shows people of the daemon's replies about IPC namespaces, from the JSON
 * fixtures in tests/fixtures/replies/: the NAMESPACE column of list and history (there when
 * a container's object is, absent on a host alone or with an older daemon), status's line
 * per namespace with its highest limit use, and the namespace explain names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "output.h"
#include "table.h"

#define FIXTURES "tests/fixtures/replies/"

static json_t *load_fixture(const char *name) {
        _cleanup_free_ char *path = NULL;
        json_error_t error;
        json_t *j;

        assert_true(asprintf(&path, FIXTURES "%s", name) > 0);
        j = json_load_file(path, 0, &error);
        if (!j)
                fail_msg("%s:%d: %s", path, error.line, error.text);
        return j;
}

/* Runs print(f, userdata) into a string the caller frees. */
static char *capture(void (*print)(FILE *f, void *userdata), void *userdata) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        print(f, userdata);
        assert_int_equal(fclose(f), 0);
        assert_non_null(text);
        return text;
}

/* The list table of a List reply fixture. */
static Table *list_fixture(const char *name) {
        json_t *reply = load_fixture(name), *o;
        Table *t = list_table_new();
        size_t i;

        assert_non_null(t);
        json_array_foreach(json_object_get(reply, "objects"), i, o)
                assert_int_equal(list_table_add_object(t, o), 0);
        json_decref(reply);
        return t;
}

typedef struct Printed {
        const Table *table;
        const size_t *columns;
        size_t n_columns;
} Printed;

static void print_columns(FILE *f, void *userdata) {
        const Printed *p = userdata;
        table_print_columns(p->table, f, p->columns, p->n_columns, 0);
}

/* The listing with the default columns, as 'ipcreapctl list' prints it. */
static char *list_default_text(const Table *t) {
        _cleanup_free_ size_t *base = NULL, *columns = NULL;
        size_t n_base, n_columns;

        assert_int_equal(table_parse_columns(t, LIST_DEFAULT_COLUMNS, &base, &n_base, NULL), 0);
        assert_int_equal(namespace_columns(t, COL_NAMESPACE, base, n_base, &columns, &n_columns),
                         0);
        return capture(print_columns, &(Printed){ t, columns, n_columns });
}

static void each_object_shows_its_namespace(void **state) {
        Table *t = list_fixture("list-host-and-containers.json");

        assert_int_equal(table_rows(t), 3);
        assert_string_equal(table_get_cell(t, 0, COL_NAMESPACE), "host");
        assert_string_equal(table_get_cell(t, 1, COL_NAMESPACE), "docker-0123abcd.scope");
        assert_string_equal(table_get_cell(t, 2, COL_NAMESPACE), "machine-web.scope");
        /* The same key in two namespaces: two rows, told apart by their namespace. */
        assert_string_equal(table_get_cell(t, 0, COL_KEY), table_get_cell(t, 1, COL_KEY));
        table_free(t);
}

static void an_older_daemons_objects_are_in_host(void **state) {
        Table *t = list_fixture("list-older-daemon.json");

        assert_int_equal(table_rows(t), 2);
        for (size_t r = 0; r < table_rows(t); r++)
                assert_string_equal(table_get_cell(t, r, COL_NAMESPACE), "host");
        table_free(t);
}

static void the_namespace_column_is_last_when_a_container_is_listed(void **state) {
        Table *t = list_fixture("list-host-and-containers.json");
        char *text = list_default_text(t);
        char *first_line_end = strchr(text, '\n');

        assert_non_null(first_line_end);
        /* Last, so long container names widen no other column. */
        assert_memory_equal(first_line_end - strlen("NAMESPACE"), "NAMESPACE", strlen("NAMESPACE"));
        assert_non_null(strstr(text, "docker-0123abcd.scope\n"));
        assert_non_null(strstr(text, "machine-web.scope\n"));
        assert_non_null(strstr(text, " host\n"));
        free(text);
        table_free(t);
}

static void a_host_alone_lists_without_the_namespace_column(void **state) {
        Table *t = list_fixture("list-older-daemon.json");
        char *text = list_default_text(t);

        assert_null(strstr(text, "NAMESPACE"));
        assert_null(strstr(text, "host"));
        assert_true(strncmp(text, "KIND", 4) == 0);
        free(text);
        table_free(t);
}

static void namespace_columns_keeps_the_chosen_ones_and_adds_it_once(void **state) {
        Table *t = list_fixture("list-host-and-containers.json");
        _cleanup_free_ size_t *columns = NULL, *again = NULL, *host_only = NULL;
        const size_t chosen[] = { COL_ID, COL_NAMESPACE, COL_KIND };
        const size_t plain[] = { COL_KIND, COL_ID };
        size_t n;

        /* Already chosen (as -o +NAMESPACE does): not a second time. */
        assert_int_equal(namespace_columns(t, COL_NAMESPACE, chosen, 3, &columns, &n), 0);
        assert_int_equal(n, 3);
        assert_memory_equal(columns, chosen, sizeof(chosen));
        assert_int_equal(namespace_columns(t, COL_NAMESPACE, plain, 2, &again, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(again[0], COL_KIND);
        assert_int_equal(again[1], COL_ID);
        assert_int_equal(again[2], COL_NAMESPACE);
        table_free(t);

        t = list_fixture("list-older-daemon.json");
        assert_int_equal(namespace_columns(t, COL_NAMESPACE, plain, 2, &host_only, &n), 0);
        assert_int_equal(n, 2);
        table_free(t);
}

/* ---- history ---- */

static char *history_text(const char *fixture) {
        json_t *reply = load_fixture(fixture);
        Table *t = history_table_new(json_object_get(reply, "events"));
        _cleanup_free_ size_t *columns = NULL;
        size_t n;
        char *text;

        json_decref(reply);
        assert_non_null(t);
        assert_int_equal(namespace_columns(t, HISTORY_COL_NAMESPACE, NULL, 0, &columns, &n), 0);
        text = capture(print_columns, &(Printed){ t, columns, n });
        table_free(t);
        return text;
}

static void history_names_the_namespace_of_container_events(void **state) {
        char *text = history_text("history-namespaces.json");

        assert_true(strncmp(text, "TIME KIND", 9) == 0);
        assert_non_null(strstr(text, " NAMESPACE\n"));
        assert_non_null(strstr(text, " libpod-4567ef.scope\n"));
        /* A host event in the same table says host, so no cell is left to guess. */
        assert_non_null(strstr(text, " host\n"));
        free(text);
}

static void history_of_the_host_alone_has_no_namespace_column(void **state) {
        char *text = history_text("history-older-daemon.json");

        assert_null(strstr(text, "NAMESPACE"));
        assert_null(strstr(text, "host"));
        /* A POSIX object's name stands in the id column, as before. */
        assert_non_null(strstr(text, "PostgreSQL.1234"));
        free(text);
}

/* ---- status ---- */

static void print_namespaces(FILE *f, void *userdata) {
        status_print_namespaces(f, json_object_get(userdata, "namespaces"));
}

static void print_status(FILE *f, void *userdata) {
        status_print(f, userdata, 1764500200);
}

static void status_shows_a_line_per_namespace_with_its_highest_limit_use(void **state) {
        json_t *reply = load_fixture("status-namespaces.json");
        char *text = capture(print_namespaces, reply);

        /* The unlimited shmall names no pressure: a namespace with only that shows "-". */
        assert_string_equal(
                text,
                "  Namespaces: NAMESPACE                            OBJECTS ORPHANS HIGHEST "
                "LIMIT USE\n"
                "              host                                      12       1 shmmni 0.3%\n"
                "              kubepods-burstable-pod0f1e2d3c.slice    3000     250 semmni 95.2%\n"
                "              ipc-4026532600                             0       0 -\n");
        free(text);
        json_decref(reply);
}

static void status_puts_the_namespaces_after_the_limits(void **state) {
        json_t *reply = load_fixture("status-namespaces.json");
        char *text = capture(print_status, reply);

        assert_non_null(strstr(text, "      Limits: shmmni 12/4096 (0.3%)\n"
                                     "  Namespaces: NAMESPACE "));
        assert_non_null(strstr(text, "semmni 95.2%\n"));
        free(text);
        json_decref(reply);
}

static void status_of_an_older_daemon_prints_no_namespaces(void **state) {
        json_t *reply = load_fixture("status-older-daemon.json");
        char *text = capture(print_status, reply);

        assert_null(strstr(text, "Namespaces"));
        assert_non_null(strstr(text, "      Limits: shmmni 12/4096 (0.3%)\n"));
        /* The limits line is the last. */
        assert_string_equal(strstr(text, "      Limits:"), "      Limits: shmmni 12/4096 (0.3%)\n");
        free(text);
        json_decref(reply);
}

static void the_highest_limit_use_ignores_unlimited_limits(void **state) {
        json_t *reply = load_fixture("status-namespaces.json");
        json_t *namespaces = json_object_get(reply, "namespaces");
        double ratio = -1;
        json_t *limit;

        limit = limits_highest_use(json_object_get(json_array_get(namespaces, 1), "limits"),
                                   &ratio);
        assert_non_null(limit);
        assert_string_equal(json_string_value(json_object_get(limit, "name")), "semmni");
        assert_true(ratio > 0.95 && ratio < 0.96);
        assert_null(limits_highest_use(json_object_get(json_array_get(namespaces, 2), "limits"),
                                       &ratio));
        assert_null(limits_highest_use(NULL, &ratio));
        json_decref(reply);
}

/* ---- explain ---- */

static void print_explain(FILE *f, void *userdata) {
        explain_print(f, userdata, "0");
}

static void print_explain_posix(FILE *f, void *userdata) {
        explain_print(f, userdata, "PostgreSQL.1234");
}

static void explain_names_the_namespace_and_its_inode(void **state) {
        json_t *reply = load_fixture("explain-container.json");
        char *text = capture(print_explain, reply);

        assert_true(strncmp(text, "shm 0 (key 0x00001234), owner root, 4K, idle 2h\n", 48) == 0);
        assert_non_null(strstr(text, "\n Namespace: machine-web.scope (ipc:[4026532400])\n"
                                     "     State: orphan under rule web-orphans\n"));
        free(text);
        json_decref(reply);
}

static void explain_of_an_older_daemon_says_host(void **state) {
        json_t *reply = load_fixture("explain-older-daemon.json");
        char *text = capture(print_explain_posix, reply);

        assert_true(strncmp(text, "posix-shm PostgreSQL.1234, owner root, ", 39) == 0);
        assert_non_null(strstr(text, "\n Namespace: host\n     State: idle\n"));
        assert_non_null(strstr(text, "     Rules: none (the object is unmatched)\n"));
        free(text);
        json_decref(reply);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(each_object_shows_its_namespace),
                cmocka_unit_test(an_older_daemons_objects_are_in_host),
                cmocka_unit_test(the_namespace_column_is_last_when_a_container_is_listed),
                cmocka_unit_test(a_host_alone_lists_without_the_namespace_column),
                cmocka_unit_test(namespace_columns_keeps_the_chosen_ones_and_adds_it_once),
                cmocka_unit_test(history_names_the_namespace_of_container_events),
                cmocka_unit_test(history_of_the_host_alone_has_no_namespace_column),
                cmocka_unit_test(status_shows_a_line_per_namespace_with_its_highest_limit_use),
                cmocka_unit_test(status_puts_the_namespaces_after_the_limits),
                cmocka_unit_test(status_of_an_older_daemon_prints_no_namespaces),
                cmocka_unit_test(the_highest_limit_use_ignores_unlimited_limits),
                cmocka_unit_test(explain_names_the_namespace_and_its_inode),
                cmocka_unit_test(explain_of_an_older_daemon_says_host),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
