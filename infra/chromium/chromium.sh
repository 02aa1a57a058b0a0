#!/usr/bin/env bash
# Debian's chromium for the console's browser tests (infra/tipline,
# TestConsoleInBrowser), installed with apt when missing, as
# infra/dynamodb-local/dynamodb-local.sh installs Java.
#
#   chromium.sh install   install when missing; print the binary's path
#   chromium.sh path      print the binary's path, or fail
#
# The tests find the binary through CHROMIUM or PATH. Without it they skip
# with a message, except in CI (CI=true), where they fail.
set -euo pipefail

find_chromium() {
	local c
	for c in "${CHROMIUM:-}" chromium chromium-browser; do
		[[ -n $c ]] || continue
		if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
	done
	return 1
}

install_chromium() {
	if find_chromium; then return 0; fi
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "chromium.sh: chromium is missing and this system has no apt-get; install chromium and set CHROMIUM" >&2
		return 1
	fi
	local sudo=()
	if ((EUID != 0)); then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "chromium.sh: installing chromium needs root (or sudo)" >&2
			return 1
		fi
		sudo=(sudo)
	fi
	echo "chromium.sh: installing Debian's chromium with apt (once)" >&2
	"${sudo[@]}" apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
	find_chromium
}

case "${1:-}" in
install) install_chromium ;;
path) find_chromium ;;
*)
	echo "usage: chromium.sh install|path" >&2
	exit 2
	;;
esac
