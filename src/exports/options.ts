/**
 * Export option keywords, checked the way nfs-utils' parseopts() checks them
 * (support/nfs/exports.c), so a typo is reported before `exportfs -ra` refuses
 * the whole file.
 *
 * The list is the union over nfs-utils 2.x; an older exportfs may still reject
 * a newer keyword such as `xprtsec=`.
 */

const FLAG_OPTIONS: ReadonlySet<string> = new Set([
  'ro', 'rw',
  'secure', 'insecure',
  'sync', 'async',
  'wdelay', 'no_wdelay',
  'hide', 'nohide',
  'crossmnt', 'nocrossmnt',
  'root_squash', 'no_root_squash',
  'all_squash', 'no_all_squash',
  'subtree_check', 'no_subtree_check',
  'secure_locks', 'insecure_locks', 'auth_nlm', 'no_auth_nlm',
  'acl', 'no_acl',
  'pnfs', 'no_pnfs',
  'nordirplus', 'security_label',
  'mountpoint', 'mp',
]);

const SEC_FLAVORS: ReadonlySet<string> = new Set(['krb5', 'krb5i', 'krb5p', 'unix', 'sys', 'null', 'none']);
const XPRTSEC_MODES: ReadonlySet<string> = new Set(['none', 'tls', 'mtls']);
const REEXPORT_MODES: ReadonlySet<string> = new Set(['auto-fsidnum', 'predefined-fsidnum', 'none']);

/** strtoul(…, 0) accepts decimal, 0x hex and leading-0 octal; exportfs needs all of it consumed. */
const FSID_NUMBER = /^(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
/** strtol(…, 10) with nothing left over. */
const DECIMAL_ID = /^[+-]?[0-9]+$/;
const ID_RANGE = /^[0-9]+(?:-[0-9]+)?$/;

/** exportfs takes any string with exactly 32 hex digits as a UUID, whatever the separators. */
function isFsidUuid(v: string): boolean {
  let hex = 0;
  for (const ch of v) if (/[0-9a-fA-F]/.test(ch)) hex++;
  return hex === 32;
}

/**
 * Checks one option keyword. Returns a description of what is wrong, or
 * undefined when exportfs would accept it.
 */
export function checkExportOption(opt: string): string | undefined {
  if (opt === '') return 'empty option';
  if (FLAG_OPTIONS.has(opt)) return undefined;
  const eq = opt.indexOf('=');
  if (eq < 0) return `unknown option "${opt}"`;
  const key = opt.slice(0, eq);
  const value = opt.slice(eq + 1);
  switch (key) {
    case 'anonuid':
    case 'anongid':
      return DECIMAL_ID.test(value) ? undefined : `bad ${key} "${opt}" (expected a decimal number)`;
    case 'squash_uids':
    case 'squash_gids':
      return ID_RANGE.test(value) ? undefined : `bad ${key} "${opt}" (expected N or N-M)`;
    case 'fsid':
      if (value === 'root' || FSID_NUMBER.test(value) || isFsidUuid(value)) return undefined;
      return `bad fsid "${opt}" (expected "root", a number or a 32-hex-digit UUID)`;
    case 'mountpoint':
    case 'mp':
    case 'refer':
    case 'replicas':
      return undefined;
    case 'sec':
      return checkList(opt, value, SEC_FLAVORS, 'security flavor');
    case 'xprtsec':
      return checkList(opt, value, XPRTSEC_MODES, 'xprtsec mode');
    case 'reexport':
      return REEXPORT_MODES.has(value) ? undefined : `unknown reexport mode "${value}" in "${opt}"`;
    default:
      return `unknown option "${opt}"`;
  }
}

function checkList(opt: string, value: string, allowed: ReadonlySet<string>, what: string): string | undefined {
  for (const item of value.split(':')) {
    if (!allowed.has(item)) return `unknown ${what} "${item}" in "${opt}"`;
  }
  return undefined;
}
