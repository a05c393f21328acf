import { networkInterfaces } from 'node:os';
import { basename } from 'node:path';

/** The first non-internal IPv4 address: where clients on the local network reach this host. */
export function primaryIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
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
