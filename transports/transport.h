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
 * positioned writes. A stream target (a plain ssh pipe) gives one that
 * does not (sink.positioned = false): its bytes go in order, and the
 * worker puts the flattened-format encoder in front of it for the dump.
 *
 * A transport knows its target from struct target_conf alone, filled in
 * by the config parser; it knows nothing of the rest of the config.
 */
#ifndef KDI_TRANSPORT_H
#define KDI_TRANSPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "net.h"
#include "sink.h"

struct transport;

enum target_kind { TARGET_NONE, TARGET_LOCAL, TARGET_NFS, TARGET_SSH };

/* Where to save, as the config says it. */
struct target_conf {
	enum target_kind kind;
	char type[16];	  /* the directive: "ext4", "nfs", "ssh"; "" = none */
	char device[256]; /* its argument as written: "UUID=...", "srv:/e" */
	char path[256];	  /* absolute, under the target; default /var/crash */

	unsigned int device_timeout; /* local: seconds; default 30 */

	/* Network targets: how to bring the network up in the capture
	 * kernel, how long one operation may take, and how long a server
	 * that went away is tried again before the file stays -incomplete. */
	struct net_conf net;
	unsigned int io_timeout;   /* seconds; default 30 */
	unsigned int retry_window; /* seconds; default 120 */

	struct {
		char server[256]; /* a name or an address, without [] */
		char export[256];
		unsigned int version;	 /* 4 (default) or 3 */
		unsigned int port;	 /* 0: 2049 (v4), the portmapper (v3) */
		unsigned int mount_port; /* v3; 0: the portmapper */
	} nfs;

	struct {
		char user[64];
		char host[256];
		unsigned int port; /* default 22 */
		/* Files on the host that mkinitrd packs at the same paths. */
		char key[256];	       /* default /root/.ssh/kdump_id_rsa */
		char known_hosts[256]; /* default /root/.ssh/known_hosts */
	} ssh;
};

struct target {
	const struct transport *tp;
	const struct target_conf *conf;
	char dir[256];		 /* dump directory, relative to the path */
	char where[PATH_MAX];	 /* for messages: "UUID=... /var/crash/dir" */
	unsigned int reconnects; /* connections made again (network) */
	/* Its files take positioned writes: from the transport, but a
	 * transport may find at open() that this target cannot (an SSH
	 * server without SFTP): then the dump goes as a flattened stream,
	 * vmcore.flat. */
	bool positioned;
	char via[128]; /* how the bytes travel, for the summary */
	void *priv;    /* the transport's own state */
};

struct transport {
	const char *name;
	/* Target types (the first word of the config's target) it serves. */
	const char *const *types;
	/* Its files take positioned writes (sink.positioned); false: the
	 * dump is saved as vmcore.flat, in the flattened format. Copied to
	 * target.positioned before open(), which may clear it. */
	bool positioned;
	/* The target is reached over the network: the capture brings it up
	 * first (net_up()). */
	bool network;
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
	/* Remove file @name from the dump directory, or the (empty) dump
	 * directory itself when @name is NULL. @return 0 or -errno, with a
	 * message. */
	int (*remove)(struct target *t, const char *name);
	/* Free and total bytes under the path. @return 0 or -errno, with a
	 * message. */
	int (*space)(struct target *t, uint64_t *avail, uint64_t *total);
	/* Optional: the SHA-256 of file @name in the dump directory as the
	 * target holds it, in hex, computed where the file is (nothing read
	 * back over the network). @return 0 or -errno (-EOPNOTSUPP: the
	 * target cannot). */
	int (*sha256)(struct target *t, const char *name, char hex[65]);
	/* Release everything: unmount, disconnect. @return 0 or -errno. */
	int (*close)(struct target *t);
};

/* The transport serving target type @type, or NULL. */
const struct transport *transport_find(const char *type);

/*
 * In the capture kernel, before target_open(): bring up what the target
 * needs beneath it (the network for nfs and ssh; nothing for a local
 * disk, whose open waits for its device). @st gets what was set up.
 * @return 0 or -errno, with a message.
 */
int target_prepare(const struct target_conf *conf, struct net_state *st);

/* Bring up target @conf. @return 0 or -errno, with a message. */
int target_open(struct target *t, const struct target_conf *conf);

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

/*
 * Whether the target works, before any crash, from the running system:
 * open it (creating the path), create a test directory, write, sync and
 * rename a test file there (4 MiB, or @mib MiB timed, the rate printed),
 * remove both, and print the free space.
 * @return 0 or the first -errno (each failure with a message).
 */
int target_check(const struct target_conf *conf, unsigned int mib);

/* @return 0 or -errno. */
int target_close(struct target *t);

#endif
