/*
 * notify/settings: the one parser of channel key tables. A table with one
 * key of every type reads a [notify] section's raw lines; each kind of
 * mistake comes back as "FILE:LINE: notify 'id': message" at the right
 * line, all of them in one go. Files named by keys are read from a
 * temporary directory.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "notify/settings.h"
#include "tests/unit/testutil.h"

struct demo {
	char *name, *url, *hook, *path, *secret, *text, *token_url;
	int on, mode;
	long count;
	double every;
	char **to;
};

static const char *const modes[] = {"fast", "slow", NULL};
static const char *const smtp[] = {"smtp", "smtps", NULL};

#define D(f) offsetof(struct demo, f)
static const struct notify_key demo_keys[] = {
    {"name", NOTIFY_KEY_STRING, D(name), "anon", 0, 0, NULL, 0, "a name"},
    {"url", NOTIFY_KEY_URL, D(url), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED, "a web URL"},
    {"hook", NOTIFY_KEY_URL, D(hook), NULL, 0, 0, smtp, 0, "an smtp URL"},
    {"path", NOTIFY_KEY_PATH, D(path), NULL, 0, 0, NULL, 0, "a path"},
    {"secret_file", NOTIFY_KEY_SECRET_FILE, D(secret), NULL, 0, 0, NULL, 0, "a secret"},
    {"text_file", NOTIFY_KEY_TEXT_FILE, D(text), NULL, 0, 16, NULL, 0, "a text"},
    {"on", NOTIFY_KEY_BOOL, D(on), "yes", 0, 0, NULL, 0, "a flag"},
    {"mode", NOTIFY_KEY_ENUM, D(mode), "slow", 0, 0, modes, 0, "a mode"},
    {"count", NOTIFY_KEY_LONG, D(count), "3", 1, 10, NULL, 0, "a count"},
    {"every", NOTIFY_KEY_DURATION, D(every), "1m", 60, 3600, NULL, 0, "a period"},
    {"to", NOTIFY_KEY_LIST, D(to), NULL, 0, 0, NULL, 0, "repeatable"},
    {"token_url", NOTIFY_KEY_URL, D(token_url), NULL, 0, 0, NULL, NOTIFY_KEY_SECRET,
     "a credential"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};
#undef D

static char dir[64];
static char conf[128]; /* the "config file" the lines come from, in dir */

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sw-test-settings-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/sw.conf", dir);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	free(path);
}

/* Parses lines (key, value pairs; line numbers 2, 3, ...) into d; returns the errors. */
static char *parse(const char *const *kv, struct demo *d, int *rc)
{
	struct notify_line lines[32];
	struct notify_channel_config c = {
	    .id = "ch", .type = "demo", .file = conf, .line = 1, .lines = lines};
	struct buf errors;
	struct notify_section sec = {.cfg = &c, .errors = &errors};

	buf_init(&errors);
	for (; kv[0] != NULL; kv += 2, c.nlines++)
		lines[c.nlines] = (struct notify_line){kv[0], kv[1], conf, (int)c.nlines + 2};
	memset(d, 0, sizeof(*d));
	*rc = notify_settings_parse(&sec, demo_keys, d);
	ck_assert_int_eq(*rc == 0, sec.nerrors == 0);
	return buf_steal(&errors);
}

