# qemu-tests/lib.sh: helpers for tests that boot real Debian kernels in QEMU.
# Source it from a POSIX sh script:  . "$(dirname "$0")/lib.sh"
#
# Downloads are cached under $KDI_CACHE (default /var/cache/kdumpinit), outside
# the clone, so that CI on the same machine reuses them. Nothing here touches
# the system's apt configuration or installs a package: every apt call uses a
# private sources list and private state/cache directories under $KDI_CACHE.
#
# Functions (each returns 0 on success; on failure it prints why on stderr
# and returns non-zero):
#   kdi_msg TEXT...                  print "qemu-tests: TEXT" on stderr
#   kdi_die TEXT...                  kdi_msg, then exit 1
#   apt_private SUITE [force]        set up a private apt for SUITE and its
#                                    -security suite (sid has none), run its
#                                    update at most once a day (always with
#                                    "force");
#                                    sets KDI_APT to the apt-get options
#   deb_download SUITE DIR PKG...    download PKG .debs of SUITE into DIR
#                                    (skips those already there)
#   kernel_fetch SUITE               bullseye|bookworm|trixie|sid: fetch and
#                                    extract linux-image-<abi>-amd64; sets and
#                                    prints KERNEL_VERSION KERNEL_VMLINUZ
#                                    KERNEL_MODDIR KERNEL_CONFIG KERNEL_DEB
#   kexec_fetch                      fetch bookworm's kexec-tools and its
#                                    shared libraries; sets KEXEC_ROOT
#   initrd_add_binary ROOT BIN [LIBDIR...]
#                                    copy BIN and the shared libraries ldd
#                                    finds for it (LIBDIRs searched first)
#   initrd_add_modules ROOT MODDIR MOD...
#                                    copy MODs and their dependencies from
#                                    MODDIR (needs modules.dep; .ko.xz/.ko.zst
#                                    are decompressed), append them in load
#                                    order to ROOT/etc/modules.load; modules
#                                    built into the kernel are skipped
#   initrd_compressor CONFIG         print "zstd" or "gzip": what the kernel
#                                    whose config file is CONFIG can unpack
#   initrd_pack DIR OUT CONFIG       pack DIR as a newc cpio, compressed as
#                                    initrd_compressor says, into OUT
#   qemu_start LOG TIMEOUT KERNEL INITRD APPEND [DISK...]
#                                    boot in the background under TCG, serial
#                                    console to LOG, killed after TIMEOUT s;
#                                    sets QEMU_PID. Env: KDI_QEMU_MEM (MB,
#                                    default 1024), KDI_QEMU_SMP (default 2),
#                                    KDI_QEMU_CPU (default max,la57=off),
#                                    KDI_QEMU_NET (QEMU's network options;
#                                    default "-net none"; nfs.sh's
#                                    nfs_qemu_net sets it), KDI_QEMU_MONITOR
#                                    (-monitor's value, default none; e.g.
#                                    unix:SOCK,server=on,wait=off)
#   qemu_wait                        wait for QEMU_PID; returns qemu's status
#                                    (124 or 137 if the timeout killed it)
#   qemu_run LOG TIMEOUT KERNEL INITRD APPEND [DISK...]
#                                    qemu_start + qemu_wait
#   marker_wait LOG TEXT TIMEOUT     wait until a line starting with
#                                    "=== TEXT" appears in LOG; fails early if
#                                    qemu (QEMU_PID) has exited without it
#   marker_seen LOG TEXT             true if a "=== TEXT" line is in LOG
#
# Crash-and-capture helpers (HERE must be the qemu-tests directory, KDI_BIN
# the kdumpinit binary, KERNEL_* set by kernel_fetch):
#   capture_initrd_make CONF OUT     kdumpinit-mkinitrd for the fetched
#                                    kernel with the virtio drivers
#                                    (KDI_CAPTURE_DRIVERS), config CONF, into OUT;
#                                    its output goes to OUT.log (shown on
#                                    failure)
#   crash_initrd_make DIR CAPTURE OUT
#                                    the first kernel's initrd, staged in
#                                    DIR: BusyBox, kdumpinit, the kernel and
#                                    capture initrd CAPTURE; its /init sets
#                                    the host name kdi-guest, runs `kdumpinit
#                                    load` (capture command line plus
#                                    console=ttyS0), prints "=== loaded" and
#                                    crashes with sysrq-c ("=== load failed"
#                                    and power-off if the load fails). Env:
#                                    KDI_CRASH_FILES (a directory copied
#                                    into the initrd's root), KDI_CRASH_CMD
#                                    (the shell command that crashes the
#                                    kernel instead of sysrq-c; "=== crash
#                                    failed" and power-off if it returns)
#   console_follow LOG               print LOG's lines as they arrive, each
#                                    prefixed by the host's clock (seconds,
#                                    ms) and without the CR, until QEMU_PID
#                                    has exited
#   kdumpfile_describe FILE          print what libkdumpfile reads in dump
#                                    FILE: "FORMAT RELEASE" (e.g. "diskdump
#                                    6.1.0-56-amd64"), or its error
#   ext4_ls IMG DIR                  debugfs's `ls -l DIR` in ext4 image IMG
#   ls_mode LISTING NAME             the octal mode of NAME in an ext4_ls
#                                    LISTING (e.g. 100600), empty if absent

