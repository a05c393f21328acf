/**
 * What a VM shows on its VGA text screen, for loaders that never write to the serial port (an
 * ISO's own GRUB booted by memdisk or iPXE sanboot, QEMU's BIOS iPXE). QEMU's QMP `pmemsave` copies
 * the text buffer at 0xB8000 (80x25 cells of character + attribute bytes) to a file; the
 * characters are every other byte. `quit` ends the VM once the test has seen what it waited for.
 */
import { connect } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** QEMU arguments for a QMP socket at `path`. */
export const qmpArgs = (path: string): string[] => ['-qmp', `unix:${path},server=on,wait=off`];

/** Sends QMP commands in order (after the capabilities handshake); resolves with every reply line. */
async function qmp(path: string, commands: readonly object[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    const wanted = commands.length + 1; // capabilities + each command
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`QMP ${path}: no answer`));
    }, 10_000);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('connect', () => {
      socket.write(JSON.stringify({ execute: 'qmp_capabilities' }));
      for (const c of commands) socket.write(JSON.stringify(c));
    });
    socket.on('data', (d) => {
      text += d.toString();
      if ((text.match(/"return"|"error"/g) ?? []).length >= wanted) {
        clearTimeout(timer);
        socket.end();
        resolve(text);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

/** The VGA text screen as 25 lines (trailing blanks removed), or '' while QEMU is not answering. */
export async function screenText(qmpPath: string, work: string): Promise<string> {
  const file = join(work, `vga-${Math.random().toString(36).slice(2)}.bin`);
  try {
    await qmp(qmpPath, [{ execute: 'pmemsave', arguments: { val: 0xb8000, size: 80 * 25 * 2, filename: file } }]);
    const bytes = await readFile(file);
    const chars = Buffer.from(bytes.filter((_, i) => i % 2 === 0)).toString('latin1');
    return Array.from({ length: 25 }, (_, i) => chars.slice(i * 80, i * 80 + 80).trimEnd()).join('\n');
  } catch {
    return '';
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * Polls the screen until `pattern` appears (then quits the VM and resolves with the screen) or
 * `timeoutMs` passes (resolves with the last screen; the VM's own time limit ends it).
 */
export async function waitForScreen(qmpPath: string, work: string, pattern: RegExp, timeoutMs: number): Promise<{ seen: boolean; screen: string }> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    await sleep(3000);
    screen = await screenText(qmpPath, work);
    if (pattern.test(screen)) {
      await qmp(qmpPath, [{ execute: 'quit' }]).catch(() => '');
      return { seen: true, screen };
    }
  }
  await qmp(qmpPath, [{ execute: 'quit' }]).catch(() => '');
  return { seen: false, screen };
}
