/* SPDX-License-Identifier: MIT */
#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util.h"

/* Not in older headers: the kernel decompresses (Linux 6.4 and later). */
#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* A relative path is relative to /lib/modules/<release>/, as modules.dep
 * writes them. */
static void module_path(const char *line, char *path, size_t size)
{
	struct utsname u;

	if (line[0] == '/' || uname(&u))
		snprintf(path, size, "%s", line);
	else
		snprintf(path, size, "/lib/modules/%s/%s", u.release, line);
}

static int module_load(const char *path)
{
	int flags = 0, fd, err = 0;

	if (has_suffix(path, ".xz") || has_suffix(path, ".zst") ||
	    has_suffix(path, ".gz"))
		flags |= MODULE_INIT_COMPRESSED_FILE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		msg("cannot open module %s: %s", path, strerror(errno));
		return err;
	}
	if (syscall(SYS_finit_module, fd, "", flags) && errno != EEXIST) {
		err = -errno;
		msg("cannot load module %s: %s%s", path, strerror(-err),
		    flags && err == -EINVAL
			    ? " (this kernel cannot load compressed modules: "
			      "let mkinitrd decompress them)"
			    : "");
	}
	close(fd);
	/* The initramfs is RAM the capture kernel needs: a loaded module's
	 * file is dead weight from now on. */
	if (!err)
		unlink(path);
	return err;
}

int modules_load(const char *order)
{
	char line[4096], path[4096 + 128];
	int err = 0, e, n = 0;
	FILE *f = fopen(order, "re");

	if (!f) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		msg("cannot read the module list %s: %s", order,
		    strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		module_path(line, path, sizeof(path));
		e = module_load(path);
		if (e && !err)
			err = e;
		n += !e;
	}
	fclose(f);
	msg("loaded %d kernel modules", n);
	return err;
}
