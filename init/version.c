/* SPDX-License-Identifier: MIT */
/*
 * `kdumpinit --version`: our version and that of every linked library.
 * Where a library can tell its own version at run time we ask it, so the
 * line shows what was really linked in; next to it is the Debian source
 * version deps/versions pinned (kdi_deps.h, written by deps/build.sh).
 */
#include <stdio.h>

#include <blkid/blkid.h>
#include <kdi_deps.h>
#include <libmount/libmount.h>
#include <zstd.h>
#if KDI_WITH_SSH
#include <libssh/libssh.h>
#include <mbedtls/version.h>
#endif

#include "commands.h"
#include "util.h"

static void version_line(const char *lib, const char *runtime,
			 const char *deb_pkg, const char *deb_version)
{
	printf("%-9s %-16s (Debian %s %s)\n", lib, runtime, deb_pkg,
	       deb_version);
}

int cmd_version(int argc, char **argv)
{
	const char *mount;
	const char *blkid;
	const char *blkid_date;

	(void)argv;
	if (argc > 1) {
		msg("version takes no arguments (see kdumpinit --help)");
		return EXIT_USAGE;
	}
	mnt_get_library_version(&mount);
	blkid_get_library_version(&blkid, &blkid_date);

	printf("kdumpinit %s\n", KDI_VERSION);
	version_line("zstd", ZSTD_versionString(), "libzstd", KDI_DEB_LIBZSTD);
	version_line("libmount", mount, "util-linux", KDI_DEB_UTIL_LINUX);
	version_line("libblkid", blkid, "util-linux", KDI_DEB_UTIL_LINUX);
#if KDI_WITH_SSH
	/* mbedtls_version_get_string() wants at least 9 bytes. */
	char mbedtls[16];

	mbedtls_version_get_string(mbedtls);
	version_line("libssh", ssh_version(0), "libssh", KDI_DEB_LIBSSH);
	version_line("mbedtls", mbedtls, "mbedtls", KDI_DEB_MBEDTLS);
#endif
#if KDI_WITH_NFS
	/* libnfs has no call that reports its version. */
	version_line("libnfs", "-", "libnfs", KDI_DEB_LIBNFS);
#endif
	return fflush(stdout) ? EXIT_SYSTEM : 0;
}
