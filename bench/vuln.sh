#!/usr/bin/env bash
# Vulnerability-import benchmark of issue 4: a generated Nessus report (500,000 findings over
# 5,000 hosts by default, crates/khien-vuln/examples/gen_nessus.rs) imported with
# deduplication into SQLite twice (the second import must change nothing), then into a fresh
# PostgreSQL database. Prints seconds, findings/s, the ratio to a bare quick-xml pass over the
# same file (crates/khien-vuln/examples/xml_floor.rs) and peak memory, beside the targets.
# Two more figures are printed for reference, one per thread of the import: the parser
# thread's work alone (read, parse, intern; crates/khien-store/examples/parser_thread_floor.rs)
# and SQLite alone storing as many prepared rows into the real findings table
# (crates/khien-store/examples/sqlite_insert_floor.rs).
# Usage: [FINDINGS=N] [HOSTS=N] [SEED=N] [ROUNDS=N] [PG_URL=postgres://...] bench/vuln.sh
# Exits 1 when a target is missed. The report is kept under ~/.cache/khien-bench/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FINDINGS="${FINDINGS:-500000}"
HOSTS="${HOSTS:-5000}"
SEED="${SEED:-1}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/khien-target}"
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed: apt-get install time" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

echo "building (release) ..."
cargo build --release -p khien -p khien-vuln -p khien-store --bins --examples >/dev/null 2>&1 ||
  cargo build --release -p khien -p khien-vuln -p khien-store --bins --examples
DIR="$(mktemp -d)"
PGDB=""
cleanup() {
  if [ -n "$PGDB" ]; then psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1 || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
# Copies, so that a concurrent build cannot swap the binaries during the run.
for b in khien examples/gen_nessus examples/xml_floor examples/sqlite_insert_floor examples/parser_thread_floor; do cp "$CARGO_TARGET_DIR/release/$b" "$DIR/"; done
BIN="$DIR/khien"

# The report, reused while the generator and its parameters are the same.
CACHE="$HOME/.cache/khien-bench"
mkdir -p "$CACHE"
GEN_HASH=$(sha256sum crates/khien-vuln/examples/gen_nessus.rs | cut -c1-12)
FILE="$CACHE/nessus-$FINDINGS-$HOSTS-s$SEED-$GEN_HASH.nessus"
if [ ! -s "$FILE" ]; then
  echo "generating $FILE ..."
  "$DIR/gen_nessus" --findings "$FINDINGS" --hosts "$HOSTS" --seed "$SEED" --out "$FILE.tmp"
  mv "$FILE.tmp" "$FILE"
fi
SIZE_MB=$(( $(stat -c %s "$FILE") / 1000000 ))

# The floor: best of two bare quick-xml passes (the first also warms the page cache).
floor() { "$DIR/xml_floor" "$FILE" | sed 's/.*seconds=//'; }
parser_floor() { "$DIR/parser_thread_floor" "$FILE" | sed 's/.*seconds=//'; }
F1=$(floor); P1F=$(parser_floor); F2=$(floor); P2F=$(parser_floor)
FLOOR=$(python3 -c "print(min($F1, $F2))")
PARSER_FLOOR=$(python3 -c "print(min($P1F, $P2F))")
INSERT_FLOOR=$("$DIR/sqlite_insert_floor" "$FINDINGS" | sed 's/.*seconds=//')

# One timed import: prints "seconds peak_kb json".
timed_import() {
  local out="$DIR/out.json" tv="$DIR/time.txt" start end
  start=$(date +%s%N)
  /usr/bin/time -v -o "$tv" "$BIN" import scan "$@" --auto --json "$FILE" >"$out"
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000 ))e-6 $(awk -F': ' '/Maximum resident set size/{print $2}' "$tv") $(tail -n1 "$out")"
}

setup() {
  printf 'code,name,kind\nBENCH,UBND tinh (benchmark),province\n' >"$DIR/agencies.csv"
  printf 'code,name,owner_code,category,assets\nBENCHSYS,Benchmark system,BENCH,internal,10.0.0.0/8\n' >"$DIR/systems.csv"
  "$BIN" migrate "$@" >/dev/null
  "$BIN" import agencies "$@" "$DIR/agencies.csv" >/dev/null
  "$BIN" import systems "$@" "$DIR/systems.csv" >/dev/null
}

