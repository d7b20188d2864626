/* SPDX-License-Identifier: MIT */
/* Appending text and numbers to a fixed buffer without printf, for the paths that run once
 * per object (a pass over 100,000 objects formats a log line and a state record for each,
 * and printf's generality costs more than the kernel scan). Output is cut, never overrun. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct StrBuf {
        char *start, *p, *end; /* end: the last byte, kept for the terminating NUL */
} StrBuf;

static inline void strbuf_init(StrBuf *b, char *buf, size_t size) {
        b->start = b->p = buf;
        b->end = buf + size - 1;
        *b->p = 0;
}

static inline size_t strbuf_length(const StrBuf *b) {
        return (size_t) (b->p - b->start);
}

void strbuf_putc(StrBuf *b, char c);
void strbuf_puts(StrBuf *b, const char *s);
/* The same with control characters shown as '?': for names anybody can choose (a file in
 * /dev/shm), which must not break a log line. */
void strbuf_puts_printable(StrBuf *b, const char *s);
void strbuf_put_u64(StrBuf *b, uint64_t v);
void strbuf_put_i64(StrBuf *b, int64_t v);
/* Exactly 8 lowercase hex digits, as keys are shown: 0000abcd. */
void strbuf_put_hex32(StrBuf *b, uint32_t v);
