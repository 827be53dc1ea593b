/* redis_test.c — what only the Redis store does: connecting, credentials, ACL refusals, unix
 * sockets and databases, glob escaping, and surviving a server restart. It starts its own
 * redis-server processes on free loopback ports and stops them all before it exits. */
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "check.h"
#include "cli.h"
#include "store.h"

#define MAXSERVERS 16

struct server {
	pid_t pid;
	int port;
	char sock[64]; /* unix socket path, or "" */
	const char *pass;
};
static struct server servers[MAXSERVERS];
static char errbuf[512];
static int status;

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &n) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void nap(double s)
{
	struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	nanosleep(&t, NULL);
}

/* Start (or restart) s; 0 once it accepts connections, -1 otherwise. */
static int server_start(struct server *s)
{
	char port[16];
	const char *argv[16] = {"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
	                        "--appendonly", "no"};
	int argc = 9;

	snprintf(port, sizeof port, "%d", s->port);
	if (*s->sock)
		argv[argc++] = "--unixsocket", argv[argc++] = s->sock;
	if (s->pass)
		argv[argc++] = "--requirepass", argv[argc++] = s->pass;
	if ((s->pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* even if this test crashes */
		dup2(null, 1);
		dup2(null, 2);
		execvp("redis-server", (char **)argv);
		_exit(127);
	}
	/* up when it answers, on the socket too (TCP listens first) */
	for (double end = now() + 5; now() < end; nap(0.01)) {
		redisContext *c = *s->sock ? redisConnectUnix(s->sock) : redisConnect("127.0.0.1", s->port);
		redisReply *r = c && !c->err ? redisCommand(c, "PING") : NULL;
		int up = r != NULL;
		freeReplyObject(r);
		redisFree(c);
		if (up)
			return 0;
	}
	return -1;
}

static struct server *server_new(const char *pass, int with_socket)
{
	for (int i = 0; i < MAXSERVERS; i++) {
		struct server *s = &servers[i];
		if (s->port)
			continue;
		s->port = free_port();
		s->pass = pass;
		if (with_socket)
			snprintf(s->sock, sizeof s->sock, "/tmp/attune-redis-test-%d-%d.sock", (int)getpid(), s->port);
		return server_start(s) == 0 ? s : NULL;
	}
	return NULL;
}

static void server_kill(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

static void servers_stop(void)
{
	for (int i = 0; i < MAXSERVERS; i++)
		server_kill(&servers[i]);
}

/* A hiredis connection to s (authenticated as default) for setting things up. */
static redisReply *admin(struct server *s, int argc, const char **argv)
{
	redisContext *c = redisConnect("127.0.0.1", s->port);
	redisReply *r = NULL;

	if (c && !c->err && s->pass)
		freeReplyObject(redisCommandArgv(c, 2, (const char *[]){"AUTH", s->pass}, NULL));
	if (c && !c->err)
		r = redisCommandArgv(c, argc, argv, NULL);
	redisFree(c);
	return r;
}

static struct attune_store *open_url(const char *fmt, int port)
{
	char url[256];

	snprintf(url, sizeof url, fmt, port, port);
	errbuf[0] = 0;
	status = 0;
	return attune_store_open(url, "", &status, errbuf, sizeof errbuf);
}

static void env(const char *retry, const char *pass, const char *file)
{
	unsetenv("ATTUNE_RETRY");
	unsetenv("ATTUNE_REDIS_PASSWORD");
	unsetenv("ATTUNE_REDIS_PASSWORD_FILE");
	if (retry)
		setenv("ATTUNE_RETRY", retry, 1);
	if (pass)
		setenv("ATTUNE_REDIS_PASSWORD", pass, 1);
	if (file)
		setenv("ATTUNE_REDIS_PASSWORD_FILE", file, 1);
}

TEST(unreachable_is_69_without_password)
{
	int port = free_port();
	struct attune_store *st;
	char url[64];

	env("0", NULL, NULL);
	st = open_url("redis://:Sekr1t@127.0.0.1:%d", port);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
	CHECK(!st);
	CHECK(status == 69);
	CHECK(strstr(errbuf, "cannot connect to "));
	CHECK(strstr(errbuf, url));
	CHECK(!strstr(errbuf, "Sekr1t"));
	attune_store_close(st);
}

TEST(retry_gives_up_in_time)
{
	double t = now();
	struct attune_store *st;

	env("1", NULL, NULL);
	st = open_url("redis://127.0.0.1:%d", free_port());
	t = now() - t;
	CHECK(!st && status == 69);
	CHECK(t >= 0.9 && t < 2.5);
	attune_store_close(st);
}

static int has(struct attune_store *st, const char *key, const char *want)
{
	char *v = NULL;
	size_t n;
	int rc = attune_store_get(st, key, &v, &n) == 1 && n == strlen(want) && !memcmp(v, want, n);
	free(v);
	return rc;
}

TEST(password)
{
	struct server *s = server_new("Sekr1t-pw", 0);
	struct attune_store *st;
	char file[64];
	FILE *f;

	CHECK(s);
	if (!s)
		return;
	env("0", NULL, NULL);
	/* no password: connecting needs no round trip, the first command is refused */
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st);
	if (st) {
		CHECK(attune_store_set(st, "k", "v", 1, 0) == -1);
		CHECK(attune_store_status(st) == 77);
		CHECK(strstr(attune_store_error(st), "not permitted"));
		attune_store_close(st);
	}
	env("0", "Wrong-pw", NULL);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(!st && status == 77);
	CHECK(!strstr(errbuf, "Wrong-pw") && !strstr(errbuf, "Sekr1t"));
	attune_store_close(st);

	st = open_url("redis://:Wrong-pw@127.0.0.1:%d", s->port);
	CHECK(!st && status == 77);
	CHECK(!strstr(errbuf, "Wrong-pw"));
	attune_store_close(st);

	env("0", "Sekr1t-pw", NULL);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st);
	if (st) {
		CHECK(attune_store_set(st, "k", "v1", 2, 0) == 0);
		CHECK(has(st, "k", "v1"));
		CHECK(!strstr(attune_store_error(st), "Sekr1t"));
		attune_store_close(st);
	}

	snprintf(file, sizeof file, "/tmp/attune-redis-test-%d.pw", (int)getpid());
	if ((f = fopen(file, "w"))) {
		fputs("Sekr1t-pw\n", f);
		fclose(f);
	}
	env("0", NULL, file);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st);
	if (st) {
		CHECK(has(st, "k", "v1"));
		attune_store_close(st);
	}
	unlink(file);
	server_kill(s);
}

