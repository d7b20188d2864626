/* SPDX-License-Identifier: MIT */
/* The open-addressing hash map: lookups, replacement, growth, backward-shift removal, iteration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hashmap.h"
#include "macro.h"

/* Values are the keys themselves plus one, so a value never is NULL and always names its key. */
#define VALUE_OF(key) ((void *) (uintptr_t) ((key) + 1))

static uint64_t next_random(uint64_t *seed) {
        *seed = *seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        return *seed;
}

typedef struct KeyIndex {
        uint64_t key;
        size_t index;
} KeyIndex;

static int compare_key_index(const void *a, const void *b) {
        uint64_t x = ((const KeyIndex *) a)->key, y = ((const KeyIndex *) b)->key;
        return x < y ? -1 : x > y;
}

/* Visits the whole table with hashmap_next() and checks each entry against present[]. */
static void assert_iteration_matches(const Hashmap *h, const uint64_t *keys, const bool *present,
                                     size_t n_keys) {
        KeyIndex *sorted = calloc(n_keys, sizeof(KeyIndex));
        bool *seen = calloc(n_keys, sizeof(bool));
        size_t i = 0, visited = 0, expected = 0;
        uint64_t key;
        void *value;

        assert_non_null(sorted);
        assert_non_null(seen);
        for (size_t k = 0; k < n_keys; k++)
                sorted[k] = (KeyIndex){ keys[k], k };
        qsort(sorted, n_keys, sizeof(KeyIndex), compare_key_index);
        while (hashmap_next(h, &i, &key, &value)) {
                KeyIndex *found = bsearch(&(KeyIndex){ key, 0 }, sorted, n_keys, sizeof(KeyIndex),
                                          compare_key_index);
                assert_non_null(found);
                assert_true(present[found->index]);
                assert_false(seen[found->index]);
                assert_ptr_equal(value, VALUE_OF(key));
                seen[found->index] = true;
                visited++;
        }
        for (size_t k = 0; k < n_keys; k++)
                expected += present[k];
        assert_int_equal(visited, expected);
        assert_int_equal(h->n, expected);
        free(sorted);
        free(seen);
}

static void an_empty_map_finds_nothing_and_removes_nothing(void **state) {
        Hashmap h = { 0 };
        size_t i = 0;

        assert_null(hashmap_get(&h, 0));
        assert_null(hashmap_get(&h, 42));
        assert_null(hashmap_remove(&h, 42));
        assert_false(hashmap_next(&h, &i, NULL, NULL));
        hashmap_done(&h, NULL);
}

static void put_then_get_returns_the_value(void **state) {
        Hashmap h = { 0 };
        int a, b;

        assert_int_equal(hashmap_put(&h, 7, &a, NULL), 1);
        assert_int_equal(hashmap_put(&h, 0, &b, NULL), 1);
        assert_ptr_equal(hashmap_get(&h, 7), &a);
        assert_ptr_equal(hashmap_get(&h, 0), &b);
        assert_null(hashmap_get(&h, 8));
        assert_int_equal(h.n, 2);
        hashmap_done(&h, NULL);
}

static void put_on_an_existing_key_replaces_and_returns_the_old_value(void **state) {
        Hashmap h = { 0 };
        int a, b;
        void *old = &h;

        assert_int_equal(hashmap_put(&h, UINT64_MAX, &a, &old), 1);
        assert_null(old);
        assert_int_equal(hashmap_put(&h, UINT64_MAX, &b, &old), 0);
        assert_ptr_equal(old, &a);
        assert_ptr_equal(hashmap_get(&h, UINT64_MAX), &b);
        assert_int_equal(h.n, 1);
        hashmap_done(&h, NULL);
}

static void put_refuses_a_null_value(void **state) {
        Hashmap h = { 0 };
        int a;

        assert_int_equal(hashmap_put(&h, 1, NULL, NULL), -EINVAL);
        assert_int_equal(h.n, 0);
        assert_int_equal(hashmap_put(&h, 1, &a, NULL), 1);
        assert_int_equal(hashmap_put(&h, 1, NULL, NULL), -EINVAL);
        assert_ptr_equal(hashmap_get(&h, 1), &a);
        hashmap_done(&h, NULL);
}

static void remove_returns_the_value_and_forgets_the_key(void **state) {
        Hashmap h = { 0 };
        int a, b;

        assert_int_equal(hashmap_put(&h, 10, &a, NULL), 1);
        assert_int_equal(hashmap_put(&h, 11, &b, NULL), 1);
        assert_ptr_equal(hashmap_remove(&h, 10), &a);
        assert_null(hashmap_get(&h, 10));
        assert_null(hashmap_remove(&h, 10));
        assert_ptr_equal(hashmap_get(&h, 11), &b);
        assert_int_equal(h.n, 1);
        assert_int_equal(hashmap_put(&h, 10, &b, NULL), 1);
        assert_ptr_equal(hashmap_get(&h, 10), &b);
        hashmap_done(&h, NULL);
}

