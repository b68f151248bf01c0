// How executions persist: one append-only journal per execution (a JsonLines file from local/aws/persistence.ts,
// under `<dataDir>/stepfunctions/executions/`). Its first line says what the execution is; then come its history
// events, checkpoints (the state it entered, with that state's input) and, once it ends, one `closed` line. A
// transition appends a line to its own execution's file and never rewrites another's. Reading every journal back
// gives the closed executions (queryable as before) and the running ones (to resume where their last checkpoint
// says). The format before this one, a single `stepfunctions/executions.json` of closed executions rewritten
// whole each time one closed, is read once and turned into journals.
import fs from 'node:fs';
import path from 'node:path';
import { fileNameFor, JsonLines, PersistenceError } from '../persistence.js';
import type { Checkpoint, ExecutionFacts, HistoryEvent } from './model.js';

const JOURNAL_VERSION = 1;
const JOURNAL_SUFFIX = '.jsonl';

interface StartedLine {
  type: 'started';
  version: number;
  seq: number;
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  startDate: number;
}

type ClosedFields = Pick<ExecutionFacts, 'status' | 'stopDate' | 'output' | 'error' | 'cause'>;

type JournalLine =
  | StartedLine
  | { type: 'event'; event: HistoryEvent }
  | { type: 'checkpoint'; checkpoint: Checkpoint }
  | ({ type: 'closed' } & ClosedFields);

/** An execution read back from its journal. */
export interface SavedExecution extends ExecutionFacts {
  stateMachineArn: string;
  checkpoint?: Checkpoint;
}

export const journalsDir = (dataDir: string): string => path.join(dataDir, 'stepfunctions', 'executions');

/** The journal of one execution. */
export class ExecutionJournal {
  private readonly lines: JsonLines<JournalLine>;

  public constructor(file: string) {
    this.lines = new JsonLines(file);
  }

  public static of(dir: string, executionArn: string): ExecutionJournal {
    return new ExecutionJournal(path.join(dir, `${fileNameFor(executionArn)}${JOURNAL_SUFFIX}`));
  }

  public started(facts: Omit<StartedLine, 'type' | 'version'>): void {
    this.lines.append({ type: 'started', version: JOURNAL_VERSION, ...facts });
  }

  public event(event: HistoryEvent): void {
    this.lines.append({ type: 'event', event });
  }

  public checkpoint(checkpoint: Checkpoint): void {
    this.lines.append({ type: 'checkpoint', checkpoint });
  }

  public closed(facts: ClosedFields): void {
    this.lines.append({
      type: 'closed',
      status: facts.status,
      ...(facts.stopDate !== undefined && { stopDate: facts.stopDate }),
      ...(facts.output !== undefined && { output: facts.output }),
      ...(facts.error !== undefined && { error: facts.error }),
      ...(facts.cause !== undefined && { cause: facts.cause }),
    });
  }

  /** The execution this journal describes; undefined for an empty file (the process died as it was created). */
  public read(): SavedExecution | undefined {
    const [first, ...rest] = this.lines.read();
    if (first === undefined) return undefined;
    if (first.type !== 'started' || first.version !== JOURNAL_VERSION) {
      throw new PersistenceError(this.lines.file, `not an execution journal of format version ${JOURNAL_VERSION}`);
    }
    const { type: _type, version: _version, ...facts } = first;
    const saved: SavedExecution = { ...facts, status: 'RUNNING', events: [] };
    for (const line of rest) {
      if (line.type === 'event') saved.events.push(line.event);
      else if (line.type === 'checkpoint') saved.checkpoint = line.checkpoint;
      else if (line.type === 'closed') {
        const { type: _closed, ...closed } = line;
        Object.assign(saved, closed);
        delete saved.checkpoint;
      }
    }
    if (saved.status === 'RUNNING') closeFromLastEvent(saved);
    return saved;
  }
}

const TERMINAL_STATUS: ReadonlyMap<string, ExecutionFacts['status']> = new Map([
  ['ExecutionSucceeded', 'SUCCEEDED'],
  ['ExecutionFailed', 'FAILED'],
  ['ExecutionAborted', 'ABORTED'],
  ['ExecutionTimedOut', 'TIMED_OUT'],
]);

/**
 * A journal whose last event ends the execution but that has no `closed` line (the process died between the two
 * appends) describes a closed execution: take its end from that event, so it is not resumed and ends only once.
 */
const closeFromLastEvent = (saved: SavedExecution): void => {
  const last = saved.events[saved.events.length - 1];
  const status = last ? TERMINAL_STATUS.get(last.type) : undefined;
  if (!last || !status) return;
  const details = last.details ?? {};
  const text = (key: string): string | undefined => {
    const value = details[key];
    return typeof value === 'string' ? value : undefined;
  };
  saved.status = status;
  saved.stopDate = last.timestamp;
  const output = text('output');
  const error = text('error');
  const cause = text('cause');
  if (status === 'SUCCEEDED' && output !== undefined) saved.output = output;
  if (error !== undefined) saved.error = error;
  // A timeout's event carries a cause the execution itself does not report (see run.ts).
  if (cause !== undefined && status !== 'TIMED_OUT') saved.cause = cause;
  delete saved.checkpoint;
};

/** Every execution saved under `dir`, in the order they started. */
export const readJournals = (dir: string): SavedExecution[] => {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((file) => file.endsWith(JOURNAL_SUFFIX));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return files
    .map((file) => new ExecutionJournal(path.join(dir, file)).read())
    .filter((saved): saved is SavedExecution => saved !== undefined)
    .sort((a, b) => a.seq - b.seq);
};

interface LegacyExecution extends Omit<SavedExecution, 'checkpoint'> {}

/**
 * Turns the previous format (`<dataDir>/stepfunctions/executions.json`: version 1, the closed executions with
 * their events) into one journal per execution, then removes it. Running executions were never in that file.
 */
export const migrateLegacyExecutions = (dataDir: string): void => {
  const file = path.join(dataDir, 'stepfunctions', 'executions.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let executions: LegacyExecution[];
  try {
    const saved = JSON.parse(text) as { version?: unknown; executions?: unknown };
    if (saved.version !== 1 || !Array.isArray(saved.executions)) throw new Error('unknown format');
    executions = saved.executions as LegacyExecution[];
  } catch (error) {
    throw new PersistenceError(file, error instanceof Error ? error.message : String(error));
  }
  const dir = journalsDir(dataDir);
  for (const execution of executions) {
    const journal = ExecutionJournal.of(dir, execution.executionArn);
    if (journal.read() !== undefined) continue;
    journal.started({
      seq: execution.seq,
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      input: execution.input,
      startDate: execution.startDate,
    });
    for (const event of execution.events) journal.event(event);
    journal.closed(execution);
  }
  fs.rmSync(file, { force: true });
};
