import { readFile } from 'node:fs/promises';
import { PxeError } from '../errors.js';
import type { BootEntry } from '../profiles/boot-entry.js';
import { writeFileAtomic } from './fs-atomic.js';

/** Identifies an image file cheaply: an unchanged file is skipped without reading its data. */
export interface SourceIdentity {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the volume descriptors. */
  readonly fingerprint: string;
}

/** A version kept after a newer one replaced it, so clients booted from it keep working. */
export interface RetainedVersion {
  readonly version: string;
  readonly exportPath: string;
  /** Whether it is exported over NFS. */
  readonly nfs: boolean;
}

export interface ImportRecord {
  readonly name: string;
  readonly label: string;
  readonly source: SourceIdentity;
  readonly profile: { readonly id: string; readonly family: string; readonly release: string | undefined };
  readonly version: string;
  readonly exportPath: string;
  readonly clients: readonly string[];
  readonly entries: readonly BootEntry[];
  /** Older versions still on disk and exported, newest first. */
  readonly retained: readonly RetainedVersion[];
  readonly importedAt: string;
}

export interface State {
  readonly format: 1;
  readonly imports: Readonly<Record<string, ImportRecord>>;
}

export const EMPTY_STATE: State = { format: 1, imports: {} };

export async function readState(path: string): Promise<State> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
    throw new PxeError('IO', `${path}: cannot read state: ${(e as NodeJS.ErrnoException).code}`, { file: path, cause: e });
  }
  let state: State;
  try {
    state = JSON.parse(text) as State;
  } catch (e) {
    throw new PxeError('IO', `${path}: state file is not valid JSON (${(e as Error).message}); restore it from backup or remove it to start over`, { file: path });
  }
  if (state.format !== 1 || typeof state.imports !== 'object' || state.imports === null) {
    throw new PxeError('IO', `${path}: unknown state format ${JSON.stringify(state.format)}`, { file: path });
  }
  return state;
}

/** Sorted keys and a trailing newline: the same state is always the same bytes. */
export function renderState(state: State): string {
  const imports: Record<string, ImportRecord> = {};
  for (const name of Object.keys(state.imports).sort()) imports[name] = state.imports[name]!;
  return `${JSON.stringify({ format: 1, imports }, null, 2)}\n`;
}

export async function writeState(path: string, state: State): Promise<boolean> {
  return writeFileAtomic(path, renderState(state));
}

export function withImport(state: State, record: ImportRecord): State {
  return { format: 1, imports: { ...state.imports, [record.name]: record } };
}

export function withoutImport(state: State, name: string): State {
  const imports = { ...state.imports };
  delete imports[name];
  return { format: 1, imports };
}
