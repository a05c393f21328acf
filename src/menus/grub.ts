/**
 * The GRUB dialect: grub/grub.cfg (or the file a hand-written one `source`s) and per-host files, for
 * UEFI PXE with grubnetx64.efi, which reads them from the TFTP root; kernel and initrd paths are
 * therefore absolute from that root (`/<treePath>/<file>`).
 *
 * Quoting. GRUB splits a line into words like a shell (grub-core/script/yylex.l): blanks, `;`, `&`,
 * `|`, `<`, `>`, `{`, `}`, quotes, `\`, `$` and a leading `#` are special, and unquoted `*`, `?`,
 * `[` are wildcards when the regexp module is loaded. Every word here is either made only of
 * characters that are plain in GRUB, or written in single quotes, inside which GRUB takes every
 * character literally; a `'` is written `'\''` (as grub-mkconfig does).
 *
 * What reaches the kernel. `linux` does not simply join its arguments (grub-core/lib/cmdline.c,
 * grub_create_loader_cmdline): an argument containing a blank is wrapped in double quotes, and
 * GRUB 2.02–2.06 also put a backslash before every `"`, `'` and `\` (except `\xNN`). So:
 *  - a kernel argument with double quotes (`a="b c"`) is handed to GRUB without them (`a=b c`):
 *    GRUB writes `"a=b c"`, which the kernel parses to the same name and value. Passing the quotes
 *    through would give the kernel `"a=\"b c\""`;
 *  - a `'` or `\` cannot reach the kernel unchanged through those GRUB versions: such entries are
 *    still written, with a comment saying so.
 * {@link grubKernelArgv} is the exact argument list GRUB is meant to receive.
 *
 * Plain `linux`/`initrd` only: `linuxefi` is gone from current GRUB (cobbler#3975).
 * memdisk entries are left out: memdisk is a BIOS-only syslinux loader.
 */
import {
  GENERATED_MARKER,
  LOCAL_LABEL,
  LOCAL_NAME,
  cleanLabel,
  commentText,
  hostFilePath,
  importBlocks,
  importDefault,
  missingDefaultComment,
  resolveHosts,
  singleEntryLabel,
  treeFile,
  type EntryPlace,
  type LoaderDialect,
  type MenuContext,
  type PlannedEntry,
  type PlannedImport,
} from './common.js';

/** Characters that are never special in a GRUB word (a conservative set; anything else is quoted). */
const GRUB_PLAIN = /^[A-Za-z0-9_.,:=/+@%~-]+$/;

/** Words GRUB's lexer may take as keywords (yylex.l); quoted when used as arguments. */
const GRUB_KEYWORDS: ReadonlySet<string> = new Set([
  'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'function', 'if', 'in',
  'menuentry', 'select', 'submenu', 'then', 'until', 'while',
]);

