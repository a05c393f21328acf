// Builds the optional sendfile addon (native/sendfile.c). Never fails the install: without
// the addon the extractor copies with read()+write(), correct but slower.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.platform !== 'linux') process.exit(0);
const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')];
const nodeGyp = candidates.find((p) => p && existsSync(p));
if (!nodeGyp) {
  console.warn('pxe-import: node-gyp not found; the extractor will copy large files with read()+write()');
  process.exit(0);
}
// Headers installed beside node (Debian's nodejs, nvm, the official tarball) spare node-gyp a download.
const prefix = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);
const args = [nodeGyp, 'rebuild', `--directory=${here}`, '--silent', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const env = { ...process.env };
if (nodedir) env.npm_config_nodedir = nodedir;
else delete env.npm_config_nodedir;
const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  console.warn(`pxe-import: sendfile addon not built (${(r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`}); the extractor will copy large files with read()+write()`);
  process.exit(0);
}
try {
  createRequire(import.meta.url)(join(here, 'build/Release/pxe_sendfile.node'));
} catch (e) {
  console.warn(`pxe-import: sendfile addon built but does not load (${e.message}); using read()+write()`);
}
