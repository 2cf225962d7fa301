/*
 * config/: the key tables of [daemon], [source "…"] and [theme "…"] (their
 * defaults and bounds), includes, and every error message with the
 * FILE:LINE it names. [notify "…"] keys belong to the channel backends and
 * are tested there.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "tests/unit/testutil.h"

#define SRC "[source \"s\"]\nurl = http://a.example/list\n"   /* two lines */
#define THEME "[theme \"t\"]\nphrase = 2 cyber sovereignty\n" /* two lines */

static char dir[] = "/tmp/sw-config-XXXXXX";
static struct buf errs;
static char *main_path;

static void setup(void)
{
	strcpy(dir, "/tmp/sw-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	buf_init(&errs);
	main_path = xasprintf("%s/main.conf", dir);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(main_path);
	buf_free(&errs);
}

/* Writes dir/name (mode 0600 unless mode says otherwise); returns its path, caller frees. */
static char *write_mode(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static char *write_file(const char *name, const char *text)
{
	return write_mode(name, text, 0600);
}

static void make_dir(const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);

	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
}

/* Loads text as main.conf; NULL when refused (errs then holds the messages). */
static struct config *load(const char *text)
{
	free(write_file("main.conf", text));
	buf_reset(&errs);
	return config_load(main_path, &errs);
}

static struct config *load_ok(const char *text)
{
	struct config *cfg = load(text);

	ck_assert_msg(cfg != NULL, "refused:\n%s", buf_str(&errs));
	return cfg;
}

/* Asserts text is refused with "FILE:LINE: message" among the errors (file: "main.conf"...). */
static void refused_at(const char *text, const char *file, int line, const char *message)
{
	char *want = xasprintf("%s/%s:%d: %s", dir, file, line, message);

	ck_assert_ptr_null(load(text));
	ck_assert_msg(strstr(buf_str(&errs), want) != NULL, "want: %s\ngot:\n%s", want,
		      buf_str(&errs));
	free(want);
}

static void refused(const char *text, int line, const char *message)
{
	refused_at(text, "main.conf", line, message);
}

static size_t count_errors(void)
{
	size_t n = 0;

	for (const char *p = buf_str(&errs); *p; p++)
		n += *p == '\n';
	return n;
}

/* ---- defaults ---- */

START_TEST(daemon_defaults)
{
	struct config *cfg = load_ok("; nothing but a comment\n");
	const struct config_daemon *d = &cfg->daemon;

	ck_assert_str_eq(d->state_dir, "/var/lib/speechwatch");
	ck_assert_msg(strncmp(d->user_agent, "speechwatch/" SW_VERSION " ", 13) == 0, "%s",
		      d->user_agent);
	ck_assert_int_eq(d->max_connections, 32);
	ck_assert_int_eq(d->max_per_host, 2);
	ck_assert_int_eq(d->first_poll, FIRST_POLL_BASELINE);
	ck_assert_int_eq(d->allow_private, 0);
	ck_assert_int_eq(d->recheck_days, 3);
	ck_assert_int_eq(d->fail_after, 5);
	ck_assert_ptr_null(d->proxy);
	ck_assert(d->watchdog_interval == 0);
	ck_assert(d->timeout == 60);
	ck_assert(d->connect_timeout == 15);
	ck_assert(d->low_speed_time == 20);
	ck_assert_uint_eq(cfg->nsources + cfg->nthemes + cfg->nnotifies, 0);
	ck_assert_uint_eq(cfg->files.n, 1);
	ck_assert_str_eq(cfg->files.v[0], main_path);
	config_free(cfg);
}
END_TEST

/* A held config outlives the free of its other holder (ASan sees a read after the last free). */
START_TEST(a_held_config_is_freed_by_its_last_holder)
{
	struct config *cfg = load_ok("[source \"a\"]\nurl = https://a.example/\nitems = //li\n");

	config_hold(cfg);
	config_hold(cfg);
	config_free(cfg); /* the loop's reload lets go */
	config_free(cfg); /* one job is done */
	ck_assert_uint_eq(cfg->nsources, 1);
	ck_assert_str_eq(cfg->sources[0].id, "a");
	ck_assert_uint_eq(cfg->holds, 0);
	config_free(cfg); /* the last */
}
END_TEST

START_TEST(source_and_theme_defaults)
{
	struct config *cfg = load_ok(SRC THEME);
	const struct config_source *s = config_source_find(cfg, "s");
	const struct config_theme *t = config_theme_find(cfg, "t");

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->url, "http://a.example/list");
	ck_assert_int_eq(s->kind, SOURCE_KIND_AUTO);
	ck_assert_ptr_null(s->items);
	ck_assert(s->interval == 600);
	ck_assert_int_eq(s->max_items, 0);
	ck_assert_int_eq(s->recheck_days, -1);	/* the daemon's */
	ck_assert_int_eq(s->allow_private, -1); /* the daemon's */
	ck_assert_int_eq(s->offsite, 0);
	ck_assert_int_eq(s->items_auto, 0);
	ck_assert_int_eq(s->enabled, 1);
	ck_assert_uint_eq(s->themes.n, 0); /* all themes */
	ck_assert_str_eq(s->at.file, main_path);
	ck_assert_int_eq(s->at.line, 1);
	ck_assert_ptr_nonnull(t);
	ck_assert(t->threshold == 0.35);
	ck_assert_ptr_null(t->label);
	ck_assert_uint_eq(t->nphrases, 1);
	ck_assert(t->phrases[0].weight == 2);
	ck_assert_str_eq(t->phrases[0].text, "cyber sovereignty");
	ck_assert_int_eq(t->phrases[0].line, 4);
	ck_assert_int_eq(t->at.line, 3);
	ck_assert_ptr_null(config_source_find(cfg, "t"));
	ck_assert_ptr_null(config_theme_find(cfg, "s"));
	config_free(cfg);
}
END_TEST

