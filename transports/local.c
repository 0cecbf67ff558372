/* SPDX-License-Identifier: MIT */
/*
 * A local filesystem target: wait for the device, mount it with libmount,
 * and work relative to directory descriptors so that every step (create,
 * fsync, rename, fsync the directory) names no path twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "devwait.h"
#include "transport.h"
#include "util.h"

/* A fresh directory, removed again: the same in the capture kernel's
 * initrd (which has no /tmp until we make it) and for check-target on a
 * running system, which must not leave a directory at its root. */
#define MOUNT_POINT "/tmp/kdumpinit-target-XXXXXX"

struct local {
	char dev[PATH_MAX];
	int pathfd; /* the configured path on the mounted filesystem */
	int dirfd;  /* the dump directory */
	bool mounted;
	bool tmp_mnt; /* mnt is ours to remove */
	char mnt[sizeof(MOUNT_POINT)];
};

static int local_mount(struct target *t, struct local *l)
{
	const char *type = t->conf->type;
	struct libmnt_context *cxt = mnt_new_context();
	char why[256] = "";
	int rc, err = 0;

	if (!cxt)
		return -ENOMEM;
	/* No /etc/fstab, no mount helpers, no utab in an initrd. */
	mnt_context_disable_helpers(cxt, 1);
	mnt_context_disable_mtab(cxt, 1);
	mnt_context_set_source(cxt, l->dev);
	mnt_context_set_target(cxt, l->mnt);
	mnt_context_set_fstype(cxt, type);
	rc = mnt_context_mount(cxt);
	if (rc || mnt_context_get_status(cxt) != 1) {
		mnt_context_get_excode(cxt, rc, why, sizeof(why));
		err = mnt_context_syscall_called(cxt) &&
				      mnt_context_get_syscall_errno(cxt)
			      ? -mnt_context_get_syscall_errno(cxt)
			      : -EIO;
		msg("cannot mount %s (%s) on %s: %s", l->dev, type, l->mnt,
		    why[0] ? why : strerror(-err));
	}
	mnt_free_context(cxt);
	return err;
}

/* mkdir -p @path under @root (mode 0700 for what is created); open it. */
static int path_open(int root, const char *path)
{
	char buf[PATH_MAX], *p, *slash;
	int fd = dup(root), next, err;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; fd >= 0 && *p; p = slash) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchrnul(p, '/');
		if (*slash)
			*slash++ = 0;
		if (mkdirat(fd, p, 0700) && errno != EEXIST) {
			err = -errno;
			close(fd);
			return err;
		}
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = -errno;
		close(fd);
		if (next < 0)
			return err;
		fd = next;
	}
	return fd < 0 ? -errno : fd;
}

