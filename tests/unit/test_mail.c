/*
 * notify/mail and fetch/smtp against a real SMTP server on 127.0.0.1
 * (tests/servers/smtp_server.py on Debian's python3-aiosmtpd, started per
 * test on a free port and killed by pid) through a real libev loop. What
 * the server received is parsed by Python's email package. TLS tests make
 * their own CA and server certificate with openssl in the test's temp dir.
 */
#include <check.h>
#include <ev.h>
#include <jansson.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "fetch/http.h"
#include "fetch/smtp.h"
#include "notify/notify.h"
#include "tests/unit/testutil.h"

#define TITLE_ZH "中国代表在第六届世界互联网大会上的讲话：尊重网络主权，携手构建网络空间命运共同体"
#define EVIDENCE "China is a long-time supporter of respecting cyber sovereignty."
#define EVENT_URL "https://www.fmprc.gov.cn/eng/wjdt_665385/zyjh_665391/t1711547.shtml"

static const char event_json[] =
    "{\"type\":\"statement.new\",\"id\":\"evt_01JXAMPLE\",\"detected_at\":\"2019-10-24T06:31:"
    "41Z\",\"source\":{\"id\":\"mfa-zh\",\"url\":\"https://www.fmprc.gov.cn/\"},"
    "\"item\":{\"url\":\"" EVENT_URL "\",\"title\":\"" TITLE_ZH "\","
    "\"published\":\"2019-10-24T14:06:00+08:00\",\"language\":\"zh\",\"words\":812,"
    "\"excerpt\":\"尊敬的各位来宾……\"},"
    "\"themes\":[{\"id\":\"cyber-sovereignty\",\"label\":\"Cyber sovereignty\",\"score\":0.82,"
    "\"evidence\":[\"" EVIDENCE "\"]},{\"id\":\"un\",\"label\":\"UN-centred governance\","
    "\"score\":0.5,\"evidence\":[]}]}";

static const char event2_json[] =
    "{\"type\":\"statement.changed\",\"id\":\"evt_02\",\"detected_at\":\"2019-10-25T00:00:00Z\","
    "\"source\":{\"id\":\"mfa-ru\",\"url\":\"https://mid.ru/\"},\"item\":{\"url\":"
    "\"https://mid.ru/ru/1\",\"title\":\"Выступление Министра иностранных дел России\"},"
    "\"themes\":[],\"diff\":\"--- a\\n+++ b\\n-old line\\n+new line\\n\"}";

static pid_t srv_pid = -1;
static int srv_port;
static char dir[64];
static char log_path[128];
static struct ev_loop *loop;
static struct http *eng;
static struct notify_channel *chan;

struct outcome {
	int calls;
	enum notify_verdict verdict;
	long status;
	char *detail;
};

/* Starts the server with extra arguments (NULL-terminated). */
static void srv_start(const char *const *extra)
{
	char *script = testutil_server_script("smtp_server.py");
	char *portfile = xasprintf("%s/port", dir);
	const char *argv[24] = {script, "--log", log_path, "--port-file", portfile};
	size_t n = 5;

	for (size_t i = 0; extra && extra[i] && n < 22; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	unlink(portfile); /* a server started earlier in this test left its port here */
	srv_pid = testutil_server_spawn(argv, 0);
	srv_port = testutil_read_port_file(portfile);
	free(script);
	free(portfile);
	ck_assert_msg(srv_port > 0, "smtp_server.py did not start");
}

static void srv_stop(void)
{
	testutil_server_stop(&srv_pid);
}

static const char *smtp_url(const char *scheme)
{
	static char url[128];

	snprintf(url, sizeof(url), "%s://127.0.0.1:%d", scheme, srv_port);
	return url;
}

/* The messages the server accepted, as a JSON array of its log lines. */
static json_t *srv_log(void)
{
	json_t *all = json_array();
	FILE *f = fopen(log_path, "r");
	char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);

		ck_assert_ptr_nonnull(j);
		json_array_append_new(all, j);
	}
	free(line);
	if (f)
		fclose(f);
	return all;
}