static int count_cb(void *ctx, const char *key)
{
	(void)key;
	++*(int *)ctx;
	return 0;
}

TEST(acl_refusal_is_77)
{
	struct server *s = server_new(NULL, 0);
	/* the agents' user of the README's recipe. Read-write patterns (~), not %W~: Redis 7 wants
	 * one pattern granting every access a command needs, and HINCRBY, XADD, SADD need both */
	const char *acl[] = {"ACL", "SETUSER", "agent", "on", ">Agent-pw", "%R~*", "~empathy:*",
	                     "~approval_request:*", "~stream:*", "~stream_registry", "~attune:*", "&*",
	                     "+@all", "-@dangerous"};
	struct attune_entry e = {"", 1, (const char *[]){"f"}, (const char *[]){"v"}, (size_t[]){1}};
	struct attune_store *st;
	redisReply *r;

	CHECK(s);
	if (!s)
		return;
	r = admin(s, (int)(sizeof acl / sizeof *acl), acl);
	CHECK(r && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	env("0", "Agent-pw", NULL);
	st = open_url("redis://agent@127.0.0.1:%d", s->port);
	CHECK(st);
	if (!st) {
		server_kill(s);
		return;
	}
	CHECK(attune_store_set(st, "empathy:signal:b:t:signal_1", "{}", 2, 60000) == 0);
	CHECK(attune_store_set_nx(st, "approval_response:approval_1", "{}", 2, 300000) == -1);
	CHECK(attune_store_status(st) == 77);
	CHECK(strstr(attune_store_error(st), "not permitted"));
	CHECK(strstr(attune_store_error(st), "approval_response:approval_1"));
	CHECK(!strstr(attune_store_error(st), "Agent-pw"));
	CHECK(attune_store_check_write(st, "approval_response:approval_1", "{}", 2, 300000, "approval_request:approval_1",
	                               "x", 1, "y", 1, 300000) == -1);
	CHECK(attune_store_status(st) == 77);
	/* reading is allowed */
	int n = 0;
	CHECK(attune_store_scan(st, "empathy:", count_cb, &n) == 0 && n == 1);
	CHECK(attune_store_notify(st, "b") == 0);
	CHECK(attune_store_hincr(st, "attune:template:t", "good", 1, NULL) == 0);
	CHECK(attune_store_xadd(st, "stream:x", 1, &e, 10000, NULL) == 0);
	CHECK(attune_store_sadd(st, "stream_registry", "stream:x") == 1);
	CHECK(attune_store_xgroup_create(st, "stream:x", "g", "0") == 1);
	CHECK(attune_store_set(st, "feedback:w:s:cheap:feedback_1", "{}", 2, 0) == -1);
	CHECK(attune_store_status(st) == 77);
	attune_store_close(st);
	server_kill(s);
}

TEST(unix_socket_and_db)
{
	struct server *s = server_new(NULL, 1);
	struct attune_store *st, *tcp;
	char url[128];

	CHECK(s);
	if (!s)
		return;
	env("0", NULL, NULL);
	snprintf(url, sizeof url, "unix://%s?db=3", s->sock);
	st = attune_store_open(url, "", &status, errbuf, sizeof errbuf);
	CHECK(st);
	if (st) {
		CHECK(attune_store_set(st, "k", "in3", 3, 0) == 0);
		attune_store_close(st);
	}
	tcp = open_url("redis://127.0.0.1:%d/3", s->port);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(tcp && st);
	if (tcp && st) {
		char *v = NULL;
		size_t n;
		CHECK(has(tcp, "k", "in3"));
		CHECK(attune_store_get(st, "k", &v, &n) == 0);
	}
	attune_store_close(tcp);
	attune_store_close(st);
	server_kill(s);
	unlink(s->sock);
}

static int collect(void *ctx, const char *key)
{
	strcat(ctx, key);
	strcat(ctx, ";");
	return 0;
}

TEST(scan_prefix_is_literal)
{
	struct server *s = server_new(NULL, 0);
	const char *keys[] = {"sig:*:a", "sig:x:a", "sig:?x", "sig:[ab]", "sig:a", "sig:\\q", "other"};
	struct attune_store *st;
	char got[256];

	CHECK(s);
	if (!s)
		return;
	env("0", NULL, NULL);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st);
	if (!st) {
		server_kill(s);
		return;
	}
	for (int i = 0; i < 7; i++)
		attune_store_set(st, keys[i], "1", 1, 0);
	got[0] = 0;
	CHECK(attune_store_scan(st, "sig:*", collect, got) == 0 && !strcmp(got, "sig:*:a;"));
	got[0] = 0;
	CHECK(attune_store_scan(st, "sig:?", collect, got) == 0 && !strcmp(got, "sig:?x;"));
	got[0] = 0;
	CHECK(attune_store_scan(st, "sig:[", collect, got) == 0 && !strcmp(got, "sig:[ab];"));
	got[0] = 0;
	CHECK(attune_store_scan(st, "sig:\\", collect, got) == 0 && !strcmp(got, "sig:\\q;"));
	attune_store_close(st);
	server_kill(s);
}

