/**
 * The supervised dnsmasq's log, parsed for boots (lines as dnsmasq 2.90 writes them with
 * --log-facility=- --log-dhcp), and the restart delays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDnsmasqLine, restartDelay } from '../../src/import/dnsmasq.js';

test('DHCP and PXE answers give the MAC (and the address when there is one); TFTP sends the file', () => {
  assert.deepEqual(parseDnsmasqLine('dnsmasq-dhcp[4242]: 3914561201 PXE(tap0) 52:54:00:12:34:56 proxy'), { kind: 'dhcp', mac: '52:54:00:12:34:56', client: undefined });
  assert.deepEqual(parseDnsmasqLine('dnsmasq-dhcp[4242]: 3914561201 PXE(tap0) 192.0.2.7 52:54:00:AB:34:56 pxelinux.0'), { kind: 'dhcp', mac: '52:54:00:ab:34:56', client: '192.0.2.7' });
  assert.deepEqual(parseDnsmasqLine('dnsmasq-dhcp[4242]: 1234 DHCPACK(eth0) 192.0.2.7 52:54:00:12:34:56 client'), { kind: 'dhcp', mac: '52:54:00:12:34:56', client: '192.0.2.7' });
  assert.deepEqual(parseDnsmasqLine('dnsmasq-tftp[4242]: sent /srv/pxe/pxelinux.0 to 192.0.2.7'), { kind: 'tftp', file: '/srv/pxe/pxelinux.0', client: '192.0.2.7' });
  for (const line of ['dnsmasq[4242]: started, version 2.90 DNS disabled', 'dnsmasq-dhcp[4242]: DHCP, proxy on subnet 192.0.2.0', 'dnsmasq-tftp[4242]: TFTP root is /srv/pxe', 'dnsmasq-tftp[4242]: file /srv/pxe/x not found for 192.0.2.7', '']) {
    assert.equal(parseDnsmasqLine(line), undefined, line);
  }
});

test('restarts wait 1, 2, 4 … seconds, at most 30', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelay), [1, 2, 4, 8, 16, 30, 30, 30]);
});
