/* Benchmark wrapper: runs a command, appends its wall time, peak RSS, status and CPU to a file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[]) {
        struct rusage ru;
        double start, wall, cpu;
        int status;
        FILE *out;
        pid_t pid;

        if (argc < 3) {
                fprintf(stderr, "timecmd OUTFILE COMMAND [ARG...]\n\n"
                                "Runs COMMAND with this process's stdin, stdout and stderr, "
                                "then appends\n\"WALL_SECONDS MAX_RSS_KIB EXIT_STATUS "
                                "CPU_SECONDS\" to OUTFILE (CPU: user +\nsystem). Exits with "
                                "COMMAND's status.\n");
                return 2;
        }
        out = fopen(argv[1], "ae");
        if (!out) {
                fprintf(stderr, "timecmd: %s: %s\n", argv[1], strerror(errno));
                return 2;
        }

        start = now_sec();
        pid = fork();
        if (pid < 0) {
                fprintf(stderr, "timecmd: fork: %s\n", strerror(errno));
                fclose(out);
                return 2;
        }
        if (pid == 0) {
                fclose(out);
                execvp(argv[2], argv + 2);
                fprintf(stderr, "timecmd: %s: %s\n", argv[2], strerror(errno));
                _exit(127);
        }
        /* wait4 reports the child's own peak RSS, not ours. */
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR) {
                        fprintf(stderr, "timecmd: wait4: %s\n", strerror(errno));
                        fclose(out);
                        return 2;
                }
        wall = now_sec() - start;
        cpu = (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
        status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        fprintf(out, "%.6f %ld %d %.6f\n", wall, ru.ru_maxrss, status, cpu);
        fclose(out);
        return status;
}
