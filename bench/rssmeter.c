/* rssmeter — resident memory of a long-running command over its run:
 *   rssmeter [-n LINES] [-t SECONDS] -- CMD [ARG...]
 * Runs CMD with its stdout on a pipe, counts the lines it prints, and ends the run after LINES
 * lines or SECONDS seconds, whichever comes first (then SIGTERM, SIGKILL 5 s later). VmRSS of
 * CMD is read from /proc at each tenth of the run: of LINES when given, else of SECONDS (a
 * run cut short by SECONDS takes its missing samples at the end). Prints one line:
 *   LINES SECONDS RSS_10% RSS_20% ... RSS_100%   (KiB)
 * Exits 1 if CMD ends (or fails to start) before the run does. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	fclose(f);
	return kib;
}

static int usage(void)
{
	fprintf(stderr, "usage: rssmeter [-n LINES] [-t SECONDS] -- CMD [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	long long lines = 0, limit = 0;
	double secs = 0, t0, end;
	long rss[10];
	int c, fds[2], ns = 0, st, failed = 0;
	char buf[65536];
	pid_t pid;

	while ((c = getopt(argc, argv, "+n:t:")) != -1) {
		if (c == 'n')
			limit = atoll(optarg);
		else if (c == 't')
			secs = atof(optarg);
		else
			return usage();
	}
	if (optind >= argc || (limit <= 0 && secs <= 0))
		return usage();
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		perror("rssmeter");
		return 1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	close(fds[1]);
	t0 = now();
	end = secs > 0 ? t0 + secs : 1e300;
	while (ns < 10) {
		double t = now();
		/* the next sample is due at a tenth of the lines, or of the time */
		if (limit > 0 ? lines >= limit * (ns + 1) / 10 : t >= t0 + secs * (ns + 1) / 10) {
			rss[ns++] = rss_kib(pid);
			continue;
		}
		if (t >= end) {
			long r = rss_kib(pid);
			while (ns < 10)
				rss[ns++] = r;
			break;
		}
		double due = limit > 0 ? end : t0 + secs * (ns + 1) / 10;
		struct pollfd p = {fds[0], POLLIN, 0};
		int ms = due - t > 3600 ? 3600000 : (int)((due - t) * 1000) + 1;
		if (poll(&p, 1, ms) <= 0)
			continue;
		ssize_t n = read(fds[0], buf, sizeof buf);
		if (n <= 0) {
			fprintf(stderr, "rssmeter: %s ended after %lld lines\n", argv[optind], lines);
			failed = 1;
			while (ns < 10)
				rss[ns++] = -1;
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	}
	printf("%lld %.1f", lines, now() - t0);
	for (int i = 0; i < 10; i++)
		printf(" %ld", rss[i]);
	putchar('\n');
	fflush(stdout);
	kill(pid, SIGTERM);
	for (int i = 0; i < 500 && waitpid(pid, &st, WNOHANG) == 0; i++) {
		/* keep the pipe drained so the command can finish its last write */
		struct pollfd p = {fds[0], POLLIN, 0};
		if (poll(&p, 1, 10) > 0 && read(fds[0], buf, sizeof buf) <= 0)
			usleep(10000);
	}
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return failed;
}
