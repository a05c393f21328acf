/**
 * Imported first by main.ts, for its side effect: the stop-signal handlers are installed before
 * the rest of the CLI (commander, listr2, every command) is even evaluated, which shortens the
 * moment after start in which a signal still ends the process the default way. That moment is
 * harmless: nothing has been read or written yet.
 */
import { installSignalHandlers } from './signals.js';

installSignalHandlers();
