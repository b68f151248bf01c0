// What each function's bundle holds beyond its SDK floor (bench/floors.ts), from esbuild's metafile: both built
// with serverless.yml's esbuild settings, each input's bytes in the minified output summed per package (per file
// for our own code; @aws-sdk/core and @smithy/* per submodule), and the difference listed, largest first. The
// first-invocation benchmark says how far a function is from its floor; this says what makes up the difference.
//   node --import tsx bench/bundle-contents.ts [functionKey] [min bytes, default 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { esbuildOptionsOf, readServerlessConfig, SERVICE_DIR } from './bundles.js';
import { GOAL_RATIO } from './first-invocation.js';
import { floorSource, sdkClientsOf } from './floors.js';

/** A package (its name, plus the submodule for the SDK's shared core), or our own file. */
const groupOf = (input: string): string => {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.replace(/^.*?(handlers\/)/, '$1');
  const inside = input.slice(at + 'node_modules/'.length);
  const name = /^((?:@[^/]+\/)?[^/]+)\//.exec(inside)?.[1] ?? inside;
  // A copy of a package nested inside another (a second version of it) is a duplicate worth seeing.
  const nested = input.indexOf('node_modules/') < at ? ` (copy nested in ${groupOf(input.slice(0, at))})` : '';
  if (name === '@aws-sdk/core' || name.startsWith('@smithy/')) {
    const sub = /^(?:@[^/]+\/)?[^/]+\/dist-es\/(?:submodules\/)?([^/.]+)/.exec(inside)?.[1];
    return `${name}${sub ? `/${sub}` : ''}${nested}`;
  }
  return `${name}${nested}`;
};

const bytesByGroup = async (
  options: BuildOptions,
  outdir: string,
): Promise<{ bytes: number; groups: Map<string, number> }> => {
  const result = await build({ ...options, write: false, metafile: true, logLevel: 'silent', outdir });
  const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  if (!output) throw new Error('esbuild wrote no entry point');
  const groups = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const group = groupOf(input);
    groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
  }
  return { bytes: output.bytes, groups };
};

const main = async (): Promise<void> => {
  const [only, minimum = '1000'] = process.argv.slice(2);
  const config = readServerlessConfig();
  const options = esbuildOptionsOf(config);
  const outdir = mkdtempSync(path.join(tmpdir(), 'bench-bundle-contents-'));
  try {
    for (const [functionKey, fn] of Object.entries(config.functions ?? {})) {
      if (only && functionKey !== only) continue;
      if (!fn.handler) throw new Error(`serverless.yml: function ${functionKey} has no handler`);
      const entry = path.join(SERVICE_DIR, `${fn.handler.replace(/\.[^.]+$/, '')}.ts`);
      const own = await bytesByGroup({ ...options, entryPoints: [entry] }, outdir);
      const { packages } = await sdkClientsOf(fn.handler, options);
      const floor = await bytesByGroup(
        {
          ...options,
          stdin: { contents: floorSource(packages), resolveDir: SERVICE_DIR, sourcefile: 'floor.ts', loader: 'ts' },
        },
        outdir,
      );
      const allowed = Math.floor(floor.bytes * GOAL_RATIO);
      process.stdout.write(
        `${functionKey}: ${own.bytes} bytes, floor ${floor.bytes} (${(own.bytes / floor.bytes).toFixed(3)}×), ${own.bytes > allowed ? `${own.bytes - allowed} over` : `${allowed - own.bytes} under`} the ${GOAL_RATIO}× goal\n`,
      );
      const rows = [...new Set([...own.groups.keys(), ...floor.groups.keys()])]
        .map((group) => ({
          group,
          own: own.groups.get(group) ?? 0,
          extra: (own.groups.get(group) ?? 0) - (floor.groups.get(group) ?? 0),
        }))
        .filter((row) => Math.abs(row.extra) >= Number(minimum))
        .sort((a, b) => b.extra - a.extra);
      for (const row of rows) {
        process.stdout.write(`  ${String(row.extra).padStart(8)} beyond the floor (${row.own} in all)  ${row.group}\n`);
      }
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
