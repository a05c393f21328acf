import { PxeError } from '../errors.js';
import { DISC_TREES, type DiscTree } from '../udf/tree-kinds.js';

export function parseTreeOption(value: string | undefined): DiscTree | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if ((DISC_TREES as readonly string[]).includes(value)) return value as DiscTree;
  throw new PxeError('USAGE', `--tree: unknown tree "${value}" (expected ${DISC_TREES.join(', ')})`);
}