# The best of ROUNDS timed runs, like the floor (the machine's speed varies by ±20% between
# runs); its peak memory is the largest of them.
best() {
  python3 - "$@" <<'PY'
import sys
runs = [r.split(" ", 2) for r in sys.argv[1:]]
secs, _, js = min(runs, key=lambda r: float(r[0]))
print(secs, max(int(r[1]) for r in runs), js)
PY
}

ROUNDS="${ROUNDS:-2}"
echo "importing into SQLite ($FINDINGS findings, $HOSTS hosts, $SIZE_MB MB), best of $ROUNDS fresh databases ..."
S1S=(); S2S=()
for _ in $(seq "$ROUNDS"); do
  rm -rf "$DIR/sqlite"
  setup --data-dir "$DIR/sqlite"
  S1S+=("$(timed_import --data-dir "$DIR/sqlite")")
  S2S+=("$(timed_import --data-dir "$DIR/sqlite")")
done
S1=$(best "${S1S[@]}")
S2=$(best "${S2S[@]}")

P1="skipped"
if pg_isready -q -h 127.0.0.1 2>/dev/null; then
  PGDB="khien_bench_$$"
  psql -q "$PG_URL/postgres" -c "CREATE DATABASE $PGDB" >/dev/null
  echo "importing into PostgreSQL ($PGDB) ..."
  setup --database "$PG_URL/$PGDB"
  P1=$(timed_import --database "$PG_URL/$PGDB")
else
  echo "PostgreSQL is not running at 127.0.0.1:5432: its import is skipped" >&2
fi

python3 - "$FINDINGS" "$HOSTS" "$SIZE_MB" "$FLOOR" "$S1" "$S2" "$P1" "$INSERT_FLOOR" "$PARSER_FLOOR" <<'EOF'
import json, sys
findings, hosts, size, floor = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
def parse(s):
    if s == "skipped":
        return None
    secs, kb, js = s.split(" ", 2)
    return float(secs), int(kb) / 1024, json.loads(js)
s1, s2, p1 = parse(sys.argv[5]), parse(sys.argv[6]), parse(sys.argv[7])
fails = 0
def verdict(ok):
    global fails
    fails += 0 if ok else 1
    return "PASS" if ok else "FAIL"
def changes(j):
    return sum(j[k] for k in ("new", "updated", "reopened", "fixed"))
print()
print(f"Nessus report: {findings:,} findings, {hosts:,} hosts, {size} MB")
print(f"{'':34}{'seconds':>9}{'findings/s':>12}{'x floor':>9}{'peak MB':>9}   target")
print(f"{'bare quick-xml pass (floor)':34}{floor:9.2f}{findings / floor:12,.0f}{1:9.2f}{'':9}")
ins, par = float(sys.argv[8]), float(sys.argv[9])
print(f"{'parser thread alone':34}{par:9.2f}{findings / par:12,.0f}{par / floor:9.2f}{'':9}   (reference)")
print(f"{'SQLite storing prepared rows only':34}{ins:9.2f}{findings / ins:12,.0f}{ins / floor:9.2f}{'':9}   (reference)")
for name, r in (("SQLite, first import", s1), ("SQLite, second import", s2)):
    secs, mb, j = r
    rate, ratio = findings / secs, secs / floor
    print(f"{name:34}{secs:9.2f}{rate:12,.0f}{ratio:9.2f}{mb:9.0f}   ", end="")
    if r is s1:
        print(f">=100k/s {verdict(rate >= 100_000)}, <=2x floor {verdict(ratio <= 2)}, <500 MB {verdict(mb < 500)}"
              f"  ({j['new']:,} new)")
    else:
        print(f">= as fast {verdict(secs <= s1[0])}, zero changes {verdict(changes(j) == 0)} "
              f"({j['unchanged']:,} unchanged, {changes(j)} changed), <500 MB {verdict(mb < 500)}")
if p1 is None:
    print(f"{'PostgreSQL, first import':34}  skipped (server not running)")
else:
    secs, mb, j = p1
    rate = findings / secs
    print(f"{'PostgreSQL, first import':34}{secs:9.2f}{rate:12,.0f}{secs / floor:9.2f}{mb:9.0f}   "
          f">=50k/s {verdict(rate >= 50_000)}  ({j['new']:,} new)")
sys.exit(1 if fails else 0)
EOF
