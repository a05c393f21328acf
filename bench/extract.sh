#!/usr/bin/env bash
# Extraction benchmark: pxe-import extract vs cp / bsdtar / xorriso / 7z on the
# same images (shapes a, b, c; see bench/README.md), reporting ratios.  A
# benchmark, not a test: it exits 0 when it ran to the end, whatever the figures
# (use --strict to fail on a missed target or a wrong extraction).
#
#   bash bench/extract.sh [--shape LIST] [--cache LIST] [--runs N] [--tools LIST] [--out-fs dir|loop] [--regen] [--strict]
#
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
WORK="${BENCH_WORK:-$BENCH_DIR/work}"
OUT_ROOT="$WORK/out"
SCRATCH="$WORK/scratch-ext4.img"
LOG_DIR="$WORK/logs"
PXE_MAIN="${PXE_IMPORT_MAIN:-$REPO_DIR/dist/src/cli/main.js}"
NODE_BIN="${NODE:-node}"

# Targets for pxe-import.
TARGET_CP_RATIO=1.15      # median(pxe) / median(cp)       <= this
TARGET_BEST_RATIO=1.0     # median(pxe) / fastest(others)  <  this
TARGET_RSS_MB=150         # peak RSS                       <= this

RUNS=5
MODES="warm,cold"
SHAPES="a,b,c"
TOOLS="cp,bsdtar,xorriso,7z,pxe-import"
OUT_FS=dir
REGEN=0
STRICT=0
SETTLE_S="${BENCH_SETTLE_S:-65}"   # dir mode: wait after deleting a round's trees (see end_round)

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF
Options:
  --shape LIST   comma-separated image shapes (default $SHAPES):
                   a      1.2 GB file + 8,000 small files (200 B-60 KB) in 40x7 dirs
                   b      50,000 files (100 B-1 MB, log-uniform) in 3,000 dirs (10x20x15)
                   c      live-like: 2.5 GiB file + 20,000 small files (100 B-64 KiB) in 200 dirs
                   quick  64 MiB file + 2,000 small files in 20x5 dirs (to try changes)
  --cache LIST   warm, cold or warm,cold (default $MODES); --warm / --cold = one of them.
                 warm: image read once before the runs; cold: sync and
                 echo 3 > /proc/sys/vm/drop_caches before every run (falls back
                 to warm, and says so, if not permitted)
  --runs N       timed runs per tool (default $RUNS), round-robin; the median is reported
  --tools LIST   comma-separated subset of: $TOOLS
  --out-fs dir   (default) extract into a directory bench/work/out/TOOL on the file
                 system holding the work folder (BENCH_WORK), as users extract
                 into /srv/pxe on their server's own file system
  --out-fs loop  extract into a freshly made ext4 file system (a loop-mounted
                 sparse file in the work folder on the same disk), new for every
                 run, so no run inherits the previous run's deletions
  --regen        regenerate the ISO even if a cached one matches
  --strict       exit 1 if an extraction is wrong or a pxe-import target is missed
Environment: BENCH_WORK (default bench/work), BENCH_SETTLE_S (default 65: seconds
             to wait between rounds in dir mode), BENCH_BIG_MIB, BENCH_SMALL_FILES,
             BENCH_SEED (override the shape's parameters), PXE_IMPORT_MAIN
             (default dist/src/cli/main.js), NODE.
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --cold) MODES=cold; shift ;;
    --warm) MODES=warm; shift ;;
    --cache) MODES="${2:?--cache needs warm, cold or warm,cold}"; shift 2 ;;
    --cache=*) MODES="${1#*=}"; shift ;;
    --shape) SHAPES="${2:?--shape needs a list}"; shift 2 ;;
    --shape=*) SHAPES="${1#*=}"; shift ;;
    --tools) TOOLS="${2:?--tools needs a list}"; shift 2 ;;
    --tools=*) TOOLS="${1#*=}"; shift ;;
    --out-fs) OUT_FS="${2:?--out-fs needs loop or dir}"; shift 2 ;;
    --out-fs=*) OUT_FS="${1#*=}"; shift ;;
    --regen) REGEN=1; shift ;;
    --strict) STRICT=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "extract.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "extract.sh: --runs must be a positive integer" >&2; exit 2; }
[[ "$OUT_FS" == loop || "$OUT_FS" == dir ]] || { echo "extract.sh: --out-fs must be loop or dir" >&2; exit 2; }
IFS=',' read -r -a TOOL_LIST <<<"$TOOLS"
for t in "${TOOL_LIST[@]}"; do
  case "$t" in cp|bsdtar|xorriso|7z|pxe-import) ;; *) echo "extract.sh: unknown tool: $t" >&2; exit 2 ;; esac
done
IFS=',' read -r -a SHAPE_LIST <<<"$SHAPES"
for s in "${SHAPE_LIST[@]}"; do
  case "$s" in a|b|c|quick) ;; *) echo "extract.sh: unknown shape: $s (a, b, c or quick)" >&2; exit 2 ;; esac
done
IFS=',' read -r -a MODE_LIST <<<"$MODES"
for m in "${MODE_LIST[@]}"; do
  case "$m" in warm|cold) ;; *) echo "extract.sh: unknown cache mode: $m (warm or cold)" >&2; exit 2 ;; esac
