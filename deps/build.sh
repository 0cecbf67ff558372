#!/bin/sh
# Build kdumpinit's static musl dependency sysroot from the Debian source
# packages pinned in deps/versions: libzstd, libblkid + libmount, mbedTLS,
# libssh (client, mbedTLS backend), libnfs. Only the libraries are built:
# static, -Os (libzstd -O2), one section per function so that the final
# link drops whatever kdumpinit does not call.
#
# KDI_DEPS_ARCH=aarch64 cross-builds the same libraries for arm64 (see
# "Cross builds" in deps/README.md): musl itself first, from its pinned
# Debian source, with the cross gcc, then the rest with a musl-gcc for it.
#
# Usage: deps/build.sh SYSROOT
# Environment: KDI_DEPS_CACHE (default /var/cache/kdumpinit) holds finished
# sysroots by key; KDI_DEPS_NOCACHE=1 builds from source even when one is
# there; KDI_DEPS_ARCH (unset: the host's musl-gcc; or aarch64). Logs go
# to build/deps/logs (build/ARCH/deps/logs for a cross build).
set -eu

DEPS=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$DEPS")
ARCH=${KDI_DEPS_ARCH:-}
WORK=$TOP/build/${ARCH:+$ARCH/}deps
LOGS=$WORK/logs
STAGE=$WORK/stage
APT_OPTS="-q -o APT::Sandbox::User=root"
CACHE_ROOT=${KDI_DEPS_CACHE:-/var/cache/kdumpinit}
JOBS=$(nproc 2>/dev/null || echo 2)
CC=musl-gcc
OPT="-Os -fPIE -ffunction-sections -fdata-sections -fstack-protector-strong"
# zstd is 90% of a dump's CPU time: -O2 runs it in a fifth fewer
# instructions (callgrind, level -1 on 4 KiB pages) for about 180 KB.
ZSTD_OPT=$(echo "$OPT" | sed 's/^-Os/-O2/')
PKGS="libzstd mbedtls libssh util-linux libnfs"
# A cross build's GNU triplet and options (cross_setup); empty for the
# host's musl-gcc.
CROSS=
CMAKE_CROSS=
CONFIGURE_CROSS=
LOG=$LOGS/deps.log

log() {
	printf 'deps: %s\n' "$*"
}

fail() {
	printf 'deps: %s\n' "$*" >&2
	exit 1
}

# Run a command with its output in $LOG; on failure show the log's tail.
run() {
	if ! "$@" >>"$LOG" 2>&1; then
		printf 'deps: failed: %s\n' "$*" >&2
		printf 'deps: last lines of %s:\n' "$LOG" >&2
		tail -n 40 "$LOG" >&2
		exit 1
	fi
}

# pin FIELD PKG: the pinned VERSION (2) or SUITE (3) of a package.
pin() {
	awk -v f="$1" -v p="$2" '$1 == p { print $f; exit }' "$DEPS/versions"
}

# The mirror the system's bookworm deb-src entries point at.
mirror_base() {
	# shellcheck disable=SC2086 # APT_OPTS is a list of options
	apt-get $APT_OPTS -qq source --print-uris \
		"libzstd=$(pin 2 libzstd)" 2>/dev/null |
		sed -n "s|^'\\(.*\\)/pool/.*|\\1|p" | head -n 1
}

# apt-get for SUITE: bookworm uses the system's deb-src entries (see
# scripts/setup-host); another suite gets a private list under $WORK/apt,
# leaving the system's apt configuration alone.
apt_suite() {
	suite=$1
	shift
	if [ "$suite" = bookworm ]; then
		# shellcheck disable=SC2086 # APT_OPTS is a list of options
		apt-get $APT_OPTS "$@"
		return
	fi
	dir=$WORK/apt/$suite
	opts="$APT_OPTS -o Dir::Etc::sourcelist=$dir/sources.list
		-o Dir::Etc::sourceparts=- -o Dir::State::Lists=$dir/lists
		-o Dir::Cache=$dir/cache"
	if [ ! -f "$dir/updated" ]; then
		base=$(mirror_base)
		[ -n "$base" ] || fail "no Debian source mirror configured: run scripts/setup-host build"
		mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
		echo "deb-src $base $suite main" >"$dir/sources.list"
		# shellcheck disable=SC2086 # opts is a list of options
		apt-get $opts update || return 1
		touch "$dir/updated"
	fi
	# shellcheck disable=SC2086 # opts is a list of options
	apt-get $opts "$@"
}

