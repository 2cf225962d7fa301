/*
 * [http]: the listen address (a numeric address and a port, so that no name
 * lookup decides where the daemon listens) and who may ask: anyone on
 * loopback, a bearer token, or anyone at all only when the operator says so.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config_int.h"

#define TOKEN_MIN_BYTES 16
#define TOKEN_MAX_BYTES 512

/* "PORT" as 0..65535; -1 when it is not one. */
static long parse_port(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 65535 ? v : -1;
}

static int v4_parse(const char *host, long port, struct config_http *h)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&h->addr;

	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return -1;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	h->addrlen = sizeof(*in);
	h->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	return 0;
}

static int v6_parse(const char *host, long port, struct config_http *h)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&h->addr;
	const unsigned char *b = in6->sin6_addr.s6_addr;

	if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
		return -1;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	h->addrlen = sizeof(*in6);
	h->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		      (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127);
	return 0;
}

/* listen = "A.B.C.D:PORT" or "[V6]:PORT" into h->addr; 0, or -1. */
static int parse_listen(const char *s, struct config_http *h)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 1];
	size_t n;
	long port;

	memset(&h->addr, 0, sizeof(h->addr));
	if (colon == NULL || (port = parse_port(colon + 1)) < 0)
		return -1;
	n = (size_t)(colon - s);
	if (s[0] == '[') {
		if (n < 2 || s[n - 1] != ']' || n - 2 >= sizeof(host))
			return -1;
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		return v6_parse(host, port, h);
	}
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	return v4_parse(host, port, h);
}

/* RFC 6750's b64token: what a client can put after "Bearer " as it is. */
static int token_chars_ok(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			     "0123456789-._~+/");

	return t[n + strspn(t + n, "=")] == '\0';
}

static void read_token(struct parse_state *ps, struct config_http *h)
{
	const struct config_origin *at = &h->token_at;
	char why[160] = "";
	char *t = config_read_secret(h->token_file, TOKEN_MAX_BYTES, why, sizeof(why));

	if (t == NULL) {
		config_error_at(ps, at->file, at->line, "token_file '%s': %s", h->token_file, why);
		return;
	}
	if (strlen(t) < TOKEN_MIN_BYTES || !token_chars_ok(t)) {
		config_error_at(ps, at->file, at->line,
				"token_file '%s': the token must be at least %d characters of "
				"letters, digits and -._~+/ (e.g. openssl rand -hex 32)",
				h->token_file, TOKEN_MIN_BYTES);
		explicit_bzero(t, strlen(t));
		free(t);
		return;
	}
	h->token = t;
}

void config_check_http(struct parse_state *ps)
{
	struct config_http *h = &ps->cfg->http;

	if (h->token_file && h->allow_anonymous)
		config_error_at(
		    ps, h->token_at.file, h->token_at.line,
		    "[http] token_file and allow_anonymous = yes contradict each other: "
		    "choose one");
	if (h->token_file && (ps->flags & CONFIG_LOAD_SECRETS))
		read_token(ps, h);
	if (h->listen == NULL)
		return;
	if (parse_listen(h->listen, h) < 0) {
		config_error_at(ps, h->at.file, h->at.line,
				"listen: '%s' is not ADDRESS:PORT with a numeric address "
				"(127.0.0.1:8428, [::1]:8428, 0.0.0.0:8428)",
				h->listen);
		return;
	}
	if (!h->loopback && h->token_file == NULL && !h->allow_anonymous)
		config_error_at(ps, h->at.file, h->at.line,
				"listen = %s is not a loopback address: set token_file (a bearer "
				"token every request must carry) or allow_anonymous = yes",
				h->listen);
}
