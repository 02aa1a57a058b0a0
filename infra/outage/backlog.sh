#!/usr/bin/env bash
# Measures how soon a critical tip is alerted behind a backlog: serve (the
# embedded engine, or DynamoDB Local with DDB=1), `tipline bench -n 1000`,
# then one critical tip; prints the seconds from its webhook answer to its
# first alert in the fake Twilio's outbox; then an authority acknowledges
# it and staff add a note; then how long SIGINT takes to stop serve, and
# the ERROR lines serve logged.
#
#   setsid bash infra/outage/backlog.sh
#   DDB=1 C=16 setsid bash infra/outage/backlog.sh   # bench also measures bare PutItems
#
# N (1000) tips, C (8) at a time; PORT (8612) is serve's port.
set -euo pipefail
port=${PORT:-8612}
n=${N:-1000}
work=$(mktemp -d)
go build -o "$work/tipline" ./infra/tipline
args=(serve -addr 127.0.0.1:$port)
if [ "${DDB:-0}" = 1 ]; then
	endpoint=$(bash infra/dynamodb-local/dynamodb-local.sh start --pid-file "$work/ddb.pid")
	args+=(-dynamodb-endpoint "$endpoint")
fi
export TIPLINE_CACHE=$work/cache TIPLINE_API=http://localhost:$port # after DynamoDB Local, which the user's cache holds
"$work/tipline" "${args[@]}" >"$work/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null || true; [ -f "$work/ddb.pid" ] && bash infra/dynamodb-local/dynamodb-local.sh stop --pid-file "$work/ddb.pid" >/dev/null; echo "logs: $work"' EXIT
until curl -sf localhost:$port/healthz >/dev/null; do sleep 0.5; done
echo "engine: $([ "${DDB:-0}" = 1 ] && echo "DynamoDB Local" || echo embedded), $n tips first"
"$work/tipline" bench -n "$n" -c "${C:-8}" ${endpoint:+-dynamodb-endpoint "$endpoint"} 2>&1 | grep -vE "%:" || true
reply=$("$work/tipline" send -from +51987222222 -body "En La Pampa km 108, Madre de Dios, tienen encerradas a dos chicas de 15 años en un bar, ahora")
start=$(date +%s.%N)
ref=$(grep -o 'Tu código es [A-Z0-9]*' <<<"$reply" | awk '{print $4}')
until curl -s localhost:$port/local/outbox | jq -e --arg ref "$ref" 'any(.[]; .body | contains("aviso " + $ref))' >/dev/null; do
	sleep 0.1
done
printf 'critical tip %s: first alert in the outbox %.2f s after its webhook answered\n' "$ref" "$(echo "$(date +%s.%N) - $start" | bc)"
# An authority's acknowledgement and a staff action, so the log covers them too.
"$work/tipline" send -from +51900000111 -body "OK $ref" >/dev/null
ADMIN=$("$work/tipline" token -role admin -sub root)
id="" cursor=""
while [ -z "$id" ]; do # the staff queue, page by page, for the tip's id
	page=$(curl -s -H "Authorization: Bearer $ADMIN" "localhost:$port/api/tips?limit=100${cursor:+&cursor=$cursor}")
	id=$(jq -r --arg ref "$ref" '.tips[] | select(.ref == $ref) | .id' <<<"$page")
	cursor=$(jq -r '.next_cursor // empty' <<<"$page")
	[ -n "$id" ] || [ -n "$cursor" ] || { echo "tip $ref not in the staff queue"; exit 1; }
done
version=$(curl -s -H "Authorization: Bearer $ADMIN" "localhost:$port/api/tips/$id" | jq -r .version)
curl -s -X PATCH -H "Authorization: Bearer $ADMIN" -H "If-Match: \"$version\"" -d '{"note":"revisado por el equipo"}' \
	"localhost:$port/api/tips/$id" | jq -c '{staff_action: {ref, version}}'
sleep 2
echo "tip status: $(curl -s -H "Authorization: Bearer $ADMIN" "localhost:$port/api/tips/$id" | jq -r .status)"
t0=$(date +%s.%N)
kill -INT $serve
wait $serve || true
printf 'SIGINT stopped serve in %.2f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
grep -c '"level":"ERROR"' "$work/serve.log" | sed 's/^/ERROR lines: /' || true