/* Python's email package on one received message (data_b64 of a log line). */
static json_t *py_view(json_t *entry)
{
	static const char py[] =
	    "import sys, json, base64, email, email.policy\n"
	    "raw = base64.b64decode(open(sys.argv[1]).read())\n"
	    "m = email.message_from_bytes(raw, policy=email.policy.default)\n"
	    "t = lambda p: p.get_content().replace('\\r\\n', '\\n') if p else None\n"
	    "print(json.dumps({'subject': str(m['subject']), 'message_id': str(m['message-id']),\n"
	    "  'to': str(m['to']), 'cc': str(m['cc']), 'from': str(m['from']),\n"
	    "  'date': str(m['date']), 'plain': t(m.get_body(('plain',))),\n"
	    "  'html': t(m.get_body(('html',))), 'auto': str(m['auto-submitted']),\n"
	    "  'defects': [str(x) for p in m.walk() for x in p.defects]}))\n";
	char *path = xasprintf("%s/msg.b64", dir);
	char *cmd = xasprintf("/usr/bin/python3 -c \"$SW_PY\" %s", path);
	FILE *f = fopen(path, "w");
	json_t *j;
	json_error_t e;

	ck_assert_ptr_nonnull(f);
	fputs(json_string_value(json_object_get(entry, "data_b64")), f);
	fclose(f);
	setenv("SW_PY", py, 1);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	j = json_loadf(f, 0, &e);
	pclose(f);
	free(cmd);
	free(path);
	ck_assert_msg(j != NULL, "python could not parse the message: %s", e.text);
	return j;
}