# Download PKG's pinned files into $WORK/src/PKG and check each sha256.
fetch() {
	pkg=$1
	ver=$(pin 2 "$pkg")
	src=$WORK/src/$pkg
	log "fetch $pkg $ver"
	rm -rf "$src"
	mkdir -p "$src"
	# A file missing on the mirror makes apt-get fail; the check below
	# names it, so its status is not what decides.
	(cd "$src" && apt_suite "$(pin 3 "$pkg")" source --download-only \
		"$pkg=$ver") >>"$LOG" 2>&1 || true
	awk -v p="$pkg" '$1 == p { print $4, $5 }' "$DEPS/versions" |
		while read -r file sum; do
			[ -f "$src/$file" ] ||
				fail "$file ($pkg $ver) is not on the Debian mirror: pin one that is (apt-cache showsrc $pkg) in deps/versions; see $LOG"
			got=$(sha256sum "$src/$file" | cut -d' ' -f1)
			[ "$got" = "$sum" ] ||
				fail "$file has sha256 $got, deps/versions pins $sum: refusing to build from it"
		done
}

# Unpack PKG into $WORK/src/PKG/tree with Debian's patches applied.
unpack() {
	pkg=$1
	src=$WORK/src/$pkg
	log "unpack $pkg"
	set -- "$src"/*.dsc
	if [ -f "$1" ]; then
		run dpkg-source -x "$1" "$src/tree"
		return
	fi
	# No .dsc on the mirror (see deps/versions): what dpkg-source does
	# for a "3.0 (quilt)" package, by hand.
	mkdir -p "$src/tree"
	run tar -xf "$(echo "$src"/*.orig.tar.*)" --strip-components=1 \
		-C "$src/tree"
	run tar -xf "$(echo "$src"/*.debian.tar.*)" -C "$src/tree"
	series=$src/tree/debian/patches/series
	[ -f "$series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series" |
		while read -r patch _; do
			run patch -d "$src/tree" -p1 -N \
				-i "debian/patches/$patch"
		done
}

# musl-gcc sees no kernel UAPI headers: copy the host's (linux-libc-dev),
# or for a cross build those of linux-libc-dev-ARCH-cross.
install_uapi() {
	if [ -n "$CROSS" ]; then
		inc=/usr/$CROSS/include
		[ -f "$inc/linux/version.h" ] ||
			fail "no kernel headers in $inc: run scripts/setup-host $ARCH"
		log "copy kernel UAPI headers from $inc"
		mkdir -p "$STAGE/include"
		cp -R "$inc/linux" "$inc/asm-generic" "$inc/asm" \
			"$STAGE/include/"
		return
	fi
	multiarch=$(gcc -print-multiarch)
	[ -f /usr/include/linux/version.h ] ||
		fail "no kernel headers in /usr/include/linux: apt-get install linux-libc-dev"
	log "copy kernel UAPI headers from linux-libc-dev"
	mkdir -p "$STAGE/include"
	cp -R /usr/include/linux /usr/include/asm-generic "$STAGE/include/"
	cp -R "/usr/include/$multiarch/asm" "$STAGE/include/asm"
}

# Cross build for $ARCH with Debian's cross gcc (no multiarch, no foreign
# dpkg architecture) and a musl built here from its Debian source.
cross_setup() {
	case $ARCH in
	aarch64) CROSS=aarch64-linux-gnu ;;
	*) fail "KDI_DEPS_ARCH=$ARCH: only aarch64 can be cross-built" ;;
	esac
	command -v "$CROSS-gcc" >/dev/null ||
		fail "no $CROSS-gcc: run scripts/setup-host $ARCH"
	PKGS="musl $PKGS"
	CC=$STAGE/musl/bin/musl-gcc
	export AR="$CROSS-ar" RANLIB="$CROSS-ranlib"
	# configure's and CMake's checks link -static: no shared musl here.
	CMAKE_CROSS="-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=$ARCH
		-DCMAKE_AR=$(command -v "$AR") -DCMAKE_RANLIB=$(command -v "$RANLIB")
		-DCMAKE_EXE_LINKER_FLAGS=-static"
	CONFIGURE_CROSS="--host=$CROSS LDFLAGS=-static"
}

# @dir/musl/lib/musl-gcc.specs and @dir/musl/bin/musl-gcc: what Debian's
# musl-tools installs for the host's musl, here for the musl in @dir/musl.
# The paths in them are absolute, so they are written again wherever the
# sysroot lands (after the build, after a copy from the cache).
musl_wrapper() {
	m=$1/musl
	mkdir -p "$m/bin"
	cat >"$m/lib/musl-gcc.specs" <<EOF
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $m/include -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $m/include -isystem include%s

*link_libgcc:
-L$m/lib -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: $m/lib/Scrt1.o} $m/lib/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s $m/lib/crtn.o

*link:
-dynamic-linker /lib/ld-musl-$ARCH.so.1 -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

EOF
	# shellcheck disable=SC2016 # $@ and REALGCC are the wrapper's
	printf '#!/bin/sh\nexec "${REALGCC:-%s-gcc}" "$@" -specs "%s"\n' \
		"$CROSS" "$m/lib/musl-gcc.specs" >"$m/bin/musl-gcc"
	chmod 0755 "$m/bin/musl-gcc"
}

# musl as Debian builds musl-dev (debian/rules: its fts added to libc,
# -O2 -fstack-protector-strong), static only, into STAGE/musl.
build_musl() {
	t=$1
	mkdir -p "$t/src/fts"
	cp "$t/debian/musl-fts/fts.c" "$t/debian/musl-fts/config.h" \
		"$t/src/fts/"
	cp "$t/debian/musl-fts/fts.h" "$t/include/"
	(cd "$t" && run ./configure --host="$CROSS" --prefix="$STAGE/musl" \
		--disable-shared --disable-wrapper CC="$CROSS-gcc" \
		CROSS_COMPILE="$CROSS-" CFLAGS="-O2 -fstack-protector-strong")
	run make -C "$t" -j "$JOBS"
	run make -C "$t" install-libs install-headers
	rm "$STAGE/musl/lib/libcrypt.a" # empty: crypt() is in libc.a
	musl_wrapper "$STAGE"
}

cmake_build() {
	dir=$1
	shift
	# shellcheck disable=SC2086 # CMAKE_CROSS is a list of options
	run cmake -S "$dir" -B "$dir/_build" $CMAKE_CROSS -DCMAKE_C_COMPILER="$CC" \
		-DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_C_FLAGS="$OPT" \
		-DCMAKE_C_FLAGS_MINSIZEREL="-DNDEBUG" \
		-DCMAKE_INSTALL_PREFIX="$STAGE" -DCMAKE_INSTALL_LIBDIR=lib \
		-DCMAKE_FIND_ROOT_PATH="$STAGE" \
		-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER \
		-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY \
		-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY \
		-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY \
		-DBUILD_SHARED_LIBS=OFF "$@"
	run cmake --build "$dir/_build" -j "$JOBS"
	run cmake --install "$dir/_build"
}

# Single-threaded, no legacy formats, no dictionary builder, no deprecated
# API: kdumpinit compresses and decompresses frames, nothing else.
build_libzstd() {
	t=$1
	run make -C "$t/lib" -j "$JOBS" libzstd.a CC="$CC" CFLAGS="$ZSTD_OPT" \
		ZSTD_LEGACY_SUPPORT=0 ZSTD_LIB_DICTBUILDER=0 \
		ZSTD_LIB_DEPRECATED=0
	cp "$t/lib/libzstd.a" "$STAGE/lib/"
	cp "$t/lib/zstd.h" "$t/lib/zstd_errors.h" "$STAGE/include/"
}

# libssh's mbedTLS backend needs the crypto library only, but its CMake
# module looks for all three. libssh registers pthread locks with its
# crypto library and fails to initialise when mbedTLS has no threading.
build_mbedtls() {
	t=$1
	cfg=$t/include/mbedtls/config.h
	sed -i -e 's|^//\(#define MBEDTLS_THREADING_C\)$|\1|' \
		-e 's|^//\(#define MBEDTLS_THREADING_PTHREAD\)$|\1|' \
		-e 's|^#define MBEDTLS_SELF_TEST$|/* & */|' "$cfg"
	[ "$(grep -c '^#define MBEDTLS_THREADING_\(C\|PTHREAD\)$' "$cfg")" = 2 ] ||
		fail "cannot enable threading in $cfg"
	run make -C "$t/library" -j "$JOBS" static CC="$CC" CFLAGS="$OPT"
	cp "$t/library/libmbedcrypto.a" "$t/library/libmbedx509.a" \
		"$t/library/libmbedtls.a" "$STAGE/lib/"
	cp -R "$t/include/mbedtls" "$t/include/psa" "$STAGE/include/"
}