static int entry_cb(void *ctx, const char *key, const struct attune_entry *e)
{
	(void)key;
	*(int *)ctx = e->nfields == 1 && !strcmp(e->fields[0], "f") && !strcmp(e->values[0], "after-restart");
	return 0;
}

/* Kill s while a child blocks in it, restart it on the same port after a while, then run
 * after() against the new server; the child's exit status (0 = passed) is returned. */
static int across_restart(struct server *s, int (*child)(struct attune_store *, int ready),
                          void (*after)(struct attune_store *, int ready))
{
	int p[2], st_code = -1;
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		struct attune_store *st = open_url("redis://127.0.0.1:%d", s->port);
		alarm(30);
		close(p[0]);
		_exit(st ? child(st, p[1]) : 3);
	}
	close(p[1]);
	if (read(p[0], &c, 1) == 1) { /* the child is blocking */
		struct attune_store *st;
		nap(0.2);
		server_kill(s);
		nap(0.7);
		server_start(s);
		if ((st = open_url("redis://127.0.0.1:%d", s->port))) {
			after(st, p[0]);
			attune_store_close(st);
		}
	}
	close(p[0]);
	if (waitpid(pid, &st_code, 0) < 0 || !WIFEXITED(st_code))
		return -1;
	return WEXITSTATUS(st_code);
}

