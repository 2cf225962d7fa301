/*
 * notify/mail_settings: the "mail" backend's keys (docs/mail.md) and the
 * checks their types cannot make: addresses that parse, the TLS mode the
 * URL allows, user and password together, templates that compile. Each
 * problem is reported at the line of the key it is about.
 */
#include "notify/mail.h"

#include <curl/curl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "notify/mime.h"

#define MAIL_RCPT_MAX 100
#define MAIL_TEMPLATE_MAX (64 * 1024)

static const char *const smtp_schemes[] = {"smtp", "smtps", NULL};
static const char *const tls_names[] = {"opportunistic", "required", "none", NULL};
static const enum smtp_tls tls_modes[] = {SMTP_TLS_OPPORTUNISTIC, SMTP_TLS_REQUIRED, SMTP_TLS_NONE};

#define M(f) offsetof(struct mail, f)
const struct notify_key mail_keys[] = {
    {"smtp_url", NOTIFY_KEY_URL, M(smtp_url), NULL, 0, 0, smtp_schemes, NOTIFY_KEY_REQUIRED,
     "smtp://host:port (STARTTLS per tls) or smtps://host:port (TLS from the first byte)"},
    {"tls", NOTIFY_KEY_ENUM, M(tls_key), "opportunistic", 0, 0, tls_names, 0,
     "STARTTLS on smtp://: used when offered (demanded with a password), demanded, or not "
     "used (with a password: towards a local relay only)"},
    {"from", NOTIFY_KEY_STRING, M(from), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED, "the From address"},
    {"envelope_from", NOTIFY_KEY_STRING, M(envelope_from), NULL, 0, 0, NULL, 0,
     "the SMTP envelope sender (bounces); default: from's address"},
    {"to", NOTIFY_KEY_LIST, M(to), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED,
     "a recipient (repeatable)"},
    {"cc", NOTIFY_KEY_LIST, M(cc), NULL, 0, 0, NULL, 0, "a copy recipient (repeatable)"},
    {"user", NOTIFY_KEY_STRING, M(user), NULL, 0, 0, NULL, 0, "SMTP login name"},
    {"password_file", NOTIFY_KEY_SECRET_FILE, M(password), NULL, 0, 0, NULL, 0,
     "a private file (mode 600) holding the SMTP password"},
    {"ca_file", NOTIFY_KEY_PATH, M(ca_file), NULL, 0, 0, NULL, 0,
     "CA certificates to verify the server with; default: the system's"},
    {"subject", NOTIFY_KEY_STRING, M(subject), NULL, 0, 0, NULL, 0,
     "subject template with {placeholders}"},
    {"body_file", NOTIFY_KEY_TEXT_FILE, M(body), NULL, 0, MAIL_TEMPLATE_MAX, NULL, 0,
     "a file holding the plain-text body template"},
    {"html", NOTIFY_KEY_BOOL, M(html), "no", 0, 0, NULL, 0,
     "add a text/html alternative with the evidence in bold"},
    {"timeout", NOTIFY_KEY_DURATION, M(timeout), "30s", 1, 300, NULL, 0,
     "time allowed for one submission"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};
#undef M

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* smtp or smtps as curl parses it, with a host; *smtps says which. */
static int url_check(const char *url, int *smtps)
{
	char *scheme = notify_url_part(url, CURLUPART_SCHEME);
	char *host = notify_url_part(url, CURLUPART_HOST);
	int ok = scheme && host && host[0] != '\0' &&
		 (strcasecmp(scheme, "smtp") == 0 || strcasecmp(scheme, "smtps") == 0) &&
		 strpbrk(url, "\r\n") == NULL;

	*smtps = ok && strcasecmp(scheme, "smtps") == 0;
	free(scheme);
	free(host);
	return ok ? 0 : -1;
}

/* 1 if the URL's path already names the EHLO host (curl's convention). */
static int url_has_path(const char *url)
{
	char *path = notify_url_part(url, CURLUPART_PATH);
	int has = path && path[0] != '\0' && strcmp(path, "/") != 0;

	free(path);
	return has;
}

/* A host name: what is safe in a Message-ID and an EHLO. */
static int hostname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 254 && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

static int check_server(struct mail *m, struct notify_section *sec)
{
	char host[256] = "";
	int smtps = 0;

	if (url_check(m->smtp_url, &smtps) < 0) {
		notify_section_error(sec, "smtp_url",
				     "smtp_url: not an smtp:// or smtps:// URL with a host");
		return -1;
	}
	m->tls = tls_modes[m->tls_key];
	if (smtps && m->tls == SMTP_TLS_NONE) {
		notify_section_error(sec, "tls",
				     "tls: none contradicts smtps:// (TLS from the first byte)");
		return -1;
	}
	m->timeout_s = (long)ceil(m->timeout);
	if (!url_has_path(m->smtp_url) && gethostname(host, sizeof(host) - 1) == 0 &&
	    hostname_ok(host))
		m->helo = xstrdup(host);
	return 0;
}

/* Checks each mailbox of v and appends its bare address to m->rcpt. */
static int add_rcpts(struct mail *m, struct notify_section *sec, const char *key, char **v)
{
	size_t n = strv_len(m->rcpt);

	for (size_t i = 0; v && v[i]; i++) {
		char *name, *addr;

		if (mime_mailbox_parse(v[i], &name, &addr) < 0) {
			notify_section_error(sec, key, "%s: \"%.80s\" is not an address", key,
					     v[i]);
			return -1;
		}
		free(name);
		if (n >= MAIL_RCPT_MAX) {
			free(addr);
			notify_section_error(sec, key, "%s: more than %d recipients", key,
					     MAIL_RCPT_MAX);
			return -1;
		}
		m->rcpt = xreallocarray(m->rcpt, n + 2, sizeof(*m->rcpt));
		m->rcpt[n++] = addr;
		m->rcpt[n] = NULL;
	}
	return 0;
}

static int check_addresses(struct mail *m, struct notify_section *sec)
{
	char *name = NULL, *addr = NULL;
	const char *at;

	if (mime_mailbox_parse(m->from, &name, &addr) < 0) {
		notify_section_error(sec, "from", "from: not an address");
		return -1;
	}
	at = strrchr(addr, '@');
	m->id_domain = xstrdup(hostname_ok(at + 1) ? at + 1 : "speechwatch.invalid");
	m->env_from = xstrdup(m->envelope_from ? m->envelope_from : addr);
	free(name);
	free(addr);
	if (!smtp_addr_valid(m->env_from)) {
		notify_section_error(sec, "envelope_from", "envelope_from: not an address");
		return -1;
	}
	if (add_rcpts(m, sec, "to", m->to) < 0 || add_rcpts(m, sec, "cc", m->cc) < 0)
		return -1;
	return 0;
}

static int check_auth(const struct mail *m, struct notify_section *sec)
{
	if ((m->user == NULL) != (m->password == NULL)) {
		notify_section_error(sec, m->user ? "user" : "password_file",
				     "user and password (password_file) go together");
		return -1;
	}
	if ((m->user && strpbrk(m->user, "\r\n")) ||
	    (m->password && strpbrk(m->password, "\r\n"))) {
		notify_section_error(sec, "user", "user or password: line break");
		return -1;
	}
	if (m->ca_file && access(m->ca_file, R_OK) != 0) {
		notify_section_error(sec, "ca_file", "ca_file: %.200s cannot be read", m->ca_file);
		return -1;
	}
	return 0;
}

/* 127.0.0.0/8, ::1 or localhost: a relay on this machine. */
static int host_is_loopback(const char *url)
{
	char *host = notify_url_part(url, CURLUPART_HOST);
	int local = host && (strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 ||
			     strcasecmp(host, "localhost") == 0);

	free(host);
	return local;
}

/*
 * A password never travels in clear text: with one, opportunistic demands
 * STARTTLS (the attempt fails, and is retried, when the server offers none),
 * and tls = none is allowed only towards a relay on this machine.
 */
static int check_tls_auth(struct mail *m, struct notify_section *sec)
{
	if (m->password == NULL)
		return 0;
	if (m->tls == SMTP_TLS_OPPORTUNISTIC)
		m->tls = SMTP_TLS_REQUIRED;
	if (m->tls == SMTP_TLS_NONE && !host_is_loopback(m->smtp_url)) {
		notify_section_error(
		    sec, "tls",
		    "tls: none would send the password in clear text; allowed only "
		    "towards a relay on this machine (localhost, 127.0.0.1, ::1)");
		return -1;
	}
	return 0;
}

static int check_templates(struct mail *m, struct notify_section *sec)
{
	char msg[400];

	m->subject_t =
	    render_tmpl_compile(m->subject ? m->subject : RENDER_DEFAULT_SUBJECT, msg, sizeof(msg));
	if (m->subject_t == NULL) {
		notify_section_error(sec, "subject", "subject: %s", msg);
		return -1;
	}
	m->body_t = render_tmpl_compile(m->body ? m->body : RENDER_DEFAULT_BODY, msg, sizeof(msg));
	if (m->body_t == NULL) {
		notify_section_error(sec, "body_file", "body: %s", msg);
		return -1;
	}
	return 0;
}

int mail_open(struct notify_channel *ch, struct notify_section *sec)
{
	struct mail *m = ch->priv;
	int bad = 0;

	bad |= check_server(m, sec);
	bad |= check_addresses(m, sec);
	bad |= check_auth(m, sec);
	bad |= bad ? 0 : check_tls_auth(m, sec);
	bad |= check_templates(m, sec);
	return bad ? -1 : 0;
}

void mail_free(struct notify_channel *ch)
{
	struct mail *m = ch->priv;

	free(m->helo);
	free(m->env_from);
	free(m->id_domain);
	strv_free(m->rcpt);
	render_tmpl_free(m->subject_t);
	render_tmpl_free(m->body_t);
}
