/* SPDX-License-Identifier: MIT */
/*
 * An NFS export as the target, spoken to by libnfs in userspace: no
 * sunrpc or nfs module, no mount, and so nothing a dead server can hang
 * in the kernel. Every call has io_timeout; a server that goes away is
 * retried for retry_window, after which the call fails and the file
 * stays -incomplete with what arrived.
 *
 * A reconnect is a new context, a new mount and the open file opened
 * again by name: positioned writes make "continue where it stopped" the
 * same as "retry the write that failed".
 *
 * WRITEs are sent unstable: the server may hold them in memory until a
 * COMMIT, and a server that reboots loses them without a word (libnfs
 * does not compare write verifiers). So the bytes written since the last
 * COMMIT are kept (at most NFS_REPLAY_MAX, then a COMMIT empties them),
 * and after a reconnect they are sent again before anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/time.h> /* before libnfs.h, which needs struct timeval */
#include <time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

#include "transport.h"
#include "util.h"

/* libnfs's version numbers (NFS_V3, NFS_V4 are in its raw headers). */
#define KDI_NFS_V3 3
#define KDI_NFS_V4 4

/* Uncommitted bytes kept for a replay; a COMMIT every this many. */
#define NFS_REPLAY_MAX (4u << 20)
#define NFS_REPLAY_RECS 256

struct nfs_replay {
	uint64_t off[NFS_REPLAY_RECS];
	uint32_t len[NFS_REPLAY_RECS];
	unsigned int n;
	size_t used;
	unsigned char *data; /* NFS_REPLAY_MAX bytes, the records in order */
};

struct nfs {
	struct nfs_context *ctx;
	struct nfsfh *fh;
	char file[PATH_MAX]; /* the open file, to open it again */
	char dir[PATH_MAX];  /* the dump directory, from the export's root */
	uint64_t wmax;	     /* the server's largest WRITE */
	bool gone; /* retry_window ran out: fail at once from now on */
	struct nfs_replay rp;
	struct target *t;
};

/* Errors that a new connection does not cure. */
static bool nfs_err_final(int err)
{
	switch (err) {
	case -ENOSPC:
	case -EDQUOT:
	case -EROFS:
	case -EACCES:
	case -EPERM:
	case -EFBIG:
	case -EEXIST:
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:
	case -EINVAL:
	case -ENOMEM:
		return true;
	}
	return false;
}

/* What the user can do about @err on path @what. */
static void nfs_explain(struct nfs *n, const char *op, const char *what,
			int err)
{
	const struct target_conf *c = n->t->conf;
	const char *hint = "";

	switch (err) {
	case -EACCES:
	case -EPERM:
		hint = " (root is squashed on this export? export it with "
		       "no_root_squash for this client, or make the "
		       "directory writable for the squashed user)";
		break;
	case -EROFS:
		hint = " (the export is read-only: export it rw)";
		break;
	case -ENOSPC:
	case -EDQUOT:
		hint = " (the server's filesystem is full)";
		break;
	}
	msg("nfs %s:%s: cannot %s %s: %s%s%s%s", c->nfs.server, c->nfs.export,
	    op, what, strerror(-err), hint,
	    n->ctx && nfs_get_error(n->ctx)[0] ? ": " : "",
	    n->ctx ? nfs_get_error(n->ctx) : "");
}

static void nfs_drop(struct nfs *n)
{
	if (!n->ctx)
		return;
	/* After a failure the server may not answer: close nothing on
	 * the wire, drop the socket. */
	nfs_destroy_context(n->ctx);
	n->ctx = NULL;
	n->fh = NULL;
}

/* The ports, which libnfs takes only in a URL's query: NFSv4 always on
 * a port (2049 unless given); NFSv3 asks the portmapper for what is not
 * given. */
static int nfs_ports(struct nfs *n)
{
	const struct target_conf *c = n->t->conf;
	unsigned int nfsport = c->nfs.port;
	struct nfs_url *u;
	char url[64];
	int len;

	if (!nfsport && c->nfs.version != 3)
		nfsport = 2049;
	len = snprintf(url, sizeof(url), "nfs://h/?");
	if (nfsport)
		len += snprintf(url + len, sizeof(url) - (size_t)len,
				"nfsport=%u&", nfsport);
	if (c->nfs.version == 3 && c->nfs.mount_port)
		len += snprintf(url + len, sizeof(url) - (size_t)len,
				"mountport=%u&", c->nfs.mount_port);
	if (url[len - 1] == '?')
		return 0;
	url[len - 1] = 0; /* the last '&' */
	u = nfs_parse_url_incomplete(n->ctx, url);
	if (!u)
		return -EINVAL;
	nfs_destroy_url(u);
	return 0;
}

