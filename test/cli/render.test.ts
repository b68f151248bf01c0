// The CLI's pure formatting: sizes, durations, shell quoting, and the restore command's parameter group.
import { clusterParameterGroup } from '../../cli/commands/restore-command';
import { createProgress, progressLine } from '../../cli/progress';
import { formatBytes, formatDuration, shellCommand, shellQuote, table } from '../../cli/render';

it('formats sizes in binary units and durations in the two largest units', () => {
  // Assert
  expect([0, 1023, 1725, 3450, 5 * 1024 ** 3].map(formatBytes)).toEqual([
    '0 B',
    '1023 B',
    '1.7 KiB',
    '3.4 KiB',
    '5.0 GiB',
  ]);
  expect([0, 7, 125, 3725].map(formatDuration)).toEqual(['0 s', '7 s', '2 min 5 s', '1 h 2 min']);
});

it('quotes shell arguments only when needed and puts each option of a long command on its own line', () => {
  // Assert
  expect(shellQuote('arn:aws:s3:::bucket/key-0001.rdb')).toBe('arn:aws:s3:::bucket/key-0001.rdb');
  expect(shellQuote("it's <here>")).toBe(`'it'\\''s <here>'`);
  expect(shellCommand(['aws', 's3api', 'head-bucket', '--bucket', 'b', '--region', 'us-east-1'])).toBe(
    'aws s3api head-bucket \\\n  --bucket b \\\n  --region us-east-1',
  );
});

it('pads table columns to their widest cell', () => {
  // Assert
  expect(
    table(
      ['ID', 'STATUS'],
      [
        ['a-long-id', 'RUNNING'],
        ['b', 'FAILED'],
      ],
    ),
  ).toEqual(['ID         STATUS', 'a-long-id  RUNNING', 'b          FAILED']);
});

it('shows status, elapsed time and polls, and the objects once they are known', () => {
  // Assert
  expect(progressLine({ status: 'RUNNING', elapsedSeconds: 42, polls: 1 })).toBe('RUNNING · 42 s elapsed · 1 poll');
  expect(progressLine({ status: 'SUCCEEDED', elapsedSeconds: 75, polls: 6, objects: 2, bytes: 3450 })).toBe(
    'SUCCEEDED · 1 min 15 s elapsed · 6 polls · 2 objects landed · 3.4 KiB',
  );
});

it("names the engine version's default cluster-mode parameter group", () => {
  // Assert
  expect(clusterParameterGroup('redis', '7.1')).toBe('default.redis7.cluster.on');
  expect(clusterParameterGroup('redis', '6.2')).toBe('default.redis6.x.cluster.on');
  expect(clusterParameterGroup('redis', '5.0.6')).toBe('default.redis5.0.cluster.on');
  expect(clusterParameterGroup('valkey', '8.0')).toBe('default.valkey8.cluster.on');
  expect(clusterParameterGroup('valkey', undefined)).toBe('<valkey cluster-mode parameter group>');
});

it('writes plain lines on a terminal that reports no size, where a live line would draw nothing', () => {
  // Arrange
  let written = '';
  const progress = createProgress({ write: (chunk: string) => (written += chunk), isTTY: true, rows: 0, columns: 0 });

  // Act
  progress.update({ status: 'RUNNING', elapsedSeconds: 1, polls: 1 });
  progress.update({ status: 'RUNNING', elapsedSeconds: 3, polls: 2 });
  progress.done({ status: 'FAILED', elapsedSeconds: 4, polls: 3 });

  // Assert
  expect(written).toBe('RUNNING · 1 s elapsed · 1 poll\nFAILED · 4 s elapsed · 3 polls\n');
});
