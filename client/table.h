/* SPDX-License-Identifier: MIT */
/* Aligned text tables in the style of systemctl and lsipc, and the human forms of times,
 * sizes and user names that fill them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Table Table;

/* headers: NULL-terminated. A header starting with '>' is right-aligned (the '>' is not
 * printed): numbers and sizes. */
Table *table_new(const char *const *headers);
Table *table_free(Table *t);
/* Adds one row of exactly as many cells as headers; cells are copied; NULL prints "-". */
int table_add_row(Table *t, const char *const *cells);
size_t table_rows(const Table *t);
/* The last column is never padded, so long creators do not widen every line. */
void table_print(const Table *t, FILE *f);

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
