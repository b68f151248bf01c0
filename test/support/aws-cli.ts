// Runs the AWS CLI, the second judge of the emulator's wire protocols, for the local and integration tests.
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';

/** Who the CLI signs as: a 12-digit access key id acts as that account; the Region comes from the signature. */
export interface Identity {
  accessKeyId?: string;
  region?: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const AWS_CLI_MISSING =
  'The AWS CLI (`aws`) is not on PATH. These tests drive the local stack with it and do not skip: install it ' +
  '(scripts/install-system-deps.sh, or `apt-get install awscli` as CI does) and run them again.';

/**
 * Runs `aws --endpoint-url <awsUrl> --output json …` with dummy credentials and no profile or config file, so
 * nothing from the developer's own AWS setup is read. Resolves with the exit code; rejects only when the CLI could
 * not be started at all (then with AWS_CLI_MISSING).
 */
export const runAwsCli = (awsUrl: string, args: string[], identity: Identity = {}): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    execFile(
      'aws',
      ['--endpoint-url', awsUrl, '--output', 'json', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: tmpdir(),
          AWS_ACCESS_KEY_ID: identity.accessKeyId ?? 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: identity.region ?? 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(error.code === 'ENOENT' ? AWS_CLI_MISSING : `The AWS CLI could not run: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
