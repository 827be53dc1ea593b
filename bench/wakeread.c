/* wakeread — read N lines, each an ISO-8601 UTC timestamp as attune writes it
 * ("2026-11-25T15:27:58.027705+00:00", JSON-quoted or not), and print the median and the 90th
 * percentile of (time the line was read - timestamp) in microseconds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0, got = 0;
	double *d = calloc(n > 0 ? n : 1, sizeof *d);
	char line[256];

	if (n < 1) {
		fprintf(stderr, "usage: wakeread N\n");
		return 2;
	}
	while (got < n && fgets(line, sizeof line, stdin)) {
		struct timespec now;
		struct tm tm = {0};
		char *p = line + (line[0] == '"'), *rest;
		clock_gettime(CLOCK_REALTIME, &now);
		if (!(rest = strptime(p, "%Y-%m-%dT%H:%M:%S", &tm)))
			continue;
		double t = (double)timegm(&tm) + strtod(rest, NULL);
		d[got++] = (now.tv_sec + now.tv_nsec / 1e9 - t) * 1e6;
	}
	if (got < n) {
		fprintf(stderr, "wakeread: only %d of %d lines\n", got, n);
		return 1;
	}
	qsort(d, n, sizeof *d, cmp);
	printf("%.0f %.0f\n", d[n / 2], d[n * 9 / 10]);
	return 0;
}
