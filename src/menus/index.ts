/**
 * Boot menus: one {@link MenuModel} rendered for pxelinux (BIOS), GRUB (UEFI) and iPXE.
 * Pure: the caller writes the files, and must not replace a file unless {@link isGeneratedByUs}.
 */
import type { MenuModel } from './model.js';
import type { MenuRenderOptions } from './common.js';
import { renderGrub } from './grub.js';
import { renderIpxe } from './ipxe.js';
import { renderPxelinux } from './pxelinux.js';

export { menuCommandLine, type MenuImport, type MenuModel } from './model.js';
export {
  GENERATED_MARKER,
  LOCAL_NAME,
  isGeneratedByUs,
  planMenu,
  type MenuPlan,
  type MenuRenderOptions,
  type PlannedEntry,
  type PlannedImport,
  type SerialOptions,
} from './common.js';
export { renderPxelinux } from './pxelinux.js';
export { grubKernelArgv, grubWord, renderGrub } from './grub.js';
export { renderIpxe } from './ipxe.js';

/** The three menu files' contents. */
export interface RenderedMenus {
  /** pxelinux.cfg/default (or, with standalone: false, pxelinux.cfg/pxe-import.menu). */
  readonly pxelinux: string;
  /** grub/grub.cfg (or, with standalone: false, a file for a hand-written grub.cfg to source). */
  readonly grub: string;
  /** boot.ipxe. */
  readonly ipxe: string;
}

/** Render all three menus from one model; `options` applies to pxelinux and GRUB. */
export function renderMenus(model: MenuModel, options: MenuRenderOptions = {}): RenderedMenus {
  return {
    pxelinux: renderPxelinux(model, options),
    grub: renderGrub(model, options),
    ipxe: renderIpxe(model),
  };
}
