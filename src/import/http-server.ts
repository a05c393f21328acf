/**
 * The HTTP side of `pxe-import serve`: the edge around the pure request policy (http-policy.ts).
 * Files are served by the `send` library (pillarjs: byte ranges, HEAD, ETag and Last-Modified with
 * every conditional header, 416 past the end, MIME types): this module decides *which* file, never
 * *how* bytes go out. `/boot.ipxe?mac=` and `/api/*` are rendered from the state at request time,
 * with the menu renderers the import writes files with.
 *
 * The state is read again whenever state.json changes (its size, mtime or inode), so an import,
 * `host add` or `remove` while the server runs takes effect at the next request.
 *
 * Symlinks: the path the policy allowed is resolved with realpath, and the real path must still be
 * inside the root's real path and pass the policy again. The root's writer is pxe-import itself,
 * under its lock; a link swapped between that check and send's open() would need write access to
 * the root, which is already everything.
 */
import { realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import send from 'send';
import { PxeError } from '../errors.js';
import { hostFilePath } from '../menus/common.js';
import { DIALECTS } from '../menus/dialects.js';
import { renderHostFiles } from '../menus/hosts.js';
import { menuCommandLine, renderIpxe } from '../menus/index.js';
import { bootLogWriter, readBootLogs } from './boot-log-file.js';
import { BootLog, bootFiles } from './boots.js';
import type { DnsmasqEvent } from './dnsmasq.js';
import { menuModel } from './derived.js';
import { checkServedPath, clientRules, decideRequest, servedTrees, type ClientRule } from './http-policy.js';
import { Layout } from './layout.js';
import { readRootState } from './read.js';
import type { MenuSettings } from './settings.js';
import { EMPTY_STATE, type State } from './state.js';
import { renderStatusPage } from './status-page.js';

export interface HttpServeOptions {
  /** The PXE root (resolved by settings.ts). */
  readonly root: string;
  readonly host: string;
  readonly port: number;
  /** The clients the root serves (settings.ts resolves them: --clients, the config file, the state). */
  readonly clients: readonly string[];
  readonly menu: MenuSettings;
  /** One line per refused request and per boot (the server's log). */
  readonly log: (line: string) => void;
  /** Called with the state when serve first reads it and whenever it changed (serve's NFS check). */
  readonly onState?: (state: State) => void;
}

/**
 * Read size for file bodies. Larger reads than the 64 KiB default cost fewer thread-pool trips per
 * byte, but each connection holds about two of them, and read buffers freed wait for V8's
 * external-memory GC trigger (~64 MB): at 1 MiB, 32 clients took serve's peak RSS to ~260 MB;
 * 256 KiB kept it under 150 MB (bench/serve.sh).
 */
const READ_CHUNK = 256 * 1024;

/**
 * A bounded range (`bytes=A-B`, what iPXE sanboot, loop-mounted ISOs and download managers send)
 * up to this size is read in one go: the request is short, so its buffer is soon freed, and one
 * read instead of four took one client's 1 MiB ranges from ~230 to ~420 MB/s (bench/serve.sh).
 */
const MAX_ONE_READ_RANGE = 1024 * 1024;

/** The read size for a request: its whole range when that is bounded and small, else READ_CHUNK. */
export function readChunkFor(range: string | undefined): number {
  const m = range === undefined ? null : /^bytes=(\d+)-(\d+)$/.exec(range.trim());
  if (!m) return READ_CHUNK;
  const length = Number(m[2]) - Number(m[1]) + 1;
  return length > 0 && length <= MAX_ONE_READ_RANGE ? Math.max(length, 64 * 1024) : READ_CHUNK;
}

/** Menu scripts and configuration files are text; send's MIME table does not know these names. */
const TEXT_TYPES: ReadonlyArray<[RegExp, string]> = [
  [/\.ipxe$/, 'text/plain; charset=utf-8'],
  [/(^|\/)pxelinux\.cfg\/[^/]+$/, 'text/plain; charset=utf-8'],
  [/\.cfg$/, 'text/plain; charset=utf-8'],
];

export interface RunningHttpServer {
  readonly address: AddressInfo;
  readonly boots: BootLog;
  /** A DHCP answer or TFTP send the supervised dnsmasq logged: a MAC learnt, or a boot. */
  noteDnsmasq(event: DnsmasqEvent): void;
  /** Stops accepting, ends open connections, and resolves when the server is closed. */
  close(): Promise<void>;
}

interface Snapshot {
  readonly key: string;
  readonly state: State;
  readonly trees: Set<string>;
  readonly files: ReturnType<typeof bootFiles>;
}

export async function startHttpServer(options: HttpServeOptions): Promise<RunningHttpServer> {
  const layout = new Layout(options.root);
  const realRoot = await realpath(options.root).catch((e: NodeJS.ErrnoException) => {
    throw new PxeError('USAGE', `${options.root}: no PXE root here (${e.code ?? e.message})`);
  });
  const rules: readonly ClientRule[] = clientRules(options.clients);
  const boots = new BootLog();
  for (const e of await readBootLogs(layout)) boots.add(e);
  const writer = bootLogWriter(layout, options.log);

  let snapshot: Snapshot | undefined;
  /** The state, read again when state.json changed. */
  const current = async (): Promise<Snapshot> => {
    // Synchronous on purpose: one stat of a cached inode is a few microseconds, and a trip
    // through libuv's thread pool per request costs more than that on a busy machine.
    const s = statSync(layout.state, { throwIfNoEntry: false });
    const key = s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'none';
    if (snapshot?.key === key) return snapshot;
    let state: State;
    try {
      state = s ? await readRootState(options.root) : EMPTY_STATE;
    } catch (e) {
      // A damaged state.json (a hand edit) must not take the server down: it goes on with the
      // state it had, says so once per change, and reads the file again when it changes.
      options.log(`${layout.state}: ${(e as Error).message}; serving the state read before`);
      const kept = snapshot?.state ?? EMPTY_STATE;
      snapshot = { key, state: kept, trees: servedTrees(kept), files: bootFiles(kept, layout) };
      return snapshot;
    }
    snapshot = { key, state, trees: servedTrees(state), files: bootFiles(state, layout) };
    options.onState?.(state);
    return snapshot;
  };
  await current();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const snap = await current();
    const client = req.socket.remoteAddress ?? '';
    const decision = decideRequest({ method: req.method ?? '', url: req.url ?? '', client }, { clients: rules, servedTrees: snap.trees });
    const noteBoot = (path: string, status: number, mac?: string, script?: boolean) => {
      const event = boots.record({ time: new Date(), client, path, status, mac, script }, snap.files);
      if (event) writer.write(event);
    };
    switch (decision.kind) {
      case 'refused':
        options.log(`${client} ${req.method} ${req.url}: ${decision.status} (${decision.reason})`);
        return plain(res, decision.status, decision.reason);
      case 'status':
        return text(req, res, renderStatusPage(snap.state, layout, boots.events(), new Date()), 'text/html; charset=utf-8');
      case 'api':
        return json(req, res, decision.name === 'state' ? apiState(snap.state, layout) : { boots: boots.events() });
      case 'boot-script': {
        const script = bootScript(snap.state, layout, options.menu, decision.mac);
        noteBoot('boot.ipxe', 200, decision.mac, true);
        return text(req, res, script, 'text/plain; charset=utf-8');
      }
      case 'file': {
        // A client reading an image in ranges (iPXE sanboot, a loop-mounted ISO) is one boot: its first read counts.
        const range = req.headers.range;
        const first = range === undefined || /^bytes=0-/.test(range.trim());
        return serveFile(req, res, decision.path, snap, (status) => {
          if (first && status < 400) noteBoot(decision.path, status);
        });
      }
    }
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, path: string, snap: Snapshot, onDone: (status: number) => void): Promise<void> => {
    const real = realpathOf(join(realRoot, path));
    if (real === undefined) return plain(res, 404, `${path}: not found`);
    const rel = relative(realRoot, real);
    if (real !== realRoot && (rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep))) {
      options.log(`${req.socket.remoteAddress} ${req.method} ${req.url}: 403 (a symlink leads out of the root)`);
      return plain(res, 403, `${path}: leads out of the root`);
    }
    const refusal = checkServedPath(rel.split(sep).join('/'), { servedTrees: snap.trees });
    if (refusal) return plain(res, refusal.status, refusal.reason);
    const type = TEXT_TYPES.find(([re]) => re.test(rel))?.[1];
    if (type) res.setHeader('Content-Type', type);
    const encoded = `/${rel.split(sep).map(encodeURIComponent).join('/')}`;
    send(req, encoded, { root: realRoot, dotfiles: 'allow', index: false, redirect: false, highWaterMark: readChunkFor(req.headers.range) } as send.SendOptions)
      .on('error', (e: { status?: number; message: string; headers?: Record<string, string> }) => {
        const status = e.status ?? 500;
        // A 416 says the file's size (Content-Range: bytes */SIZE), as RFC 9110 asks.
        plain(res, status, status === 404 ? `${path}: not found` : e.message, e.headers);
      })
      .on('directory', () => plain(res, 404, `${path}: a directory (listings are not served)`))
      .on('end', () => onDone(res.statusCode))
      .pipe(res);
    // A HEAD or 304 ends without a body ('end' is only for bodies).
    res.on('finish', () => {
      if (req.method === 'HEAD' || res.statusCode === 304) onDone(res.statusCode);
    });
  };

  const server: Server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      options.log(`${req.method} ${req.url}: 500 (${e instanceof Error ? e.message : String(e)})`);
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new PxeError(e.code === 'EACCES' || e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' ? 'USAGE' : 'IO', `--listen ${options.host}:${options.port}: ${e.code ?? e.message}`)),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    boots,
    noteDnsmasq(event) {
      if (event.kind === 'dhcp') {
        if (event.client !== undefined) boots.learnMac(event.client, event.mac);
        return;
      }
      // dnsmasq names the file under its tftp-root, the root as given.
      const rel = relative(options.root, event.file);
      const path = rel.startsWith('..') || rel.startsWith(sep) ? event.file : rel.split(sep).join('/');
      const recorded = boots.record({ time: new Date(), client: event.client, path, status: 200, via: 'tftp' }, snapshot?.files ?? new Map());
      if (recorded) writer.write(recorded);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => writer.flushed()),
  };
}

