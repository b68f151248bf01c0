// The EventBridge event Step Functions sends on the default bus when a Standard execution changes status
// (Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge", example
// "Execution Status Change"): RUNNING at start, then SUCCEEDED, FAILED, TIMED_OUT or ABORTED. Input and output
// ride along up to 248 KiB each; past that they are null and `included` is false.
import { randomUUID } from 'node:crypto';
import type { ExecutionRecord } from './model.js';

export const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

/** The largest input or output an event carries (the guide: "Input and output are included up to 248 KiB"). */
const MAX_INCLUDED_BYTES = 248 * 1024;

export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

const included = (text: string | undefined): { value: string | null; details: { included: boolean } | null } => {
  if (text === undefined) return { value: null, details: null };
  const fits = Buffer.byteLength(text) <= MAX_INCLUDED_BYTES;
  return { value: fits ? text : null, details: { included: fits } };
};

/** EventBridge writes `time` to the second, in UTC. */
const eventTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const statusChangeEvent = (execution: ExecutionRecord): EventBridgeEvent => {
  const input = included(execution.input);
  const output = included(execution.output);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': STATUS_CHANGE_DETAIL_TYPE,
    source: 'aws.states',
    account: execution.machine.accountId,
    time: eventTime(execution.stopDate ?? execution.startDate),
    region: execution.machine.region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate ?? null,
      input: input.value,
      output: output.value,
      inputDetails: input.details,
      outputDetails: output.details,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
      redriveCount: 0,
      redriveStatus: execution.status === 'RUNNING' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
    },
  };
};
