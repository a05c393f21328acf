/** The three loader dialects, in the order their per-host files and notes are listed. */
import type { LoaderDialect, LoaderId } from './common.js';
import { grubDialect } from './grub.js';
import { ipxeDialect } from './ipxe.js';
import { pxelinuxDialect } from './pxelinux.js';

export const DIALECTS: Readonly<Record<LoaderId, LoaderDialect>> = { pxelinux: pxelinuxDialect, grub: grubDialect, ipxe: ipxeDialect };