static int reader(struct attune_store *st, int ready)
{
	const char *keys[] = {"stream:x"}, *ids[] = {"0-0"};
	int got = 0;

	if (write(ready, "r", 1) != 1)
		return 4;
	for (int i = 0; i < 20 && !got; i++)
		if (attune_store_xread(st, 1, keys, ids, 0, 1000, entry_cb, &got) < 0)
			return 2;
	attune_store_close(st);
	return got ? 0 : 1;
}

static void writer(struct attune_store *st, int ready)
{
	struct attune_entry e = {"", 1, (const char *[]){"f"}, (const char *[]){"after-restart"}, (size_t[]){13}};

	(void)ready;
	attune_store_xadd(st, "stream:x", 1, &e, 0, NULL);
}

TEST(xread_survives_restart)
{
	struct server *s = server_new(NULL, 0);

	CHECK(s);
	if (!s)
		return;
	env("10", NULL, NULL);
	CHECK(across_restart(s, reader, writer) == 0);
	server_kill(s);
}

static int waiting(struct attune_store *st, int ready)
{
	const char *t[] = {"agent-b"};
	struct attune_waiter *w = attune_waiter_new(st, 1, t);
	int rc = 0;

	if (!w)
		return 2;
	if (write(ready, "w", 1) != 1)
		return 4;
	if (attune_waiter_wait(w, 10000) != 1) /* woken by the reconnect */
		rc = 5;
	else if (write(ready, "w", 1) != 1)
		rc = 4;
	else if (attune_waiter_wait(w, 10000) != 1) /* and by a notify on the new connection */
		rc = 6;
	attune_waiter_free(w);
	attune_store_close(st);
	return rc;
}

static void notifier(struct attune_store *st, int ready)
{
	char c;

	if (read(ready, &c, 1) == 1)
		attune_store_notify(st, "agent-b");
}

TEST(waiter_survives_restart)
{
	struct server *s = server_new(NULL, 0);

	CHECK(s);
	if (!s)
		return;
	env("10", NULL, NULL);
	CHECK(across_restart(s, waiting, notifier) == 0);
	server_kill(s);
}

TEST(waiter_times_out_and_wakes)
{
	struct server *s = server_new(NULL, 0);
	struct attune_store *st;
	struct attune_waiter *w;
	const char *t[] = {"a", "b"};
	double t0;

	CHECK(s);
	if (!s)
		return;
	env("0", NULL, NULL);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st && (w = attune_waiter_new(st, 2, t)));
	if (st && w) {
		t0 = now();
		CHECK(attune_waiter_wait(w, 300) == 0);
		CHECK(now() - t0 >= 0.29 && now() - t0 < 0.6);
		CHECK(attune_store_notify(st, "b") == 0);
		CHECK(attune_store_notify(st, "b") == 0);
		CHECK(attune_waiter_wait(w, 1000) == 1);
		CHECK(attune_waiter_wait(w, 0) == 0); /* both notifies were drained at once */
		attune_waiter_free(w);
	}
	attune_store_close(st);
	server_kill(s);
}

/* A connection the server closed (idle timeout, CLIENT KILL) is re-made at once, even with
 * no retry time. */
TEST(closed_connection_comes_back)
{
	struct server *s = server_new(NULL, 0);
	const char *kill_all[] = {"CLIENT", "KILL", "TYPE", "normal"};
	struct attune_store *st;

	CHECK(s);
	if (!s)
		return;
	env("0", NULL, NULL);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st);
	if (st) {
		CHECK(attune_store_set(st, "k", "v", 1, 0) == 0);
		freeReplyObject(admin(s, 4, kill_all));
		CHECK(attune_store_set(st, "k", "w", 1, 0) == 0);
		CHECK(has(st, "k", "w"));
		attune_store_close(st);
	}
	server_kill(s);
}

TEST(lost_server_is_69_after_retry)
{
	struct server *s = server_new(NULL, 0);
	struct attune_store *st;

	CHECK(s);
	if (!s)
		return;
	env("0.5", NULL, NULL);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st);
	server_kill(s);
	if (st) {
		double t0 = now();
		CHECK(attune_store_set(st, "k", "v", 1, 0) == -1);
		CHECK(attune_store_status(st) == 69);
		CHECK(strstr(attune_store_error(st), "cannot connect to redis://127.0.0.1:"));
		CHECK(now() - t0 < 1.5);
		attune_store_close(st);
	}
}

static int count_entry(void *ctx, const char *key, const struct attune_entry *e)
{
	(void)key;
	++*(int *)ctx;
	return e->nfields == 1 ? 0 : 1;
}

