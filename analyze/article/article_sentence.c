/*
 * The first and the last sentence of an article's text, for a person
 * checking what was extracted (`preview --articles`): did the text start
 * where the statement starts and end where it ends, without a menu before
 * or a footer after?
 */
#include <string.h>

#include "analyze/article/article.h"
#include "analyze/article/article_int.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_space(const char *s, size_t i, size_t n)
{
	while (i < n && is_space(s[i]))
		i++;
	return i;
}

/*
 * "Mr." "Dr." "Mme" "J." before a full stop: a title or an initial, not a
 * sentence's end. A short name is no title: "President Xi. Does ..." ends
 * a sentence.
 */
static int abbreviation(const char *s, size_t start, size_t dot)
{
	static const char *const titles[] = {"Mr",   "Mrs", "Ms",  "Dr", "St",	"Jr",  "Sr",
					     "Prof", "Gen", "Col", "Lt", "Rev", "Hon", "Mme",
					     "Mlle", "Sra", "Art", "Nr", "Vol"};
	size_t b = dot;

	if (s[dot] != '.')
		return 0;
	while (b > start &&
	       ((s[b - 1] >= 'a' && s[b - 1] <= 'z') || (s[b - 1] >= 'A' && s[b - 1] <= 'Z')))
		b--;
	if (b > start && !is_space(s[b - 1]) && s[b - 1] != '.') /* "U.S." */
		return 0;
	if (dot - b == 1)
		return s[b] >= 'A' && s[b] <= 'Z'; /* an initial */
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strlen(titles[i]) == dot - b && memcmp(s + b, titles[i], dot - b) == 0)
			return 1;
	return 0;
}

/* "Il a dit : « Oui. » Puis…": a spaced closing quote still belongs to its sentence. */
static int closer_at(const char *s)
{
	static const char *const closers[] = {"»", "”", "’", ")", "]", "」", "』", "）"};

	for (size_t i = 0; i < sizeof(closers) / sizeof(closers[0]); i++)
		if (strncmp(s, closers[i], strlen(closers[i])) == 0)
			return 1;
	return 0;
}

/* Does a sentence that began at start end before s[i]? */
static int boundary(const char *s, size_t start, size_t i, size_t n)
{
	size_t next;

	if (i == n || s[i] == '\n')
		return 1;
	if (i == start || ((unsigned char)s[i] & 0xC0) == 0x80)
		return 0;
	/* after a CJK stop or closer, a sentence needs no space to end */
	if (!is_space(s[i]) && (unsigned char)s[i - 1] < 0x80)
		return 0;
	if (!art_ends_sentence(s + start, i - start) || abbreviation(s, start, i - 1))
		return 0;
	next = skip_space(s, i, n);
	return next == n || (!(s[next] >= 'a' && s[next] <= 'z') && !closer_at(s + next));
}

int article_sentences(const char *text, const char **first, size_t *first_len, const char **last,
		      size_t *last_len)
{
	size_t n = strlen(text), start = skip_space(text, 0, n), i = start, end;
	int found = 0;

	while (start < n) {
		if (!boundary(text, start, i, n)) {
			i++;
			continue;
		}
		for (end = i; end > start && is_space(text[end - 1]); end--)
			;
		if (!found) {
			*first = text + start;
			*first_len = end - start;
			found = 1;
		}
		*last = text + start;
		*last_len = end - start;
		start = i = skip_space(text, i, n);
	}
	return found ? 0 : -1;
}
