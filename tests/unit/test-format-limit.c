/* SPDX-License-Identifier: MIT */
/* ipcreapctl status prints kernel IPC limits at the kernel's "no limit" sentinels as
 * "unlimited", and real limits as numbers. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "table.h"

static void sentinels_read_unlimited(void **state) {
        static const uint64_t sentinels[] = {
                ULONG_MAX - (1UL << 24), /* shmall and shmmax defaults (SHMALL, SHMMAX) */
                INT64_MAX,               /* the same, clamped to a JSON integer by the daemon */
                LONG_MAX,
                ULONG_MAX,
                UINT64_C(1) << 62,
        };
        char buf[32];

        for (size_t i = 0; i < sizeof(sentinels) / sizeof(sentinels[0]); i++) {
                assert_true(limit_is_unlimited(sentinels[i]));
                assert_string_equal(format_limit(buf, sizeof(buf), sentinels[i]), "unlimited");
        }
}

static void real_limits_read_as_numbers(void **state) {
        char buf[32];

        assert_string_equal(format_limit(buf, sizeof(buf), 0), "0");
        assert_string_equal(format_limit(buf, sizeof(buf), 32000), "32000");
        assert_string_equal(format_limit(buf, sizeof(buf), 1024000000), "1024000000");
        /* A huge but deliberate shmall (in pages) still is a number. */
        assert_string_equal(format_limit(buf, sizeof(buf), (UINT64_C(1) << 62) - 1),
                            "4611686018427387903");
        assert_false(limit_is_unlimited((UINT64_C(1) << 62) - 1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(sentinels_read_unlimited),
                cmocka_unit_test(real_limits_read_as_numbers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
