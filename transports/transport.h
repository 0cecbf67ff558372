/* SPDX-License-Identifier: MIT */
/*
 * Where the capture worker saves its files: a local filesystem, an NFS
 * export, an SSH server. One file per kind of target (transports/local.c,
 * nfs.c, ssh.c), each exporting one const struct transport, all listed in
 * one table (transports/registry.c).
 *
 * The worker sees one flow whatever the target:
 *
 *   target_open()        bring the target up (wait for the device and
 *                        mount it, or connect) and go to the configured
 *                        path;
 *   target_mkdir()       create the dump directory, mode 0700;
 *   target_create()      create NAME-incomplete, mode 0600, and give a sink;
 *   target_finish()      make the file durable and close it;
 *   target_commit()      rename NAME-incomplete to NAME and make the
 *                        rename durable;
 *   target_close()       unmount or disconnect.
 *
 * A random-access target (local, NFS, SFTP) gives a sink that takes
 * positioned writes. A stream target (a plain ssh pipe) sets
 * seekable = false: its sink only appends, in order, and the worker puts
 * the flattened-format encoder in front of it for the dump.
 */
#ifndef KDI_TRANSPORT_H
#define KDI_TRANSPORT_H

#include <limits.h>
#include <stdbool.h>

#include "sink.h"

struct kdi_config;
struct transport;

struct target {
	const struct transport *tp;
	const struct kdi_config *cfg;
	char dir[256];	      /* dump directory, relative to the path */
	char where[PATH_MAX]; /* for messages: "UUID=... /var/crash/dir" */
	void *priv;	      /* the transport's own state */
};

struct transport {
	const char *name;
	/* Target types (the first word of the config's target) it serves. */
	const char *const *types;
	/* false: create() gives an append-only sink (use the flattened
	 * format for the dump). */
	bool seekable;
	/* Bring the target up. @return 0 or -errno, with a message. */
	int (*open)(struct target *t);
	/* Create directory @name (mode 0700) under the configured path and
	 * make it where create() and commit() work. May rewrite @name in
	 * place into a form the target accepts (no ':' on vfat).
	 * @return 0, -EEXIST when it exists, or -errno with a message. */
	int (*mkdir)(struct target *t, char *name);
	/* Create file @name exclusively (mode 0600); fill in @out.
	 * @return 0 or -errno, with a message. */
	int (*create)(struct target *t, const char *name, struct sink *out);
	/* Flush and close the file behind @out (also after a failed write:
	 * what was written stays). @return 0 or -errno, with a message. */
	int (*finish)(struct target *t, struct sink *out);
	/* Rename @from to @to in the dump directory, durably.
	 * @return 0 or -errno, with a message. */
	int (*commit)(struct target *t, const char *from, const char *to);
	/* Release everything: unmount, disconnect. @return 0 or -errno. */
	int (*close)(struct target *t);
};

/* The transport serving target type @type, or NULL. */
const struct transport *transport_find(const char *type);

/* Bring up the target of @cfg. @return 0 or -errno, with a message. */
int target_open(struct target *t, const struct kdi_config *cfg);

/*
 * Create the dump directory "@base", or "@base-2", "@base-3"... when a
 * directory of that name already exists. @return 0 or -errno.
 */
int target_mkdir(struct target *t, const char *base);

/*
 * Save a file atomically: create "@name-incomplete", let @fill write it
 * through the sink, finish it, and rename it to @name only when @fill and
 * finish succeeded. On failure "@name-incomplete" stays.
 * @return 0, or the first -errno (of @fill, or of the target).
 */
int target_save(struct target *t, const char *name,
		int (*fill)(struct sink *out, void *arg), void *arg);

/* @return 0 or -errno. */
int target_close(struct target *t);

#endif
