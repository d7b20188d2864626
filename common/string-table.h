/* SPDX-License-Identifier: MIT */
/* One string table per enum, and the two lookups derived from it (as systemd's
 * DEFINE_STRING_TABLE_LOOKUP): NAME_table[] maps each value to its name. */
#pragma once

#include <stddef.h>

#include "macro.h"

#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                         \
        const char *name##_to_string(type i) {                                                   \
                return i >= 0 && (size_t) i < ELEMENTSOF(name##_table) ? name##_table[i] : NULL; \
        }

#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)                 \
        type name##_from_string(const char *s) {                           \
                for (size_t i = 0; s && i < ELEMENTSOF(name##_table); i++) \
                        if (name##_table[i] && streq(name##_table[i], s))  \
                                return (type) i;                           \
                return (type) -1;                                          \
        }

#define DEFINE_STRING_TABLE_LOOKUP(name, type)           \
        DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type) \
        DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)
