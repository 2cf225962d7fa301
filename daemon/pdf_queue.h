/*
 * daemon/pdf_queue: the PDF readings of the whole daemon, at most
 * PDF_QUEUE_MAX child processes at once (each may take PDF_CHILD_MEMORY);
 * the others wait in order. A source whose list links twenty PDFs does
 * not start twenty Poppler children.
 */
#ifndef SW_PDF_QUEUE_H
#define SW_PDF_QUEUE_H

#include <stddef.h>

#include "daemon/pdf_child.h"

#define PDF_QUEUE_MAX 2 /* children reading at once */

struct ev_loop;
struct pdf_queue;
struct pdf_task;

/* An empty queue on loop (the default loop: ev_child). */
struct pdf_queue *pdf_queue_new(struct ev_loop *loop);

/* Cancels every task (done not called) and frees q. NULL-safe. */
void pdf_queue_free(struct pdf_queue *q);

/*
 * Reads data[0..len) — borrowed: the caller keeps it until done runs or
 * the task is cancelled — now or when a child is free. done is called
 * exactly once, always from the loop (never from inside this call), with
 * the result or an error (a child that cannot start is one); the task is
 * gone after it returns. Never NULL.
 */
struct pdf_task *pdf_queue_start(struct pdf_queue *q, const char *data, size_t len,
				 pdf_child_done_fn *done, void *arg);

/* Stops a task that has not finished: done is not called. NULL-safe. */
void pdf_queue_cancel(struct pdf_task *t);

/* Tasks reading and waiting (status, tests). */
size_t pdf_queue_running(const struct pdf_queue *q);
size_t pdf_queue_waiting(const struct pdf_queue *q);

#endif
