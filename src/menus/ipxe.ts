/**
 * The iPXE dialect: boot.ipxe, a script with a menu for BIOS and UEFI clients running iPXE, and the
 * per-host scripts it chains.
 *
 * iPXE facts this relies on (ipxe core/exec.c, core/settings.c, hci/commands/menu_cmd.c):
 *  - A line is split on blanks, with no quoting. A word starting with `#` ends the command (a
 *    comment); the words `||`, `&&` and `;` separate commands. `${name}` inside a word is replaced
 *    by a setting's value (unknown → empty), and there is no way to write a literal `${`. Kernel
 *    arguments that hit one of these rules cannot be passed: such entries are left out with a
 *    comment. Menu texts are adjusted instead (see ipxeText).
 *  - Under UEFI the kernel finds its initrds through `initrd=<name>` arguments naming the images
 *    (`initrd --name`); under BIOS iPXE hands over every loaded image as an initrd, in order.
 *    Each entry therefore starts with `imgfree`, so a failed earlier attempt leaves nothing behind.
 *  - `choose --timeout` is in milliseconds; without it the menu waits.
 *  - A relative URL is resolved against the script's own URL.
 *  - pxelinux SYSAPPEND bits 1 and 2 (ip=, BOOTIF=) are rebuilt from iPXE's own settings.
 *
 * URLs. Without `httpBase`, files are fetched with URLs relative to this script, i.e. from the
 * server and protocol the script itself came from: TFTP from the TFTP root when the DHCP boot file
 * is boot.ipxe. This keeps working where `${next-server}` is empty or wrong (proxyDHCP, a script
 * chained from another server). With `httpBase`, kernels, initrds and ISO images come from
 * `<httpBase><treePath>/<file>`; memdisk itself stays relative (the TFTP root, where it lives).
 *
 * Failure handling: a failed download or boot prints a message and returns to the menu with the
 * local disk as the new default, so an unattended machine whose default entry fails still boots its
 * disk on timeout. memdisk entries check `${platform}` first (memdisk is BIOS-only).
 */
import {
  GENERATED_MARKER,
  LOCAL_LABEL,
  LOCAL_NAME,
  commentText,
  cleanLabel,
  foldToAscii,
  leftOutComment,
  missingDefaultComment,
  treeFile,
  type EntryPlace,
  type LoaderDialect,
  type MenuContext,
  type PlannedChain,
  type PlannedEntry,
} from './common.js';

/** Why iPXE cannot pass this kernel argument unchanged, or undefined when it can. */
function unsafeArg(arg: string): string | undefined {
  if (arg.startsWith('#')) return `the argument '${arg}' starts with '#', which iPXE takes as a comment`;
  if (arg === '||' || arg === '&&' || arg === ';') return `the argument '${arg}' is an iPXE command separator`;
  if (arg.includes('${')) return `the argument '${arg}' contains '\${', which iPXE expands as a setting`;
  return undefined;
}

/**
 * Menu text for iPXE: ASCII, no `^`/control characters, no leading "-" (an option to `item`/`menu`),
 * braces shown as parentheses (no `${…}` expansion), no word starting with `#`, no separator words.
 */