# Client only: no server, GSSAPI, zlib, pcap or examples. No library
# constructor: it would seed the random generator when any kdumpinit
# starts, and in the capture kernel that is PID 1 before /dev is mounted
# (mbedTLS reads /dev/urandom under musl): the failure is cached for good
# and every ssh connection fails with "PRNG error". kdumpinit calls
# ssh_init() itself when it needs libssh.
build_libssh() {
	cmake_build "$1" -DWITH_MBEDTLS=ON -DMBEDTLS_ROOT_DIR="$STAGE" \
		-DHAVE_CONSTRUCTOR_ATTRIBUTE=0 -DHAVE_DESTRUCTOR_ATTRIBUTE=0 \
		-DWITH_SERVER=OFF -DWITH_GSSAPI=OFF -DWITH_ZLIB=OFF \
		-DWITH_PCAP=OFF -DWITH_EXAMPLES=OFF -DWITH_NACL=OFF \
		-DWITH_SYMBOL_VERSIONING=OFF -DWITH_DEBUG_CALLTRACE=OFF \
		-DUNIT_TESTING=OFF -DCLIENT_TESTING=OFF -DWITH_SFTP=ON
}

# libblkid and libmount only. Debian's patches touch configure.ac and
# Makefile.am (for programs we do not build); the shipped configure is
# kept, so mark the generated files newer than their sources rather than
# regenerating them with autopoint.
build_util_linux() {
	t=$1
	touch "$t/aclocal.m4"
	touch "$t/configure" "$t/config.h.in"
	find "$t" -name Makefile.in -exec touch {} +
	# shellcheck disable=SC2086 # CONFIGURE_CROSS is a list of options
	(cd "$t" && run ./configure $CONFIGURE_CROSS CC="$CC" CFLAGS="$OPT" \
		CPPFLAGS="-isystem $STAGE/include" --prefix=/ \
		--disable-shared --enable-static --disable-all-programs \
		--enable-libblkid --enable-libmount --disable-nls \
		--without-systemd --without-udev --without-selinux \
		--without-python --without-cryptsetup --without-audit \
		--without-smack --without-btrfs --without-econf \
		--without-readline --without-ncurses --without-ncursesw \
		--without-tinfo --without-libz --without-user \
		--without-libmagic --disable-bash-completion \
		--disable-asciidoc --disable-poman --disable-makeinstall-chown)
	run make -C "$t" -j "$JOBS" libblkid.la libmount.la
	mkdir -p "$STAGE/include/blkid" "$STAGE/include/libmount"
	cp "$t/.libs/libblkid.a" "$t/.libs/libmount.a" "$STAGE/lib/"
	cp "$t/libblkid/src/blkid.h" "$STAGE/include/blkid/"
	cp "$t/libmount/src/libmount.h" "$STAGE/include/libmount/"
}

