# qemu-tests/nfs.sh: an NFSv4 server (nfs-ganesha, VFS FSAL) on the host's
# loopback for the NFS dump target tests, and QEMU networking that lets a
# guest reach it and nothing else.
# Source it after lib.sh:  . "$HERE/lib.sh"; . "$HERE/nfs.sh"
#
# The server is a private ganesha: NFSv4 only, TCP only, bound to 127.0.0.1
# on a high port, grace period off (Graceless), no NLM, no RQUOTA, no UDP.
# Its config, log, pid file, recovery directory and Kerberos cache all live
# in the WORKDIR the caller gives: nothing under /etc, /var/lib or /run, so
# it runs beside a system ganesha or kernel nfsd. Two things it still does
# that no option turns off in ganesha 4.3: it tries to register NFS v4 with
# a running rpcbind (failure is only logged; where rpcbind runs, its source
# unsets and replaces the system's NFS v4 entry, and unsets it at exit), and
# to connect to the system D-Bus (under its own name prefix, kdi<PORT>;
# failure is only logged).
#
# Measured on Debian 12 (ganesha 4.3, 2 CPUs): nfs_server_start returns
# 0.03-0.15 s after it is called (initialized, port accepting);
# nfs_server_stop takes 1.9-2.3 s (SIGTERM). A client that lost its
# connection (stop, restart or kill) mounts again and reopens its file
# (without O_CREAT) and goes on writing where it was: no grace period.
#
# NFSv3 is not offered. ganesha 4.3 registers NFS v3 and MOUNT with rpcbind
# at start and exits (status 2, "Cannot register NFS V3 on TCP") when that
# fails; no option skips it. With a private rpcbind in a private network
# and mount namespace (unshare -n -m, tmpfs on /run) it works, libnfs
# given both ports (?version=3&nfsport=P&mountport=M, no portmapper call),
# but then QEMU must run in that namespace too, and Bind_addr = 127.0.0.1
# fails there (ganesha resolves it with AI_ADDRCONFIG, which ignores lo):
# not worth it for a target kdumpinit drives as NFSv4.
#
# Functions (each returns 0 on success; on failure it prints why on stderr
# and returns non-zero; kdi_msg comes from lib.sh):
#   nfs_packages                     install nfs-ganesha, nfs-ganesha-vfs and
#                                    netcat-openbsd with apt-get where missing
#   nfs_server_start WORKDIR EXPORTDIR PORT [OPTION...]
#                                    write WORKDIR/ganesha.conf exporting
#                                    EXPORTDIR as /export (NFS_EXPORT) on
#                                    127.0.0.1:PORT and start ganesha; waits
#                                    (NFS_START_TIMEOUT s, default 30) until
#                                    it is initialized and the port accepts.
#                                    OPTIONs: root_squash (root is mapped to
#                                    65534:65534; default no_root_squash),
#                                    ro (read-only export; default rw).
#                                    Sets NFS_WORKDIR NFS_PORT NFS_SERVER_PID;
#                                    the log is WORKDIR/ganesha.log
#   nfs_server_stop                  SIGTERM, wait for the exit
#                                    (NFS_STOP_TIMEOUT s, default 20), then
#                                    SIGKILL; no-op if it is not running
#   nfs_server_kill                  SIGKILL (a server crash), wait for the exit
#   nfs_server_restart               stop, then start again with the same
#                                    config (a new NFS_SERVER_PID)
#   nfs_server_pause                 SIGSTOP: the server hangs, connections
#                                    stay open
#   nfs_server_resume                SIGCONT
#   nfs_server_running               true if the server process is alive
#   nfs_port_free PORT               true if nothing listens on TCP PORT
#   nfs_port_wait HOST PORT TIMEOUT  wait until a TCP connect to HOST:PORT
#                                    succeeds (nc -z), TIMEOUT s at most
#   nfs_full_mount DIR SIZE_MB       mount a tmpfs of SIZE_MB MiB on DIR
#                                    (created if missing, mode 0755): an
#                                    export there fills up and ganesha answers
#                                    NFS4ERR_NOSPC (ENOSPC in libnfs)
#   nfs_full_umount DIR              unmount it (stop the server first: it
#                                    holds the export open)
#   nfs_qemu_net PORT [MAC]          set KDI_QEMU_NET to the QEMU options of
#                                    one virtio-net NIC (MAC, default
#                                    $NFS_QEMU_MAC) on restricted user
#                                    networking whose only way out is
#                                    10.0.2.100:2049 -> 127.0.0.1:PORT, one
#                                    `nc -N` per connection (a script in
#                                    NFS_WORKDIR, or KDI_CACHE without a
#                                    server). The guest gets 10.0.2.15/24 by
#                                    DHCP (no router, no DNS; a static
#                                    10.0.2.15/24 works as well: the server
#                                    is on-link); any other address or port
#                                    (10.0.2.2, 127.0.0.1, 10.0.2.100:2050)
#                                    is refused
#                                    (lib.sh's qemu_start then boots with it)
#
# Guests see the server as NFS_GUEST_ADDR:NFS_GUEST_PORT (10.0.2.100:2049).

