/* SPDX-License-Identifier: MIT */
/* NULL-terminated string vectors: policy lists, error lists, pending reasons. */
#include <stdio.h>
#include <string.h>

#include "strv.h"

char **strv_free(char **l) {
        if (l) {
                for (char **p = l; *p; p++)
                        free(*p);
                free(l);
        }
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c;

        if (!value)
                return -ENOMEM;
        c = realloc(*l, (n + 2) * sizeof(char *));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

int strv_extendf(char ***l, const char *format, ...) {
        char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_consume(l, s);
}

char **strv_split_blanks(const char *s) {
        char **l = calloc(1, sizeof(char *));
        const char *p = s;

        if (!l)
                return NULL;
        for (;;) {
                size_t n;
                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                n = strcspn(p, " \t\n");
                if (strv_consume(&l, strndup(p, n)) < 0)
                        return strv_free(l);
                p += n;
        }
        return l;
}

char *strv_join(char *const *l, const char *sep) {
        size_t len = 1, sl = strlen(sep);
        char *s, *p;

        for (char *const *i = l; i && *i; i++)
                len += strlen(*i) + sl;
        s = p = malloc(len);
        if (!s)
                return NULL;
        *p = 0;
        for (char *const *i = l; i && *i; i++) {
                if (i != l)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *i);
        }
        return s;
}

bool strv_contains(char *const *l, const char *s) {
        for (char *const *i = l; i && *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}

char **strv_copy(char *const *l) {
        char **c = calloc(1, sizeof(char *));
        if (!c)
                return NULL;
        for (char *const *i = l; i && *i; i++)
                if (strv_extend(&c, *i) < 0)
                        return strv_free(c);
        return c;
}
