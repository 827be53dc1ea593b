/* check.h — a tiny TAP harness for the C unit tests.
 * CHECK(cond) records a failure with file:line and goes on; TEST(name) { … } defines a test,
 * RUN(name) runs it and prints "ok N - name" or "not ok N - name". main returns check_done(). */
#ifndef ATTUNE_CHECK_H
#define ATTUNE_CHECK_H

#include <stdio.h>

static int check_failed_, check_n_, check_bad_;

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			check_failed_ = 1;                                                     \
		}                                                                              \
	} while (0)

#define TEST(name) static void test_##name(void)

#define RUN(name)                                                                              \
	do {                                                                                   \
		check_failed_ = 0;                                                             \
		test_##name();                                                                 \
		check_bad_ += check_failed_;                                                   \
		printf("%sok %d - %s\n", check_failed_ ? "not " : "", ++check_n_, #name);      \
		fflush(stdout);                                                                \
	} while (0)

static int check_done(void)
{
	printf("1..%d\n", check_n_);
	return check_bad_ ? 1 : 0;
}

#endif
