// Loads statemachine/export-snapshot.asl.json, the same file serverless.yml deploys, for local execution:
// `Fn::GetAtt: [functionKey, Arn]` becomes a local Lambda ARN, and each Task state is mapped to its function key.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withPartition } from '../handlers/lib/partition.js';

export const DEFINITION_PATH = path.join(__dirname, '..', 'statemachine', 'export-snapshot.asl.json');

export interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Retry?: Array<{ ErrorEquals: string[] } & Record<string, unknown>>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string } & Record<string, unknown>>;
  Choices?: Array<{ Next: string } & Record<string, unknown>>;
  TimeoutSeconds?: number;
  [key: string]: unknown;
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [key: string]: unknown;
}

/** The definition exactly as committed (with `Fn::GetAtt` references). */
export const readRawDefinition = (): AslDefinition =>
  JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as AslDefinition;

const functionKeyOf = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
};

export const localFunctionArn = (functionKey: string, region = 'us-east-1', accountId = '000000000000'): string =>
  `arn:aws:lambda:${region}:${accountId}:function:${functionKey}`;

/** Task state name → function key, read from `Parameters.FunctionName`. */
export const taskFunctionKeys = (definition: AslDefinition = readRawDefinition()): Record<string, string> =>
  Object.fromEntries(
    Object.entries(definition.States).flatMap(([name, state]) => {
      const key = functionKeyOf(state.Parameters?.FunctionName);
      return key ? [[name, key]] : [];
    }),
  );

/**
 * The definition as packaging makes it for `region`: `${AWS::Partition}` in the Task resources replaced by the
 * Region's partition (handlers/lib/partition.ts), and every `Fn::GetAtt` function reference a local Lambda ARN.
 */
export const loadLocalDefinition = (region = 'us-east-1', accountId = '000000000000'): AslDefinition =>
  JSON.parse(withPartition(readFileSync(DEFINITION_PATH, 'utf8'), region), (_key, value: unknown) => {
    const functionKey = functionKeyOf(value);
    return functionKey ? localFunctionArn(functionKey, region, accountId) : value;
  }) as AslDefinition;

/** aws-local-stepfunctions uses Promise.withResolvers, which Node 20 lacks. */
export const installPromiseWithResolvers = (): void => {
  const promiseCtor = Promise as unknown as { withResolvers?: unknown };
  if (typeof promiseCtor.withResolvers === 'function') return;
  promiseCtor.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
};
