# qemu-tests/checks.sh: what every capture test checks in a saved dump.
# Source it after lib.sh. The caller defines pass and fail (each prints a
# PASS or FAIL line), WORK (a scratch directory), PANIC (the panic line
# the guest's kernel log must hold), KERNEL_VERSION and KDI_BIN.
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

