/* tests/bench/peak_rss.c — peak resident memory of a command and of its child processes
 * (make bench: a gglab sweep's parent and its workers). Usage: peak_rss CMD [ARGS...]
 * Runs CMD, polls every 0.5 ms the VmHWM (peak RSS) of CMD and of each of its children
 * listed in /proc/<pid>/task/<pid>/children, and prints after CMD exits:
 *   peak_rss parent <kB> kB, worker <kB> kB, workers seen <n>
 * VmHWM only grows, so the last poll before a worker exits is its peak up to that poll
 * (a worker that lives under 0.5 ms may be missed; gglab's live for the whole sweep).
 * Exit status: CMD's. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* VmHWM of pid in kB, or -1 when it is gone. */
static long hwm_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: peak_rss CMD [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("peak_rss: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("peak_rss: exec");
        _exit(127);
    }
    long parent = 0, worker = 0, seen[4096];
    size_t nseen = 0;
    int status = 0;
    const struct timespec half_ms = {0, 500000};
    for (;;) {
        long kb = hwm_kb(pid);
        if (kb > parent)
            parent = kb;
        char path[96];
        snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)pid);
        FILE *f = fopen(path, "r");
        long c;
        while (f && fscanf(f, "%ld", &c) == 1) {
            long w = hwm_kb(c);
            if (w > worker)
                worker = w;
            size_t i = 0;
            while (i < nseen && seen[i] != c)
                i++;
            if (i == nseen && nseen < sizeof seen / sizeof seen[0])
                seen[nseen++] = c;
        }
        if (f)
            fclose(f);
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        nanosleep(&half_ms, NULL);
    }
    printf("peak_rss parent %ld kB, worker %ld kB, workers seen %zu\n", parent, worker, nseen);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
