/**
 * What `pxe-import serve` answers to each HTTP request, decided without I/O: the request line and
 * the client's address in, a decision out. The server (http-server.ts) is only the edge: it
 * resolves symlinks, asks {@link checkServedPath} again about the real path, and hands files to
 * the `send` library.
 *
 * Rules, in order:
 *  - Only GET and HEAD: the server is read-only (405 otherwise).
 *  - The client's address must match one of the clients the root serves (`--clients`, recorded or
 *    configured; src/import/settings.ts resolves them): 403 otherwise. Only address forms can be
 *    matched (an address, a network, `*`); host names, wildcards and @netgroups need name service
 *    look-ups exports(5) does and this server does not, so they match no one (serve says so).
 *  - The path is checked as a string, as extraction checks entry paths: NUL (raw or `%00`), a
 *    backslash, a malformed escape, and any `.` or `..` segment (raw or encoded, `%2e%2e`) are
 *    refused (400) rather than normalised: no boot loader sends them.
 *  - Routes rendered from the state: `/` (the status page), `/boot.ipxe?mac=…`, `/api/state`,
 *    `/api/boots`; any other path is a file of the root.
 *  - pxe-import's own state under `.pxe-import/` (state.json, its .prev, the lock, staging trees,
 *    the boot log) is private (404, as if absent): only the trees the state serves
 *    (`.pxe-import/versions/NAME/VERSION/…`, current and retained) are published, never a
 *    leftover of an interrupted run.
 */
import { parseMac, type Mac } from './mac.js';
import type { State } from './state.js';
import { isLeftover } from './trees.js';

/** What one entry of --clients matches, by address. */
export type ClientRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'ipv4'; readonly network: number; readonly mask: number }
  | { readonly kind: 'ipv6'; readonly address: string }
  /** A host name, wildcard or @netgroup: matches no address here. */
  | { readonly kind: 'name'; readonly spec: string };

export interface RequestPolicy {
  readonly clients: readonly ClientRule[];
  /** Root-relative paths of the trees the state serves, e.g. `.pxe-import/versions/ubuntu/2026…-3fa2b1c9`. */
  readonly servedTrees: ReadonlySet<string>;
}

export interface HttpRequestLine {
  readonly method: string;
  /** The request target as sent: `/path?query`. */
  readonly url: string;
  /** The peer's address as the socket gives it (`127.0.0.1`, `::ffff:127.0.0.1`, `::1`). */
  readonly client: string;
}

export type RequestDecision =
  /** A file (or directory) of the root, root-relative without a leading "/" ('' is the root itself). */
  | { readonly kind: 'file'; readonly path: string }
  /** `/boot.ipxe?mac=…`: the machine's own script, or the menu. `mac` is undefined when the value is not a MAC. */
  | { readonly kind: 'boot-script'; readonly mac: Mac | undefined }
  | { readonly kind: 'api'; readonly name: 'state' | 'boots' }
  /** `/`: the status page. */
  | { readonly kind: 'status' }
  | { readonly kind: 'refused'; readonly status: 400 | 403 | 404 | 405; readonly reason: string };

/** The private folder's name at the top of the root (Layout.meta). */
const META = '.pxe-import';

/** Parses --clients entries (already checked by settings.ts's checkClients) into rules. */
export function clientRules(specs: readonly string[]): ClientRule[] {
  return specs.map((spec): ClientRule => {
    if (spec === '*') return { kind: 'any' };
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}|\d{1,3}(?:\.\d{1,3}){3}))?$/.exec(spec);
    if (m) {
      const network = ipv4(m[1]!);
      const mask = m[2] === undefined ? 0xffffffff : m[2].includes('.') ? ipv4(m[2]) : prefixMask(Number(m[2]));
      if (network !== undefined && mask !== undefined) return { kind: 'ipv4', network: (network & mask) >>> 0, mask };
    }
    if (spec.includes(':') && !spec.includes('/')) return { kind: 'ipv6', address: spec.toLowerCase() };
    return { kind: 'name', spec };
  });
}

