/** GRUB environment blocks (grub-editenv, archiso's grubenv), as `load_env` reads them. */
import { normalizeLineEndings } from './common.js';
import { isVariableName } from './grub-vars.js';
import { MAX_GRUBENV_CHARS } from './types.js';

/**
 * Parse a GRUB environment block (grub-editenv / archiso's grubenv): the signature line
 * `# GRUB Environment Block`, then `KEY=value` lines (values escape '\' and newline with '\'),
 * then '#' padding to 1024 bytes. Returns undefined when the signature is missing.
 */
export function parseGrubEnv(text: string): Map<string, string> | undefined {
  const SIG = '# GRUB Environment Block\n';
  const t = normalizeLineEndings(text);
  if (!t.startsWith(SIG) || t.length > MAX_GRUBENV_CHARS) return undefined;
  const vars = new Map<string, string>();
  let i = SIG.length;
  while (i < t.length) {
    if (t[i] === '#') {
      // Padding (or a comment line): skip to the end of the line.
      const nl = t.indexOf('\n', i);
      if (nl < 0) break;
      i = nl + 1;
      continue;
    }
    let lineText = '';
    while (i < t.length && t[i] !== '\n') {
      if (t[i] === '\\' && i + 1 < t.length) {
        lineText += t[i + 1];
        i += 2;
        continue;
      }
      lineText += t[i];
      i++;
    }
    i++; // the newline
    const eq = lineText.indexOf('=');
    if (eq <= 0) continue;
    const key = lineText.slice(0, eq);
    if (!isVariableName(key)) continue;
    vars.set(key, lineText.slice(eq + 1));
  }
  return vars;
}
