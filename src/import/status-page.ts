/**
 * The status page `pxe-import serve` answers at `/`: the imports with their versions, entries and
 * command lines, the assigned machines, and the recent boots. Pure: the state and the boots in,
 * one HTML document out. It needs no script (nothing is fetched from anywhere): it reloads itself
 * every few seconds (`<meta http-equiv="refresh">`), and reads on a phone (one column, wrapped).
 */
import type { BootEvent } from './boots.js';
import type { Layout } from './layout.js';
import type { State } from './state.js';
import { menuCommandLine } from '../menus/index.js';

/** Seconds between reloads of the page. */
export const STATUS_REFRESH_SECONDS = 5;
/** The newest boots shown (the API has them all). */
const SHOWN_BOOTS = 50;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:0 auto;padding:0 1em;max-width:60em;line-height:1.4}',
  'h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}',
  'code{font-size:.85em;overflow-wrap:anywhere;background:#f3f3f3;padding:0 .2em}',
  'table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2em .4em;border-bottom:1px solid #ddd;vertical-align:top}',
  '.muted{color:#666}',
].join('');

export function renderStatusPage(state: State, layout: Layout, boots: readonly BootEvent[], now: Date): string {
  const e = escapeHtml;
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="refresh" content="${STATUS_REFRESH_SECONDS}">`,
    `<title>pxe-import: ${e(layout.root)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>pxe-import serve: <code>${e(layout.root)}</code></h1>`,
    `<p class="muted">As of ${e(now.toISOString())}; this page reloads every ${STATUS_REFRESH_SECONDS} s. JSON: <a href="/api/state">/api/state</a>, <a href="/api/boots">/api/boots</a>.</p>`,
  ];
  if (state.settings) out.push(`<p>Server <code>${e(state.settings.server)}</code>, clients <code>${e(state.settings.clients.join(', '))}</code>, HTTP base <code>${e(state.settings.httpBase ?? '(none: TFTP)')}</code>.</p>`);

  const names = Object.keys(state.imports).sort();
  out.push(`<h2>Imports (${names.length})</h2>`);
  if (names.length === 0) out.push('<p class="muted">Nothing imported yet.</p>');
  for (const name of names) {
    const r = state.imports[name]!;
    const kept = r.retained.length > 0 ? `; kept: ${r.retained.map((old) => `<code>${e(old.version)}</code>`).join(', ')}` : '';
    out.push(`<h3 id="import-${e(name)}">${e(name)}: ${e(r.label)}</h3>`, `<p class="muted">Profile ${e(r.profile.id)}, version <code>${e(r.version)}</code>${kept}, imported ${e(r.importedAt)}.</p>`);
    out.push('<table><tr><th>Entry</th><th>Boots</th></tr>');
    for (const entry of r.entries) {
      const what = entry.method === 'linux' ? `<code>${e(entry.kernel)}</code> ${entry.initrds.map((i) => `<code>${e(i)}</code>`).join(' ')}` : `${e(entry.method)} <code>${e(entry.initrds[0] ?? '')}</code>`;
      const line = menuCommandLine(entry);
      out.push(`<tr><td>${e(entry.label)}${entry.isDefault ? ' <span class="muted">(default)</span>' : ''}<br><code>${e(entry.id)}</code></td><td>${what}${line === '' ? '' : `<br><code>${e(line)}</code>`}</td></tr>`);
    }
    out.push('</table>');
  }

  const hosts = Object.keys(state.hosts ?? {}).sort();
  out.push(`<h2>Machines with their own entry (${hosts.length})</h2>`);
  if (hosts.length === 0) out.push('<p class="muted">None: every machine gets the menu.</p>');
  else {
    out.push('<table><tr><th>MAC</th><th>Entry</th><th>Extra arguments</th></tr>');
    for (const mac of hosts) {
      const h = state.hosts![mac]!;
      out.push(`<tr><td><code>${e(mac)}</code></td><td>${e(h.import)}${h.entry === undefined ? ' (its default)' : `/${e(h.entry)}`}</td><td><code>${e(h.append)}</code></td></tr>`);
    }
    out.push('</table>');
  }

  const recent = boots.slice(-SHOWN_BOOTS).reverse();
  out.push(`<h2>Recent boots (${boots.length})</h2>`);
  if (recent.length === 0) out.push('<p class="muted">No boot seen yet.</p>');
  else {
    out.push('<table><tr><th>Time (UTC)</th><th>Client</th><th>Fetched</th></tr>');
    for (const b of recent) {
      const entry = b.import === undefined ? '' : ` <span class="muted">(${e(b.import)}${b.entries.length > 0 ? ` / ${e(b.entries.join(', '))}` : ''})</span>`;
      out.push(`<tr><td>${e(b.time.replace('T', ' ').replace(/\.\d+Z$/, ''))}</td><td>${e(b.mac ?? '')} <code>${e(b.client)}</code></td><td>${e(b.kind)} over ${b.via === 'tftp' ? 'TFTP' : 'HTTP'}: <code>${e(b.path)}</code>${entry}${b.status >= 400 ? ` <b>${b.status}</b>` : ''}</td></tr>`);
    }
    out.push('</table>');
  }
  out.push('</body></html>', '');
  return out.join('\n');
}
