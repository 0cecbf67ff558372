/* SPDX-License-Identifier: MIT */
/*
 * Polling, rather than listening for uevents: a dump target is one device,
 * probing the few block devices of a capture kernel costs little, and a
 * poll cannot miss an event that came before it started.
 */
#include "devwait.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

#define POLL_NS (150 * 1000 * 1000L)

/* The libblkid tag each spec prefix is compared with. */
static const struct {
	const char *prefix, *tag;
} tags[] = {
	{"UUID=", "UUID"},
	{"LABEL=", "LABEL"},
	{"PARTUUID=", "PART_ENTRY_UUID"},
	{"PARTLABEL=", "PART_ENTRY_NAME"},
};

static bool probe_matches(const char *node, const char *tag, const char *want)
{
	blkid_probe pr = blkid_new_probe_from_filename(node);
	const char *val;
	bool match = false;

	if (!pr)
		return false;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(
		pr, BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	if (blkid_do_safeprobe(pr) == 0 &&
	    !blkid_probe_lookup_value(pr, tag, &val, NULL))
		/* UUIDs are hex: users write them in either case. */
		match = strstr(tag, "UUID") ? !strcasecmp(val, want)
					    : !strcmp(val, want);
	blkid_free_probe(pr);
	return match;
}

static bool has_size(const char *name)
{
	char path[300];
	unsigned long long sectors = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/block/%s/size", name);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fscanf(f, "%llu", &sectors) != 1)
		sectors = 0;
	fclose(f);
	return sectors > 0;
}

/* One pass over the block devices; @seen lists their names. */
static bool scan(const char *tag, const char *want, char *dev, size_t size,
		 char *seen, size_t seen_size)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	bool found = false;
	char node[300];

	if (!d)
		return false;
	seen[0] = 0;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !has_size(e->d_name))
			continue;
		snprintf(seen + strlen(seen), seen_size - strlen(seen), " %s",
			 e->d_name);
		snprintf(node, sizeof(node), "/dev/%s", e->d_name);
		if (tag[0] && probe_matches(node, tag, want)) {
			snprintf(dev, size, "%s", node);
			found = true;
		}
	}
	closedir(d);
	return found;
}

static bool present(const char *spec, char *dev, size_t size, char *seen,
		    size_t seen_size)
{
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		size_t n = strlen(tags[i].prefix);

		if (!strncmp(spec, tags[i].prefix, n))
			return scan(tags[i].tag, spec + n, dev, size, seen,
				    seen_size);
	}
	/* Still list what exists, for the message on timeout. */
	scan("", "", dev, 0, seen, seen_size);
	if (stat(spec, &st) || !S_ISBLK(st.st_mode))
		return false;
	snprintf(dev, size, "%s", spec);
	return true;
}

int devwait(const char *spec, unsigned int timeout_s, char *dev, size_t size)
{
	const struct timespec pause = {0, POLL_NS};
	uint64_t start = now_ms();
	char seen[1024] = "";
	bool told = false;

	for (;;) {
		if (present(spec, dev, size, seen, sizeof(seen))) {
			if (told)
				msg("found %s as %s after %.1f s", spec, dev,
				    (double)(now_ms() - start) / 1e3);
			return 0;
		}
		if (now_ms() - start >= timeout_s * 1000ull)
			break;
		if (!told)
			msg("waiting up to %u s for %s", timeout_s, spec);
		told = true;
		nanosleep(&pause, NULL);
	}
	msg("dump target %s did not appear within %u s (block devices seen:%s)"
	    "; is its driver in the initrd, or device_timeout too short?",
	    spec, timeout_s, seen[0] ? seen : " none");
	return -ETIMEDOUT;
}
