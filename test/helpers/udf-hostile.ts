/**
 * Hostile UDF images, one per class the reader must refuse (issue 12), built in memory
 * with test/helpers/udf-builder.ts; each with the refusal its one line must hold.
 * test/udf/tree.test.ts reads them in-process, test/udf/hostile.slow.test.ts through the CLI.
 */
import { encodeTag, TagId } from '../../src/udf/tag.js';
import { BLOCK, directory, fileEntry, udfImage } from './udf-builder.js';

export interface HostileUdf {
  readonly name: string;
  readonly image: () => Uint8Array;
  readonly message: RegExp;
}

const oneFile = (entry: Uint8Array, more: [number, Uint8Array][] = []) => udfImage(new Map([[1, directory(1, [{ name: 'x', block: 2 }])], [2, entry], ...more]));

function selfIndirect(): Uint8Array {
  const ie = new Uint8Array(BLOCK);
  const v = new DataView(ie.buffer);
  v.setUint32(36, BLOCK, true);
  v.setUint32(40, 2, true);
  encodeTag(ie.subarray(0, 52), TagId.indirectEntry, 2);
  return ie;
}

function selfContinuing(): Uint8Array {
  const aed = new Uint8Array(BLOCK);
  const v = new DataView(aed.buffer);
  v.setUint32(20, 16, true);
  v.setUint32(24, 2048, true);
  v.setUint32(28, 10, true);
  v.setUint32(32, ((3 << 30) | 2048) >>> 0, true);
  v.setUint32(36, 20, true);
  encodeTag(aed.subarray(0, 40), TagId.allocationExtent, 20);
  return aed;
}

function badCrc(): Uint8Array {
  const e = fileEntry(2, { fileType: 5, informationLength: 1, embedded: Buffer.from('a') });
  e[176] = 0x62;
  return e;
}

function sharedDirectoryData(): Uint8Array {
  const parentOnly = Buffer.concat([directory(10, []).subarray(176, 216), new Uint8Array(BLOCK - 40)]);
  return udfImage(
    new Map<number, Uint8Array>([
      [1, directory(1, [{ name: 'a', block: 2, directory: true }, { name: 'b', block: 3, directory: true }])],
      [2, fileEntry(2, { fileType: 4, informationLength: 40, shortAds: [[2048, 10]] })],
      [3, fileEntry(3, { fileType: 4, informationLength: 40, shortAds: [[2048, 10]] })],
      [10, parentOnly],
    ]),
  );
}

export const HOSTILE_UDF: readonly HostileUdf[] = [
  { name: 'a directory that contains itself', image: () => udfImage(new Map([[1, directory(1, [{ name: 'self', block: 1, directory: true }])]])), message: /UDF directory \/self \(block 1\) is reached twice: the directory structure loops/ },
  { name: 'two directories sharing their data', image: sharedDirectoryData, message: /UDF directory \/b shares its data \(image block \d+\) with a directory already read/ },
  { name: 'an indirect entry pointing to itself (an ICB loop)', image: () => oneFile(selfIndirect()), message: /file entry of \/x: more than 64 indirect entries: the ICB chain loops/ },
  {
    name: 'allocation extent descriptors that continue into themselves',
    image: () => oneFile(fileEntry(2, { fileType: 5, informationLength: 1 << 20, shortAds: [[((3 << 30) | 2048) >>> 0, 20]] }), [[20, selfContinuing()]]),
    message: /file entry of \/x: allocation extent descriptors at block 20 loop/,
  },
  { name: 'an extent beyond the partition', image: () => oneFile(fileEntry(2, { fileType: 5, informationLength: 4096, shortAds: [[4096, 79]] })), message: /file entry of \/x: blocks 79\.\.80 lie beyond the end of partition 0 \(80 blocks\)/ },
  {
    name: 'a file longer than its extents',
    image: () => oneFile(fileEntry(2, { fileType: 5, informationLength: 9000, shortAds: [[2048, 10]] })),
    message: /file entry of \/x is 9000 bytes long, but its allocation descriptors cover only 2048/,
  },
  { name: 'a file entry with a bad CRC', image: () => oneFile(badCrc()), message: /file entry of \/x at block 2: bad descriptor CRC/ },
  {
    name: 'a file entry recorded at another block than its tag says',
    image: () => oneFile(fileEntry(2, { fileType: 5, informationLength: 1, embedded: Buffer.from('a'), tagLocation: 7 })),
    message: /recorded at block 7, but it was read from block 2/,
  },
];
