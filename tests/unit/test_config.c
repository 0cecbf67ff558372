/* SPDX-License-Identifier: MIT */
/*
 * The config parser: what users write in /etc/kdumpinit.conf and on the
 * kernel command line, and the messages they get when it is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static char errs[16384];
static char conf_path[64];
static int saved_fd = -1;
static FILE *err_file;

/* Collect what the parser prints on stderr. */
static void errs_begin(void)
{
	fflush(stderr);
	err_file = tmpfile();
	saved_fd = dup(2);
	dup2(fileno(err_file), 2);
}

static const char *errs_end(void)
{
	size_t n;

	dup2(saved_fd, 2);
	close(saved_fd);
	rewind(err_file);
	n = fread(errs, 1, sizeof(errs) - 1, err_file);
	errs[n] = 0;
	fclose(err_file);
	return errs;
}

static void conf_write(const char *text, size_t len)
{
	FILE *f;
	int fd;

	strcpy(conf_path, "/tmp/kdi-test-conf-XXXXXX");
	fd = mkstemp(conf_path);
	f = fdopen(fd, "w");
	fwrite(text, 1, len, f);
	fclose(f);
}

/* Parse the @len bytes of @text as a file; its stderr goes to errs. */
static int conf_parse_n(struct kdi_config *cfg, const char *text, size_t len)
{
	int err;

	config_defaults(cfg);
	conf_write(text, len);
	errs_begin();
	err = config_parse_file(cfg, conf_path);
	errs_end();
	unlink(conf_path);
	return err;
}

static int conf_parse(struct kdi_config *cfg, const char *text)
{
	return conf_parse_n(cfg, text, strlen(text));
}

/* Does errs hold "kdumpinit: <conf_path>:<rest>"? */
static int has_err(const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "kdumpinit: %s:%s", conf_path, rest);
	return strstr(errs, want) != NULL;
}

static void test_defaults(void)
{
	struct kdi_config c;

	config_defaults(&c);
	CHECK_EQ_U(c.tgt.kind, TARGET_NONE);
	CHECK_STR(c.tgt.path, "/var/crash");
	CHECK_EQ_U(c.dump_level, 31);
	CHECK_EQ_U(c.compress, DUMP_COMPRESS_ZSTD);
	CHECK(c.zstd_level == -1);
	CHECK_EQ_U(c.format, DUMP_KDUMP);
	CHECK_EQ_U(c.tgt.device_timeout, 30);
	CHECK_EQ_U(c.dump_timeout, 0);
	CHECK_EQ_U(c.threads, 0); /* one per online CPU */
	CHECK_EQ_U(c.failure_action, ACTION_REBOOT);
	CHECK_EQ_U(c.final_action, ACTION_REBOOT);
	CHECK_EQ_U(c.tgt.ssh.port, 22);
	CHECK_STR(c.hostname, "");
}

static void test_full_file(void)
{
	struct kdi_config c;
	int err = conf_parse(&c, "# a dump config\n"
				 "\n"
				 "xfs UUID=1234-abcd   # the dump disk\n"
				 "path /srv/dumps\n"
				 "dump_level 17\n"
				 "compress none\n"
				 "zstd_level 19\n"
				 "  device_timeout\t90  \r\n"
				 "dump_timeout 600\n"
				 "threads 4\n"
				 "format elf\n"
				 "hostname web-1.example\n"
				 "extra_modules nvme ahci\n"
				 "extra_modules ahci sd_mod\n"
				 "failure_action poweroff\n"
				 "final_action halt\n");

	CHECK_EQ_U(err, 0);
	CHECK_STR(errs, "");
	CHECK_EQ_U(c.tgt.kind, TARGET_LOCAL);
	CHECK_STR(c.tgt.type, "xfs");
	CHECK_STR(c.tgt.device, "UUID=1234-abcd");
	CHECK_STR(c.tgt.path, "/srv/dumps");
	CHECK_EQ_U(c.dump_level, 17);
	CHECK_EQ_U(c.compress, DUMP_COMPRESS_NONE);
	CHECK_EQ_U(c.zstd_level, 19);
	CHECK_EQ_U(c.tgt.device_timeout, 90);
	CHECK_EQ_U(c.dump_timeout, 600);
	CHECK_EQ_U(c.threads, 4);
	CHECK_EQ_U(c.format, DUMP_ELF);
	CHECK_STR(c.hostname, "web-1.example");
	CHECK_EQ_U(c.n_extra_modules, 3);
	CHECK_STR(c.extra_modules[0], "nvme");
	CHECK_STR(c.extra_modules[2], "sd_mod");
	CHECK_EQ_U(c.failure_action, ACTION_POWEROFF);
	CHECK_EQ_U(c.final_action, ACTION_HALT);
}

