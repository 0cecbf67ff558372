/* SPDX-License-Identifier: MIT */
/* Shared by config.c (the directives) and config_parse.c (the syntax). */
#ifndef KDI_CONFIG_PRIV_H
#define KDI_CONFIG_PRIV_H

#include "config.h"

#define BLANKS " \t\r\n"
#define WORDS_MAX 32

/* Where a value came from, for messages. */
struct place {
	const char *where;
	const char *key;
	const char *value; /* never NULL */
};

/* Print "WHERE: KEY VALUE: reason". @return -EINVAL. */
int config_bad(const struct place *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "WHERE: KEY VALUE: warning: reason". */
void config_warn(const struct place *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Split @buf in place into at most @max blank-separated words.
 * @return the count, or -E2BIG. */
int config_words(char *buf, char **w, int max);

/* A decimal number @lo..@hi filling @p->value. @return 0 or -EINVAL. */
int config_number(const struct place *p, unsigned long lo, unsigned long hi,
		  unsigned long *out);

/* core_collector "makedumpfile OPTIONS": translated into dump_level,
 * format and compress. @return 0 or -EINVAL (nothing changed). */
int config_set_collector(struct kdi_config *cfg, const struct place *p);

#endif