/* ---- every key of the tables, set ---- */

/* first_poll = archive, from [daemon] or per source, with its archive_max (issue 17). */
START_TEST(first_poll_archive_and_archive_max)
{
	struct config *cfg = load_ok("[daemon]\nfirst_poll = archive\narchive_max = 7\n"
				     "[source \"a\"]\nurl = http://a/\n"
				     "[source \"b\"]\nurl = http://b/\nfirst_poll = alert\n"
				     "archive_max = 1000\n");

	ck_assert_int_eq(cfg->daemon.first_poll, FIRST_POLL_ARCHIVE);
	ck_assert_int_eq(cfg->daemon.archive_max, 7);
	ck_assert_int_eq(cfg->sources[0].first_poll, -1); /* the daemon's */
	ck_assert_int_eq(cfg->sources[0].archive_max, -1);
	ck_assert_int_eq(cfg->sources[1].first_poll, FIRST_POLL_ALERT);
	ck_assert_int_eq(cfg->sources[1].archive_max, 1000);
	config_free(cfg);
	cfg = load_ok("");
	ck_assert_int_eq(cfg->daemon.archive_max, 50);
	config_free(cfg);
	refused("[daemon]\narchive_max = 0\n", 2, "archive_max");
	refused("[source \"a\"]\nurl = http://a/\nfirst_poll = later\n", 3,
		"first_poll: 'later' is not one of: baseline, alert, archive");
}
END_TEST

START_TEST(every_daemon_key_is_read)
{
	struct config *cfg = load_ok("[daemon]\n"
				     "state_dir = state\n"
				     "user_agent = probe/1.0\n"
				     "max_connections = 1024\n"
				     "max_per_host = 64\n"
				     "first_poll = alert\n"
				     "allow_private = YES\n"
				     "recheck_days = 0\n"
				     "fail_after = 1000\n"
				     "proxy = socks5h://127.0.0.1:1080\n"
				     "watchdog_interval = 1h\n"
				     "timeout = 2m\n"
				     "connect_timeout = 300\n"
				     "low_speed_time = 10min\n");
	const struct config_daemon *d = &cfg->daemon;
	char *state = xasprintf("%s/state", dir);

	ck_assert_str_eq(d->state_dir, state); /* relative to the config file */
	ck_assert_str_eq(d->user_agent, "probe/1.0");
	ck_assert_int_eq(d->max_connections, 1024);
	ck_assert_int_eq(d->max_per_host, 64);
	ck_assert_int_eq(d->first_poll, FIRST_POLL_ALERT);
	ck_assert_int_eq(d->allow_private, 1);
	ck_assert_int_eq(d->recheck_days, 0);
	ck_assert_int_eq(d->fail_after, 1000);
	ck_assert_str_eq(d->proxy, "socks5h://127.0.0.1:1080");
	ck_assert(d->watchdog_interval == 3600);
	ck_assert(d->timeout == 120);
	ck_assert(d->connect_timeout == 300);
	ck_assert(d->low_speed_time == 600);
	free(state);
	config_free(cfg);
}
END_TEST

START_TEST(every_source_key_is_read)
{
	struct config *cfg = load_ok(THEME "[theme \"t2\"]\nphrase = -1.5 peace\n"
					   "[source \"s.1_a-b\"]\n"
					   "url = https://a.example/news?page=1\n"
					   "kind = html\n"
					   "items = //ul[@class='news']/li\n"
					   "link = a/@href\n"
					   "title = string(a)\n"
					   "date = span[@class='d']\n"
					   "body = //article\n"
					   "exclude = //nav\n"
					   "exclude = //footer\n"
					   "headers = X-Token: abc\n"
					   "headers = Accept-Language: fr\n"
					   "date_format = %d.%m.%Y\n"
					   "encoding = windows-1251\n"
					   "proxy = http://127.0.0.1:3128\n"
					   "language = ru\n"
					   "themes = t , t2,,\n"
					   "interval = 7d\n"
					   "max_items = 10000\n"
					   "recheck_days = 36500\n"
					   "allow_private = off\n"
					   "offsite = yes\n"
					   "enabled = False\n");
	const struct config_source *s = config_source_find(cfg, "s.1_a-b");

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->url, "https://a.example/news?page=1");
	ck_assert_int_eq(s->kind, SOURCE_KIND_HTML);
	ck_assert_str_eq(s->items, "//ul[@class='news']/li");
	ck_assert_str_eq(s->link, "a/@href");
	ck_assert_str_eq(s->title, "string(a)");
	ck_assert_str_eq(s->date, "span[@class='d']");
	ck_assert_str_eq(s->body, "//article");
	ck_assert_uint_eq(s->exclude.n, 2);
	ck_assert_str_eq(s->exclude.v[1], "//footer");
	ck_assert_ptr_null(s->exclude.v[2]);
	ck_assert_uint_eq(s->headers.n, 2);
	ck_assert_str_eq(s->headers.v[0], "X-Token: abc");
	ck_assert_str_eq(s->date_format, "%d.%m.%Y");
	ck_assert_str_eq(s->encoding, "windows-1251");
	ck_assert_str_eq(s->proxy, "http://127.0.0.1:3128");
	ck_assert_str_eq(s->language, "ru");
	ck_assert_uint_eq(s->themes.n, 2);
	ck_assert_str_eq(s->themes.v[0], "t");
	ck_assert_str_eq(s->themes.v[1], "t2");
	ck_assert_int_eq(s->themes.line, 21);
	ck_assert(s->interval == 7 * 86400);
	ck_assert_int_eq(s->max_items, 10000);
	ck_assert_int_eq(s->recheck_days, 36500);
	ck_assert_int_eq(s->allow_private, 0);
	ck_assert_int_eq(s->offsite, 1);
	ck_assert_int_eq(s->enabled, 0);
	ck_assert(config_theme_find(cfg, "t2")->phrases[0].weight == -1.5);
	config_free(cfg);
}
END_TEST