build_libnfs() {
	cmake_build "$1" -DENABLE_TESTS=OFF -DENABLE_DOCUMENTATION=OFF \
		-DENABLE_UTILS=OFF -DENABLE_EXAMPLES=OFF
}

# kdi_deps.h: the pinned Debian versions, for `kdumpinit --version`.
write_versions_header() {
	h=$STAGE/include/kdi_deps.h
	{
		echo "/* Generated by deps/build.sh from deps/versions. */"
		for pkg in $PKGS; do
			name=$(echo "$pkg" | tr 'a-z-' 'A-Z_')
			printf '#define KDI_DEB_%s "%s"\n' "$name" "$(pin 2 "$pkg")"
		done
	} >"$h"
}

build_all() {
	rm -rf "$STAGE" "$WORK/src"
	mkdir -p "$STAGE/lib" "$STAGE/include"
	install_uapi
	for pkg in $PKGS; do
		LOG=$LOGS/fetch-$pkg.log
		: >"$LOG"
		fetch "$pkg"
	done
	export PKG_CONFIG_LIBDIR="$STAGE/lib/pkgconfig" PKG_CONFIG_PATH=
	for pkg in $PKGS; do
		LOG=$LOGS/build-$pkg.log
		: >"$LOG"
		unpack "$pkg"
		log "build $pkg"
		"build_$(echo "$pkg" | tr - _)" "$WORK/src/$pkg/tree"
	done
	rm -rf "${STAGE:?}/share" "${STAGE:?}/bin" "$STAGE/lib/cmake" \
		"$STAGE/lib/pkgconfig"
	write_versions_header
}

