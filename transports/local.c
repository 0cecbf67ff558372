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
#include <linux/openat2.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
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

/* Symbolic links followed while resolving a path: the kernel's own
 * limit (MAXSYMLINKS). */
#define LINKS_MAX 40

static bool same_dir(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Close *@cur and make @fd (or -1, errno set) the current directory.
 * @return 0 or -errno. */
static int walk_to(int *cur, int fd)
{
	int err = fd < 0 ? -errno : 0;

	close(*cur);
	*cur = fd;
	return err;
}

/* If @name under *@cur is a symbolic link, @buf becomes "TARGET/@rest"
 * (@rest points into @buf) and, for an absolute TARGET, *@cur goes back
 * to @root. @return 1 for a link, 0 for anything else, or -errno. */
static int walk_link(int root, int *cur, const char *name, char *buf,
		     const char *rest, int *links)
{
	char link[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlinkat(*cur, name, link, sizeof(link));
	int err;

	if (n < 0)
		return errno == EINVAL ? 0 : -errno; /* EINVAL: not a link */
	if (++*links > LINKS_MAX)
		return -ELOOP;
	if ((size_t)n >= sizeof(link))
		return -ENAMETOOLONG;
	link[n] = 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", link, rest) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(buf, tmp);
	if (link[0] != '/')
		return 1;
	err = walk_to(cur, fcntl(root, F_DUPFD_CLOEXEC, 0));
	return err ? err : 1;
}

/* Into directory @name under *@cur, through no link; ".." at @root stays
 * there, as at the real root. @return 0 or -errno. */
static int walk_step(int root, int *cur, const char *name)
{
	if (!strcmp(name, "..") && same_dir(*cur, root))
		return 0;
	return walk_to(cur,
		       openat(*cur, name,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

/*
 * The fallback for kernels without openat2 (before 5.6): resolve @path
 * under @root one component at a time, the kernel following no link
 * (O_NOFOLLOW), each link followed here: an absolute one from @root, a
 * relative one from where it is. @return a directory fd, or -errno.
 */
static int dir_walk(int root, const char *path)
{
	char buf[PATH_MAX], *p, *next;
	int cur = fcntl(root, F_DUPFD_CLOEXEC, 0), links = 0, rc = 0;

	if (cur < 0)
		return -errno;
	if (strlen(path) >= sizeof(buf))
		rc = -ENAMETOOLONG;
	else
		strcpy(buf, path);
	for (p = buf; !rc && *p; p = next) {
		p += strspn(p, "/");
		next = strchrnul(p, '/');
		if (*next)
			*next++ = 0;
		if (!*p || !strcmp(p, "."))
			continue;
		rc = walk_link(root, &cur, p, buf, next, &links);
		if (rc > 0) {
			rc = 0;
			next = buf;
		} else if (!rc) {
			rc = walk_step(root, &cur, p);
		}
	}
	if (rc && cur >= 0)
		close(cur);
	return rc ? rc : cur;
}

/*
 * Open directory @path as seen from the target's root @root: a symbolic
 * link on the target that says /srv/crash means the target's /srv/crash,
 * not the initramfs's (where a dump would fail, or go to RAM and be lost
 * at the reboot), and ".." cannot leave the target.
 * @return a directory fd, or -errno.
 */
static int dir_open_in(int root, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root, path, &how, sizeof(how));

	if (fd >= 0)
		return (int)fd;
	/* ENOSYS: before Linux 5.6; EPERM: a seccomp filter that knows
	 * nothing of it (containers running check-target). */
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
	return dir_walk(root, path);
}

/* mkdir -p @path under @root (mode 0700 for what is created), each
 * prefix resolved inside the target (dir_open_in); open it. */
static int path_open(int root, const char *path)
{
	char buf[PATH_MAX], *end;
	int parent = fcntl(root, F_DUPFD_CLOEXEC, 0), fd, err;

	if (parent < 0)
		return -errno;
	if (strlen(path) >= sizeof(buf)) {
		close(parent);
		return -ENAMETOOLONG;
	}
	strcpy(buf, path);
	for (end = buf; *end;) {
		char *name, save;

		end += strspn(end, "/");
		if (!*end)
			break;
		name = end;
		end = strchrnul(end, '/');
		save = *end;
		*end = 0;
		if (mkdirat(parent, name, 0700) && errno != EEXIST) {
			err = -errno;
			close(parent);
			return err;
		}
		fd = dir_open_in(root, buf);
		*end = save;
		close(parent);
		if (fd < 0)
			return fd;
		parent = fd;
	}
	return parent;
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
	l->dirfd = openat(l->pathfd, name,
			  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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
