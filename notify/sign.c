/*
 * notify/sign: Standard Webhooks signatures. The secret is "whsec_" +
 * base64 of the key; the signature is "v1," + base64(HMAC-SHA256(key,
 * "id.timestamp.body")) over the body bytes exactly as sent.
 */
#include "notify/notify_int.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define SECRET_PREFIX "whsec_"

static int sign_is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

static int sign_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Checks s[0..n) is standard base64 with optional "=" padding; returns the
 * number of data characters (before any "="), or -1.
 */
static long sign_b64_check(const char *s, size_t n)
{
	size_t data = 0, pad;

	while (data < n && sign_is_b64((unsigned char)s[data]))
		data++;
	for (pad = data; pad < n && s[pad] == '='; pad++)
		;
	if (pad != n || n - data > 2 || data % 4 == 1 || data == 0)
		return -1;
	/* With padding present, it must complete the last quantum exactly. */
	if (n > data && n % 4 != 0)
		return -1;
	return (long)data;
}

int notify_secret_decode(const char *secret, unsigned char *key, size_t keymax, char *err,
			 size_t errlen)
{
	const char *s = secret;
	size_t n, data, quanta, keylen;
	unsigned char *in, *out;
	long checked;
	int rc = -1;

	if (s == NULL) {
		snprintf(err, errlen, "no secret");
		return -1;
	}
	while (sign_is_space((unsigned char)*s))
		s++;
	if (strncmp(s, SECRET_PREFIX, strlen(SECRET_PREFIX)) == 0)
		s += strlen(SECRET_PREFIX);
	n = strlen(s);
	while (n > 0 && sign_is_space((unsigned char)s[n - 1]))
		n--;
	checked = n <= 4 * NOTIFY_KEY_MAX ? sign_b64_check(s, n) : -1;
	if (checked < 0) {
		snprintf(err, errlen, "secret is not valid base64 after \"whsec_\"");
		return -1;
	}
	data = (size_t)checked;
	quanta = (data + 3) / 4;
	keylen = data / 4 * 3 + (data % 4 ? data % 4 - 1 : 0);
	/* EVP_DecodeBlock wants whole quanta; add the padding a secret may omit. */
	in = xmalloc(quanta * 4);
	out = xmalloc(quanta * 3);
	memcpy(in, s, data);
	memset(in + data, '=', quanta * 4 - data);
	if (EVP_DecodeBlock(out, in, (int)(quanta * 4)) != (int)(quanta * 3)) {
		snprintf(err, errlen, "secret is not valid base64 after \"whsec_\"");
	} else if (keylen < NOTIFY_KEY_MIN || keylen > keymax) {
		snprintf(err, errlen, "secret key is %zu bytes; %d to %zu are accepted", keylen,
			 NOTIFY_KEY_MIN, keymax);
	} else {
		memcpy(key, out, keylen);
		rc = (int)keylen;
	}
	OPENSSL_cleanse(in, quanta * 4);
	OPENSSL_cleanse(out, quanta * 3);
	free(in);
	free(out);
	return rc;
}

int notify_sign_key(const unsigned char *key, size_t keylen, const char *id, long timestamp,
		    const char *body, size_t len, char *out, size_t outlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	struct buf msg;
	int rc = -1;

	if (outlen > 0)
		out[0] = '\0';
	if (outlen < NOTIFY_SIGNATURE_MAX || keylen > INT_MAX)
		return -1;
	buf_init(&msg);
	buf_printf(&msg, "%s.%ld.", id, timestamp);
	buf_append(&msg, body, len);
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg.data, msg.len, mac,
		 &maclen) != NULL &&
	    maclen == 32) {
		memcpy(out, "v1,", 3);
		EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)maclen);
		rc = 0;
	}
	buf_free(&msg);
	return rc;
}

int notify_sign(const char *secret, const char *id, long timestamp, const char *body, size_t len,
		char *out, size_t outlen)
{
	unsigned char key[NOTIFY_KEY_MAX];
	char err[128];
	int keylen, rc;

	if (outlen > 0)
		out[0] = '\0';
	if (id == NULL || (body == NULL && len > 0))
		return -1;
	keylen = notify_secret_decode(secret, key, sizeof(key), err, sizeof(err));
	if (keylen < 0)
		return -1;
	rc =
	    notify_sign_key(key, (size_t)keylen, id, timestamp, body ? body : "", len, out, outlen);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}
