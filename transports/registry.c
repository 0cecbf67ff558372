/* SPDX-License-Identifier: MIT */
/*
 * The table of transports, and the target_* flow the worker uses on top
 * of whichever transport the config names.
 */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

extern const struct transport transport_local;

static const struct transport *const transports[] = {
	&transport_local,
};

const struct transport *transport_find(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		for (const char *const *ty = transports[i]->types; *ty; ty++)
			if (!strcmp(*ty, type))
				return transports[i];
	return NULL;
}

int target_open(struct target *t, const struct target_conf *conf)
{
	memset(t, 0, sizeof(*t));
	t->conf = conf;
	if (!conf->type[0]) {
		msg("no dump target is configured: nowhere to save the dump");
		return -EDESTADDRREQ;
	}
	t->tp = transport_find(conf->type);
	if (!t->tp) {
		msg("target type '%s' is not supported by this build",
		    conf->type);
		return -EPROTONOSUPPORT;
	}
	return t->tp->open(t);
}

int target_mkdir(struct target *t, const char *base)
{
	char name[sizeof(t->dir)];
	int err = -EEXIST;

	/* A second crash within the same second must not overwrite the
	 * first one's files: take the next free name. */
	for (int i = 1; i <= 99 && err == -EEXIST; i++) {
		if (i == 1)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s-%d", base, i);
		err = t->tp->mkdir(t, name);
	}
	if (err == -EEXIST)
		msg("cannot create a dump directory %s-N: all names are taken",
		    base);
	if (!err)
		snprintf(t->dir, sizeof(t->dir), "%s", name);
	return err;
}

int target_save(struct target *t, const char *name,
		int (*fill)(struct sink *out, void *arg), void *arg)
{
	char tmp[256];
	struct sink out;
	int err, ferr;

	snprintf(tmp, sizeof(tmp), "%s-incomplete", name);
	err = t->tp->create(t, tmp, &out);
	if (err)
		return err;
	err = fill(&out, arg);
	/* Finish even after a failed fill: what was written must reach the
	 * disk under the -incomplete name. */
	ferr = t->tp->finish(t, &out);
	if (err)
		return err;
	if (ferr)
		return ferr;
	return t->tp->commit(t, tmp, name);
}

int target_close(struct target *t)
{
	if (!t->tp)
		return 0;
	return t->tp->close(t);
}
