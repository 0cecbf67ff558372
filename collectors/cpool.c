/* SPDX-License-Identifier: MIT */
/*
 * Workers for the kdump-compressed writer: see cpool.h. Batches live in
 * a ring of slots numbered by submission: the writer fills slot head,
 * workers take them in order and may finish out of order, the writer
 * gets them back in order (tail).
 */
#include "cpool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "dumpw.h"
#include "util.h"

enum cpage cpool_page(void *cctx, bool compress, const uint8_t *page, size_t bs,
		      uint8_t *out, size_t cap, uint32_t *size)
{
	size_t n;

	*size = (uint32_t)bs;
	if (page_is_zero(page, bs))
		return CPAGE_ZERO;
	if (!compress)
		return CPAGE_RAW;
	n = ZSTD_compress2(cctx, out, cap, page, bs);
	if (ZSTD_isError(n) || n >= bs)
		return CPAGE_RAW;
	*size = (uint32_t)n;
	return CPAGE_ZSTD;
}

/* Read the batch's pages, one pread() per run of adjacent file data. */
static void read_batch(struct cpool *p, struct cbatch *b)
{
	unsigned int i = 0;

	while (i < b->n) {
		uint64_t off, next;
		unsigned int k = i + 1;
		int err;

		if (!vmcore_pfn_offset(p->vc, b->pfn[i], &off)) {
			b->what[i] = CPAGE_ERROR;
			b->err[i++] = -ENOENT;
			continue;
		}
		while (k < b->n && vmcore_pfn_offset(p->vc, b->pfn[k], &next) &&
		       next == off + (k - i) * p->bs)
			k++;
		err = pread_all(p->vc->fd, b->in + i * p->bs, (k - i) * p->bs,
				(off_t)off);
		for (; i < k; i++) {
			b->what[i] = err ? CPAGE_ERROR : CPAGE_RAW;
			b->err[i] = err;
		}
	}
}

static void work_batch(struct cpool *p, void *cctx, struct cbatch *b)
{
	read_batch(p, b);
	for (unsigned int i = 0; i < b->n; i++)
		if (b->what[i] != CPAGE_ERROR)
			b->what[i] = (uint8_t)cpool_page(
				cctx, p->compress, b->in + i * p->bs, p->bs,
				b->out + i * p->cbound, p->cbound, &b->size[i]);
}

struct worker_arg {
	struct cpool *p;
	void *cctx;
};

static void *worker(void *arg)
{
	struct worker_arg a = *(struct worker_arg *)arg;
	struct cpool *p = a.p;

	free(arg);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		uint64_t s;

		while (!p->stop && p->take == p->head)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		s = p->take++;
		pthread_mutex_unlock(&p->lock);
		work_batch(p, a.cctx, &p->slots[s % p->nslots]);
		pthread_mutex_lock(&p->lock);
		p->finished[s % p->nslots] = 1;
		pthread_cond_broadcast(&p->ready);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int start_workers(struct cpool *p)
{
	for (unsigned int i = 0; i < p->nthreads; i++) {
		struct worker_arg *a = malloc(sizeof(*a));
		int err;

		if (!a)
			return -ENOMEM;
		*a = (struct worker_arg){p, p->cctx[i]};
		err = pthread_create(&p->tids[i], NULL, worker, a);
		if (err) {
			free(a);
			return -err;
		}
		p->started++;
	}
	return 0;
}

static int alloc_all(struct cpool *p, int level)
{
	p->nslots = p->nthreads * CPOOL_SLOTS_PER_THREAD;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->finished = calloc(p->nslots, 1);
	p->tids = calloc(p->nthreads, sizeof(*p->tids));
	p->cctx = calloc(p->nthreads, sizeof(*p->cctx));
	if (!p->slots || !p->finished || !p->tids || !p->cctx)
		return -ENOMEM;
	for (unsigned int i = 0; i < p->nslots; i++) {
		p->slots[i].in = malloc(CPOOL_BATCH * p->bs);
		p->slots[i].out = malloc(CPOOL_BATCH * p->cbound);
		if (!p->slots[i].in || !p->slots[i].out)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < p->nthreads; i++) {
		p->cctx[i] = ZSTD_createCCtx();
		if (!p->cctx[i])
			return -ENOMEM;
		ZSTD_CCtx_setParameter(p->cctx[i], ZSTD_c_compressionLevel,
				       level);
	}
	return 0;
}

int cpool_start(struct cpool *p, const struct vmcore *vc, unsigned int threads,
		bool compress, int level)
{
	int err;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->ready, NULL);
	p->vc = vc;
	p->nthreads = threads < CPOOL_MAX_THREADS ? threads : CPOOL_MAX_THREADS;
	p->compress = compress;
	p->bs = vc->page_size;
	p->cbound = ZSTD_compressBound(p->bs);
	err = alloc_all(p, level);
	if (!err)
		err = start_workers(p);
	return err;
}

void cpool_stop(struct cpool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->started; i++)
		pthread_join(p->tids[i], NULL);
	for (unsigned int i = 0; p->slots && i < p->nslots; i++) {
		free(p->slots[i].in);
		free(p->slots[i].out);
	}
	for (unsigned int i = 0; p->cctx && i < p->nthreads; i++)
		ZSTD_freeCCtx(p->cctx[i]);
	free(p->cctx);
	free(p->tids);
	free(p->slots);
	free(p->finished);
	pthread_cond_destroy(&p->ready);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	memset(p, 0, sizeof(*p));
}

struct cbatch *cpool_fill(struct cpool *p)
{
	struct cbatch *b;

	if (p->head - p->tail >= p->nslots)
		return NULL;
	b = &p->slots[p->head % p->nslots];
	if (!p->filling)
		b->n = 0;
	p->filling = true;
	return b;
}

bool cpool_add(struct cbatch *b, uint64_t idx, uint64_t pfn)
{
	b->idx[b->n] = idx;
	b->pfn[b->n] = pfn;
	return ++b->n == CPOOL_BATCH;
}

void cpool_submit(struct cpool *p)
{
	if (!p->filling)
		return;
	p->filling = false;
	pthread_mutex_lock(&p->lock);
	p->head++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

bool cpool_pending(const struct cpool *p)
{
	return p->tail != p->head;
}

struct cbatch *cpool_next(struct cpool *p)
{
	unsigned int s = (unsigned int)(p->tail % p->nslots);

	if (p->tail == p->head)
		return NULL;
	pthread_mutex_lock(&p->lock);
	while (!p->finished[s])
		pthread_cond_wait(&p->ready, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return &p->slots[s];
}

void cpool_release(struct cpool *p)
{
	pthread_mutex_lock(&p->lock);
	p->finished[p->tail % p->nslots] = 0;
	p->tail++;
	pthread_mutex_unlock(&p->lock);
}