static void growth_keeps_every_one_of_100000_entries(void **state) {
        Hashmap h = { 0 };
        const uint64_t n = 100000;

        for (uint64_t k = 0; k < n; k++) {
                assert_int_equal(hashmap_put(&h, k * 3, VALUE_OF(k * 3), NULL), 1);
                /* The load stays below 3/4, so probing always ends at a free slot. */
                assert_true(h.n * 4 <= h.capacity * 3);
        }
        assert_int_equal(h.n, n);
        assert_true((h.capacity & (h.capacity - 1)) == 0);
        for (uint64_t k = 0; k < n; k++) {
                assert_ptr_equal(hashmap_get(&h, k * 3), VALUE_OF(k * 3));
                assert_null(hashmap_get(&h, k * 3 + 1));
        }
        hashmap_done(&h, NULL);
        assert_int_equal(h.n, 0);
        assert_int_equal(h.capacity, 0);
        assert_null(h.entries);
}

/* Keys that differ only above bit 52 share their home slot in any table of up to 2^20 slots
 * under multiplicative hashing, which makes long probe chains that wrap around the table. */
static void fill_colliding_keys(uint64_t *keys, size_t n, uint64_t *seed) {
        for (size_t i = 0; i < n; i++) {
                uint64_t base = i % 37;
                keys[i] = base * 1000003 + ((uint64_t) (i / 37) << 52) + (i % 3 ? 0 : i);
        }
        /* Shuffle so chains are built in no particular order. */
        for (size_t i = n; i > 1; i--) {
                size_t j = (size_t) (next_random(seed) % i);
                uint64_t t = keys[i - 1];
                keys[i - 1] = keys[j];
                keys[j] = t;
        }
}

typedef enum RemovalOrder {
        REMOVE_FORWARD,
        REMOVE_BACKWARD,
        REMOVE_EVEN_THEN_ODD,
        REMOVE_RANDOM,
        _REMOVE_ORDER_MAX,
} RemovalOrder;

static void check_removal(const uint64_t *keys, size_t n, RemovalOrder order, uint64_t seed) {
        Hashmap h = { 0 };
        bool *present = calloc(n, sizeof(bool));
        size_t *sequence = calloc(n, sizeof(size_t));
        size_t removed = 0;

        assert_non_null(present);
        assert_non_null(sequence);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(hashmap_put(&h, keys[i], VALUE_OF(keys[i]), NULL), 1);
                present[i] = true;
        }
        for (size_t i = 0; i < n; i++)
                sequence[i] = order == REMOVE_BACKWARD ? n - 1 - i : i;
        if (order == REMOVE_EVEN_THEN_ODD)
                for (size_t i = 0; i < n; i++)
                        sequence[i] = i < (n + 1) / 2 ? 2 * i : 2 * (i - (n + 1) / 2) + 1;
        if (order == REMOVE_RANDOM)
                for (size_t i = n; i > 1; i--) {
                        size_t j = (size_t) (next_random(&seed) % i), t = sequence[i - 1];
                        sequence[i - 1] = sequence[j];
                        sequence[j] = t;
                }

        /* Remove half, checking every key after each of the first removals and regularly later. */
        for (size_t s = 0; s < n / 2; s++) {
                size_t k = sequence[s];
                assert_ptr_equal(hashmap_remove(&h, keys[k]), VALUE_OF(keys[k]));
                present[k] = false;
                removed++;
                if (s >= 64 && s % 97 != 0)
                        continue;
                for (size_t i = 0; i < n; i++)
                        if (present[i])
                                assert_ptr_equal(hashmap_get(&h, keys[i]), VALUE_OF(keys[i]));
                        else
                                assert_null(hashmap_get(&h, keys[i]));
        }
        assert_int_equal(h.n, n - removed);
        for (size_t i = 0; i < n; i++)
                if (present[i])
                        assert_ptr_equal(hashmap_get(&h, keys[i]), VALUE_OF(keys[i]));
                else {
                        assert_null(hashmap_get(&h, keys[i]));
                        assert_null(hashmap_remove(&h, keys[i]));
                }
        assert_iteration_matches(&h, keys, present, n);

        /* Removed keys can come back, and the rest can all go. */
        for (size_t i = 0; i < n; i++)
                if (!present[i]) {
                        assert_int_equal(hashmap_put(&h, keys[i], VALUE_OF(keys[i]), NULL), 1);
                        present[i] = true;
                }
        assert_iteration_matches(&h, keys, present, n);
        for (size_t i = 0; i < n; i++)
                assert_ptr_equal(hashmap_remove(&h, keys[sequence[n - 1 - i]]),
                                 VALUE_OF(keys[sequence[n - 1 - i]]));
        assert_int_equal(h.n, 0);
        for (size_t i = 0; i < h.capacity; i++)
                assert_null(h.entries[i].value);

        hashmap_done(&h, NULL);
        free(present);
        free(sequence);
}

