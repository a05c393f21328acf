import { PxeError } from '../errors.js';
import type { TreeKind } from '../iso9660/image.js';

const TREES = ['rockridge', 'joliet', 'iso9660'] as const;

export function parseTreeOption(value: string | undefined): TreeKind | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if ((TREES as readonly string[]).includes(value)) return value as TreeKind;
  throw new PxeError('USAGE', `--tree: unknown tree "${value}" (expected ${TREES.join(', ')})`);
}
