/** exports(5): lossless parse, canonical render, pure edits, validation, and the lines one PXE root owns. */
export type {
  BlankLine,
  CommentLine,
  ExportClient,
  ExportEntry,
  ExportLineSpec,
  ExportsFile,
  ExportsLine,
  ExportsProblem,
  LineEnding,
  ProblemSeverity,
} from './model.js';
export { formatProblem } from './model.js';
export { parseExports, parseExportsBytes, MAX_PATH_BYTES, MAX_CLIENT_BYTES } from './parse.js';
export { renderExports, encodeExports, renderExportLine, encodeExportPath } from './render.js';
export { upsertExport, removeExport, findCoveringExports } from './edit.js';
export type { ExportsEditAction, ExportsEditResult } from './edit.js';
export { validateExports, assertValidExports } from './validate.js';
export { checkExportOption } from './options.js';
export { normalizeExportPath, isSameOrAncestorPath } from './paths.js';
export { EXPORT_OPTIONS, OWNED_MARKER_PREFIX, ownedMarker, isOwnedExport, syncOwnedExports, checkOwnedExports } from './owned.js';
export type { ExportsOwner, WantedExport, OwnedExportsSync } from './owned.js';