START_TEST(every_theme_key_is_read)
{
	struct config *cfg = load_ok("[theme \"t\"]\n"
				     "label = Cyber sovereignty\n"
				     "threshold = 1\n"
				     "phrase = 3 cyber sovereignty\n"
				     "phrase = 100 internet governance\n"
				     "phrase = -100 video game\n"
				     "requires = treaty within 10 words\n"
				     "requires = law within 5 words\n"
				     "excludes = sports\n");
	const struct config_theme *t = config_theme_find(cfg, "t");

	ck_assert_str_eq(t->label, "Cyber sovereignty");
	ck_assert(t->threshold == 1);
	ck_assert_uint_eq(t->nphrases, 3);
	ck_assert(t->phrases[1].weight == 100);
	ck_assert_str_eq(t->phrases[1].text, "internet governance");
	ck_assert(t->phrases[2].weight == -100);
	ck_assert_int_eq(t->phrases[2].line, 6);
	ck_assert_uint_eq(t->requires.n, 2);
	ck_assert_str_eq(t->requires.v[0], "treaty within 10 words");
	ck_assert_uint_eq(t->excludes.n, 1);
	config_free(cfg);
}
END_TEST

/* ---- bounds: the last value in range is accepted, the next one refused ---- */

struct bound {
	const char *section; /* text before the key, ending in a newline */
	int line;	     /* the key's line */
	const char *key;
	const char *lo, *hi;	   /* accepted */
	const char *below, *above; /* refused */
	const char *range;	   /* "(LO..HI)" as the message puts it */
};

static const struct bound bounds[] = {
    {"[daemon]\n", 2, "max_connections", "1", "1024", "0", "1025", "(1..1024)"},
    {"[daemon]\n", 2, "max_per_host", "1", "64", "0", "65", "(1..64)"},
    {"[daemon]\n", 2, "recheck_days", "0", "36500", "-1", "36501", "(0..36500)"},
    {"[daemon]\n", 2, "fail_after", "1", "1000", "0", "1001", "(1..1000)"},
    {"[daemon]\n", 2, "watchdog_interval", "1s", "1h", "0", "3601", "(1..3600 seconds)"},
    {"[daemon]\n", 2, "timeout", "1", "60m", "0s", "3601s", "(1..3600 seconds)"},
    {"[daemon]\n", 2, "connect_timeout", "1", "5m", "0", "301", "(1..300 seconds)"},
    {"[daemon]\n", 2, "low_speed_time", "1", "10m", "0", "601", "(1..600 seconds)"},
    {"[daemon]\n", 2, "max_renders", "1", "16", "0", "17", "(1..16)"},
    {SRC, 3, "interval", "10s", "7d", "9s", "604801", "(10..604800 seconds)"},
    {SRC, 3, "max_items", "1", "10000", "0", "10001", "(1..10000)"},
    {SRC, 3, "recheck_days", "0", "36500", "-1", "36501", "(0..36500)"},
    {THEME, 3, "threshold", "0", "1", "-0.01", "1.01", "(0..1)"},
};

START_TEST(bounds_of_every_numeric_key)
{
	const struct bound *b = &bounds[_i];
	const char *values[] = {b->lo, b->hi, b->below, b->above};

	for (int v = 0; v < 4; v++) {
		char *text = xasprintf("%s%s = %s\n", b->section, b->key, values[v]);
		char *msg = xasprintf("%s: %s out of range %s", b->key, values[v], b->range);

		if (v < 2)
			config_free(load_ok(text));
		else
			refused(text, b->line, msg);
		free(msg);
		free(text);
	}
}
END_TEST

START_TEST(durations)
{
	static const struct {
		const char *text;
		double seconds;
	} good[] = {{"90", 90},	  {"90s", 90},	 {"10m", 600},	 {"10min", 600},
		    {"2h", 7200}, {"1d", 86400}, {"1.5h", 5400}, {"0", 0}};
	static const char *const bad[] = {
	    "",	   "m",	  "-5",	  "10 minutes", "5w", "1e999", "1.5.3", "h2",	 "0x10", "1e1m",
	    "1e1", "inf", "nanm", " 5",		"5.", ".5m",   "+5",	"0x1p4", "5 m"};
	double d;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(config_parse_duration(good[i].text, &d) == 0, "%s", good[i].text);
		ck_assert_msg(d == good[i].seconds, "%s: %g", good[i].text, d);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(config_parse_duration(bad[i], &d) == -1, "%s", bad[i]);
}
END_TEST

START_TEST(numbers_that_are_not_numbers)
{
	refused("[daemon]\nmax_per_host = nine\n", 2, "max_per_host: 'nine' is not a number");
	refused("[daemon]\nmax_per_host = 2.5\n", 2, "max_per_host: '2.5' is not a whole number");
	refused("[daemon]\nfail_after = 3x\n", 2, "fail_after: '3x' is not a number");
	refused(THEME "threshold = nan\n", 3, "threshold: 'nan' is not a number");
	refused(THEME "threshold = inf\n", 3, "threshold: 'inf' is not a number");
	refused("[daemon]\ntimeout = 10 minutes\n", 2,
		"timeout: bad duration '10 minutes' (use e.g. 90s, 10m, 2h, 1d)");
	refused(SRC "interval = soon\n", 3, "interval: bad duration 'soon'");
}
END_TEST

