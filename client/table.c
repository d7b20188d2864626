/* SPDX-License-Identifier: MIT */
/* Aligned text tables in the style of systemctl and lsipc, and the human forms of times,
 * sizes and user names that fill them. */
#include <inttypes.h>
#include <pwd.h>
#include <time.h>

#include "hashmap.h"
#include "macro.h"
#include "table.h"

struct Table {
        size_t n_columns;
        char **headers;
        bool *right;
        char **cells; /* n_rows * n_columns */
        size_t n_rows, allocated;
};

Table *table_new(const char *const *headers) {
        Table *t = calloc(1, sizeof(Table));

        if (!t)
                return NULL;
        while (headers[t->n_columns])
                t->n_columns++;
        t->headers = calloc(t->n_columns, sizeof(char *));
        t->right = calloc(t->n_columns, sizeof(bool));
        if (!t->headers || !t->right)
                return table_free(t);
        for (size_t i = 0; i < t->n_columns; i++) {
                t->right[i] = headers[i][0] == '>';
                t->headers[i] = strdup(headers[i] + t->right[i]);
                if (!t->headers[i])
                        return table_free(t);
        }
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        for (size_t i = 0; t->headers && i < t->n_columns; i++)
                free(t->headers[i]);
        free(t->headers);
        free(t->right);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_row(Table *t, const char *const *cells) {
        if (GREEDY_REALLOC(t->cells, t->allocated, (t->n_rows + 1) * t->n_columns) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++) {
                char *c = strdup(cells[i] ? cells[i] : "-");
                if (!c) {
                        for (size_t j = 0; j < i; j++)
                                free(t->cells[t->n_rows * t->n_columns + j]);
                        return -ENOMEM;
                }
                t->cells[t->n_rows * t->n_columns + i] = c;
        }
        t->n_rows++;
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_rows;
}

static void print_row(const Table *t, FILE *f, char *const *cells, const size_t *width) {
        for (size_t i = 0; i < t->n_columns; i++) {
                bool last = i + 1 == t->n_columns;
                int w = (int) width[i];
                if (t->right[i])
                        fprintf(f, "%*s", w, cells[i]);
                else if (last)
                        fputs(cells[i], f);
                else
                        fprintf(f, "%-*s", w, cells[i]);
                fputs(last ? "\n" : " ", f);
        }
}

void table_print(const Table *t, FILE *f) {
        size_t *width = calloc(t->n_columns, sizeof(size_t));

        if (!width)
                return;
        for (size_t i = 0; i < t->n_columns; i++)
                width[i] = strlen(t->headers[i]);
        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t i = 0; i < t->n_columns; i++)
                        width[i] = MAX(width[i], strlen(t->cells[r * t->n_columns + i]));
        print_row(t, f, t->headers, width);
        for (size_t r = 0; r < t->n_rows; r++)
                print_row(t, f, &t->cells[r * t->n_columns], width);
        free(width);
}

const char *format_user(char *buf, size_t size, uint32_t uid) {
        static Hashmap cache;
        const char *name = hashmap_get(&cache, uid + 1ULL);

        if (!name) {
                /* Cached as given, so a user name service is asked once per uid. */
                struct passwd *pw = getpwuid(uid);
                char *copy = NULL;
                if (pw)
                        copy = strdup(pw->pw_name);
                else if (asprintf(&copy, "%" PRIu32, uid) < 0)
                        copy = NULL;
                if (copy && hashmap_put(&cache, uid + 1ULL, copy, NULL) < 0) {
                        snprintf(buf, size, "%s", copy);
                        free(copy);
                        return buf;
                }
                name = copy;
        }
        if (!name) {
                snprintf(buf, size, "%" PRIu32, uid);
                return buf;
        }
        return name;
}

char *format_timestamp(char *buf, size_t size, int64_t t) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (t <= 0 || !localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                snprintf(buf, size, "-");
        return buf;
}

char *format_key(char *buf, size_t size, uint32_t key) {
        snprintf(buf, size, "0x%08" PRIx32, key);
        return buf;
}

char *format_limit(char *buf, size_t size, uint64_t value) {
        if (limit_is_unlimited(value))
                snprintf(buf, size, "unlimited");
        else
                snprintf(buf, size, "%" PRIu64, value);
        return buf;
}
