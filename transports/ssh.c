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
 *
 * A server without the SFTP subsystem still runs commands: then every
 * operation is a POSIX shell command over an exec channel (mkdir, an
 * exclusive create with noclobber, `cat >> FILE`, mv, rm, df), the dump
 * goes as makedumpfile's flattened stream (vmcore.flat, which
 * `makedumpfile -R` rebuilds), and the summary says so. A stream cannot
 * be taken back, so a connection that breaks in the middle of one leaves
 * that file -incomplete; the files after it are written on a new
 * connection.
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
#include <mbedtls/config.h>
#if defined(__x86_64__) && defined(MBEDTLS_AESNI_C)
#include <mbedtls/aesni.h>
#endif

#include "transport.h"
#include "util.h"

/* One SFTP WRITE: OpenSSH's server takes up to 256 KiB. */
#define SSH_WRITE_MAX (64u << 10)

/*
 * SFTP WRITEs in flight, answered later: one write per round trip is
 * 1.3 MB/s at 50 ms. Each is kept until its STATUS comes, to be sent
 * again on a new connection. libssh 0.10 has no asynchronous write: we
 * send the requests and read their replies on the SFTP channel ourselves,
 * only while libssh has nothing pending there (it reads one whole packet
 * at a time, so the stream stays in step).
 */
#define SSH_PIPE 16

struct ssh_wreq {
	uint32_t id;
	uint32_t len; /* 0: the slot is free */
	uint64_t off;
	unsigned char *data; /* SSH_WRITE_MAX bytes */
};

/* One command's io_timeout, in ms. */
#define IO_MS(h) ((int)(h)->t->conf->io_timeout * 1000)

struct ssht {
	ssh_session s;
	sftp_session sftp;
	sftp_file f;
	char file[PATH_MAX];
	char dir[PATH_MAX];
	bool gone;	  /* retry_window ran out */
	char why[256];	  /* libssh's word on the last failure */
	bool init;	  /* ssh_init() done */
	bool stream;	  /* no SFTP: commands over exec channels */
	bool was_up;	  /* a connection succeeded once */
	ssh_channel out;  /* stream: `cat >> FILE` running */
	uint64_t out_pos; /* stream: bytes sent to it */
	struct ssh_wreq pipe[SSH_PIPE];
	unsigned int inflight;
	unsigned char *pipe_mem;
	struct target *t;
};

static int fx_errno(uint32_t code);

/* -errno for the last SFTP error (or a lost session). */
static int ssh_err(struct ssht *h)
{
	/* After a broken connection the SFTP status is stale: the session
	 * says what happened. */
	if (!h->sftp || !h->s || !ssh_is_connected(h->s) ||
	    ssh_get_error_code(h->s) == SSH_FATAL)
		return -EIO;
	return fx_errno((uint32_t)sftp_get_error(h->sftp));
}

/* An SFTP status code as -errno (-EIO: worth trying again). */
static int fx_errno(uint32_t code)
{
	switch (code) {
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
		ssh_free(h->s); /* and its channels */
	h->s = NULL;
	h->sftp = NULL;
	h->f = NULL;
	h->out = NULL;
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

/*
 * The ciphers to offer, best first (the server takes the first it also
 * has). Measured with check-target --write on loopback (README): with
 * AES instructions AES-GCM is the fastest (101 MiB/s against 80 for
 * chacha20-poly1305 over SFTP, 140 against 110 as a stream); without
 * them mbedTLS's table AES is slower than chacha20, which then leads.
 */
static const char *ssh_ciphers(void)
{
	static const char aes_first[] =
		"aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
		"chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr";
	static const char chacha_first[] =
		"chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,"
		"aes256-gcm@openssh.com,aes128-ctr,aes256-ctr";

#if defined(__x86_64__) && defined(MBEDTLS_AESNI_C)
	if (mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) &&
	    mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL))
		return aes_first;
#endif
	(void)aes_first;
	return chacha_first;
}

/* One connection: TCP, host key, public key, SFTP. @return 0 or -errno,
 * with a message for what a new try would not cure. */
