/*
 * daemon/store_jobs: a FIFO of jobs, one worker thread when threaded, and
 * an ev_async that brings finished jobs back to the loop (store_jobs.h).
 * Two lists under one mutex: `todo` (submitted, not started) and `finished`
 * (work ran, done not called yet). The loop only ever calls done.
 */
#include "daemon/store_jobs.h"

#include <ev.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "daemon/store.h"
#include "common/xmalloc.h"

struct job {
	store_job_work_fn *work;
	store_job_done_fn *done;
	void *arg;
	struct job *next;
};

struct job_list {
	struct job *head, *tail;
};

struct store_jobs {
	struct ev_loop *loop;
	struct store *st;
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	struct job_list todo, finished;
	int quit;
	size_t pending; /* submitted, done not called (loop side only) */
	int holding;	/* the loop counts back as active while jobs are pending */
	ev_async back;
};

static void list_push(struct job_list *l, struct job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static struct job *list_take_all(struct job_list *l)
{
	struct job *all = l->head;

	l->head = l->tail = NULL;
	return all;
}

static struct job *list_pop(struct job_list *l)
{
	struct job *j = l->head;

	if (j != NULL && (l->head = j->next) == NULL)
		l->tail = NULL;
	return j;
}

/*
 * The store thread: takes jobs in order until told to quit. quit 1 leaves
 * the jobs not started (freeing); quit 2 runs them all first (stopping).
 */
static void *worker(void *arg)
{
	struct store_jobs *q = arg;
	struct job *j;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->todo.head == NULL && !q->quit)
			pthread_cond_wait(&q->wake, &q->mu);
		if (q->quit == 1 || (q->todo.head == NULL && q->quit == 2))
			break;
		j = list_pop(&q->todo);
		pthread_mutex_unlock(&q->mu);
		j->work(q->st, j->arg);
		pthread_mutex_lock(&q->mu);
		list_push(&q->finished, j);
		ev_async_send(q->loop, &q->back);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int store_jobs_start_thread(struct store_jobs *q, char *err, size_t errlen)
{
	int rc;

	if (q->threaded)
		return 0;
	pthread_mutex_lock(&q->mu); /* the thread takes no job before the store is bound to it */
	q->quit = 0;
	rc = pthread_create(&q->thread, NULL, worker, q);
	if (rc == 0) {
		store_bind_thread(q->st,
				  q->thread); /* a use from the loop now aborts: it would race */
		q->threaded = 1;
	}
	pthread_mutex_unlock(&q->mu);
	if (rc != 0)
		err_set(err, errlen, "cannot start the store thread: %s", strerror(rc));
	return rc == 0 ? 0 : -1;
}

/* Ends the thread: quit 1 leaves the jobs not started in todo, quit 2 runs them first. */
static void join_thread(struct store_jobs *q, int quit)
{
	if (!q->threaded)
		return;
	pthread_mutex_lock(&q->mu);
	q->quit = quit;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL); /* the job running now ends first */
	store_unbind_thread(q->st);
	q->threaded = 0;
}

/*
 * The loop keeps running while a job is out (a `once` run ends when nothing
 * is left to wait for), and not for the idle watcher alone.
 */
static void hold_loop(struct store_jobs *q)
{
	if (q->pending > 0 && !q->holding) {
		ev_ref(q->loop);
		q->holding = 1;
	} else if (q->pending == 0 && q->holding) {
		ev_unref(q->loop);
		q->holding = 0;
	}
}

/* Calls done for every job in the chain (cancelled or not) and frees it. */
static size_t tell(struct job *j, int cancelled)
{
	size_t n = 0;

	while (j != NULL) {
		struct job *next = j->next;

		if (j->done)
			j->done(j->arg, cancelled);
		free(j);
		j = next;
		n++;
	}
	return n;
}

static void on_back(struct ev_loop *loop, ev_async *w, int revents)
{
	struct store_jobs *q = w->data;
	struct job *done;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&q->mu);
	done = list_take_all(&q->finished);
	pthread_mutex_unlock(&q->mu);
	q->pending -= tell(done, 0);
	hold_loop(q);
}

struct store_jobs *store_jobs_new(struct ev_loop *loop, struct store *st, int threaded, char *err,
				  size_t errlen)
{
	struct store_jobs *q = xcalloc(1, sizeof(*q));

	q->loop = loop;
	q->st = st;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->wake, NULL);
	ev_async_init(&q->back, on_back);
	q->back.data = q;
	ev_async_start(loop, &q->back);
	ev_unref(loop); /* waiting for nothing must not keep the loop running */
	if (threaded && store_jobs_start_thread(q, err, errlen) < 0) {
		ev_ref(loop);
		ev_async_stop(loop, &q->back);
		pthread_cond_destroy(&q->wake);
		pthread_mutex_destroy(&q->mu);
		free(q);
		return NULL;
	}
	return q;
}

void store_jobs_stop_thread(struct store_jobs *q)
{
	struct job *finished;

	join_thread(q, 2);
	pthread_mutex_lock(&q->mu);
	finished = list_take_all(&q->finished);
	pthread_mutex_unlock(&q->mu);
	q->pending -= tell(finished, 0);
	hold_loop(q);
}

void store_jobs_submit(struct store_jobs *q, store_job_work_fn *work, store_job_done_fn *done,
		       void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->work = work;
	j->done = done;
	j->arg = arg;
	q->pending++;
	hold_loop(q);
	if (!q->threaded) {
		work(q->st, arg);
		pthread_mutex_lock(&q->mu);
		list_push(&q->finished, j);
		pthread_mutex_unlock(&q->mu);
		ev_async_send(q->loop, &q->back);
		return;
	}
	pthread_mutex_lock(&q->mu);
	list_push(&q->todo, j);
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->mu);
}

size_t store_jobs_pending(const struct store_jobs *q)
{
	return q->pending;
}

void store_jobs_free(struct store_jobs *q)
{
	struct job *never, *finished;

	if (q == NULL)
		return;
	join_thread(q, 1);
	pthread_mutex_lock(&q->mu);
	never = list_take_all(&q->todo);
	finished = list_take_all(&q->finished);
	pthread_mutex_unlock(&q->mu);
	tell(finished, 0);
	tell(never, 1);
	if (!q->holding)
		ev_ref(q->loop); /* undoes the unref of store_jobs_new */
	ev_async_stop(q->loop, &q->back);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