START_TEST(bools_and_enums)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "Yes", "TRUE"};
	static const char *const no[] = {"no", "false", "off", "0", "NO", "Off"};
	struct config *cfg;

	for (size_t i = 0; i < 6; i++) {
		char *t = xasprintf("[daemon]\nallow_private = %s\n", yes[i]);

		cfg = load_ok(t);
		ck_assert_msg(cfg->daemon.allow_private == 1, "%s", yes[i]);
		config_free(cfg);
		free(t);
		t = xasprintf(SRC "enabled = %s\n", no[i]);
		cfg = load_ok(t);
		ck_assert_msg(cfg->sources[0].enabled == 0, "%s", no[i]);
		config_free(cfg);
		free(t);
	}
	refused(SRC "enabled = perhaps\n", 3, "enabled: 'perhaps' is not yes or no");
	refused("[daemon]\nfirst_poll = sometimes\n", 2,
		"first_poll: 'sometimes' is not one of: baseline, alert");
	refused(SRC "kind = json\n", 3, "kind: 'json' is not one of: auto, html, rss, atom");
	refused(SRC "kind = RSS\n", 3, "kind: 'RSS' is not one of"); /* names are exact */
	cfg = load_ok(SRC "kind = atom\n");
	ck_assert_int_eq(cfg->sources[0].kind, SOURCE_KIND_ATOM);
	config_free(cfg);
}
END_TEST

/* render = browser (issue 19): the keys, their defaults and their errors at FILE:LINE. */
START_TEST(render_keys)
{
	struct config *cfg = load_ok("[daemon]\n" SRC);
	char *browser = xasprintf("%s/bin/chromium", dir);

	ck_assert_int_eq(cfg->daemon.max_renders, 1);
	ck_assert_ptr_null(cfg->daemon.browser); /* looked up in PATH when used */
	ck_assert_int_eq(cfg->sources[0].render, RENDER_NO);
	ck_assert_int_eq(cfg->sources[0].render_articles, 0);
	config_free(cfg);
	cfg = load_ok("[daemon]\nmax_renders = 3\nbrowser = bin/chromium\n" SRC
		      "render = browser\nrender_articles = yes\n");
	ck_assert_int_eq(cfg->daemon.max_renders, 3);
	ck_assert_str_eq(cfg->daemon.browser, browser); /* relative to the config file */
	ck_assert_int_eq(cfg->sources[0].render, RENDER_BROWSER);
	ck_assert_int_eq(cfg->sources[0].render_articles, 1);
	config_free(cfg);
	cfg = load_ok(SRC "render = no\n");
	ck_assert_int_eq(cfg->sources[0].render, RENDER_NO);
	config_free(cfg);
	refused(SRC "render = chrome\n", 3, "render: 'chrome' is not one of: no, browser");
	refused(SRC "render = Browser\n", 3, "render: 'Browser' is not one of"); /* exact */
	refused(SRC "render_articles = maybe\n", 3, "render_articles: 'maybe' is not yes or no");
	refused("[daemon]\nmax_renders = many\n", 2, "max_renders: 'many' is not a number");
	refused("[daemon]\nrender = browser\n", 2, "unknown key 'render'");
	refused(SRC "kind = rss\nrender = browser\n", 1,
		"source 's': render = browser reads HTML pages, not a feed");
	refused(SRC "render_articles = yes\nencoding = windows-1251\n", 1,
		"source 's': encoding does not apply to a page the browser renders");
	config_free(load_ok(SRC "kind = rss\nrender_articles = yes\n")); /* a feed's articles */
	free(browser);
}
END_TEST

START_TEST(urls)
{
	refused("[source \"s\"]\nurl = ftp://a.example/x\n", 2, "url: bad URL 'ftp://a.example/x'");
	refused("[source \"s\"]\nurl = http:///x\n", 2, "url: bad URL 'http:///x'");
	refused("[source \"s\"]\nurl = https://\n", 2, "url: bad URL 'https://'");
	refused("[source \"s\"]\nurl = http://:80/\n", 2, "url: bad URL");
	refused("[source \"s\"]\nurl = http://a.example/a b\n", 2, "url: bad URL");
	refused("[source \"s\"]\nurl = a.example/x\n", 2, "url: bad URL");
	refused("[daemon]\nproxy = ftp://p.example\n", 2, "proxy: bad URL 'ftp://p.example'");
	refused(SRC "proxy = smtp://p.example\n", 3, "proxy: bad URL");
	config_free(load_ok("[daemon]\nproxy = socks5://127.0.0.1:9050\n"));
	config_free(load_ok("[daemon]\nproxy = https://p.example:8443\n"));
}
END_TEST

START_TEST(xpaths_are_compiled_when_read)
{
	refused(SRC "items = //ul[@class=\"x\"\n", 3, "items: bad XPath '//ul[@class=\"x\"'");
	refused(SRC "link = a/@@href\n", 3, "link: bad XPath 'a/@@href'");
	refused(SRC "title = a[\n", 3, "title: bad XPath");
	refused(SRC "date = ]\n", 3, "date: bad XPath");
	refused(SRC "body = //div[\n", 3, "body: bad XPath");
	refused(SRC "exclude = //nav\nexclude = //[x]\n", 4, "exclude: bad XPath '//[x]'");
}
END_TEST

START_TEST(phrases)
{
	refused("[theme \"t\"]\nphrase = cyber sovereignty\n", 2,
		"phrase must be 'WEIGHT words', e.g. 'phrase = 2 cyber sovereignty'");
	refused("[theme \"t\"]\nphrase = 2cyber\n", 2, "phrase must be 'WEIGHT words'");
	refused("[theme \"t\"]\nphrase = nan cyber\n", 2, "phrase must be 'WEIGHT words'");
	refused("[theme \"t\"]\nphrase = 0 cyber\n", 2,
		"phrase weight 0 out of range (-100..100, not 0)");
	refused("[theme \"t\"]\nphrase = 101 cyber\n", 2, "phrase weight 101 out of range");
	refused("[theme \"t\"]\nphrase = -100.5 cyber\n", 2, "phrase weight -100.5 out of range");
	/*
	 * libinih strips trailing blanks from values, so a weight with no
	 * words never reaches keys.c's "phrase has a weight but no words":
	 * it is reported as the general form error instead.
	 */
	refused("[theme \"t\"]\nphrase = 2   \n", 2, "phrase must be 'WEIGHT words'");
}
END_TEST

