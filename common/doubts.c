/* SPDX-License-Identifier: MIT */
/* Doubts: a sorted set of keys, each with a reason; key 0 stands for every key. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "doubts.h"

/* Where key is, or would go. */
static size_t position(const uint64_t *keys, size_t n, uint64_t key) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (keys[mid] < key)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int doubts_add(uint64_t **keys, char ***reasons, size_t *n, uint64_t key, const char *reason) {
        size_t at = position(*keys, *n, key);
        uint64_t *k;
        char **r, *copy;

        if (at < *n && (*keys)[at] == key)
                return 0;
        k = realloc(*keys, (*n + 1) * sizeof(uint64_t));
        if (!k)
                return -ENOMEM;
        *keys = k;
        r = realloc(*reasons, (*n + 1) * sizeof(char *));
        if (!r)
                return -ENOMEM;
        *reasons = r;
        copy = strdup(reason);
        if (!copy)
                return -ENOMEM;
        memmove(k + at + 1, k + at, (*n - at) * sizeof(uint64_t));
        memmove(r + at + 1, r + at, (*n - at) * sizeof(char *));
        k[at] = key;
        r[at] = copy;
        (*n)++;
        return 0;
}

void doubts_free(uint64_t *keys, char **reasons, size_t n) {
        for (size_t i = 0; reasons && i < n; i++)
                free(reasons[i]);
        free(reasons);
        free(keys);
}

const char *doubts_reason(const uint64_t *keys, char *const *reasons, size_t n, uint64_t key) {
        size_t at = position(keys, n, key);

        if (at < n && keys[at] == key)
                return reasons[at];
        /* 0 sorts first: a doubt about everything. */
        return n > 0 && keys[0] == 0 ? reasons[0] : NULL;
}
