/* SPDX-License-Identifier: MIT */
/* Aligned text tables in the style of systemctl and lsipc, and the human forms of times,
 * sizes and user names that fill them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Table Table;

/* headers: NULL-terminated. A header starting with '>' is right-aligned (the '>' is not
 * printed): numbers and sizes, which also sort as numbers (table_sort). */
Table *table_new(const char *const *headers);
Table *table_free(Table *t);
/* Adds one row of exactly as many cells as headers; cells are copied; NULL prints "-".
 * A right-aligned column sorts by the number its cell starts with (0 if none). */
int table_add_row(Table *t, const char *const *cells);
/* The same, with the numbers that right-aligned columns sort by (keys[i], one per column;
 * ignored for the others): a size "12.5K" sorts by its bytes. */
int table_add_row_with_keys(Table *t, const char *const *cells, const int64_t *keys);
size_t table_rows(const Table *t);
size_t table_columns(const Table *t);
/* The text of a cell ("-" for one added as NULL); NULL when row or column is out of range. */
const char *table_get_cell(const Table *t, size_t row, size_t column);
/* The column whose header is name, compared without regard to case; -ENOENT if none. */
int table_find_column(const Table *t, const char *name);
/* Parses a comma-separated list of column names ("ID,key,Owner") into their indices (a
 * new array in *ret, n in *ret_n). -EINVAL for an empty list or an empty name, -ENOENT
 * for a name no column has (then *ret_bad, if given, is a copy of it). */
int table_parse_columns(const Table *t, const char *list, size_t **ret, size_t *ret_n,
                        char **ret_bad);
/* Orders the rows by one column, ascending and stable: right-aligned columns by their
 * numbers, the others by their text, byte by byte. */
void table_sort(Table *t, size_t column);

typedef enum TablePrintFlags {
        TABLE_NO_HEADINGS = 1 << 0, /* rows only */
        /* No alignment: cells separated by one space, and in each cell blanks, backslashes
         * and control characters written as \xHH (as lsipc --raw does), so that a line
         * splits into its fields at the spaces. */
        TABLE_RAW = 1 << 1,
} TablePrintFlags;

/* The last column is never padded, so long creators do not widen every line. */
void table_print(const Table *t, FILE *f);
/* Prints only the given columns, in that order (columns NULL: all of them). */
void table_print_columns(const Table *t, FILE *f, const size_t *columns, size_t n_columns,
                         TablePrintFlags flags);
/* Writes s with the escapes of TABLE_RAW. */
void table_fputs_raw(const char *s, FILE *f);

/* "alice" for a uid with a name, the number otherwise; cached. */
const char *format_user(char *buf, size_t size, uint32_t uid);
/* "2026-11-28 15:30:00" in local time; "-" for 0. */
char *format_timestamp(char *buf, size_t size, int64_t t);
/* "0x0000abcd", as ipcs prints keys. */
char *format_key(char *buf, size_t size, uint32_t key);

/* Kernel IPC limits at or above this mean "no limit": the kernel's defaults for shmall and
 * shmmax are ULONG_MAX - 2^24 (clamped to INT64_MAX on the wire), and other sentinels are
 * LONG_MAX-ish; no real limit comes near 2^62. */
#define LIMIT_UNLIMITED_MIN (UINT64_C(1) << 62)
static inline bool limit_is_unlimited(uint64_t value) {
        return value >= LIMIT_UNLIMITED_MIN;
}
/* The number, or "unlimited" for a sentinel. */
char *format_limit(char *buf, size_t size, uint64_t value);