done

# Several shapes or cache modes: one run of this script for each, then a summary.
if [[ ${#SHAPE_LIST[@]} -gt 1 || ${#MODE_LIST[@]} -gt 1 ]]; then
  rc=0
  for s in "${SHAPE_LIST[@]}"; do
    for m in "${MODE_LIST[@]}"; do
      args=(--shape "$s" --cache "$m" --runs "$RUNS" --tools "$TOOLS" --out-fs "$OUT_FS")
      [[ $REGEN -eq 1 ]] && args+=(--regen)
      [[ $STRICT -eq 1 ]] && args+=(--strict)
      bash "$0" "${args[@]}" || rc=$?
    done
  done
  WORK="$WORK" SHAPES="$SHAPES" MODES="$MODES" "$NODE_BIN" "$BENCH_DIR/summary.mjs"
  exit $rc
fi
SHAPE="${SHAPE_LIST[0]}"
MODE="${MODE_LIST[0]}"

# Image parameters (changing any of them regenerates the image).
GEN_VERSION=2
SEED="${BENCH_SEED:-1}"
case "$SHAPE" in
  a) D_BIG=1144 D_SMALL=8000 SIZE_MIN=200 SIZE_MAX=60000 FANOUT=40x7 ;;          # 1.2 GB
  b) D_BIG=0 D_SMALL=50000 SIZE_MIN=100 SIZE_MAX=1000000 FANOUT=10x20x15 ;;
  c) D_BIG=2560 D_SMALL=20000 SIZE_MIN=100 SIZE_MAX=65536 FANOUT=5x5x8 ;;        # 2.5 GiB
  quick) D_BIG=64 D_SMALL=2000 SIZE_MIN=100 SIZE_MAX=65536 FANOUT=20x5 ;;
esac
BIG_MIB="${BENCH_BIG_MIB:-$D_BIG}"
SMALL_FILES="${BENCH_SMALL_FILES:-$D_SMALL}"
# Shape c keeps the name it had when it was the only one.
if [[ $SHAPE == c ]]; then ISO="$WORK/live.iso"; STAMP="$WORK/live.stamp"; else ISO="$WORK/shape-$SHAPE.iso"; STAMP="$WORK/shape-$SHAPE.stamp"; fi
ISO_NAME=$(basename "$ISO")

log() { printf '[bench] %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
elapsed2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---------------------------------------------------------------- tools ------
APT_UPDATED=0
apt_install() {
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    log "cannot install $* (not root or no apt-get)"; return 1
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
    APT_UPDATED=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_tools() {
  if ! /usr/bin/time -f '%e' true >/dev/null 2>&1; then apt_install time || true; fi
  /usr/bin/time -f '%e' true >/dev/null 2>&1 || { echo "extract.sh: GNU time (/usr/bin/time) is required" >&2; exit 1; }
  command -v xorriso >/dev/null || apt_install xorriso || true
  command -v xorriso >/dev/null || { echo "extract.sh: xorriso is required to build the image" >&2; exit 1; }
  command -v openssl >/dev/null || apt_install openssl || true
  command -v fincore >/dev/null || apt_install util-linux || true
  command -v bsdtar >/dev/null || apt_install libarchive-tools || true
  if ! command -v 7zz >/dev/null && ! command -v 7z >/dev/null; then apt_install 7zip || true; fi
  if [[ $OUT_FS == loop ]] && ! command -v mkfs.ext4 >/dev/null; then apt_install e2fsprogs || true; fi
  SEVENZ=""
  if command -v 7zz >/dev/null; then SEVENZ=7zz; elif command -v 7z >/dev/null; then SEVENZ=7z; fi
}

tool_version() {
  case "$1" in
    cp) cp --version | head -1 ;;
    bsdtar) bsdtar --version 2>/dev/null | head -1 ;;
    xorriso) xorriso -version 2>/dev/null | head -1 ;;
    7z) [[ -n "$SEVENZ" ]] && "$SEVENZ" 2>/dev/null | grep -m1 '7-Zip' | sed 's/ *:.*//' ;;
    pxe-import) [[ -f "$PXE_MAIN" ]] && echo "pxe-import ($("$NODE_BIN" --version))" ;;
  esac
}

# Why a tool cannot run, or empty if it can.
tool_unavailable() {
  case "$1" in
    cp) ;;
    bsdtar) command -v bsdtar >/dev/null || echo "missing (apt-get install libarchive-tools)" ;;
    xorriso) command -v xorriso >/dev/null || echo "missing (apt-get install xorriso)" ;;
    7z) [[ -n "$SEVENZ" ]] || echo "missing (apt-get install 7zip)" ;;
    pxe-import)
      if [[ ! -f "$PXE_MAIN" ]]; then echo "not built (${PXE_MAIN#"$REPO_DIR"/} missing; npm run build)"
      elif ! command -v "$NODE_BIN" >/dev/null; then echo "node not found"; fi ;;
  esac
}

