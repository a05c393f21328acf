import { readFile } from 'node:fs/promises';
import { describeSystemError, PxeError } from '../errors.js';

/**
 * Settings from --config FILE, else /etc/pxe-import/config.json when present.
 * Command-line flags win over the file; the file wins over built-in defaults.
 */
export interface ConfigFile {
  readonly root?: string;
  readonly server?: string;
  readonly clients?: string | readonly string[];
  readonly httpBase?: string;
  readonly exportsFile?: string;
  readonly menuTitle?: string;
  readonly timeout?: number;
  readonly defaultEntry?: string;
  readonly retention?: number;
  readonly profiles?: readonly string[];
  /** "PORT SPEED", e.g. "0 115200": mirror the pxelinux and GRUB menus on a serial console. */
  readonly serialConsole?: string;
}

export const DEFAULT_CONFIG_FILE = '/etc/pxe-import/config.json';

const FIELDS: Record<keyof ConfigFile, 'string' | 'number' | 'strings' | 'string-or-strings'> = {
  root: 'string',
  server: 'string',
  clients: 'string-or-strings',
  httpBase: 'string',
  exportsFile: 'string',
  menuTitle: 'string',
  timeout: 'number',
  defaultEntry: 'string',
  retention: 'number',
  profiles: 'strings',
  serialConsole: 'string',
};

export async function readConfigFile(path: string | undefined): Promise<ConfigFile> {
  const file = path ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (path === undefined && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new PxeError('USAGE', `${file}: cannot read config file: ${describeSystemError(e)}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PxeError('USAGE', `${file}: not valid JSON: ${(e as Error).message}`, { file });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PxeError('USAGE', `${file}: expected a JSON object`, { file });
  for (const [key, value] of Object.entries(json)) {
    const kind = FIELDS[key as keyof ConfigFile];
    if (!kind) throw new PxeError('USAGE', `${file}: ${key}: unknown setting (known: ${Object.keys(FIELDS).join(', ')})`, { file });
    const ok =
      kind === 'string'
        ? typeof value === 'string' && value !== ''
        : kind === 'number'
          ? Number.isInteger(value) && (value as number) >= 0
          : kind === 'strings'
            ? Array.isArray(value) && value.every((v) => typeof v === 'string')
            : typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new PxeError('USAGE', `${file}: ${key}: expected ${kind.replace('-', ' ')}, got ${JSON.stringify(value)}`, { file });
  }
  return json as ConfigFile;
}
