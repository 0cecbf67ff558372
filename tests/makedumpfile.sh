# makedumpfile of other Debian suites, for the tests that compare with it
# (filter.test, dmesg.test): sourced, needs $here (the tests directory) and
# $KDI_CACHE.

# A suite newer than the host's glibc: its makedumpfile runs with the
# suite's own libc and libraries, unpacked (never installed) next to it.
MDF_DEBS="makedumpfile libc6 libzstd1 liblzo2-2 libdw1t64 libelf1t64 zlib1g
liblzma5 libbz2-1.0"
MDF_LIBDIR=usr/lib/x86_64-linux-gnu

# The makedumpfile of suite $1: bookworm's is the host's own; the others
# are downloaded and unpacked, not installed, into $KDI_CACHE by mdf_fetch.
mdf_for() {
	case $1 in
	bookworm) command -v makedumpfile || echo /usr/sbin/makedumpfile ;;
	*) echo "$KDI_CACHE/makedumpfile-$1/usr/bin/makedumpfile" ;;
	esac
}

# Run makedumpfile $1 with arguments $2...: with the libc of its own tree
# when it has one.
mdf_run() {
	bin=$1
	shift
	root=${bin%/usr/bin/makedumpfile}
	if [ "$root" != "$bin" ] && [ -e "$root/$MDF_LIBDIR/libc.so.6" ]; then
		"$root/$MDF_LIBDIR/ld-linux-x86-64.so.2" \
			--library-path "$root/$MDF_LIBDIR" "$bin" "$@"
	else
		"$bin" "$@"
	fi
}

# Download suite $1's makedumpfile and runtime libraries (cached) and unpack
# them into $KDI_CACHE/makedumpfile-$1, again only when a .deb changed.
# Call it in a subshell, $(...): lib.sh's functions set global variables.
mdf_fetch() {
	# shellcheck source=qemu-tests/lib.sh disable=SC1091
	# shellcheck disable=SC2154 # $here: set by the test that sources this
	. "$here/../qemu-tests/lib.sh"
	root=$KDI_CACHE/makedumpfile-$1
	# bullseye's and trixie's run with the host's libraries; sid's needs
	# a newer glibc than bookworm's, so it brings its own.
	case $1 in
	sid | unstable) pkgs=$MDF_DEBS ;;
	*) pkgs=makedumpfile ;;
	esac
	debs=""
	for pkg in $pkgs; do
		deb_download "$1" "$KDI_CACHE/debs/$1" "$pkg" 2>&1 || return 1
		debs="$debs $(basename "$DEB_FILE")"
	done
	if [ "$(cat "$root/.debs" 2>/dev/null)" = "$debs" ]; then
		return 0
	fi
	rm -rf "$root.new"
	mkdir -p "$root.new"
	for deb in $debs; do
		dpkg-deb -x "$KDI_CACHE/debs/$1/$deb" "$root.new" || return 1
	done
	echo "$debs" >"$root.new/.debs"
	rm -rf "$root"
	mv "$root.new" "$root"
}