# Sets CMD to the command line that extracts $ISO with tool $1 into $2 (an
# existing, empty directory).
tool_cmd() {
  local tool="$1" dest="$2"
  case "$tool" in
    cp) CMD=(cp "$ISO" "$dest/") ;;
    bsdtar) CMD=(bsdtar -xf "$ISO" -C "$dest") ;;
    xorriso) CMD=(xorriso -osirrox on -indev "$ISO" -extract / "$dest") ;;
    7z) CMD=("$SEVENZ" x -y -bd "-o$dest" "$ISO") ;;
    pxe-import) CMD=("$NODE_BIN" "$PXE_MAIN" extract "$ISO" "$dest") ;;
  esac
}

# ------------------------------------------------------------ helpers -------
count_type() { find "$1" -mindepth 1 -type "$2" | wc -l; }
sha256_of() { openssl dgst -sha256 -r "$1" | cut -d' ' -f1; }
# Digest over (path, sha256) of every regular file except the big one, sorted
# by path: catches wrong names, missing/extra files and wrong content.
tree_digest() {
  (cd "$1" && find . -type f ! -path "./$BIG_REL" -print0 | LC_ALL=C sort -z \
     | xargs -0 -r openssl dgst -sha256 -r | openssl dgst -sha256 -r | cut -d' ' -f1)
}
stamp_get() { sed -n "s/^$1=//p" "$STAMP" 2>/dev/null | head -1; }
file_size() { stat -c %s "$1"; }
cached_pct() {  # % of the image resident in the page cache
  if command -v fincore >/dev/null; then
    fincore -b -n -o RES,SIZE "$ISO" 2>/dev/null | awk '{ if ($2 > 0) printf "%.0f", 100 * $1 / $2; else print "?" }'
  else echo "?"; fi
}
# "user steal" jiffies over all CPUs (user = user+nice).  User time of the
# whole machine minus the tool's own user time = other processes' work during
# the run (kernel time is left out: the writeback and loop threads that flush
# the tool's own output run there).
cpu_snapshot() { awk '/^cpu / { print $2 + $3, $9 }' /proc/stat; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "";
  else if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minof() { tr ' ' '\n' | awk 'NF' | sort -g | head -1; }
maxof() { tr ' ' '\n' | awk 'NF' | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "" }'; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# ------------------------------------------------------- output filesystem --
# loop mode: a fresh ext4 in a sparse file on the same disk, made before every
# run and thrown away after it.  On a long-lived filesystem, deleting the
# previous run's 20,000 files makes the next run's inode allocation slow (ext4
# without a journal, as on this VM, skips "recently deleted" inodes, and that
# scan cost up to half of bsdtar's time), so each run would be biased by the
# one before it.
LOOPDEV=""
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

detach_stale() {  # only loops backed by our own scratch file
  if mountpoint -q "$OUT_ROOT" 2>/dev/null; then umount "$OUT_ROOT" || true; fi
  local d
  if [[ -e "$SCRATCH" ]] && command -v losetup >/dev/null; then
    for d in $(losetup -j "$SCRATCH" 2>/dev/null | cut -d: -f1); do losetup -d "$d" || true; done
  fi
  rm -f "$SCRATCH"
}

setup_out() {
  if [[ $OUT_FS == loop ]]; then
    local size_mb inodes
    # Sparse, so the size costs nothing; it must stay well above 1.5x the
    # output, or ext4 forces writeback of delayed allocations while the tool
    # runs (ext4_nonda_switch) and the run measures that instead.
    size_mb=$(( EXP_ISO_BYTES * 4 / 1048576 + 1024 ))
    inodes=$(( (EXP_FILES + EXP_SYMLINKS + EXP_DIRS) * 2 + 16384 ))
    mkdir -p "$OUT_ROOT"
    truncate -s "${size_mb}M" "$SCRATCH"
    mkfs.ext4 -q -F -m 0 -N "$inodes" -L pxebench -E lazy_itable_init=0,lazy_journal_init=0,nodiscard "$SCRATCH" >/dev/null
    LOOPDEV=$(losetup --find --show --direct-io=on "$SCRATCH")
    mount -o noatime "$LOOPDEV" "$OUT_ROOT"
  else
    mkdir -p "$OUT_ROOT"
  fi
}

teardown_out() {
  if [[ $OUT_FS == loop ]]; then
    if mountpoint -q "$OUT_ROOT" 2>/dev/null; then umount "$OUT_ROOT"; fi
    if [[ -n "$LOOPDEV" ]]; then losetup -d "$LOOPDEV" || true; LOOPDEV=""; fi
    rm -f "$SCRATCH"
  fi
}

# dir mode: the round's trees are kept until its end, then deleted together, and the
# next round waits SETTLE_S. On ext4 without a journal (this VM's root), allocating an
# inode skips, one by one, free inodes deleted less than 60 s ago (300 s while their
# inode-table block is dirty: ext4's recently_deleted()); right after deleting 20,000
# files, every create pays for that scan, so without the wait each run would measure the
# deletion before it (profiled: recently_deleted + find_get_block_common were the top
# kernel symbols of bsdtar's run).
end_round() {
  [[ $OUT_FS == dir ]] || return 0
  rm -rf "$OUT_ROOT"
  sync
  if [[ $SETTLE_S -gt 0 && $1 -lt $RUNS ]]; then
    log "settling ${SETTLE_S}s after deleting the round's trees (BENCH_SETTLE_S)"
    sleep "$SETTLE_S"
  fi
}

on_exit() {
  if [[ $OUT_FS == loop ]]; then
    if mountpoint -q "$OUT_ROOT" 2>/dev/null; then umount "$OUT_ROOT" 2>/dev/null || umount -l "$OUT_ROOT" 2>/dev/null || true; fi
    if [[ -n "$LOOPDEV" ]]; then losetup -d "$LOOPDEV" 2>/dev/null || true; fi
    rm -f "$SCRATCH"
  fi
  rm -rf "$OUT_ROOT" 2>/dev/null || true
}

# ------------------------------------------------------------ image ---------
image_is_current() {
  [[ -f "$STAMP" && -f "$ISO" ]] || return 1
  [[ "$(stamp_get gen_version)" == "$GEN_VERSION" && "$(stamp_get big_mib)" == "$BIG_MIB" \
     && "$(stamp_get small_files)" == "$SMALL_FILES" && "$(stamp_get seed)" == "$SEED" \
     && "$(stamp_get size_range)" == "$SIZE_MIN-$SIZE_MAX" && "$(stamp_get fanout)" == "$FANOUT" \
     && "$(stamp_get iso_bytes)" == "$(file_size "$ISO")" ]]
}

generate_image() {
  local src="$WORK/src" t0 t1 t2 meta
  rm -rf "$src" "$ISO" "$ISO.tmp" "$STAMP"
  # source tree + ISO + one extraction, with margin
  local need_kb=$(( (BIG_MIB + 32 + SMALL_FILES * SIZE_MAX / 8 / 1048576) * 1024 * 3 + 1024 * 1024 ))
  local avail_kb; avail_kb=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
  if (( avail_kb < need_kb )); then
    echo "extract.sh: need ~$((need_kb / 1048576)) GiB free in $WORK, have $((avail_kb / 1048576)) GiB" >&2; exit 1
  fi
  log "generating source tree: ${BIG_MIB} MiB big file + ${SMALL_FILES} small files (seed $SEED)"
  t0=$(now)
  meta=$("$NODE_BIN" "$BENCH_DIR/gen-tree.mjs" "$src" "$BIG_MIB" "$SMALL_FILES" "$SEED" "$SIZE_MIN" "$SIZE_MAX" "$FANOUT")
  t1=$(now)
  log "  source tree written in $(elapsed "$t0" "$t1") s; building ISO with xorriso -as mkisofs -R -J -iso-level 3"
  xorriso -as mkisofs -R -J -iso-level 3 -V PXEBENCH_LIVE -o "$ISO.tmp" "$src" >"$WORK/mkisofs.log" 2>&1 \
    || { cat "$WORK/mkisofs.log" >&2; exit 1; }
  t2=$(now)
  log "  ISO built in $(elapsed "$t1" "$t2") s ($(( $(file_size "$ISO.tmp") / 1048576 )) MiB)"
  BIG_REL=$(sed -n 's/.*"big_rel":"\([^"]*\)".*/\1/p' <<<"$meta")
  local files symlinks dirs digest
  files=$(count_type "$src" f); symlinks=$(count_type "$src" l); dirs=$(count_type "$src" d)
  digest=$(tree_digest "$src")
  mv "$ISO.tmp" "$ISO"
  rm -rf "$src"
  sync
  {
    echo "gen_version=$GEN_VERSION"
    echo "big_mib=$BIG_MIB"
    echo "small_files=$SMALL_FILES"
    echo "seed=$SEED"
    echo "size_range=$SIZE_MIN-$SIZE_MAX"
    echo "fanout=$FANOUT"
    echo "iso_bytes=$(file_size "$ISO")"
    echo "big_rel=$BIG_REL"
    echo "big_bytes=$(sed -n 's/.*"big_bytes":\([0-9]*\).*/\1/p' <<<"$meta")"
    echo "big_sha256=$(sed -n 's/.*"big_sha256":"\([0-9a-f]*\)".*/\1/p' <<<"$meta")"
    echo "files=$files"
    echo "symlinks=$symlinks"
    echo "dirs=$dirs"
    echo "tree_digest=$digest"
    echo "gen_tree_s=$(elapsed "$t0" "$t1")"
    echo "gen_iso_s=$(elapsed "$t1" "$t2")"
    echo "gen_total_s=$(elapsed "$t0" "$(now)")"
    echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$STAMP.tmp"
  mv "$STAMP.tmp" "$STAMP"
  log "  image ready: $ISO (total generation $(stamp_get gen_total_s) s, including hashing and cleanup)"
}

# ------------------------------------------------------------ verify --------
# Prints "ok" or a comma-separated list of problems; notes (not failures) are
# appended as "(note: ...)".
verify_output() {
  local tool="$1" dest="$2" problems=() notes=()
  if [[ "$tool" == cp ]]; then
    local n; n=$(count_type "$dest" f)
    [[ "$n" == 1 ]] || problems+=("files $n/1")
    [[ -f "$dest/$ISO_NAME" && "$(file_size "$dest/$ISO_NAME")" == "$EXP_ISO_BYTES" ]] || problems+=("size mismatch")
  else
    local files symlinks big="$dest/$BIG_REL"
    files=$(count_type "$dest" f); symlinks=$(count_type "$dest" l)
    [[ "$files" == "$EXP_FILES" ]] || problems+=("files $files/$EXP_FILES")
    if [[ ! -f "$big" ]]; then problems+=("big file missing")
    else
      [[ "$(file_size "$big")" == "$EXP_BIG_BYTES" ]] || problems+=("big size $(file_size "$big")/$EXP_BIG_BYTES")
      [[ "$(sha256_of "$big")" == "$EXP_BIG_SHA" ]] || problems+=("big sha256 mismatch")
    fi
    [[ "$(tree_digest "$dest")" == "$EXP_TREE" ]] || problems+=("small-file names/content digest mismatch")
    if [[ "$symlinks" != "$EXP_SYMLINKS" ]]; then
      # 7z reads the Joliet tree, which has no symlinks: a note, not a failure,
      # for the reference tools; pxe-import must restore them (Rock Ridge).
      if [[ "$tool" == pxe-import ]]; then problems+=("symlinks $symlinks/$EXP_SYMLINKS")
      else notes+=("symlinks $symlinks/$EXP_SYMLINKS"); fi
    fi
  fi
  local out
  if [[ ${#problems[@]} -gt 0 ]]; then out=$(IFS=','; echo "${problems[*]}"); else out="ok"; fi
  if [[ ${#notes[@]} -gt 0 ]]; then out="$out (note: $(IFS=','; echo "${notes[*]}"))"; fi
  echo "$out"
}

# ------------------------------------------------------------ main ----------
ensure_tools
mkdir -p "$WORK" "$LOG_DIR"
trap on_exit EXIT
trap 'exit 130' INT TERM
detach_stale

if [[ $REGEN -eq 0 ]] && image_is_current; then
  log "reusing cached image $ISO (made $(stamp_get created); --regen or deleting bench/work rebuilds it)"
else
  generate_image
fi
EXP_ISO_BYTES=$(stamp_get iso_bytes)
BIG_REL=$(stamp_get big_rel)
EXP_BIG_BYTES=$(stamp_get big_bytes)
EXP_BIG_SHA=$(stamp_get big_sha256)
EXP_FILES=$(stamp_get files)
EXP_SYMLINKS=$(stamp_get symlinks)
EXP_DIRS=$(stamp_get dirs)
EXP_TREE=$(stamp_get tree_digest)

# Output filesystem: probe loop mode once, fall back to a plain directory.
OUT_FS_NOTE=""
if [[ $OUT_FS == loop ]]; then
  if ( setup_out && teardown_out ) >/dev/null 2>&1; then
    OUT_FS_NOTE="fresh ext4 per run (loop-mounted sparse file ${SCRATCH#"$REPO_DIR"/}, direct-io, same disk as the image)"
  else
    detach_stale
    OUT_FS=dir
    OUT_FS_NOTE="plain directory on $(findmnt -n -o FSTYPE --target "$WORK" 2>/dev/null || echo '?') (loop mount not permitted here, fell back; later runs may pay for earlier runs' deletions)"
    log "$OUT_FS_NOTE"
  fi
else
  OUT_FS_NOTE="directory on the work folder's file system: $(findmnt -n -o SOURCE,FSTYPE,OPTIONS --target "$WORK" 2>/dev/null || echo '?') (a round's trees are deleted together at its end, then ${SETTLE_S}s of settling)"
fi

# Page-cache mode.
REQUESTED_MODE=$MODE
DROP_OK=false
if ( sync; echo 3 >/proc/sys/vm/drop_caches ) 2>/dev/null; then DROP_OK=true; fi
CACHE_NOTE=""
if [[ $MODE == cold && $DROP_OK == false ]]; then
  CACHE_NOTE="--cold requested but dropping the page cache is NOT permitted here (needs root and a writable /proc/sys/vm/drop_caches): ran WARM instead"
  log "$CACHE_NOTE"
  MODE=warm
fi
if [[ $MODE == warm ]]; then
  log "warm mode: reading the image once (cat IMAGE >/dev/null)"
  cat "$ISO" >/dev/null
  CACHE_NOTE=${CACHE_NOTE:-"WARM: image read once before the runs (cached % per run in the JSON); the output filesystem starts empty"}
else
  CACHE_NOTE="COLD: sync; echo 3 > /proc/sys/vm/drop_caches before every run (tool binaries and node are cold too)"
fi

declare -A UNAVAIL VERSION S_WALL S_FLUSHED S_CPU S_RSS CHECKS BAD
for t in "${TOOL_LIST[@]}"; do
  UNAVAIL[$t]=$(tool_unavailable "$t")
  VERSION[$t]=$(tool_version "$t" || true)
  S_WALL[$t]=""; S_FLUSHED[$t]=""; S_CPU[$t]=""; S_RSS[$t]=""; CHECKS[$t]=""; BAD[$t]=0
done

log "mode: $MODE, runs: $RUNS, tools: ${TOOL_LIST[*]}, output: $OUT_FS"
RAW="$WORK/raw-$SHAPE-$MODE.tsv"
printf 'tool\trun\twall_s\tflush_s\tuser_s\tsys_s\tmaxrss_kb\texit\timage_cached_pct\tother_user_cores\tsteal_s\tcheck\n' >"$RAW"
NOISY_RUNS=0

# Round-robin: run r of every tool, then run r+1, so slow drift (host
# neighbours, page-cache state) is spread over all tools.
end_round 0  # what an earlier run left, and its deletion, settle before round 1
# The order rotates from round to round: on this VM's root file system the first tool
# to create thousands of files after a pause pays for the free inodes others deleted
# meanwhile (ext4 hands them out only after walking past them; see end_round), and the
# tools after it in the round do not, so a fixed order always charged the same tool.
N_TOOLS=${#TOOL_LIST[@]}
for ((r = 1; r <= RUNS; r++)); do
  for ((k = 0; k < N_TOOLS; k++)); do
    t="${TOOL_LIST[$(( (k + r - 1) % N_TOOLS ))]}"
    [[ -z "${UNAVAIL[$t]}" ]] || continue
    setup_out
    dest="$OUT_ROOT/$t-$r"
    mkdir -p "$dest"
    sync
    if [[ $MODE == cold ]]; then drop_caches; fi
    pct=$(cached_pct)
    tf="$LOG_DIR/$t-$r.time"; lf="$LOG_DIR/$t-$r.log"
    tool_cmd "$t" "$dest"
    echo "+ ${CMD[*]}" >"$lf"
    rc=0
    read -r busy0 steal0 < <(cpu_snapshot)
    /usr/bin/time -f '%e %M %U %S' -o "$tf" "${CMD[@]}" >>"$lf" 2>&1 </dev/null || rc=$?
    read -r busy1 steal1 < <(cpu_snapshot)
    f0=$(now); sync; f1=$(now)
    flush=$(elapsed2 "$f0" "$f1")
    read -r wall rss usr sys < <(tail -1 "$tf")
    other=$(awk -v b="$((busy1 - busy0))" -v hz="$HZ" -v u="$usr" -v w="$wall" \
      'BEGIN { o = b / hz - u; if (o < 0) o = 0; if (w > 0) printf "%.2f", o / w; else print 0 }')
    steal=$(awk -v d="$((steal1 - steal0))" -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz }')
    if [[ $rc -ne 0 ]]; then
      check="FAILED (exit $rc; see ${lf#"$REPO_DIR"/})"
    else
      check=$(verify_output "$t" "$dest")
    fi
    teardown_out
    [[ "$check" == ok* ]] || BAD[$t]=1
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$r" "$wall" "$flush" "$usr" "$sys" "$rss" "$rc" "$pct" "$other" "$steal" "$check" >>"$RAW"
    noisy=""
    if awk -v o="$other" -v w="$wall" 'BEGIN { exit !(o > 0.25 && w >= 2) }'; then noisy="  (busy machine: ${other} cores of other processes)"; NOISY_RUNS=$((NOISY_RUNS + 1)); fi
    log "run $r/$RUNS $(printf '%-10s' "$t") ${wall}s +flush ${flush}s  cpu $(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')s  rss $((rss / 1024)) MB  cache ${pct}%  $check$noisy"
    if [[ $rc -eq 0 ]]; then
      S_WALL[$t]+="$wall "; S_RSS[$t]+="$rss "
      S_FLUSHED[$t]+="$(awk -v a="$wall" -v b="$flush" 'BEGIN { printf "%.2f", a + b }') "
      S_CPU[$t]+="$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') "
    fi
    # Keep the first non-ok check (or the last ok one) for the table.
    if [[ -z "${CHECKS[$t]}" || "${CHECKS[$t]}" == ok* ]]; then CHECKS[$t]="$check"; fi
  done
  end_round "$r"
done

# ------------------------------------------------------------ report --------
declare -A MED MIN MEDF CPU RSSMB
for t in "${TOOL_LIST[@]}"; do
  MED[$t]=$(median <<<"${S_WALL[$t]}")
  MIN[$t]=$(minof <<<"${S_WALL[$t]}")
  MEDF[$t]=$(median <<<"${S_FLUSHED[$t]}")
  CPU[$t]=$(median <<<"${S_CPU[$t]}")
  m=$(maxof <<<"${S_RSS[$t]}")
  RSSMB[$t]=$([[ -n "$m" ]] && awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }' || true)
done
CP_MED="${MED[cp]:-}"
CP_MEDF="${MEDF[cp]:-}"
ISO_MB=$(awk -v b="$EXP_ISO_BYTES" 'BEGIN { printf "%.0f", b / 1e6 }')

echo
echo "pxe-import extraction benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "image:  shape $SHAPE: ${ISO#"$REPO_DIR"/} ($ISO_MB MB; $EXP_FILES files in $EXP_DIRS dirs, $EXP_SYMLINKS symlinks; $BIG_REL $((EXP_BIG_BYTES / 1048576)) MiB)"
echo "cache:  $CACHE_NOTE"
echo "output: $OUT_FS_NOTE"
echo "runs:   $RUNS per tool, round-robin, median reported; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo) GiB RAM, kernel $(uname -r)"
echo
FMT='%-11s %8s %8s %7s %8s %9s %7s %6s %7s  %s\n'
printf "$FMT" tool median_s ratio_cp min_s +flush_s ratio_cp+f cpu_s MB/s rss_MB check
FASTEST_OTHER=""; FASTEST_OTHER_T=""
for t in "${TOOL_LIST[@]}"; do
  if [[ -n "${UNAVAIL[$t]}" ]]; then printf '%s\n' "$t: ${UNAVAIL[$t]}"; continue; fi
  if [[ -z "${MED[$t]}" ]]; then printf "$FMT" "$t" - - - - - - - - "${CHECKS[$t]}"; continue; fi
  rcp=$( [[ -n "$CP_MED" ]] && ratio "${MED[$t]}" "$CP_MED" || true)
  rcpf=$( [[ -n "$CP_MEDF" ]] && ratio "${MEDF[$t]}" "$CP_MEDF" || true)
  tput_=$(awk -v b="$EXP_ISO_BYTES" -v s="${MED[$t]}" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "-" }')
  printf "$FMT" "$t" "${MED[$t]}" "${rcp:--}" "${MIN[$t]}" "${MEDF[$t]}" "${rcpf:--}" "${CPU[$t]}" "$tput_" "${RSSMB[$t]}" "${CHECKS[$t]}"
  case "$t" in bsdtar|xorriso|7z)
    if [[ ${BAD[$t]} -eq 0 ]] && { [[ -z "$FASTEST_OTHER" ]] || awk -v a="${MED[$t]}" -v b="$FASTEST_OTHER" 'BEGIN { exit !(a < b) }'; }; then
      FASTEST_OTHER="${MED[$t]}"; FASTEST_OTHER_T="$t"
    fi ;;
  esac
done
if [[ $NOISY_RUNS -gt 0 ]]; then
  echo "warning: $NOISY_RUNS run(s) saw other processes using more than 0.25 core (user time) while they ran; see other_user_cores in the JSON and rerun on a quiet machine"
fi
echo

V_CP="" V_BEST="" V_RSS="" PASS_CP="" PASS_BEST="" PASS_RSS="" MISSED=0
if [[ " ${TOOL_LIST[*]} " == *" pxe-import "* ]]; then
  if [[ -n "${UNAVAIL[pxe-import]}" ]]; then
    echo "verdict pxe-import vs cp:      n/a — pxe-import: ${UNAVAIL[pxe-import]}"
    echo "verdict pxe-import vs fastest: n/a — pxe-import: ${UNAVAIL[pxe-import]}"
    echo "verdict pxe-import peak RSS:   n/a — pxe-import: ${UNAVAIL[pxe-import]}"
  elif [[ -z "${MED[pxe-import]}" || ${BAD[pxe-import]} -ne 0 ]]; then
    echo "verdict pxe-import: FAIL — extraction failed or was wrong: ${CHECKS[pxe-import]}"
    MISSED=1
  else
    P="${MED[pxe-import]}"
    if [[ -n "$CP_MED" ]]; then
      V_CP=$(ratio "$P" "$CP_MED")
      if awk -v r="$V_CP" -v t="$TARGET_CP_RATIO" 'BEGIN { exit !(r <= t) }'; then PASS_CP=true; else PASS_CP=false; MISSED=1; fi
      echo "verdict pxe-import vs cp:      ratio $V_CP (${P}s / ${CP_MED}s; target <= $TARGET_CP_RATIO) $([[ $PASS_CP == true ]] && echo PASS || echo MISS)  [incl. flush: $(ratio "${MEDF[pxe-import]}" "$CP_MEDF")]"
    else
      echo "verdict pxe-import vs cp:      n/a (cp not run)"
    fi
    if [[ -n "$FASTEST_OTHER" ]]; then
      V_BEST=$(ratio "$P" "$FASTEST_OTHER")
      if awk -v r="$V_BEST" -v t="$TARGET_BEST_RATIO" 'BEGIN { exit !(r < t) }'; then PASS_BEST=true; else PASS_BEST=false; MISSED=1; fi
      echo "verdict pxe-import vs fastest: ratio $V_BEST (${P}s / $FASTEST_OTHER_T ${FASTEST_OTHER}s; target < $TARGET_BEST_RATIO) $([[ $PASS_BEST == true ]] && echo PASS || echo MISS)"
    else
      echo "verdict pxe-import vs fastest: n/a (none of bsdtar/xorriso/7z ran correctly)"
    fi
    V_RSS="${RSSMB[pxe-import]}"
    if awk -v r="$V_RSS" -v t="$TARGET_RSS_MB" 'BEGIN { exit !(r <= t) }'; then PASS_RSS=true; else PASS_RSS=false; MISSED=1; fi
    echo "verdict pxe-import peak RSS:   ${V_RSS} MB (target <= $TARGET_RSS_MB MB) $([[ $PASS_RSS == true ]] && echo PASS || echo MISS)"
  fi
fi

# ------------------------------------------------------------ JSON ----------
JSON="$WORK/results-$SHAPE-$MODE.json"
TOOLS_META=""
for t in "${TOOL_LIST[@]}"; do TOOLS_META+="$t"$'\t'"${VERSION[$t]:-}"$'\t'"${UNAVAIL[$t]:-}"$'\n'; done
WORK_FS=$(findmnt -n -o SOURCE,FSTYPE,OPTIONS --target "$WORK" 2>/dev/null || echo '?')
export WORK_FS SHAPE RAW JSON MODE REQUESTED_MODE DROP_OK CACHE_NOTE OUT_FS OUT_FS_NOTE RUNS ISO EXP_ISO_BYTES EXP_FILES \
  EXP_SYMLINKS BIG_REL EXP_BIG_BYTES EXP_BIG_SHA FASTEST_OTHER_T TARGET_CP_RATIO TARGET_BEST_RATIO \
  TARGET_RSS_MB V_CP V_BEST V_RSS PASS_CP PASS_BEST PASS_RSS STAMP TOOLS_META
"$NODE_BIN" --input-type=module -e '
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
const e = process.env;
const num = (s) => (s === undefined || s === "" ? null : Number(s));
const bool = (s) => (s === "true" ? true : s === "false" ? false : null);
const r2 = (x) => (x == null ? null : Math.round(x * 100) / 100);
const med = (xs) => { if (!xs.length) return null; const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const stamp = Object.fromEntries(readFileSync(e.STAMP, "utf8").trim().split("\n")
  .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
const rows = readFileSync(e.RAW, "utf8").trim().split("\n").slice(1).filter(Boolean).map((l) => {
  const [tool, run, wall, flush, user, sys, rss, exit, cached, other, steal, check] = l.split("\t");
  return { tool, run: +run, wall_s: num(wall), flush_s: num(flush), user_s: num(user), sys_s: num(sys),
    max_rss_kb: num(rss), exit: +exit, image_cached_pct: num(cached), other_user_cores: num(other), steal_s: num(steal), check };
});
const tools = {};
for (const line of e.TOOLS_META.split("\n").filter(Boolean)) {
  const [name, version, unavailable] = line.split("\t");
  const samples = rows.filter((r) => r.tool === name);
  const ok = samples.filter((r) => r.exit === 0);
  tools[name] = {
    version: version || null,
    status: unavailable ? unavailable : samples.length && samples.every((r) => r.check.startsWith("ok")) ? "ok" : "wrong-or-failed",
    median_s: med(ok.map((r) => r.wall_s)),
    min_s: ok.length ? Math.min(...ok.map((r) => r.wall_s)) : null,
    median_with_flush_s: r2(med(ok.map((r) => r.wall_s + r.flush_s))),
    median_cpu_s: r2(med(ok.map((r) => r.user_s + r.sys_s))),
    peak_rss_mb: ok.length ? r2(Math.max(...ok.map((r) => r.max_rss_kb)) / 1024) : null,
    samples,
  };
}
const cp = tools.cp;
for (const t of Object.values(tools)) {
  t.ratio_to_cp = cp?.median_s && t.median_s != null ? r2(t.median_s / cp.median_s) : null;
  t.ratio_to_cp_with_flush = cp?.median_with_flush_s && t.median_with_flush_s != null ? r2(t.median_with_flush_s / cp.median_with_flush_s) : null;
  t.ratio_to_bsdtar = tools.bsdtar?.median_s && t.median_s != null ? r2(t.median_s / tools.bsdtar.median_s) : null;
}
const out = {
  benchmark: "pxe-import extract vs cp/bsdtar/xorriso/7z",
  date: new Date().toISOString(),
  shape: e.SHAPE, mode: e.MODE, requested_mode: e.REQUESTED_MODE, drop_caches_permitted: e.DROP_OK === "true", cache_note: e.CACHE_NOTE,
  output_fs: e.OUT_FS, output_fs_note: e.OUT_FS_NOTE,
  work_fs: e.WORK_FS,
  runs: +e.RUNS,
  machine: { cores: os.cpus().length, mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1), kernel: os.release() },
  image: { path: e.ISO, bytes: +e.EXP_ISO_BYTES, files: +e.EXP_FILES, symlinks: +e.EXP_SYMLINKS, big_file: e.BIG_REL,
    big_bytes: +e.EXP_BIG_BYTES, big_sha256: e.EXP_BIG_SHA, generated: stamp.created,
    generation_s: { tree: num(stamp.gen_tree_s), iso: num(stamp.gen_iso_s), total: num(stamp.gen_total_s) } },
  tools,
  verdict: {
    fastest_other: e.FASTEST_OTHER_T || null,
    ratio_to_cp: { value: num(e.V_CP), target_max: +e.TARGET_CP_RATIO, pass: bool(e.PASS_CP) },
    ratio_to_fastest_other: { value: num(e.V_BEST), target_below: +e.TARGET_BEST_RATIO, pass: bool(e.PASS_BEST) },
    peak_rss_mb: { value: num(e.V_RSS), target_max: +e.TARGET_RSS_MB, pass: bool(e.PASS_RSS) },
  },
};
writeFileSync(e.JSON, JSON.stringify(out, null, 2) + "\n");
'
echo
echo "results: ${JSON#"$REPO_DIR"/}   raw samples: ${RAW#"$REPO_DIR"/}   logs: ${LOG_DIR#"$REPO_DIR"/}/"

if [[ $STRICT -eq 1 ]]; then
  for t in "${TOOL_LIST[@]}"; do [[ -n "${UNAVAIL[$t]}" || ${BAD[$t]} -eq 0 ]] || MISSED=1; done
  [[ $MISSED -eq 0 ]] || exit 1
fi
exit 0
