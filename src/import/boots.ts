/**
 * Boots as `pxe-import serve` sees them in its HTTP requests: a client fetching `boot.ipxe`, an
 * entry's kernel, initrd or ISO image. Pure: the server passes each answered request, the state
 * names which import and entries a path belongs to, and {@link BootLog} keeps the recent ones.
 * The MAC of a client comes from its `/boot.ipxe?mac=` request: later requests from the same
 * address are the same machine until another MAC is seen there.
 */
import { plainAddress } from './http-policy.js';
import type { Layout } from './layout.js';
import type { State } from './state.js';

/** `loader`: a boot loader file at the top of the root, sent over TFTP (pxelinux.0, grubnetx64.efi, …). */
export type BootFileKind = 'script' | 'loader' | 'kernel' | 'initrd' | 'image';

export interface BootEvent {
  /** ISO 8601, UTC. */
  readonly time: string;
  /** The client's address (IPv4-mapped addresses as plain IPv4). */
  readonly client: string;
  /** Normalised `aa:bb:cc:dd:ee:ff`, when this address has said it. */
  readonly mac: string | undefined;
  readonly kind: BootFileKind;
  /** How it was fetched: from serve over HTTP, or from the dnsmasq serve supervises over TFTP. */
  readonly via: 'http' | 'tftp';
  /** Root-relative path as requested (`boot.ipxe` for the script). */
  readonly path: string;
  /** The import the file belongs to, and the ids of the entries that load it. */
  readonly import: string | undefined;
  readonly entries: readonly string[];
  readonly status: number;
}

/** A boot loader at the top of the root: what DHCP hands out (pxelinux.0, undionly.kpxe, grubnetx64.efi, …). */
const LOADER = /^[^/]+\.(?:0|kpxe|efi)$/;

/** At most this many boots are kept in memory (the newest). */
export const MAX_BOOTS_IN_MEMORY = 1000;

interface BootFile {
  readonly kind: BootFileKind;
  readonly import: string;
  readonly entries: string[];
}

/**
 * Every path through which a state's entries load their files: the tree of each served version
 * and the ROOT/NAME link to the current one; memdisk itself from the root.
 */
export function bootFiles(state: State, layout: Layout): Map<string, BootFile> {
  const files = new Map<string, BootFile>();
  const add = (path: string, kind: BootFileKind, name: string, entry: string) => {
    const known = files.get(path);
    if (known) {
      if (!known.entries.includes(entry)) known.entries.push(entry);
    } else {
      files.set(path, { kind, import: name, entries: [entry] });
    }
  };
  for (const name of Object.keys(state.imports).sort()) {
    const r = state.imports[name]!;
    const trees = [name, layout.treePath(name, r.version), ...r.retained.map((old) => layout.treePath(name, old.version))];
    for (const e of r.entries) {
      for (const tree of trees) {
        if (e.method === 'linux') {
          add(`${tree}/${e.kernel}`, 'kernel', name, e.id);
          for (const initrd of e.initrds) add(`${tree}/${initrd}`, 'initrd', name, e.id);
        } else {
          for (const image of e.initrds) add(`${tree}/${image}`, 'image', name, e.id);
        }
      }
    }
  }
  return files;
}

/** The recent boots, newest last, and the last MAC each client address gave. */
export class BootLog {
  readonly #events: BootEvent[] = [];
  readonly #macs = new Map<string, string>();

  constructor(readonly limit = MAX_BOOTS_IN_MEMORY) {}

  /**
   * The boot event for an answered request, recorded, or undefined when the path is no boot
   * file. `mac` is the MAC a `/boot.ipxe?mac=` request gave.
   */
  record(
    req: { readonly time: Date; readonly client: string; readonly path: string; readonly status: number; readonly mac?: string; readonly script?: boolean; readonly via?: 'http' | 'tftp' },
    files: ReadonlyMap<string, BootFile>,
  ): BootEvent | undefined {
    const client = plainAddress(req.client);
    if (req.mac !== undefined) this.learnMac(client, req.mac);
    const script = req.script === true || req.path === 'boot.ipxe';
    const file = script ? undefined : files.get(req.path);
    const loader = !script && !file && LOADER.test(req.path);
    if (!script && !file && !loader) return undefined;
    const event: BootEvent = {
      time: req.time.toISOString(),
      client,
      mac: this.#macs.get(client),
      kind: file?.kind ?? (loader ? 'loader' : 'script'),
      via: req.via ?? 'http',
      path: req.path,
      import: file?.import,
      entries: file ? [...file.entries] : [],
      status: req.status,
    };
    this.add(event);
    return event;
  }

  /** The MAC a client at this address has (from /boot.ipxe?mac= or a DHCP answer dnsmasq logged). */
  learnMac(client: string, mac: string): void {
    this.#macs.set(plainAddress(client), mac);
  }

  /** Adds an event read back from the log file, or just recorded. */
  add(event: BootEvent): void {
    this.#events.push(event);
    if (this.#events.length > this.limit) this.#events.splice(0, this.#events.length - this.limit);
  }

  /** The kept events, oldest first. */
  events(): readonly BootEvent[] {
    return [...this.#events];
  }
}

/** Parses the boot log file's JSON lines, skipping any that are not boot events (a torn last line). */
export function parseBootLog(text: string): BootEvent[] {
  const out: BootEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as Partial<BootEvent> | null;
      if (typeof e !== 'object' || e === null || typeof e.time !== 'string' || typeof e.client !== 'string' || typeof e.path !== 'string') continue;
      // JSON leaves out the unknown MAC and import: the event read back is the one recorded.
      const kind = (['script', 'loader', 'kernel', 'initrd', 'image'] as const).find((k) => k === e.kind) ?? 'script';
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const entries = Array.isArray(e.entries) ? e.entries.filter((x): x is string => typeof x === 'string') : [];
      out.push({ time: e.time, client: e.client, mac: text(e.mac), kind, via: e.via === 'tftp' ? 'tftp' : 'http', path: e.path, import: text(e.import), entries, status: typeof e.status === 'number' ? e.status : 0 });
    } catch {
      // A line cut short by a crash while it was written.
    }
  }
  return out;
}
