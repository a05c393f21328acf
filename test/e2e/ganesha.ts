/**
 * An NFS server for boot tests: nfs-ganesha (userspace, VFS backend) and rpcbind, in private mount
 * and network namespaces, serving exactly what an exports file pxe-import wrote names. The
 * namespace has only `lo`, so nothing listens on the host; QEMU runs inside the same network
 * namespace (`enter`) and its slirp guests reach the server at 10.0.2.2.
 *
 * Ganesha reads its own configuration, not /etc/exports: the exports file is parsed with
 * pxe-import's own parser and every exported path becomes one EXPORT block whose Path and Pseudo
 * are that path, so the generated `nfsroot=SERVER:PATH` mounts unchanged (Mount_Path_Pseudo).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import { normalizeExportPath, parseExports } from '../../src/exports/index.js';
import { hasCommand, requirement } from '../helpers/requirements.js';

/** nfs-ganesha-vfs: the backend that exports a local directory (ganesha loads it by name at run time). */
const hasVfsFsal = () => {
  try {
    return readdirSync('/usr/lib').some((d) => existsSync(join('/usr/lib', d, 'ganesha/libfsalvfs.so')));
  } catch {
    return false;
  }
};

export const GANESHA_SKIP = requirement(
  'nfs-ganesha',
  hasCommand('ganesha.nfsd') && hasVfsFsal() && hasCommand('rpcbind') && hasCommand('rpcinfo') && hasCommand('showmount') &&
    hasCommand('unshare') && hasCommand('nsenter') && hasCommand('ip') && process.getuid?.() === 0,
  'NFS boot tests need root, nfs-ganesha, nfs-ganesha-vfs, rpcbind, nfs-common (showmount), util-linux and iproute2; skipping',
);

/** One EXPORT block: what an exports line says that ganesha can honour. */
export interface GaneshaExport {
  readonly path: string;
  readonly readOnly: boolean;
  readonly squash: 'Root_Squash' | 'No_Root_Squash' | 'All_Squash';
}

/**
 * The exports a file names, one per path, in file order. Client lists are not carried over: through
 * slirp every guest connection reaches the server from 127.0.0.1, so a client match could not be
 * tested here (the kernel-nfsd tests check that); the options the clients get must agree.
 */
export function ganeshaExports(text: string, file: string): GaneshaExport[] {
  const out = new Map<string, GaneshaExport>();
  for (const line of parseExports(text, file).lines) {
    const bad = line.problems.find((p) => p.severity === 'error');
    if (bad) throw new Error(`${file}:${bad.line}: ${bad.message}`);
    if (line.kind !== 'entry') continue;
    const path = normalizeExportPath(line.path);
    const options = new Set(line.clients.map((c) => [...(line.defaultOptions ?? []), ...(c.options ?? [])].join(',')));
    if (options.size !== 1) throw new Error(`${file}:${line.line}: clients of ${path} get different options; cannot map to one EXPORT`);
    const opts = [...options][0]!.split(',');
    const last = (a: string, b: string) => opts.lastIndexOf(a) > opts.lastIndexOf(b);
    const squash = opts.includes('all_squash') ? 'All_Squash' : last('no_root_squash', 'root_squash') ? 'No_Root_Squash' : 'Root_Squash';
    // exportfs defaults to ro.
    const exp: GaneshaExport = { path, readOnly: !last('rw', 'ro'), squash };
    if (out.has(path)) throw new Error(`${file}:${line.line}: ${path} is exported twice`);
    out.set(path, exp);
  }
  return [...out.values()];
}