static const char *jstr(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* CA and a server certificate for 127.0.0.1 signed by it, in dir. */
static void make_certs(void)
{
	char *cmd =
	    xasprintf("cd %s && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext && "
		      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		      "-keyout ca.key -out ca.pem -days 2 -subj /CN=speechwatch-test-ca && "
		      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		      "-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 && "
		      "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		      "-out srv.pem -days 2 -extfile ext >/dev/null 2>&1",
		      dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* ---- loop, engine, channel ------------------------------------------------ */

static void setup(void)
{
	char err[256] = "";
	struct http_config c = {.connect_timeout_s = 3, .timeout_s = 20, .low_speed_time_s = 5};

	snprintf(dir, sizeof(dir), "/tmp/sw-test-mail-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(log_path, sizeof(log_path), "%s/log.jsonl", dir);
	loop = ev_loop_new(EVFLAG_AUTO);
	eng = http_new(loop, &c, err, sizeof(err));
	ck_assert_msg(eng != NULL, "%s", err);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	notify_channel_free(chan);
	chan = NULL;
	http_free(eng);
	eng = NULL;
	ev_loop_destroy(loop);
	srv_stop();
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

/*
 * The mail channel's settings as the tests vary them. mail_channel_new()
 * turns them into the raw lines of a [notify] section, as config/ hands
 * them on; password and body go into files in dir, as password_file and
 * body_file name them.
 */
struct mail_opts {
	const char *id, *type, *smtp_url, *tls, *from, *envelope_from;
	const char *const *to, *const *cc;
	const char *user, *password, *ca_file, *subject, *body;
	int html;
	double timeout_s, digest_s;
};

#define MAIL_LINES_MAX 256

static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	return path;
}

static void add_line(struct notify_line *l, size_t *n, const char *key, const char *value)
{
	ck_assert_uint_lt(*n, MAIL_LINES_MAX);
	if (value != NULL)
		l[(*n)++] = (struct notify_line){key, value, "test.conf", (int)*n + 2};
}

static struct notify_channel *mail_channel_new(const struct mail_opts *o, char *err, size_t errlen)
{
	struct notify_line l[MAIL_LINES_MAX];
	struct notify_channel_config c = {
	    .id = o->id, .type = o->type, .digest_s = o->digest_s, .file = "test.conf", .line = 1};
	char *password = o->password ? write_file("password", o->password) : NULL;
	char *body = o->body ? write_file("body.tmpl", o->body) : NULL;
	char *timeout = o->timeout_s > 0 ? xasprintf("%gs", o->timeout_s) : NULL;
	struct notify_channel *ch;
	size_t n = 0;

	add_line(l, &n, "smtp_url", o->smtp_url);
	add_line(l, &n, "tls", o->tls);
	add_line(l, &n, "from", o->from);
	add_line(l, &n, "envelope_from", o->envelope_from);
	for (size_t i = 0; o->to && o->to[i]; i++)
		add_line(l, &n, "to", o->to[i]);
	for (size_t i = 0; o->cc && o->cc[i]; i++)
		add_line(l, &n, "cc", o->cc[i]);
	add_line(l, &n, "user", o->user);
	add_line(l, &n, "password_file", password);
	add_line(l, &n, "ca_file", o->ca_file);
	add_line(l, &n, "subject", o->subject);
	add_line(l, &n, "body_file", body);
	add_line(l, &n, "html", o->html ? "yes" : NULL);
	add_line(l, &n, "timeout", timeout);
	c.lines = l;
	c.nlines = n;
	ch = notify_channel_new(loop, eng, &c, err, errlen);
	free(password);
	free(body);
	free(timeout);
	return ch;
}

static const char *const to_list[] = {"Desk <desk@example.org>", "analyst@example.org", NULL};
static const char *const cc_list[] = {"Дежурный <duty@example.org>", NULL};

static struct mail_opts mail_cfg(const char *url, const char *tls)
{
	struct mail_opts c = {
	    .id = "desk",
	    .type = "mail",
	    .smtp_url = url,
	    .tls = tls,
	    .from = "Speechwatch <speechwatch@example.org>",
	    .envelope_from = "bounces@example.org",
	    .to = to_list,
	    .cc = cc_list,
	    .timeout_s = 10,
	};
	return c;
}

static void open_channel(const struct mail_opts *c)
{
	char err[512] = "";

	chan = mail_channel_new(c, err, sizeof(err));
	ck_assert_msg(chan != NULL, "notify_channel_new: %s", err);
}

static void on_done(const struct notify_outcome *o, void *arg)
{
	struct outcome *out = arg;

	out->calls++;
	out->verdict = o->verdict;
	out->status = o->status;
	free(out->detail);
	out->detail = xstrdup(o->detail);
}

static void guard_fire(struct ev_loop *l, struct ev_timer *w, int revents)
{
	(void)l;
	(void)revents;
	*(int *)w->data = 1;
}

/* Sends body as event id and runs the loop until the outcome is in. */
static void send_wait(const char *id, const char *body, struct outcome *out)
{
	char err[256] = "";
	struct ev_timer guard;
	int expired = 0;

	free(out->detail);
	memset(out, 0, sizeof(*out));
	ck_assert_msg(notify_send(chan, id, body, strlen(body), on_done, out, err, sizeof(err)) ==
			  0,
		      "notify_send: %s", err);
	ck_assert_int_eq(out->calls, 0);
	ev_timer_init(&guard, guard_fire, 25., 0.);
	guard.data = &expired;
	ev_timer_start(loop, &guard);
	while (out->calls == 0 && !expired)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
	ck_assert_msg(out->calls == 1, "no outcome within 25 s");
	printf("%s: %s %ld %s\n", id, notify_verdict_name(out->verdict), out->status, out->detail);
}

/* ---- tests ------------------------------------------------------------------ */

START_TEST(delivers_with_stable_message_id)
{
	const char *const args[] = {NULL};
	struct mail_opts c;
	struct outcome o = {0};
	json_t *log, *v1, *v2;
	char *rcpts;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	open_channel(&c);
	send_wait("evt_01JXAMPLE", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	ck_assert_int_eq(o.status, 250);
	ck_assert_ptr_nonnull(strstr(o.detail, "SMTP 250: 250 2.0.0 Message accepted"));
	ck_assert_msg(strstr(o.detail, "refused") == NULL, "%s", o.detail);
	send_wait("evt_01JXAMPLE", event_json, &o); /* a forced re-send */
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	free(o.detail);

	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 2);
	ck_assert_str_eq(jstr(json_array_get(log, 0), "mail_from"), "bounces@example.org");
	rcpts = json_dumps(json_object_get(json_array_get(log, 0), "rcpt_tos"), 0);
	ck_assert_str_eq(rcpts,
			 "[\"desk@example.org\", \"analyst@example.org\", \"duty@example.org\"]");
	free(rcpts);
	v1 = py_view(json_array_get(log, 0));
	v2 = py_view(json_array_get(log, 1));
	ck_assert_str_eq(jstr(v1, "subject"),
			 "[speechwatch] " TITLE_ZH " — Cyber sovereignty, UN-centred governance");
	ck_assert_str_eq(jstr(v1, "message_id"), "<evt_01JXAMPLE@example.org>");
	ck_assert_str_eq(jstr(v2, "message_id"), jstr(v1, "message_id"));
	ck_assert_str_eq(jstr(v1, "date"), "Thu, 24 Oct 2019 06:31:41 +0000");
	ck_assert_str_eq(jstr(v1, "from"), "Speechwatch <speechwatch@example.org>");
	ck_assert_str_eq(jstr(v1, "to"), "Desk <desk@example.org>, analyst@example.org");
	ck_assert_str_eq(jstr(v1, "cc"), "Дежурный <duty@example.org>");
	ck_assert_str_eq(jstr(v1, "auto"), "auto-generated");
	ck_assert_ptr_nonnull(strstr(jstr(v1, "plain"), "Link:      " EVENT_URL "\n"));
	ck_assert_ptr_nonnull(strstr(jstr(v1, "plain"), "  * " EVIDENCE "\n"));
	ck_assert_ptr_nonnull(strstr(jstr(v1, "plain"), "Cyber sovereignty (score 0.82)\n"));
	ck_assert_ptr_nonnull(strstr(jstr(v1, "plain"), "Published: 2019-10-24T14:06:00+08:00"));
	ck_assert_int_eq(json_array_size(json_object_get(v1, "defects")), 0);
	json_decref(v1);
	json_decref(v2);
	json_decref(log);
}
END_TEST

START_TEST(html_part_and_templates)
{
	const char *const args[] = {NULL};
	struct mail_opts c;
	struct outcome o = {0};
	json_t *log, *v;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	c.html = 1;
	c.subject = "{type}: {title} [{source}]";
	c.body = "{{{title}}}\n{url}\n{evidence}{diff}id={id}\n";
	open_channel(&c);
	send_wait("evt_01JXAMPLE", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	send_wait("evt_02", event2_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	free(o.detail);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 2);
	v = py_view(json_array_get(log, 0));
	ck_assert_str_eq(jstr(v, "subject"), "statement.new: " TITLE_ZH " [mfa-zh]");
	ck_assert_ptr_nonnull(strstr(jstr(v, "plain"), "{" TITLE_ZH "}\n" EVENT_URL "\n"));
	ck_assert_ptr_nonnull(strstr(jstr(v, "html"), "<b>" EVIDENCE "</b>"));
	ck_assert_ptr_nonnull(strstr(jstr(v, "html"), "<a href=\"" EVENT_URL "\">"));
	ck_assert_int_eq(json_array_size(json_object_get(v, "defects")), 0);
	json_decref(v);
	v = py_view(json_array_get(log, 1));
	ck_assert_str_eq(jstr(v, "subject"),
			 "statement.changed: Выступление Министра иностранных дел России [mfa-ru]");
	ck_assert_ptr_nonnull(strstr(jstr(v, "plain"), "Changes:\n--- a\n+++ b\n-old line\n"));
	ck_assert_ptr_nonnull(strstr(jstr(v, "plain"), "id=evt_02\n"));
	json_decref(v);
	json_decref(log);
}
END_TEST

START_TEST(digest_is_one_mail)
{
	const char *const args[] = {NULL};
	struct mail_opts c;
	struct outcome o = {0};
	char *body = xasprintf("[%s,%s]", event_json, event2_json);
	json_t *log, *v;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	open_channel(&c);
	send_wait("dig_evt_01JXAMPLE", body, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	free(o.detail);
	free(body);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 1);
	v = py_view(json_array_get(log, 0));
	ck_assert_str_eq(jstr(v, "subject"), "[speechwatch] 2 alerts: " TITLE_ZH
					     "; Выступление Министра иностранных дел России");
	ck_assert_str_eq(jstr(v, "message_id"), "<dig_evt_01JXAMPLE@example.org>");
	ck_assert_ptr_nonnull(strstr(jstr(v, "plain"), EVIDENCE));
	ck_assert_ptr_nonnull(strstr(jstr(v, "plain"), "+new line"));
	json_decref(v);
	json_decref(log);
}
END_TEST

START_TEST(starttls_needs_the_ca)
{
	const char *args[] = {"--starttls", "--cert", NULL, "--key", NULL, NULL};
	struct mail_opts c;
	struct outcome o = {0};
	char *cert = xasprintf("%s/srv.pem", dir), *key = xasprintf("%s/srv.key", dir);
	char *ca = xasprintf("%s/ca.pem", dir);
	json_t *log;

	make_certs();
	args[2] = cert;
	args[4] = key;
	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "required");
	open_channel(&c);
	send_wait("evt_tls1", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_RETRY);
	ck_assert_msg(strstr(o.detail, "tls: ") == o.detail && strstr(o.detail, "certificate"),
		      "%s", o.detail);
	notify_channel_free(chan);
	chan = NULL;

	c.ca_file = ca;
	open_channel(&c);
	send_wait("evt_tls2", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	free(o.detail);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 1);
	ck_assert(json_is_true(json_object_get(json_array_get(log, 0), "tls")));
	json_decref(log);
	free(cert);
	free(key);
	free(ca);
}
END_TEST

START_TEST(tls_required_but_not_offered)
{
	const char *const args[] = {NULL};
	struct mail_opts c;
	struct outcome o = {0};
	json_t *log;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "required"); /* the config default is opportunistic */
	open_channel(&c);
	send_wait("evt_notls", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_RETRY);
	ck_assert_msg(strstr(o.detail, "STARTTLS") != NULL, "%s", o.detail);
	notify_channel_free(chan);
	chan = NULL;
	c.tls = "opportunistic";
	open_channel(&c);
	send_wait("evt_opp", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	free(o.detail);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 1);
	ck_assert(json_is_false(json_object_get(json_array_get(log, 0), "tls")));
	json_decref(log);
}
END_TEST

static void auth_run(const char *mech, const char *password, struct outcome *o)
{
	const char *const args[] = {"--auth", "sw:s3cret pass", "--auth-mech", mech, NULL};
	struct mail_opts c;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	c.user = "sw";
	c.password = password;
	open_channel(&c);
	send_wait("evt_auth", event_json, o);
}

START_TEST(auth_plain_and_login)
{
	const char *mechs[] = {"PLAIN", "LOGIN"};
	struct outcome o = {0};
	json_t *log;

	for (int i = 0; i < 2; i++) {
		auth_run(mechs[i], "s3cret pass", &o);
		ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
		log = srv_log();
		ck_assert_int_eq(json_array_size(log), 1);
		ck_assert_str_eq(jstr(json_array_get(log, 0), "auth_user"), "sw");
		ck_assert_str_eq(jstr(json_array_get(log, 0), "auth_mechanism"), mechs[i]);
		json_decref(log);
		notify_channel_free(chan);
		chan = NULL;
		srv_stop();
		unlink(log_path);
	}
	free(o.detail);
}
END_TEST

START_TEST(wrong_password_is_permanent)
{
	struct outcome o = {0};
	json_t *log;

	auth_run("PLAIN", "wrong", &o);
	ck_assert_int_eq(o.verdict, NOTIFY_PERMANENT);
	ck_assert_int_eq(o.status, 535);
	ck_assert_msg(strstr(o.detail, "SMTP 535: 535 5.7.8 Authentication credentials invalid"),
		      "%s", o.detail);
	free(o.detail);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 0);
	json_decref(log);
}
END_TEST

static void reject_run(const char *code, const char *where, struct outcome *o)
{
	const char *const args[] = {"--reject", code, "--reject-at", where, NULL};
	struct mail_opts c;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	open_channel(&c);
	send_wait("evt_rej", event_json, o);
}

START_TEST(reply_450_retries)
{
	struct outcome o = {0};

	reject_run("450", "rcpt", &o);
	ck_assert_int_eq(o.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(o.status, 450);
	ck_assert_msg(strstr(o.detail, "SMTP 450: 450 4.2.1 Mailbox busy"), "%s", o.detail);
	/* Every recipient refused: each is named, in order. */
	ck_assert_msg(strstr(o.detail, "; refused: desk@example.org: 450 4.2.1 Mailbox busy"), "%s",
		      o.detail);
	free(o.detail);
}
END_TEST

START_TEST(reply_550_is_permanent)
{
	const char *where[] = {"rcpt", "mail", "data"};
	struct outcome o = {0};

	for (int i = 0; i < 3; i++) {
		reject_run(i == 2 ? "554" : "550", where[i], &o);
		ck_assert_int_eq(o.verdict, NOTIFY_PERMANENT);
		ck_assert_int_eq(o.status, i == 2 ? 554 : 550);
		ck_assert_msg(strstr(o.detail, i == 2 ? "554 5.7.1 Message refused by policy"
						      : "Recipient address rejected: User unknown"),
			      "%s", o.detail);
		/* Only RCPT refusals are listed; all three were refused here. */
		ck_assert_msg((strstr(o.detail, "; refused: desk@example.org: 550 5.1.1 "
						"<desk@example.org>") != NULL) == (i == 0),
			      "%s", o.detail);
		notify_channel_free(chan);
		chan = NULL;
		srv_stop();
	}
	free(o.detail);
}
END_TEST

/* Runs one send with the given addresses refused at RCPT; returns the server's log. */
static json_t *refuse_run(const char *const *args, struct outcome *o)
{
	struct mail_opts c;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	open_channel(&c);
	send_wait("evt_some", event_json, o);
	notify_channel_free(chan);
	chan = NULL;
	srv_stop();
	return srv_log();
}

static char *rcpts_of(json_t *log, size_t i)
{
	return json_dumps(json_object_get(json_array_get(log, i), "rcpt_tos"), 0);
}

START_TEST(refused_rcpt_spares_the_others)
{
	const char *const one[] = {"--refuse-rcpt", "analyst@example.org", NULL};
	const char *const two[] = {"--refuse-rcpt", "desk@example.org", "--refuse-rcpt",
				   "duty@example.org", NULL};
	struct outcome o = {0};
	json_t *log;
	char *rcpts;

	/* The middle one of three refused: delivered, once, to the other two. */
	log = refuse_run(one, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	ck_assert_int_eq(o.status, 250);
	ck_assert_msg(strstr(o.detail, "SMTP 250: 250 2.0.0 Message accepted for delivery (test); "
				       "refused: analyst@example.org: 550 5.1.1 "
				       "<analyst@example.org>: Recipient address rejected: User "
				       "unknown (test)"),
		      "%s", o.detail);
	ck_assert_int_eq(json_array_size(log), 1);
	rcpts = rcpts_of(log, 0);
	ck_assert_str_eq(rcpts, "[\"desk@example.org\", \"duty@example.org\"]");
	free(rcpts);
	json_decref(log);
	unlink(log_path);

	/* The first and the last refused: both named, in order; the middle one gets it. */
	log = refuse_run(two, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	ck_assert_msg(strstr(o.detail, "refused: desk@example.org: 550 5.1.1 <desk@example.org>"),
		      "%s", o.detail);
	ck_assert_msg(strstr(o.detail, "; duty@example.org: 550 5.1.1"), "%s", o.detail);
	ck_assert_msg(strstr(o.detail, "analyst@example.org:") == NULL, "%s", o.detail);
	ck_assert_int_eq(json_array_size(log), 1);
	rcpts = rcpts_of(log, 0);
	ck_assert_str_eq(rcpts, "[\"analyst@example.org\"]");
	free(rcpts);
	json_decref(log);
	free(o.detail);
}
END_TEST

/* 100 recipients, 99 refused: every refusal kept in bounds, the one left still gets it. */
START_TEST(many_refused_stay_bounded)
{
	const char *const args[] = {"--refuse-rcpt", "x*@example.org", NULL};
	const char *to[101];
	char *owned[100] = {NULL};
	struct mail_opts c;
	struct outcome o = {0};
	json_t *log;
	char *rcpts;

	to[0] = "desk@example.org";
	for (int i = 1; i < 100; i++)
		to[i] = owned[i] = xasprintf("x%02d-%0200d@example.org", i, 0); /* long */
	to[100] = NULL;
	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	c.to = to;
	c.cc = NULL;
	open_channel(&c);
	send_wait("evt_many", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	ck_assert_msg(strstr(o.detail, "; refused: x01-000"), "%s", o.detail);
	/* The detail quotes at most 200 bytes of the list, marking the cut. */
	ck_assert_msg(strlen(strstr(o.detail, "; refused: ")) <= 11 + 200 + 3, "%s", o.detail);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 1);
	rcpts = rcpts_of(log, 0);
	ck_assert_str_eq(rcpts, "[\"desk@example.org\"]");
	free(rcpts);
	json_decref(log);
	free(o.detail);
	for (int i = 1; i < 100; i++)
		free(owned[i]);
}
END_TEST

START_TEST(server_down_retries)
{
	const char *const args[] = {NULL};
	struct mail_opts c;
	struct outcome o = {0};
	json_t *log;

	srv_start(args);
	srv_stop(); /* the port is now closed */
	c = mail_cfg(smtp_url("smtp"), "none");
	open_channel(&c);
	send_wait("evt_down", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_RETRY);
	ck_assert_msg(strstr(o.detail, "network: ") == o.detail, "%s", o.detail);
	notify_channel_free(chan);
	chan = NULL;
	/* Back again (a new port): delivered. */
	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), "none");
	open_channel(&c);
	send_wait("evt_down", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_DELIVERED);
	free(o.detail);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 1);
	json_decref(log);
}
END_TEST

static void config_refused(struct mail_opts *c, const char *want)
{
	char err[512] = "";
	struct notify_channel *ch = mail_channel_new(c, err, sizeof(err));

	ck_assert_ptr_null(ch);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
}

START_TEST(config_errors)
{
	const char *const none[] = {NULL};
	const char *const bad_to[] = {"desk@example.org\r\nBcc: x@y", NULL};
	struct mail_opts c = mail_cfg("smtp://127.0.0.1:25", "none");

	c.subject = "{title} {nope}";
	config_refused(&c, "notify 'desk': subject: unknown placeholder {nope}");
	c.subject = NULL;
	c.body = "Hello {title";
	config_refused(&c, "body: unclosed");
	c.body = NULL;
	c.tls = "maybe";
	config_refused(&c, "tls: must be");
	c = mail_cfg("smtps://127.0.0.1:465", "none");
	config_refused(&c, "contradicts smtps");
	c = mail_cfg("http://127.0.0.1:25", "none");
	config_refused(&c, "smtp_url");
	c = mail_cfg("smtp://127.0.0.1:25", "none");
	c.to = none;
	config_refused(&c, "type mail needs 'to'");
	c.to = bad_to;
	config_refused(&c, "to: ");
	c = mail_cfg("smtp://127.0.0.1:25", "none");
	c.from = "nobody";
	config_refused(&c, "from:");
	c = mail_cfg("smtp://127.0.0.1:25", "none");
	c.user = "u";
	config_refused(&c, "user and password");
	c = mail_cfg("smtp://127.0.0.1:25", "none");
	c.ca_file = "/nonexistent/ca.pem";
	config_refused(&c, "ca_file");
	c = mail_cfg("smtp://127.0.0.1:25", "none");
	c.digest_s = -1;
	config_refused(&c, "digest");
}
END_TEST

/*
 * The default tls (opportunistic) with a password and a server without
 * STARTTLS: nothing is sent, the password least of all; the attempt is
 * retried. tls = none with a password is refused unless the relay is local.
 */
START_TEST(a_password_never_goes_in_clear)
{
	const char *const args[] = {"--auth", "sw:s3cret pass", NULL};
	struct mail_opts c;
	struct outcome o = {0};
	json_t *log;

	srv_start(args);
	c = mail_cfg(smtp_url("smtp"), NULL); /* the config default */
	c.user = "sw";
	c.password = "s3cret pass";
	open_channel(&c);
	send_wait("evt_clear", event_json, &o);
	ck_assert_int_eq(o.verdict, NOTIFY_RETRY);
	ck_assert_msg(strstr(o.detail, "STARTTLS") != NULL, "%s", o.detail);
	free(o.detail);
	log = srv_log();
	ck_assert_int_eq(json_array_size(log), 0);
	json_decref(log);
	notify_channel_free(chan);
	chan = NULL;
	c = mail_cfg("smtp://mail.example.org:587", "none");
	c.user = "sw";
	c.password = "s3cret pass";
	config_refused(&c, "tls: none would send the password in clear text");
	c.smtp_url = "smtp://localhost:25";
	open_channel(&c); /* a relay on this machine */
}
END_TEST

START_TEST(bad_event_and_cancel)
{
	char err[256] = "";
	struct mail_opts c = mail_cfg("smtp://127.0.0.1:9", "none");
	struct outcome o = {0};

	open_channel(&c);
	ck_assert_int_eq(notify_send(chan, "evt_x", "not json", 8, on_done, &o, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "not a JSON object"));
	ck_assert_int_eq(notify_send(chan, "evt_x", event_json, strlen(event_json), on_done, &o,
				     err, sizeof(err)),
			 0);
	notify_channel_close(chan);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.verdict, NOTIFY_RETRY);
	ck_assert_uint_eq(notify_pending(chan), 0);
	free(o.detail);
}
END_TEST

START_TEST(smtp_requests_refuse_other_schemes)
{
	const char *const rcpt[] = {"a@example.org", NULL};
	struct smtp_req req = {
	    .url = "http://127.0.0.1:1/",
	    .mail_from = "b@example.org",
	    .rcpt = rcpt,
	    .message = "x\r\n",
	    .message_len = 3,
	};
	char err[128] = "";

	ck_assert_int_eq(smtp_addr_valid("a@b"), 1);
	ck_assert_int_eq(smtp_addr_valid("a b@c"), 0);
	ck_assert_int_eq(smtp_addr_valid("a@b>\r\nRCPT TO:<c@d"), 0);
	ck_assert_int_eq(smtp_addr_valid("@b"), 0);
	req.mail_from = "bad";
	ck_assert_ptr_null(smtp_start(eng, &req, NULL, NULL, err, sizeof(err)));
	ck_assert_ptr_null(
	    smtp_start(eng, &req, (http_done_fn *)(void (*)(void))abort, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "invalid envelope sender");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("smtp");

	setvbuf(stdout, NULL, _IONBF, 0); /* outcome lines survive a failing forked test */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, delivers_with_stable_message_id);
	tcase_add_test(tc, html_part_and_templates);
	tcase_add_test(tc, digest_is_one_mail);
	tcase_add_test(tc, starttls_needs_the_ca);
	tcase_add_test(tc, tls_required_but_not_offered);
	tcase_add_test(tc, auth_plain_and_login);
	tcase_add_test(tc, wrong_password_is_permanent);
	tcase_add_test(tc, a_password_never_goes_in_clear);
	tcase_add_test(tc, reply_450_retries);
	tcase_add_test(tc, reply_550_is_permanent);
	tcase_add_test(tc, refused_rcpt_spares_the_others);
	tcase_add_test(tc, many_refused_stay_bounded);
	tcase_add_test(tc, server_down_retries);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, bad_event_and_cancel);
	tcase_add_test(tc, smtp_requests_refuse_other_schemes);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
