// Goals, and a benchmark in a Node process of its own: a local stack it starts imports the handlers in process with the stack's
// environment, and handlers imported earlier by another benchmark would keep their SDK clients. The child writes its
// goals to BENCH_GOALS_FILE (see writeGoalsOrPrint); the parent reads them back.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One line of the goals `npm run bench` ends with. */
export interface Goal {
  name: string;
  figure: number;
  target: number;
  ok: boolean;
  /** The figure's unit (`s`, `ms`; `''` for a count); without one, the figure is a ratio (`×`). */
  unit?: string;
}

export const formatGoal = (goal: Goal): string => {
  const unit = goal.unit === undefined ? '×' : goal.unit ? ` ${goal.unit}` : '';
  return `goal ${goal.name}: ${goal.figure.toFixed(2)}${unit} (target ≤ ${goal.target.toFixed(2)}${unit}) ${goal.ok ? 'ok' : 'FAIL'}`;
};

/** Runs `file` (a bench module) with tsx in a child process and returns the goals it wrote. */
export const runInOwnProcess = async (file: string, what: string): Promise<Goal[]> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-goals-'));
  const goalsFile = path.join(dir, 'goals.json');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', file], {
        env: { ...process.env, BENCH_GOALS_FILE: goalsFile },
        stdio: 'inherit',
      });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`The ${what} benchmark failed (exit ${code})`);
    return JSON.parse(readFileSync(goalsFile, 'utf8')) as Goal[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** In the child: hands the goals to the parent, or prints them when the module was run on its own. */
export const writeGoalsOrPrint = (goals: Goal[]): void => {
  const file = process.env.BENCH_GOALS_FILE;
  if (file) writeFileSync(file, JSON.stringify(goals));
  else process.stdout.write(`${goals.map(formatGoal).join('\n')}\n`);
};
