#!/usr/bin/env bash
# Import-pipeline benchmark (not a test): on the ~3 GB live-like image made by
# bench/extract.sh, measures in one run
#   1. `pxe-import extract` (plain extraction),
#   2. a full `pxe-import IMAGE --as live` into an empty PXE root,
#   3. an unchanged re-import of the same image (should skip without reading data),
# each output on a fresh ext4 made for the run (see bench/README.md for why).
# Reports the pipeline's overhead over plain extraction (target <= 5 %) and the
# unchanged re-import time (target <= 0.3 s). Needs root (loop devices).
#
#   bash bench/import.sh [--runs N]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=${BENCH_WORK:-$HERE/work}
ISO=$WORK/live.iso
MAIN=$REPO/dist/src/cli/main.js
RUNS=3
while (($#)); do
  case "$1" in
    --runs) RUNS=${2:?}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "import.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -f $ISO ]] || { echo "import.sh: $ISO missing: run 'bash bench/extract.sh --tools cp --runs 1' once to generate it" >&2; exit 1; }
[[ -f $MAIN ]] || { echo "import.sh: $MAIN missing: npm run build" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "import.sh: needs root for its loop-mounted scratch file systems" >&2; exit 1; }

MNT=$WORK/import-mnt
SCRATCH=$WORK/import-scratch.ext4
LOOP=""
cleanup() {
  mountpoint -q "$MNT" 2>/dev/null && umount "$MNT" || true
  [[ -n $LOOP ]] && losetup -d "$LOOP" 2>/dev/null || true
  rm -f "$SCRATCH"
}
trap cleanup EXIT
fresh_fs() {
  cleanup
  truncate -s "$(( $(stat -c %s "$ISO") * 4 / 1048576 + 1024 ))M" "$SCRATCH"
  mkfs.ext4 -q -F -m 0 -N 100000 -E lazy_itable_init=0,lazy_journal_init=0,nodiscard "$SCRATCH" >/dev/null
  LOOP=$(losetup --find --show --direct-io=on "$SCRATCH")
  mkdir -p "$MNT"
  mount -o noatime "$LOOP" "$MNT"
  sync
}
seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cat "$ISO" >/dev/null # warm: the image is in the page cache for every run
IMPORT=(node "$MAIN" "$ISO" --as live --server 192.0.2.10 --clients 192.0.2.0/24 --quiet)
ext=() full=() same=()
for ((r = 1; r <= RUNS; r++)); do
  fresh_fs
  ext+=("$(seconds node "$MAIN" extract --quiet "$ISO" "$MNT/tree")")
  fresh_fs
  full+=("$(seconds "${IMPORT[@]}" --root "$MNT/pxe" --exports-file "$MNT/exports")")
  t0=$(date +%s.%N)
  "${IMPORT[@]}" --root "$MNT/pxe" --exports-file "$MNT/exports" >/dev/null
  t1=$(date +%s.%N)
  same+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  echo "run $r/$RUNS: extract ${ext[-1]}s  import ${full[-1]}s  unchanged re-import ${same[-1]}s"
done
me=$(echo "${ext[*]}" | median); mf=$(echo "${full[*]}" | median); ms=$(echo "${same[*]}" | median)
overhead=$(awk -v e="$me" -v f="$mf" 'BEGIN { printf "%.1f", (f / e - 1) * 100 }')
echo
echo "image: $ISO ($(stat -c %s "$ISO") bytes), warm page cache, output on a fresh ext4 per run, $RUNS runs, medians"
echo "pxe-import extract:          ${me}s"
echo "pxe-import IMAGE --as live:  ${mf}s   overhead over extraction: ${overhead}% (target <= 5%) $(awk -v o="$overhead" 'BEGIN { print (o <= 5 ? "PASS" : "MISS") }')"
echo "unchanged re-import:         ${ms}s   (target <= 0.3 s, includes node start-up) $(awk -v s="$ms" 'BEGIN { print (s <= 0.3 ? "PASS" : "MISS") }')"
