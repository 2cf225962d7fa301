/*
 * config/import*.c and config/source_state.c: urls.yaml and OPML read into
 * sources (ids safe and unique, errors at FILE:LINE), and the operator's
 * enable/disable state file applied by every load.
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
#include "config/import.h"
#include "tests/unit/testutil.h"

static int yaml(const char *text, struct import_list *l, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	return import_urlwatch(text, strlen(text), "u.yaml", l, err, errlen);
}

START_TEST(urlwatch_subset)
{
	struct import_list l;
	char err[300] = "";

	ck_assert_int_eq(
	    yaml("\xef\xbb\xbfname: 'A ''quoted'' name'\r\n"
		 "url: \"https://a.example/x\\/y\\tz\"\r\n"
		 "filter:\n  - xpath:\n      path: //main\n"
		 "...\n---\n# only a comment\n---\n"
		 "url: https://b.example/ # trailing\nunknown: [1, 2]\nfilter: html2text\n"
		 "---\nurl: \"https://c.example/\\\"\"\n",
		 &l, err, sizeof(err)),
	    0);
	ck_assert_msg(l.n == 1, "%zu sources, %s", l.n, err);
	ck_assert_str_eq(l.v[0].url, "https://b.example/");
	ck_assert_int_eq(l.v[0].line, 10);
	ck_assert_ptr_null(l.v[0].note); /* no region selector: nothing to note */
	/* the tab and the double quote are no URL bytes: skipped, each said at its line */
	ck_assert_uint_eq(l.skipped.n, 2);
	ck_assert_str_eq(l.skipped.v[0], "u.yaml:1: skipped: URL with a space, control or "
					 "forbidden character");
	ck_assert_ptr_nonnull(strstr(l.skipped.v[1], "u.yaml:14: skipped"));
	import_list_free(&l);
	ck_assert_int_eq(yaml("name: 'A ''quoted'' name'\nurl: \"https://a.example/x\\/y\"\n"
			      "filter:\n  - xpath:\n      path: //main\n",
			      &l, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].url, "https://a.example/x/y");
	ck_assert_str_eq(l.v[0].title, "A 'quoted' name");
	ck_assert_str_eq(l.v[0].note, "urlwatch filter: path //main");
	ck_assert_str_eq(l.v[0].id, "a-quoted-name");
	import_list_free(&l);
}
END_TEST

