import type { TreeKind } from '../iso9660/image.js';

/** The trees a disc may be read through; a module of its own so option parsing loads no reader. */
export type DiscTree = TreeKind | 'udf';
export const DISC_TREES: readonly DiscTree[] = ['udf', 'rockridge', 'joliet', 'iso9660'];
