import { networkInterfaces } from 'node:os';
import type { HostNetwork } from './settings.js';

/** This host's network, read from its interfaces: the default guesses for --server and --clients. */
export const hostNetwork: HostNetwork = {
  primaryIpv4() {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
    }
    return undefined;
  },
  subnetOf(address) {
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
  },
};
