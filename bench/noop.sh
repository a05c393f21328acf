#!/usr/bin/env bash
# No-op benchmark (not a test): what a cron run costs when nothing changed. Builds, in a
# scratch folder, 20 small ISO images (the demo image's tree, each with its own volume id and
# one file of its own), imports one of them into a PXE root and all 20 into another with
# `sync`, then reports the median wall time of N runs (default 20) of:
#   node -e 0                    Node's own start, the floor
#   pxe-import --version         start-up of the CLI (commander and what main.ts loads)
#   no-op import --quiet         `pxe-import IMAGE --as NAME --root R ... --quiet`, unchanged
#   no-op import                 the same with its plain task list (no terminal: cron's output)
#   sync DIR (20 unchanged)      `pxe-import sync DIR --root R2 ...`, all 20 unchanged
# with the ratio of each to `node -e 0`, the mean CPU time (user + system; steadier than wall
# time on a busy machine), and verdicts against issue 13's targets (no-op import <= 0.2 s,
# sync of 20 <= 0.5 s). Uses hyperfine when installed, else a timing loop (no CPU column).
#
#   bash bench/noop.sh [--runs N] [--keep] [--no-hyperfine]
#
# Needs xorriso and a built CLI (npm run build). Environment: PXE_IMPORT_MAIN (another build
# of the CLI), NODE, BENCH_WORK (default bench/work; the scratch folder is BENCH_WORK/noop).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MAIN=${PXE_IMPORT_MAIN:-$REPO/dist/src/cli/main.js}
NODE=${NODE:-node}
WORK=${BENCH_WORK:-$HERE/work}/noop
DEMO=$REPO/fixtures/demo/demo-live.iso
RUNS=20 KEEP=0 IMAGES=20 HYPERFINE=1
while (($#)); do
  case "$1" in
    --runs) RUNS=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    --no-hyperfine) HYPERFINE=0 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "noop.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -f $MAIN ]] || { echo "noop.sh: $MAIN missing: npm run build" >&2; exit 1; }
command -v xorriso >/dev/null || { echo "noop.sh: needs xorriso (apt-get install xorriso)" >&2; exit 1; }
((KEEP)) || trap 'rm -rf "$WORK"' EXIT

# --- the setup: 20 images, one root with one import, one root synced from the folder ---
rm -rf "$WORK"
mkdir -p "$WORK/isos"
xorriso -osirrox on -indev "$DEMO" -extract / "$WORK/tree" >/dev/null 2>&1
chmod -R u+w "$WORK/tree"
for ((i = 1; i <= IMAGES; i++)); do
  printf 'noop bench image %d\n' "$i" > "$WORK/tree/.disk/bench-id"
  xorriso -as mkisofs -quiet -R -J -V "NOOP_BENCH_$i" -o "$WORK/isos/demo-$i.iso" "$WORK/tree" 2>/dev/null
done
rm -rf "$WORK/tree"
NET=(--server 192.0.2.10 --clients 192.0.2.0/24)
ONE=(--root "$WORK/one/pxe" --exports-file "$WORK/one/exports" "${NET[@]}")
ALL=(--root "$WORK/all/pxe" --exports-file "$WORK/all/exports" "${NET[@]}")
mkdir -p "$WORK/one" "$WORK/all"
"$NODE" "$MAIN" "$WORK/isos/demo-1.iso" --as demo "${ONE[@]}" --quiet
"$NODE" "$MAIN" sync "$WORK/isos" "${ALL[@]}" --quiet >/dev/null
# Unchanged from here on: a second run must say so, or the figures below measure imports.
"$NODE" "$MAIN" "$WORK/isos/demo-1.iso" --as demo "${ONE[@]}" --check --quiet || { echo "noop.sh: the re-import is not a no-op" >&2; exit 1; }
[[ -z $("$NODE" "$MAIN" sync "$WORK/isos" "${ALL[@]}" --quiet) ]] || { echo "noop.sh: the sync is not a no-op" >&2; exit 1; }

NAMES=("node -e 0" "pxe-import --version" "no-op import --quiet" "no-op import" "sync DIR (20 unchanged)")
CMDS=(
  "$NODE -e 0"
  "$NODE $MAIN --version"
  "$NODE $MAIN $WORK/isos/demo-1.iso --as demo ${ONE[*]} --quiet"
  "$NODE $MAIN $WORK/isos/demo-1.iso --as demo ${ONE[*]}"
  "$NODE $MAIN sync $WORK/isos ${ALL[*]}"
)

# --- the runs: medians in seconds, one per command (and mean CPU seconds, user + system) ---
MEDIANS=() CPUS=()
if ((HYPERFINE)) && command -v hyperfine >/dev/null; then
  TOOL="hyperfine $(hyperfine --version | awk '{print $2}'), 3 warm-up runs"
  hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$WORK/hyperfine.json" "${CMDS[@]}" >/dev/null
  mapfile -t MEDIANS < <("$NODE" -e 'for (const r of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results) console.log(r.median.toFixed(4))' "$WORK/hyperfine.json")
  mapfile -t CPUS < <("$NODE" -e 'for (const r of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results) console.log((r.user + r.system).toFixed(3))' "$WORK/hyperfine.json")
else
  TOOL="timing loop (no hyperfine), 3 warm-up runs"
  median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.4f\n", v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  for c in "${CMDS[@]}"; do
    read -r -a argv <<<"$c"
    for ((r = 0; r < 3; r++)); do "${argv[@]}" >/dev/null 2>&1; done
    MEDIANS+=("$(for ((r = 0; r < RUNS; r++)); do
      t0=$(date +%s%N); "${argv[@]}" >/dev/null 2>&1; t1=$(date +%s%N)
      echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }'
    done | median)")
  done
fi

# --- the report ---
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "machine: $(uname -srm), ${cpu:-unknown CPU} x $(nproc), $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node $("$NODE" --version), CLI $MAIN"
echo "scratch: $WORK on $(df -T "$WORK" | awk 'NR == 2 { print $2 }') ($(findmnt -n -o OPTIONS -T "$WORK" 2>/dev/null || echo '?')), warm page cache"
echo "runs: $RUNS per command, $TOOL; median wall seconds"
echo
printf '%-26s %9s %9s %9s\n' command median_s x_node cpu_s
base=${MEDIANS[0]}
for i in "${!NAMES[@]}"; do
  printf '%-26s %9.3f %9.2f %9s\n' "${NAMES[$i]}" "${MEDIANS[$i]}" "$(awk -v a="${MEDIANS[$i]}" -v b="$base" 'BEGIN { print a / b }')" "${CPUS[$i]:--}"
done
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { printf "%.3f s (target <= %s s) %s\n", v, t, (v <= t ? "PASS" : "MISS") }'; }
echo
echo "verdict no-op import --quiet: $(verdict "${MEDIANS[2]}" 0.2)"
echo "verdict no-op import:         $(verdict "${MEDIANS[3]}" 0.2)"
echo "verdict sync of 20 unchanged: $(verdict "${MEDIANS[4]}" 0.5)"