# Keep a finished sysroot for the next build on this machine; not fatal.
cache_save() {
	dest=$1
	tmp=$CACHE_ROOT/.tmp-$$
	if mkdir -p "$CACHE_ROOT" 2>/dev/null && cp -R "$SYSROOT" "$tmp" \
		2>/dev/null && mv "$tmp" "$dest" 2>/dev/null; then
		log "cached in $dest"
	else
		rm -rf "$tmp"
		log "could not cache in $CACHE_ROOT (not writable?): going on"
	fi
}

main() {
	[ $# -eq 1 ] || fail "usage: deps/build.sh SYSROOT"
	if [ -n "$ARCH" ]; then
		cross_setup
	else
		command -v "$CC" >/dev/null ||
			fail "no $CC: run scripts/setup-host build"
	fi
	mkdir -p "$(dirname "$1")" "$LOGS"
	SYSROOT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	key=$({ cat "$DEPS/versions" "$DEPS/build.sh"; printf %s "$ARCH"; } |
		sha256sum | cut -c1-16)
	cache=$CACHE_ROOT/sysroot-${ARCH:+$ARCH-}$key
	rm -rf "$SYSROOT"
	if [ "${KDI_DEPS_NOCACHE:-0}" != 1 ] && [ -f "$cache/.done" ]; then
		log "using the cached sysroot $cache"
		cp -R "$cache" "$SYSROOT"
	else
		start=$(date +%s)
		build_all
		mv "$STAGE" "$SYSROOT"
		log "built in $(($(date +%s) - start)) s"
		date -u >"$SYSROOT/.done"
		[ -d "$cache" ] || cache_save "$cache"
	fi
	# Its musl-gcc names the sysroot's path, which a copy changed.
	[ -z "$CROSS" ] || musl_wrapper "$SYSROOT"
	# Last, and fresh: make compares its time with deps/ (even after a
	# copy from the cache).
	rm -f "$SYSROOT/.done"
	date -u >"$SYSROOT/.done"
	log "sysroot ready in $SYSROOT"
}

main "$@"