/* ---- sections and keys ---- */

START_TEST(section_headers)
{
	refused("[sourc \"x\"]\nurl = http://a.example/\n", 1,
		"unknown section 'sourc' (did you mean 'source'?)");
	refused("[Daemon]\n", 1, "unknown section 'Daemon' (did you mean 'daemon'?)");
	refused("[channels]\n", 1,
		"unknown section 'channels' (known: daemon, source, theme, notify, http)");
	refused("[daemon \"main\"]\n", 1, "[daemon] takes no name");
	refused("[source]\nurl = http://a.example/\n", 1, "[source] needs a name: [source \"id\"]");
	refused("[theme]\n", 1, "[theme] needs a name: [theme \"id\"]");
	refused("[source \"a b\"]\nurl = http://a.example/\n", 1,
		"bad source id 'a b' (letters, digits, '-', '_', '.'; at most 64)");
	refused("[theme \"a/b\"]\nphrase = 1 x\n", 1, "bad theme id 'a/b'");
	refused("[source \"\"]\n", 1, "bad source id ''");
	refused("[source \"x]\n", 1, "unterminated quote in section header");
	refused("[daemon\n", 1, "section header without ']'");
	refused(SRC SRC, 3, "duplicate source 's' (first defined at line 1)");
	refused(THEME "\n" THEME, 4, "duplicate theme 't' (first defined at line 1)");
}
END_TEST

START_TEST(ids_up_to_64_characters)
{
	char id[66];
	char *text;

	memset(id, 'a', 64);
	id[64] = '\0';
	text = xasprintf("[theme \"%s\"]\nphrase = 1 x\n", id);
	config_free(load_ok(text));
	free(text);
	strcat(id, "b");
	text = xasprintf("[theme \"%s\"]\nphrase = 1 x\n", id);
	refused(text, 1, "bad theme id");
	free(text);
}
END_TEST

START_TEST(keys_of_a_broken_header_are_not_reported_again)
{
	ck_assert_ptr_null(load("[source \"a b\"]\nwibble = 1\nurl = nope\n"));
	ck_assert_uint_eq(count_errors(), 1);
}
END_TEST

START_TEST(keys)
{
	refused("[daemon]\nwibble = 3\n", 2, "unknown key 'wibble' in [daemon]");
	refused(SRC "intervall = 10m\n", 3, "unknown key 'intervall' (did you mean 'interval'?)");
	refused(THEME "treshold = 0.5\n", 3, "unknown key 'treshold' (did you mean 'threshold'?)");
	refused(THEME "colour = red\n", 3, "unknown key 'colour' in [theme]");
	refused("max_per_host = 2\n", 1, "key 'max_per_host' outside of any section");
	refused("[daemon]\nmax_per_host = 2\nmax_per_host = 3\n", 3,
		"duplicate key 'max_per_host' (first set at line 2)");
	refused(SRC "url = http://b.example/\n", 3, "duplicate key 'url' (first set at line 2)");
	refused("[daemon]\nuser_agent =\n", 2, "user_agent: empty value");
	refused("[daemon]\njust some words\n", 2, "expected 'key = value' or '[section]'");
	refused("[source \"s\"]\nitems = //li\n", 1, "missing required key 'url'");
	refused("[theme \"t\"]\nlabel = T\n", 1, "missing required key 'phrase'");
}
END_TEST

START_TEST(comments_blank_lines_and_colons)
{
	struct config *cfg = load_ok("; a comment\n# another\n\n   [daemon]\n"
				     "\tmax_per_host = 7 ; inline comment\r\n"
				     "fail_after: 9\n");

	ck_assert_int_eq(cfg->daemon.max_per_host, 7);
	ck_assert_int_eq(cfg->daemon.fail_after, 9);
	config_free(cfg);
}
END_TEST

START_TEST(every_error_is_collected)
{
	ck_assert_ptr_null(load("[daemon]\nmax_per_host = 0\nfirst_poll = x\n[sourc \"y\"]\n"
				"[source \"z\"]\n"));
	ck_assert_uint_eq(count_errors(), 4);
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "main.conf:2: max_per_host"));
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "main.conf:3: first_poll"));
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "main.conf:4: unknown section"));
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "main.conf:5: missing required key 'url'"));
}
END_TEST

START_TEST(line_longer_than_the_reader_takes)
{
	char *text = xasprintf(SRC "title = %0300d\n", 0);

	refused(text, 3, "line longer than 198 characters");
	free(text);
}
END_TEST

/*
 * NOTED in config/ (keys.c, not changed here): blanks inside the brackets
 * leave the section type empty, so "[ daemon ]" is refused as an unknown
 * section '' rather than read as [daemon] (libinih itself would trim) or
 * named in the message.
 */
START_TEST(noted_header_blanks)
{
	refused("[ daemon ]\n", 1,
		"unknown section '' (known: daemon, source, theme, notify, http)");
}
END_TEST