/** Ganesha's configuration for these exports; `ids` keeps every path's Export_Id across reloads. */
export function renderGaneshaConfig(exports: readonly GaneshaExport[], ids: ReadonlyMap<string, number>, recoveryRoot: string): string {
  const quote = (s: string) => {
    if (/["\n\\]/.test(s)) throw new Error(`path ${JSON.stringify(s)} cannot be written into a ganesha config`);
    return `"${s}"`;
  };
  const lines = [
    'NFS_CORE_PARAM {',
    // No Bind_addr: the namespace has only lo, where getaddrinfo(AI_ADDRCONFIG) finds nothing.
    '  NFS_Port = 2049; MNT_Port = 20048; NLM_Port = 20049; Rquota_Port = 20050;',
    '  Enable_NLM = false; Enable_RQUOTA = false;',
    '  Protocols = 3, 4;',
    // MOUNT requests name the Pseudo path, which is the exported path itself.
    '  Mount_Path_Pseudo = true;',
    '}',
    `NFSV4 { Graceless = true; RecoveryRoot = ${quote(recoveryRoot)}; }`,
    'LOG { Default_Log_Level = EVENT; }',
  ];
  for (const e of exports) {
    const id = ids.get(e.path);
    if (id === undefined) throw new Error(`no Export_Id for ${e.path}`);
    lines.push(
      'EXPORT {',
      `  Export_Id = ${id};`,
      `  Path = ${quote(e.path)};`,
      `  Pseudo = ${quote(e.path)};`,
      `  Access_Type = ${e.readOnly ? 'RO' : 'RW'};`,
      `  Squash = ${e.squash};`,
      '  SecType = sys; Protocols = 3, 4; Transports = TCP;',
      '  FSAL { Name = VFS; }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Runs in the namespaces unshare made: lo up, a private /run, rpcbind, then ganesha; stops when stdin closes. */
const NAMESPACE_SCRIPT = String.raw`
set -u
conf=$1 log=$2
ip link set lo up || exit 1
mount -t tmpfs tmpfs /run || exit 1
mkdir -p /run/rpcbind
rpcbind -f -w & rpcb=$!
up() { for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
gan=
stop() { [ -n "$gan" ] && kill $gan && wait $gan; kill $rpcb; wait $rpcb; }
if ! up rpcinfo -p 127.0.0.1; then echo "FAILED rpcbind did not answer"; stop; exit 1; fi
ganesha.nfsd -F -L "$log" -f "$conf" -p /run/ganesha.pid & gan=$!
if up rpcinfo -T tcp 127.0.0.1 mountd 3 && up rpcinfo -T tcp 127.0.0.1 nfs 3; then
  echo "READY $gan $rpcb"
else
  echo "FAILED ganesha did not register MOUNT and NFS v3 with rpcbind"; stop; exit 1
fi
# Serve until the test closes our stdin (or goes away).
read -r _
stop
exit 0
`;

export interface GaneshaServer {
  /** Prefix that runs a command in the server's network namespace (QEMU goes there). */
  readonly enter: readonly string[];
  /** Paths ganesha is exporting now, as its MOUNT service lists them (showmount -e). */
  exported(): string[];
  /**
   * Regenerates the config from the exports file and sends ganesha SIGHUP, which re-reads the
   * EXPORT blocks: new ones are added, changed ones updated, missing ones removed, without a
   * restart — what `exportfs -ra` does for the kernel server. Resolves once showmount lists
   * exactly the new set.
   */
  reload(): Promise<GaneshaExport[]>;
  /** Ganesha's own log, for failure messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

const running = new Set<GaneshaServer>();
after(async () => {
  for (const s of running) await s.stop();
});

/** Starts rpcbind + ganesha in fresh namespaces, exporting what `exportsFile` names. */
export async function startGanesha(work: string, exportsFile: string): Promise<GaneshaServer> {
  const dir = join(work, 'ganesha');
  await mkdir(join(dir, 'recovery'), { recursive: true });
  const conf = join(dir, 'ganesha.conf');
  const logFile = join(dir, 'ganesha.log');
  const ids = new Map<string, number>();

  const writeConfig = async (): Promise<GaneshaExport[]> => {
    const exports = ganeshaExports(await readFile(exportsFile, 'utf8'), exportsFile);
    for (const e of exports) if (!ids.has(e.path)) ids.set(e.path, ids.size + 1);
    await writeFile(`${conf}.tmp`, renderGaneshaConfig(exports, ids, join(dir, 'recovery')));
    await rename(`${conf}.tmp`, conf);
    return exports;
  };
  const readLog = async () => (existsSync(logFile) ? readFile(logFile, 'utf8') : '(no ganesha log)');
  await writeConfig();

  const child: ChildProcessWithoutNullStreams = spawn(
    'unshare', ['-m', '-n', '--propagation', 'private', '--', 'bash', '-c', NAMESPACE_SCRIPT, 'ganesha-ns', conf, logFile],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const [ganeshaPid, rpcbindPid] = await new Promise<[number, number]>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => void fail('did not start within 60 s'), 60_000);
    const fail = async (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdin.end();
      reject(new Error(`ganesha ${why}:\n${output}\n${(await readLog()).slice(-1500)}`));
    };
    child.stdout.on('data', () => {
      const ready = /READY (\d+) (\d+)/.exec(output);
      if (ready && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve([Number(ready[1]), Number(ready[2])]);
      } else if (/FAILED/.test(output)) void fail('failed');
    });
    child.on('close', () => void fail('namespace exited'));
  });

  const enter = ['nsenter', '-t', String(child.pid), '-n', '--'];
  const exported = () => {
    const r = spawnSync(enter[0]!, [...enter.slice(1), 'showmount', '--no-headers', '-e', '127.0.0.1'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`showmount -e failed: ${r.stderr}`);
    return r.stdout.split('\n').filter(Boolean).map((l) => l.replace(/\s+\S+$/, '')).sort();
  };
  let stopped = false;
  const server: GaneshaServer = {
    enter,
    exported,
    async reload() {
      const exports = await writeConfig();
      process.kill(ganeshaPid, 'SIGHUP');
      const want = exports.map((e) => e.path).sort().join('\n');
      const deadline = Date.now() + 30_000;
      for (let now = exported(); now.join('\n') !== want; now = exported()) {
        if (Date.now() > deadline) throw new Error(`ganesha still exports\n${now.join('\n')}\nafter SIGHUP, not\n${want}\n${(await readLog()).slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      return exports;
    },
    log: readLog,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(server);
      child.stdin.end();
      const timer = setTimeout(() => {
        // Not stopping within 30 s: end the three processes this server started, by id.
        for (const pid of [ganeshaPid, rpcbindPid]) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
        }
        child.kill('SIGKILL');
      }, 30_000);
      await closed;
      clearTimeout(timer);
    },
  };
  running.add(server);
  return server;
}
