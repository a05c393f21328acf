import { formatWarning, type Warning } from '../errors.js';

/** Collects warnings while a renderer owns the terminal, then prints them in one block. */
export class WarningLog {
  readonly warnings: Warning[] = [];
  readonly handler = (w: Warning): void => {
    this.warnings.push(w);
  };

  print(image: string, stream: NodeJS.WriteStream = process.stderr): void {
    for (const w of this.warnings) stream.write(`pxe-import: warning: ${image}: ${formatWarning(w)}\n`);
  }
}