/* One connection and mount. @return 0 or -errno (no message). */
static int nfs_connect(struct nfs *n)
{
	const struct target_conf *c = n->t->conf;
	int err;

	n->ctx = nfs_init_context();
	if (!n->ctx)
		return -ENOMEM;
	nfs_set_timeout(n->ctx, (int)c->io_timeout * 1000);
	/* We reconnect ourselves, within retry_window. */
	nfs_set_autoreconnect(n->ctx, 0);
	/* A silent server: give up connecting after ~7 s of SYNs. */
	nfs_set_tcp_syncnt(n->ctx, 2);
	nfs_set_uid(n->ctx, 0);
	nfs_set_gid(n->ctx, 0);
	nfs_set_dircache(n->ctx, 0);
	err = nfs_set_version(n->ctx,
			      c->nfs.version == 3 ? KDI_NFS_V3 : KDI_NFS_V4);
	if (!err)
		err = nfs_ports(n);
	if (!err)
		err = nfs_mount(n->ctx, c->nfs.server, c->nfs.export);
	if (!err) {
		n->wmax = nfs_get_writemax(n->ctx);
		if (!n->wmax || n->wmax > (1u << 20))
			n->wmax = 1u << 20;
	}
	return err;
}

/* Send the uncommitted writes again. @return 0 or -errno. */
static int nfs_replay(struct nfs *n)
{
	const unsigned char *p = n->rp.data;
	int rc;

	for (unsigned int i = 0; i < n->rp.n; p += n->rp.len[i], i++) {
		for (uint32_t done = 0; done < n->rp.len[i];
		     done += (uint32_t)rc) {
			rc = nfs_pwrite(n->ctx, n->fh, n->rp.off[i] + done,
					n->rp.len[i] - done, p + done);
			if (rc <= 0)
				return rc ? rc : -ENOSPC;
		}
	}
	return 0;
}

/*
 * Drop the connection and make a new one, again and again until
 * retry_window has passed since @since. @return 0 or the last -errno.
 */
static int nfs_reconnect(struct nfs *n, uint64_t since, int err)
{
	const struct target_conf *c = n->t->conf;
	unsigned int pause = 1;
	double left;
	int tries = 0;

	if (n->gone)
		return -EIO;
	while (now_ms() - since < c->retry_window * 1000ull) {
		nfs_drop(n);
		if (tries++ == 0)
			msg("nfs %s:%s (port %u): %s: the server does not "
			    "answer or the connection was lost; trying again "
			    "for up to %u s (retry_window)",
			    c->nfs.server, c->nfs.export,
			    c->nfs.port ? c->nfs.port : 2049, strerror(-err),
			    c->retry_window);
		err = nfs_connect(n);
		if (!err && n->file[0])
			err = nfs_open(n->ctx, n->file, O_WRONLY, &n->fh);
		if (!err)
			err = nfs_replay(n);
		if (!err) {
			n->t->reconnects++;
			msg("nfs %s:%s: reconnected", c->nfs.server,
			    c->nfs.export);
			return 0;
		}
		if (nfs_err_final(err) && err != -ENOENT)
			return err;
		left = (double)c->retry_window -
		       (double)(now_ms() - since) / 1e3;
		if (left > 0)
			usleep((useconds_t)((left < pause ? left : pause) *
					    1e6));
		pause = pause < 8 ? pause * 2 : 8;
	}
	nfs_drop(n);
	n->gone = true;
	msg("nfs %s:%s: no answer for %u s: giving up", c->nfs.server,
	    c->nfs.export, c->retry_window);
	return err;
}

/* A connection for the next call, or why there is none. */
static int nfs_ready(struct nfs *n)
{
	if (n->ctx)
		return 0;
	if (n->gone)
		return -EIO;
	return nfs_reconnect(n, now_ms(), -EIO);
}

