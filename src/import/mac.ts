import { PxeError } from '../errors.js';

/**
 * MAC addresses as people write them, normalised to one form. Pure.
 *
 * Accepted: six colon- or hyphen-separated byte pairs (`aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`),
 * Cisco dotted triples (`aabb.ccdd.eeff`), twelve bare hex digits, and pxelinux's own file-name form
 * with its `01-` (Ethernet) type prefix. Anything else is refused: a typo must not silently give a
 * file that no machine ever asks for.
 */

/** Lower-case, colon-separated: `aa:bb:cc:dd:ee:ff` (the form stored in state.json). */
export type Mac = string & { readonly __mac: unique symbol };

const SEPARATED = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;
const DOTTED = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i;
const BARE = /^[0-9a-f]{12}$/i;

/** The normalised MAC, or undefined when `text` is not one. */
export function parseMac(text: string): Mac | undefined {
  let t = text.trim();
  // pxelinux names per-MAC files 01-aa-bb-…: the ARP hardware type (1 = Ethernet) comes first.
  if (/^01-(?:[0-9a-f]{2}-){5}[0-9a-f]{2}$/i.test(t)) t = t.slice(3);
  let hex: string | undefined;
  const s = SEPARATED.exec(t);
  if (s) hex = s.slice(1).filter((_, i) => i !== 1).join('');
  const d = DOTTED.exec(t);
  if (d) hex = d.slice(1).join('');
  if (BARE.test(t)) hex = t;
  if (hex === undefined) return undefined;
  return hex.toLowerCase().match(/../g)!.join(':') as Mac;
}

/** Like {@link parseMac}, but a bad address is a usage error naming what was given. */
export function requireMac(text: string): Mac {
  const mac = parseMac(text);
  if (mac === undefined) {
    throw new PxeError('USAGE', `"${text}" is not a MAC address (expected six hex byte pairs such as 52:54:00:12:34:56, 52-54-00-12-34-56 or 5254.0012.3456)`);
  }
  if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') throw new PxeError('USAGE', `"${text}" is not a machine's MAC address (all zeros or broadcast)`);
  // Bit 0 of the first byte marks a group address, which no network card boots from.
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) throw new PxeError('USAGE', `"${text}" is a multicast address, not a machine's MAC address`);
  return mac;
}
