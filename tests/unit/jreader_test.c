/* jreader_test — attune_jreader (fast mode, then jq's parser) reads a stream of JSON values
 * exactly as jq's parser alone reads it: the same values, the same error with the same line and
 * column, whatever the input and however it arrives (a file, or a pipe in pieces). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "json.h"

/* What the reader gives for the input: each value dumped on a line, then "end" or the error. */
static char *with_reader(int fd)
{
	struct attune_jreader *r = attune_jreader_new(fd);
	char *out = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	jv v;
	int rc;

	while ((rc = attune_jreader_next(r, &v, err, sizeof err)) == 1) {
		jv s = jv_dump_string(v, 0);
		fprintf(f, "%s\n", jv_string_value(s));
		jv_free(s);
	}
	fprintf(f, rc == 0 ? "end\n" : "error: %s\n", err);
	fclose(f);
	attune_jreader_free(r);
	return out;
}

/* The same from jq's parser over the whole text at once (the reader's message format). */
static char *with_jq(const char *text, size_t n)
{
	jv_parser *p = jv_parser_new(0);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	jv v;

	jv_parser_set_buf(p, text, (int)n, 0);
	while (jv_is_valid(v = jv_parser_next(p))) {
		jv s = jv_dump_string(v, 0);
		fprintf(f, "%s\n", jv_string_value(s));
		jv_free(s);
	}
	if (jv_invalid_has_msg(jv_copy(v))) {
		jv msg = jv_invalid_get_msg(v);
		fprintf(f, "error: invalid JSON: %s\n", jv_string_value(msg));
		jv_free(msg);
	} else {
		jv_free(v);
		fprintf(f, "end\n");
	}
	fclose(f);
	jv_parser_free(p);
	return out;
}

/* Read text from a pipe that a child fills in random pieces, or from a file. */
static char *through(const char *text, size_t n, int pipe_it)
{
	char path[] = "/tmp/jreader_test.XXXXXX";
	int fds[2], fd, st;
	pid_t pid = 0;
	char *out;

	if (!pipe_it) {
		fd = mkstemp(path);
		unlink(path);
		if (write(fd, text, n) != (ssize_t)n)
			abort();
		lseek(fd, 0, SEEK_SET);
	} else {
		if (pipe(fds) < 0 || (pid = fork()) < 0)
			abort();
		if (pid == 0) {
			close(fds[0]);
			for (size_t at = 0; at < n;) {
				size_t k = 1 + (size_t)rand() % (rand() % 4 ? 64 : 70000);
				k = k > n - at ? n - at : k;
				if (write(fds[1], text + at, k) != (ssize_t)k)
					_exit(1);
				at += k;
				if (rand() % 8 == 0)
					usleep(200);
			}
			_exit(0);
		}
		close(fds[1]);
		fd = fds[0];
	}
	out = with_reader(fd);
	close(fd);
	if (pid)
		waitpid(pid, &st, 0);
	return out;
}

static int same(const char *text, size_t n)
{
	char *want = with_jq(text, n);
	int ok = 1;

	for (int pipe_it = 0; pipe_it < 2; pipe_it++) {
		char *got = through(text, n, pipe_it);
		if (strcmp(got, want)) {
			fprintf(stderr, "# input (%zu bytes, %s): %.200s\n# jq:     %.300s\n# reader: %.300s\n", n,
			        pipe_it ? "pipe" : "file", text, want, got);
			ok = 0;
		}
		free(got);
	}
	free(want);
	return ok;
}

TEST(texts)
{
	static const char *const texts[] = {
		"", " \n ", "1", "1 2 3", "1\n2\n3\n", "{}{}[]\"s\"", "{\"a\": 1}\n{\"a\": 2}\n", "true false null",
		"truefalse", "1[2]", "\"a\"1", "{}x", "{\"a\": \"\\u00e9\"}\n{\"b\": 2}\n", "{\"a\": \"caf\xc3\xa9\"} 1 2",
		"[1, 2,\n 3]\n{\"a\":\n\n  tru}", "{\"a\": 1}\n\n  \"open", "\xef\xbb\xbf{\"bom\": 1}", "nan", "01 -0 1.",
		"{\"a\": 1}\n{\"b\": \"x\\ny\"}\n[1, {\"c\": [true, null]}]\n{\"d\":}\n{\"e\": 5}",
		"  \n\n   \"x\"  \n  ]", "1 2 3 4 5 6 7 8 9 10 11 12", "{\"c\": \"\x01\"}", "[[[[[[[[[[]]]]]]]]]]",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		CHECK(same(texts[i], strlen(texts[i])));
}

static const char *const pieces[] = {
	"{\"agent_id\": \"agent-7\", \"status\": \"running\", \"progress\": 0.5, \"task\": \"step 1\"}",
	"[1, 2.5, -3e-7, true, false, null, \"s\\\\t\\\"q\\\"\"]", "\"plain\"", "12345", "-0.25", "true", "null",
	"{\"nested\": {\"a\": [{}, [], {\"b\": \"c\"}]}}", "{\"u\": \"\\u00e9\\ud83d\\ude00\"}", "\"caf\xc3\xa9\"",
	"{\"n\": 01}", "1e400", "{\"a\"\n:\n1\n}", "{\"bad\": }", "tru", "]", ",", "{\"a\": 1", "\"unterminated",
};
static const char *const seps[] = {"\n", " ", "", "\t", "\r\n", "\n\n  "};

TEST(random_streams)
{
	char *buf = malloc(1 << 20);

	srand(3);
	for (int t = 0; t < 300; t++) {
		size_t n = 0;
		int good = rand() % 3 != 0, count = rand() % (rand() % 5 ? 40 : 4000);
		for (int i = 0; i < count && n < (1 << 20) - 200; i++) {
			/* mostly plain values; now and then one that only jq reads, or one nobody does */
			size_t k = good && rand() % 50 ? (size_t)rand() % 8 : (size_t)rand() % (sizeof pieces / sizeof *pieces);
			const char *sep = seps[rand() % 6];
			memcpy(buf + n, pieces[k], strlen(pieces[k]));
			n += strlen(pieces[k]);
			memcpy(buf + n, sep, strlen(sep));
			n += strlen(sep);
		}
		CHECK(same(buf, n));
	}
	free(buf);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(texts);
	RUN(random_streams);
	return check_done();
}