static int ssh_connect_once(struct ssht *h)
{
	const struct target_conf *c = h->t->conf;
	long timeout = (long)c->io_timeout;
	int off = 0, on = 1, err;
	ssh_key key = NULL;

	h->s = ssh_new();
	if (!h->s)
		return -ENOMEM;
	ssh_options_set(h->s, SSH_OPTIONS_HOST, c->ssh.host);
	ssh_options_set(h->s, SSH_OPTIONS_PORT, &c->ssh.port);
	ssh_options_set(h->s, SSH_OPTIONS_USER, c->ssh.user);
	ssh_options_set(h->s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(h->s, SSH_OPTIONS_PROCESS_CONFIG, &off);
	/* Without it every SFTP write waits out Nagle and the server's
	 * delayed ACK: 2 MiB/s on loopback, 40 ms per 64 KiB write. */
	ssh_options_set(h->s, SSH_OPTIONS_NODELAY, &on);
	ssh_options_set(h->s, SSH_OPTIONS_KNOWNHOSTS, c->ssh.known_hosts);
	ssh_options_set(h->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	ssh_options_set(h->s, SSH_OPTIONS_CIPHERS_C_S, ssh_ciphers());
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
	if (h->stream)
		return 0;
	h->sftp = sftp_new(h->s);
	if (!h->sftp || sftp_init(h->sftp) != SSH_OK) {
		if (h->sftp)
			sftp_free(h->sftp);
		h->sftp = NULL;
		if (h->was_up) {
			msg("ssh %s@%s: the server no longer offers SFTP",
			    c->ssh.user, c->ssh.host);
			return -EPROTONOSUPPORT;
		}
		h->stream = true;
		msg("ssh %s@%s: the server offers no SFTP (no Subsystem sftp in "
		    "its sshd_config): saving with commands, the dump as a "
		    "flattened stream (vmcore.flat)",
		    c->ssh.user, c->ssh.host);
	}
	h->was_up = true;
	return 0;
}

/* The first line of @text, without its newline, into h->why. */
static void why_line(struct ssht *h, const char *text)
{
	size_t n = strcspn(text, "\n");

	if (n >= sizeof(h->why))
		n = sizeof(h->why) - 1;
	memcpy(h->why, text, n);
	h->why[n] = 0;
}

/*
 * Read channel @ch to its end (@ms at most without a byte): stdout into
 * @out (@size, NUL-terminated; NULL: thrown away), the first line of
 * stderr into h->why. @return the command's exit status, or -EIO (the
 * connection), -ETIMEDOUT or -EREMOTEIO (no exit status: a signal).
 */
static int ssh_drain(struct ssht *h, ssh_channel ch, char *out, size_t size,
		     int ms)
{
	char buf[4096], err[256];
	size_t n = 0, e = 0;
	uint64_t last = now_ms();
	int r;

	while (!ssh_channel_is_eof(ch)) {
		r = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0, 1000);
		if (r == SSH_ERROR)
			return -EIO;
		if (r == SSH_AGAIN)
			r = 0;
		if (r == 0 && ssh_channel_is_eof(ch))
			break;
		if (r == 0 && now_ms() - last > (uint64_t)ms)
			return -ETIMEDOUT;
		if (r > 0)
			last = now_ms();
		for (int i = 0; out && i < r && n + 1 < size; i++)
			out[n++] = buf[i];
		/* stderr: its first bytes kept, the rest read and dropped
		 * (unread, it would fill libssh's buffer). */
		while ((r = ssh_channel_read_nonblocking(ch, buf, sizeof(buf),
							 1)) > 0)
			for (int i = 0; i < r && e + 1 < sizeof(err); i++)
				err[e++] = buf[i];
	}
	while (out && n + 1 < size &&
	       (r = ssh_channel_read_nonblocking(
			ch, out + n, (uint32_t)(size - 1 - n), 0)) > 0)
		n += (size_t)r;
	while (e < sizeof(err) - 1 &&
	       (r = ssh_channel_read_nonblocking(
			ch, err + e, (uint32_t)(sizeof(err) - 1 - e), 1)) > 0)
		e += (size_t)r;
	if (out)
		out[n] = 0;
	err[e] = 0;
	why_line(h, err);
	r = ssh_channel_get_exit_status(ch);
	if (r < 0)
		return ssh_is_connected(h->s) ? -EREMOTEIO : -EIO;
	return r;
}

/*
 * Run the shell command @cmd on the server, stdin empty. @return its exit
 * status (stderr's first line in h->why), -EIO when the connection
 * failed, or -EOPNOTSUPP when the server runs no commands for us.
 */
static int ssh_exec(struct ssht *h, const char *cmd, char *out, size_t size,
		    int ms)
{
	ssh_channel ch = h->s ? ssh_channel_new(h->s) : NULL;
	int rc;

	h->why[0] = 0;
	if (!ch)
		return -EIO;
	if (ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		ssh_channel_free(ch);
		if (!ssh_is_connected(h->s) ||
		    ssh_get_error_code(h->s) == SSH_FATAL)
			return -EIO;
		snprintf(h->why, sizeof(h->why),
			 "the server runs no commands for this user");
		return -EOPNOTSUPP;
	}
	ssh_channel_send_eof(ch);
	rc = ssh_drain(h, ch, out, size, ms);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return rc;
}

/* A failed command's exit status @rc (stderr in h->why) as -errno. */
static int ssh_cmd_errno(struct ssht *h, int rc)
{
	static const struct {
		const char *text;
		int err;
	} known[] = {
		{"No space left", -ENOSPC},    {"Disk quota", -EDQUOT},
		{"File exists", -EEXIST},      {"Permission denied", -EACCES},
		{"Read-only", -EROFS},	       {"No such file", -ENOENT},
		{"Not a directory", -ENOTDIR},
	};

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strstr(h->why, known[i].text))
			return known[i].err;
	return -EREMOTEIO;
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

/* Commands are short: one or two quoted paths and a few words. */
#define CMD_MAX (4 * PATH_MAX + 128)

static int ssh_reconnect(struct ssht *h, uint64_t since, int err);

/*
 * Run command @cmd (ssh_exec), connecting again within retry_window when
 * the connection is lost. @return 0, or -errno (a failed command's from
 * its stderr: ssh_cmd_errno; 17, the exit status our commands give for
 * "exists": -EEXIST).
 */
static int ssh_run(struct ssht *h, const char *cmd, char *out, size_t size,
		   int ms)
{
	uint64_t since = 0;
	int rc;

	for (;;) {
		rc = ssh_exec(h, cmd, out, size, ms);
		if (rc != -EIO)
			return rc == 17 ? -EEXIST : ssh_cmd_errno(h, rc);
		if (!since)
			since = now_ms();
		rc = ssh_reconnect(h, since, rc);
		if (rc)
			return rc;
	}
}

/* A command's failure on the console: what, and the server's words. */
static void ssh_cmd_explain(struct ssht *h, const char *op, const char *what,
			    int err)
{
	const struct target_conf *c = h->t->conf;

	msg("ssh %s@%s: cannot %s %s: %s%s%s", c->ssh.user, c->ssh.host, op,
	    what, strerror(-err), h->why[0] ? ": " : "", h->why);
}

/*
 * Run "@verb 'PATH'" (PATH: @path quoted for the shell) with ssh_run;
 * output in @out (@size, may be NULL). A failure is said, as "cannot
 * @op PATH". @return 0 or -errno.
 */
static int ssh_path_cmd(struct ssht *h, const char *verb, const char *path,
			const char *op, char *out, size_t size, int ms)
{
	char cmd[CMD_MAX];
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "%s ", verb);
	int err = sh_quote(cmd + n, sizeof(cmd) - n, path);

	if (!err)
		err = ssh_run(h, cmd, out, size, ms);
	if (err && op)
		ssh_cmd_explain(h, op, path, err);
	return err;
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
		if (!err && h->file[0] && !h->stream) {
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

	if (h->stream)
		return ssh_path_cmd(h, "umask 077 && mkdir -p --", path,
				    "create", NULL, 0, IO_MS(h));
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
	const char *cipher;
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
	cipher = ssh_get_cipher_out(h->s);
	t->positioned = !h->stream;
	snprintf(t->via, sizeof(t->via), "%s, cipher %s",
		 h->stream ? "a flattened stream over an exec channel (the "
			     "server offers no SFTP)"
			   : "SFTP",
		 cipher ? cipher : "?");
	msg("ssh %s@%s: connected (%s) for the dump", c->ssh.user, c->ssh.host,
	    h->stream ? "commands, no SFTP" : "SFTP");
	return 0;
}

static int ssh_t_mkdir(struct target *t, char *name)
{
	struct ssht *h = t->priv;
	char path[PATH_MAX], cmd[CMD_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", t->conf->path, name);
	int err;

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (h->stream) {
		char q[2 * PATH_MAX + 3];

		err = sh_quote(q, sizeof(q), path);
		if (err)
			return err;
		snprintf(cmd, sizeof(cmd),
			 "[ ! -e %s ] || exit 17; umask 077 && mkdir -- %s", q,
			 q);
		err = ssh_run(h, cmd, NULL, 0, IO_MS(h));
		if (err && err != -EEXIST)
			ssh_cmd_explain(h, "create", path, err);
		if (!err)
			snprintf(h->dir, sizeof(h->dir), "%s", path);
		return err;
	}
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

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Send SSH_FXP_WRITE @w (a new request id). @return 0 or -EIO. */
static int wreq_send(struct ssht *h, struct ssh_wreq *w)
{
	ssh_string hd = h->f->handle;
	uint32_t hlen = (uint32_t)ssh_string_len(hd);
	unsigned char hdr[4 + 1 + 4 + 4 + 256 + 8 + 4];
	size_t n;

	if (hlen > 256)
		return -EPROTO; /* a handle is at most 256 bytes */
	w->id = ++h->sftp->id_counter;
	put_be32(hdr, 1 + 4 + 4 + hlen + 8 + 4 + w->len);
	hdr[4] = SSH_FXP_WRITE;
	put_be32(hdr + 5, w->id);
	put_be32(hdr + 9, hlen);
	memcpy(hdr + 13, ssh_string_data(hd), hlen);
	n = 13 + hlen;
	put_be32(hdr + n, (uint32_t)(w->off >> 32));
	put_be32(hdr + n + 4, (uint32_t)w->off);
	put_be32(hdr + n + 8, w->len);
	n += 12;
	if (ssh_channel_write(h->sftp->channel, hdr, (uint32_t)n) != (int)n ||
	    ssh_channel_write(h->sftp->channel, w->data, w->len) != (int)w->len)
		return -EIO;
	return 0;
}

/* Read @len bytes of the SFTP channel within io_timeout. */
static int sftp_chan_read(struct ssht *h, unsigned char *buf, size_t len)
{
	size_t n = 0;
	int r;

	while (n < len) {
		r = ssh_channel_read_timeout(h->sftp->channel, buf + n,
					     (uint32_t)(len - n), 0, IO_MS(h));
		if (r <= 0) {
			snprintf(h->why, sizeof(h->why), "%s",
				 r == 0 ? "no reply within io_timeout"
					: ssh_get_error(h->s));
			return -EIO;
		}
		n += (size_t)r;
	}
	return 0;
}

/*
 * Read replies until one answers a write in flight, and free that write.
 * A reply to no such write (one given up after an earlier failure) is
 * passed over. @return 0, -EIO (the connection: worth a new one) or
 * -errno (the server refused that write, its message in h->why).
 */
static int wreq_reap(struct ssht *h)
{
	unsigned char b[512], skip[512];
	uint32_t len, id, code, mlen;
	struct ssh_wreq *w;
	int err;

	for (;;) {
		err = sftp_chan_read(h, b, 4);
		if (err)
			return err;
		len = get_be32(b);
		if (len < 9 || len > (1u << 20))
			return -EPROTO;
		err = sftp_chan_read(h, b, len < sizeof(b) ? len : sizeof(b));
		for (uint32_t left = len > sizeof(b) ? len - sizeof(b) : 0;
		     !err && left;) {
			uint32_t k = left < sizeof(skip) ? left : sizeof(skip);

			err = sftp_chan_read(h, skip, k);
			left -= k;
		}
		if (err)
			return err;
		if (b[0] != SSH_FXP_STATUS)
			return -EPROTO;
		id = get_be32(b + 1);
		code = get_be32(b + 5);
		w = NULL;
		for (int i = 0; i < SSH_PIPE && !w; i++)
			if (h->pipe[i].len && h->pipe[i].id == id)
				w = &h->pipe[i];
		if (w)
			break;
	}
	w->len = 0;
	h->inflight--;
	if (code == SSH_FX_OK)
		return 0;
	mlen = len >= 13 ? get_be32(b + 9) : 0;
	if (len < 13 || mlen > len - 13 || mlen > sizeof(b) - 13 ||
	    mlen >= sizeof(h->why))
		mlen = 0;
	memcpy(h->why, b + 13, mlen);
	h->why[mlen] = 0;
	err = fx_errno(code);
	/* SFTP v3 has no "disk full": FAILURE it is. */
	if (err == -EPERM)
		return -ENOSPC;
	return err == -EIO ? -EPROTO : err;
}

/*
 * After @err on a write: a new connection within retry_window (counted
 * from *@since, set at the first failure), the file opened again, and
 * every write still unanswered sent again. @return 0 or -errno, said.
 */
static int wreq_recover(struct ssht *h, int err, uint64_t *since)
{
	if (err != -EIO) {
		ssh_cmd_explain(h, "write", h->file, err);
		return err;
	}
	if (!*since)
		*since = now_ms();
	for (;;) {
		err = ssh_reconnect(h, *since, err);
		if (err) {
			ssh_explain(h, "write", h->file, err);
			return err;
		}
		for (int i = 0; !err && i < SSH_PIPE; i++)
			if (h->pipe[i].len)
				err = wreq_send(h, &h->pipe[i]);
		if (!err)
			return 0;
	}
}

/* Forget the writes in flight (their replies are passed over later). */
static void wreq_forget(struct ssht *h)
{
	for (int i = 0; i < SSH_PIPE; i++)
		h->pipe[i].len = 0;
	h->inflight = 0;
}

/*
 * Wait for the answer to every write in flight. After a refused write
 * the others' answers are still read, so that the channel holds none of
 * them for the next file. @return 0 or the first -errno.
 */
static int wreq_drain(struct ssht *h)
{
	uint64_t since = 0;
	int err, first = 0;

	while (h->inflight) {
		err = h->f ? wreq_reap(h) : -EIO;
		if (!err) {
			since = 0;
			continue;
		}
		if (err != -EIO || first) {
			if (!first)
				first = wreq_recover(h, err, &since);
			if (err == -EIO)
				break;
			continue;
		}
		err = wreq_recover(h, err, &since);
		if (err) {
			first = err;
			break;
		}
	}
	if (first)
		wreq_forget(h);
	return first;
}

static int ssh_sink_pwrite(struct sink *s, const void *buf, size_t len,
			   uint64_t off)
{
	struct ssht *h = s->ctx;
	struct ssh_wreq *w = NULL;
	uint64_t since = 0;
	int err;

	while (len) {
		size_t chunk = len < SSH_WRITE_MAX ? len : SSH_WRITE_MAX;

		err = 0;
		if (h->inflight == SSH_PIPE)
			err = h->f ? wreq_reap(h) : -EIO;
		if (!err) {
			since = 0;
			for (int i = 0; i < SSH_PIPE && !w; i++)
				if (!h->pipe[i].len)
					w = &h->pipe[i];
			memcpy(w->data, buf, chunk);
			w->off = off;
			w->len = (uint32_t)chunk;
			h->inflight++;
			buf = (const char *)buf + chunk;
			len -= chunk;
			off += chunk;
			err = h->f ? wreq_send(h, w) : -EIO;
			w = NULL;
		}
		/* A write not sent is sent again with the others. */
		if (err)
			err = wreq_recover(h, err, &since);
		if (err)
			return err;
	}
	return 0;
}

static int ssh_sink_sync(struct sink *s)
{
	struct ssht *h = s->ctx;
	int err = wreq_drain(h);

	if (err)
		return err;
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

/*
 * The end of a stream: EOF to `cat`, and its exit status once the data
 * is on the server's disk (it syncs the file). A server that goes quiet
 * is given retry_window. @return 0 or -errno.
 */
static int stream_end(struct ssht *h)
{
	ssh_channel ch = h->out;
	int rc;

	if (!ch)
		return -EIO;
	h->out = NULL;
	if (ssh_channel_send_eof(ch) != SSH_OK)
		rc = -EIO;
	else
		rc = ssh_drain(h, ch, NULL, 0,
			       (int)h->t->conf->retry_window * 1000);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return ssh_cmd_errno(h, rc);
}

/* A stream's bytes, in order, down the channel to `cat`. */
static int stream_pwrite(struct sink *s, const void *buf, size_t len,
			 uint64_t off)
{
	struct ssht *h = s->ctx;
	int n, err;

	if (!h->out)
		return -EIO;
	if (off != h->out_pos) {
		msg("ssh: %s: a stream takes its bytes in order (offset %llu, "
		    "expected %llu)",
		    h->file, (unsigned long long)off,
		    (unsigned long long)h->out_pos);
		return -ESPIPE;
	}
	while (len) {
		uint32_t chunk =
			len < SSH_WRITE_MAX ? (uint32_t)len : SSH_WRITE_MAX;

		/* `cat` ended early (a full disk): its status says why. */
		n = ssh_channel_is_eof(h->out) || ssh_channel_is_closed(h->out)
			    ? SSH_ERROR
			    : ssh_channel_write(h->out, buf, chunk);
		if (n > 0) {
			buf = (const char *)buf + n;
			len -= (size_t)n;
			h->out_pos += (uint64_t)n;
			continue;
		}
		err = stream_end(h);
		if (!err || err == -EIO || err == -ETIMEDOUT) {
			msg("ssh: the connection broke during %s: a stream "
			    "cannot continue where it stopped (the server "
			    "offers no SFTP); it keeps the %llu bytes sent",
			    h->file, (unsigned long long)h->out_pos);
			return -EIO;
		}
		ssh_cmd_explain(h, "write", h->file, err);
		return err;
	}
	return 0;
}

/* A stream is made durable by its end (stream_end). */
static int stream_sync(struct sink *s)
{
	return ((struct ssht *)s->ctx)->out ? 0 : -EIO;
}

/* Create @q (quoted) exclusively, 0600, and start `cat` appending to it. */
static int stream_create(struct ssht *h, const char *q, struct sink *out)
{
	char cmd[CMD_MAX];
	int err;

	snprintf(cmd, sizeof(cmd), "umask 077 && set -C && : > %s", q);
	err = ssh_run(h, cmd, NULL, 0, IO_MS(h));
	if (err) {
		ssh_cmd_explain(h, "create", h->file, err);
		return err;
	}
	snprintf(cmd, sizeof(cmd),
		 "cat >> %s && { sync -- %s 2>/dev/null || sync; }", q, q);
	h->out = ssh_channel_new(h->s);
	if (!h->out || ssh_channel_open_session(h->out) != SSH_OK ||
	    ssh_channel_request_exec(h->out, cmd) != SSH_OK) {
		ssh_explain(h, "start writing", h->file, -EIO);
		if (h->out)
			ssh_channel_free(h->out);
		h->out = NULL;
		return -EIO;
	}
	h->out_pos = 0;
	out->pwrite = stream_pwrite;
	out->sync = stream_sync;
	out->ctx = h;
	out->positioned = false;
	return 0;
}

static int ssh_t_create(struct target *t, const char *name, struct sink *out)
{
	struct ssht *h = t->priv;
	int n = snprintf(h->file, sizeof(h->file), "%s/%s", h->dir, name);
	char q[2 * PATH_MAX + 3];
	int err;

	if (n < 0 || (size_t)n >= sizeof(h->file))
		return -ENAMETOOLONG;
	if (h->stream) {
		err = sh_quote(q, sizeof(q), h->file);
		return err ? err : stream_create(h, q, out);
	}
	if (!h->sftp)
		return -EIO;
	if (!h->pipe_mem) {
		h->pipe_mem = malloc((size_t)SSH_PIPE * SSH_WRITE_MAX);
		if (!h->pipe_mem)
			return -ENOMEM;
		for (int i = 0; i < SSH_PIPE; i++)
			h->pipe[i].data =
				h->pipe_mem + (size_t)i * SSH_WRITE_MAX;
	}
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
	int err;

	if (h->stream) {
		err = h->out ? stream_end(h) : -EIO;
		if (err && err != -EIO)
			ssh_cmd_explain(h, "finish", h->file, err);
		h->file[0] = 0;
		return err;
	}
	err = ssh_sink_sync(out);
	/* Writes still unanswered after a failure are given up with it. */
	wreq_forget(h);
	if (h->f && sftp_close(h->f) && !err)
		err = -EIO;
	h->f = NULL;
	h->file[0] = 0;
	return err;
}

static int ssh_t_commit(struct target *t, const char *from, const char *to)
{
	struct ssht *h = t->priv;
	char a[PATH_MAX], b[PATH_MAX], cmd[CMD_MAX];
	int n = snprintf(a, sizeof(a), "%s/%s", h->dir, from);
	int m = snprintf(b, sizeof(b), "%s/%s", h->dir, to);
	int err;

	if (n < 0 || m < 0 || (size_t)n >= sizeof(a) || (size_t)m >= sizeof(b))
		return -ENAMETOOLONG;
	if (h->stream) {
		strcpy(cmd, "mv -f -- ");
		err = sh_quote(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), a);
		if (!err) {
			strcat(cmd, " ");
			err = sh_quote(cmd + strlen(cmd),
				       sizeof(cmd) - strlen(cmd), b);
		}
		if (!err) {
			strcat(cmd, " && { sync -- ");
			err = sh_quote(cmd + strlen(cmd),
				       sizeof(cmd) - strlen(cmd) - 32, h->dir);
			strcat(cmd, " 2>/dev/null || :; }");
		}
		if (!err)
			err = ssh_run(h, cmd, NULL, 0, IO_MS(h));
		if (err)
			ssh_cmd_explain(h, "rename", a, err);
		return err;
	}
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

	rc = name ? snprintf(path, sizeof(path), "%s/%s", h->dir, name)
		  : snprintf(path, sizeof(path), "%s", h->dir);
	if (rc < 0 || (size_t)rc >= sizeof(path))
		return -ENAMETOOLONG;
	if (h->stream)
		return ssh_path_cmd(h, name ? "rm -f --" : "rmdir --", path,
				    "remove", NULL, 0, IO_MS(h));
	if (!h->sftp)
		return -EIO;
	rc = name ? sftp_unlink(h->sftp, path) : sftp_rmdir(h->sftp, path);
	if (rc) {
		ssh_explain(h, "remove", path, ssh_err(h));
		return ssh_err(h);
	}
	return 0;
}

/* POSIX df's last line: "FS 1024-blocks Used Available Capacity Mount". */
static int df_parse(const char *out, uint64_t *avail, uint64_t *total)
{
	const char *line = strrchr(out, '\n');
	unsigned long long t, a;

	while (line && line > out && !line[1])
		line = memrchr(out, '\n', (size_t)(line - out));
	line = line && line[1] ? line + 1 : out;
	if (sscanf(line, "%*s %llu %*s %llu", &t, &a) != 2)
		return -EPROTO;
	*total = t << 10;
	*avail = a << 10;
	return 0;
}

static int ssh_t_space(struct target *t, uint64_t *avail, uint64_t *total)
{
	struct ssht *h = t->priv;
	char out[1024];
	sftp_statvfs_t v;
	int err;

	if (h->stream) {
		err = ssh_path_cmd(h, "df -Pk --", t->conf->path,
				   "read the free space of", out, sizeof(out),
				   IO_MS(h));
		if (!err && (err = df_parse(out, avail, total)))
			ssh_cmd_explain(h, "read the free space of",
					t->conf->path, err);
		return err;
	}
	v = h->sftp ? sftp_statvfs(h->sftp, t->conf->path) : NULL;
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
	/* The SFTP channel first: ssh_disconnect() frees every channel,
	 * and sftp_free() after it would use the freed one. */
	if (h->sftp)
		sftp_free(h->sftp);
	h->sftp = NULL;
	if (h->s && !h->f && !h->out)
		ssh_disconnect(h->s);
	ssh_drop(h);
	if (h->init)
		ssh_finalize();
	free(h->pipe_mem);
	free(h);
	t->priv = NULL;
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
	char path[PATH_MAX], out[160];
	int n = snprintf(path, sizeof(path), "%s/%s", h->dir, name), err;

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	err = ssh_path_cmd(h, "sha256sum --", path, NULL, out, sizeof(out),
			   IO_MS(h) * 20);
	if (err)
		return err == -EREMOTEIO ? -EOPNOTSUPP : err;
	if (strspn(out, "0123456789abcdef") < 64)
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
