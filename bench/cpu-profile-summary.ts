// Where a first invocation's CPU time goes: the CPU profiles `BENCH_CPU_PROF=<dir> node --import tsx
// bench/first-invocation.ts` writes (one folder per function and floor, each child's V8 profile and its bundle's
// source map), summed per original package or source file (the bundle's frames mapped through its source map) and
// per Node internal function, the median over that folder's profiles.
//   node --import tsx bench/cpu-profile-summary.ts <dir>/<function> [rows]
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `@smithy/core`, `zod`, or our own `handlers/lib/outcome.ts`. */
const ownerOf = (source: string | undefined): string => {
  if (!source) return '(bundle, unmapped)';
  const at = source.lastIndexOf('node_modules/');
  if (at < 0) return source.replace(/^.*?(handlers\/|bench\/)/, '$1');
  const [scope = '', name = ''] = source.slice(at + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
};

/** The original file of a generated position (findEntry answers {} where the map has no entry). */
const sourceOf = (map: SourceMap, line: number, column: number): string | undefined => {
  const entry = map.findEntry(line, column);
  return 'originalSource' in entry ? entry.originalSource : undefined;
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const summarise = (dir: string): Array<[string, number]> => {
  const map = new SourceMap(JSON.parse(readFileSync(path.join(dir, 'bundle.map'), 'utf8')));
  const perProfile = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => {
      const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
      const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
      const totals = new Map<string, number>();
      profile.samples.forEach((id, index) => {
        const frame = frames.get(id);
        if (!frame) return;
        const key = frame.url.endsWith('.mjs')
          ? ownerOf(sourceOf(map, frame.lineNumber, frame.columnNumber))
          : frame.url
            ? `${frame.url} ${frame.functionName}`
            : `(${frame.functionName})`;
        totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
      });
      return totals;
    });
  if (perProfile.length === 0)
    throw new Error(`No .cpuprofile in ${dir}: run bench/first-invocation.ts with BENCH_CPU_PROF`);
  const keys = new Set(perProfile.flatMap((totals) => [...totals.keys()]));
  return [...keys]
    .map((key): [string, number] => [key, median(perProfile.map((totals) => totals.get(key) ?? 0))])
    .sort((a, b) => b[1] - a[1]);
};

if (require.main === module) {
  const [dir, rows = '25'] = process.argv.slice(2);
  if (!dir) throw new Error('Usage: node --import tsx bench/cpu-profile-summary.ts <profile folder> [rows]');
  for (const [key, ms] of summarise(dir).slice(0, Number(rows))) {
    process.stdout.write(`${ms.toFixed(1).padStart(7)} ms  ${key}\n`);
  }
}
