import { networkInterfaces } from 'node:os';
import { basename } from 'node:path';

/** The first non-internal IPv4 address: where clients on the local network reach this host. */
export function primaryIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** The subnet of the interface holding `address`, as exports(5) writes it ("192.168.1.0/24"). */
export function subnetOf(address: string): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4' || a.address !== address || !a.cidr) continue;
      const bits = Number(a.cidr.split('/')[1]);
      const ip = a.address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      const net = (ip & mask) >>> 0;
      return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
    }
  }
  return undefined;
}

/** A name for an image when none is given: its file name without ".iso", in the characters names allow. */
export function nameFromImage(image: string): string {
  const base = basename(image).replace(/\.iso$/i, '');
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '') || 'image'
  );
}