START_TEST(urlwatch_errors_name_the_line)
{
	struct import_list l;
	char err[300];

	ck_assert_int_eq(yaml("url: https://a.example/\nname: |\n  block\n", &l, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "u.yaml:2: unsupported YAML here (anchor, alias, tag, flow "
			      "collection or block scalar)");
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(yaml("name: 'open\n", &l, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "u.yaml:1: unterminated"));
	ck_assert_int_eq(yaml("url: \"x\" y\n", &l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "u.yaml:1: text after a quoted string");
}
END_TEST

START_TEST(ids_are_safe_and_unique)
{
	struct import_list l;

	memset(&l, 0, sizeof(l));
	for (int i = 0; i < 3000; i++)
		ck_assert_int_eq(
		    import_add(&l, "f", i, "https://a.example/", "Same  Title!", 1, NULL), 1);
	ck_assert_str_eq(l.v[0].id, "same-title");
	ck_assert_str_eq(l.v[1].id, "same-title-2");
	ck_assert_str_eq(l.v[2999].id, "same-title-3000");
	import_add(&l, "f", 1, "https://www.mid.example/ru/press?x", "Пресса", 0, NULL);
	ck_assert_str_eq(l.v[3000].id, "mid-example-ru-press");
	/* a title of 200 letters: the id stays within 64 and unique */
	char *longname = xmalloc(201);
	memset(longname, 'x', 200);
	longname[200] = '\0';
	import_add(&l, "f", 1, "https://a.example/", longname, 0, NULL);
	import_add(&l, "f", 1, "https://a.example/", longname, 0, NULL);
	ck_assert_uint_le(strlen(l.v[3002].id), 64);
	ck_assert_str_ne(l.v[3001].id, l.v[3002].id);
	free(longname);
	ck_assert_int_eq(import_add(&l, "f", 9, "http:///nohost", NULL, 0, NULL), 0);
	ck_assert_str_eq(l.skipped.v[0], "f:9: skipped: URL without a host");
	import_list_free(&l);
}
END_TEST

START_TEST(opml_outlines)
{
	static const char doc[] = "<opml version='1.0'><body>\n"
				  "<outline text='Folder'>\n"
				  " <outline text='Feed' xmlUrl='https://a.example/rss'/>\n"
				  " <outline title='Page' htmlUrl='https://b.example/'/>\n"
				  "</outline></body></opml>";
	struct import_list l;
	char err[300] = "";

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(import_opml(doc, strlen(doc), "s.opml", &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.v[0].feed, 1);
	ck_assert_int_eq(l.v[0].line, 3);
	ck_assert_str_eq(l.v[1].id, "page");
	ck_assert_int_eq(l.v[1].feed, 0);
	import_list_free(&l);
	ck_assert_int_eq(
	    import_opml("<opml><body>\n<x></body></opml>", 30, "s.opml", &l, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "s.opml:2: ", 10) == 0, "%s", err);
}
END_TEST

static char dir[] = "/tmp/sw-state-XXXXXX";

static struct config *load(const char *state_line, struct buf *errs)
{
	char *conf = xasprintf("%s/c.conf", dir), *text;
	FILE *f = fopen(conf, "w");
	struct config *cfg;

	text = xasprintf("[daemon]\nstate_dir = %s/st\n[source \"a\"]\nurl = http://a.example/\n"
			 "[source \"b\"]\nurl = http://b.example/\nenabled = no\n",
			 dir);
	fputs(text, f);
	fclose(f);
	chmod(conf, 0600);
	if (state_line) {
		char *p = xasprintf("%s/st/sources.state", dir);

		f = fopen(p, "w");
		fputs(state_line, f);
		fclose(f);
		free(p);
	}
	buf_init(errs);
	cfg = config_load_with(conf, 0, errs);
	free(text);
	free(conf);
	return cfg;
}

START_TEST(state_file_applied_over_the_catalogue)
{
	struct buf errs;
	struct config *cfg;
	char err[300], *st;

	strcpy(dir, "/tmp/sw-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	st = xasprintf("%s/st", dir);
	cfg = load(NULL, &errs); /* no state_dir yet: the catalogue as written */
	ck_assert_int_eq(cfg->sources[1].enabled, 0);
	config_free(cfg);
	buf_free(&errs);
	ck_assert_int_eq(config_source_state_set(st, "b", 1, err, sizeof(err)), 0);
	ck_assert_int_eq(config_source_state_set(st, "a", 0, err, sizeof(err)), 0);
	ck_assert_int_eq(config_source_state_set(st, "gone", 0, err, sizeof(err)), 0);
	cfg = load(NULL, &errs);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg->sources[0].enabled, 0);
	ck_assert_int_eq(cfg->sources[1].enabled, 1);
	ck_assert_int_eq(cfg->sources[1].enabled_by_state, 3); /* its line, after two comments */
	config_free(cfg);
	buf_free(&errs);
	cfg = load("a enabled\nb on\n", &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "sources.state:2: expected"));
	buf_free(&errs);
	/* a FIFO in its place would block every load: refused at once */
	char *fifo = xasprintf("%s/sources.state", st);
	ck_assert_int_eq(unlink(fifo), 0);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	ck_assert_ptr_null(load(NULL, &errs));
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "sources.state: not a regular file"));
	buf_free(&errs);
	free(fifo);
	free(st);
	st = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(st), 0);
	free(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_add_test(tc, urlwatch_subset);
	tcase_add_test(tc, urlwatch_errors_name_the_line);
	tcase_add_test(tc, ids_are_safe_and_unique);
	tcase_add_test(tc, opml_outlines);
	tcase_add_test(tc, state_file_applied_over_the_catalogue);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
