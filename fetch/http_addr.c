/*
 * fetch/http_addr: the SSRF address policy as pure functions (no I/O, no
 * curl), so the table of ranges can be tested on its own.
 */
#include "fetch/http_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* One IPv4 range: network address (host order) and prefix length. */
struct v4_range {
	uint32_t net;
	int bits;
};

static const struct v4_range v4_refused[] = {
    {0x00000000, 8},  /* 0/8 "this network" */
    {0x0a000000, 8},  /* 10/8 private */
    {0x64400000, 10}, /* 100.64/10 carrier-grade NAT */
    {0x7f000000, 8},  /* 127/8 loopback */
    {0xa9fe0000, 16}, /* 169.254/16 link-local, cloud metadata */
    {0xac100000, 12}, /* 172.16/12 private */
    {0xc0000000, 24}, /* 192.0.0/24 IETF protocol assignments */
    {0xc0a80000, 16}, /* 192.168/16 private */
    {0xc6120000, 15}, /* 198.18/15 benchmarking, used inside networks */
    {0xe0000000, 4},  /* 224/4 multicast */
    {0xf0000000, 4},  /* 240/4 reserved and broadcast */
};

static int v4_in(uint32_t a, const struct v4_range *r)
{
	uint32_t mask = r->bits ? ~(uint32_t)0 << (32 - r->bits) : 0;

	return (a & mask) == r->net;
}

int http_addr_v4_is_private(uint32_t host_order)
{
	for (size_t i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++)
		if (v4_in(host_order, &v4_refused[i]))
			return 1;
	return 0;
}

static uint32_t v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * Forms that carry an IPv4 address the packet may end up at: IPv4-mapped,
 * SIIT's IPv4-translated ::ffff:0:0/96 (RFC 6145), the well-known NAT64
 * prefix 64:ff9b::/96 (RFC 6052) and 6to4. A public IPv4 address inside
 * them is as public as the address itself.
 */
static int v6_embeds_v4(const uint8_t *a, uint32_t *v4)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t siit[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, siit, 12) == 0 || memcmp(a, nat64, 12) == 0) {
		*v4 = v4_at(a + 12);
		return 1;
	}
	if (a[0] == 0x20 && a[1] == 0x02) { /* 2002::/16 6to4 */
		*v4 = v4_at(a + 2);
		return 1;
	}
	return 0;
}

/*
 * Ranges inside global unicast 2000::/3 that are no destination on the
 * public Internet, refused whole: prefix bytes and length.
 */
struct v6_range {
	uint8_t net[6];
	int bits;
};

static const struct v6_range v6_refused[] = {
    {{0x20, 0x01, 0x00, 0x00}, 32},	  /* 2001::/32 Teredo: the client IPv4 is obfuscated */
    {{0x20, 0x01, 0x00, 0x02, 0, 0}, 48}, /* 2001:2::/48 benchmarking */
    {{0x20, 0x01, 0x00, 0x10}, 28},	  /* 2001:10::/28 ORCHID */
    {{0x20, 0x01, 0x00, 0x20}, 28},	  /* 2001:20::/28 ORCHIDv2 */
    {{0x20, 0x01, 0x0d, 0xb8}, 32},	  /* 2001:db8::/32 documentation */
    {{0x3f, 0xff, 0x00, 0x00}, 20},	  /* 3fff::/20 documentation (RFC 9637) */
};

static int v6_in(const uint8_t *a, const struct v6_range *r)
{
	int full = r->bits / 8, rest = r->bits % 8;

	if (memcmp(a, r->net, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ r->net[full]) & (0xff << (8 - rest))) == 0;
}

/*
 * Outside the embedding forms only global unicast 2000::/3 is public:
 * this refuses unique local fc00::/7, link-local fe80::/10, site-local,
 * multicast ff00::/8, discard-only 100::/64 and the rest of 64:ff9b::/32,
 * whose local-use NAT64 prefixes (64:ff9b:1::/48, RFC 8215) translate
 * inside the operator's network at an embedding we cannot know.
 */
int http_addr_v6_is_private(const uint8_t a[16])
{
	uint32_t v4;

	if (all_zero(a, 12)) /* ::, ::1 and deprecated IPv4-compatible ::/96 */
		return 1;
	if (v6_embeds_v4(a, &v4))
		return http_addr_v4_is_private(v4);
	if ((a[0] & 0xe0) != 0x20)
		return 1;
	for (size_t i = 0; i < sizeof(v6_refused) / sizeof(v6_refused[0]); i++)
		if (v6_in(a, &v6_refused[i]))
			return 1;
	return 0;
}

int http_addr_is_private(const struct sockaddr *sa, size_t len)
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;

	if (sa == NULL)
		return 1;
	if (sa->sa_family == AF_INET && len >= sizeof(in4)) {
		memcpy(&in4, sa, sizeof(in4));
		return http_addr_v4_is_private(ntohl(in4.sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(in6)) {
		memcpy(&in6, sa, sizeof(in6));
		return http_addr_v6_is_private(in6.sin6_addr.s6_addr);
	}
	return 1; /* unknown family or short address: refuse */
}

int http_addr_parse(const char *ip, struct sockaddr_storage *ss, size_t *len)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};

	memset(ss, 0, sizeof(*ss));
	if (ip == NULL)
		return -1;
	if (inet_pton(AF_INET, ip, &in4.sin_addr) == 1) {
		memcpy(ss, &in4, sizeof(in4));
		*len = sizeof(in4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &in6.sin6_addr) == 1) {
		memcpy(ss, &in6, sizeof(in6));
		*len = sizeof(in6);
		return 0;
	}
	return -1;
}

int http_addr_str_is_private(const char *ip)
{
	struct sockaddr_storage ss;
	size_t len;

	if (http_addr_parse(ip, &ss, &len) < 0)
		return 1;
	return http_addr_is_private((const struct sockaddr *)&ss, len);
}

const char *http_addr_format(const struct sockaddr *sa, size_t len, char *out, size_t outlen)
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	const char *s = NULL;

	if (sa && sa->sa_family == AF_INET && len >= sizeof(in4)) {
		memcpy(&in4, sa, sizeof(in4));
		s = inet_ntop(AF_INET, &in4.sin_addr, out, (socklen_t)outlen);
	} else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(in6)) {
		memcpy(&in6, sa, sizeof(in6));
		s = inet_ntop(AF_INET6, &in6.sin6_addr, out, (socklen_t)outlen);
	}
	if (s == NULL)
		snprintf(out, outlen, "(unknown address)");
	return out;
}
