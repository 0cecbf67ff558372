/* SPDX-License-Identifier: MIT */
#include "sink.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int sink_fd(const struct sink *s)
{
	return (int)(intptr_t)s->ctx;
}

static int fd_pwrite(struct sink *s, const void *buf, size_t len, uint64_t off)
{
	if (off > INT64_MAX - len)
		return -EFBIG;
	return pwrite_all(sink_fd(s), buf, len, (off_t)off);
}

static int fd_sync(struct sink *s)
{
	struct stat st;
	int fd = sink_fd(s);

	if (fsync(fd) == 0)
		return 0;
	/* A pipe or a character device has nothing to make durable. */
	if ((errno == EINVAL || errno == EROFS) && !fstat(fd, &st) &&
	    !S_ISREG(st.st_mode))
		return 0;
	return -errno;
}

void sink_fd_init(struct sink *s, int fd)
{
	s->pwrite = fd_pwrite;
	s->sync = fd_sync;
	s->ctx = (void *)(intptr_t)fd;
	s->positioned = true;
}