KDI_CACHE=${KDI_CACHE:-/var/cache/kdumpinit}
KDI_MIRROR=${KDI_MIRROR:-http://deb.debian.org/debian}
KDI_SECURITY_MIRROR=${KDI_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
KDI_KEYRING=${KDI_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

kdi_msg() {
	printf 'qemu-tests: %s\n' "$*" >&2
}

kdi_die() {
	kdi_msg "$@"
	exit 1
}

# Write the private sources list of SUITE (only that suite and its security
# updates) to FILE.
apt_sources_write() {
	suite=$1
	file=$2
	{
		printf 'deb [signed-by=%s] %s %s main\n' \
			"$KDI_KEYRING" "$KDI_MIRROR" "$suite"
		# Security updates of the kernel win when they are newer. The
		# development suite has none: its -security list does not exist
		# and would fail `apt-get update`.
		case $suite in
		sid | unstable) ;;
		*) printf 'deb [signed-by=%s] %s %s-security main\n' \
			"$KDI_KEYRING" "$KDI_SECURITY_MIRROR" "$suite" ;;
		esac
	} >"$file.tmp" && mv "$file.tmp" "$file"
}

apt_private() {
	suite=$1
	dir=$KDI_CACHE/apt/$suite
	mkdir -p "$dir/etc" "$dir/state/lists/partial" \
		"$dir/cache/archives/partial" || return 1
	apt_sources_write "$suite" "$dir/etc/sources.list" || return 1
	# The paths have no spaces (checked below), so KDI_APT can be word-split.
	case $dir in
	*' '*) kdi_msg "KDI_CACHE must not contain spaces: $KDI_CACHE"; return 1 ;;
	esac
	KDI_APT="-o Dir::Etc::SourceList=$dir/etc/sources.list"
	KDI_APT="$KDI_APT -o Dir::Etc::SourceParts=/dev/null"
	KDI_APT="$KDI_APT -o Dir::State=$dir/state"
	KDI_APT="$KDI_APT -o Dir::State::status=/dev/null"
	KDI_APT="$KDI_APT -o Dir::Cache=$dir/cache"
	KDI_APT="$KDI_APT -o APT::Sandbox::User=root"
	stamp=$dir/state/updated
	if [ "${2:-}" = force ] ||
		[ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		# A list that cannot be fetched is an error, not a warning:
		# else the stamp would hide the failure for a day.
		# shellcheck disable=SC2086
		apt-get -q --error-on=any $KDI_APT update \
			>"$dir/update.log" 2>&1 || {
			kdi_msg "apt-get update for $suite failed, see $dir/update.log"
			return 1
		}
		touch "$stamp"
	fi
}

deb_download() {
	suite=$1
	dest=$2
	shift 2
	apt_private "$suite" || return 1
	mkdir -p "$dest" || return 1
	for pkg in "$@"; do
		# shellcheck disable=SC2086
		ver=$(apt-cache $KDI_APT policy "$pkg" |
			sed -n 's/^ *Candidate: //p')
		if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
			kdi_msg "no package $pkg in $suite"
			return 1
		fi
		# apt names the file with the epoch's colon escaped as %3a.
		vfile=$(printf '%s' "$ver" | sed 's/:/%3a/')
		if ! deb_found "$dest" "$pkg" "$vfile" &&
			! deb_fetch_one "$dest" "$pkg"; then
			# The lists may name a version the mirror has dropped.
			if ! apt_private "$suite" force ||
				! deb_fetch_one "$dest" "$pkg"; then
				kdi_msg "cannot download $pkg ($suite), see $dest/download.log"
				return 1
			fi
			# shellcheck disable=SC2086
			ver=$(apt-cache $KDI_APT policy "$pkg" |
				sed -n 's/^ *Candidate: //p')
			vfile=$(printf '%s' "$ver" | sed 's/:/%3a/')
		fi
		deb_found "$dest" "$pkg" "$vfile" || {
			kdi_msg "apt-get download left no $pkg .deb in $dest"
			return 1
		}
	done
}

deb_fetch_one() {
	# shellcheck disable=SC2086
	(cd "$1" && apt-get -q $KDI_APT download "$2") >"$1/download.log" 2>&1
}

# Set DEB_FILE to the .deb of PKG at version VFILE in DIR; false if none.
deb_found() {
	for f in "$1/${2}_${3}_"*.deb; do
		[ -e "$f" ] || return 1
		DEB_FILE=$f
		return 0
	done
}

# Print the name of the only directory in lib/modules of ROOT.
modules_version() {
	for d in "$1"/lib/modules/*; do
		basename "$d"
		return 0
	done
}

# Print the real linux-image package the metapackage of SUITE depends on.
kernel_package() {
	# shellcheck disable=SC2086
	apt-cache $KDI_APT depends linux-image-amd64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' |
		head -n 1
}

kernel_fetch() {
	suite=$1
	case $suite in
	bullseye | bookworm | trixie | sid) ;;
	*) kdi_msg "unknown suite $suite (bullseye, bookworm, trixie or sid)"; return 1 ;;
	esac
	apt_private "$suite" || return 1
	pkg=$(kernel_package)
	[ -n "$pkg" ] || {
		kdi_msg "cannot resolve linux-image-amd64 in $suite"
		return 1
	}
	deb_download "$suite" "$KDI_CACHE/debs/$suite" "$pkg" || return 1
	KERNEL_DEB=$DEB_FILE
	debs=$KERNEL_DEB
	# Newer kernels (sid's 7.x) split the image package: vmlinuz comes
	# in linux-binary-VERSION, the modules in linux-modules-VERSION,
	# config and modules.builtin in linux-base-VERSION, all of them in
	# /usr/lib/modules/VERSION.
	for part in $(dpkg-deb -f "$KERNEL_DEB" Depends | tr ',' '\n' |
		sed -n 's/^ *\(linux-\(base\|binary\|modules\)-[^ ]*\).*/\1/p'); do
		deb_download "$suite" "$KDI_CACHE/debs/$suite" "$part" || return 1
		debs="$debs $DEB_FILE"
	done
	root=$KDI_CACHE/kernels/$(basename "$KERNEL_DEB" .deb)
	if [ ! -e "$root/.done" ]; then
		# Extract beside it and rename, so that a concurrent user never
		# sees a half-extracted tree.
		tmp=$root.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp" || return 1
		for deb in $debs; do
			dpkg-deb -x "$deb" "$tmp" || {
				kdi_msg "cannot extract $deb into $tmp"
				return 1
			}
		done
		# trixie ships merged-/usr packages: modules in usr/lib/modules,
		# where this depmod (kmod 30) does not look.
		if [ ! -e "$tmp/lib" ] && [ -d "$tmp/usr/lib/modules" ]; then
			ln -s usr/lib "$tmp/lib" || return 1
		fi
		ver=$(modules_version "$tmp")
		# The package leaves modules.dep to its postinst.
		depmod -b "$tmp" "$ver" && touch "$tmp/.done" || return 1
		if [ -e "$root/.done" ]; then
			rm -rf "$tmp"
		else
			rm -rf "$root" && mv "$tmp" "$root" || return 1
		fi
	fi
	KERNEL_VERSION=$(modules_version "$root")
	KERNEL_MODDIR=$root/lib/modules/$KERNEL_VERSION
	KERNEL_VMLINUZ=$root/boot/vmlinuz-$KERNEL_VERSION
	KERNEL_CONFIG=$root/boot/config-$KERNEL_VERSION
	[ -e "$KERNEL_VMLINUZ" ] || KERNEL_VMLINUZ=$KERNEL_MODDIR/vmlinuz
	[ -e "$KERNEL_CONFIG" ] || KERNEL_CONFIG=$KERNEL_MODDIR/config
	export KERNEL_VERSION KERNEL_VMLINUZ KERNEL_CONFIG KERNEL_MODDIR KERNEL_DEB
	printf 'KERNEL_VERSION=%s\nKERNEL_VMLINUZ=%s\nKERNEL_MODDIR=%s\n' \
		"$KERNEL_VERSION" "$KERNEL_VMLINUZ" "$KERNEL_MODDIR"
}

# kexec-tools links libxenctrl; these are its library packages in bookworm.
KEXEC_PKGS="kexec-tools libxenmisc4.17 libxencall1 libxendevicemodel1
libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4
libxentoollog1 libxentoolcore1 libyajl2"

kexec_fetch() {
	KEXEC_ROOT=$KDI_CACHE/kexec-bookworm
	dest=$KDI_CACHE/debs/bookworm
	# shellcheck disable=SC2086
	deb_download bookworm "$dest" $KEXEC_PKGS || return 1
	if [ ! -e "$KEXEC_ROOT/.done" ]; then
		rm -rf "$KEXEC_ROOT" && mkdir -p "$KEXEC_ROOT" || return 1
		for pkg in $KEXEC_PKGS; do
			deb_download bookworm "$dest" "$pkg" &&
				dpkg-deb -x "$DEB_FILE" "$KEXEC_ROOT" || return 1
		done
		touch "$KEXEC_ROOT/.done"
	fi
	export KEXEC_ROOT
}

initrd_add_binary() {
	root=$1
	bin=$2
	shift 2
	libpath=$(printf '%s:' "$@")
	mkdir -p "$root/bin" && cp -L "$bin" "$root/bin/" || return 1
	LD_LIBRARY_PATH=$libpath ldd "$bin" >"$root/.ldd" 2>&1 || true
	if grep -q 'not found' "$root/.ldd"; then
		kdi_msg "libraries of $bin missing: $(grep 'not found' "$root/.ldd")"
		return 1
	fi
	sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' \
		"$root/.ldd" >"$root/.libs"
	while read -r lib; do
		case $lib in
		*/ld-linux*) dir=$root/lib64 ;;
		*) dir=$root/lib/x86_64-linux-gnu ;;
		esac
		mkdir -p "$dir" && cp -L "$lib" "$dir/" || return 1
	done <"$root/.libs"
	rm -f "$root/.ldd" "$root/.libs"
}

