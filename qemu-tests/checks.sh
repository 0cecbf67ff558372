# qemu-tests/checks.sh: running a crash and what every capture test checks
# in a saved dump. Source it after lib.sh. The caller defines pass and fail
# (each prints a PASS or FAIL line), WORK (a scratch directory), PANIC (the
# panic line the guest's kernel log must hold), KERNEL_VERSION, KDI_BIN,
# TIMEOUT (seconds for one QEMU run) and, for a network target,
# KDI_QEMU_NET (nfs.sh's nfs_qemu_net or sshd.sh's sshd_qemu_net).
#
#   port_pick               a free TCP port on 127.0.0.1 for a server
#   crash TAG [ACTION]      boot WORK/TAG-first.img (kdumpinit load, sysrq
#                           crash), capture; ACTION (a function) is called
#                           once the console says the dump started. Sets
#                           CONSOLE; fails when QEMU did not end by itself
#                           or the load failed
#   wait_console TEXT S     until the console has TEXT, S seconds at most
#   ended_with final|failure
#                           the capture ended with that action
#   console_has TEXT WHAT   the console has TEXT (WHAT names it)
#   incomplete_check DIR WHY
#                           DIR/crash/kdi-guest-*: vmcore-dmesg.txt (0600)
#                           with the panic line, and vmcore-incomplete whose
#                           header is marked incomplete, no vmcore
#
#   mode_is FILE MODE       true if FILE's octal mode is MODE (e.g. 600)
#   tree_check DIR          DIR/crash is the target's path: one
#                           kdi-guest-DATE-TIME directory (0700) with
#                           vmcore, vmcore-dmesg.txt and summary.txt (0600),
#                           no -incomplete file, the panic line in the log,
#                           then dump_check on it; sets D to that directory
#   dump_check DIR          libkdumpfile and kdumpinit info read a complete
#                           dump of KERNEL_VERSION in DIR/vmcore, and
#                           summary.txt agrees with it

mode_is() {
	[ "$(stat -c %a "$1" 2>/dev/null)" = "$2" ]
}

# Everything a user relies on in a saved dump, in host directory $1
# (holding crash/ = the target's /var/crash).
tree_check() {
	d2='[0-9][0-9]'
	dirs=$(find "$1/crash" -mindepth 1 -maxdepth 1 -type d \
		-name "kdi-guest-$d2$d2-$d2-$d2-$d2:$d2:$d2" -print)
	if [ -z "$dirs" ] || [ "$(printf '%s\n' "$dirs" | wc -l)" -ne 1 ]; then
		fail "expected one kdi-guest-DATE-TIME directory, got: $(ls -la "$1/crash" 2>&1)"
		return 0
	fi
	D=$dirs
	if mode_is "$D" 700; then
		pass "dump directory $(basename "$D") is mode 0700"
	else
		fail "dump directory $(basename "$D") is mode $(stat -c %a "$D")"
	fi
	for f in vmcore vmcore-dmesg.txt summary.txt; do
		if mode_is "$D/$f" 600; then
			pass "$f saved, mode 0600"
		else
			fail "$f missing or not 0600: $(ls -la "$D")"
		fi
	done
	if [ -z "$(find "$D" -name '*-incomplete')" ]; then
		pass "no -incomplete file"
	else
		fail "-incomplete files left: $(ls -la "$D")"
	fi
	if grep -qF "$PANIC" "$D/vmcore-dmesg.txt" 2>/dev/null; then
		pass "vmcore-dmesg.txt has the panic line"
	else
		fail "vmcore-dmesg.txt lacks '$PANIC'"
	fi
	dump_check "$D"
}

