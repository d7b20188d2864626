/* SPDX-License-Identifier: MIT */
/* Appending text and numbers to a fixed buffer without printf. */
#include <string.h>

#include "strbuf.h"

void strbuf_putc(StrBuf *b, char c) {
        if (b->p < b->end)
                *b->p++ = c;
        *b->p = 0;
}

void strbuf_puts(StrBuf *b, const char *s) {
        size_t n = strnlen(s, (size_t) (b->end - b->p));

        memcpy(b->p, s, n);
        b->p += n;
        *b->p = 0;
}

void strbuf_put_u64(StrBuf *b, uint64_t v) {
        char digits[20];
        int n = 0;

        do {
                digits[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v > 0);
        while (n > 0 && b->p < b->end)
                *b->p++ = digits[--n];
        *b->p = 0;
}

void strbuf_put_i64(StrBuf *b, int64_t v) {
        if (v < 0) {
                strbuf_putc(b, '-');
                /* Negating INT64_MIN overflows; its magnitude fits in uint64_t. */
                strbuf_put_u64(b, (uint64_t) 0 - (uint64_t) v);
        } else
                strbuf_put_u64(b, (uint64_t) v);
}

void strbuf_put_hex32(StrBuf *b, uint32_t v) {
        static const char hex[] = "0123456789abcdef";

        for (int shift = 28; shift >= 0; shift -= 4)
                strbuf_putc(b, hex[(v >> shift) & 0xf]);
}

void strbuf_puts_printable(StrBuf *b, const char *s) {
        for (; s && *s; s++)
                strbuf_putc(b, (unsigned char) *s < ' ' || *s == 0x7f ? '?' : *s);
}
