/* SPDX-License-Identifier: MIT */
/* An open-addressing hash map from 64-bit keys to pointers: tracked objects, pid caches. */
#include "hashmap.h"
#include "macro.h"

static size_t slot_of(uint64_t key, size_t capacity) {
        /* Fibonacci hashing spreads sequential ids and pids over the table. */
        return (size_t) ((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (capacity - 1);
}

void *hashmap_get(const Hashmap *h, uint64_t key) {
        if (h->capacity == 0)
                return NULL;
        for (size_t i = slot_of(key, h->capacity);; i = (i + 1) & (h->capacity - 1)) {
                const HashmapEntry *e = &h->entries[i];
                if (!e->value)
                        return NULL;
                if (e->key == key)
                        return e->value;
        }
}

static int hashmap_grow(Hashmap *h) {
        size_t capacity = h->capacity ? h->capacity * 2 : 64;
        HashmapEntry *old = h->entries, *entries;
        size_t old_capacity = h->capacity;

        entries = calloc(capacity, sizeof(HashmapEntry));
        if (!entries)
                return -ENOMEM;
        h->entries = entries;
        h->capacity = capacity;
        for (size_t i = 0; i < old_capacity; i++) {
                if (!old[i].value)
                        continue;
                size_t j = slot_of(old[i].key, capacity);
                while (entries[j].value)
                        j = (j + 1) & (capacity - 1);
                entries[j] = old[i];
        }
        free(old);
        return 0;
}

int hashmap_put(Hashmap *h, uint64_t key, void *value, void **ret_old) {
        if (!value)
                return -EINVAL;
        /* Keeps the load under 3/4 so probe chains stay short. */
        if ((h->n + 1) * 4 > h->capacity * 3) {
                int r = hashmap_grow(h);
                if (r < 0)
                        return r;
        }
        for (size_t i = slot_of(key, h->capacity);; i = (i + 1) & (h->capacity - 1)) {
                HashmapEntry *e = &h->entries[i];
                if (!e->value) {
                        *e = (HashmapEntry){ .key = key, .value = value };
                        h->n++;
                        if (ret_old)
                                *ret_old = NULL;
                        return 1;
                }
                if (e->key == key) {
                        if (ret_old)
                                *ret_old = e->value;
                        e->value = value;
                        return 0;
                }
        }
}

void *hashmap_remove(Hashmap *h, uint64_t key) {
        size_t mask = h->capacity - 1, i;
        void *value;

        if (h->capacity == 0)
                return NULL;
        for (i = slot_of(key, h->capacity);; i = (i + 1) & mask) {
                if (!h->entries[i].value)
                        return NULL;
                if (h->entries[i].key == key)
                        break;
        }
        value = h->entries[i].value;
        h->entries[i].value = NULL;
        h->n--;

        /* Backward-shift deletion: move later members of the chain into the hole. */
        for (size_t j = (i + 1) & mask; h->entries[j].value; j = (j + 1) & mask) {
                size_t home = slot_of(h->entries[j].key, h->capacity);
                /* Move j to i unless home lies cyclically in (i, j]. */
                bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
                if (stays)
                        continue;
                h->entries[i] = h->entries[j];
                h->entries[j].value = NULL;
                i = j;
        }
        return value;
}

bool hashmap_next(const Hashmap *h, size_t *i, uint64_t *ret_key, void **ret_value) {
        for (; *i < h->capacity; (*i)++)
                if (h->entries[*i].value) {
                        if (ret_key)
                                *ret_key = h->entries[*i].key;
                        if (ret_value)
                                *ret_value = h->entries[*i].value;
                        (*i)++;
                        return true;
                }
        return false;
}

void hashmap_done(Hashmap *h, void (*free_value)(void *)) {
        if (free_value)
                for (size_t i = 0; i < h->capacity; i++)
                        if (h->entries[i].value)
                                free_value(h->entries[i].value);
        free(h->entries);
        *h = (Hashmap){ 0 };
}