# The dump in directory $1: libkdumpfile and kdumpinit info read a
# complete dump of the crashed kernel; the summary agrees with it.
dump_check() {
	out=$(kdumpfile_describe "$1/vmcore")
	if [ "$out" = "diskdump $KERNEL_VERSION" ]; then
		pass "libkdumpfile opens the vmcore (kdump-compressed, $KERNEL_VERSION)"
	else
		fail "libkdumpfile on the vmcore: $out"
	fi
	"$KDI_BIN" info "$1/vmcore" >"$WORK/info.txt" 2>&1 || true
	if grep -q '^status: *complete$' "$WORK/info.txt" &&
		grep -q "^kernel: *$KERNEL_VERSION\$" "$WORK/info.txt"; then
		pass "kdumpinit info: complete dump of $KERNEL_VERSION"
	else
		fail "kdumpinit info: $(cat "$WORK/info.txt")"
	fi
	s=$1/summary.txt
	pages=$(sed -n 's/^pages: *\([0-9]*\) present, \([0-9]*\) stored$/\2 dumped of \1 present/p' \
		"$WORK/info.txt")
	if grep -qx 'outcome: complete' "$s" &&
		grep -qx "kernel release: $KERNEL_VERSION" "$s" &&
		grep -qF "$PANIC" "$s" &&
		grep -qx "pages: $pages" "$s" &&
		grep -qx "bytes: $(stat -c %s "$1/vmcore")" "$s"; then
		pass "summary.txt: complete, release, panic, pages and bytes match the dump"
	else
		fail "summary.txt disagrees (expected pages: $pages): $(cat "$s")"
	fi
}

port_pick() {
	p=$((20000 + $$ % 20000))
	while nc -z 127.0.0.1 "$p" 2>/dev/null; do
		p=$((p + 1))
	done
	echo "$p"
}

crash() {
	CONSOLE=$WORK/console-$1.log
	qemu_start "$CONSOLE" "$TIMEOUT" "$KERNEL_VMLINUZ" \
		"$WORK/$1-first.img" "console=ttyS0 crashkernel=${KDI_CRASHKERNEL:-192M} panic=10"
	if [ -n "${2:-}" ]; then
		if wait_console "kdumpinit: saving the dump" 240; then
			"$2"
		else
			fail "the dump did not start; see $CONSOLE"
		fi
	fi
	rc=0
	qemu_wait || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "qemu exited with $rc (timeout $TIMEOUT s); see $CONSOLE"
		return 1
	fi
	if ! marker_seen "$CONSOLE" loaded; then
		fail "kdumpinit load failed; see $CONSOLE"
		return 1
	fi
}

wait_console() {
	end=$(($(date +%s) + $2))
	until grep -q "$1" "$CONSOLE" 2>/dev/null; do
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

ended_with() {
	case $1 in
	final) line='reboot: Power down' ;;
	failure) line='reboot: Restarting system' ;;
	esac
	if grep -q "$line" "$CONSOLE"; then
		pass "the capture ended with the ${1}_action ($line)"
	else
		fail "no '$line' at the end; see $CONSOLE"
	fi
}

console_has() {
	if grep -qF "$1" "$CONSOLE"; then
		pass "console: $2"
	else
		fail "console lacks '$1'; see $CONSOLE"
	fi
}

incomplete_check() {
	D=$(find "$1/crash" -mindepth 1 -maxdepth 1 -type d -name 'kdi-guest-*')
	if [ -n "$D" ] && grep -qF "$PANIC" "$D/vmcore-dmesg.txt" 2>/dev/null &&
		mode_is "$D/vmcore-dmesg.txt" 600; then
		pass "vmcore-dmesg.txt saved (0600) with the panic line"
	else
		fail "no kernel log: $(ls -la "$D" 2>&1)"
	fi
	if [ -e "$D/vmcore-incomplete" ] && [ ! -e "$D/vmcore" ] &&
		"$KDI_BIN" info "$D/vmcore-incomplete" 2>&1 |
		grep -q '^status: *INCOMPLETE'; then
		pass "vmcore-incomplete, its header marked incomplete ($2)"
	else
		fail "no incomplete dump: $(ls -la "$D" 2>&1)"
	fi
}