# Copy one module file (path relative to MODDIR) to ROOT, decompressed, so
# that BusyBox insmod can load it; print the name it got.
module_copy() {
	root=$1
	moddir=$2
	rel=$3
	out=$root/lib/modules/$(basename "$rel")
	case $rel in
	*.ko.xz) out=${out%.xz}; xz -dc "$moddir/$rel" >"$out" ;;
	*.ko.zst) out=${out%.zst}; zstd -qdc "$moddir/$rel" >"$out" ;;
	*.ko.gz) out=${out%.gz}; gzip -dc "$moddir/$rel" >"$out" ;;
	*) cp "$moddir/$rel" "$out" ;;
	esac || return 1
	basename "$out"
}

# Whether module $2 is in modules.dep or built in, in module dir $1.
module_known() {
	pat=$(printf '%s' "$2" | sed 's/[-_]/[-_]/g')
	grep -qE "(^|/)$pat\.ko(\.xz|\.zst|\.gz)?:" "$1/modules.dep" ||
		grep -qE "(^|/)$pat\.ko\$" "$1/modules.builtin"
}

initrd_add_modules() {
	root=$1
	moddir=$2
	shift 2
	mkdir -p "$root/lib/modules" "$root/etc" || return 1
	touch "$root/etc/modules.load"
	for mod in "$@"; do
		pat=$(printf '%s' "$mod" | sed 's/[-_]/[-_]/g')
		line=$(grep -E "(^|/)$pat\\.ko(\\.xz|\\.zst|\\.gz)?:" \
			"$moddir/modules.dep" | head -n 1)
		if [ -z "$line" ]; then
			if grep -qE "(^|/)$pat\\.ko\$" "$moddir/modules.builtin"; then
				continue
			fi
			kdi_msg "module $mod is neither in modules.dep nor built in"
			return 1
		fi
		# modules.dep lists the dependencies so that loading them from
		# last to first works.
		for rel in $(printf '%s\n' "${line#*:}" | tr ' ' '\n' | sed '/^$/d' |
			tac) "${line%%:*}"; do
			name=$(module_copy "$root" "$moddir" "$rel") || return 1
			grep -qx "$name" "$root/etc/modules.load" ||
				printf '%s\n' "$name" >>"$root/etc/modules.load"
		done
	done
}