/* Every bad line is reported with file, line and reason, not just the
 * first, and a bad value leaves the default in place. */
static void test_errors_all_reported(void)
{
	struct kdi_config c;
	int err = conf_parse(&c, "ext4 LABEL=dumps\n"
				 "dump_level 40\n"
				 "zstd_level 0\n"
				 "failure_action shell\n"
				 "frobnicate 1\n"
				 "device_timeout 010x\n"
				 "path relative/dir\n"
				 "raw /dev/sdb1\n"
				 "threads 65\n");

	CHECK_EQ_U(err, (unsigned long long)-EINVAL);
	CHECK(has_err("9: threads 65: must be 0..64\n"));
	CHECK(has_err("2: dump_level 40: must be 0..31\n"));
	CHECK(has_err("3: zstd_level 0: must be -7..-1 or 1..19\n"));
	CHECK(has_err("4: failure_action shell: not possible"));
	CHECK(has_err("5: frobnicate 1: unknown directive"));
	CHECK(has_err("6: device_timeout 010x: must be a number"));
	CHECK(has_err("7: path relative/dir: must be an absolute path"));
	CHECK(has_err("8: raw /dev/sdb1: not supported"));
	CHECK_EQ_U(c.dump_level, 31);
	CHECK(c.zstd_level == -1);
	CHECK_STR(c.tgt.path, "/var/crash");
	CHECK_STR(c.tgt.device, "LABEL=dumps");
}

static void test_numbers_decimal_only(void)
{
	struct kdi_config c;

	CHECK_EQ_U(conf_parse(&c, "ext4 /dev/vdb\ndump_level 010\n"), 0);
	CHECK_EQ_U(c.dump_level, 10);
	CHECK(conf_parse(&c, "ext4 /dev/vdb\ndump_level 0x1f\n"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\ndump_level -1\n"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\ndump_level\n"));
	CHECK(has_err("2: dump_level: needs a value"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\ndump_level 1 2\n"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\n"
			     "dump_timeout 99999999999999999999999\n"));
	CHECK(has_err("2: dump_timeout 99999999999999999999999: must be"));
	CHECK_EQ_U(c.dump_timeout, 0);
}

/* zstd's fast levels are negative; 0 would silently mean level 3. */
static void test_zstd_levels(void)
{
	struct kdi_config c;

	CHECK(conf_parse(&c, "ext4 LABEL=d\nzstd_level -7\n") == 0);
	CHECK(c.zstd_level == -7);
	CHECK(conf_parse(&c, "ext4 LABEL=d\nzstd_level 19\n") == 0);
	CHECK(c.zstd_level == 19);
	CHECK(conf_parse(&c, "ext4 LABEL=d\nzstd_level -8\n") == -EINVAL);
	CHECK(has_err("2: zstd_level -8: must be -7..-1 or 1..19\n"));
	CHECK(conf_parse(&c, "ext4 LABEL=d\nzstd_level -\n") == -EINVAL);
	CHECK(has_err("2: zstd_level -: must be -7..-1 or 1..19\n"));
	CHECK(conf_parse(&c, "ext4 LABEL=d\nzstd_level 20\n") == -EINVAL);
	CHECK(conf_parse(&c, "ext4 LABEL=d\nzstd_level --1\n") == -EINVAL);
	CHECK(conf_parse(&c,
			 "ext4 LABEL=d\nzstd_level 99999999999999999999\n") ==
	      -EINVAL);
	CHECK(c.zstd_level == -1);
}