/** Quote a string as one GRUB word that GRUB turns back into exactly `s`. */
export function grubWord(s: string): string {
  if (GRUB_PLAIN.test(s) && !GRUB_KEYWORDS.has(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Always single-quoted (menu titles, ids, `set` values), as grub-mkconfig writes them. */
function grubQuoted(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The arguments GRUB's `linux` command should receive for these kernel arguments: double quotes
 * removed (GRUB re-adds quotes around arguments with blanks itself), empty arguments dropped.
 */
export function grubKernelArgv(kernelArgs: readonly string[]): string[] {
  return kernelArgs.map((a) => a.replace(/"/g, '')).filter((a) => a !== '');
}

/** True when GRUB 2.02–2.06 would add a backslash to this argument on its way to the kernel. */
function grubEscapesArg(arg: string): boolean {
  return arg.includes("'") || /\\(?!x[0-9A-Fa-f]{2})/.test(arg);
}

/** A menu title: no `^` markers or control characters; never starting with "-" (taken as an option). */
function title(text: string, fallback: string): string {
  const t = cleanLabel(text, fallback);
  return t.startsWith('-') ? ` ${t}` : t;
}

function cannotBoot(p: PlannedEntry): string | undefined {
  if (p.entry.method === 'memdisk') return 'memdisk is a BIOS-only syslinux loader; it cannot boot under GRUB on UEFI (pxelinux and iPXE on BIOS offer it)';
  if (p.entry.method === 'sanboot') return "GRUB cannot attach an ISO over HTTP (iPXE's sanboot); the iPXE menu, boot.ipxe, offers it";
  return undefined;
}

function header(ctx: MenuContext, note?: string): string[] {
  const out = [GENERATED_MARKER];
  if (note !== undefined) out.push(note);
  if (ctx.serial) {
    out.push(`serial --unit=${ctx.serial.port} --speed=${ctx.serial.speed}`, 'terminal_input serial console', 'terminal_output serial console');
  }
  return out;
}

function entry(p: PlannedEntry, _ctx: MenuContext, place: EntryPlace): string[] {
  const indent = place === 'submenu' ? '\t' : '';
  const menuTitle = place === 'top' ? title(singleEntryLabel(p, cleanLabel), p.imp.name) : title(p.entry.label, p.entry.id);
  const e = p.entry;
  const argv = grubKernelArgv(p.argv);
  const out: string[] = [];
  if (e.sysappend > 0) {
    out.push(`${indent}# Note: pxelinux adds SYSAPPEND ${e.sysappend} (ip=/BOOTIF=) to this entry; GRUB adds neither, so the initrd picks the network interface itself.`);
  }
  if (argv.some(grubEscapesArg)) {
    out.push(`${indent}# Note: GRUB 2.02-2.06 pass ' and \\ to the kernel with a backslash added; this command line contains one.`);
  }
  out.push(`${indent}menuentry ${grubQuoted(menuTitle)} --id ${grubQuoted(p.name)} {`);
  const kernel = ['linux', grubWord(`/${treeFile(p.imp, e.kernel)}`), ...argv.map(grubWord)].join(' ');
  out.push(`${indent}\t${kernel}`);
  if (e.initrds.length > 0) {
    out.push(`${indent}\t${['initrd', ...e.initrds.map((f) => grubWord(`/${treeFile(p.imp, f)}`))].join(' ')}`);
  }
  out.push(`${indent}}`);
  return out;
}

function submenu(ctx: MenuContext, pi: PlannedImport, shown: readonly PlannedEntry[]): string[] {
  const inner = importDefault(shown, ctx.plan);
  const out = [`submenu ${grubQuoted(title(pi.imp.label, pi.imp.name))} --id ${grubQuoted(pi.name)} {`];
  // GRUB sets $default inside a submenu only when the top-level default is a "submenu>entry"
  // path into it; otherwise highlight the import's own default entry.
  if (inner) out.push(`\tif [ -z "\${default}" ]; then set default=${grubQuoted(inner.name)}; fi`);
  for (const p of shown) out.push(...entry(p, ctx, 'submenu'));
  out.push('}');
  return out;
}

/**
 * Machines with their own file are sent to it before any menu is shown. Debian's signed grubnetx64
 * reads grub/grub.cfg directly and never looks for a per-MAC file itself, so the dispatch is
 * explicit; `net_default_mac` is the booting NIC's address, lower case.
 */
function hostDispatch(ctx: MenuContext): string[] {
  const hosts = resolveHosts(ctx.model, ctx.plan).filter((h) => h.planned !== undefined && cannotBoot(h.planned) === undefined);
  if (hosts.length === 0) return [];
  return [
    '# Machines with their own entry (pxe-import host list) boot it from their own file, without this menu.',
    ...hosts.map((h) => `if [ "\${net_default_mac}" = ${grubQuoted(h.host.mac.toLowerCase())} ]; then configfile ${grubWord(`/${hostFilePath(grubDialect, h.host.mac)}`)}; fi`),
  ];
}

/** `set default=` value: an id, or `submenu>entry` for an entry inside a submenu. */
function defaultPath(ctx: MenuContext): string | undefined {
  const d = ctx.plan.defaultEntry;
  if (!d || cannotBoot(d) !== undefined) return undefined;
  const pi = ctx.plan.imports.find((i) => i.entries.includes(d));
  if (!pi) return undefined;
  const shown = pi.entries.filter((p) => cannotBoot(p) === undefined);
  return shown.length > 1 ? `${pi.name}>${d.name}` : d.name;
}

function menu(ctx: MenuContext): string {
  const { plan } = ctx;
  const out = [...header(ctx), ...hostDispatch(ctx)];
  if (ctx.standalone) {
    const path = defaultPath(ctx);
    const missing = missingDefaultComment(plan);
    if (missing) out.push(missing);
    else if (plan.defaultChain) out.push('# The default is a chain entry (pxelinux), which GRUB cannot run: the local disk boots on timeout.');
    else if (plan.defaultEntry && path === undefined) {
      out.push(`# The default entry is a ${plan.defaultEntry.entry.method} entry, which GRUB cannot boot: the local disk boots on timeout.`);
    }
    // GRUB: timeout=0 boots at once and -1 waits; the model's 0 means wait.
    const seconds = ctx.timeout === 0 ? -1 : Math.max(1, Math.round(ctx.timeout));
    out.push(
      `set timeout=${seconds}`,
      `set default=${grubQuoted(path ?? LOCAL_NAME)}`,
      '',
      `# 'exit' returns to the firmware, which tries its next boot option.`,
      `menuentry ${grubQuoted(LOCAL_LABEL)} --id ${grubQuoted(LOCAL_NAME)} {`,
      '\texit',
      '}',
    );
  }
  out.push(...importBlocks(grubDialect, ctx, submenu));
  for (const c of plan.chains) {
    out.push('', `# ${commentText(title(c.chain.label, c.chain.name))}: left out: it chains pxelinux (a BIOS loader) with the tree at ${commentText(c.chain.prefix)}; GRUB cannot run it.`);
  }
  return `${out.join('\n')}\n`;
}

/** `grub/grub.cfg-01-aa-bb-cc-dd-ee-ff` (named as upstream GRUB's own search names it), read through grub.cfg's dispatch; `timeout=0` boots it at once. */
function hostFile(p: PlannedEntry, ctx: MenuContext, note: string): string {
  const out = [...header(ctx, note), 'set timeout=0', `set default=${grubQuoted(p.name)}`, '', ...entry(p, ctx, 'host')];
  return `${out.join('\n')}\n`;
}

export const grubDialect: LoaderDialect = {
  id: 'grub',
  title: 'GRUB',
  hostPath: { dir: 'grub', prefix: 'grub.cfg-01-', suffix: '' },
  label: title,
  cannotBoot,
  header,
  entry,
  menu,
  hostFile,
};
