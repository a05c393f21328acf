#!/usr/bin/env bash
# Combined-initrd benchmark (not a test): the time to write an initrd with a 1.5 GB ISO appended
# as a newc archive (src/extract/combined-initrd.ts, what the Proxmox installer entries boot),
# against `cat INITRD ISO > OUT` of the same bytes, on the file system holding BENCH_WORK,
# round-robin, warm page cache, each run followed by sync (timed with the run: the output must
# be on disk). Reports medians and the ratio.
#
#   bash bench/initrd.sh [--runs N] [--iso-mib N]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=${BENCH_WORK:-$HERE/work}/initrd
RUNS=5
ISO_MIB=1536
while (($#)); do
  case "$1" in
    --runs) RUNS=${2:?}; shift ;;
    --iso-mib) ISO_MIB=${2:?}; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "initrd.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
MODULE=$REPO/dist/src/extract/combined-initrd.js
[[ -f $MODULE ]] || { echo "initrd.sh: $MODULE missing: npm run build" >&2; exit 1; }
mkdir -p "$WORK"
trap 'rm -f "$WORK"/out-*' EXIT
# Incompressible, never-zero input (zero runs would let a copy punch holes).
keystream() { (set +o pipefail; openssl enc -aes-128-ctr -K "$1" -iv 0 -nosalt -in /dev/zero 2>/dev/null | head -c "$2"); }
[[ $(stat -c %s "$WORK/image.iso" 2>/dev/null || echo 0) == $((ISO_MIB * 1048576)) ]] ||
  keystream 00112233445566778899aabbccddeeff $((ISO_MIB * 1048576)) > "$WORK/image.iso"
[[ -s "$WORK/initrd.img" ]] || keystream ffeeddccbbaa99887766554433221100 $((60 * 1048576 + 3)) > "$WORK/initrd.img"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1048576)" GiB"}' /proc/meminfo); file system: $(findmnt -no FSTYPE,OPTIONS -T "$WORK")"
echo "input: $ISO_MIB MiB ISO + 60 MiB initrd; $RUNS runs each, round-robin, warm cache, sync included"
now() { date +%s.%N; }
declare -A times
for ((r = 1; r <= RUNS; r++)); do
  for tool in cat pxe-import; do
    rm -f "$WORK/out-$tool"; sync
    t0=$(now)
    if [[ $tool == cat ]]; then
      cat "$WORK/initrd.img" "$WORK/image.iso" > "$WORK/out-cat"
    else
      node --input-type=module -e "import { writeCombinedInitrd } from '$MODULE';
        await writeCombinedInitrd({ initrd: '$WORK/initrd.img', file: '$WORK/image.iso', name: 'proxmox.iso', out: '$WORK/out-pxe-import' });"
    fi
    sync
    times[$tool]+="$(echo "$(now) - $t0" | bc) "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mc=$(echo "${times[cat]}" | median); mp=$(echo "${times[pxe-import]}" | median)
printf '%-12s %s  median %.2f s\n' cat "${times[cat]}" "$mc" pxe-import "${times[pxe-import]}" "$mp"
printf 'ratio pxe-import / cat: %.2f\n' "$(echo "$mp / $mc" | bc -l)"
