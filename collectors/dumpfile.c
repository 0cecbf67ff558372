/* SPDX-License-Identifier: MIT */
#include "dumpfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int dumpfile_open(struct dumpfile *df, const char *path)
{
	int err;

	memset(df, 0, sizeof(*df));
	if (access(path, R_OK)) {
		err = -errno;
		msg("cannot read %s: %s", path, strerror(errno));
		return err;
	}
	df->kdump = kdump_probe(path);
	if (df->kdump) {
		err = kdump_open(&df->kf, path);
		if (!err)
			kdump_memsrc(&df->kf, &df->ms);
	} else {
		err = vmcore_open(&df->vc, path);
		if (!err)
			vmcore_memsrc(&df->vc, &df->ms);
	}
	return err;
}

void dumpfile_close(struct dumpfile *df)
{
	if (df->kdump)
		kdump_close(&df->kf);
	else
		vmcore_close(&df->vc);
}
