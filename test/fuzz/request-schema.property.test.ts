// Properties of the request schema and the export id, over generated input: whatever arrives at the API or in a
// schedule, normalizing either yields a request we can act on or fails with InvalidRequestError, and the export
// id derived from an accepted request is a valid, deterministic Step Functions execution name.
import fc from 'fast-check';
import { type ExportRequest, normalizeExportRequest } from '../../handlers/lib/contracts';
import { InvalidRequestError } from '../../handlers/lib/errors';
import {
  bucketNameProblems,
  exportIdFor,
  TARGET_SNAPSHOT_NAME_MAX_LENGTH,
  TARGET_SNAPSHOT_NAME_PATTERN,
} from '../../handlers/lib/naming';

const EXPORT_ID = /^[a-z0-9_-]{1,80}$/;
const NOW = new Date('2026-11-25T03:07:00.000Z');
const RUNS = { numRuns: 500 };

const bucketLike = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
  fc.string({ unit: 'grapheme-ascii', maxLength: 70 }),
);
const snapshotNameLike = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,80}$/),
  fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
  fc.string({ maxLength: 40 }),
);
const clusterIdLike = fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,45}$/), fc.string({ maxLength: 60 }));
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Objects shaped like a request: the known fields, each absent, plausible, or any JSON value, plus stray fields. */
const requestLike = fc
  .record(
    {
      sourceSnapshotName: fc.oneof(snapshotNameLike, anyJson),
      replicationGroupId: fc.oneof(clusterIdLike, anyJson),
      cacheClusterId: fc.oneof(clusterIdLike, anyJson),
      targetSnapshotName: fc.oneof(snapshotNameLike, anyJson),
      targetBucket: fc.oneof(bucketLike, anyJson),
      stray: anyJson,
    },
    { requiredKeys: [] },
  )
  .map((record) => record as Record<string, unknown>);

/** Requests that are likely to be accepted: exactly one source, valid-looking names. */
const plausibleRequest = fc
  .tuple(
    fc.constantFrom('sourceSnapshotName', 'replicationGroupId', 'cacheClusterId'),
    fc.stringMatching(/^[A-Za-z](?:[A-Za-z0-9]{1,4}-?){0,8}[A-Za-z0-9]$/),
    fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/), { nil: undefined }),
    fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/), { nil: undefined }),
  )
  .map(([sourceKey, source, targetSnapshotName, targetBucket]) => ({
    [sourceKey]: source,
    ...(targetSnapshotName !== undefined && { targetSnapshotName }),
    ...(targetBucket !== undefined && { targetBucket }),
  }));

const defaultBucket = fc.constantFrom<string | undefined>('exports-bucket', undefined);

/** Normalizes, or returns the error; anything but InvalidRequestError is rethrown so the property fails. */
const attempt = (raw: unknown, defaultTargetBucket: string | undefined): ExportRequest | InvalidRequestError => {
  try {
    return normalizeExportRequest(raw, { defaultTargetBucket, now: NOW });
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
};

describe('normalizeExportRequest on generated input', () => {
  it('throws nothing but InvalidRequestError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, requestLike), defaultBucket, (raw, bucket) => {
        // Act
        const result = attempt(raw, bucket);

        // Assert
        if (result instanceof InvalidRequestError) expect(result.issues.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('yields a valid bucket, a valid target name and a deterministic export id for every accepted request', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(plausibleRequest, requestLike), defaultBucket, (raw, bucket) => {
        // Act
        const result = attempt(raw, bucket);
        if (result instanceof InvalidRequestError) return;
        accepted += 1;
        const again = attempt(JSON.parse(JSON.stringify(raw)), bucket);

        // Assert
        expect(bucketNameProblems(result.targetBucket)).toEqual([]);
        expect(result.targetSnapshotName).toMatch(TARGET_SNAPSHOT_NAME_PATTERN);
        expect(result.targetSnapshotName.length).toBeLessThanOrEqual(TARGET_SNAPSHOT_NAME_MAX_LENGTH);
        const id = exportIdFor(result.targetBucket, result.targetSnapshotName);
        expect(id).toMatch(EXPORT_ID);
        expect(again).toEqual(result);
        expect(JSON.stringify(again)).toBe(JSON.stringify(result));
        expect(exportIdFor(result.targetBucket, result.targetSnapshotName)).toBe(id);
      }),
      RUNS,
    );
    // The property says nothing if almost nothing was accepted.
    expect(accepted).toBeGreaterThan(RUNS.numRuns / 4);
  });
});

describe('exportIdFor on generated names', () => {
  const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
  const targetName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/);

  it('gives different ids to different (bucket, lowercased name) pairs', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(bucket, targetName), {
          minLength: 2,
          maxLength: 40,
          selector: ([b, name]) => `${b}/${name.toLowerCase()}`,
        }),
        (pairs) => {
          // Act
          const ids = pairs.map(([b, name]) => exportIdFor(b, name));

          // Assert
          expect(new Set(ids).size).toBe(pairs.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same id whatever the case of the target name', () => {
    fc.assert(
      fc.property(bucket, targetName, (b, name) => {
        // Act
        const ids = [exportIdFor(b, name), exportIdFor(b, name.toUpperCase()), exportIdFor(b, name.toLowerCase())];

        // Assert
        expect(new Set(ids).size).toBe(1);
        expect(ids[0]).toMatch(EXPORT_ID);
      }),
      RUNS,
    );
  });
});