static void test_long_line_refused(void)
{
	struct kdi_config c;
	char text[3 * CONFIG_LINE_MAX];
	int n;

	n = snprintf(text, sizeof(text), "ext4 /dev/vdb\nhostname ");
	memset(text + n, 'a', 2000);
	strcpy(text + n + 2000, "\ndump_level 5\ndump_level 99\n");
	CHECK(conf_parse(&c, text));
	CHECK(has_err("2: line longer than 1023 bytes"));
	/* The lines after it are still read, with the right numbers. */
	CHECK_EQ_U(c.dump_level, 5);
	CHECK(has_err("4: dump_level 99: must be 0..31"));
	CHECK_STR(c.hostname, "");

	/* The limit is exact: 1023 bytes and the newline fit, at the end of
	 * the file too; 1024 do not, with or without the newline. */
	n = snprintf(text, sizeof(text), "ext4 /dev/vdb\nhostname ");
	memset(text + n, 'b', 1023 - 9);
	strcpy(text + n + 1023 - 9, "\n");
	CHECK(conf_parse(&c, text));
	CHECK(has_err("2: hostname bbb"));
	CHECK(!strstr(errs, "line longer"));
	text[strlen(text) - 1] = 0;
	CHECK(conf_parse(&c, text));
	CHECK(has_err("2: hostname bbb"));
	CHECK(!strstr(errs, "line longer"));
	strcat(text, "b\n");
	CHECK(conf_parse(&c, text));
	CHECK(has_err("2: line longer than 1023 bytes"));
	text[strlen(text) - 1] = 0;
	CHECK(conf_parse(&c, text));
	CHECK(has_err("2: line longer than 1023 bytes"));
}

/* A NUL byte would end the line unseen, and what follows it would be
 * dropped without a word: the line is an error, named by its number. */
static void test_nul_byte(void)
{
	static const char hidden[] =
		"ext4 /dev/vdb\nhostname a\0dump_level 5\n";
	struct kdi_config c;
	char text[3 * CONFIG_LINE_MAX];
	int n;

	CHECK_EQ_U(conf_parse_n(&c, hidden, sizeof(hidden) - 1), -EINVAL);
	CHECK(has_err("2: a NUL byte (at byte 11 of the line)"));
	CHECK_STR(c.hostname, "");
	CHECK(c.dump_level != 5);

	/* In a line longer than the limit: still one line, the next ones
	 * keep their numbers. */
	n = snprintf(text, sizeof(text), "ext4 /dev/vdb\nhostname a");
	text[n++] = 0;
	memset(text + n, 'b', 1500);
	n += 1500;
	n += snprintf(text + n, sizeof(text) - (size_t)n,
		      "\ndump_level 99\ndump_level 7\n");
	CHECK(conf_parse_n(&c, text, (size_t)n));
	CHECK(has_err("2: a NUL byte (at byte 11 of the line)"));
	CHECK(has_err("3: dump_level 99: must be 0..31"));
	CHECK(!strstr(errs, ":4:"));
	CHECK(!strstr(errs, "bbb"));
	CHECK_EQ_U(c.dump_level, 7);
}

