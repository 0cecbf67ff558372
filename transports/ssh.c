/* SPDX-License-Identifier: MIT */
/*
 * An SSH server as the target: libssh (mbedTLS) in kdumpinit, SFTP with
 * positioned writes, so the file saved is the kdump-compressed dump that
 * crash opens, not a flattened stream.
 *
 * The server's host key is pinned: it must be in the known_hosts file
 * mkinitrd packed (no other file is read, no "accept any key"); an
 * unknown or changed key means nothing is sent and the console shows the
 * fingerprint seen. Public-key authentication only.
 *
 * Every call has io_timeout. A connection that breaks is made again,
 * within retry_window, and the open file opened again: positioned writes
 * make "continue where it stopped" the same as "retry the write that
 * failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "transport.h"
#include "util.h"

/* One SFTP WRITE: OpenSSH's server takes up to 256 KiB. */
#define SSH_WRITE_MAX (64u << 10)

struct ssht {
	ssh_session s;
	sftp_session sftp;
	sftp_file f;
	char file[PATH_MAX];
	char dir[PATH_MAX];
	bool gone;     /* retry_window ran out */
	char why[256]; /* libssh's word on the last failure */
	bool init;     /* ssh_init() done */
	struct target *t;
};

/* -errno for the last SFTP error (or a lost session). */
static int ssh_err(struct ssht *h)
{
	/* After a broken connection the SFTP status is stale: the session
	 * says what happened. */
	if (!h->sftp || !h->s || !ssh_is_connected(h->s) ||
	    ssh_get_error_code(h->s) == SSH_FATAL)
		return -EIO;
	switch (sftp_get_error(h->sftp)) {
	case SSH_FX_NO_SUCH_FILE:
		return -ENOENT;
	case SSH_FX_PERMISSION_DENIED:
		return -EACCES;
	case SSH_FX_FILE_ALREADY_EXISTS:
		return -EEXIST;
	case SSH_FX_WRITE_PROTECT:
		return -EROFS;
	case SSH_FX_OP_UNSUPPORTED:
		return -EOPNOTSUPP;
	case SSH_FX_FAILURE:
		return -EPERM; /* no detail in SFTP v3 (a full disk, too) */
	default:
		return -EIO;
	}
}

static bool ssh_err_final(int err)
{
	return err != -EIO;
}

static void ssh_explain(struct ssht *h, const char *op, const char *what,
			int err)
{
	const struct target_conf *c = h->t->conf;

	msg("ssh %s@%s: cannot %s %s: %s%s%s", c->ssh.user, c->ssh.host, op,
	    what, strerror(-err), h->s ? ": " : "",
	    h->s ? ssh_get_error(h->s) : "");
}

static void ssh_drop(struct ssht *h)
{
	/* Nothing more is said on a broken connection. */
	if (h->sftp)
		sftp_free(h->sftp);
	if (h->s)
		ssh_free(h->s);
	h->s = NULL;
	h->sftp = NULL;
	h->f = NULL;
}

/* The server's key against the pinned one. @return 0 or -EPERM, with the
 * fingerprint seen on the console. */
static int ssh_hostkey_check(struct ssht *h)
{
	const struct target_conf *c = h->t->conf;
	enum ssh_known_hosts_e k = ssh_session_is_known_server(h->s);
	unsigned char *hash = NULL;
	ssh_key key = NULL;
	char *fp = NULL;
	size_t len;

	if (k == SSH_KNOWN_HOSTS_OK)
		return 0;
	if (!ssh_get_server_publickey(h->s, &key) &&
	    !ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
				    &len))
		fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
					      len);
	msg("ssh %s port %u: host key %s %s in %s: nothing is sent "
	    "(add the right key with kdumpinit-mkinitrd's help and rebuild "
	    "the initrd)",
	    c->ssh.host, c->ssh.port, fp ? fp : "(unreadable)",
	    k == SSH_KNOWN_HOSTS_CHANGED || k == SSH_KNOWN_HOSTS_OTHER
		    ? "DIFFERS from the one pinned"
		    : "is not pinned",
	    c->ssh.known_hosts);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return -EPERM;
}

/* One connection: TCP, host key, public key, SFTP. @return 0 or -errno,
 * with a message for what a new try would not cure. */
