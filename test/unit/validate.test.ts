import type { DatasetSpec, RawTable } from '../../lib/data/dataset';
import { formatIssues, validateNumericDataset, type ValidationIssue } from '../../lib/data/validate';

const spec: DatasetSpec = { features: ['a', 'b'], target: 'y' };

function table(rows: Record<string, string>[], columns = ['a', 'b', 'y']): RawTable {
  return { columns, rows };
}

function issuesOf(t: RawTable, s: DatasetSpec = spec): ValidationIssue[] {
  const result = validateNumericDataset(t, s);
  if (result.ok) throw new Error('expected validation to fail');
  return result.issues;
}

describe('validateNumericDataset', () => {
  it('reports a missing feature column, naming it and the columns present', () => {
    const issues = issuesOf(table([{ a: '1', y: '2' }], ['a', 'y', 'extra']));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: 'missing-column', column: 'b' });
    expect(issues[0].message).toContain('"b"');
    expect(issues[0].message).toContain('columns present: a, y, extra');
  });

  it('reports a missing target column', () => {
    const issues = issuesOf(table([{ a: '1', b: '2' }], ['a', 'b']));
    expect(issues).toEqual([expect.objectContaining({ kind: 'missing-column', column: 'y' })]);
  });

  it('reports a non-numeric value with its column, 1-based row and value', () => {
    const issues = issuesOf(
      table([
        { a: '1', b: '2', y: '3' },
        { a: '4', b: 'oops', y: '6' },
      ]),
    );
    expect(issues).toEqual([{ kind: 'non-numeric', column: 'b', row: 2, value: 'oops', message: expect.any(String) }]);
    expect(issues[0].message).toContain('"b"');
    expect(issues[0].message).toContain('row 2');
    expect(issues[0].message).toContain('"oops"');
  });

  it('reports an empty or blank value as missing-value', () => {
    const issues = issuesOf(
      table([
        { a: '1', b: '2', y: '3' },
        { a: '1', b: '2', y: '3' },
        { a: '  ', b: '2' },
      ]),
    );
    expect(issues).toEqual([
      expect.objectContaining({ kind: 'missing-value', column: 'a', row: 3 }),
      expect.objectContaining({ kind: 'missing-value', column: 'y', row: 3 }),
    ]);
  });

  it.each(['Infinity', '-Infinity', 'NaN'])('rejects %s as not a finite number', (bad) => {
    const issues = issuesOf(table([{ a: bad, b: '2', y: '3' }]));
    expect(issues).toEqual([expect.objectContaining({ kind: 'non-numeric', column: 'a', row: 1, value: bad })]);
  });

  it('reports a header-only table as empty-dataset', () => {
    expect(issuesOf(table([]))).toEqual([expect.objectContaining({ kind: 'empty-dataset' })]);
  });

  it('builds numeric features and target in row order, features in spec order', () => {
    const result = validateNumericDataset(
      table([
        { a: '1.5', b: '-2', y: '10' },
        { a: ' 3 ', b: '4e1', y: '0' },
      ]),
      { features: ['b', 'a'], target: 'y' },
    );
    expect(result).toEqual({
      ok: true,
      dataset: {
        featureNames: ['b', 'a'],
        targetName: 'y',
        features: [
          [-2, 1.5],
          [40, 3],
        ],
        target: [10, 0],
      },
    });
  });

  it('caps the number of issues at 20 for a file full of bad values', () => {
    const rows = Array.from({ length: 100 }, () => ({ a: 'x', b: 'y', y: 'z' }));
    const issues = issuesOf(table(rows));
    expect(issues).toHaveLength(20);
    // The first issues are kept, in file order.
    expect(issues[0]).toMatchObject({ column: 'a', row: 1 });
    expect(issues[3]).toMatchObject({ column: 'a', row: 2 });
  });
});

describe('formatIssues', () => {
  it('renders one indented bullet per issue', () => {
    const issues: ValidationIssue[] = [
      { kind: 'empty-dataset', message: 'first' },
      { kind: 'missing-value', message: 'second' },
    ];
    expect(formatIssues(issues)).toBe('  - first\n  - second');
  });
});
