/* SPDX-License-Identifier: MIT */
/* Parsers and formatters for the policy's value syntax: booleans, time spans, sizes, numbers. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"
#include "strbuf.h"

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

/* Reads leading decimal digits; rejects signs and empty input, which strtoull would accept. */
static int parse_digits(const char *s, uint64_t *ret, const char **end) {
        uint64_t v = 0;
        const char *p = s;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                unsigned d = (unsigned) (*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        *end = p;
        return 0;
}

int parse_uint64(const char *s, uint64_t *ret) {
        const char *end;
        uint64_t v;
        int r;

        r = parse_digits(s, &v, &end);
        if (r < 0)
                return r;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_uint32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r = parse_uint64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int parse_hex_uint32(const char *s, uint32_t *ret) {
        uint64_t v = 0;
        const char *p;

        /* By hand: strtoul() would take blanks, a sign and a second "0x" after ours. */
        if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !isxdigit((unsigned char) s[2]))
                return -EINVAL;
        for (p = s + 2; isxdigit((unsigned char) *p); p++) {
                unsigned d = isdigit((unsigned char) *p)
                                     ? (unsigned) (*p - '0')
                                     : (unsigned) (tolower((unsigned char) *p) - 'a' + 10);
                v = v * 16 + d;
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        if (*p)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static const struct {
        const char *suffix;
        uint64_t seconds;
} time_units[] = {
        /* Longest first where one suffix is a prefix of another ("min" before "m"). */
        { "seconds", 1 },   { "second", 1 },  { "sec", 1 },   { "s", 1 },
        { "minutes", 60 },  { "minute", 60 }, { "min", 60 },  { "m", 60 },
        { "hours", 3600 },  { "hour", 3600 }, { "hr", 3600 }, { "h", 3600 },
        { "days", 86400 },  { "day", 86400 }, { "d", 86400 }, { "weeks", 604800 },
        { "week", 604800 }, { "w", 604800 },
};

int parse_timespan_sec(const char *s, uint64_t *ret) {
        uint64_t total = 0;
        const char *p = s;
        bool any = false;

        for (;;) {
                uint64_t v, mult = 1;
                const char *end;
                size_t best = 0;
                int r;

                p += strspn(p, " \t");
                if (!*p)
                        break;
                r = parse_digits(p, &v, &end);
                if (r < 0)
                        return r;
                p = end;
                p += strspn(p, " \t");
                for (size_t i = 0; i < ELEMENTSOF(time_units); i++) {
                        size_t l = strlen(time_units[i].suffix);
                        /* A unit must end at a digit, a blank or the end of the string. */
                        if (strncmp(p, time_units[i].suffix, l) == 0 &&
                            (p[l] == 0 || p[l] == ' ' || p[l] == '\t' ||
                             isdigit((unsigned char) p[l]))) {
                                best = l;
                                mult = time_units[i].seconds;
                                break;
                        }
                }
                if (best == 0 && *p && !isdigit((unsigned char) *p))
                        return -EINVAL;
                p += best;
                if (v > UINT64_MAX / mult || total > UINT64_MAX - v * mult)
                        return -ERANGE;
                total += v * mult;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                char letter;
                unsigned shift;
        } units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 } };
        const char *end;
        uint64_t v;
        unsigned shift = 0;
        int r;

        r = parse_digits(s, &v, &end);
        if (r < 0)
                return r;
        if (*end) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (toupper((unsigned char) *end) == units[i].letter) {
                                shift = units[i].shift;
                                found = true;
                                break;
                        }
                if (found)
                        end++;
                /* "512K", "512KiB" and "512KB" all mean 512 * 1024; a bare "B" means bytes. */
                if (found && strcasecmp(end, "iB") == 0)
                        end += 2;
                else if (strcasecmp(end, "B") == 0)
                        end++;
                if (*end)
                        return -EINVAL;
        }
        if (shift > 0 && v > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret = v << shift;
        return 0;
}

char *format_timespan(char *buf, size_t size, uint64_t sec) {
        static const struct {
                const char *suffix;
                uint64_t seconds;
        } units[] = { { "w", 604800 }, { "d", 86400 }, { "h", 3600 }, { "min", 60 }, { "s", 1 } };
        unsigned shown = 0;
        StrBuf b;

        /* Runs for every logged removal: no printf. */
        strbuf_init(&b, buf, size);
        if (sec == 0) {
                strbuf_puts(&b, "0s");
                return buf;
        }
        for (size_t i = 0; i < ELEMENTSOF(units) && shown < 2; i++) {
                uint64_t v = sec / units[i].seconds;
                if (v == 0) {
                        if (shown > 0)
                                break; /* "1h 5s" reads worse than "1h". */
                        continue;
                }
                sec -= v * units[i].seconds;
                if (shown++ > 0)
                        strbuf_putc(&b, ' ');
                strbuf_put_u64(&b, v);
                strbuf_puts(&b, units[i].suffix);
        }
        return buf;
}

char *format_timespan_exact(char *buf, size_t size, uint64_t sec) {
        static const struct {
                const char *suffix;
                uint64_t seconds;
        } units[] = { { "w", 604800 }, { "d", 86400 }, { "h", 3600 }, { "min", 60 }, { "s", 1 } };
        size_t n = 0;

        if (sec == 0) {
                snprintf(buf, size, "0");
                return buf;
        }
        buf[0] = 0;
        for (size_t i = 0; i < ELEMENTSOF(units) && n < size; i++) {
                uint64_t v = sec / units[i].seconds;
                if (v == 0)
                        continue;
                sec -= v * units[i].seconds;
                n += (size_t) snprintf(buf + n, size - n, "%s%" PRIu64 "%s", n ? " " : "", v,
                                       units[i].suffix);
        }
        return buf;
}

char *format_size(char *buf, size_t size, uint64_t bytes) {
        static const char letters[] = "KMGTP";
        StrBuf b;

        strbuf_init(&b, buf, size);
        if (bytes < 1024) {
                strbuf_put_u64(&b, bytes);
                strbuf_putc(&b, 'B');
                return buf;
        }
        for (size_t i = 0; i < strlen(letters); i++) {
                uint64_t unit = UINT64_C(1) << (10 * (i + 1));
                if (bytes / unit < 1024 || i + 1 == strlen(letters)) {
                        uint64_t whole = bytes / unit;
                        uint64_t tenth = (bytes % unit) * 10 / unit;
                        strbuf_put_u64(&b, whole);
                        if (tenth != 0 && whole < 100) {
                                strbuf_putc(&b, '.');
                                strbuf_put_u64(&b, tenth);
                        }
                        strbuf_putc(&b, letters[i]);
                        break;
                }
        }
        return buf;
}

char *format_size_exact(char *buf, size_t size, uint64_t bytes) {
        static const char letters[] = "KMGTP";
        int i = -1;

        while (bytes != 0 && bytes % 1024 == 0 && i + 1 < (int) strlen(letters)) {
                bytes /= 1024;
                i++;
        }
        if (i < 0)
                snprintf(buf, size, "%" PRIu64, bytes);
        else
                snprintf(buf, size, "%" PRIu64 "%c", bytes, letters[i]);
        return buf;
}