export function ipxeText(text: string, fallback: string): string {
  const words = foldToAscii(cleanLabel(text, ''))
    .replace(/\{/g, '(')
    .replace(/\}/g, ')')
    .split(' ')
    .map((w) => w.replace(/^#+/, ''))
    .filter((w) => w !== '' && w !== '||' && w !== '&&' && w !== ';');
  const s = words.join(' ').replace(/^-+\s*/, '');
  return s === '' ? fallback : s;
}

/** Percent-encode a root-relative path for an iPXE URL (`$` included, so nothing is expanded). */
function encodePath(path: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(path)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~/+=@,]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The kernel's image name as iPXE derives it: the last path segment of its URL. */
function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * What pxelinux's SYSAPPEND bits add, built from iPXE's settings for the interface that booted
 * (`netX`): 1 = `ip=<client>:<server>:<gateway>:<netmask>`, 2 = `BOOTIF=01-aa-bb-cc-dd-ee-ff`.
 * Other bits (SYSUUID=, CPU and DMI strings) have no iPXE equivalent here and are not added.
 */
function sysappendArgs(bits: number): string[] {
  const out: string[] = [];
  if (bits & 1) out.push('ip=${netX/ip}:${next-server}:${netX/gateway}:${netX/netmask}');
  if (bits & 2) out.push('BOOTIF=01-${netX/mac:hexhyp}');
  return out;
}

/** Unique image names for the initrds (for `initrd=<name>`), distinct from the kernel's. */
function initrdNames(kernel: string, initrds: readonly string[]): string[] {
  const used = new Set<string>([basename(kernel).toLowerCase()]);
  return initrds.map((f, i) => {
    const base = basename(f).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.-]+/, '') || `initrd${i}`;
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${n}-${base}`;
    used.add(name.toLowerCase());
    return name;
  });
}

function cannotBoot(p: PlannedEntry, ctx: MenuContext): string | undefined {
  for (const a of p.argv) {
    const why = unsafeArg(a);
    if (why) return why;
  }
  const e = p.entry;
  if (e.method !== 'linux' && e.initrds.length !== 1) return `a ${e.method} entry needs exactly one ISO image`;
  // iPXE reads a SAN disk with HTTP range requests; TFTP cannot serve one.
  if (e.method === 'sanboot' && ctx.httpBase === undefined) return 'sanboot reads the ISO over HTTP: set --http-base (httpBase in the config file)';
  return undefined;
}

function header(_ctx: MenuContext, note?: string): string[] {
  return ['#!ipxe', GENERATED_MARKER, ...(note === undefined ? [] : [note]), ''];
}

/** The entry's commands. In a machine's own file (hosts/) the URLs that stay relative lead back up to the root. */
function entry(p: PlannedEntry, ctx: MenuContext, place: EntryPlace): string[] {
  const e = p.entry;
  const up = place === 'host' ? '../' : '';
  const url = (file: string): string => {
    const rel = encodePath(treeFile(p.imp, file));
    if (ctx.httpBase !== undefined) return ctx.httpBase + rel;
    return up !== '' ? up + rel : rel.startsWith('-') ? `./${rel}` : rel;
  };
  const out = [`:${p.name}`];
  // cannotBoot has checked that memdisk and sanboot entries have their one ISO image.
  const iso = e.initrds[0] ?? '';
  if (e.method === 'sanboot') {
    out.push(`sanboot --no-describe ${url(iso)} || goto failed`);
    return out;
  }
  if (e.method === 'memdisk') {
    out.push('iseq ${platform} pcbios || goto bios-only', 'imgfree', `kernel ${up}memdisk ${p.argv.join(' ')} || goto failed`, `initrd ${url(iso)} || goto failed`);
  } else {
    const names = initrdNames(e.kernel, e.initrds);
    const kernelLine = ['kernel', url(e.kernel), ...names.map((n) => `initrd=${n}`), ...p.argv, ...sysappendArgs(e.sysappend)];
    out.push('imgfree', [...kernelLine, '|| goto failed'].join(' '));
    e.initrds.forEach((f, i) => out.push(`initrd --name ${names[i] ?? ''} ${url(f)} || goto failed`));
  }
  out.push('boot || goto failed');
  return out;
}

/**
 * A distribution's netboot tree: DHCP option 210 (pxelinux's path prefix, RFC 5071) is set in
 * iPXE's settings, which pxelinux reads from the DHCP packet iPXE hands it, and the tree's own
 * pxelinux.0 is chained; it then reads `<prefix>pxelinux.cfg/…` and every file under the prefix.
 */
function chainBlock(c: PlannedChain): string[] | string {
  const prefix = c.chain.prefix;
  for (const w of prefix.split(/\s+/)) {
    const why = w === '' ? undefined : unsafeArg(w);
    if (why) return why;
  }
  if (/\s/.test(prefix)) return `the prefix '${prefix}' contains a blank`;
  const url = /^[a-z]+:/.test(prefix) ? prefix : encodePath(prefix);
  return [`:${c.name}`, `set 210:string ${url}`, `chain ${url}pxelinux.0 || goto failed`];
}

function menu(ctx: MenuContext): string {
  const { model, plan } = ctx;
  const items: string[] = [`item ${LOCAL_NAME} ${LOCAL_LABEL}`];
  const blocks: string[] = [];
  let usesMemdisk = false;
  const rendered = new Set<PlannedEntry>();
  for (const pi of plan.imports) {
    items.push('item --gap', `item --gap ${ipxeText(pi.imp.label, ipxeText(pi.imp.name, 'import'))}`);
    if (pi.entries.length === 0) items.push(`# ${commentText(pi.imp.label)}: no boot entries.`);
    for (const p of pi.entries) {
      const why = cannotBoot(p, ctx);
      if (why !== undefined) {
        items.push(leftOutComment(pi.imp.label, p.entry.label, why));
        continue;
      }
      rendered.add(p);
      if (p.entry.method === 'memdisk') usesMemdisk = true;
      items.push(`item ${p.name} ${ipxeText(p.entry.label, ipxeText(p.entry.id, p.name))}`);
      blocks.push('', ...entry(p, ctx, 'submenu'));
    }
  }

  if (plan.chains.length > 0) items.push('item --gap');
  let chainDefault: string | undefined;
  for (const c of plan.chains) {
    const block = chainBlock(c);
    if (typeof block === 'string') {
      items.push(`# ${commentText(c.chain.label)}: left out: ${commentText(block)}.`);
      continue;
    }
    if (c === plan.defaultChain) chainDefault = c.name;
    items.push(`item ${c.name} ${ipxeText(c.chain.label, c.name)}`);
    blocks.push('', ...block);
  }

  const def = plan.defaultEntry && rendered.has(plan.defaultEntry) ? plan.defaultEntry.name : (chainDefault ?? LOCAL_NAME);
  const out = header(ctx);
  const missing = missingDefaultComment(plan);
  if (missing) out.push(missing);
  else if ((plan.defaultEntry || plan.defaultChain) && def === LOCAL_NAME) out.push('# The default entry cannot be booted by iPXE: the local disk boots on timeout.');
  const ms = ctx.timeout === 0 ? 0 : Math.max(1, Math.round(ctx.timeout * 1000));
  out.push(`set menu-default ${def}`, '');
  if ((model.hosts ?? []).length > 0) {
    // A machine's own script exists only for machines with their own entry; for any other the
    // download fails and the menu follows. A per-host script whose boot fails exits, which also lands here.
    const { dir, prefix, suffix } = ipxeDialect.hostPath;
    out.push(
      `# Machines with their own entry (pxe-import host list) boot it from ${dir}/${prefix}<mac>${suffix}, without this menu.`,
      `chain --autofree ${dir}/${prefix}\${netX/mac:hexhyp}${suffix} || goto start`,
      '',
    );
  }
  out.push(
    ':start',
    `menu ${ipxeText(model.title, 'PXE boot menu')}`,
    ...items,
    `choose ${ms > 0 ? `--timeout ${ms} ` : ''}--default \${menu-default} target && goto \${target} || goto ${LOCAL_NAME}`,
    '',
    `:${LOCAL_NAME}`,
    '# BIOS: boot the first hard disk. UEFI (or no disk): exit with an error, so the firmware tries its next boot option.',
    'sanboot --no-describe --drive 0x80 || exit 1',
    'exit 1',
    '',
    ':failed',
    'echo Boot failed. Back to the menu, with the local disk as the default.',
    `set menu-default ${LOCAL_NAME}`,
    'sleep 5',
    'goto start',
  );
  if (usesMemdisk) {
    out.push(
      '',
      ':bios-only',
      'echo This entry boots through memdisk, which needs a BIOS machine. Back to the menu.',
      `set menu-default ${LOCAL_NAME}`,
      'sleep 5',
      'goto start',
    );
  }
  out.push(...blocks);
  return `${out.join('\n')}\n`;
}

/**
 * `hosts/aa-bb-cc-dd-ee-ff.ipxe`, chained by boot.ipxe; if the entry fails to boot it exits, and
 * boot.ipxe shows the menu.
 */
function hostFile(p: PlannedEntry, ctx: MenuContext, note: string): string {
  const out = [
    ...header(ctx, note),
    `goto ${p.name}`,
    '',
    ':failed',
    ':bios-only',
    // Back in boot.ipxe, whose chain line then falls through to its menu.
    "echo This machine's own entry did not boot: showing the menu.",
    'exit 1',
    '',
    ...entry(p, ctx, 'host'),
  ];
  return `${out.join('\n')}\n`;
}

export const ipxeDialect: LoaderDialect = {
  id: 'ipxe',
  title: 'iPXE',
  hostPath: { dir: 'hosts', prefix: '', suffix: '.ipxe' },
  label: ipxeText,
  cannotBoot,
  header,
  entry,
  menu,
  hostFile,
};