/* @a/@b into @out. @return 0, or -ENAMETOOLONG. */
static int path_join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* mkdir -p @path (0700 for what is created), from the export's root. */
static int nfs_mkpath(struct nfs *n, const char *path)
{
	char buf[PATH_MAX], *p = buf;
	int err;

	snprintf(buf, sizeof(buf), "%s", path);
	while (*p) {
		char *slash = strchr(p + 1, '/');

		if (slash)
			*slash = 0;
		if (p != buf || buf[0]) {
			err = nfs_mkdir2(n->ctx, buf, 0700);
			if (err && err != -EEXIST) {
				nfs_explain(n, "create", buf, err);
				return err;
			}
		}
		if (!slash)
			break;
		*slash = '/';
		p = slash;
	}
	return 0;
}

static int nfs_t_open(struct target *t)
{
	const struct target_conf *c = t->conf;
	struct nfs *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return -ENOMEM;
	n->t = t;
	t->priv = n;
	snprintf(t->where, sizeof(t->where), "%s:%s%s", c->nfs.server,
		 c->nfs.export, c->path);
	err = nfs_connect(n);
	if (err && !nfs_err_final(err))
		err = nfs_reconnect(n, now_ms(), err);
	if (err) {
		nfs_explain(n, "mount", c->nfs.export, err);
		if (err == -ENOENT)
			msg("nfs %s: no export %s there (check the server's "
			    "exports and the nfs line)",
			    c->nfs.server, c->nfs.export);
		return err;
	}
	err = nfs_mkpath(n, c->path);
	if (err)
		return err;
	msg("nfs %s:%s: mounted (NFSv%d) for the dump", c->nfs.server,
	    c->nfs.export, nfs_get_version(n->ctx));
	return 0;
}

static int nfs_t_mkdir(struct target *t, char *name)
{
	struct nfs *n = t->priv;
	char path[PATH_MAX];
	int err;

	err = path_join(path, sizeof(path), t->conf->path, name);
	if (!err)
		err = nfs_ready(n);
	if (!err)
		err = nfs_mkdir2(n->ctx, path, 0700);
	if (err == -EEXIST)
		return err;
	/* The server may apply its own umask or inheritance: say it. */
	if (!err)
		err = nfs_chmod(n->ctx, path, 0700);
	if (err) {
		nfs_explain(n, "create", path, err);
		return err;
	}
	snprintf(n->dir, sizeof(n->dir), "%s", path);
	return 0;
}

/* COMMIT what was written (with reconnects); the replay is empty then.
 * @return 0 or -errno, with a message. */
static int nfs_commit_all(struct nfs *n)
{
	uint64_t since = now_ms();
	int err;

	for (;;) {
		err = n->ctx && n->fh ? nfs_fsync(n->ctx, n->fh) : -EIO;
		if (!err || nfs_err_final(err))
			break;
		err = nfs_reconnect(n, since, err);
		if (err)
			break;
	}
	if (err) {
		nfs_explain(n, "commit to stable storage", n->file, err);
		return err;
	}
	n->rp.n = 0;
	n->rp.used = 0;
	return 0;
}

/* Keep @len bytes written at @off until the next COMMIT. */
static void nfs_keep(struct nfs *n, const void *buf, size_t len, uint64_t off)
{
	struct nfs_replay *r = &n->rp;

	memcpy(r->data + r->used, buf, len);
	r->off[r->n] = off;
	r->len[r->n] = (uint32_t)len;
	r->n++;
	r->used += len;
}

/* One WRITE of at most NFS_REPLAY_MAX bytes, kept for a replay; through
 * reconnects. @return bytes written (> 0) or -errno, with a message. */
static int nfs_write_one(struct nfs *n, const void *buf, size_t len,
			 uint64_t off)
{
	uint64_t since = 0;
	int rc;

	if (n->rp.used + len > NFS_REPLAY_MAX || n->rp.n == NFS_REPLAY_RECS) {
		rc = nfs_commit_all(n);
		if (rc)
			return rc;
	}
	for (;;) {
		rc = n->ctx && n->fh ? nfs_pwrite(n->ctx, n->fh, off, len, buf)
				     : -EIO;
		if (rc > 0) {
			nfs_keep(n, buf, (size_t)rc, off);
			return rc;
		}
		if (rc == 0)
			rc = -ENOSPC; /* no progress: as write_all() */
		if (nfs_err_final(rc))
			break;
		if (!since)
			since = now_ms();
		rc = nfs_reconnect(n, since, rc);
		if (rc)
			break;
	}
	nfs_explain(n, "write", n->file, rc);
	return rc;
}

