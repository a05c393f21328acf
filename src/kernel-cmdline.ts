/** Control characters: treated as blanks, so no argument can carry a line break into a config file. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Split a kernel command line the way the kernel's own parser does (lib/cmdline.c next_arg):
 * blanks separate arguments, a double-quoted run may contain blanks, quotes are kept. Control
 * characters count as blanks, so no argument can carry a newline into a config file.
 */
export function splitKernelCommandLine(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let active = false;
  for (const c of text.replace(CONTROL, ' ')) {
    if (c === '"') inQuote = !inQuote;
    if (!inQuote && c === ' ') {
      if (active) out.push(cur);
      cur = '';
      active = false;
      continue;
    }
    cur += c;
    active = true;
  }
  if (active) out.push(cur);
  return out;
}
