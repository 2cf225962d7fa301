/*
 * daemon/article_read: the request for a source's article link (its
 * credentials and headers for its own origin only, trust for its own host
 * only) and the reading of the answer (a document is no web page; a body
 * XPath that matches nothing leaves body_nodes 0), shared by the poll and
 * `preview --articles`.
 */
#include <check.h>
#include <string.h>
#include <stdlib.h>

#include "analyze/article/article.h"
#include "analyze/page/page.h"
#include "config/config.h"
#include "daemon/article_read.h"
#include "fetch/http.h"
#include "tests/unit/testutil.h"

static char header[] = "X-Api-Key: secret";
static char *headers[] = {header, NULL};
static char id[] = "s", url[] = "https://user:pw@gov.example.org/news/",
	    proxy[] = "http://proxy.example:3128", lang[] = "en";

/* body: an XPath in a writable buffer of the caller's, or NULL. */
static void source(struct config_source *s, char *body)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->url = url;
	s->headers.v = headers;
	s->headers.n = 1;
	s->proxy = proxy;
	s->allow_private = 1;
	s->body = body;
	s->language = lang;
}

START_TEST(own_origin_gets_credentials_and_headers)
{
	struct config_source s;
	struct http_req req;
	char *authed;

	source(&s, NULL);
	authed = article_read_request(&s, "https://gov.example.org/news/1.html", &req);
	ck_assert_ptr_nonnull(authed);
	ck_assert_str_eq(req.url, "https://user:pw@gov.example.org/news/1.html");
	ck_assert_ptr_eq(req.headers, (const char *const *)headers);
	ck_assert_int_eq(req.trusted, 1);
	ck_assert_int_eq(req.allow_private, 1);
	ck_assert_int_eq(req.follow_redirects, 1);
	ck_assert_str_eq(req.proxy, "http://proxy.example:3128");
	free(authed);
}
END_TEST

START_TEST(other_port_is_trusted_host_without_secrets)
{
	struct config_source s;
	struct http_req req;
	char *authed;

	source(&s, NULL);
	authed = article_read_request(&s, "https://gov.example.org:8443/news/1.html", &req);
	ck_assert_ptr_null(authed);
	ck_assert_str_eq(req.url, "https://gov.example.org:8443/news/1.html");
	ck_assert_ptr_null(req.headers);
	ck_assert_int_eq(req.trusted, 1);
}
END_TEST

START_TEST(other_site_gets_nothing)
{
	struct config_source s;
	struct http_req req;
	char *authed;

	source(&s, NULL);
	authed = article_read_request(&s, "https://cdn.example.net/news/1.html", &req);
	ck_assert_ptr_null(authed);
	ck_assert_ptr_null(req.headers);
	ck_assert_int_eq(req.trusted, 0);
}
END_TEST

#define PAGE                                                                                       \
	"<html lang=en><body><div id=speech><p>The Minister spoke on trade, climate and "          \
	"security today, and agreed that regular consultations continue next year.</p></div>"      \
	"</body></html>"

START_TEST(body_xpath_applied_and_reported)
{
	char speech[] = "//div[@id='speech']", nope[] = "//div[@id='nope']", bad[] = "//div[";
	struct config_source s;
	struct article a;
	char err[256] = "";

	source(&s, speech);
	ck_assert_int_eq(article_read(&s, "https://gov.example.org/news/1.html", PAGE, strlen(PAGE),
				      "text/html; charset=utf-8", &a, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(a.body_nodes, 1);
	ck_assert_uint_gt(a.words, 15);
	article_free(&a);
	source(&s, nope);
	ck_assert_int_eq(article_read(&s, NULL, PAGE, strlen(PAGE), NULL, &a, err, sizeof(err)), 0);
	ck_assert_uint_eq(a.body_nodes, 0);
	ck_assert_uint_eq(a.words, 0);
	ck_assert_ptr_nonnull(a.no_text);
	article_free(&a);
	source(&s, bad);
	ck_assert_int_eq(article_read(&s, NULL, PAGE, strlen(PAGE), NULL, &a, err, sizeof(err)),
			 -1);
	ck_assert_msg(strncmp(err, "extraction failed: ", 19) == 0, "%s", err);
}
END_TEST

START_TEST(document_is_read_without_xpaths)
{
	static const char pdf[] = "%PDF-1.4\n% a speech\n";
	char speech[] = "//div[@id='speech']";
	struct config_source s;
	struct article a;
	char err[256] = "";

	source(&s, speech);
	ck_assert_int_eq(
	    article_read(&s, NULL, pdf, sizeof(pdf) - 1, "application/pdf", &a, err, sizeof(err)),
	    1);
	ck_assert_uint_eq(a.words, 0);
	ck_assert_str_eq(a.no_text, "no main text: a PDF document");
	article_free(&a);
}
END_TEST

START_TEST(no_themes_or_no_text_scores_nothing)
{
	struct config_source s;

	source(&s, NULL);
	ck_assert_ptr_null(article_read_score(NULL, &s, "Some text here.", 3, NULL));
}
END_TEST

static Suite *article_read_suite(void)
{
	Suite *su = suite_create("article_read");
	TCase *req = tcase_create("request");
	TCase *read = tcase_create("read");

	tcase_add_test(req, own_origin_gets_credentials_and_headers);
	tcase_add_test(req, other_port_is_trusted_host_without_secrets);
	tcase_add_test(req, other_site_gets_nothing);
	tcase_add_test(read, body_xpath_applied_and_reported);
	tcase_add_test(read, document_is_read_without_xpaths);
	tcase_add_test(read, no_themes_or_no_text_scores_nothing);
	suite_add_tcase(su, req);
	suite_add_tcase(su, read);
	return su;
}

int main(void)
{
	page_init();
	return testutil_run(article_read_suite());
}
