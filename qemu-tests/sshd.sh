# qemu-tests/sshd.sh: an OpenSSH server on the host's loopback for the SSH
# (SFTP) dump target tests, and QEMU networking that lets a guest reach it
# and nothing else.
# Source it after lib.sh:  . "$HERE/lib.sh"; . "$HERE/sshd.sh"
#
# The server is a private sshd (Debian 12's OpenSSH 9.2) bound to
# 127.0.0.1 on a high port. Its config, ed25519 host key, authorized_keys,
# pid file and log all live in the WORKDIR the caller gives; it reads
# nothing of /etc/ssh/sshd_config, does not use PAM, and runs beside a
# system sshd without touching it. Public key logins only, as root
# (PermitRootLogin prohibit-password; tests run as root and write under
# WORKDIR); no password or keyboard-interactive, no forwarding of any
# kind, StrictModes off (the files are in temporary directories); the
# sftp subsystem is sshd's internal-sftp.
#
# Things the host must have, checked by sshd_start: the privilege
# separation directory /run/sshd (sshd refuses to start without it; it
# is made, mode 0755, if missing) and the user sshd (made by the
# package). With UsePAM no, sshd refuses a user whose password field in
# /etc/shadow starts with "!" (a locked account) even for key logins:
# root must not be locked that way ("*", Debian's default, is fine).
#
# Functions (each returns 0 on success; on failure it prints why on stderr
# and returns non-zero; kdi_msg comes from lib.sh):
#   sshd_packages                    install openssh-server, openssh-client
#                                    and netcat-openbsd with apt-get where
#                                    missing. When it installs
#                                    openssh-server it first creates
#                                    /etc/ssh/sshd_not_to_be_run, so that
#                                    the package does not start the system
#                                    sshd on *:22 (nor at boot); delete
#                                    that file to use the system sshd
#   sshd_start WORKDIR PORT [OPTION...]
#                                    write WORKDIR/sshd_config for
#                                    127.0.0.1:PORT and start
#                                    `sshd -D -E WORKDIR/sshd.log` in the
#                                    background; waits (SSHD_START_TIMEOUT
#                                    s, default 10) until it listens. The
#                                    host key WORKDIR/ssh_host_ed25519_key
#                                    is made once and kept across starts in
#                                    the same WORKDIR. A server these
#                                    functions started before (SSHD_PID) is
#                                    stopped first; PORT must be free.
#                                    OPTIONs: nosftp (no sftp subsystem:
#                                    SFTP is refused, exec channels such as
#                                    `cat > FILE` work), newhostkey (a new
#                                    host key replaces the kept one: a
#                                    changed host key for clients).
#                                    Sets SSHD_PID SSHD_WORKDIR SSHD_PORT;
#                                    authorized keys are read from
#                                    WORKDIR/authorized_keys at each login
#   sshd_stop                        SIGTERM the listener and every
#                                    per-connection process (sessions end:
#                                    clients see their connection closed),
#                                    wait for them (SSHD_STOP_TIMEOUT s,
#                                    default 10), then SIGKILL; no-op if it
#                                    is not running
#   sshd_kill                        SIGKILL the listener and every
#                                    per-connection process (a server
#                                    crash: established sessions drop at
#                                    once), wait for them to go
#   sshd_restart                     stop, then start again with the same
#                                    config and host key (a new SSHD_PID)
#   sshd_pause                       SIGSTOP the listener and every session:
#                                    connections stay open, nothing answers
#                                    (new connections are accepted by the
#                                    kernel but get no banner)
#   sshd_resume                      SIGCONT them
#   sshd_running                     true if the listener is alive
#   sshd_sessions                    print how many connections the server
#                                    has (children of the listener)
#   sshd_port_free PORT              true if nothing listens on TCP PORT
#   sshd_client_key DIR TYPE         make a new client key pair without
#                                    passphrase, DIR/id_TYPE (mode 0600) and
#                                    DIR/id_TYPE.pub, TYPE ed25519, rsa
#                                    (3072 bits) or ecdsa (P-256), in
#                                    OpenSSH's format; DIR is created (0700)
#                                    if missing; an old pair is replaced.
#                                    Sets SSHD_CLIENT_KEY to the private key
#   sshd_authorize PUBFILE [KEYOPTIONS]
#                                    append the public key in PUBFILE to
#                                    SSHD_WORKDIR/authorized_keys (after
#                                    sshd_start), prefixed by KEYOPTIONS if
#                                    given (e.g. restrict)
#   sshd_known_hosts_line HOST [PORT]
#                                    print the known_hosts line of the
#                                    server's host key for a client that
#                                    connects to HOST:PORT: "HOST KEY" for
#                                    port 22 (the default), "[HOST]:PORT
#                                    KEY" for any other
#   sshd_known_hosts FILE HOST [PORT]
#                                    write that line to FILE (replacing it):
#                                    `sshd_known_hosts F 127.0.0.1
#                                    "$SSHD_PORT"` for a client on the host,
#                                    `sshd_known_hosts F 10.0.2.100` for a
#                                    guest
#   sshd_qemu_net PORT [MAC]         set KDI_QEMU_NET to the QEMU options of
#                                    one virtio-net NIC (MAC, default
#                                    $SSHD_QEMU_MAC) on restricted user
#                                    networking whose only way out is
#                                    10.0.2.100:22 -> 127.0.0.1:PORT, one
#                                    `nc -N` per connection (a script in
#                                    SSHD_WORKDIR, or KDI_CACHE without a
#                                    server). The guest gets 10.0.2.15/24 by
#                                    DHCP (no router, no DNS; a static
#                                    10.0.2.15/24 works as well: the server
#                                    is on-link); any other address or port
#                                    is refused (lib.sh's qemu_start then
#                                    boots with it)
#
# Guests see the server as SSHD_GUEST_ADDR:SSHD_GUEST_PORT (10.0.2.100:22).
# Host clients in tests should ignore the caller's ssh configuration, e.g.
#   sftp -F /dev/null -P "$SSHD_PORT" -i KEY -o UserKnownHostsFile=KH \
#       -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes \
#       -o BatchMode=yes root@127.0.0.1

