/* SPDX-License-Identifier: MIT */
/* NULL-terminated string vectors: policy lists, error lists, pending reasons. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
/* Splits on blanks; empty input gives an empty vector, not NULL. NULL on OOM. */
char **strv_split_blanks(const char *s);
/* Takes ownership of value (freed on failure). */
int strv_consume(char ***l, char *value);
int strv_extend(char ***l, const char *value);
int strv_extendf(char ***l, const char *format, ...) _printf_(2, 3);
/* Joins with sep; NULL on OOM. */
char *strv_join(char *const *l, const char *sep);
bool strv_contains(char *const *l, const char *s);
char **strv_copy(char *const *l);
