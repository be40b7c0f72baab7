#!/usr/bin/env bash
# HTTP benchmark of issue 3 (figures and tuning notes: docs/decisions.md): the demo province ×10 (≈8,100 agencies, 5,000 systems, 20,000
# assets) on SQLite, loaded on loopback with wrk -c 50. Prints p50/p99 latency and throughput
# of the agency-tree page, a subtree-scoped system list and the overview page, beside the
# target (p99 < 50 ms). Usage: bench/http.sh [SCALE] [DURATION]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SCALE="${1:-10}"
DURATION="${2:-15s}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/khien-target}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
cargo build --release -p khien >/dev/null
BIN="$CARGO_TARGET_DIR/release/khien"
DIR="$(mktemp -d)"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT

echo "loading the demo province x$SCALE into $DIR ..."
start=$(date +%s%N)
"$BIN" demo --scale "$SCALE" --data-dir "$DIR" > "$DIR/accounts.txt" 2>/dev/null
echo "load time: $(( ($(date +%s%N) - start) / 1000000 )) ms"
pw() { grep "username=$1 " "$DIR/accounts.txt" | sed 's/.*password=\([^ ]*\).*/\1/'; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$BIN" serve --data-dir "$DIR" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
PID=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

cookie() {
  curl -s -o /dev/null -D - -X POST "http://127.0.0.1:$PORT/login" \
    --data-urlencode "username=$1" --data-urlencode "password=$(pw "$1")" \
    | tr -d '\r' | sed -n 's/^set-cookie: \(khien_session=[^;]*\).*/\1/Ip'
}
ADMIN=$(cookie admin)
OFFICER=$(cookie canbo.syt)
[ -n "$ADMIN" ] && [ -n "$OFFICER" ] || { echo "login failed" >&2; exit 1; }

run() {
  local name="$1" cookie="$2" path="$3"
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$PORT$path")
  [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
  local out
  out=$(wrk -t2 -c50 -d"$DURATION" --latency -H "Cookie: $cookie" "http://127.0.0.1:$PORT$path")
  local p50 p99 rps
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  printf '%-44s p50 %-9s p99 %-9s %8s req/s   target p99 < 50ms\n' "$name" "$p50" "$p99" "$rps"
}
echo
echo "khien (SQLite, demo x$SCALE), wrk -t2 -c50 -d$DURATION on 127.0.0.1:"
run "agency tree (/agencies, admin)" "$ADMIN" "/agencies"
run "subtree system list (/systems, officer SYT)" "$OFFICER" "/systems"
run "overview (/, admin)" "$ADMIN" "/"
run "overview (/, officer SYT)" "$OFFICER" "/"
