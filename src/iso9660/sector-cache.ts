import { SECTOR_SIZE } from './bytes.js';
import { readExactly, type ImageSource } from './source.js';

/**
 * A small cache of whole sectors for scattered metadata reads (CE areas are often
 * shared by many records of one directory). Bounded, so memory stays flat.
 */
export class SectorCache {
  readonly #source: ImageSource;
  readonly #limit: number;
  readonly #sectors = new Map<number, Buffer>();

  constructor(source: ImageSource, limit = 256) {
    this.#source = source;
    this.#limit = limit;
  }

  async get(sector: number, what: string): Promise<Buffer> {
    const hit = this.#sectors.get(sector);
    if (hit) return hit;
    const data = await readExactly(this.#source, sector * SECTOR_SIZE, SECTOR_SIZE, what);
    if (this.#sectors.size >= this.#limit) {
      const oldest = this.#sectors.keys().next().value;
      if (oldest !== undefined) this.#sectors.delete(oldest);
    }
    this.#sectors.set(sector, data);
    return data;
  }
}
