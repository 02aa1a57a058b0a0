#!/usr/bin/env bash
# Measures recovery after a DynamoDB outage: serve on DynamoDB Local, the
# server frozen (SIGSTOP) while 15 messages reach the fake Twilio (each
# delivered once, as Twilio does: every webhook answers 503), then thawed.
# Prints how long after DynamoDB came back the 15 tips were stored, the
# replies each reporter got, and what a second reconcile run recovers.
#
#   setsid bash infra/outage/outage.sh                 # 6 s outage, reconcile every 5m
#   EVERY=1m OUTAGE=75 setsid bash infra/outage/outage.sh
#
# PORT (8611) is serve's port. setsid keeps the frozen server from taking
# the shell's hangup with it. Needs jq, bc, Java and npm (DynamoDB Local).
set -euo pipefail
port=${PORT:-8611}
echo "outage ${OUTAGE:-6} s, reconcile every ${EVERY:-5m}"
every=${EVERY:-5m}
work=$(mktemp -d)
endpoint=$(bash infra/dynamodb-local/dynamodb-local.sh start --pid-file "$work/ddb.pid")
java=$(cat "$work/ddb.pid")
go build -o "$work/tipline" ./infra/tipline
TIPLINE_CACHE=$work/cache "$work/tipline" serve -addr 127.0.0.1:$port -dynamodb-endpoint "$endpoint" -reconcile-every "$every" >"$work/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null; kill -CONT $java 2>/dev/null; bash infra/dynamodb-local/dynamodb-local.sh stop --pid-file "$work/ddb.pid" >/dev/null; echo "logs: $work"' EXIT
until curl -sf localhost:$port/healthz >/dev/null; do sleep 0.5; done
export TIPLINE_API=http://localhost:$port
ADMIN=$(TIPLINE_CACHE=$work/cache "$work/tipline" token -role admin -sub root)
tips() { curl -s -H "Authorization: Bearer $ADMIN" "localhost:$port/api/tips?limit=100" | jq '.tips | length'; }
echo "tips before: $(tips)"
kill -STOP "$java"
for i in $(seq -w 1 15); do
	curl -s -o /dev/null -X POST localhost:$port/local/inbound --data-urlencode From=+5198765100$i \
		--data-urlencode To=+51900000000 --data-urlencode "Body=en el km 108 tienen encerradas a dos chicas menores"
done
sleep ${OUTAGE:-6} # every webhook answers 503 after its 3 s deadline; OUTAGE makes the outage last longer
kill -CONT "$java"
back=$(date +%s.%N)
echo "DynamoDB back at $(date -u +%T)"
until [ "$(tips)" -ge 15 ]; do sleep 0.5; [ $(date +%s) -lt $(( ${back%.*} + 900 )) ] || { echo "gave up after 15 min"; break; }; done
now=$(date +%s.%N)
printf '15 tips stored %.1f s after DynamoDB came back (reconcile every %s)\n' "$(echo "$now - $back" | bc)" "$every"
sleep 5 # the last replies
curl -s localhost:$port/local/outbox | jq -r '[.[] | select(.to | startswith("+5198765100"))] | group_by(.to) | map(length) | "replies per reporter: \(unique) for \(length) reporters"'
curl -s -X POST localhost:$port/local/reconcile | jq -c '{second_run: .}'
curl -s localhost:$port/local/outbox | jq -r '[.[] | select(.to | startswith("+5198765100"))] | "replies after the second run: \(length)"'
echo "tips after: $(tips)"
grep -c '"level":"ERROR"' "$work/serve.log" | sed 's/^/ERROR lines: /' || true
