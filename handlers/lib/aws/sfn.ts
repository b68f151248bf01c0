// Step Functions adapter: the only place that speaks to Step Functions.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionLimitExceeded,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { AwsThrottledError, InvalidRequestError } from '../errors.js';
import { toAwsFailure } from './failures.js';

/** What we read back from DescribeExecution. Dates are ISO strings; absent values are left out. */
export interface ExecutionDescription {
  executionArn: string;
  name: string;
  status: string;
  startedAt: string;
  stoppedAt?: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionSummary {
  executionArn: string;
  name: string;
  status: string;
  startedAt: string;
  stoppedAt?: string;
}

export interface ExecutionPage {
  executions: ExecutionSummary[];
  nextToken?: string;
}

/** The execution, or undefined when Step Functions has none with this ARN. */
export const describeExecution = async (
  client: SFNClient,
  executionArn: string,
): Promise<ExecutionDescription | undefined> => {
  try {
    const out = await client.send(new DescribeExecutionCommand({ executionArn }));
    return {
      executionArn: out.executionArn ?? executionArn,
      name: out.name ?? '',
      status: out.status ?? 'RUNNING',
      startedAt: isoOrEpoch(out.startDate),
      ...(out.stopDate && { stoppedAt: out.stopDate.toISOString() }),
      ...(out.input !== undefined && { input: out.input }),
      ...(out.output !== undefined && { output: out.output }),
      ...(out.error !== undefined && { error: out.error }),
      ...(out.cause !== undefined && { cause: out.cause }),
    };
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw toAwsFailure(error, 'DescribeExecution');
  }
};

export type StartResult = { started: true; executionArn: string } | { started: false };

/**
 * Starts an execution named `name`. `started: false` when an execution with that name already exists with a
 * different input or has already closed (ExecutionAlreadyExists). For an open execution with the same name and the
 * same input, Step Functions itself answers as if it had started it, with the existing execution's ARN.
 */
export const startExecution = async (
  client: SFNClient,
  input: { stateMachineArn: string; name: string; input: string },
): Promise<StartResult> => {
  try {
    const out = await client.send(
      new StartExecutionCommand({ stateMachineArn: input.stateMachineArn, name: input.name, input: input.input }),
    );
    return { started: true, executionArn: out.executionArn ?? '' };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { started: false };
    // The account's quota of open executions: asking again later can succeed, so treat it like throttling.
    if (error instanceof ExecutionLimitExceeded) {
      throw new AwsThrottledError(`StartExecution hit the execution limit: ${error.message}`, {
        awsErrorCode: error.name,
        ...(error.$metadata.requestId && { requestId: error.$metadata.requestId }),
      });
    }
    throw toAwsFailure(error, 'StartExecution');
  }
};

/** One page of a state machine's executions, newest first (Step Functions' own order). */
export const listExecutions = async (
  client: SFNClient,
  input: {
    stateMachineArn: string;
    statusFilter?: ExecutionStatus | undefined;
    maxResults: number;
    nextToken?: string;
  },
): Promise<ExecutionPage> => {
  try {
    const out = await client.send(
      new ListExecutionsCommand({
        stateMachineArn: input.stateMachineArn,
        maxResults: input.maxResults,
        ...(input.statusFilter && { statusFilter: input.statusFilter }),
        ...(input.nextToken && { nextToken: input.nextToken }),
      }),
    );
    return {
      executions: (out.executions ?? []).map((execution) => ({
        executionArn: execution.executionArn ?? '',
        name: execution.name ?? '',
        status: execution.status ?? 'RUNNING',
        startedAt: isoOrEpoch(execution.startDate),
        ...(execution.stopDate && { stoppedAt: execution.stopDate.toISOString() }),
      })),
      ...(out.nextToken && { nextToken: out.nextToken }),
    };
  } catch (error) {
    // A token from another query, or an expired one, is the caller's mistake: say so rather than fail.
    if (error instanceof InvalidToken) {
      throw new InvalidRequestError('Invalid query: nextToken is invalid or has expired', [
        { path: 'nextToken', message: 'nextToken is invalid or has expired; list again without it' },
      ]);
    }
    throw toAwsFailure(error, 'ListExecutions');
  }
};

/** Events read back from the end of a history before giving up on finding a state's output. */
const HISTORY_EVENTS_SCANNED = 100;

/**
 * The output of the last run of a state (its TaskStateExited event), read from the end of the execution history;
 * undefined when the state never finished. The history is where a failed execution's outcome document lives:
 * a Fail state has no output.
 */
export const findStateOutput = async (
  client: SFNClient,
  executionArn: string,
  stateName: string,
): Promise<string | undefined> => {
  try {
    let nextToken: string | undefined;
    let scanned = 0;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 25, nextToken }),
      );
      const events = page.events ?? [];
      const exited = events.find(
        (event) => event.type?.endsWith('StateExited') && event.stateExitedEventDetails?.name === stateName,
      );
      if (exited) return exited.stateExitedEventDetails?.output;
      scanned += events.length;
      nextToken = page.nextToken;
    } while (nextToken && scanned < HISTORY_EVENTS_SCANNED);
    return undefined;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw toAwsFailure(error, 'GetExecutionHistory');
  }
};

/** Step Functions' largest history page. */
const HISTORY_PAGE_SIZE = 1000;

/**
 * The whole history of an execution, oldest first, with the states' inputs and outputs: at most 25,000 events
 * (Step Functions' quota), so at most 25 pages. Undefined when there is no such execution.
 */
export const readHistory = async (client: SFNClient, executionArn: string): Promise<HistoryEvent[] | undefined> => {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: HISTORY_PAGE_SIZE,
          includeExecutionData: true,
          ...(nextToken && { nextToken }),
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw toAwsFailure(error, 'GetExecutionHistory');
  }
};

/** The last few events of an execution, newest first: where a running execution is now. */
export const latestEvents = async (client: SFNClient, executionArn: string, count: number): Promise<HistoryEvent[]> => {
  try {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: count }),
    );
    return page.events ?? [];
  } catch (error) {
    throw toAwsFailure(error, 'GetExecutionHistory');
  }
};

/**
 * Stops a running execution with an error and cause, which its history and DescribeExecution keep. Stopping one
 * that has already closed changes nothing (Step Functions answers as for an open one).
 */
export const stopExecution = async (
  client: SFNClient,
  input: { executionArn: string; error: string; cause: string },
): Promise<void> => {
  try {
    await client.send(new StopExecutionCommand(input));
  } catch (error) {
    throw toAwsFailure(error, 'StopExecution');
  }
};

// Step Functions always sends startDate; the epoch only keeps the type total.
const isoOrEpoch = (date: Date | undefined): string => (date ?? new Date(0)).toISOString();
