/*
 * daemon/pdf_child: a PDF's text, read by analyze/pdf in a child process
 * with rlimits and a wall-clock deadline, driven by the loop (never
 * blocking it). Used by `speechwatch extract` and, later, the article path.
 */
#ifndef SW_PDF_CHILD_H
#define SW_PDF_CHILD_H

#include <stddef.h>

struct ev_loop;
struct pdf_child;

#define PDF_CHILD_TIMEOUT 20.0	      /* seconds of wall clock before SIGKILL */
#define PDF_CHILD_CPU 15	      /* seconds of CPU (RLIMIT_CPU) */
#define PDF_CHILD_MEMORY (512u << 20) /* bytes of address space (RLIMIT_AS) */
#define PDF_CHILD_OUTPUT (12u << 20)  /* bytes of answer read at most */

/* What the child read; every pointer borrowed for the callback's duration. */
struct pdf_result {
	const char *title; /* the document's Title, or NULL */
	const char *date;  /* its creation (else modification) date, ISO 8601, or NULL */
	const char *text;  /* paragraphs separated by "\n\n"; "" for a scan */
	size_t pages, pages_read;
	int truncated; /* the text was cut at analyze/pdf's cap */
};

/*
 * Called once when the child is done: res on success (error NULL), or
 * error ("pdf: killed after 20 s", "pdf: memory limit (512 MiB) reached",
 * "pdf: not a PDF: no %PDF- signature", ...) with res NULL. The job frees
 * itself after the callback returns.
 */
typedef void pdf_child_done_fn(void *arg, const struct pdf_result *res, const char *error);

/*
 * Starts reading the PDF data[0..len) (copied; the caller keeps it) in a
 * child process: the running binary (/proc/self/exe) with the hidden
 * command `pdf-child`. loop must be the default loop (ev_child). Returns
 * the job, or NULL with err filled when no child could be started (done
 * is then never called).
 */
struct pdf_child *pdf_child_start(struct ev_loop *loop, const char *data, size_t len,
				  pdf_child_done_fn *done, void *arg, char *err, size_t errlen);

/*
 * Stops a job before its callback: kills and reaps the child, stops the
 * watchers, frees the job; done is not called. NULL-safe.
 */
void pdf_child_cancel(struct pdf_child *c);

/*
 * The hidden command's body, in the child: the PDF on stdin, the answer as
 * one JSON object on stdout. Returns the exit status (0 read, 3 refused
 * with {"error": ...}).
 */
int pdf_child_main(void);

#endif
