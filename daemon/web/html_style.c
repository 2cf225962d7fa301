/*
 * daemon/web/html_style: the pages' one style sheet, compiled into the
 * binary (no file is ever read to answer it). Pages link it with a version
 * taken from its content, so a browser may keep it for a year and still
 * gets a new sheet with a new binary.
 */
#include "daemon/web/html.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char html_style_css[] =
    ":root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfd;--mute:#5c5c5c;--line:#d6d6d6;"
    "--badge:#e7eef8;--add:#dcf5dc;--del:#fbe0e0;--link:#0645ad}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#151515;--mute:#a8a8a8;"
    "--line:#3a3a3a;--badge:#22324a;--add:#1d3b1d;--del:#4a1f1f;--link:#8ab4f8}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--fg);background:var(--bg)}\n"
    "main,header.site{max-width:52rem;margin:0 auto;padding:0 1rem}\n"
    "header.site{padding-top:.75rem;padding-bottom:.75rem;border-bottom:1px solid var(--line)}\n"
    "header.site a{font-weight:700;text-decoration:none}\n"
    "a{color:var(--link)}\n"
    "h1{font-size:1.4rem;line-height:1.25}h2{font-size:1.1rem;margin:0 0 .25rem}"
    "h3{font-size:1rem;margin:.75rem 0 .25rem}\n"
    "form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;"
    "margin:1rem 0;padding:.75rem;border:1px solid var(--line);border-radius:.4rem}\n"
    "form.filters label{display:flex;flex-direction:column;flex:1 1 9rem;min-width:0;"
    "font-size:.85rem;color:var(--mute)}\n"
    "form.filters input,form.filters select,form.filters button{font:inherit;"
    "min-height:2.2rem;width:100%;min-width:0}\n"
    "form.filters .q{flex:2 1 14rem}form.filters button{width:auto}\n"
    "article.st{border-bottom:1px solid var(--line);padding:1rem 0}\n"
    ".meta{color:var(--mute);font-size:.9rem;margin:0 0 .4rem;overflow-wrap:anywhere}\n"
    "h1,h2,h3,blockquote{overflow-wrap:anywhere}\n"
    ".badge{display:inline-block;background:var(--badge);border-radius:1rem;"
    "padding:0 .6rem;margin:0 .3rem .3rem 0;font-size:.85rem}\n"
    "blockquote{margin:.4rem 0;padding-left:.75rem;border-left:3px solid var(--line)}\n"
    "pre.diff{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;"
    "padding:.5rem;border:1px solid var(--line);border-radius:.4rem}\n"
    "pre.diff ins{background:var(--add);text-decoration:none}\n"
    "pre.diff del{background:var(--del);text-decoration:none}\n"
    "pre.diff .hunk{color:var(--mute)}\n"
    ".text p{overflow-wrap:anywhere}\n"
    "dl.prov dt{font-weight:600}dl.prov dd{margin:0 0 .5rem;overflow-wrap:anywhere;"
    "font-family:ui-monospace,monospace;font-size:.85rem}\n"
    "nav.pages{display:flex;justify-content:space-between;margin:1rem 0}\n"
    ".error{font-weight:600}\n";

void html_page_style(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out)
{
	(void)ctx;
	(void)req;
	out->status = 200;
	out->content_type = "text/css; charset=utf-8";
	out->cache_control = "public, max-age=31536000, immutable"; /* its URL has its hash */
	buf_append(&out->body, html_style_css, sizeof(html_style_css) - 1);
}

static char style_path[64];

/* pthread_once: the path of the sheet with its hash. */
static void style_path_make(void)
{
	uint32_t h = 2166136261u; /* FNV-1a of the sheet */

	for (size_t i = 0; i < sizeof(html_style_css) - 1; i++)
		h = (h ^ (unsigned char)html_style_css[i]) * 16777619u;
	snprintf(style_path, sizeof(style_path), "/static/style.css?v=%08x", (unsigned)h);
}

/* Made once whichever thread asks first: pages run on the loop and in store jobs. */
const char *html_style_path(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, style_path_make);
	return style_path;
}
