/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the policy parser: any bytes as a policy file. Besides crashes and
 * sanitizer reports it checks that a file and the same bytes in memory give the same
 * verdict and errors, and that a valid policy prints as text that parses back to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "macro.h"
#include "policy.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_to_string(const Policy *p) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                abort();
        policy_print(p, f);
        if (fclose(f) != 0)
                abort();
        return text;
}

/* The printout without its "#" lines, which name the files read. */
static void strip_comment_lines(char *text) {
        char *o = text;

        for (const char *line = text; *line;) {
                size_t n = strcspn(line, "\n");
                if (line[n] == '\n')
                        n++;
                if (line[0] != '#') {
                        memmove(o, line, n);
                        o += n;
                }
                line += n;
        }
        *o = 0;
}

static void check_print_round_trip(const Policy *p) {
        _cleanup_free_ char *printed = print_to_string(p), *again = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        Policy *q = NULL;

        if (policy_load_string(printed, "printed.conf", &q, &errors) != 0) {
                fprintf(stderr, "printed policy does not parse back:\n%s\nfirst error: %s\n",
                        printed, errors ? errors[0] : "(none)");
                abort();
        }
        again = print_to_string(q);
        strip_comment_lines(printed);
        strip_comment_lines(again);
        if (!streq(printed, again)) {
                fprintf(stderr, "printed policy changes when read back:\n%s\n---\n%s\n", printed,
                        again);
                abort();
        }
        policy_free(q);
}

static void exercise(const Policy *p) {
        _cleanup_strv_free_ char **warnings = NULL;

        if (policy_warnings(p, &warnings) < 0)
                abort();
        (void) policy_needs_owner_processes(p);
        for (size_t i = 0; i < p->n_rules; i++) {
                (void) id_set_contains(&p->rules[i].owner, 1000);
                (void) id_set_contains(&p->rules[i].key, 0x5000);
        }
        check_print_round_trip(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **buffer_errors = NULL, **file_errors = NULL;
        _cleanup_close_ int fd = -1;
        Policy *from_buffer = NULL, *from_file = NULL;
        char path[64];
        int r, k;

        /* The file path: the same bytes through open(), fstat() and read(). */
        fd = memfd_create("fuzz-policy", MFD_CLOEXEC);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size))
                abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

        r = policy_load_buffer((const char *) data, size, path, &from_buffer, &buffer_errors);
        if (access(path, R_OK) < 0) {
                /* No /proc here: the buffer path alone. */
                if (r == 0)
                        exercise(from_buffer);
                policy_free(from_buffer);
                return 0;
        }
        k = policy_load(path, &from_file, &file_errors);
        if (r == -ENOMEM || k == -ENOMEM) {
                policy_free(from_buffer);
                policy_free(from_file);
                return 0;
        }
        if (r != k || strv_length(buffer_errors) != strv_length(file_errors))
                abort();
        for (size_t i = 0; buffer_errors && buffer_errors[i]; i++)
                if (!streq(buffer_errors[i], file_errors[i]))
                        abort();
        if (r == 0) {
                if (from_buffer->n_rules != from_file->n_rules)
                        abort();
                exercise(from_buffer);
        }
        policy_free(from_buffer);
        policy_free(from_file);
        return 0;
}
