/* SPDX-License-Identifier: MIT */
/* Logging: plain lines on stderr, or native journal entries when stderr is the journal. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "log.h"

static int max_level = LOG_INFO;
static bool journal;
static const char *program = "ipcreap";

static bool stderr_is_journal(void) {
        /* systemd sets JOURNAL_STREAM=DEV:INO for the stream it connected to stderr. */
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

void log_setup(const char *program_name) {
        program = program_name;
        journal = stderr_is_journal();
}

bool log_to_journal(void) {
        return journal;
}

int log_parse_level(const char *s) {
        static const char *const names[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
                [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        if (strcasecmp(s, "error") == 0)
                return LOG_ERR;
        if (strlen(s) == 1 && s[0] >= '0' && s[0] <= '7')
                return s[0] - '0';
        return -EINVAL;
}

void log_set_level(int level) {
        max_level = level;
}

int log_get_level(void) {
        return max_level;
}

void log_message(int level, const char *message) {
        if (level > max_level)
                return;
        if (journal) {
                sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", level, NULL);
                return;
        }
        /* One locked stdio call per piece; the stream may be shared with the scan worker. */
        flockfile(stderr);
        fputs_unlocked(program, stderr);
        fputs_unlocked(": ", stderr);
        fputs_unlocked(message, stderr);
        fputc_unlocked('\n', stderr);
        funlockfile(stderr);
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) {
        int saved_errno = errno;
        char buf[2048];
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > max_level)
                return -error;

        /* Makes %m in format print the given error rather than a stale errno. */
        errno = error;
        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        if (journal) {
                if (error > 0)
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level, "ERRNO=%i", error,
                                        "CODE_FILE=%s", file, "CODE_LINE=%i", line, "CODE_FUNC=%s",
                                        func, NULL);
                else
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level, "CODE_FILE=%s",
                                        file, "CODE_LINE=%i", line, "CODE_FUNC=%s", func, NULL);
        } else
                fprintf(stderr, "%s: %s\n", program, buf);

        errno = saved_errno;
        return -error;
}
