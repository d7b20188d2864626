/* SPDX-License-Identifier: MIT */
/* Aligned text tables in the style of systemctl and lsipc, and the human forms of times,
 * sizes and user names that fill them. */
#include <ctype.h>
#include <inttypes.h>
#include <pwd.h>
#include <strings.h>
#include <time.h>

#include "hashmap.h"
#include "macro.h"
#include "table.h"

struct Table {
        size_t n_columns;
        char **headers;
        bool *right;
        char **cells;  /* n_rows * n_columns */
        int64_t *keys; /* n_rows * n_columns: what right-aligned columns sort by */
        size_t n_rows, allocated, allocated_keys;
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
        free(t->keys);
        free(t);
        return NULL;
}

int table_add_row_with_keys(Table *t, const char *const *cells, const int64_t *keys) {
        size_t base = t->n_rows * t->n_columns;

        if (GREEDY_REALLOC(t->cells, t->allocated, base + t->n_columns) < 0 ||
            GREEDY_REALLOC(t->keys, t->allocated_keys, base + t->n_columns) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++) {
                char *c = strdup(cells[i] ? cells[i] : "-");
                if (!c) {
                        for (size_t j = 0; j < i; j++)
                                free(t->cells[base + j]);
                        return -ENOMEM;
                }
                t->cells[base + i] = c;
                t->keys[base + i] = keys ? keys[i] : strtoll(c, NULL, 10);
        }
        t->n_rows++;
        return 0;
}

int table_add_row(Table *t, const char *const *cells) {
        return table_add_row_with_keys(t, cells, NULL);
}

size_t table_rows(const Table *t) {
        return t->n_rows;
}

size_t table_columns(const Table *t) {
        return t->n_columns;
}

const char *table_get_cell(const Table *t, size_t row, size_t column) {
        if (row >= t->n_rows || column >= t->n_columns)
                return NULL;
        return t->cells[row * t->n_columns + column];
}

int table_find_column(const Table *t, const char *name) {
        for (size_t i = 0; i < t->n_columns; i++)
                if (strcasecmp(t->headers[i], name) == 0)
                        return (int) i;
        return -ENOENT;
}

int table_parse_columns(const Table *t, const char *list, size_t **ret, size_t *ret_n,
                        char **ret_bad) {
        _cleanup_free_ size_t *columns = NULL;
        size_t n = 0, allocated = 0;
        const char *p = list;

        for (;;) {
                size_t len = strcspn(p, ",");
                _cleanup_free_ char *name = strndup(p, len);
                int c;

                if (!name)
                        return -ENOMEM;
                if (len == 0)
                        return -EINVAL;
                c = table_find_column(t, name);
                if (c < 0) {
                        if (ret_bad)
                                *ret_bad = TAKE_PTR(name);
                        return c;
                }
                if (GREEDY_REALLOC(columns, allocated, n + 1) < 0)
                        return -ENOMEM;
                columns[n++] = (size_t) c;
                if (!p[len])
                        break;
                p += len + 1;
        }
        *ret = TAKE_PTR(columns);
        *ret_n = n;
        return 0;
}

typedef struct SortContext {
        const Table *table;
        size_t column;
} SortContext;

static int compare_rows(const void *a, const void *b, void *userdata) {
        const SortContext *ctx = userdata;
        const Table *t = ctx->table;
        size_t ra = *(const size_t *) a, rb = *(const size_t *) b;
        size_t ia = ra * t->n_columns + ctx->column, ib = rb * t->n_columns + ctx->column;
        int r;

        if (t->right[ctx->column])
                r = (t->keys[ia] > t->keys[ib]) - (t->keys[ia] < t->keys[ib]);
        else
                r = strcmp(t->cells[ia], t->cells[ib]);
        /* Ties keep their order: qsort is not stable by itself. */
        return r != 0 ? r : (ra > rb) - (ra < rb);
}

void table_sort(Table *t, size_t column) {
        _cleanup_free_ size_t *order = NULL;
        _cleanup_free_ char **cells = NULL;
        _cleanup_free_ int64_t *keys = NULL;
        size_t nc = t->n_columns;
        SortContext ctx = { t, column };

        if (column >= nc || t->n_rows < 2)
                return;
        order = calloc(t->n_rows, sizeof(size_t));
        cells = calloc(t->n_rows * nc, sizeof(char *));
        keys = calloc(t->n_rows * nc, sizeof(int64_t));
        if (!order || !cells || !keys)
                return; /* left unsorted rather than failing the whole listing */
        for (size_t r = 0; r < t->n_rows; r++)
                order[r] = r;
        qsort_r(order, t->n_rows, sizeof(size_t), compare_rows, &ctx);
        for (size_t r = 0; r < t->n_rows; r++) {
                memcpy(&cells[r * nc], &t->cells[order[r] * nc], nc * sizeof(char *));
                memcpy(&keys[r * nc], &t->keys[order[r] * nc], nc * sizeof(int64_t));
        }
        memcpy(t->cells, cells, t->n_rows * nc * sizeof(char *));
        memcpy(t->keys, keys, t->n_rows * nc * sizeof(int64_t));
}

void table_fputs_raw(const char *s, FILE *f) {
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                /* Bytes of multibyte characters (>= 0x80) stay as they are. */
                if (c == ' ' || c == '\\' || c < 0x20 || c == 0x7f)
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
}

static void print_row(const Table *t, FILE *f, char *const *cells, const size_t *columns, size_t n,
                      const size_t *width, TablePrintFlags flags) {
        for (size_t k = 0; k < n; k++) {
                size_t i = columns[k];
                bool last = k + 1 == n;
                int w = (int) width[i];
                if (flags & TABLE_RAW)
                        table_fputs_raw(cells[i], f);
                else if (t->right[i])
                        fprintf(f, "%*s", w, cells[i]);
                else if (last)
                        fputs(cells[i], f);
                else
                        fprintf(f, "%-*s", w, cells[i]);
                fputs(last ? "\n" : " ", f);
        }
}

void table_print_columns(const Table *t, FILE *f, const size_t *columns, size_t n_columns,
                         TablePrintFlags flags) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));
        _cleanup_free_ size_t *all = NULL;

        if (!width)
                return;
        if (!columns) {
                all = calloc(t->n_columns, sizeof(size_t));
                if (!all)
                        return;
                for (size_t i = 0; i < t->n_columns; i++)
                        all[i] = i;
                columns = all;
                n_columns = t->n_columns;
        }
        for (size_t i = 0; i < t->n_columns; i++)
                width[i] = flags & TABLE_NO_HEADINGS ? 0 : strlen(t->headers[i]);
        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t i = 0; i < t->n_columns; i++)
                        width[i] = MAX(width[i], strlen(t->cells[r * t->n_columns + i]));
        if (!(flags & TABLE_NO_HEADINGS))
                print_row(t, f, t->headers, columns, n_columns, width, flags);
        for (size_t r = 0; r < t->n_rows; r++)
                print_row(t, f, &t->cells[r * t->n_columns], columns, n_columns, width, flags);
}

void table_print(const Table *t, FILE *f) {
        table_print_columns(t, f, NULL, 0, 0);
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