/** The entries of --clients this server cannot match by address (it says so when it starts). */
export function unmatchableClients(rules: readonly ClientRule[]): string[] {
  return rules.flatMap((r) => (r.kind === 'name' ? [r.spec] : []));
}

function ipv4(text: string): number | undefined {
  const octets = text.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0) >>> 0;
}

function prefixMask(bits: number): number | undefined {
  if (bits > 32) return undefined;
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Plain IPv4 for an IPv4-mapped IPv6 peer address (`::ffff:192.0.2.7`), else the address as given. */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1]! : address;
}

/** True when the peer's address matches one of the rules (an IPv4-mapped IPv6 address counts as IPv4). */
export function clientAllowed(rules: readonly ClientRule[], address: string): boolean {
  const v4 = ipv4(plainAddress(address));
  return rules.some((r) => {
    if (r.kind === 'any') return true;
    if (r.kind === 'ipv4') return v4 !== undefined && ((v4 & r.mask) >>> 0) === r.network;
    if (r.kind === 'ipv6') return address.toLowerCase() === r.address;
    return false;
  });
}

/** The trees a state serves: every import's current version and each retained one. */
export function servedTrees(state: State): Set<string> {
  const trees = new Set<string>();
  for (const [name, r] of Object.entries(state.imports)) {
    for (const version of [r.version, ...r.retained.map((old) => old.version)]) trees.add(`${META}/versions/${name}/${version}`);
  }
  return trees;
}

/**
 * Whether a root-relative path (no leading "/", segments already checked) may be served: anything
 * outside `.pxe-import/`, and inside it only the trees the state serves. Asked twice: about the
 * requested path, and about the real path its symlinks lead to.
 */
export function checkServedPath(path: string, policy: Pick<RequestPolicy, 'servedTrees'>): { readonly status: 404; readonly reason: string } | undefined {
  const segments = path === '' ? [] : path.split('/');
  if (segments[0] !== META) return undefined;
  const [, versions, name, version] = segments;
  const tree = `${META}/${versions}/${name}/${version}`;
  const published = versions === 'versions' && name !== undefined && version !== undefined && !isLeftover(version) && policy.servedTrees.has(tree);
  if (!published) return { status: 404, reason: `${path}: pxe-import's private state is not served` };
  return undefined;
}

/** The decision for one request; see the module comment for the rules. */
export function decideRequest(req: HttpRequestLine, policy: RequestPolicy): RequestDecision {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { kind: 'refused', status: 405, reason: `${req.method}: this server is read-only (GET and HEAD only)` };
  if (!clientAllowed(policy.clients, req.client)) return { kind: 'refused', status: 403, reason: `${req.client} is not one of the clients this root serves (--clients)` };
  if (!req.url.startsWith('/')) return { kind: 'refused', status: 400, reason: 'the request target is not a path' };
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  if (rawPath.includes('\0') || rawPath.includes('\\')) return { kind: 'refused', status: 400, reason: 'NUL or backslash in the path' };
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'refused', status: 400, reason: 'malformed %-escape in the path' };
  }
  if (path.includes('\0') || path.includes('\\')) return { kind: 'refused', status: 400, reason: 'NUL or backslash in the path' };
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '.' || s === '..')) return { kind: 'refused', status: 400, reason: '"." or ".." in the path' };
  // Empty segments ("a//b", a trailing "/") add nothing to a path on disk.
  const rel = segments.filter((s) => s !== '').join('/');

  if (rel === 'boot.ipxe' && query !== '') {
    const mac = new URLSearchParams(query).get('mac');
    if (mac !== null) return { kind: 'boot-script', mac: parseMac(mac) };
  }
  if (rel === '') return { kind: 'status' };
  if (rel === 'api/state') return { kind: 'api', name: 'state' };
  if (rel === 'api/boots') return { kind: 'api', name: 'boots' };
  const privateRefusal = checkServedPath(rel, policy);
  if (privateRefusal) return { kind: 'refused', ...privateRefusal };
  return { kind: 'file', path: rel };
}

