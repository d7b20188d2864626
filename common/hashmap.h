/* SPDX-License-Identifier: MIT */
/* An open-addressing hash map from 64-bit keys to pointers: tracked objects, pid caches. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HashmapEntry {
        uint64_t key;
        void *value; /* NULL marks a free slot */
} HashmapEntry;

typedef struct Hashmap {
        HashmapEntry *entries;
        size_t n, capacity; /* capacity is 0 or a power of two */
} Hashmap;

void *hashmap_get(const Hashmap *h, uint64_t key);
/* Inserts or replaces; value must not be NULL. Returns the replaced value via ret_old. */
int hashmap_put(Hashmap *h, uint64_t key, void *value, void **ret_old);
/* Removes and returns the value, or NULL. */
void *hashmap_remove(Hashmap *h, uint64_t key);
/* Iteration: for (size_t i = 0; hashmap_next(h, &i, &k, &v);) */
bool hashmap_next(const Hashmap *h, size_t *i, uint64_t *ret_key, void **ret_value);
/* Frees the table, calling free_value (may be NULL) on every value. */
void hashmap_done(Hashmap *h, void (*free_value)(void *));