SSHD_GUEST_ADDR=10.0.2.100
SSHD_GUEST_PORT=22
SSHD_QEMU_MAC=${SSHD_QEMU_MAC:-52:54:00:6b:64:69}
SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}

sshd_packages() {
	missing=""
	for pkg in openssh-server openssh-client netcat-openbsd; do
		dpkg-query -W -f '${Status}\n' "$pkg" 2>/dev/null |
			grep -q ' installed$' || missing="$missing $pkg"
	done
	[ -n "$missing" ] || return 0
	case $missing in
	*openssh-server*)
		# The package's postinst starts the system sshd on *:22
		# (invoke-rc.d, systemd or sysvinit), which these tests
		# neither need nor want; both honour this file.
		mkdir -p /etc/ssh &&
			touch /etc/ssh/sshd_not_to_be_run || return 1
		kdi_msg "created /etc/ssh/sshd_not_to_be_run: the system sshd stays off"
		;;
	esac
	kdi_msg "installing$missing"
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

# Write the config for WORKDIR PORT SFTP(yes|no) on stdout.
sshd_config() {
	cat <<EOF
# Written by qemu-tests/sshd.sh: a private sshd on 127.0.0.1:$2.
ListenAddress 127.0.0.1
Port $2
AddressFamily inet
HostKey $1/ssh_host_ed25519_key
PidFile $1/sshd.pid
AuthorizedKeysFile $1/authorized_keys
AuthorizedPrincipalsFile none
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitEmptyPasswords no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
UseDNS no
AllowTcpForwarding no
AllowStreamLocalForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTunnel no
GatewayPorts no
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
LoginGraceTime 30
LogLevel VERBOSE
EOF
	[ "$3" = no ] || printf 'Subsystem sftp internal-sftp\n'
}

