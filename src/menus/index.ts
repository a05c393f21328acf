/**
 * Boot menus: one {@link MenuModel} rendered for pxelinux (BIOS), GRUB (UEFI) and iPXE.
 * Pure: the caller writes the files, and must not replace a file unless {@link isGeneratedByUs}.
 */
import type { MenuModel } from './model.js';
import { menuContext, type MenuRenderOptions } from './common.js';
import { DIALECTS } from './dialects.js';

export { menuCommandLine, type MenuImport, type MenuModel } from './model.js';
export {
  GENERATED_MARKER,
  LOCAL_NAME,
  isGeneratedByUs,
  planMenu,
  type EntryPlace,
  type LoaderDialect,
  type LoaderId,
  type MenuContext,
  type MenuPlan,
  type MenuRenderOptions,
  type PlannedEntry,
  type PlannedImport,
  type SerialOptions,
} from './common.js';
export { grubKernelArgv, grubWord } from './grub.js';
export { DIALECTS } from './dialects.js';

/** The three menu files' contents. */
export interface RenderedMenus {
  /** pxelinux.cfg/default (or, with standalone: false, pxelinux.cfg/pxe-import.menu). */
  readonly pxelinux: string;
  /** grub/grub.cfg (or, with standalone: false, a file for a hand-written grub.cfg to source). */
  readonly grub: string;
  /** boot.ipxe. */
  readonly ipxe: string;
}

/** Render all three menus from one model, planned once; `options` applies to pxelinux and GRUB. */
export function renderMenus(model: MenuModel, options: MenuRenderOptions = {}): RenderedMenus {
  const ctx = menuContext(model, options);
  return { pxelinux: DIALECTS.pxelinux.menu(ctx), grub: DIALECTS.grub.menu(ctx), ipxe: DIALECTS.ipxe.menu(ctx) };
}

/**
 * Render `pxelinux.cfg/default` (standalone, the default) or, with `standalone: false`, a file of
 * labels and submenus only, for a hand-written `pxelinux.cfg/default` to
 * `INCLUDE pxelinux.cfg/pxe-import.menu`.
 */
export function renderPxelinux(model: MenuModel, options: MenuRenderOptions = {}): string {
  return DIALECTS.pxelinux.menu(menuContext(model, options));
}

/**
 * Render `grub/grub.cfg` (standalone, the default) or, with `standalone: false`, only the entries
 * and submenus, for a hand-written grub.cfg to `source`.
 */
export function renderGrub(model: MenuModel, options: MenuRenderOptions = {}): string {
  return DIALECTS.grub.menu(menuContext(model, options));
}

/** Render `boot.ipxe`. */
export function renderIpxe(model: MenuModel): string {
  return DIALECTS.ipxe.menu(menuContext(model));
}