static int local_open(struct target *t)
{
	const struct target_conf *c = t->conf;
	struct local *l = calloc(1, sizeof(*l));
	int err, root;

	if (!l)
		return -ENOMEM;
	l->pathfd = l->dirfd = -1;
	t->priv = l;
	snprintf(t->where, sizeof(t->where), "%s:%s", c->device, c->path);
	err = devwait(c->device, c->device_timeout, l->dev, sizeof(l->dev));
	if (err)
		return err;
	strcpy(l->mnt, MOUNT_POINT);
	mkdir("/tmp", 01777);
	if (!mkdtemp(l->mnt)) {
		err = -errno;
		msg("cannot make a mount point %s: %s", l->mnt, strerror(-err));
		return err;
	}
	l->tmp_mnt = true;
	err = local_mount(t, l);
	if (err)
		return err;
	l->mounted = true;
	root = open(l->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	l->pathfd = path_open(root, c->path);
	close(root);
	if (l->pathfd < 0) {
		err = l->pathfd;
		msg("cannot create %s on %s: %s", c->path, l->dev,
		    strerror(-err));
		return err;
	}
	msg("mounted %s (%s) for the dump", l->dev, c->type);
	return 0;
}

/* FAT has no ':' in names: HH:MM:SS becomes HH-MM-SS there. */
static void name_fit(int dirfd, char *name)
{
	struct statfs sf;

	if (fstatfs(dirfd, &sf) || sf.f_type != MSDOS_SUPER_MAGIC)
		return;
	for (; *name; name++)
		if (*name == ':')
			*name = '-';
}

static int local_mkdir(struct target *t, char *name)
{
	struct local *l = t->priv;
	int err;

	name_fit(l->pathfd, name);

	if (mkdirat(l->pathfd, name, 0700)) {
		err = -errno;
		if (err != -EEXIST)
			msg("cannot create %s/%s: %s", t->where, name,
			    strerror(-err));
		return err;
	}
	l->dirfd = openat(l->pathfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0 || fsync(l->pathfd)) {
		err = -errno;
		msg("cannot open %s/%s: %s", t->where, name, strerror(-err));
		return err;
	}
	return 0;
}

static int local_create(struct target *t, const char *name, struct sink *out)
{
	struct local *l = t->priv;
	int fd, err;

	fd = openat(l->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		err = -errno;
		msg("cannot create %s/%s/%s: %s", t->where, t->dir, name,
		    strerror(-err));
		return err;
	}
	sink_fd_init(out, fd);
	return 0;
}

static int local_finish(struct target *t, struct sink *out)
{
	int err = 0, fd = sink_fd(out);

	if (fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err)
		msg("cannot write a file in %s/%s: %s", t->where, t->dir,
		    strerror(-err));
	return err;
}

static int local_commit(struct target *t, const char *from, const char *to)
{
	struct local *l = t->priv;
	int err;

	if (renameat(l->dirfd, from, l->dirfd, to) || fsync(l->dirfd)) {
		err = -errno;
		msg("cannot rename %s to %s in %s/%s: %s", from, to, t->where,
		    t->dir, strerror(-err));
		return err;
	}
	return 0;
}

static int local_remove(struct target *t, const char *name)
{
	struct local *l = t->priv;
	int err = name ? unlinkat(l->dirfd, name, 0)
		       : unlinkat(l->pathfd, t->dir, AT_REMOVEDIR);

	if (err) {
		err = -errno;
		msg("cannot remove %s/%s%s%s: %s", t->where, t->dir,
		    name ? "/" : "", name ? name : "", strerror(-err));
	}
	return err;
}

static int local_space(struct target *t, uint64_t *avail, uint64_t *total)
{
	struct local *l = t->priv;
	struct statfs sf;

	if (fstatfs(l->pathfd, &sf)) {
		msg("cannot read the free space of %s: %s", t->where,
		    strerror(errno));
		return -errno;
	}
	*avail = (uint64_t)sf.f_bavail * (uint64_t)sf.f_bsize;
	*total = (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize;
	return 0;
}

static int local_close(struct target *t)
{
	struct local *l = t->priv;
	int err = 0;

	if (!l)
		return 0;
	if (l->dirfd >= 0)
		close(l->dirfd);
	if (l->pathfd >= 0) {
		if (syncfs(l->pathfd))
			err = -errno;
		close(l->pathfd);
	}
	if (l->mounted && umount(l->mnt) && !err) {
		err = -errno;
		msg("cannot unmount %s from %s: %s", l->dev, l->mnt,
		    strerror(-err));
	} else if (l->tmp_mnt) {
		rmdir(l->mnt);
	}
	free(l);
	t->priv = NULL;
	return err;
}

static const char *const local_types[] = {
	"ext4", "ext3", "ext2", "xfs", "btrfs", "vfat", NULL,
};

const struct transport transport_local = {
	.name = "local",
	.types = local_types,
	.positioned = true,
	.open = local_open,
	.mkdir = local_mkdir,
	.create = local_create,
	.finish = local_finish,
	.commit = local_commit,
	.remove = local_remove,
	.space = local_space,
	.close = local_close,
};