sshd_start() {
	workdir=$1
	port=$2
	shift 2
	sftp=yes
	newkey=no
	for opt in "$@"; do
		case $opt in
		nosftp) sftp=no ;;
		sftp) sftp=yes ;;
		newhostkey) newkey=yes ;;
		*) kdi_msg "sshd_start: unknown option $opt"; return 1 ;;
		esac
	done
	case $port in
	'' | *[!0-9]*) kdi_msg "sshd_start: bad port '$port'"; return 1 ;;
	esac
	case $workdir in
	*[\"\ %,]*) kdi_msg "sshd_start: no spaces, quotes, commas or % in $workdir"; return 1 ;;
	esac
	[ -x "$SSHD_BIN" ] || {
		kdi_msg "no $SSHD_BIN (sshd_packages installs openssh-server)"
		return 1
	}
	getent passwd sshd >/dev/null || {
		kdi_msg "no user sshd (privilege separation; made by openssh-server)"
		return 1
	}
	# Made by the system's unit or init script, which we do not run.
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd || return 1
	fi
	sshd_stop || return 1
	mkdir -p "$workdir" || return 1
	workdir=$(cd "$workdir" && pwd) || return 1
	key=$workdir/ssh_host_ed25519_key
	if [ "$newkey" = yes ] || [ ! -s "$key" ] || [ ! -s "$key.pub" ]; then
		rm -f "$key" "$key.pub"
		ssh-keygen -q -t ed25519 -N '' -C "kdi-sshd-$port" -f "$key" \
			</dev/null >/dev/null || {
			kdi_msg "ssh-keygen failed for $key"
			return 1
		}
	fi
	touch "$workdir/authorized_keys" || return 1
	sshd_config "$workdir" "$port" "$sftp" >"$workdir/sshd_config.tmp" &&
		mv "$workdir/sshd_config.tmp" "$workdir/sshd_config" || return 1
	"$SSHD_BIN" -t -f "$workdir/sshd_config" >"$workdir/sshd.out" 2>&1 || {
		cat "$workdir/sshd.out" >&2
		kdi_msg "sshd rejects $workdir/sshd_config"
		return 1
	}
	SSHD_WORKDIR=$workdir
	SSHD_PORT=$port
	sshd_launch
}

# Start sshd with the config in SSHD_WORKDIR; wait until it listens.
sshd_launch() {
	log=$SSHD_WORKDIR/sshd.log
	sshd_port_free "$SSHD_PORT" || {
		kdi_msg "port $SSHD_PORT is in use: $(ss -Hltnp "sport = :$SSHD_PORT" 2>/dev/null)"
		return 1
	}
	touch "$log" || return 1
	pat="Server listening on 127.0.0.1 port $SSHD_PORT\\."
	starts=$(grep -c "$pat" "$log")
	# -D: no fork, so $! is the listener; -E: log to the file. sshd
	# re-executes itself for each connection, hence the absolute path.
	"$SSHD_BIN" -D -E "$log" -f "$SSHD_WORKDIR/sshd_config" \
		</dev/null >>"$SSHD_WORKDIR/sshd.out" 2>&1 &
	SSHD_PID=$!
	end=$(($(date +%s) + ${SSHD_START_TIMEOUT:-10}))
	while :; do
		# Not sshd_running: until the exec, $! is a shell.
		if ! sshd_alive "$SSHD_PID"; then
			tail -n 5 "$log" >&2
			kdi_msg "sshd exited at start, see $log"
			wait "$SSHD_PID" 2>/dev/null
			SSHD_PID=""
			return 1
		fi
		[ "$(grep -c "$pat" "$log")" -le "$starts" ] || return 0
		if [ "$(date +%s)" -ge "$end" ]; then
			kdi_msg "sshd not listening on port $SSHD_PORT after ${SSHD_START_TIMEOUT:-10} s, see $log"
			sshd_kill
			return 1
		fi
		sleep 0.1
	done
}

