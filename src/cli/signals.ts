/**
 * One signal policy for every command. SIGINT, SIGTERM and SIGHUP abort `stopRequested`; the
 * work that was given it stops at its next check and rolls itself back (an extraction removes
 * its staging tree; a root session commits nothing more, releases its lock and removes what it
 * created and did not commit). main.ts then prints one line, `pxe-import: interrupted by SIG…;
 * <what was undone>`, and exits 128 + the signal's number. A second signal while cleaning up
 * exits at once: what is left is what a SIGKILL leaves, and the next run removes it.
 *
 * The handlers stay installed for the whole run, whatever renderer draws the task list. That
 * is what a terminal needs: listr2's default renderer hides the cursor through cli-cursor,
 * whose restore-cursor registers signal-exit, and signal-exit re-raises a signal (killing the
 * process, no clean-up) whenever it finds itself the only listener left for it.
 */
import { closeSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { ExitCode } from './exit-codes.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

const controller = new AbortController();
let received: StopSignal | undefined;

/** Aborted at the first stop signal; every command passes it down to the work it starts. */
export const stopRequested: AbortSignal = controller.signal;

/** The first stop signal received, if any. */
export function receivedSignal(): StopSignal | undefined {
  return received;
}

/** 128 + the signal's number, as shells report a process a signal ended. */
const EXIT_CODES: Record<StopSignal, number> = { SIGHUP: ExitCode.hangup, SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.terminated };

export function signalExitCode(signal: StopSignal): number {
  return EXIT_CODES[signal];
}

/** Installs the handlers; main.ts calls it once, before any command runs. */
export function installSignalHandlers(): void {
  for (const signal of STOP_SIGNALS) process.on(signal, () => onSignal(signal));
  // A hung-up terminal fails every later write with EIO, possibly before the SIGHUP is handled:
  // there is no one left to tell, and that must not stop the clean-up.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EIO' && received !== 'SIGHUP') throw e;
    });
  }
  // Node 20 aborts (SIGABRT, not our exit code) when, as it exits, it cannot restore the
  // settings of a terminal that is gone (tcsetattr fails with EIO: nodejs/node#51519, fixed in
  // #58200). It skips a descriptor that is closed, so after a hang-up the terminal's are closed
  // last thing; nothing is written after the 'exit' event.
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  process.on('exit', () => {
    if (received !== 'SIGHUP') return;
    for (const fd of terminals) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
  });
}

function onSignal(signal: StopSignal): void {
  if (received !== undefined) {
    say(`pxe-import: ${signal} again: exiting without finishing the clean-up (the next run completes it)\n`);
    process.exit(signalExitCode(received));
  }
  received = signal;
  controller.abort();
}

/**
 * Straight to file descriptor 2: while the task list draws, listr2 replaces
 * process.stderr.write with a buffer that process.exit would throw away.
 */
function say(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // No terminal left to tell.
  }
}