/**
 * The real path (symlinks resolved), or undefined when it does not exist. Synchronous, like the
 * state's stat: realpath(3) on cached directories, without a thread-pool trip per request.
 */
function realpathOf(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

/** The iPXE script for `/boot.ipxe?mac=`: the machine's own file when it has one for iPXE, else the menu. */
export function bootScript(state: State, layout: Layout, menu: MenuSettings, mac: string | undefined): string {
  const model = menuModel(state, layout, menu);
  if (mac !== undefined && state.hosts?.[mac] !== undefined) {
    // The machine's own file, as `host add` writes it under hosts/; its URLs that lead back up
    // ("../") resolve to the root from /boot.ipxe too (iPXE and RFC 3986 stop at "/").
    const path = hostFilePath(DIALECTS.ipxe, mac);
    const own = renderHostFiles(model, { serial: menu.serial }).files.find((f) => f.path === path);
    if (own) return own.text;
  }
  return renderIpxe(model);
}

/** `/api/state`: the imports with their versions and entries (with the command lines menus pass), the hosts, the chains. */
export function apiState(state: State, layout: Layout): unknown {
  const imports = Object.keys(state.imports)
    .sort()
    .map((name) => {
      const r = state.imports[name]!;
      return {
        name,
        label: r.label,
        profile: r.profile,
        version: r.version,
        tree: layout.treePath(name, r.version),
        retained: r.retained.map((old) => old.version),
        importedAt: r.importedAt,
        entries: r.entries.map((e) => ({ id: e.id, label: e.label, method: e.method, kernel: e.kernel, initrds: e.initrds, isDefault: e.isDefault, menuCommandLine: menuCommandLine(e), nfs: e.nfs, http: e.http })),
      };
    });
  const hosts = Object.keys(state.hosts ?? {})
    .sort()
    .map((mac) => state.hosts![mac]!);
  const chains = Object.keys(state.chains ?? {})
    .sort()
    .map((name) => state.chains![name]!);
  return { root: layout.root, settings: state.settings, imports, hosts, chains };
}

function plain(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const h of res.getHeaderNames()) res.removeHeader(h);
  const body = `${message}\n`;
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function text(req: IncomingMessage, res: ServerResponse, body: string, type: string): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function json(req: IncomingMessage, res: ServerResponse, value: unknown): void {
  text(req, res, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}
