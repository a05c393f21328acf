#!/usr/bin/env bash
# HTTP benchmark: `pxe-import serve` against nginx (Debian's package, the anchor) serving the
# same root on loopback, in one run: 1 and 32 concurrent clients downloading a 2 GB file whole
# and in random 1 MiB ranges (wrk). Reports MB/s, the ratio serve/nginx per case and serve's
# peak RSS. A benchmark, not a test: it exits 0 when it ran to the end, whatever the figures
# (--strict exits 1 on a missed target). See bench/README.md.
#
#   bash bench/serve.sh [--seconds N] [--servers nginx,serve[,sirv]] [--strict]
#
# `sirv` is an optional third row (the candidate library serve did not take): it runs only when
# the sirv package is installed (npm install --no-save sirv).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
WORK="${BENCH_WORK:-$BENCH_DIR/work}/serve"
PXE_MAIN="${PXE_IMPORT_MAIN:-$REPO_DIR/dist/src/cli/main.js}"
NODE_BIN="${NODE:-node}"
SIZE_MIB="${BENCH_FILE_MIB:-2048}"
SECONDS_PER_CASE=10
SERVERS="nginx,serve"
STRICT=0
TARGET_RATIO_32=0.8
TARGET_RSS_MB=150

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_CASE="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --strict) STRICT=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/serve.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench/serve.sh: $1 is missing (apt-get install $2)" >&2; exit 2; }; }
need nginx nginx
need wrk wrk
[ -f "$PXE_MAIN" ] || { echo "bench/serve.sh: $PXE_MAIN is not built (npx tsc -p tsconfig.json)" >&2; exit 2; }

ROOT="$WORK/root"
mkdir -p "$ROOT" "$WORK/logs"
chmod 755 "$WORK" "$ROOT"
FILE="$ROOT/big.bin"
SIZE=$((SIZE_MIB * 1024 * 1024))
if [ "$(stat -c %s "$FILE" 2>/dev/null || echo 0)" != "$SIZE" ]; then
  echo "making a ${SIZE_MIB} MiB file of random bytes..."
  head -c "$SIZE" /dev/urandom > "$FILE.tmp" && mv "$FILE.tmp" "$FILE"
fi
cat "$FILE" > /dev/null # warm: the page cache holds it for every server alike

cat > "$WORK/range.lua" <<EOF
local mib = 1048576
local n = math.floor($SIZE / mib)
math.randomseed(os.time())
request = function()
  local i = math.random(0, n - 1)
  return wrk.format("GET", nil, { ["Range"] = string.format("bytes=%d-%d", i * mib, i * mib + mib - 1) })
end
EOF

PORT_NGINX=18481
PORT_SERVE=18482
PORT_SIRV=18483
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start_nginx() {
  cat > "$WORK/nginx.conf" <<EOF
user root;
worker_processes auto;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/logs/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$PORT_NGINX; root $ROOT; }
}
EOF
  nginx -c "$WORK/nginx.conf" -p "$WORK" &
  PIDS+=($!)
}

SERVE_PID=""
start_serve() {
  "$NODE_BIN" "$PXE_MAIN" serve --root "$ROOT" --listen "127.0.0.1:$PORT_SERVE" --server 127.0.0.1 --clients 127.0.0.1 > "$WORK/logs/serve.log" 2>&1 &
  SERVE_PID=$!
  PIDS+=($SERVE_PID)
}

start_sirv() {
  (cd "$REPO_DIR" && "$NODE_BIN" -e "
    const sirv = require('sirv'); const http = require('node:http');
    http.createServer(sirv(process.argv[1], { dev: false, etag: true, dotfiles: true })).listen(Number(process.argv[2]), '127.0.0.1');
  " "$ROOT" "$PORT_SIRV") &
  PIDS+=($!)
}

wait_port() {
  for _ in $(seq 1 100); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$1/big.bin" && return 0; sleep 0.1; done
  echo "bench/serve.sh: nothing answers on port $1" >&2; return 1
}

# MB/s (10^6 bytes) from wrk's "Transfer/sec: 1.23GB" line.
mbps() {
  awk '/^Transfer\/sec:/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v);
    f = (u == "GB") ? 1073741824 : (u == "MB") ? 1048576 : (u == "KB") ? 1024 : 1; printf "%.0f", v * f / 1e6 }'
}

declare -A RESULT
run_case() { # server port conns mode
  local server=$1 port=$2 conns=$3 mode=$4 threads out
  threads=$(( conns < 2 ? 1 : 2 ))
  local args=(-t"$threads" -c"$conns" -d"${SECONDS_PER_CASE}s" --timeout 60s)
  [ "$mode" = range ] && args+=(-s "$WORK/range.lua")
  out=$(wrk "${args[@]}" "http://127.0.0.1:$port/big.bin")
  echo "$out" > "$WORK/logs/$server-$conns-$mode.wrk"
  if echo "$out" | grep -q 'Non-2xx'; then echo "bench/serve.sh: $server answered errors ($conns $mode): see $WORK/logs" >&2; fi
  RESULT[$server,$conns,$mode]=$(echo "$out" | mbps)
  printf '  %-6s %2s client(s) %-6s %8s MB/s\n' "$server" "$conns" "$mode" "${RESULT[$server,$conns,$mode]}"
}

IFS=, read -r -a LIST <<< "$SERVERS"
for s in "${LIST[@]}"; do
  case "$s" in
    nginx) start_nginx; wait_port $PORT_NGINX ;;
    serve) start_serve; wait_port $PORT_SERVE ;;
    sirv) if (cd "$REPO_DIR" && "$NODE_BIN" -e "require.resolve('sirv')" 2>/dev/null); then start_sirv; wait_port $PORT_SIRV; else echo "sirv is not installed: its row is skipped"; LIST=("${LIST[@]/sirv}"); fi ;;
    *) echo "bench/serve.sh: unknown server $s" >&2; exit 2 ;;
  esac
done

echo "loopback, ${SIZE_MIB} MiB file, ${SECONDS_PER_CASE} s per case, $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
for conns in 1 32; do
  for mode in whole range; do
    for s in "${LIST[@]}"; do
      case "$s" in nginx) run_case nginx $PORT_NGINX "$conns" $mode ;; serve) run_case serve $PORT_SERVE "$conns" $mode ;; sirv) run_case sirv $PORT_SIRV "$conns" $mode ;; esac
    done
  done
done

FAIL=0
if [ -n "$SERVE_PID" ]; then
  RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVE_PID/status")
  RSS_MB=$((RSS_KB / 1024))
  echo "serve: peak RSS ${RSS_MB} MB (target <= ${TARGET_RSS_MB})"
  [ "$RSS_MB" -le "$TARGET_RSS_MB" ] || FAIL=1
  if [[ " ${LIST[*]} " == *" nginx "* ]]; then
    for conns in 1 32; do
      for mode in whole range; do
        ratio=$(awk -v a="${RESULT[serve,$conns,$mode]}" -v b="${RESULT[nginx,$conns,$mode]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
        note=""
        if [ "$conns" = 32 ]; then
          note=" (target >= $TARGET_RATIO_32)"
          awk -v r="$ratio" -v t="$TARGET_RATIO_32" 'BEGIN { exit !(r >= t) }' || FAIL=1
        fi
        echo "serve/nginx, $conns client(s), $mode: $ratio$note"
      done
    done
  fi
fi
if [ "$STRICT" = 1 ] && [ "$FAIL" = 1 ]; then exit 1; fi
exit 0