static int nfs_sink_pwrite(struct sink *s, const void *buf, size_t len,
			   uint64_t off)
{
	struct nfs *n = s->ctx;

	while (len) {
		size_t chunk = len < n->wmax ? len : (size_t)n->wmax;
		int rc = nfs_write_one(n, buf, chunk, off);

		if (rc < 0)
			return rc;
		buf = (const char *)buf + rc;
		len -= (size_t)rc;
		off += (uint64_t)rc;
	}
	return 0;
}

static int nfs_sink_sync(struct sink *s)
{
	return nfs_commit_all(s->ctx);
}

static int nfs_t_create(struct target *t, const char *name, struct sink *out)
{
	struct nfs *n = t->priv;
	int err;

	n->rp.n = 0;
	n->rp.used = 0;
	if (!n->rp.data)
		n->rp.data = malloc(NFS_REPLAY_MAX);
	err = n->rp.data ? path_join(n->file, sizeof(n->file), n->dir, name)
			 : -ENOMEM;
	if (!err)
		err = nfs_ready(n);
	if (!err)
		err = nfs_create(n->ctx, n->file, O_WRONLY | O_EXCL, 0600,
				 &n->fh);
	/* An exclusive create in NFSv4 sets no attributes (and leaves its
	 * verifier in the times): set the mode before a byte is written,
	 * and the times to the server's clock. */
	if (!err)
		err = nfs_fchmod(n->ctx, n->fh, 0600);
	if (!err)
		err = nfs_utimes(n->ctx, n->file, NULL);
	if (err) {
		nfs_explain(n, "create", n->file, err);
		n->file[0] = 0;
		return err;
	}
	out->pwrite = nfs_sink_pwrite;
	out->sync = nfs_sink_sync;
	out->ctx = n;
	out->positioned = true;
	return 0;
}

static int nfs_t_finish(struct target *t, struct sink *out)
{
	struct nfs *n = t->priv;
	int err = nfs_sink_sync(out);

	if (n->fh && n->ctx && nfs_close(n->ctx, n->fh) && !err)
		err = -EIO;
	n->fh = NULL;
	n->file[0] = 0;
	return err;
}

static int nfs_t_commit(struct target *t, const char *from, const char *to)
{
	struct nfs *n = t->priv;
	char a[PATH_MAX], b[PATH_MAX];
	uint64_t since = now_ms();
	int err;

	err = path_join(a, sizeof(a), n->dir, from);
	if (!err)
		err = path_join(b, sizeof(b), n->dir, to);
	/* NFS commits a rename to stable storage before it answers. */
	while (!err) {
		err = n->ctx ? nfs_rename(n->ctx, a, b) : -EIO;
		if (!err || nfs_err_final(err))
			break;
		err = nfs_reconnect(n, since, err);
		if (err)
			break;
	}
	if (err)
		nfs_explain(n, "rename", a, err);
	return err;
}

static int nfs_t_remove(struct target *t, const char *name)
{
	struct nfs *n = t->priv;
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s", n->dir);
	err = nfs_ready(n);
	if (!err && name) {
		err = path_join(path, sizeof(path), n->dir, name);
		if (!err)
			err = nfs_unlink(n->ctx, path);
	} else if (!err) {
		err = nfs_rmdir(n->ctx, path);
	}
	if (err)
		nfs_explain(n, "remove", path, err);
	return err;
}

static int nfs_t_space(struct target *t, uint64_t *avail, uint64_t *total)
{
	struct nfs *n = t->priv;
	struct statvfs sv;
	int err = nfs_ready(n);

	if (!err)
		err = nfs_statvfs(n->ctx, t->conf->path, &sv);
	if (err) {
		nfs_explain(n, "read the free space of", t->conf->path, err);
		return err;
	}
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	*total = (uint64_t)sv.f_blocks * sv.f_frsize;
	return 0;
}

static int nfs_t_close(struct target *t)
{
	struct nfs *n = t->priv;

	if (!n)
		return 0;
	if (n->ctx && !n->fh)
		nfs_umount(n->ctx);
	nfs_drop(n);
	free(n->rp.data);
	free(n);
	t->priv = NULL;
	return 0;
}

static const char *const nfs_types[] = {"nfs", NULL};

const struct transport transport_nfs = {
	.name = "nfs",
	.types = nfs_types,
	.positioned = true,
	.network = true,
	.open = nfs_t_open,
	.mkdir = nfs_t_mkdir,
	.create = nfs_t_create,
	.finish = nfs_t_finish,
	.commit = nfs_t_commit,
	.remove = nfs_t_remove,
	.space = nfs_t_space,
	.close = nfs_t_close,
};