static int ssh_connect_once(struct ssht *h)
{
	const struct target_conf *c = h->t->conf;
	long timeout = (long)c->io_timeout;
	int off = 0, err;
	ssh_key key = NULL;

	h->s = ssh_new();
	if (!h->s)
		return -ENOMEM;
	ssh_options_set(h->s, SSH_OPTIONS_HOST, c->ssh.host);
	ssh_options_set(h->s, SSH_OPTIONS_PORT, &c->ssh.port);
	ssh_options_set(h->s, SSH_OPTIONS_USER, c->ssh.user);
	ssh_options_set(h->s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(h->s, SSH_OPTIONS_PROCESS_CONFIG, &off);
	ssh_options_set(h->s, SSH_OPTIONS_KNOWNHOSTS, c->ssh.known_hosts);
	ssh_options_set(h->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	if (ssh_connect(h->s) != SSH_OK) {
		snprintf(h->why, sizeof(h->why), "%s", ssh_get_error(h->s));
		return -EIO;
	}
	err = ssh_hostkey_check(h);
	if (err)
		return err;
	if (ssh_pki_import_privkey_file(c->ssh.key, NULL, NULL, NULL, &key) !=
	    SSH_OK) {
		msg("ssh: cannot read the private key %s (sshkey)", c->ssh.key);
		return -ENOKEY;
	}
	err = ssh_userauth_publickey(h->s, NULL, key);
	ssh_key_free(key);
	if (err != SSH_AUTH_SUCCESS) {
		msg("ssh %s@%s: the key %s was refused: add its .pub to the "
		    "server's authorized_keys for %s",
		    c->ssh.user, c->ssh.host, c->ssh.key, c->ssh.user);
		return -EACCES;
	}
	h->sftp = sftp_new(h->s);
	if (!h->sftp || sftp_init(h->sftp) != SSH_OK) {
		msg("ssh %s@%s: the server offers no SFTP (Subsystem sftp in "
		    "its sshd_config)",
		    c->ssh.user, c->ssh.host);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/*
 * Connect again and again until retry_window has passed since @since,
 * reopening the file being written. @return 0 or the last -errno.
 */
static int ssh_reconnect(struct ssht *h, uint64_t since, int err)
{
	const struct target_conf *c = h->t->conf;
	unsigned int pause = 1;
	int tries = 0;

	if (h->gone)
		return -EIO;
	while (now_ms() - since < c->retry_window * 1000ull) {
		ssh_drop(h);
		if (tries++ == 0)
			msg("ssh %s@%s port %u: %s: the server does not answer "
			    "or the connection was lost; trying again for up "
			    "to %u s (retry_window)",
			    c->ssh.user, c->ssh.host, c->ssh.port,
			    h->why[0] ? h->why : strerror(-err),
			    c->retry_window);
		err = ssh_connect_once(h);
		if (!err && h->file[0]) {
			h->f = sftp_open(h->sftp, h->file, O_WRONLY, 0);
			err = h->f ? 0 : ssh_err(h);
		}
		if (!err) {
			h->t->reconnects++;
			msg("ssh %s@%s: reconnected", c->ssh.user, c->ssh.host);
			return 0;
		}
		if (ssh_err_final(err))
			return err;
		sleep(pause);
		pause = pause < 8 ? pause * 2 : 8;
	}
	ssh_drop(h);
	h->gone = true;
	msg("ssh %s@%s: no answer for %u s: giving up (%s)", c->ssh.user,
	    c->ssh.host, c->retry_window, h->why[0] ? h->why : strerror(-err));
	return err;
}

/* mkdir -p @path (0700 for what is created). */
static int ssh_mkpath(struct ssht *h, const char *path)
{
	char buf[PATH_MAX];
	int err;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strchr(buf + 1, '/');; p = strchr(p + 1, '/')) {
		if (p)
			*p = 0;
		if (sftp_mkdir(h->sftp, buf, 0700) &&
		    (err = ssh_err(h)) != -EEXIST && err != -EPERM) {
			ssh_explain(h, "create", buf, err);
			return err;
		}
		if (!p)
			return 0;
		*p = '/';
	}
}

static int ssh_t_open(struct target *t)
{
	const struct target_conf *c = t->conf;
	struct ssht *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->t = t;
	t->priv = h;
	snprintf(t->where, sizeof(t->where), "%s@%s:%s", c->ssh.user,
		 c->ssh.host, c->path);
	/* Seeds the random generator: /dev must be there (it is now). */
	if (ssh_init() < 0) {
		msg("ssh: cannot set up libssh's crypto (random numbers from "
		    "/dev/urandom)");
		return -EIO;
	}
	h->init = true;
	err = ssh_connect_once(h);
	if (err == -EIO)
		err = ssh_reconnect(h, now_ms(), err);
	if (err) {
		if (err == -EIO)
			ssh_explain(h, "connect to", c->ssh.host, err);
		return err;
	}
	err = ssh_mkpath(h, c->path);
	if (err)
		return err;
	msg("ssh %s@%s: connected (SFTP) for the dump", c->ssh.user,
	    c->ssh.host);
	return 0;
}

static int ssh_t_mkdir(struct target *t, char *name)
{
	struct ssht *h = t->priv;
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", t->conf->path, name);
	int err;

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (!h->sftp)
		return -EIO;
	if (sftp_mkdir(h->sftp, path, 0700)) {
		err = ssh_err(h);
		/* SFTP v3 says "failure" for an existing name too. */
		if (err == -EPERM) {
			sftp_attributes a = sftp_stat(h->sftp, path);

			if (a) {
				sftp_attributes_free(a);
				return -EEXIST;
			}
		}
		if (err != -EEXIST)
			ssh_explain(h, "create", path, err);
		return err;
	}
	snprintf(h->dir, sizeof(h->dir), "%s", path);
	return 0;
}

static int ssh_sink_pwrite(struct sink *s, const void *buf, size_t len,
			   uint64_t off)
{
	struct ssht *h = s->ctx;
	uint64_t since = 0;
	ssize_t rc;
	int err;

	while (len) {
		size_t chunk = len < SSH_WRITE_MAX ? len : SSH_WRITE_MAX;

		rc = -1;
		if (h->f && !sftp_seek64(h->f, off))
			rc = sftp_write(h->f, buf, chunk);
		if (rc > 0) {
			buf = (const char *)buf + rc;
			len -= (size_t)rc;
			off += (uint64_t)rc;
			since = 0;
			continue;
		}
		err = h->f ? ssh_err(h) : -EIO;
		if (ssh_err_final(err)) {
			ssh_explain(h, "write", h->file, err);
			return err == -EPERM ? -ENOSPC : err;
		}
		if (!since)
			since = now_ms();
		err = ssh_reconnect(h, since, err);
		if (err) {
			ssh_explain(h, "write", h->file, err);
			return err;
		}
	}
	return 0;
}

static int ssh_sink_sync(struct sink *s)
{
	struct ssht *h = s->ctx;

	/* fsync@openssh.com; a server without it has nothing to offer. */
	if (!h->f)
		return -EIO;
	if (sftp_extension_supported(h->sftp, "fsync@openssh.com", "1") &&
	    sftp_fsync(h->f)) {
		ssh_explain(h, "commit to stable storage", h->file, ssh_err(h));
		return ssh_err(h);
	}
	return 0;
}

static int ssh_t_create(struct target *t, const char *name, struct sink *out)
{
	struct ssht *h = t->priv;
	int n = snprintf(h->file, sizeof(h->file), "%s/%s", h->dir, name);
	int err;

	if (n < 0 || (size_t)n >= sizeof(h->file))
		return -ENAMETOOLONG;
	if (!h->sftp)
		return -EIO;
	h->f = sftp_open(h->sftp, h->file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (!h->f) {
		err = ssh_err(h);
		ssh_explain(h, "create", h->file, err);
		h->file[0] = 0;
		return err;
	}
	out->pwrite = ssh_sink_pwrite;
	out->sync = ssh_sink_sync;
	out->ctx = h;
	out->positioned = true;
	return 0;
}

static int ssh_t_finish(struct target *t, struct sink *out)
{
	struct ssht *h = t->priv;
	int err = ssh_sink_sync(out);

	if (h->f && sftp_close(h->f) && !err)
		err = -EIO;
	h->f = NULL;
	h->file[0] = 0;
	return err;
}

static int ssh_t_commit(struct target *t, const char *from, const char *to)
{
	struct ssht *h = t->priv;
	char a[PATH_MAX], b[PATH_MAX];
	int n = snprintf(a, sizeof(a), "%s/%s", h->dir, from);
	int m = snprintf(b, sizeof(b), "%s/%s", h->dir, to);

	if (n < 0 || m < 0 || (size_t)n >= sizeof(a) || (size_t)m >= sizeof(b))
		return -ENAMETOOLONG;
	if (!h->sftp)
		return -EIO;
	/* SFTP v3's rename does not replace: a second summary.txt does. */
	if (sftp_rename(h->sftp, a, b)) {
		sftp_unlink(h->sftp, b);
		if (sftp_rename(h->sftp, a, b)) {
			ssh_explain(h, "rename", a, ssh_err(h));
			return ssh_err(h);
		}
	}
	return 0;
}

static int ssh_t_remove(struct target *t, const char *name)
{
	struct ssht *h = t->priv;
	char path[PATH_MAX];
	int rc;

	if (!h->sftp)
		return -EIO;
	if (name) {
		rc = snprintf(path, sizeof(path), "%s/%s", h->dir, name);
		if (rc < 0 || (size_t)rc >= sizeof(path))
			return -ENAMETOOLONG;
		rc = sftp_unlink(h->sftp, path);
	} else {
		snprintf(path, sizeof(path), "%s", h->dir);
		rc = sftp_rmdir(h->sftp, path);
	}
	if (rc) {
		ssh_explain(h, "remove", path, ssh_err(h));
		return ssh_err(h);
	}
	return 0;
}

static int ssh_t_space(struct target *t, uint64_t *avail, uint64_t *total)
{
	struct ssht *h = t->priv;
	sftp_statvfs_t v =
		h->sftp ? sftp_statvfs(h->sftp, t->conf->path) : NULL;

	if (!v) {
		ssh_explain(h, "read the free space of", t->conf->path,
			    ssh_err(h));
		return ssh_err(h);
	}
	*avail = v->f_bavail * v->f_frsize;
	*total = v->f_blocks * v->f_frsize;
	sftp_statvfs_free(v);
	return 0;
}

static int ssh_t_close(struct target *t)
{
	struct ssht *h = t->priv;

	if (!h)
		return 0;
	if (h->s && !h->f)
		ssh_disconnect(h->s);
	ssh_drop(h);
	if (h->init)
		ssh_finalize();
	free(h);
	t->priv = NULL;
	return 0;
}

/* @path in single quotes for the server's shell. @return 0 or
 * -ENAMETOOLONG. */
static int sh_quote(char *out, size_t size, const char *path)
{
	size_t n = 0;

	out[n++] = '\'';
	for (; *path; path++) {
		const char *piece = *path == '\'' ? "'\\''" : NULL;
		size_t len = piece ? strlen(piece) : 1;

		if (n + len + 2 > size)
			return -ENAMETOOLONG;
		memcpy(out + n, piece ? piece : path, len);
		n += len;
	}
	out[n++] = '\'';
	out[n] = 0;
	return 0;
}

/*
 * The client cannot hash the dump as it goes: the writer fills the page
 * descriptor table and the data area side by side and rewrites the
 * header last, so file order would need the whole table in memory. The
 * server hashes its copy instead (an exec channel running sha256sum):
 * nothing is read back over the network. A server that allows SFTP only
 * cannot, and says so.
 */
static int ssh_t_sha256(struct target *t, const char *name, char hex[65])
{
	struct ssht *h = t->priv;
	char path[PATH_MAX], cmd[PATH_MAX * 4 + 32], out[160];
	int timeout = (int)t->conf->io_timeout * 20 * 1000, n = 0, r;
	ssh_channel ch;

	r = snprintf(path, sizeof(path), "%s/%s", h->dir, name);
	if (r < 0 || (size_t)r >= sizeof(path) || !h->s)
		return -EINVAL;
	strcpy(cmd, "sha256sum -- ");
	if (sh_quote(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), path))
		return -ENAMETOOLONG;
	ch = ssh_channel_new(h->s);
	if (!ch)
		return -ENOMEM;
	if (ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		ssh_channel_free(ch);
		return -EOPNOTSUPP;
	}
	while (n < (int)sizeof(out) - 1 &&
	       (r = ssh_channel_read_timeout(ch, out + n,
					     (uint32_t)(sizeof(out) - 1 - n), 0,
					     timeout)) > 0)
		n += r;
	out[n] = 0;
	ssh_channel_send_eof(ch);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	if (n < 64 || strspn(out, "0123456789abcdef") != 64)
		return -EOPNOTSUPP;
	memcpy(hex, out, 64);
	hex[64] = 0;
	return 0;
}

static const char *const ssh_types[] = {"ssh", NULL};

const struct transport transport_ssh = {
	.name = "ssh",
	.types = ssh_types,
	.positioned = true,
	.network = true,
	.open = ssh_t_open,
	.mkdir = ssh_t_mkdir,
	.create = ssh_t_create,
	.finish = ssh_t_finish,
	.commit = ssh_t_commit,
	.remove = ssh_t_remove,
	.space = ssh_t_space,
	.sha256 = ssh_t_sha256,
	.close = ssh_t_close,
};