initrd_compressor() {
	if grep -q '^CONFIG_RD_ZSTD=y' "$1"; then
		echo zstd
	elif grep -q '^CONFIG_RD_GZIP=y' "$1"; then
		echo gzip
	else
		kdi_msg "$1: kernel unpacks neither zstd nor gzip initrds"
		return 1
	fi
}

initrd_pack() {
	dir=$1
	out=$2
	comp=$(initrd_compressor "$3") || return 1
	case $comp in
	zstd) filter="zstd -q -10 -T0" ;;
	gzip) filter="gzip -6" ;;
	esac
	(cd "$dir" && find . -print | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 | $filter) >"$out.tmp" &&
		mv "$out.tmp" "$out"
}

qemu_start() {
	log=$1
	timeout=$2
	kernel=$3
	initrd=$4
	append=$5
	shift 5
	set -- "$@" ""
	drives=""
	for disk in "$@"; do
		[ -n "$disk" ] || continue
		drives="$drives -drive file=$disk,format=raw,if=virtio,cache=unsafe"
	done
	: >"$log"
	# shellcheck disable=SC2086
	timeout -k 10 "$timeout" qemu-system-x86_64 -accel tcg \
		-cpu "${KDI_QEMU_CPU:-max,la57=off}" \
		-m "${KDI_QEMU_MEM:-1024}" -smp "${KDI_QEMU_SMP:-2}" \
		-nographic -serial "file:$log" -monitor "${KDI_QEMU_MONITOR:-none}" -no-reboot \
		-nodefaults ${KDI_QEMU_NET:--net none} \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		$drives </dev/null >"$log.qemu" 2>&1 &
	QEMU_PID=$!
}

