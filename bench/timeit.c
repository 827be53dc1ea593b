/* timeit — wall time of fresh processes: timeit ROUNDS CMD… [--vs CMD…]
 * Runs each command ROUNDS times (alternating when two are given, so drift hits both alike),
 * output to /dev/null, and prints the median wall time of each in microseconds. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double run(char **argv, posix_spawn_file_actions_t *fa)
{
	pid_t pid;
	int st;
	double t0 = now_us();

	if (posix_spawnp(&pid, argv[0], fa, NULL, argv, environ) != 0) {
		perror(argv[0]);
		exit(1);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "timeit: %s failed\n", argv[0]);
		exit(1);
	}
	return now_us() - t0;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	char **cmd[2] = {argv + 2, NULL};
	int n = argc > 2 ? atoi(argv[1]) : 0, k = 1;

	if (n < 1) {
		fprintf(stderr, "usage: timeit ROUNDS CMD... [--vs CMD...]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--vs")) {
			argv[i] = NULL;
			cmd[1] = argv + i + 1;
			k = 2;
		}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	double *t[2] = {calloc(n, sizeof(double)), calloc(n, sizeof(double))};
	for (int i = 0; i < n; i++)
		for (int j = 0; j < k; j++)
			t[j][i] = run(cmd[j], &fa);
	for (int j = 0; j < k; j++) {
		qsort(t[j], n, sizeof(double), cmp);
		printf("%s%.0f", j ? " " : "", t[j][n / 2]);
	}
	putchar('\n');
	return 0;
}
