/* SPDX-License-Identifier: MIT */
/* Parsers and formatters for the policy's value syntax: booleans, time spans, sizes, numbers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FORMAT_TIMESPAN_MAX 64
#define FORMAT_SIZE_MAX     32

int parse_boolean(const char *s);
int parse_uint64(const char *s, uint64_t *ret);
int parse_uint32(const char *s, uint32_t *ret);
/* "0x5000" or "0X5000": one prefix, then hex digits only; no sign, blank or second "0x". */
int parse_hex_uint32(const char *s, uint32_t *ret);
int parse_timespan_sec(const char *s, uint64_t *ret);
int parse_size(const char *s, uint64_t *ret);

/* "2h 5min", "3d", "0s": at most two units, the way a human reads an age. */
char *format_timespan(char *buf, size_t size, uint64_t sec);
/* Exact form that parse_timespan_sec() reads back: "1h 30min 5s". */
char *format_timespan_exact(char *buf, size_t size, uint64_t sec);
/* "512B", "4K", "1.5M": base 1024, as lsipc and systemctl print sizes. */
char *format_size(char *buf, size_t size, uint64_t bytes);
/* Exact form that parse_size() reads back: "256M", "1000". */
char *format_size_exact(char *buf, size_t size, uint64_t bytes);