NFS_EXPORT=/export
NFS_GUEST_ADDR=10.0.2.100
NFS_GUEST_PORT=2049
NFS_QEMU_MAC=${NFS_QEMU_MAC:-52:54:00:6b:64:69}

nfs_packages() {
	missing=""
	for pkg in nfs-ganesha nfs-ganesha-vfs netcat-openbsd; do
		dpkg-query -W -f '${Status}\n' "$pkg" 2>/dev/null |
			grep -q ' installed$' || missing="$missing $pkg"
	done
	[ -n "$missing" ] || return 0
	kdi_msg "installing$missing"
	# apt-get needs fresh lists only if they are missing or stale. Where
	# systemd runs, the postinst also starts the system's ganesha; ours
	# does not use or disturb it.
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
		>/dev/null 2>&1; then
		apt-get update -q >/dev/null 2>&1
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
			>/dev/null || {
			kdi_msg "cannot install$missing"
			return 1
		}
	fi
}

# Print the directory holding ganesha's FSAL modules (libfsalvfs.so).
nfs_plugins_dir() {
	lib=$(dpkg-query -L nfs-ganesha-vfs 2>/dev/null |
		grep '/libfsalvfs\.so$' | head -n 1)
	[ -n "$lib" ] || {
		kdi_msg "nfs-ganesha-vfs is not installed (no libfsalvfs.so)"
		return 1
	}
	dirname "$lib"
}

# Write the config for WORKDIR EXPORTDIR PORT SQUASH ACCESS on stdout.
nfs_config() {
	plugins=$(nfs_plugins_dir) || return 1
	cat <<EOF
# Written by qemu-tests/nfs.sh: a private NFSv4-only ganesha.
NFS_CORE_PARAM {
	Protocols = 4;
	Bind_addr = 127.0.0.1;
	NFS_Port = $3;
	Enable_NLM = false;
	Enable_RQUOTA = false;
	Enable_UDP = false;
	Plugins_Dir = "$plugins";
	Dbus_Name_Prefix = "kdi$3";
}
NFS_KRB5 {
	Active_krb5 = false;
	CCacheDir = "$1/krb5cc";
}
NFSv4 {
	Graceless = true;
	Minor_Versions = 0, 1, 2;
	RecoveryBackend = fs;
	RecoveryRoot = "$1/recovery";
	IdmapConf = "$1/idmapd.conf";
	Allow_Numeric_Owners = true;
	Only_Numeric_Owners = true;
}
EXPORT {
	Export_Id = 1;
	Path = "$2";
	Pseudo = "$NFS_EXPORT";
	Protocols = 4;
	Transports = TCP;
	SecType = sys;
	Access_Type = $5;
	Squash = $4;
	Anonymous_Uid = 65534;
	Anonymous_Gid = 65534;
	FSAL {
		Name = VFS;
	}
}
LOG {
	Default_Log_Level = EVENT;
}
EOF
}

nfs_server_start() {
	workdir=$1
	exportdir=$2
	port=$3
	shift 3
	squash=No_Root_Squash
	access=RW
	for opt in "$@"; do
		case $opt in
		root_squash) squash=Root_Squash ;;
		no_root_squash) squash=No_Root_Squash ;;
		ro) access=RO ;;
		rw) access=RW ;;
		*) kdi_msg "nfs_server_start: unknown option $opt"; return 1 ;;
		esac
	done
	case $workdir$exportdir in
	*[\"\ ]*) kdi_msg "nfs_server_start: no spaces or quotes in paths"; return 1 ;;
	esac
	[ -d "$exportdir" ] || {
		kdi_msg "nfs_server_start: no directory $exportdir"
		return 1
	}
	mkdir -p "$workdir/recovery" "$workdir/krb5cc" || return 1
	workdir=$(cd "$workdir" && pwd) || return 1
	exportdir=$(cd "$exportdir" && pwd) || return 1
	: >"$workdir/idmapd.conf" || return 1
	nfs_config "$workdir" "$exportdir" "$port" "$squash" "$access" \
		>"$workdir/ganesha.conf" || return 1
	NFS_WORKDIR=$workdir
	NFS_PORT=$port
	nfs_server_launch
}