# True if process $1 exists and is not a zombie (the listener is the
# shell's child: it stays a zombie until waited for).
sshd_alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in
	'' | Z*) return 1 ;;
	esac
}

# The listener's command line is no test (setproctitle rewrites it and,
# with a small environment, cuts it short): its executable is.
sshd_running() {
	[ -n "${SSHD_PID:-}" ] && sshd_alive "$SSHD_PID" &&
		[ "$(readlink "/proc/$SSHD_PID/exe" 2>/dev/null)" = \
			"$(readlink -f "$SSHD_BIN")" ]
}

# Print the pids among $* that are alive, comma-separated.
sshd_alive_list() {
	ps -o pid=,stat= -p "$(printf '%s' "$*" | tr ' ' ',')" 2>/dev/null |
		awk '$2 !~ /^Z/ { printf "%s%s", s, $1; s = "," }'
}

# Wait up to 1 s until every pid of $1 (a space-separated list) is
# stopped or gone.
sshd_wait_stopped() {
	n=0
	while ps -o stat= -p "$(printf '%s' "$1" | tr ' ' ',')" 2>/dev/null |
		grep -qv '^[TZ]'; do
		n=$((n + 1))
		[ "$n" -le 20 ] || return 1
		sleep 0.05
	done
}

# Stop (SIGSTOP) the listener and all its descendants, each before its
# children are listed, so that none can fork one unseen: sshd puts every
# connection in a session of its own (setsid), and the session's own
# children in yet another, so neither the listener's process group nor
# its command line (rewritten by setproctitle) finds them. Sets SSHD_TREE
# to their pids, listener first.
sshd_tree_stop() {
	SSHD_TREE=""
	todo=$SSHD_PID
	while [ -n "$todo" ]; do
		# shellcheck disable=SC2086
		kill -STOP $todo 2>/dev/null
		SSHD_TREE="$SSHD_TREE $todo"
		sshd_wait_stopped "$todo" ||
			kdi_msg "sshd processes $todo do not stop"
		todo=$(ps -e -o pid=,ppid= | awk -v p=" $todo " \
			'index(p, " " $2 " ") { printf "%s ", $1 }')
		todo=${todo% }
	done
	SSHD_TREE=${SSHD_TREE# }
}

# Wait up to $1 s for every pid of SSHD_TREE to exit.
sshd_tree_gone() {
	end=$(($(date +%s) + $1))
	while [ -n "$(sshd_alive_list "$SSHD_TREE")" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
	# Reap the listener if this shell started it.
	wait "$SSHD_PID" 2>/dev/null
	return 0
}

sshd_stop() {
	sshd_running || { SSHD_PID=""; return 0; }
	sshd_tree_stop
	# shellcheck disable=SC2086
	kill -TERM $SSHD_TREE 2>/dev/null
	# shellcheck disable=SC2086
	kill -CONT $SSHD_TREE 2>/dev/null
	if ! sshd_tree_gone "${SSHD_STOP_TIMEOUT:-10}"; then
		kdi_msg "sshd processes $(sshd_alive_list "$SSHD_TREE") ignored SIGTERM, killing them"
		sshd_kill
		return
	fi
	SSHD_PID=""
}

sshd_kill() {
	sshd_running || { SSHD_PID=""; return 0; }
	sshd_tree_stop
	# shellcheck disable=SC2086
	kill -KILL $SSHD_TREE 2>/dev/null
	sshd_tree_gone 10 || {
		kdi_msg "sshd processes $(sshd_alive_list "$SSHD_TREE") do not exit"
		return 1
	}
	SSHD_PID=""
}

sshd_restart() {
	if [ -z "${SSHD_WORKDIR:-}" ] || [ ! -s "$SSHD_WORKDIR/sshd_config" ]; then
		kdi_msg "sshd_restart: no server was started"
		return 1
	fi
	sshd_stop && sshd_launch
}

sshd_pause() {
	sshd_running && sshd_tree_stop
}

sshd_resume() {
	sshd_running || return 1
	# Sessions that began while paused are new children: list again.
	sshd_tree_stop
	# shellcheck disable=SC2086
	kill -CONT $SSHD_TREE
}

sshd_sessions() {
	if sshd_running; then
		ps -e -o ppid= | awk -v p="$SSHD_PID" '$1 == p { n++ } END { print n + 0 }'
	else
		echo 0
	fi
}

sshd_port_free() {
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

sshd_client_key() {
	dir=$1
	type=$2
	case $type in
	ed25519) set -- -t ed25519 ;;
	rsa) set -- -t rsa -b 3072 ;;
	ecdsa) set -- -t ecdsa -b 256 ;;
	*) kdi_msg "sshd_client_key: type ed25519, rsa or ecdsa, not '$type'"; return 1 ;;
	esac
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir" && chmod 0700 "$dir" || return 1
	fi
	key=$(cd "$dir" && pwd)/id_$type || return 1
	rm -f "$key" "$key.pub"
	if ! ssh-keygen -q "$@" -N '' -C kdi-client -f "$key" </dev/null \
		>/dev/null; then
		kdi_msg "ssh-keygen $* failed for $key"
		return 1
	fi
	chmod 0600 "$key" || return 1
	# shellcheck disable=SC2034 # for the caller
	SSHD_CLIENT_KEY=$key
}

