/* SPDX-License-Identifier: MIT */
/*
 * The configuration (init/config.c, init/config_parse.c and the network
 * directives of transports/net_conf.c): the input up to its first NUL
 * is /etc/kdumpinit.conf, the rest the kernel command line; then the
 * summary, whole and cut.
 *
 * Properties (config.h): config_summary() returns the length it needs
 * whatever the buffer, always terminates it, and its words are
 * key=value without blanks.
 */
#include "config.h"
#include "fuzz.h"

static int conf_fd = -1;
static char conf_path[32];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *z = memchr(data, 0, size);
	size_t flen = z ? (size_t)(z - data) : size;
	size_t clen = z ? size - flen - 1 : 0;
	struct kdi_config cfg;
	char *cmdline, big[8192], small[24];
	size_t n, m;

	if (conf_fd < 0) {
		conf_fd = fuzz_memfd("fuzz-config");
		fuzz_path(conf_path, sizeof(conf_path), conf_fd);
	}
	fuzz_fill(conf_fd, data, flen, 0);
	cmdline = malloc(clen + 1);
	if (!cmdline)
		abort();
	memcpy(cmdline, z ? z + 1 : data, clen);
	cmdline[clen] = 0;

	config_defaults(&cfg);
	config_parse_file(&cfg, conf_path);
	config_apply_cmdline(&cfg, cmdline);
	free(cmdline);

	memset(big, 'x', sizeof(big));
	memset(small, 'x', sizeof(small));
	n = config_summary(&cfg, big, sizeof(big));
	m = config_summary(&cfg, small, sizeof(small));
	if (n != m)
		FUZZ_FAIL("config_summary needs %zu bytes, or %zu", n, m);
	if (strnlen(big, sizeof(big)) !=
	    (n < sizeof(big) ? n : sizeof(big) - 1))
		FUZZ_FAIL("config_summary: %zu bytes needed, %zu written", n,
			  strnlen(big, sizeof(big)));
	if (strnlen(small, sizeof(small)) != sizeof(small) - 1 &&
	    n >= sizeof(small))
		FUZZ_FAIL("config_summary: cut summary not terminated");
	if (n >= sizeof(big))
		return 0;
	/* "values hold no blanks, so that a shell can split it": no IFS */
	for (char *w = strtok(big, " "); w; w = strtok(NULL, " "))
		if (!strchr(w, '=') || strpbrk(w, "\t\n"))
			FUZZ_FAIL("config_summary: word \"%.64s\" is not "
				  "key=value without blanks",
				  w);
	return 0;
}