# Start ganesha with the config in NFS_WORKDIR; wait until it serves.
nfs_server_launch() {
	log=$NFS_WORKDIR/ganesha.log
	pidfile=$NFS_WORKDIR/ganesha.pid
	# ganesha writes its pid into this file without truncating it.
	rm -f "$pidfile"
	touch "$log" || return 1
	inits=$(grep -c 'NFS SERVER INITIALIZED' "$log")
	NFS_SERVER_PID=""
	# Without -F it forks, and the parent exits once the child runs.
	ganesha.nfsd -f "$NFS_WORKDIR/ganesha.conf" -L "$log" -p "$pidfile" \
		-N NIV_EVENT </dev/null >>"$NFS_WORKDIR/ganesha.out" 2>&1 || {
		kdi_msg "ganesha.nfsd failed to start, see $log"
		return 1
	}
	end=$(($(date +%s) + ${NFS_START_TIMEOUT:-30}))
	while :; do
		if [ -z "$NFS_SERVER_PID" ] && [ -s "$pidfile" ]; then
			NFS_SERVER_PID=$(cat "$pidfile")
		fi
		if [ -n "$NFS_SERVER_PID" ] && ! nfs_server_running; then
			tail -n 5 "$log" >&2
			kdi_msg "ganesha exited at start, see $log"
			NFS_SERVER_PID=""
			return 1
		fi
		if [ -n "$NFS_SERVER_PID" ] &&
			[ "$(grep -c 'NFS SERVER INITIALIZED' "$log")" -gt "$inits" ] &&
			nc -z 127.0.0.1 "$NFS_PORT" 2>/dev/null; then
			return 0
		fi
		if [ "$(date +%s)" -ge "$end" ]; then
			kdi_msg "ganesha not serving on port $NFS_PORT after ${NFS_START_TIMEOUT:-30} s, see $log"
			return 1
		fi
		sleep 0.1
	done
}

nfs_server_running() {
	[ -n "${NFS_SERVER_PID:-}" ] && kill -0 "$NFS_SERVER_PID" 2>/dev/null
}

# Wait up to $1 s for NFS_SERVER_PID to exit.
nfs_server_gone() {
	end=$(($(date +%s) + $1))
	while nfs_server_running; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

nfs_server_stop() {
	nfs_server_running || { NFS_SERVER_PID=""; return 0; }
	# A paused server would not see the SIGTERM.
	kill -CONT "$NFS_SERVER_PID" 2>/dev/null
	kill -TERM "$NFS_SERVER_PID" 2>/dev/null
	if ! nfs_server_gone "${NFS_STOP_TIMEOUT:-20}"; then
		kdi_msg "ganesha $NFS_SERVER_PID ignored SIGTERM, killing it"
		nfs_server_kill
		return
	fi
	NFS_SERVER_PID=""
}

nfs_server_kill() {
	nfs_server_running || { NFS_SERVER_PID=""; return 0; }
	kill -KILL "$NFS_SERVER_PID" 2>/dev/null
	nfs_server_gone 10 || {
		kdi_msg "ganesha $NFS_SERVER_PID does not exit"
		return 1
	}
	NFS_SERVER_PID=""
}

nfs_server_restart() {
	[ -n "${NFS_WORKDIR:-}" ] || {
		kdi_msg "nfs_server_restart: no server was started"
		return 1
	}
	nfs_server_stop && nfs_server_launch
}

nfs_server_pause() {
	nfs_server_running && kill -STOP "$NFS_SERVER_PID"
}

nfs_server_resume() {
	nfs_server_running && kill -CONT "$NFS_SERVER_PID"
}

nfs_port_free() {
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

nfs_port_wait() {
	end=$(($(date +%s) + $3))
	until nc -z "$1" "$2" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$end" ]; then
			kdi_msg "nothing accepts on $1:$2 after $3 s"
			return 1
		fi
		sleep 0.1
	done
}

nfs_full_mount() {
	mkdir -p "$1" || return 1
	mount -t tmpfs -o "size=${2}m,mode=0755" kdi-nfs-full "$1" || {
		kdi_msg "cannot mount a ${2} MiB tmpfs on $1"
		return 1
	}
}

nfs_full_umount() {
	umount "$1" 2>/dev/null || {
		kdi_msg "$1 is busy, detaching it"
		umount -l "$1"
	}
}

nfs_qemu_net() {
	dir=${NFS_WORKDIR:-$KDI_CACHE}
	fwd=$dir/nfs-fwd-$1
	case $fwd in
	*[,\ ]*) kdi_msg "nfs_qemu_net: no spaces or commas in $fwd"; return 1 ;;
	esac
	mkdir -p "$dir" || return 1
	# QEMU runs this for each connection the guest opens to
	# 10.0.2.100:2049, with the connection on stdin and stdout. -N passes
	# the guest's close on to the server.
	printf '#!/bin/sh\nexec nc -N 127.0.0.1 %s\n' "$1" >"$fwd.tmp" &&
		chmod 0755 "$fwd.tmp" && mv "$fwd.tmp" "$fwd" || return 1
	KDI_QEMU_NET="-netdev user,id=n0,restrict=on,guestfwd=tcp:$NFS_GUEST_ADDR:$NFS_GUEST_PORT-cmd:$fwd"
	KDI_QEMU_NET="$KDI_QEMU_NET -device virtio-net-pci,netdev=n0,mac=${2:-$NFS_QEMU_MAC}"
}