static void test_targets(void)
{
	struct kdi_config c;

	CHECK_EQ_U(conf_parse(&c, "nfs nfs.example:/exports/crash\n"), 0);
	CHECK_EQ_U(c.tgt.kind, TARGET_NFS);
	CHECK_STR(c.tgt.nfs.server, "nfs.example");
	CHECK_STR(c.tgt.nfs.export, "/exports/crash");
	CHECK_EQ_U(conf_parse(&c, "nfs [fd00::1]:/e\n"), 0);
	CHECK_STR(c.tgt.nfs.server, "fd00::1");
	CHECK_EQ_U(conf_parse(&c, "ssh kdump@backup.example\n"
				  "ssh_port 2222\n"
				  "sshkey /root/.ssh/id_kdump\n"
				  "known_hosts /etc/kdumpinit/known_hosts\n"),
		   0);
	CHECK_EQ_U(c.tgt.kind, TARGET_SSH);
	CHECK_STR(c.tgt.ssh.user, "kdump");
	CHECK_STR(c.tgt.ssh.host, "backup.example");
	CHECK_EQ_U(c.tgt.ssh.port, 2222);
	CHECK_STR(c.tgt.ssh.key, "/root/.ssh/id_kdump");
	CHECK_STR(c.tgt.ssh.known_hosts, "/etc/kdumpinit/known_hosts");

	CHECK(conf_parse(&c, "ext4 UUID=a\nxfs UUID=b\n"));
	CHECK(has_err("2: xfs UUID=b: only one target is allowed"));
	CHECK_STR(c.tgt.device, "UUID=a");
	CHECK(conf_parse(&c, "ext4 sdb1\n"));
	CHECK(has_err("1: ext4 sdb1: the device must be"));
	CHECK(conf_parse(&c, "nfs server/export\n"));
	CHECK(conf_parse(&c, "ssh backup.example\n"));
	CHECK(has_err("1: ssh backup.example: must be USER@HOST"));
	CHECK(conf_parse(&c, "path /var/crash\n"));
	CHECK(strstr(errs, ": no dump target"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\nextra_modules ext4.ko\n"));
	CHECK(has_err("2: extra_modules ext4.ko: 'ext4.ko' is not a module"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\npath /var/../etc\n"));
}

static void test_core_collector(void)
{
	struct kdi_config c;

	/* RHEL's default line. */
	CHECK_EQ_U(conf_parse(&c, "ext4 /dev/vdb\ncompress none\ncore_collector"
				  " makedumpfile -l --message-level 7 -d 31\n"),
		   0);
	CHECK_EQ_U(c.compress, DUMP_COMPRESS_ZSTD);
	CHECK_EQ_U(c.dump_level, 31);
	CHECK(has_err("3: core_collector makedumpfile -l --message-level 7 "
		      "-d 31: warning: -l: writing zstd instead"));
	CHECK_EQ_U(conf_parse(&c, "ext4 /dev/vdb\ncore_collector "
				  "/usr/sbin/makedumpfile -zF -d1\n"),
		   0);
	CHECK_STR(errs, "");
	CHECK_EQ_U(c.compress, DUMP_COMPRESS_ZSTD);
	CHECK_EQ_U(c.dump_level, 1);
	/* makedumpfile's defaults when an option is absent. */
	CHECK_EQ_U(conf_parse(&c, "ext4 /dev/vdb\n"
				  "core_collector makedumpfile -E\n"),
		   0);
	CHECK_EQ_U(c.format, DUMP_ELF);
	CHECK_EQ_U(c.compress, DUMP_COMPRESS_NONE);
	CHECK_EQ_U(c.dump_level, 0);

	CHECK(conf_parse(&c, "ext4 /dev/vdb\n"
			     "core_collector makedumpfile -c -d 11,31\n"));
	CHECK(has_err("2: core_collector makedumpfile -c -d 11,31: -d 11,31: "
		      "give one dump level"));
	CHECK_EQ_U(c.dump_level, 31);
	CHECK_EQ_U(c.compress, DUMP_COMPRESS_ZSTD);
	CHECK(conf_parse(&c, "ext4 /dev/vdb\n"
			     "core_collector makedumpfile --num-threads 4\n"));
	CHECK(strstr(errs, "option --num-threads is not supported"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\n"
			     "core_collector makedumpfile -d 32\n"));
	CHECK(conf_parse(&c,
			 "ext4 /dev/vdb\ncore_collector makedumpfile -d\n"));
	CHECK(conf_parse(&c,
			 "ext4 /dev/vdb\ncore_collector makedumpfile -X\n"));
	CHECK(conf_parse(&c, "ext4 /dev/vdb\ncore_collector cp\n"));
	CHECK(has_err("2: core_collector cp: only makedumpfile"));
}

static void test_comments(void)
{
	struct kdi_config c;

	CHECK_EQ_U(conf_parse(&c, "ext4 /dev/vdb\n"
				  "path /var/crash#1 # where\n"
				  "  # indented comment\n"
				  "#dump_level 40\n"),
		   0);
	CHECK_STR(c.tgt.path, "/var/crash#1");
	CHECK_EQ_U(c.dump_level, 31);
}

static void test_cmdline(void)
{
	struct kdi_config c;
	int err;

	config_defaults(&c);
	errs_begin();
	err = config_apply_cmdline(
		&c, "BOOT_IMAGE=/vmlinuz root=/dev/sda1 kdumpinit.dump_level=1 "
		    "kdumpinit.extra_modules=\"nvme ahci\" quiet "
		    "\"kdumpinit.path=/a b\" kdumpinit.ext4=UUID=9 "
		    "kdumpinit.final_action=poweroff\n");
	errs_end();
	CHECK_EQ_U(err, (unsigned long long)-EINVAL);
	CHECK_EQ_U(c.dump_level, 1);
	CHECK_EQ_U(c.n_extra_modules, 2);
	CHECK_STR(c.extra_modules[1], "ahci");
	CHECK(strstr(errs, "kdumpinit: kernel command line: path /a b: takes "
			   "one value"));
	CHECK_STR(c.tgt.device, "UUID=9");
	CHECK_EQ_U(c.final_action, ACTION_POWEROFF);

	config_defaults(&c);
	errs_begin();
	err = config_apply_cmdline(&c, "kdumpinit.dump_level=77 kdumpinit.x");
	errs_end();
	CHECK_EQ_U(err, (unsigned long long)-EINVAL);
	CHECK(strstr(errs,
		     "kernel command line: dump_level 77: must be 0..31"));
	CHECK(strstr(errs, "kernel command line: kdumpinit.x: must be"));
	CHECK_EQ_U(c.dump_level, 31);

	config_defaults(&c);
	CHECK_EQ_U(config_apply_cmdline(&c, "ro quiet splash"), 0);
	CHECK_EQ_U(config_apply_cmdline(&c, ""), 0);
}

static void test_missing_file(void)
{
	struct kdi_config c;
	int err;

	config_defaults(&c);
	errs_begin();
	err = config_parse_file(&c, "/nonexistent/kdumpinit.conf");
	errs_end();
	CHECK_EQ_U(err, (unsigned long long)-ENOENT);
	CHECK(strstr(errs, "cannot read /nonexistent/kdumpinit.conf"));
}

/* The NFS target's settings and the network directives, which the
 * network's own parser (net_conf.c) takes through config_set(). */
static void test_network(void)
{
	struct kdi_config c;
	char buf[1024];

	CHECK_EQ_U(conf_parse(&c, "nfs 10.0.2.100:/export\n"), 0);
	CHECK_EQ_U(c.tgt.nfs.version, 4);
	CHECK_EQ_U(c.tgt.nfs.port, 0);
	CHECK_EQ_U(c.tgt.io_timeout, 30);
	CHECK_EQ_U(c.tgt.retry_window, 120);
	CHECK_EQ_U(c.tgt.net.method, NET_DHCP);
	CHECK_EQ_U(conf_parse(&c, "nfs srv:/e\nnfs_version 3\nnfs_port 12049\n"
				  "nfs_mount_port 12050\nio_timeout 5\n"
				  "retry_window 0\n"
				  "ip 10.0.2.15::10.0.2.2:24::eth0:none\n"
				  "nameserver 10.0.2.3\n"
				  "net_interface 52:54:00:12:34:56\n"),
		   0);
	CHECK_EQ_U(c.tgt.nfs.version, 3);
	CHECK_EQ_U(c.tgt.nfs.port, 12049);
	CHECK_EQ_U(c.tgt.nfs.mount_port, 12050);
	CHECK_EQ_U(c.tgt.io_timeout, 5);
	CHECK_EQ_U(c.tgt.retry_window, 0);
	CHECK_EQ_U(c.tgt.net.method, NET_STATIC);
	CHECK_STR(c.tgt.net.ifname, "eth0");
	CHECK(c.tgt.net.has_mac);
	config_summary(&c, buf, sizeof(buf));
	CHECK(strstr(buf,
		     " nfs_version=3 nfs_port=12049 nfs_mount_port=12050"));
	CHECK(strstr(buf,
		     " net=static net_iface=eth0 net_mac=52:54:00:12:34:56 "
		     "net_addr=10.0.2.15/24 net_gw=10.0.2.2 "
		     "net_dns=10.0.2.3 "));
	CHECK(strstr(buf, " io_timeout=5 retry_window=0 "));

	/* Each bad value is named, with the line, and the rest goes on. */
	CHECK(conf_parse(&c, "nfs srv:/e\nnfs_version 2\nip 10.0.2.15\n"
			     "nameserver nowhere\nio_timeout 0\n"
			     "net_interface 52:54:00\n"));
	CHECK(has_err("2: nfs_version 2: must be 3..4"));
	CHECK(has_err("3: ip 10.0.2.15: "));
	CHECK(has_err("4: nameserver nowhere: "));
	CHECK(has_err("5: io_timeout 0: must be 1..3600"));
	CHECK(has_err("6: net_interface 52:54:00: "));
	CHECK_EQ_U(c.tgt.nfs.version, 4);
	CHECK_EQ_U(c.tgt.net.method, NET_DHCP);
	/* The kernel command line takes them too. */
	config_defaults(&c);
	errs_begin();
	CHECK_EQ_U(config_apply_cmdline(&c, "quiet kdumpinit.ip=eth1:dhcp "
					    "kdumpinit.retry_window=30"),
		   0);
	errs_end();
	CHECK_STR(c.tgt.net.ifname, "eth1");
	CHECK_EQ_U(c.tgt.retry_window, 30);
}

static void test_summary(void)
{
	struct kdi_config c;
	char small[16], buf[1024];
	size_t n;

	conf_parse(&c, "ssh root@10.0.0.2\nextra_modules virtio_net e1000\n"
		       "hostname h1\n");
	n = config_summary(&c, buf, sizeof(buf));
	CHECK_EQ_U(n, strlen(buf));
	CHECK(strstr(buf, "target=ssh device=root@10.0.0.2 path=/var/crash "));
	CHECK(strstr(buf, " ssh_user=root ssh_host=10.0.0.2 ssh_port=22 "));
	CHECK(strstr(buf, " dump_level=31 format=kdump compress=zstd "));
	CHECK(strstr(buf, " hostname=h1 extra_modules=virtio_net,e1000"));
	CHECK(!strchr(buf, '\n'));
	CHECK_EQ_U(config_summary(&c, small, sizeof(small)), n);
	CHECK_EQ_U(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_full_file);
	RUN(test_errors_all_reported);
	RUN(test_numbers_decimal_only);
	RUN(test_zstd_levels);
	RUN(test_long_line_refused);
	RUN(test_nul_byte);
	RUN(test_targets);
	RUN(test_core_collector);
	RUN(test_comments);
	RUN(test_cmdline);
	RUN(test_missing_file);
	RUN(test_network);
	RUN(test_summary);
	CHECK_EXIT();
}
