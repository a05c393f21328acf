// Generates the source tree for the extraction benchmark's "live-like" ISO.
//
//   node bench/gen-tree.mjs SRC_DIR BIG_MIB SMALL_FILES SEED [MIN_BYTES MAX_BYTES FANOUT]
//
// MIN_BYTES/MAX_BYTES bound the small files' log-uniform sizes (default 100 and
// 65536); FANOUT is the pool's directory shape, levels joined by "x" (default
// 5x5x8: 5 dirs of 5 dirs of 8 leaves). BIG_MIB 0 leaves the big file out (the
// 24 MiB initrd is then the file checked by hash).
//
// Deterministic for a given (BIG_MIB, SMALL_FILES, SEED, ...): all content comes
// from an AES-128-CTR keystream with a key derived from the seed, so it is
// incompressible, never zero, and never sparse (every block is written).
//
// Layout (mirrors a Debian/Ubuntu live ISO closely enough for an extractor):
//   live/filesystem.squashfs        BIG_MIB MiB, the one big file
//   live/vmlinuz-6.1.0-bench        8 MiB       (+ symlink live/vmlinuz)
//   live/initrd.img-6.1.0-bench     24 MiB      (+ symlink live/initrd.img)
//   pool/aN/bN/cN/pkg-*.deb         SMALL_FILES files, 100 B .. 64 KiB
//                                   (log-uniform sizes), 5*5*8 = 200 leaf dirs
//                                   (by default; round-robin over the leaves,
//                                   so image order changes directory at every file)
//   pool/latest -> a0/b0/c0         directory symlink
//   dists/bookworm/Release, dists/stable -> bookworm
//   isolinux/isolinux.cfg, boot/grub/grub.cfg, .disk/info, README.release -> ...
//
// Prints one JSON line: { big_rel, big_bytes, big_sha256, bytes_written }.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const [src, bigMibArg, smallArg, seedArg, minArg = '100', maxArg = '65536', fanoutArg = '5x5x8'] = process.argv.slice(2);
if (!src || !bigMibArg || !smallArg || !seedArg) {
  console.error('usage: gen-tree.mjs SRC_DIR BIG_MIB SMALL_FILES SEED');
  process.exit(2);
}
const bigMib = Number(bigMibArg);
const smallFiles = Number(smallArg);
const seed = Number(seedArg);
const fanout = fanoutArg.split('x').map(Number);
if (!fanout.every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`gen-tree.mjs: bad FANOUT ${fanoutArg} (e.g. 5x5x8)`);
  process.exit(2);
}

function keystream(label) {
  const key = createHash('sha256').update(`pxe-import-bench:${seed}:${label}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
}

// mulberry32: small seeded PRNG for sizes only.
function prng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let bytesWritten = 0;
const CHUNK = 8 << 20;
const zeros = Buffer.alloc(CHUNK);

function writeStreamFile(path, bytes, label, hash) {
  const cipher = keystream(label);
  const fd = openSync(path, 'w');
  try {
    let left = bytes;
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      const buf = cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n));
      if (hash) hash.update(buf);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  bytesWritten += bytes;
}

const dir = (...p) => {
  const d = join(src, ...p);
  mkdirSync(d, { recursive: true });
  return d;
};

// --- big files -------------------------------------------------------------
const live = dir('live');
const bigRel = bigMib > 0 ? 'live/filesystem.squashfs' : 'live/initrd.img-6.1.0-bench';
const bigHash = createHash('sha256');
if (bigMib > 0) writeStreamFile(join(src, bigRel), bigMib * 1024 * 1024, 'squashfs', bigHash);
writeStreamFile(join(live, 'vmlinuz-6.1.0-bench'), 8 << 20, 'vmlinuz');
writeStreamFile(join(live, 'initrd.img-6.1.0-bench'), 24 << 20, 'initrd', bigMib > 0 ? undefined : bigHash);
symlinkSync('vmlinuz-6.1.0-bench', join(live, 'vmlinuz'));
symlinkSync('initrd.img-6.1.0-bench', join(live, 'initrd.img'));

// --- boot/config text files --------------------------------------------------
const text = (p, s) => {
  writeFileSync(join(src, p), s);
  bytesWritten += Buffer.byteLength(s);
};
dir('isolinux');
dir('boot', 'grub');
dir('.disk');
dir('dists', 'bookworm');
text('isolinux/isolinux.cfg', 'default live\nlabel live\n  kernel /live/vmlinuz\n  append initrd=/live/initrd.img boot=live\n');
text('boot/grub/grub.cfg', 'menuentry "Live" {\n  linux /live/vmlinuz boot=live\n  initrd /live/initrd.img\n}\n');
text('.disk/info', 'pxe-import bench live image (synthetic)\n');
text('dists/bookworm/Release', 'Origin: bench\nSuite: stable\nCodename: bookworm\n');
symlinkSync('bookworm', join(src, 'dists', 'stable'));
symlinkSync('dists/bookworm/Release', join(src, 'README.release'));

// --- many small files ----------------------------------------------------------
const rnd = prng(seed);
const cipher = keystream('small');
const leaves = [];
const level = (parts, depth) => {
  if (depth === fanout.length) return void leaves.push(dir('pool', ...parts));
  for (let i = 0; i < fanout[depth]; i++) level([...parts, `${String.fromCharCode(97 + depth)}${i}`], depth + 1);
};
level([], 0);
const MIN = Number(minArg);
const MAX = Number(maxArg);
const lnRange = Math.log(MAX / MIN);
for (let i = 0; i < smallFiles; i++) {
  const size = Math.min(MAX, Math.max(MIN, Math.round(MIN * Math.exp(rnd() * lnRange))));
  const buf = cipher.update(zeros.subarray(0, size));
  const leaf = leaves[i % leaves.length];
  writeFileSync(join(leaf, `pkg-${String(i).padStart(5, '0')}_1.0-1_amd64.deb`), buf);
  bytesWritten += size;
}
symlinkSync(fanout.map((_, d) => `${String.fromCharCode(97 + d)}0`).join('/'), join(src, 'pool', 'latest'));

process.stdout.write(
  JSON.stringify({ big_rel: bigRel, big_bytes: bigMib > 0 ? bigMib * 1024 * 1024 : 24 << 20, big_sha256: bigHash.digest('hex'), bytes_written: bytesWritten }) + '\n',
);
