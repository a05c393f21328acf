import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { CLI } from './paths.js';
import { hasCommand } from './requirements.js';

/** How a test stops a running CLI: a signal, or for a terminal Ctrl-C and a real hang-up. */
export type Stop = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGKILL' | 'ctrl-c' | 'hang-up';

export interface Finished {
  /** The exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What the CLI wrote; on a terminal, stdout and stderr together, as a user sees them. */
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  /** The CLI's own process (on a terminal, the pty runner's child). */
  readonly pid: Promise<number>;
  stop(how: Stop): void;
  readonly finished: Promise<Finished>;
}

export const hasPython = hasCommand('python3');

/**
 * Runs the CLI under a pseudo-terminal (python3's pty module): stdout.isTTY is true, listr2
 * draws its animated renderer, Ctrl-C goes through the terminal's line discipline, and a
 * hang-up is the master side closing. Commands on stdin: INT (writes ^C), HUP (closes the
 * terminal), or a signal name to send. On stderr: the child's pid first, its wait status last.
 */
const PTY_RUNNER = String.raw`
import fcntl, json, os, pty, select, signal, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
sys.stderr.write(json.dumps({'pid': pid}) + '\n')
sys.stderr.flush()
out = sys.stdout.buffer
watch = [fd, 0]
open_ = True
while open_:
    ready, _, _ = select.select(watch, [], [])
    if 0 in ready:
        raw = sys.stdin.readline()
        line = raw.strip()
        if not raw:
            watch = [fd]
        elif line == 'INT':
            os.write(fd, b'\x03')
        elif line == 'HUP':
            os.close(fd)
            open_ = False
        elif line:
            os.kill(pid, getattr(signal, line))
    if open_ and fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        out.write(data)
        out.flush()
_, status = os.waitpid(pid, 0)
sys.stderr.write(json.dumps({'code': os.WEXITSTATUS(status) if os.WIFEXITED(status) else None, 'signal': os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}) + '\n')
`;

const SIGNAL_NAMES: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' };

/** Starts the built CLI, its output piped or (terminal: true) on a pseudo-terminal. */
export function startCli(args: readonly string[], options: { terminal: boolean; env?: NodeJS.ProcessEnv }): RunningCli {
  const env = { ...process.env, ...options.env };
  if (!options.terminal) {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return {
      pid: Promise.resolve(child.pid!),
      stop: (how) => {
        if (how === 'ctrl-c' || how === 'hang-up') throw new Error(`${how} needs a terminal`);
        child.kill(how);
      },
      finished: new Promise((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      }),
    };
  }
  // CI=true or TERM=dumb would make the CLI choose its plain renderer even on a terminal.
  const child = spawn('python3', ['-c', PTY_RUNNER, process.execPath, CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, CI: '', TERM: 'xterm-256color' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const commands: Record<Stop, string> = { 'ctrl-c': 'INT', 'hang-up': 'HUP', SIGINT: 'SIGINT', SIGTERM: 'SIGTERM', SIGHUP: 'SIGHUP', SIGKILL: 'SIGKILL' };
  const pid = new Promise<number>((resolve, reject) => {
    child.stderr.on('data', () => {
      const first = /^\{"pid": (\d+)\}\n/.exec(stderr);
      if (first) resolve(Number(first[1]));
    });
    child.on('close', () => reject(new Error(`the pty runner ended before starting the CLI: ${stderr}`)));
  });
  pid.catch(() => {}); // observed by whoever needs it
  return {
    pid,
    stop: (how) => child.stdin.write(`${commands[how]}\n`),
    finished: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', () => {
        const lines = stderr.trimEnd().split('\n').slice(1);
        const status = JSON.parse(lines.pop() ?? '{}') as { code: number | null; signal: number | null };
        child.stdin.end();
        resolve({ code: status.code, signal: status.signal === null ? null : (SIGNAL_NAMES[status.signal] ?? null), stdout, stderr: lines.join('\n') });
      });
    }),
  };
}

/**
 * True once the process catches SIGHUP, SIGINT and SIGTERM (the SigCgt mask in
 * /proc/PID/status): from then on a signal gets the CLI's own handling, not the default death.
 */
export async function catchesStopSignals(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status);
  if (!mask) return false;
  const caught = BigInt(`0x${mask[1]}`);
  return [1, 2, 15].every((n) => (caught >> BigInt(n - 1)) & 1n);
}