/* Numbers take the documented decimal forms only, not whatever strtod reads. */
START_TEST(numbers_are_plain_decimals)
{
	struct config *cfg;

	refused("[daemon]\nmax_per_host = 0x10\n", 2, "max_per_host: '0x10' is not a number");
	refused("[daemon]\nmax_per_host = 1e1\n", 2, "max_per_host: '1e1' is not a number");
	refused("[daemon]\nmax_per_host = 0x1p4\n", 2, "max_per_host: '0x1p4' is not a number");
	refused(SRC "interval = 0x10\n", 3, "interval: bad duration '0x10'");
	refused(SRC "interval = 1e1m\n", 3, "interval: bad duration '1e1m'");
	refused(THEME "threshold = 5.\n", 3, "threshold: '5.' is not a number");
	refused(THEME "phrase = 0x2 cyber\n", 3, "phrase must be 'WEIGHT words'");
	refused(THEME "phrase = 1e0 cyber\n", 3, "phrase must be 'WEIGHT words'");
	cfg = load_ok("[daemon]\nmax_per_host = 16\n" THEME "threshold = 0.35\n"
		      "phrase = -1.5 not this\n");
	ck_assert_int_eq(cfg->daemon.max_per_host, 16);
	config_free(cfg);
}
END_TEST

/* ---- whole-config checks (validate.c) ---- */

START_TEST(source_checks)
{
	refused(SRC "headers = X-Ok: 1\nheaders = NoColon\n", 1,
		"source 's': header 'NoColon' is not 'Name: value'");
	refused(SRC "kind = html\n", 1, "source 's': kind = html needs an 'items' XPath");
	refused(THEME SRC "themes = t, climate-*\n", 5, "source 's': unknown theme 'climate-*'");
	config_free(load_ok(THEME SRC "themes = t*\n"));
	config_free(load_ok(SRC "kind = html\nitems = //li\n"));
}
END_TEST

START_TEST(items_auto)
{
	struct config *cfg = load_ok(SRC "kind = html\nitems = auto\ndate_format = %d.%m.%Y\n");

	ck_assert_int_eq(config_source_find(cfg, "s")->items_auto, 1);
	config_free(cfg);
	cfg = load_ok(SRC "items = //auto\n");
	ck_assert_int_eq(config_source_find(cfg, "s")->items_auto, 0);
	config_free(cfg);
	refused(SRC "items = auto\ntitle = h2\n", 1,
		"source 's': items = auto chooses link, title and date itself: remove them");
}
END_TEST

/* ---- files and includes ---- */

START_TEST(includes_are_relative_to_the_including_file)
{
	struct config *cfg;

	make_dir("conf.d");
	free(write_file("conf.d/themes.conf", THEME));
	free(write_file("conf.d/b-source.conf", "[source \"b\"]\nurl = http://b.example/\n"));
	free(write_file("conf.d/notes.txt", "not a config"));
	cfg = load_ok(SRC "include = conf.d/*.conf\ninterval = 5m\ninclude = conf.d/*.none\n");
	ck_assert_uint_eq(cfg->nthemes, 1);
	ck_assert_uint_eq(cfg->nsources, 2);
	/* glob order: b-source.conf before themes.conf; the main file stays first */
	ck_assert_uint_eq(cfg->files.n, 3);
	ck_assert_ptr_nonnull(strstr(cfg->files.v[1], "conf.d/b-source.conf"));
	ck_assert_ptr_nonnull(strstr(cfg->files.v[2], "conf.d/themes.conf"));
	/* the including file's section goes on after the include line */
	ck_assert(config_source_find(cfg, "s")->interval == 300);
	ck_assert_str_eq(config_source_find(cfg, "b")->at.file, cfg->files.v[1]);
	config_free(cfg);
}
END_TEST

START_TEST(errors_inside_an_include_name_that_file)
{
	make_dir("conf.d");
	free(write_file("conf.d/bad.conf", "\n[daemon]\nmax_per_host = nine\n"));
	refused_at(SRC "include = conf.d/bad.conf\n", "conf.d/bad.conf", 3,
		   "max_per_host: 'nine' is not a number");
	refused("include = nothere.conf\n", 1, "include 'nothere.conf': no such file");
	/* a pattern matching nothing is fine, one into a missing directory is not */
	refused("\ninclude = none.d/*.conf\n", 2, "include 'none.d/*.conf': cannot read directory");
}
END_TEST

/* A FIFO would block the load until a writer came: includes take regular files only. */
START_TEST(an_include_that_is_not_a_regular_file_is_refused)
{
	char *path = xasprintf("%s/conf.d/pipe.conf", dir);
	char *want = xasprintf("cannot read '%s': not a regular file", path);

	make_dir("conf.d");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	refused(SRC "include = conf.d/pipe.conf\n", 3, want);
	/* a glob matching the FIFO is refused the same way, without hanging */
	refused(SRC "\ninclude = conf.d/*.conf\n", 4, want);
	refused("include = /dev/zero\n", 1, "cannot read '/dev/zero': not a regular file");
	unlink(path);
	free(want);
	free(path);
}
END_TEST

/* password_file: the user's password for the source's requests, from a private file. */
START_TEST(password_file_goes_into_the_url)
{
	struct config *cfg;
	char *want;

	free(write_file("pw", "p@ss word\nignored\n"));
	cfg = load_ok("[source \"s\"]\nurl = https://alice@a.example/list\npassword_file = pw\n");
	ck_assert_str_eq(config_source_find(cfg, "s")->url,
			 "https://alice:p%40ss%20word@a.example/list");
	config_free(cfg);
	refused("[source \"s\"]\nurl = https://a.example/list\npassword_file = pw\n", 1,
		"source 's': password_file needs a user name and no password in url");
	refused("[source \"s\"]\nurl = https://u:p@a.example/list\npassword_file = pw\n", 1,
		"source 's': password_file needs a user name and no password in url");
	free(write_mode("open", "pw\n", 0644));
	want = xasprintf("source 's': password_file '%s/open': readable by group or others", dir);
	refused("[source \"s\"]\nurl = https://u@a.example/\npassword_file = open\n", 1, want);
	free(want);
	free(write_file("empty", "\n"));
	want = xasprintf("source 's': password_file '%s/empty': empty", dir);
	refused("[source \"s\"]\nurl = https://u@a.example/\npassword_file = empty\n", 1, want);
	free(want);
	want = xasprintf("source 's': password_file '%s/none': No such file", dir);
	refused("[source \"s\"]\nurl = https://u@a.example/\npassword_file = none\n", 1, want);
	free(want);
}
END_TEST

