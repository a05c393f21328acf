/**
 * The status page at `/`: what it shows of a state and its boots, and that no text from an ISO
 * label or a MAC assignment can become markup.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BootEvent } from '../../src/import/boots.js';
import { withHost, type State } from '../../src/import/state.js';
import { escapeHtml, renderStatusPage } from '../../src/import/status-page.js';
import { V, entry, layout, record, state } from '../helpers/sample-state.js';

const boot: BootEvent = { time: '2026-12-01T14:02:11.123Z', client: '192.0.2.7', mac: '52:54:00:12:34:56', kind: 'kernel', via: 'http', path: 'demo/casper/vmlinuz', import: 'demo', entries: ['live'], status: 200 };
const now = new Date('2026-12-01T14:03:00.000Z');

test('imports with versions, entries with their command lines, machines, and the newest boots first', () => {
  const s = withHost(state, { mac: '52:54:00:12:34:56', import: 'demo', entry: 'live', append: 'quiet' });
  const later: BootEvent = { ...boot, time: '2026-12-01T14:02:30.000Z', kind: 'initrd', path: 'demo/casper/initrd' };
  const html = renderStatusPage(s, layout, [boot, later], now);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<meta http-equiv="refresh" content="5">/);
  assert.match(html, /<h3 id="import-demo">demo: Demo<\/h3>/);
  assert.ok(html.includes(`version <code>${V}</code>`));
  assert.ok(html.includes(`<code>${entry.nfs}</code>`));
  assert.match(html, /<td><code>52:54:00:12:34:56<\/code><\/td><td>demo\/live<\/td><td><code>quiet<\/code><\/td>/);
  assert.ok(html.indexOf('demo/casper/initrd') < html.indexOf('demo/casper/vmlinuz</code>'), 'the newest boot comes first');
  assert.match(html, /2026-12-01 14:02:11<\/td><td>52:54:00:12:34:56 <code>192\.0\.2\.7<\/code><\/td><td>kernel over HTTP: <code>demo\/casper\/vmlinuz<\/code> <span class="muted">\(demo \/ live\)<\/span>/);
  assert.doesNotMatch(html, /<script/);
});

test('an empty root says so', () => {
  const html = renderStatusPage({ format: 1, imports: {} }, layout, [], now);
  assert.match(html, /Nothing imported yet/);
  assert.match(html, /No boot seen yet/);
});

test('labels and arguments are text, never markup', () => {
  const hostile: State = { format: 1, imports: { demo: { ...record, label: '<script>alert(1)</script> & "x"', entries: [{ ...entry, label: "<img src=x onerror='y'>" }] } } };
  const html = renderStatusPage(hostile, layout, [], now);
  assert.doesNotMatch(html, /<script>|<img/);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;'));
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
