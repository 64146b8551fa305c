#!/usr/bin/env bash
# Smoke test of a running Mantis server, with curl + jq only.
#   ENDPOINT=http://127.0.0.1:8420 MANTIS_API_TOKEN=... scripts/smoke.sh
# Exits non-zero at the first failed check, printing what it got.
set -euo pipefail

: "${ENDPOINT:?set ENDPOINT, e.g. http://127.0.0.1:8420}"
: "${MANTIS_API_TOKEN:?set MANTIS_API_TOKEN}"
PROFILE="smoke-$RANDOM$RANDOM"
TIMEOUT_S="${SMOKE_TIMEOUT_S:-120}"
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1" >&2; cat "$BODY" >&2 2>/dev/null; echo >&2; exit 1; }

# call METHOD PATH [JSON] -> prints the HTTP status, body in $BODY
call() {
  local args=(-sS -o "$BODY" -w '%{http_code}' -X "$1" -H "X-Mantis-Token: $MANTIS_API_TOKEN")
  if [ $# -ge 3 ]; then args+=(-H 'Content-Type: application/json' --data "$3"); fi
  curl "${args[@]}" "$ENDPOINT$2"
}

PLAN='[{"type":"navigate","intent":"open a blank page","params":{"url":"about:blank"}},
       {"type":"request_user_input","intent":"ask","params":{"prompt":"smoke: say anything"}},
       {"type":"done","intent":"finished"}]'
submit() { jq -nc --argjson plan "$PLAN" --arg p "$PROFILE" '{micro: $plan, profile_id: $p}'; }

code=$(curl -sS -o "$BODY" -w '%{http_code}' "$ENDPOINT/v1/health")
[ "$code" = 200 ] && jq -e '.status == "ok" and (.service | startswith("mantis"))' "$BODY" >/dev/null \
  || fail "health and service banner"
pass "health: $(jq -c . "$BODY")"

code=$(call POST /v1/predict "$(submit)")
[ "$code" = 200 ] || fail "submit returns 200 (got $code)"
RUN1=$(jq -r .run_id "$BODY")
jq -e --arg p "$PROFILE" '(.run_id | test("^[0-9]{8}_[0-9]{6}_[0-9a-f]{8}$"))
    and (.payload.profile_id | endswith("__" + $p)) and (.payload.workflow_id | contains("__"))' \
  "$BODY" >/dev/null || fail "submit returns a run id and namespaced ids"
pass "submit: run $RUN1, profile $(jq -r .payload.profile_id "$BODY")"

code=$(call POST /v1/predict "$(submit)")
[ "$code" = 409 ] || fail "second submit on the same profile is 409 (got $code)"
jq -e --arg r "$RUN1" '.extra.held_run_id == $r and (.detail | contains($r))' "$BODY" >/dev/null \
  || fail "409 body carries the held run id"
pass "409 with held_run_id $RUN1"

deadline=$(( $(date +%s) + TIMEOUT_S ))
while :; do
  code=$(call GET "/v1/runs/$RUN1")
  [ "$code" = 200 ] || fail "poll returns 200 (got $code)"
  status=$(jq -r .status "$BODY")
  case "$status" in paused|succeeded|failed|cancelled) break ;; esac
  [ "$(date +%s)" -lt "$deadline" ] || fail "run reaches paused or terminal within ${TIMEOUT_S}s (last: $status)"
  sleep 0.5
done
pass "poll reached $status"

code=$(call POST /v1/predict "{\"action\":\"resume\",\"run_id\":\"$RUN1\"}")
[ "$code" = 400 ] && jq -e '.detail | contains("user_input")' "$BODY" >/dev/null \
  || fail "resume without user_input is 400 naming user_input (got $code)"
pass "resume without user_input: 400"

code=$(call POST "/v1/runs/$RUN1/cancel")
[ "$code" = 200 ] && jq -e '.status == "cancelled"' "$BODY" >/dev/null || fail "cancel (got $code)"
pass "cancel"

code=$(call POST /v1/predict "$(submit)")
[ "$code" = 200 ] || fail "resubmit on the same profile after cancel (got $code)"
RUN2=$(jq -r .run_id "$BODY")
[ "$RUN2" != "$RUN1" ] || fail "resubmit gets a new run id"
pass "resubmit: new run $RUN2"

code=$(call POST /v1/predict '{"action":"resume","run_id":"20000101_000000_00000000","user_input":"x"}')
[ "$code" = 404 ] || fail "resume of an unknown run is 404 (got $code)"
pass "resume unknown run: 404"

code=$(call POST /v1/predict "{\"action\":\"resume\",\"run_id\":\"$RUN1\",\"user_input\":\"x\"}")
[ "$code" = 400 ] && jq -e '.detail | contains("paused")' "$BODY" >/dev/null \
  || fail "resume of a non-paused run is 400 mentioning paused (got $code)"
pass "resume non-paused run: 400"

call POST "/v1/runs/$RUN2/cancel" >/dev/null
echo "smoke: all checks passed against $ENDPOINT"