/* 1 if errors holds the line "CONF:line: notify 'ch': " followed by msg (a prefix of it). */
static int has_error(const char *errors, int line, const char *msg)
{
	char *want = xasprintf("%s:%d: notify 'ch': %s", conf, line, msg);
	const char *p = errors;
	int found = 0;

	while (!found && p && *p) {
		found = strncmp(p, want, strlen(want)) == 0;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	free(want);
	return found;
}

START_TEST(every_type_and_the_defaults)
{
	static const char *const kv[] = {"url",		"https://h.example/x",
					 "hook",	"smtps://mail.example:465",
					 "path",	"sub/ca.pem",
					 "secret_file", "key",
					 "text_file",	"body.txt",
					 "on",		"off",
					 "mode",	"fast",
					 "count",	"10",
					 "every",	"1h",
					 "to",		"a@example.org",
					 "to",		"b@example.org",
					 NULL};
	struct demo d;
	char *errors, *ca = xasprintf("%s/sub/ca.pem", dir);
	int rc;

	write_file("key", "whsec_abc\nsecond line ignored\n", 0600);
	write_file("body.txt", "Hello {title}\n", 0644);
	errors = parse(kv, &d, &rc);
	ck_assert_msg(rc == 0, "%s", errors);
	ck_assert_str_eq(d.name, "anon"); /* the default */
	ck_assert_str_eq(d.url, "https://h.example/x");
	ck_assert_str_eq(d.hook, "smtps://mail.example:465");
	ck_assert_str_eq(d.path, ca); /* relative to the config file */
	ck_assert_str_eq(d.secret, "whsec_abc");
	ck_assert_str_eq(d.text, "Hello {title}\n");
	ck_assert_int_eq(d.on, 0);
	ck_assert_int_eq(d.mode, 0);
	ck_assert_int_eq(d.count, 10);
	ck_assert(d.every == 3600.);
	ck_assert_str_eq(d.to[0], "a@example.org");
	ck_assert_str_eq(d.to[1], "b@example.org");
	ck_assert_ptr_null(d.to[2]);
	notify_settings_free(demo_keys, &d);
	ck_assert_ptr_null(d.secret);
	ck_assert_ptr_null(d.to);
	free(errors);
	free(ca);
	errors = parse((const char *const[]){"url", "http://h/", NULL}, &d, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(d.on, 1);
	ck_assert_int_eq(d.mode, 1);
	ck_assert_int_eq(d.count, 3);
	ck_assert(d.every == 60.);
	ck_assert_ptr_null(d.to);
	notify_settings_free(demo_keys, &d);
	free(errors);
}
END_TEST

START_TEST(bad_values_at_their_lines)
{
	static const char *const kv[] = {"url",	   "ftp://h/x", /* 2 */
					 "hook",   "http://h/", /* 3 */
					 "on",	   "perhaps",	/* 4 */
					 "mode",   "medium",	/* 5 */
					 "count",  "11",	/* 6 */
					 "count",  "2",		/* 7: duplicate */
					 "every",  "10 min",	/* 8 */
					 "every",  "", /* 9: empty (and a duplicate of a bad one) */
					 "nmae",   "x", /* 10 */
					 "wibble", "x", /* 11 */
					 NULL};
	struct demo d;
	int rc;
	char *errors = parse(kv, &d, &rc);

	ck_assert_int_eq(rc, -1);
	ck_assert_msg(has_error(errors, 2, "url: bad URL 'ftp://h/x' (http or https, with a host)"),
		      "%s", errors);
	ck_assert_msg(has_error(errors, 3, "hook: bad URL 'http://h/' (smtp or smtps"), "%s",
		      errors);
	ck_assert_msg(has_error(errors, 4, "on: 'perhaps' is not yes or no"), "%s", errors);
	ck_assert_msg(has_error(errors, 5, "mode: must be one of: fast, slow (not 'medium')"), "%s",
		      errors);
	ck_assert_msg(has_error(errors, 6, "count: 11 out of range (1..10)"), "%s", errors);
	ck_assert_msg(has_error(errors, 7, "duplicate key 'count' (first set at line 6)"), "%s",
		      errors);
	ck_assert_msg(has_error(errors, 8, "every: bad duration '10 min'"), "%s", errors);
	ck_assert_msg(has_error(errors, 9, "duplicate key 'every'"), "%s", errors);
	ck_assert_msg(has_error(errors, 10, "unknown key 'nmae' (did you mean 'name'?)"), "%s",
		      errors);
	ck_assert_msg(has_error(errors, 11, "unknown key 'wibble' in [notify] of type demo"), "%s",
		      errors);
	/* url was set (badly): not also "missing" */
	ck_assert_ptr_null(strstr(errors, "url: missing"));
	notify_settings_free(demo_keys, &d);
	free(errors);
}
END_TEST

START_TEST(secret_url_is_never_quoted)
{
	static const char *const kv[] = {"url", "https://h.example/x", "token_url",
					 "hooks.example/T0/tok_SECRET", NULL};
	struct demo d;
	int rc;
	char *errors = parse(kv, &d, &rc);

	ck_assert_int_eq(rc, -1);
	ck_assert_msg(has_error(errors, 3, "token_url: not an http or https URL with a host"), "%s",
		      errors);
	ck_assert_msg(strstr(errors, "tok_SECRET") == NULL, "%s", errors);
	ck_assert_ptr_null(d.token_url);
	notify_settings_free(demo_keys, &d);
	free(errors);
	errors =
	    parse((const char *const[]){"url", "http://h/", "token_url", "https://h/T/tok", NULL},
		  &d, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(d.token_url, "https://h/T/tok");
	notify_settings_free(demo_keys, &d);
	free(errors);
}
END_TEST

/* Parses kv into d through sec, as a channel does before its backend's checks. */
static void parse_section(const char *const *kv, struct notify_line *lines,
			  struct notify_channel_config *c, struct notify_section *sec,
			  struct demo *d)
{
	*c = (struct notify_channel_config){
	    .id = "ch", .type = "demo", .file = conf, .line = 1, .lines = lines};
	for (; kv[0] != NULL; kv += 2, c->nlines++)
		lines[c->nlines] = (struct notify_line){kv[0], kv[1], conf, (int)c->nlines + 2};
	sec->cfg = c;
	memset(d, 0, sizeof(*d));
	ck_assert_int_eq(notify_settings_parse(sec, demo_keys, d), -1);
}

START_TEST(backend_checks_beside_keys_in_error)
{
	static const char *const bad_count[] = {"url", "https://h/x", "count", "99", NULL};
	static const char *const bad_url[] = {"url", "ftp://h/x", NULL};
	struct notify_line lines[8];
	struct notify_channel_config c;
	struct buf errors;
	struct notify_section sec = {.errors = &errors};
	struct demo d;

	buf_init(&errors);
	parse_section(bad_count, lines, &c, &sec, &d);
	ck_assert(notify_settings_usable(&sec)); /* url, the required key, has its value */
	ck_assert_int_eq(d.count, 3);		 /* the bad value left the default */
	notify_section_error(&sec, "count", "count: judged on a value never read");
	notify_section_error(&sec, "name", "name: a backend's check");
	ck_assert_uint_eq(sec.nerrors, 2);
	ck_assert_ptr_null(strstr(buf_str(&errors), "never read"));
	ck_assert_msg(has_error(buf_str(&errors), 1, "name: a backend's check"), "%s",
		      buf_str(&errors));
	notify_settings_free(demo_keys, &d);
	buf_reset(&errors);
	sec.nerrors = 0;
	parse_section(bad_url, lines, &c, &sec, &d);
	ck_assert(!notify_settings_usable(&sec));
	notify_settings_free(demo_keys, &d);
	buf_free(&errors);
}
END_TEST

START_TEST(missing_empty_and_numbers)
{
	struct demo d;
	int rc;
	char *errors = parse(
	    (const char *const[]){"name", "", "count", "2.5", "every", "59s", "count", "x", NULL},
	    &d, &rc);

	ck_assert_int_eq(rc, -1);
	ck_assert_msg(has_error(errors, 1, "url: missing (type demo needs 'url')"), "%s", errors);
	ck_assert_msg(has_error(errors, 2, "name: empty value"), "%s", errors);
	ck_assert_msg(has_error(errors, 3, "count: '2.5' is not a whole number"), "%s", errors);
	ck_assert_msg(has_error(errors, 4, "every: 59s out of range (60..3600 seconds)"), "%s",
		      errors);
	ck_assert_msg(has_error(errors, 5, "duplicate key 'count'"), "%s", errors);
	ck_assert_str_eq(d.name, "anon"); /* the empty value left the default */
	notify_settings_free(demo_keys, &d);
	free(errors);
}
END_TEST

START_TEST(files_are_checked_at_the_section_header)
{
	struct demo d;
	int rc;
	char *errors;

	write_file("open", "whsec_abc\n", 0644);
	write_file("empty", "\n", 0600);
	write_file("big.txt", "0123456789abcdefXYZ", 0644);
	errors =
	    parse((const char *const[]){"url", "http://h/", "secret_file", "open", NULL}, &d, &rc);
	ck_assert_msg(has_error(errors, 1, "secret_file '"), "%s", errors);
	ck_assert_ptr_nonnull(strstr(errors, "/open' is readable by group or others (chmod 600)"));
	notify_settings_free(demo_keys, &d);
	free(errors);
	errors = parse((const char *const[]){"url", "http://h/", "secret_file", "empty",
					     "text_file", "big.txt", NULL},
		       &d, &rc);
	ck_assert_ptr_nonnull(strstr(errors, "/empty' is empty"));
	ck_assert_ptr_nonnull(strstr(errors, "/big.txt' is larger than 15 bytes"));
	notify_settings_free(demo_keys, &d);
	free(errors);
	errors = parse((const char *const[]){"url", "http://h/", "secret_file", "none", "text_file",
					     "none.txt", NULL},
		       &d, &rc);
	ck_assert_msg(has_error(errors, 1, "secret_file '"), "%s", errors);
	ck_assert_ptr_nonnull(strstr(errors, "/none': No such file or directory"));
	ck_assert_ptr_nonnull(strstr(errors, "/none.txt': No such file or directory"));
	ck_assert_int_eq(rc, -1);
	notify_settings_free(demo_keys, &d);
	free(errors);
}
END_TEST

START_TEST(section_errors_name_the_key_line)
{
	struct notify_line lines[] = {{"url", "http://h/", NULL, 4}, {"url", "http://i/", NULL, 6}};
	struct notify_channel_config c = {
	    .id = "ch", .file = "x.conf", .line = 3, .lines = lines, .nlines = 2};
	struct buf errors;
	struct notify_section sec = {.cfg = &c, .errors = &errors};

	buf_init(&errors);
	ck_assert_int_eq(notify_section_line(&sec, "url"), 6);
	ck_assert_int_eq(notify_section_line(&sec, "nope"), 3);
	notify_section_error(&sec, "url", "url: %s", "refused");
	notify_section_error(&sec, NULL, "whole section");
	ck_assert_str_eq(buf_str(&errors), "x.conf:3: notify 'ch': url: refused (line 6)\n"
					   "x.conf:3: notify 'ch': whole section\n");
	ck_assert_uint_eq(sec.nerrors, 2);
	buf_free(&errors);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("settings");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_type_and_the_defaults);
	tcase_add_test(tc, bad_values_at_their_lines);
	tcase_add_test(tc, secret_url_is_never_quoted);
	tcase_add_test(tc, backend_checks_beside_keys_in_error);
	tcase_add_test(tc, missing_empty_and_numbers);
	tcase_add_test(tc, files_are_checked_at_the_section_header);
	tcase_add_test(tc, section_errors_name_the_key_line);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
