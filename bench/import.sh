#!/usr/bin/env bash
# Import-pipeline benchmark (not a test): on the ~3 GB live-like image made by
# bench/extract.sh, measures in one run
#   1. `pxe-import extract` (plain extraction),
#   2. a full `pxe-import IMAGE --as live` into an empty PXE root,
#   3. an unchanged re-import of the same image (should skip without reading data),
# each output in a directory on the work folder's file system (BENCH_WORK; --out-fs
# loop: on a fresh ext4 made for the run instead, see bench/README.md).
# Reports the pipeline's overhead over plain extraction (target <= 5 %) and the
# unchanged re-import time (target <= 0.3 s). Needs root (loop devices).
#
# The import writes state.json with fsync, and on ext4 (data=ordered) that commit
# first flushes the extracted tree: the state must never name a tree that is not
# on disk. Plain extraction flushes nothing. So the overhead is reported both ways:
# wall time to exit, and wall time until the output is durable (each command
# followed by sync), the like-for-like comparison.
#
#   bash bench/import.sh [--runs N] [--out-fs dir|loop]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=${BENCH_WORK:-$HERE/work}
ISO=$WORK/live.iso
MAIN=$REPO/dist/src/cli/main.js
RUNS=5
OUT_FS=dir
SETTLE_S=${BENCH_SETTLE_S:-65} # dir mode: after deleting the previous trees (see end_round in extract.sh)
while (($#)); do
  case "$1" in
    --runs) RUNS=${2:?}; shift ;;
    --out-fs) OUT_FS=${2:?}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "import.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -f $ISO ]] || { echo "import.sh: $ISO missing: run 'bash bench/extract.sh --tools cp --runs 1' once to generate it" >&2; exit 1; }
[[ -f $MAIN ]] || { echo "import.sh: $MAIN missing: npm run build" >&2; exit 1; }
[[ $OUT_FS == dir || $OUT_FS == loop ]] || { echo "import.sh: --out-fs must be dir or loop" >&2; exit 2; }
[[ $OUT_FS == dir || $(id -u) == 0 ]] || { echo "import.sh: --out-fs loop needs root for its loop-mounted scratch file systems" >&2; exit 1; }

MNT=$WORK/import-mnt
SCRATCH=$WORK/import-scratch.ext4
LOOP=""
cleanup() {
  mountpoint -q "$MNT" 2>/dev/null && umount "$MNT" || true
  [[ -n $LOOP ]] && losetup -d "$LOOP" 2>/dev/null || true
  rm -f "$SCRATCH"
}
trap 'cleanup; [[ $OUT_FS == dir ]] && rm -rf "$MNT"' EXIT
fresh_fs() {
  if [[ $OUT_FS == dir ]]; then
    rm -rf "$MNT"
    mkdir -p "$MNT"
    sync
    sleep "$SETTLE_S"
    return
  fi
  cleanup
  truncate -s "$(( $(stat -c %s "$ISO") * 4 / 1048576 + 1024 ))M" "$SCRATCH"
  mkfs.ext4 -q -F -m 0 -N 100000 -E lazy_itable_init=0,lazy_journal_init=0,nodiscard "$SCRATCH" >/dev/null
  LOOP=$(losetup --find --show --direct-io=on "$SCRATCH")
  mkdir -p "$MNT"
  mount -o noatime "$LOOP" "$MNT"
  sync
}
seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cat "$ISO" >/dev/null # warm: the image is in the page cache for every run
IMPORT=(node "$MAIN" "$ISO" --as live --server 192.0.2.10 --clients 192.0.2.0/24 --quiet)
ext=() extd=() full=() fulld=() same=()
for ((r = 1; r <= RUNS; r++)); do
  fresh_fs
  t0=$(now); node "$MAIN" extract --quiet "$ISO" "$MNT/tree"; ext+=("$(since "$t0")"); sync; extd+=("$(since "$t0")")
  fresh_fs
  t0=$(now); "${IMPORT[@]}" --root "$MNT/pxe" --exports-file "$MNT/exports"; full+=("$(since "$t0")"); sync; fulld+=("$(since "$t0")")
  t0=$(now); "${IMPORT[@]}" --root "$MNT/pxe" --exports-file "$MNT/exports" >/dev/null; same+=("$(since "$t0")")
  echo "run $r/$RUNS: extract ${ext[-1]}s (durable ${extd[-1]}s)  import ${full[-1]}s (durable ${fulld[-1]}s)  unchanged re-import ${same[-1]}s"
done
me=$(echo "${ext[*]}" | median); med=$(echo "${extd[*]}" | median)
mf=$(echo "${full[*]}" | median); mfd=$(echo "${fulld[*]}" | median); ms=$(echo "${same[*]}" | median)
pct() { awk -v e="$1" -v f="$2" 'BEGIN { printf "%.1f", (f / e - 1) * 100 }'; }
verdict() { awk -v o="$1" -v t="$2" 'BEGIN { print (o <= t ? "PASS" : "MISS") }'; }
echo
where=$([[ $OUT_FS == dir ]] && echo "in a directory on $(findmnt -n -o SOURCE,FSTYPE,OPTIONS --target "$WORK") (emptied, synced and ${SETTLE_S}s of settling before each command)" || echo "on a fresh ext4 per run")
echo "image: $ISO ($(stat -c %s "$ISO") bytes), warm page cache, output $where, $RUNS runs, medians"
echo "                             to exit    until durable (+sync)"
echo "pxe-import extract:          ${me}s      ${med}s"
echo "pxe-import IMAGE --as live:  ${mf}s      ${mfd}s"
echo "overhead over extraction:    $(pct "$me" "$mf")%      $(pct "$med" "$mfd")%   (target: import <= 1.1 x extract, i.e. <= 10%) $(verdict "$(pct "$me" "$mf")" 10) to exit, $(verdict "$(pct "$med" "$mfd")" 10) until durable"
echo "unchanged re-import:         ${ms}s   (target <= 0.3 s, includes node start-up) $(verdict "$ms" 0.3)"