sshd_authorize() {
	[ -n "${SSHD_WORKDIR:-}" ] || {
		kdi_msg "sshd_authorize: no server was started"
		return 1
	}
	line=$(sed -n '/^ssh-\|^ecdsa-/{p;q;}' "$1" 2>/dev/null)
	if [ -z "$line" ]; then
		kdi_msg "sshd_authorize: no public key in $1"
		return 1
	fi
	if [ -n "${2:-}" ]; then
		line="$2 $line"
	fi
	printf '%s\n' "$line" >>"$SSHD_WORKDIR/authorized_keys"
}

sshd_known_hosts_line() {
	[ -n "${SSHD_WORKDIR:-}" ] || {
		kdi_msg "sshd_known_hosts: no server was started"
		return 1
	}
	pub=$SSHD_WORKDIR/ssh_host_ed25519_key.pub
	key=$(awk 'NR == 1 { print $1, $2 }' "$pub" 2>/dev/null)
	if [ -z "$key" ]; then
		kdi_msg "no host key in $pub"
		return 1
	fi
	case ${2:-22} in
	22) printf '%s %s\n' "$1" "$key" ;;
	*) printf '[%s]:%s %s\n' "$1" "$2" "$key" ;;
	esac
}

sshd_known_hosts() {
	line=$(sshd_known_hosts_line "$2" "${3:-22}") || return 1
	printf '%s\n' "$line" >"$1"
}

sshd_qemu_net() {
	dir=${SSHD_WORKDIR:-$KDI_CACHE}
	fwd=$dir/ssh-fwd-$1
	case $fwd in
	*[,\ ]*) kdi_msg "sshd_qemu_net: no spaces or commas in $fwd"; return 1 ;;
	esac
	mkdir -p "$dir" || return 1
	# QEMU runs this for each connection the guest opens to
	# 10.0.2.100:22, with the connection on stdin and stdout. -N passes
	# the guest's close on to the server.
	printf '#!/bin/sh\nexec nc -N 127.0.0.1 %s\n' "$1" >"$fwd.tmp" &&
		chmod 0755 "$fwd.tmp" && mv "$fwd.tmp" "$fwd" || return 1
	KDI_QEMU_NET="-netdev user,id=n0,restrict=on,guestfwd=tcp:$SSHD_GUEST_ADDR:$SSHD_GUEST_PORT-cmd:$fwd"
	KDI_QEMU_NET="$KDI_QEMU_NET -device virtio-net-pci,netdev=n0,mac=${2:-$SSHD_QEMU_MAC}"
}
