import {
  canonicalRequest,
  type ExportRequest,
  MAX_REQUEST_BYTES,
  type NormalizeOptions,
  normalizeExportRequest,
  parseAllowList,
} from '../../../handlers/lib/contracts';
import { InvalidRequestError } from '../../../handlers/lib/errors';

const NOW = new Date('2026-11-25T03:07:00.000Z');
const options: NormalizeOptions = { defaultTargetBucket: 'exports-bucket', now: NOW };

const invalidIssues = (
  raw: unknown,
  opts: NormalizeOptions = options,
): ReadonlyArray<{ path: string; message: string }> => {
  try {
    normalizeExportRequest(raw, opts);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.issues;
    throw error;
  }
  throw new Error('expected InvalidRequestError');
};

describe('normalizeExportRequest', () => {
  it('keeps a complete request as it is', () => {
    // Arrange
    const raw = { sourceSnapshotName: 'nightly', targetSnapshotName: 'Nightly-Copy', targetBucket: 'other-bucket' };

    // Act
    const request = normalizeExportRequest(raw, options);

    // Assert
    expect(request).toEqual(raw);
  });

  it('fills in the default bucket and a dated target name', () => {
    // Act
    const request = normalizeExportRequest({ replicationGroupId: 'orders' }, options);

    // Assert
    expect(request).toEqual({
      replicationGroupId: 'orders',
      targetSnapshotName: 'orders-20261125-0307',
      targetBucket: 'exports-bucket',
    });
  });

  it('writes the keys in one fixed order whatever order they came in', () => {
    // Arrange
    const raw = { targetBucket: 'exports-bucket', targetSnapshotName: 'copy', cacheClusterId: 'orders-001' };

    // Act
    const request = normalizeExportRequest(raw, options);

    // Assert
    expect(JSON.stringify(request)).toBe(
      '{"cacheClusterId":"orders-001","targetSnapshotName":"copy","targetBucket":"exports-bucket"}',
    );
  });

  it('requires a bucket when no default is configured', () => {
    // Act
    const issues = invalidIssues({ sourceSnapshotName: 'nightly' }, { defaultTargetBucket: undefined, now: NOW });

    // Assert
    expect(issues).toEqual([
      { path: 'targetBucket', message: 'targetBucket is required (no DEFAULT_TARGET_BUCKET is configured)' },
    ]);
  });

  it('rejects unknown fields at their own path', () => {
    // Act
    const issues = invalidIssues({ sourceSnapshotName: 'nightly', kmsKeyId: 'k' });

    // Assert
    expect(issues).toEqual([{ path: 'kmsKeyId', message: 'Unknown field kmsKeyId' }]);
  });

  it.each([
    [{}],
    [{ sourceSnapshotName: 'nightly', replicationGroupId: 'orders' }],
    [{ replicationGroupId: 'orders', cacheClusterId: 'orders-001' }],
  ])('requires exactly one source in %j', (raw) => {
    // Act
    const issues = invalidIssues(raw);

    // Assert
    expect(issues).toContainEqual({
      path: '$',
      message:
        'Give exactly one of sourceSnapshotName, replicationGroupId, cacheClusterId, serverlessCacheSnapshotName, serverlessCacheName',
    });
  });

  it('names the path of every bad field', () => {
    // Act
    const issues = invalidIssues({
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'a/b',
      targetBucket: 'Bad_Bucket',
    });

    // Assert
    expect(issues.map((issue) => issue.path).sort()).toEqual(['targetBucket', 'targetBucket', 'targetSnapshotName']);
    expect(issues.find((issue) => issue.path === 'targetSnapshotName')?.message).toContain('there is no prefix');
  });

  it.each([null, 'nightly', 42, [], { sourceSnapshotName: 7 }])('rejects %j with InvalidRequestError', (raw) => {
    // Act
    const act = () => normalizeExportRequest(raw, options);

    // Assert
    expect(act).toThrow(InvalidRequestError);
  });
});

describe('canonicalRequest', () => {
  it('drops absent sources and orders the keys', () => {
    // Arrange
    const request: ExportRequest = {
      targetBucket: 'exports-bucket',
      targetSnapshotName: 'copy',
      cacheClusterId: undefined,
      sourceSnapshotName: 'nightly',
    };

    // Act
    const canonical = canonicalRequest(request);

    // Assert
    expect(Object.keys(canonical)).toEqual(['sourceSnapshotName', 'targetSnapshotName', 'targetBucket']);
  });
});

describe('parseAllowList', () => {
  it('splits on commas and whitespace and drops empty entries', () => {
    // Act
    const buckets = parseAllowList(' exports-bucket, other-bucket\nthird-bucket,, ');

    // Assert
    expect(buckets).toEqual(['exports-bucket', 'other-bucket', 'third-bucket']);
  });

  it('allows no bucket when unset or empty', () => {
    // Act
    const lists = [parseAllowList(undefined), parseAllowList(''), parseAllowList(' , ')];

    // Assert
    expect(lists).toEqual([[], [], []]);
  });
});

describe('MAX_REQUEST_BYTES', () => {
  it('is the 16 KiB of DESIGN', () => {
    // Assert
    expect(MAX_REQUEST_BYTES).toBe(16384);
  });
});