/* Without CONFIG_LOAD_SECRETS no password_file is read; the url's form is still checked. */
START_TEST(a_load_without_secrets_reads_no_password_file)
{
	const char *text = "[source \"s\"]\nurl = https://alice@a.example/list\npassword_file = "
			   "none\n";
	const struct config_source *s;
	struct config *cfg;
	char err[256] = "", *url;

	free(write_file("main.conf", text));
	buf_reset(&errs);
	cfg = config_load_with(main_path, 0, &errs);
	ck_assert_msg(cfg != NULL, "refused:\n%s", buf_str(&errs));
	s = config_source_find(cfg, "s");
	ck_assert_str_eq(s->url, "https://alice@a.example/list");
	ck_assert_ptr_null(config_source_secret_url(s, err, sizeof(err)));
	ck_assert_msg(strstr(err, "source 's': password_file '") && strstr(err, "No such file"),
		      "%s", err);
	free(write_file("none", "p@ss\n"));
	url = config_source_secret_url(s, err, sizeof(err));
	ck_assert_str_eq(url, "https://alice:p%40ss@a.example/list");
	free(url);
	config_free(cfg);
	free(write_file("main.conf", "[source \"s\"]\nurl = https://a.example/\npassword_file = "
				     "none\n"));
	buf_reset(&errs);
	ck_assert_ptr_null(config_load_with(main_path, 0, &errs));
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "password_file needs a user name"));
}
END_TEST

START_TEST(a_file_included_twice_is_an_error_naming_it)
{
	char *again = xasprintf("include of '%s/./a.conf': this file was already read", dir);

	free(write_file("a.conf", THEME));
	refused("include = a.conf\ninclude = ./a.conf\n", 2, again);
	free(again);
	again = xasprintf("include of '%s/main.conf': this file was already read (an include loop "
			  "or a duplicate include)",
			  dir);
	refused("include = main.conf\n", 1, again);
	free(again);
	free(write_file("b.conf", "include = c.conf\n"));
	free(write_file("c.conf", "include = b.conf\n"));
	refused_at("include = b.conf\n", "c.conf", 1, "include of");
}
END_TEST

START_TEST(includes_nest_eight_deep)
{
	char name[32], text[64];

	for (int i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "chain%d.conf", i);
		snprintf(text, sizeof(text), i < 8 ? "include = chain%d.conf\n" : THEME, i + 1);
		free(write_file(name, text));
	}
	/* main.conf is level 1, chain7.conf level 8: fine */
	free(write_file("chain7.conf", THEME));
	config_free(load_ok("include = chain1.conf\n"));
	/* one more level is refused at the include line that asks for it */
	free(write_file("chain7.conf", "include = chain8.conf\n"));
	refused_at("include = chain1.conf\n", "chain7.conf", 1, "include of '");
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "chain8.conf' nested too deep"));
}
END_TEST

START_TEST(unreadable_and_unsafe_files)
{
	char *path = xasprintf("%s/absent.conf", dir);
	struct config *cfg;

	buf_reset(&errs);
	cfg = config_load(path, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(buf_str(&errs), "absent.conf:0: cannot read: No such file"), "%s",
		      buf_str(&errs));
	free(path);
	free(write_mode("ww.conf", SRC, 0666));
	ck_assert_ptr_null(load("include = ww.conf\n"));
	ck_assert_msg(strstr(buf_str(&errs), "ww.conf:1: file is writable by others (chmod o-w)"),
		      "%s", buf_str(&errs));
	free(write_file("latin1.conf", "[theme \"t\"]\nlabel = caf\xe9\nphrase = 1 x\n"));
	refused_at("include = latin1.conf\n", "latin1.conf", 2, "file is not valid UTF-8");
}
END_TEST

/*
 * An include inside a section that opens sections of its own must not move
 * the including section's header line: "missing required key" names
 * main.conf:1, where [source "s"] stands (it named main.conf:4 once).
 */
START_TEST(required_key_after_an_include_names_the_section_line)
{
	free(write_file("inc.conf", "\n\n\n" THEME));
	refused("[source \"s\"]\nitems = //li\ninclude = inc.conf\n", 1,
		"missing required key 'url'");
}
END_TEST

/* A duplicate id in another file names that file, not only its line. */
START_TEST(duplicate_across_files_names_the_file)
{
	char *a = write_file("a.conf", SRC);
	char *want = xasprintf("duplicate source 's' (first defined at %s:1)", a);

	refused("include = a.conf\n\n\n" SRC, 4, want);
	free(want);
	free(a);
}
END_TEST

/*
 * A theme of a later file replaces the included one as a whole (label,
 * threshold, phrases), keeps its place, and leaves a notice naming both
 * places; the load succeeds.
 */
START_TEST(a_later_theme_replaces_an_included_one)
{
	char *a = write_file("pack.conf", "[theme \"u\"]\nphrase = 1 u\n" THEME
					  "label = Old\nthreshold = 0.9\nphrase = 3 old words\n");
	char *want = xasprintf("%s:2: notice: theme 't' at %s:2 replaces the one from %s:3\n",
			       main_path, main_path, a);
	struct config *cfg = load_ok("include = pack.conf\n" THEME);
	const struct config_theme *t = config_theme_find(cfg, "t");

	ck_assert_str_eq(buf_str(&errs), want);
	ck_assert_uint_eq(cfg->nthemes, 2);
	ck_assert_ptr_eq(t, &cfg->themes[1]);
	ck_assert_str_eq(t->at.file, main_path);
	ck_assert_int_eq(t->at.line, 2);
	ck_assert_ptr_null(t->label);
	ck_assert_double_eq(t->threshold, 0.35);
	ck_assert_uint_eq(t->nphrases, 1);
	ck_assert_str_eq(t->phrases[0].text, "cyber sovereignty");
	config_free(cfg);
	free(want);
	free(a);
}
END_TEST

