/**
 * Answer files for unattended installs (`host add --auto FILE`), checked as far as they can be
 * without the installer: readable text of a bounded size, in the shape of the format the
 * family expects. Pure: the caller reads the bytes.
 */
import { PxeError } from '../errors.js';
import type { AnswerFormat } from '../profiles/schema.js';

/** Larger than any real answer file; a bigger one is a wrong file, not an answer file. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** The file name extension the served copy gets, by format. */
export const ANSWER_EXTENSION: Record<AnswerFormat, string> = { kickstart: 'ks' };

/**
 * Kickstart commands (pykickstart's handlers for current Fedora and RHEL, deprecated ones
 * included so that older files pass); a kickstart file starts with one of them or a %section.
 */
const KICKSTART_COMMANDS = new Set(
  ('auth authconfig authselect autopart autostep bootloader btrfs cdrom clearpart cmdline device deviceprobe dmraid driverdisk ' +
    'eula fcoe firewall firstboot graphical group halt harddrive hmc ignoredisk install interactive iscsi iscsiname keyboard ' +
    'lang liveimg logging logvol mediacheck method module monitor mount multipath network nfs nvdimm ostreecontainer ostreesetup ' +
    'part partition poweroff raid realm reboot repo reqpart rescue rhsm rootpw selinux services shutdown skipx snapshot sshkey ' +
    'sshpw syspurpose text timesource timezone updates upgrade url user vnc volgroup xconfig zerombr zfcp zipl').split(' '),
);

/** Returns the file's text, or throws a one-line USAGE error naming `file` and what is wrong. */
export function checkAnswerFile(format: AnswerFormat, bytes: Uint8Array, file: string): string {
  const fail = (why: string): never => {
    throw new PxeError('USAGE', `--auto: ${file}: ${why}`, { file });
  };
  if (bytes.length === 0) fail('empty');
  if (bytes.length > MAX_ANSWER_BYTES) fail(`${bytes.length} bytes; an answer file is text of at most ${MAX_ANSWER_BYTES} bytes`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail('not UTF-8 text');
  }
  if (text.includes('\u0000')) fail('not text (it holds NUL bytes)');
  switch (format) {
    case 'kickstart':
      checkKickstart(text, fail);
      break;
  }
  return text;
}

function checkKickstart(text: string, fail: (why: string) => never): void {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first < 0) fail('only comments; a kickstart file needs commands (lang, rootpw, part, %packages …)');
  const word = lines[first]!.trim().split(/\s+/)[0]!;
  if (!word.startsWith('%') && !KICKSTART_COMMANDS.has(word)) {
    fail(`line ${first + 1}: "${word}" is not a kickstart command, so this is not a kickstart file (expected e.g. lang, rootpw, part, %packages)`);
  }
}