qemu_wait() {
	rc=0
	wait "$QEMU_PID" || rc=$?
	return "$rc"
}

qemu_run() {
	qemu_start "$@" && qemu_wait
}

marker_seen() {
	grep -q "^=== $2" "$1" 2>/dev/null
}

marker_wait() {
	log=$1
	text=$2
	end=$(($(date +%s) + $3))
	while ! marker_seen "$log" "$text"; do
		if [ -n "${QEMU_PID:-}" ] && ! kill -0 "$QEMU_PID" 2>/dev/null; then
			marker_seen "$log" "$text" && return 0
			kdi_msg "qemu exited before '=== $text' (see $log)"
			return 1
		fi
		if [ "$(date +%s)" -ge "$end" ]; then
			kdi_msg "no '=== $text' in $log after $3 s"
			return 1
		fi
		sleep 0.5
	done
}

capture_initrd_make() {
	mkinitrd=${KDI_MKINITRD:-$HERE/../mkinitrd/kdumpinit-mkinitrd}
	"$mkinitrd" --config "$1" --binary "$KDI_BIN" \
		--kernel-version "$KERNEL_VERSION" --modules-dir "$KERNEL_MODDIR" \
		--drivers "${KDI_CAPTURE_DRIVERS:-virtio_pci virtio_blk}" \
		--output "$2" >"$2.log" 2>&1 || {
		cat "$2.log" >&2
		kdi_msg "kdumpinit-mkinitrd failed for $1"
		return 1
	}
}

crash_initrd_make() {
	root=$1
	rm -rf "$root" && mkdir -p "$root/bin" "$root/boot" || return 1
	cp /bin/busybox "$root/bin/busybox" &&
		cp "$KDI_BIN" "$root/bin/kdumpinit" &&
		cp "$KERNEL_VMLINUZ" "$root/boot/vmlinuz" &&
		cp "$2" "$root/boot/capture.img" || return 1
	if [ -n "${KDI_CRASH_FILES:-}" ]; then
		cp -R "$KDI_CRASH_FILES/." "$root/" || return 1
	fi
	# The capture kernel's extra command line (KDI_CAPTURE_APPEND).
	printf '%s\n' "console=ttyS0 ${KDI_CAPTURE_APPEND:-}" >"$root/boot/append"
	printf '%s\n' "${KDI_CRASH_CMD:-echo c >/proc/sysrq-trigger}" \
		>"$root/boot/crash"
	cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
hostname kdi-guest
if kdumpinit load --kernel /boot/vmlinuz --initrd /boot/capture.img \
	--append "$(cat /boot/append)"; then
	echo "=== loaded"
	# let the serial port drain the marker before the crash
	sleep 1
	. /boot/crash
	echo "=== crash failed"
	poweroff -f
fi
echo "=== load failed"
poweroff -f
EOF
	chmod 0755 "$root/init" && initrd_pack "$root" "$3" "$KERNEL_CONFIG"
}

console_follow() {
	tail -n +1 -F --pid="$QEMU_PID" "$1" 2>/dev/null |
		perl -MTime::HiRes=time -ne \
			'BEGIN { $| = 1 } s/\r//g; printf "%.3f %s", time, $_'
}

kdumpfile_describe() {
	/usr/bin/python3 - "$1" <<'EOF' 2>&1 || true
import sys
import kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr['addrxlat.ostype'] = 'linux'
print(k.attr['file.format'], k.attr['linux.uts.release'])
EOF
}

ext4_ls() {
	debugfs -R "ls -l $2" "$1" 2>/dev/null
}

ls_mode() {
	printf '%s\n' "$1" | awk -v n="$2" '$NF == n { print $2 }'
}
