/*
 * daemon/web/webtext: network text (titles, statement texts, evidence)
 * made fit for a format that must not carry some of it: valid UTF-8 for
 * JSON, and for XML also without the characters XML 1.0 forbids.
 */
#ifndef SW_WEB_WEBTEXT_H
#define SW_WEB_WEBTEXT_H

enum webtext_flags {
	WEBTEXT_XML = 1, /* also drop what XML 1.0 forbids (C0 but TAB LF CR, U+FFFE, U+FFFF) */
};

/*
 * s with every byte that is not part of valid UTF-8 (overlong forms and
 * surrogates included) replaced by U+FFFD, and with WEBTEXT_XML the
 * characters XML cannot hold dropped. NULL gives NULL. Caller frees.
 */
char *webtext_clean(const char *s, int flags);

#endif