/* Pending entries trimmed away come back from Redis with nil fields: they are skipped, and a
 * count still gets that many live ones. */
TEST(pending_skips_trimmed)
{
	struct server *s = server_new(NULL, 0);
	const char *keys[] = {"stream:p"}, *f[] = {"f"}, *v[] = {"v"};
	size_t len[] = {1};
	struct attune_entry e[300];
	struct attune_store *st;
	long long live, trimmed;
	int n = 0;

	CHECK(s);
	if (!s)
		return;
	env("0", NULL, NULL);
	if (!(st = open_url("redis://127.0.0.1:%d", s->port))) {
		server_kill(s);
		return;
	}
	for (int i = 0; i < 300; i++)
		e[i] = (struct attune_entry){"", 1, f, v, len};
	CHECK(attune_store_xadd(st, "stream:p", 300, e, 0, NULL) == 0);
	CHECK(attune_store_xgroup_create(st, "stream:p", "g", "0") == 1);
	CHECK(attune_store_xreadgroup(st, "g", "c", 1, keys, 0, 0, count_entry, &n) == 300);
	trimmed = attune_store_xtrim(st, "stream:p", 150);
	live = attune_store_xlen(st, "stream:p");
	CHECK(trimmed > 0 && live == 300 - trimmed);
	n = 0;
	CHECK(attune_store_xpending_own(st, "stream:p", "g", "c", 0, count_entry, &n) == 0 && n == live);
	n = 0;
	CHECK(attune_store_xpending_own(st, "stream:p", "g", "c", 5, count_entry, &n) == 0 && n == 5);
	n = 0;
	CHECK(attune_store_xclaim_idle(st, "stream:p", "g", "d", 0, 0, count_entry, &n) == live && n == live);
	attune_store_close(st);
	server_kill(s);
}

static void on_alarm(int sig)
{
	(void)sig;
	attune_interrupted = SIGINT;
}

/* attune_interrupted set in 300 ms, as the tools' SIGINT handler does. */
static void interrupt_soon(void)
{
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	struct itimerval it = {.it_value = {0, 300000}};

	attune_interrupted = 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

TEST(interrupt_is_prompt)
{
	struct server *s = server_new(NULL, 0);
	const char *t[] = {"a"}, *keys[] = {"stream:i"}, *ids[] = {"$"};
	struct attune_store *st;
	struct attune_waiter *w = NULL;
	double t0;
	int got = 0;

	CHECK(s);
	if (!s)
		return;
	env("30", NULL, NULL);
	st = open_url("redis://127.0.0.1:%d", s->port);
	CHECK(st && (w = attune_waiter_new(st, 1, t)));
	if (!st || !w) {
		server_kill(s);
		return;
	}
	interrupt_soon();
	t0 = now();
	CHECK(attune_waiter_wait(w, -1) == -2);
	CHECK(now() - t0 < 0.7);
	attune_waiter_free(w);

	/* a blocking read ends at its bound and delivers nothing */
	interrupt_soon();
	t0 = now();
	CHECK(attune_store_xread(st, 1, keys, ids, 0, 1000, entry_cb, &got) == 0);
	CHECK(now() - t0 < 1.5 && attune_interrupted);

	/* reconnecting gives up at once */
	server_kill(s);
	interrupt_soon();
	t0 = now();
	CHECK(attune_store_set(st, "k", "v", 1, 0) == -1 && attune_store_status(st) == 69);
	CHECK(now() - t0 < 0.7);
	attune_interrupted = 0;
	attune_store_close(st);
}

int main(void)
{
	const char *store = getenv("ATTUNE_STORE");

	if (!store || strncmp(store, "redis://", 8)) {
		printf("1..0 # SKIP not redis\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	atexit(servers_stop);
	RUN(unreachable_is_69_without_password);
	RUN(retry_gives_up_in_time);
	RUN(password);
	RUN(acl_refusal_is_77);
	RUN(unix_socket_and_db);
	RUN(scan_prefix_is_literal);
	RUN(xread_survives_restart);
	RUN(waiter_survives_restart);
	RUN(waiter_times_out_and_wakes);
	RUN(closed_connection_comes_back);
	RUN(lost_server_is_69_after_retry);
	RUN(pending_skips_trimmed);
	RUN(interrupt_is_prompt);
	return check_done();
}