/* Twice in one file is still an error, also after an override. */
START_TEST(a_theme_twice_in_one_file_is_still_refused)
{
	free(write_file("pack.conf", THEME));
	refused("include = pack.conf\n" THEME THEME, 4,
		"duplicate theme 't' (first defined at line 2)");
}
END_TEST

/* Ids are found by hash: many sections load, and the last duplicate is still caught. */
START_TEST(many_sections_and_a_late_duplicate)
{
	struct buf text = {0};
	struct config *cfg;

	for (int i = 0; i < 5000; i++)
		buf_printf(&text, "[source \"s%d\"]\nurl = http://127.0.0.1/%d\nitems = //li\n", i,
			   i);
	cfg = load(buf_str(&text));
	ck_assert_msg(cfg != NULL, "%s", buf_str(&errs));
	ck_assert_uint_eq(cfg->nsources, 5000);
	ck_assert_ptr_nonnull(config_source_find(cfg, "s4999"));
	config_free(cfg);
	buf_printf(&text, "[source \"s2500\"]\nurl = http://127.0.0.1/x\nitems = //li\n");
	refused(buf_str(&text), 15001, "duplicate source 's2500' (first defined at line 7501)");
	buf_free(&text);
}
END_TEST

/* ---- helpers the daemon uses ---- */

START_TEST(globs_and_lists)
{
	struct strlist l = {0};
	struct strlist none = {0};

	strlist_split(&l, " mfa-* ,, kremlin ,\t");
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0], "mfa-*");
	ck_assert_str_eq(l.v[1], "kremlin");
	ck_assert_ptr_null(l.v[2]);
	ck_assert_int_eq(config_globs_match(&l, "mfa-en"), 1);
	ck_assert_int_eq(config_globs_match(&l, "kremlin"), 1);
	ck_assert_int_eq(config_globs_match(&l, "kremlin-en"), 0);
	ck_assert_int_eq(config_globs_match(&none, "anything"), 1);
	for (int i = 0; i < 20; i++)
		strlist_add(&l, "x");
	ck_assert_uint_eq(l.n, 22);
	ck_assert_ptr_null(l.v[22]);
	strlist_free(&l);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(default_path_from_the_environment)
{
	setenv("SPEECHWATCH_CONFIG", "/tmp/x.conf", 1);
	ck_assert_str_eq(config_default_path(), "/tmp/x.conf");
	setenv("SPEECHWATCH_CONFIG", "", 1);
	ck_assert_str_eq(config_default_path(), "/etc/speechwatch/speechwatch.conf");
	unsetenv("SPEECHWATCH_CONFIG");
	ck_assert_str_eq(config_default_path(), "/etc/speechwatch/speechwatch.conf");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tables = tcase_create("tables");
	TCase *errors = tcase_create("errors");
	TCase *files = tcase_create("files");

	tcase_add_checked_fixture(tables, setup, teardown);
	tcase_add_test(tables, daemon_defaults);
	tcase_add_test(tables, source_and_theme_defaults);
	tcase_add_test(tables, every_daemon_key_is_read);
	tcase_add_test(tables, first_poll_archive_and_archive_max);
	tcase_add_test(tables, every_source_key_is_read);
	tcase_add_test(tables, every_theme_key_is_read);
	tcase_add_loop_test(tables, bounds_of_every_numeric_key, 0,
			    (int)(sizeof(bounds) / sizeof(bounds[0])));
	tcase_add_test(tables, durations);
	tcase_add_test(tables, globs_and_lists);
	tcase_add_test(tables, default_path_from_the_environment);
	suite_add_tcase(s, tables);

	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(errors, numbers_that_are_not_numbers);
	tcase_add_test(errors, bools_and_enums);
	tcase_add_test(errors, urls);
	tcase_add_test(errors, render_keys);
	tcase_add_test(errors, xpaths_are_compiled_when_read);
	tcase_add_test(errors, phrases);
	tcase_add_test(errors, section_headers);
	tcase_add_test(errors, ids_up_to_64_characters);
	tcase_add_test(errors, keys_of_a_broken_header_are_not_reported_again);
	tcase_add_test(errors, keys);
	tcase_add_test(errors, comments_blank_lines_and_colons);
	tcase_add_test(errors, every_error_is_collected);
	tcase_add_test(errors, line_longer_than_the_reader_takes);
	tcase_add_test(errors, source_checks);
	tcase_add_test(errors, items_auto);
	tcase_add_test(errors, noted_header_blanks);
	tcase_add_test(errors, numbers_are_plain_decimals);
	suite_add_tcase(s, errors);

	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, a_held_config_is_freed_by_its_last_holder);
	tcase_add_test(files, includes_are_relative_to_the_including_file);
	tcase_add_test(files, errors_inside_an_include_name_that_file);
	tcase_add_test(files, an_include_that_is_not_a_regular_file_is_refused);
	tcase_add_test(files, password_file_goes_into_the_url);
	tcase_add_test(files, a_load_without_secrets_reads_no_password_file);
	tcase_add_test(files, a_file_included_twice_is_an_error_naming_it);
	tcase_add_test(files, includes_nest_eight_deep);
	tcase_add_test(files, unreadable_and_unsafe_files);
	tcase_add_test(files, required_key_after_an_include_names_the_section_line);
	tcase_add_test(files, duplicate_across_files_names_the_file);
	tcase_add_test(files, a_later_theme_replaces_an_included_one);
	tcase_add_test(files, a_theme_twice_in_one_file_is_still_refused);
	tcase_add_test(files, many_sections_and_a_late_duplicate);
	suite_add_tcase(s, files);
	return testutil_run(s);
}