static void removal_keeps_colliding_keys_findable_in_every_order(void **state) {
        /* 3000 entries fill a 4096-slot table to 73%: chains merge and wrap around the end. */
        const size_t n = 3000;
        uint64_t *keys = calloc(n, sizeof(uint64_t));
        uint64_t seed = 42;

        assert_non_null(keys);
        fill_colliding_keys(keys, n, &seed);
        for (RemovalOrder o = 0; o < _REMOVE_ORDER_MAX; o++)
                check_removal(keys, n, o, seed + o);
        free(keys);
}

static void removal_keeps_sequential_and_random_keys_findable(void **state) {
        const size_t n = 5000;
        uint64_t *keys = calloc(n, sizeof(uint64_t));
        uint64_t seed = 99;

        assert_non_null(keys);
        for (size_t i = 0; i < n; i++)
                keys[i] = i;
        for (RemovalOrder o = 0; o < _REMOVE_ORDER_MAX; o++)
                check_removal(keys, n, o, seed + o);
        for (size_t i = 0; i < n; i++)
                keys[i] = next_random(&seed);
        for (RemovalOrder o = 0; o < _REMOVE_ORDER_MAX; o++)
                check_removal(keys, n, o, seed + o);
        free(keys);
}

static void removal_in_a_small_table_near_its_load_limit_keeps_every_key(void **state) {
        /* 48 keys fill the first 64-slot table to exactly its 3/4 limit. */
        uint64_t keys[48];

        for (uint64_t base = 0; base < 200; base++) {
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        keys[i] = base + (i % 4) * 7919 + ((uint64_t) (i / 4) << 58);
                check_removal(keys, ELEMENTSOF(keys), (RemovalOrder) (base % _REMOVE_ORDER_MAX),
                              base);
        }
}

static void iteration_visits_every_entry_exactly_once(void **state) {
        const size_t n = 10000;
        uint64_t *keys = calloc(n, sizeof(uint64_t));
        bool *present = calloc(n, sizeof(bool));
        Hashmap h = { 0 };
        uint64_t seed = 5;

        assert_non_null(keys);
        assert_non_null(present);
        for (size_t i = 0; i < n; i++) {
                keys[i] = next_random(&seed) | 1;
                present[i] = true;
                assert_int_equal(hashmap_put(&h, keys[i], VALUE_OF(keys[i]), NULL), 1);
        }
        assert_iteration_matches(&h, keys, present, n);

        /* The key and value outputs are optional. */
        size_t i = 0, count = 0;
        while (hashmap_next(&h, &i, NULL, NULL))
                count++;
        assert_int_equal(count, n);
        hashmap_done(&h, NULL);
        free(keys);
        free(present);
}

static unsigned freed_values;

static void count_free(void *p) {
        freed_values++;
        free(p);
}

static void done_frees_every_value_once(void **state) {
        Hashmap h = { 0 };

        freed_values = 0;
        for (uint64_t k = 0; k < 1000; k++) {
                int *v = malloc(sizeof(int));
                assert_non_null(v);
                assert_int_equal(hashmap_put(&h, k, v, NULL), 1);
        }
        free(hashmap_remove(&h, 500));
        hashmap_done(&h, count_free);
        assert_int_equal(freed_values, 999);
        assert_int_equal(h.n, 0);
        assert_null(h.entries);
        /* A finished map is empty and usable again. */
        assert_null(hashmap_get(&h, 1));
        hashmap_done(&h, count_free);
        assert_int_equal(freed_values, 999);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(an_empty_map_finds_nothing_and_removes_nothing),
                cmocka_unit_test(put_then_get_returns_the_value),
                cmocka_unit_test(put_on_an_existing_key_replaces_and_returns_the_old_value),
                cmocka_unit_test(put_refuses_a_null_value),
                cmocka_unit_test(remove_returns_the_value_and_forgets_the_key),
                cmocka_unit_test(growth_keeps_every_one_of_100000_entries),
                cmocka_unit_test(removal_keeps_colliding_keys_findable_in_every_order),
                cmocka_unit_test(removal_keeps_sequential_and_random_keys_findable),
                cmocka_unit_test(removal_in_a_small_table_near_its_load_limit_keeps_every_key),
                cmocka_unit_test(iteration_visits_every_entry_exactly_once),
                cmocka_unit_test(done_frees_every_value_once),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
