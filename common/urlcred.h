/*
 * common/urlcred: credentials written into a URL ("http://user:pass@host/")
 * belong in the request only. Everything that shows or keeps a URL (event
 * payloads, the store, status, logs) takes it through these first. Pure
 * string functions; a URL here is "scheme://authority[/?#...]" and the
 * userinfo is what the authority holds before its last '@'.
 */
#ifndef SW_URLCRED_H
#define SW_URLCRED_H

/* 1 when url carries a userinfo ("user@" or "user:password@"). */
int urlcred_has(const char *url);

/* url without its userinfo; allocated (a copy when there is none). NULL gives NULL. */
char *urlcred_strip(const char *url);

/*
 * text (a log line, an error) with every URL's password replaced by "***"
 * ("user:***@"), and a userinfo without a password by "***@" (it may be a
 * token). Allocated; NULL when text holds no userinfo, so callers keep
 * theirs.
 */
char *urlcred_redact(const char *text);

/*
 * url with the userinfo of cred_url put back, when url has none and both
 * share one origin (scheme, host and port, compared without case): how an
 * article link on the source's own site gets the source's credentials and
 * a link elsewhere does not. Allocated, or NULL when nothing applies.
 */
char *urlcred_apply(const char *url, const char *cred_url);

/*
 * url ("scheme://user@host/...": a user and no password) with password
 * added, percent-encoded: "scheme://user:p%40ss@host/...". Allocated, or
 * NULL when url has no user name or already has a password.
 */
char *urlcred_with_password(const char *url, const char *password);

#endif
