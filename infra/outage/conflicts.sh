#!/usr/bin/env bash
# Measures the webhook under the conflicts DynamoDB reports (serve's
# -dynamodb-conflicts on DynamoDB Local): 120 first messages from 120
# reporters, 12 at a time, then 60 messages each delivered 3 times at once;
# prints the answers, the tips stored, the ERROR lines and the retry reasons.
#
#   setsid bash infra/outage/conflicts.sh
#
# PORT (8613) is serve's port.
set -euo pipefail
work=$(mktemp -d); port=${PORT:-8613}
endpoint=$(bash infra/dynamodb-local/dynamodb-local.sh start --pid-file "$work/ddb.pid")
go build -o "$work/tipline" ./infra/tipline
export TIPLINE_CACHE=$work/cache TIPLINE_API=http://localhost:$port
"$work/tipline" serve -addr 127.0.0.1:$port -dynamodb-endpoint "$endpoint" -dynamodb-conflicts >"$work/serve.log" 2>&1 &
serve=$!
trap 'kill $serve; bash infra/dynamodb-local/dynamodb-local.sh stop --pid-file "$work/ddb.pid" >/dev/null' EXIT
until curl -sf localhost:$port/healthz >/dev/null; do sleep 0.5; done
ADMIN=$("$work/tipline" token -role admin -sub root)
count() { local n=0 cur="" page; while :; do page=$(curl -s -H "Authorization: Bearer $ADMIN" "localhost:$port/api/tips?limit=100${cur:+&cursor=$cur}"); n=$((n + $(jq '.tips|length' <<<"$page"))); cur=$(jq -r '.next_cursor // empty' <<<"$page"); [ -n "$cur" ] || break; done; echo $n; }
echo "== 120 first messages, 12 at a time, conflicts as in AWS"
"$work/tipline" bench -n 120 -c 12 2>&1 | grep statuses
echo "tips stored: $(count); webhook retries so far: $(grep -c "webhook write retried" "$work/serve.log" || true)"
echo "== 60 messages each delivered 3 times at once"
"$work/tipline" bench -n 60 -c 12 -deliveries 3 2>&1 | grep statuses
echo "tips stored: $(count) (120 before)"
grep -c '"level":"ERROR"' "$work/serve.log" | sed 's/^/ERROR lines: /' || true
grep "webhook write retried" "$work/serve.log" | grep -o '"reason":"[^:]*: [^:]*: [^:]*: transaction cancelled' | sort | uniq -c || true
