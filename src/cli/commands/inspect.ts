import type { Command } from 'commander';
import type { DiscDescription } from '../../udf/describe.js';
import type { DiscTree } from '../../udf/disc.js';
import { formatBytes, isoInRam } from '../format.js';
import { WarningLog } from '../warnings.js';
import { PxeError, formatWarning } from '../../errors.js';
import type { Analysis } from '../../profiles/index.js';
import { loadProfiles } from '../../profiles/load.js';
import { parseTreeOption } from '../options.js';
import { Layout, nameFromImage } from '../../import/layout.js';
import { readRootState } from '../../import/read.js';
import { httpBaseWarnings, serveContext } from '../../import/serve.js';
import { checkHttpBase, resolveServer } from '../../import/settings.js';
import { rootRequest } from '../root-options.js';

interface InspectFlags {
  json?: boolean;
  tree?: string;
  profile?: string;
  profiles?: string[];
  server?: string;
  as?: string;
  root?: string;
  config?: string;
  httpBase?: string;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Show what an ISO image holds: volume ids, trees, El Torito boot entries, counts')
    .argument('<image>', 'ISO image file')
    .option('--json', 'print machine-readable JSON')
    .option('--tree <kind>', 'read this tree: udf, rockridge, joliet or iso9660 (default: best available; UDF where the ISO9660 tree is a stub)')
    .option('--profile <id>', 'use this profile instead of detecting one')
    .option('--profiles <dir>', 'also load profiles from DIR (same id overrides a built-in one); repeatable', collect, [])
    .option('--as <name>', 'the name the image would be imported as (default: from the file name)')
    .option('--server <addr>', "NFS/HTTP server address for the previewed command lines (default: as an import would use)")
    .option('--root <dir>', 'PXE root the tree would be served from (default: $PXE_ROOT, the config file, else /srv/pxe); if it holds this image as NAME, the preview uses that version')
    .option('--config <file>', 'settings file (default: /etc/pxe-import/config.json when present)')
    .option('--http-base <url>', 'URL of the PXE root over HTTP (default: as an import would use, else http://SERVER/)')
    .action(async (imagePath: string, flags: InspectFlags) => {
      // Loaded on use, not at the top (see main.ts).
      const [{ describeDisc }, { openImage }, { analyzeImage }] = await Promise.all([
        import('../../udf/describe.js'),
        import('../../udf/disc.js'),
        import('../../profiles/index.js'),
      ]);
      const warnings = new WarningLog();
      const tree: DiscTree | 'auto' = parseTreeOption(flags.tree);
      // Root, server and HTTP base come from the same resolution as an import's (settings.ts).
      const { config, request } = await rootRequest(flags, {});
      const state = await readRootState(request.root);
      const server = resolveServer(flags.server, config, state.settings, {
        ...request.network,
        // A preview on a host without a network still shows the command lines' shape.
        primaryIpv4: () => request.network.primaryIpv4() ?? '127.0.0.1',
      });
      const given = flags.httpBase ?? config.httpBase;
      const httpBase = given !== undefined ? checkHttpBase(given, flags.httpBase !== undefined ? '--http-base' : 'httpBase in the config file') : state.settings?.httpBase;
      const profiles = await loadProfiles([...(config.profiles ?? []), ...(flags.profiles ?? [])]);
      const image = await openImage(imagePath, { tree, onWarning: warnings.handler });
      try {
        const description = describeDisc(image);
        const name = flags.as ?? nameFromImage(imagePath);
        const layout = new Layout(request.root);
        const record = state.imports[name];
        // When the root holds NAME imported from this very image, the preview names its version
        // directory and matches the menus exactly; otherwise the version is yet to be made.
        const version = record !== undefined && record.source.fingerprint === image.fingerprint ? record.version : undefined;
        const context = serveContext(layout, name, server, httpBase, version);
        const serve = { ...context, pathKind: version === undefined ? ('link' as const) : ('version' as const), ...(version === undefined ? {} : { version }) };
        let analysis: Analysis | undefined;
        let noMatch: string | undefined;
        try {
          analysis = await analyzeImage(image, { profiles, profileId: flags.profile, serve });
          // The same note an import of it would give.
          const derived = httpBaseWarnings(name, analysis.plan.entries, server, httpBase);
          if (derived.length > 0) analysis = { ...analysis, plan: { ...analysis.plan, warnings: [...analysis.plan.warnings, ...derived] } };
        } catch (e) {
          if (!(e instanceof PxeError && e.code === 'PROFILE_NO_MATCH')) throw e;
          noMatch = e.message;
        }
        if (flags.json) {
          const profile = analysis ? profileJson(analysis) : null;
          process.stdout.write(`${JSON.stringify({ ...description, serve, profile, noMatch, warnings: warnings.warnings }, null, 2)}\n`);
        } else {
          process.stdout.write(renderDescription(description));
          if (analysis) {
            const kind = serve.pathKind === 'version' ? `the version ${serve.version} already imported` : `the ${name} link; not imported from this image yet`;
            process.stdout.write(`${'Served from:'.padEnd(13)} ${serve.exportPath} (${kind})\n`);
          }
          process.stdout.write(analysis ? renderAnalysis(analysis) : `${'Profile:'.padEnd(13)} none\n${noMatch}\n`);
          // kiwi-live: the initrd fetches the ISO, kept beside the tree, into a RAM disk.
          if (analysis?.match.profile.boot.keepIso && analysis.plan.entries.some((e) => e.http !== undefined)) {
            process.stdout.write(`${'RAM:'.padEnd(13)} the HTTP entries fetch ${isoInRam(description.imageBytes)}\n`);
          }
          warnings.print(imagePath);
        }
      } finally {
        await image.source.close();
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function profileJson({ match, plan }: Analysis) {
  return {
    id: match.profile.id,
    family: match.profile.family,
    name: match.profile.name,
    file: match.profile.file,
    release: match.release,
    reasons: match.reasons,
    configFiles: plan.configFiles,
    assumptions: plan.assumptions,
    entries: plan.entries,
    unsupported: match.profile.cmdline.unsupported,
    serverNeeds: plan.serverNeeds,
    warnings: plan.warnings,
  };
}

export function renderAnalysis({ match, plan }: Analysis): string {
  const out = [`${'Profile:'.padEnd(13)} ${match.profile.id} (${match.profile.name})${match.release ? `: ${match.release}` : ''}`];
  out.push(`${'Family:'.padEnd(13)} ${match.profile.family}`);
  out.push(`${'Because:'.padEnd(13)} ${match.reasons.join('; ')}`);
  if (plan.configFiles.length) out.push(`${'Boot config:'.padEnd(13)} ${plan.configFiles.join(', ')}`);
  for (const a of plan.assumptions) out.push(`${'Assumed:'.padEnd(13)} ${a.file}:${a.line}: ${a.message}`);
  out.push(`${'Entries:'.padEnd(13)} ${plan.entries.length}`);
  for (const e of plan.entries) {
    out.push(`  ${e.isDefault ? '*' : '-'} ${e.label} [${e.id}]`);
    out.push(`      kernel ${e.kernel}`);
    if (e.initrds.length) out.push(`      initrd ${e.initrds.join(' ')}`);
    out.push(`      nfs    ${e.nfs ?? notSupported(match.profile.cmdline.unsupported.nfs)}`);
    out.push(`      http   ${e.http ?? notSupported(match.profile.cmdline.unsupported.http)}`);
  }
  for (const need of plan.serverNeeds) out.push(`${'Server needs:'.padEnd(13)} ${need}`);
  for (const w of plan.warnings) out.push(`${'Note:'.padEnd(13)} ${formatWarning(w)}`);
  return `${out.join('\n')}\n`;
}

function notSupported(reason: string | undefined): string {
  return reason === undefined ? '(not supported by this family)' : `(not supported by this family: ${reason})`;
}

const TREE_NAMES: Record<DiscTree, string> = { rockridge: 'Rock Ridge', joliet: 'Joliet', iso9660: 'ISO9660', udf: 'UDF' };

export function renderDescription(d: DiscDescription): string {
  const rr = d.trees.extensions.length > 0 ? `Rock Ridge (${d.trees.extensions.join(', ')})` : 'Rock Ridge';
  const udf = d.udf ? `UDF${d.udf.revision ? ` ${d.udf.revision}` : ` (${d.udf.standard})`}` : undefined;
  const trees = [udf, d.trees.rockRidge ? rr : undefined, d.trees.joliet ? `Joliet (level ${d.trees.joliet})` : undefined, d.trees.iso9660 ? 'ISO9660' : undefined]
    .filter(Boolean)
    .join(', ');
  const lines: [string, string][] = [
    ['Image', `${d.image} (${formatBytes(d.imageBytes)})`],
    ['Volume ID', d.volumeId || '-'],
    ['System ID', d.systemId || '-'],
    ['Publisher', d.publisherId || '-'],
    ['Preparer', d.preparerId || '-'],
    ['Application', d.applicationId || '-'],
    ['Created', d.created ?? '-'],
    ['Trees', `${trees}; reading ${TREE_NAMES[d.tree]}`],
  ];
  if (d.treeNote) lines.push(['Tree choice', d.treeNote]);
  if (d.udf) {
    const u = d.udf;
    lines.push(['UDF volume', `${u.volumeId || '-'} (set ${u.volumeSetId || '-'}); logical volume ${u.logicalVolumeId || '-'}; file set ${u.fileSetId || '-'}`]);
    lines.push(['UDF', `revision ${u.revision ?? 'not declared'} (${u.standard}), ${u.blockSize}-byte blocks, made by ${u.implementationId || '-'}${u.applicationId ? ` (${u.applicationId})` : ''}${u.recorded ? `, recorded ${u.recorded}` : ''}`]);
    const maps = u.partitionMaps.map((m, i) => `${i}: ${m.type} on partition ${m.partition}${m.type === 'metadata' ? ` (metadata file at block ${m.metadataFile}, mirror at ${m.mirrorFile})` : ''}`);
    lines.push(['Partitions', `${u.partitions.map((p) => `${p.number}: sectors ${p.start}..${p.start + p.length - 1}`).join(', ')}; maps ${maps.join(', ')}`]);
  }
  const out = lines.map(([k, v]) => `${`${k}:`.padEnd(13)} ${v}`);
  if (!d.elTorito) out.push(`${'El Torito:'.padEnd(13)} none`);
  else {
    out.push(`${'El Torito:'.padEnd(13)} ${d.elTorito.length} boot entr${d.elTorito.length === 1 ? 'y' : 'ies'}`);
    d.elTorito.forEach((e, i) => {
      const load = e.emulation === 'none' ? `loads ${e.sectorCount} x 512 bytes` : `${formatBytes(e.imageBytes ?? 0)} image`;
      out.push(`  ${i + 1}. ${e.platform.toUpperCase()}, ${e.emulation === 'none' ? 'no emulation' : `${e.emulation} emulation`}, ${e.bootable ? 'bootable' : 'not bootable'}, block ${e.imageLba}, ${load}${e.file ? `: ${e.file}` : ''}`);
    });
  }
  const c = d.counts;
  out.push(
    `${'Contents:'.padEnd(13)} ${c.files} files, ${c.directories} directories, ${c.symlinks} symlinks${c.hardLinks ? `, ${c.hardLinks} hard links` : ''}${c.specialFiles ? `, ${c.specialFiles} device/special files` : ''}; ${formatBytes(c.bytes)} of data`,
  );
  return `${out.join('\n')}\n`;
}
