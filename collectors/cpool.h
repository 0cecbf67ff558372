/* SPDX-License-Identifier: MIT */
/*
 * Page reading and compression on worker threads, for the kdump-
 * compressed writer when it is given more than one thread.
 *
 * The writer hands over batches of kept pfns in pfn order and takes them
 * back, read, zero-tested and compressed, in the same order. Every page
 * is its own zstd frame, made with the same level whichever thread makes
 * it, so the dump is the same byte for byte for any thread count
 * (tests/dump-formats.test checks). The writer thread keeps filtering
 * and writing; the per-page work (read, zero test, compression) is
 * spread over the workers. Memory: CPOOL_SLOTS_PER_THREAD batches per
 * worker, each CPOOL_BATCH pages in and their frames out, and one zstd
 * context per worker.
 */
#ifndef KDI_CPOOL_H
#define KDI_CPOOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcore.h"

#define CPOOL_BATCH 64
#define CPOOL_SLOTS_PER_THREAD 3
#define CPOOL_MAX_THREADS 64

/* What became of a page. */
enum cpage { CPAGE_ZERO, CPAGE_RAW, CPAGE_ZSTD, CPAGE_ERROR };

struct cbatch {
	unsigned int n;
	uint64_t idx[CPOOL_BATCH]; /* caller's tag: index in its window */
	uint64_t pfn[CPOOL_BATCH];
	/* results */
	uint8_t what[CPOOL_BATCH];  /* enum cpage */
	uint32_t size[CPOOL_BATCH]; /* bytes to store */
	int err[CPOOL_BATCH];	    /* CPAGE_ERROR: -errno */
	uint8_t *in, *out;	    /* CPOOL_BATCH pages, frames */
};

struct cpool {
	const struct vmcore *vc;
	unsigned int nthreads;
	size_t bs, cbound;
	bool compress; /* false: pages are stored raw */
	struct cbatch *slots;
	unsigned int nslots;
	uint64_t head;	   /* batches submitted */
	uint64_t take;	   /* batches taken by a worker */
	uint64_t tail;	   /* batches given back to the writer */
	uint8_t *finished; /* per slot: done, not yet given back */
	bool filling, stop;
	pthread_mutex_t lock;
	pthread_cond_t work, ready;
	pthread_t *tids;
	unsigned int started; /* tids[0..started) to join */
	void **cctx;	      /* one ZSTD_CCtx per worker */
};

/*
 * What to store for a page of @bs bytes that was read: CPAGE_ZERO (the
 * shared zero page), CPAGE_ZSTD (a frame of *@size bytes made in @out,
 * @cap bytes, with @cctx) or CPAGE_RAW (the page, *@size = @bs: it does
 * not shrink, or !@compress). The writer's own thread decides with it
 * too, so a dump is the same on any number of threads.
 */
enum cpage cpool_page(void *cctx, bool compress, const uint8_t *page, size_t bs,
		      uint8_t *out, size_t cap, uint32_t *size);

/*
 * Start @threads (2..CPOOL_MAX_THREADS) workers reading pages of @vc
 * and compressing them at zstd @level, or storing them raw when
 * !@compress. @return 0 or -errno.
 */
int cpool_start(struct cpool *p, const struct vmcore *vc, unsigned int threads,
		bool compress, int level);

/* Stop and join the workers, free everything. Safe after a failed start
 * and with batches outstanding. */
void cpool_stop(struct cpool *p);

/* The batch to add pfns to; NULL when every slot is busy: take one back
 * with cpool_next() first. */
struct cbatch *cpool_fill(struct cpool *p);

/* Add kept pfn @pfn (tag @idx). @return true when the batch is full. */
bool cpool_add(struct cbatch *b, uint64_t idx, uint64_t pfn);

/* Hand the batch being filled, if any, to the workers. */
void cpool_submit(struct cpool *p);

/* Whether a submitted batch is not yet given back. */
bool cpool_pending(const struct cpool *p);

/* The oldest submitted batch, once done (waits for it), or NULL when
 * none is outstanding. Give it back with cpool_release(). */
struct cbatch *cpool_next(struct cpool *p);
void cpool_release(struct cpool *p);

#endif
