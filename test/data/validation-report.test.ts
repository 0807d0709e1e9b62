import type { Cell, DatasetSchema, Table } from '../../lib/data/table';
import {
  computeStatistics,
  DEFAULT_VALIDATION_THRESHOLDS,
  formatReport,
  parseDatetime,
  validateDataset,
  type DataValidationIssue,
  type DataValidationReport,
} from '../../lib/data/validation-report';

function table(data: Record<string, Cell[]>): Table {
  const columns = Object.keys(data);
  return { columns, rowCount: columns.length === 0 ? 0 : data[columns[0]].length, data };
}

const schema: DatasetSchema = {
  features: [
    { name: 'x', type: 'numeric' },
    { name: 'color', type: 'categorical' },
    { name: 'when', type: 'datetime' },
  ],
  target: { name: 'y', type: 'numeric' },
};

function clean(): Record<string, Cell[]> {
  return {
    x: [1, 2, 3, 4, 5, 6],
    color: ['red', 'blue', 'red', 'green', 'red', 'blue'],
    when: ['2024-01-01', '2024-01-02T06:00:00Z', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06'],
    y: [10, 20, 30, 40, 50, 60],
  };
}

function only(report: DataValidationReport, kind: DataValidationIssue['kind']): DataValidationIssue[] {
  return report.issues.filter((i) => i.kind === kind);
}

describe('validateDataset on a clean table', () => {
  it('reports no issues and per-column statistics', () => {
    const report = validateDataset(table(clean()), schema);
    expect(report.issues).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.rows).toBe(6);
    // x = 1..6: mean 3.5, population variance 17.5 / 6
    expect(report.statistics.columns.x).toEqual({
      type: 'numeric',
      count: 6,
      missing: 0,
      missingFraction: 0,
      invalid: 0,
      min: 1,
      max: 6,
      mean: 3.5,
      std: Math.sqrt(17.5 / 6),
    });
    expect(report.statistics.columns.color).toEqual({
      type: 'categorical',
      count: 6,
      missing: 0,
      missingFraction: 0,
      invalid: 0,
      categories: { red: 3, blue: 2, green: 1 },
      distinct: 3,
    });
    expect(report.statistics.columns.when).toMatchObject({
      type: 'datetime',
      min: '2024-01-01T00:00:00.000Z',
      max: '2024-01-06T00:00:00.000Z',
    });
    expect(report.statistics.columns.y).toMatchObject({ mean: 35, min: 10, max: 60 });
    expect(formatReport(report)).toBe('Data validation passed: 6 rows, 0 errors, 0 warnings');
  });

  it('computeStatistics equals the report statistics and survives a JSON round trip', () => {
    const stats = computeStatistics(table(clean()), schema);
    expect(stats).toEqual(validateDataset(table(clean()), schema).statistics);
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    expect(Object.keys(stats.columns)).toEqual(['x', 'color', 'when', 'y']);
  });

  it('documents its default thresholds in one frozen object', () => {
    expect(DEFAULT_VALIDATION_THRESHOLDS).toEqual({
      maxMissingFractionTarget: 0,
      maxMissingFractionFeature: 0.05,
      maxUnseenCategoryFraction: 0.01,
      rangeDriftTolerance: 0.1,
      maxRowsListed: 5,
    });
    expect(Object.isFrozen(DEFAULT_VALIDATION_THRESHOLDS)).toBe(true);
  });
});

describe('structural checks', () => {
  it('reports each missing column as an error naming the columns present', () => {
    const data = clean();
    delete data.color;
    delete data.y;
    const report = validateDataset(table(data), schema);
    expect(report.ok).toBe(false);
    expect(only(report, 'missing-column')).toEqual([
      {
        severity: 'error',
        kind: 'missing-column',
        column: 'color',
        message: 'feature column "color" is missing from the dataset (columns present: x, when)',
      },
      {
        severity: 'error',
        kind: 'missing-column',
        column: 'y',
        message: 'target column "y" is missing from the dataset (columns present: x, when)',
      },
    ]);
    expect(Object.keys(report.statistics.columns)).toEqual(['x', 'when']);
  });

  it('reports an empty dataset once, without per-column noise', () => {
    const report = validateDataset(table({ x: [], color: [], when: [], y: [] }), schema);
    expect(report.ok).toBe(false);
    expect(report.issues).toEqual([{ severity: 'error', kind: 'empty-dataset', message: 'the dataset has no rows' }]);
    expect(report.statistics.columns.x).toMatchObject({ count: 0, missingFraction: 0, min: null, std: null });
  });

  it('reports a column whose length disagrees with rowCount', () => {
    const t = table(clean());
    t.data.x = [1, 2, 3];
    const [issue] = only(validateDataset(t, schema), 'column-length');
    expect(issue).toMatchObject({ severity: 'error', column: 'x' });
    expect(issue.message).toBe('column "x" has 3 cells but the table has 6 rows');
  });
});

describe('type checks', () => {
  it('reports non-numeric values in a numeric column as an error naming the first rows', () => {
    const data = clean();
    data.x = [1, 'two', 3, 4, 'n/a', 6];
    const report = validateDataset(table(data), schema);
    expect(report.ok).toBe(false);
    expect(only(report, 'wrong-type')).toEqual([
      {
        severity: 'error',
        kind: 'wrong-type',
        column: 'x',
        row: 2,
        rows: [2, 5],
        count: 2,
        message:
          'column "x" is numeric and should hold numbers, but has 2 values of another type: rows 2, 5 ("two", "n/a")',
      },
    ]);
    expect(report.statistics.columns.x).toMatchObject({ count: 4, invalid: 2, min: 1, max: 6 });
  });

  it('accepts decimal strings in a numeric column, as readers leave a column with one bad cell as text', () => {
    const data = clean();
    data.x = ['1', ' 2.5 ', '3e0', 'oops', '0x10', 'Infinity'];
    const report = validateDataset(table(data), schema);
    expect(only(report, 'wrong-type')[0]).toMatchObject({ rows: [4, 5, 6], count: 3 });
    expect(report.statistics.columns.x).toMatchObject({ count: 3, min: 1, max: 3, mean: 6.5 / 3 });
  });

  it('lists at most maxRowsListed rows and says how many more', () => {
    const x: Cell[] = Array.from({ length: 10 }, (_, i) => (i < 8 ? 'bad' : i));
    const data = { x, color: Array(10).fill('a'), when: Array(10).fill('2024-01-01'), y: x.map((_, i) => i) };
    const [issue] = only(validateDataset(table(data), schema, { thresholds: { maxRowsListed: 3 } }), 'wrong-type');
    expect(issue.count).toBe(8);
    expect(issue.rows).toEqual([1, 2, 3]);
    expect(issue.message).toContain('rows 1, 2, 3 and 5 more');
  });

  it('reports NaN and ±Infinity as non-finite errors', () => {
    const data = clean();
    data.x = [1, NaN, 3, Infinity, 5, -Infinity];
    const [issue] = only(validateDataset(table(data), schema), 'non-finite');
    expect(issue).toMatchObject({ severity: 'error', column: 'x', row: 2, rows: [2, 4, 6], count: 3 });
    expect(issue.message).toBe('column "x" has 3 non-finite numbers (NaN or ±Infinity): rows 2, 4, 6');
  });

  it('reports unparseable and impossible datetimes as wrong types', () => {
    const data = clean();
    data.when = ['2024-01-01', 'yesterday', '2024-02-30', 1704067200000, '2024-01-05 12:00', '2024-13-01'];
    const report = validateDataset(table(data), schema);
    const [issue] = only(report, 'wrong-type');
    expect(issue).toMatchObject({ column: 'when', rows: [2, 3, 6] });
    expect(issue.message).toContain(
      'should hold ISO-8601 datetimes or epoch milliseconds, but has 3 values of another type: rows 2, 3, 6',
    );
    expect(report.statistics.columns.when).toMatchObject({
      count: 3,
      min: '2024-01-01T00:00:00.000Z',
      max: '2024-01-05T12:00:00.000Z',
    });
  });

  it('parses datetimes strictly and zone-independently', () => {
    expect(parseDatetime('2024-01-31T12:00')).toBe(Date.UTC(2024, 0, 31, 12));
    expect(parseDatetime('2024-01-31T12:00:00+0100')).toBe(Date.UTC(2024, 0, 31, 11));
    expect(parseDatetime('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDatetime('2023-02-29')).toBeNaN();
    expect(parseDatetime('2024-01-31T25:00Z')).toBeNaN();
    expect(parseDatetime('1')).toBeNaN();
  });

  it('accepts numbers as categories', () => {
    const data = clean();
    data.color = [1, 2, 1, 2, 1, '2'];
    const report = validateDataset(table(data), schema);
    expect(report.issues).toEqual([]);
    expect(report.statistics.columns.color).toMatchObject({ categories: { '1': 3, '2': 3 }, distinct: 2 });
  });
});

describe('missing values', () => {
  const rows = 40;
  function withMissing(column: string, missingRows: number[]): Table {
    const data: Record<string, Cell[]> = {
      x: Array.from({ length: rows }, (_, i) => i),
      color: Array.from({ length: rows }, (_, i) => (i % 2 ? 'a' : 'b')),
      when: Array.from({ length: rows }, (_, i) => 1_700_000_000_000 + i),
      y: Array.from({ length: rows }, (_, i) => i * 2),
    };
    for (const r of missingRows) data[column][r - 1] = r % 2 ? null : '  ';
    return table(data);
  }

  it('warns for features missing up to 5% and counts blank strings as missing', () => {
    const report = validateDataset(withMissing('x', [3, 8]), schema); // 2 / 40 = 5%
    expect(report.ok).toBe(true);
    expect(only(report, 'missing-values')).toEqual([
      {
        severity: 'warning',
        kind: 'missing-values',
        column: 'x',
        row: 3,
        rows: [3, 8],
        count: 2,
        message: 'feature column "x" is missing in 2 rows (5%, within the 5% limit): rows 3, 8',
      },
    ]);
    expect(report.statistics.columns.x).toMatchObject({ missing: 2, missingFraction: 0.05, count: 38 });
  });

  it('errors for features missing above 5%', () => {
    const report = validateDataset(withMissing('color', [1, 2, 3]), schema); // 7.5%
    expect(report.ok).toBe(false);
    const [issue] = only(report, 'missing-values');
    expect(issue).toMatchObject({ severity: 'error', column: 'color', count: 3 });
    expect(issue.message).toContain('(7.5%, above the 5% limit)');
  });

  it('errors for any missing target by default, and honours threshold overrides', () => {
    const [issue] = only(validateDataset(withMissing('y', [40]), schema), 'missing-values');
    expect(issue).toMatchObject({ severity: 'error', column: 'y', row: 40 });
    expect(issue.message).toBe('target column "y" is missing in 1 row (2.5%, above the 0% limit): row 40');
    const relaxed = validateDataset(withMissing('y', [40]), schema, { thresholds: { maxMissingFractionTarget: 0.1 } });
    expect(only(relaxed, 'missing-values')[0].severity).toBe('warning');
    const strict = validateDataset(withMissing('x', [1]), schema, { thresholds: { maxMissingFractionFeature: 0 } });
    expect(strict.ok).toBe(false);
  });

  it('reports an all-missing column once, as an error', () => {
    const data = clean();
    data.color = [null, '', null, ' ', null, null];
    const report = validateDataset(table(data), schema);
    expect(report.issues).toEqual([
      {
        severity: 'error',
        kind: 'all-missing',
        column: 'color',
        row: 1,
        rows: [1, 2, 3, 4, 5],
        count: 6,
        message: 'column "color" is missing in every row',
      },
    ]);
  });
});

describe('constant columns', () => {
  it('errors for a constant feature and warns for a constant target', () => {
    const data = clean();
    data.color = ['red', 'red', null, 'red', 'red', 'red'];
    data.y = [7, 7, 7, 7, 7, 7];
    const report = validateDataset(table(data), schema);
    const constant = only(report, 'constant-column');
    expect(constant).toEqual([
      {
        severity: 'error',
        kind: 'constant-column',
        column: 'color',
        count: 5,
        message: 'feature column "color" is constant ("red" in all 5 non-missing rows): it carries no information',
      },
      {
        severity: 'warning',
        kind: 'constant-column',
        column: 'y',
        count: 6,
        message: 'target column "y" is constant (7 in all 6 non-missing rows): there is nothing to learn',
      },
    ]);
  });

  it('does not call a single-row column constant', () => {
    const report = validateDataset(table({ x: [1], color: ['a'], when: ['2024-01-01'], y: [2] }), schema);
    expect(report.issues).toEqual([]);
  });
});

describe('ranges', () => {
  it('errors for values outside a declared range, naming rows and values', () => {
    const report = validateDataset(table(clean()), schema, { ranges: { x: { min: 2, max: 5 }, y: { max: 100 } } });
    expect(report.ok).toBe(false);
    expect(only(report, 'out-of-range')).toEqual([
      {
        severity: 'error',
        kind: 'out-of-range',
        column: 'x',
        row: 1,
        rows: [1, 6],
        count: 2,
        message: 'column "x" has 2 values outside the declared range [2, 5]: rows 1, 6 (1, 6)',
      },
    ]);
  });

  it('supports one-sided declared ranges', () => {
    const report = validateDataset(table(clean()), schema, { ranges: { y: { min: 25 } } });
    expect(only(report, 'out-of-range')[0]).toMatchObject({ column: 'y', rows: [1, 2] });
    expect(only(report, 'out-of-range')[0].message).toContain('[25, Infinity]');
  });
});

describe('against reference statistics', () => {
  // Reference: x in [0, 100] (tolerance 10% of the span = 10), color in {red, blue, green}.
  const reference = computeStatistics(
    table({
      x: [0, 25, 50, 75, 100],
      color: ['red', 'blue', 'green', 'red', 'blue'],
      when: ['2023-01-01', '2023-01-02', '2023-01-03', '2023-01-04', '2023-01-05'],
      y: [1, 2, 3, 4, 5],
    }),
    schema,
  );
  const current = (x: Cell[], color: Cell[] = x.map((_, i) => (i % 2 ? 'red' : 'blue'))): Table =>
    table({
      x,
      color,
      when: x.map((_, i) => 1_700_000_000_000 + i),
      y: x.map((_, i) => (i % 2 ? 5 : 1)), // the reference range of y exactly
    });

  it('accepts values within the reference range widened by the tolerance', () => {
    const report = validateDataset(current([-10, 50, 110, 5, 95]), schema, { reference });
    expect(report.issues).toEqual([]);
  });

  it('warns for values outside the reference range and for the drifted max', () => {
    const report = validateDataset(current([1, 50, 111, 99, 130]), schema, { reference });
    expect(report.ok).toBe(true);
    expect(only(report, 'out-of-range')).toEqual([
      {
        severity: 'warning',
        kind: 'out-of-range',
        column: 'x',
        row: 3,
        rows: [3, 5],
        count: 2,
        message:
          'column "x" has 2 values outside the reference range [0, 100] (± 10% of its span): rows 3, 5 (111, 130)',
      },
    ]);
    expect(only(report, 'range-drift')).toEqual([
      {
        severity: 'warning',
        kind: 'range-drift',
        column: 'x',
        message:
          'column "x" range drifted from the reference [0, 100] to [1, 130] ' +
          '(max 100 → 130; tolerance 10% of the reference span = 10)',
      },
    ]);
  });

  it('warns when the range shrinks beyond the tolerance, even with no value outside', () => {
    const report = validateDataset(current([40, 50, 60]), schema, { reference });
    expect(only(report, 'out-of-range')).toEqual([]);
    expect(only(report, 'range-drift')[0].message).toContain('min 0 → 40, max 100 → 60');
  });

  it('uses the rangeDriftTolerance threshold', () => {
    const report = validateDataset(current([-5, 50, 104]), schema, {
      reference,
      thresholds: { rangeDriftTolerance: 0 },
    });
    expect(only(report, 'out-of-range')[0].rows).toEqual([1, 3]);
    expect(only(report, 'range-drift')[0].message).toContain('min 0 → -5, max 100 → 104');
  });

  it('errors for unseen categories above the threshold and warns below it', () => {
    const colors = ['red', 'purple', 'blue', 'constructor', 'red', 'purple', 'green', 'red', 'blue', 'red'];
    const x = colors.map((_, i) => i * 10);
    const report = validateDataset(current(x, colors), schema, { reference });
    expect(report.ok).toBe(false);
    expect(only(report, 'unseen-category')).toEqual([
      {
        severity: 'error',
        kind: 'unseen-category',
        column: 'color',
        row: 2,
        rows: [2, 4, 6],
        count: 3,
        message:
          'column "color" has 2 categories not seen in the reference ("purple", "constructor") in 3 rows ' +
          '(30%, above the 1% limit): rows 2, 4, 6',
      },
    ]);
    const relaxed = validateDataset(current(x, colors), schema, {
      reference,
      thresholds: { maxUnseenCategoryFraction: 0.5 },
    });
    expect(relaxed.ok).toBe(true);
    expect(only(relaxed, 'unseen-category')[0].severity).toBe('warning');
  });

  it('skips reference checks with a warning when the reference type disagrees with the schema', () => {
    const mismatched = { ...reference, columns: { ...reference.columns, x: reference.columns.color } };
    const report = validateDataset(current([500, 600]), schema, { reference: mismatched });
    expect(report.issues).toEqual([
      {
        severity: 'warning',
        kind: 'reference-mismatch',
        column: 'x',
        message:
          'column "x" is numeric in the schema but categorical in the reference statistics: reference checks skipped',
      },
    ]);
  });
});

describe('formatReport', () => {
  it('lists every issue with severity, kind, column and row', () => {
    const data = clean();
    data.x = [1, 'oops', 3, 4, 5, 6];
    data.y = [10, 20, null, 40, 50, 60];
    delete data.when;
    const text = formatReport(validateDataset(table(data), schema));
    expect(text.split('\n')).toEqual([
      'Data validation FAILED: 6 rows, 3 errors, 0 warnings',
      '  ERROR   [missing-column] (column "when") feature column "when" is missing from the dataset (columns present: x, color, y)',
      '  ERROR   [wrong-type] (column "x", row 2) column "x" is numeric and should hold numbers, but has 1 value of another type: row 2 ("oops")',
      '  ERROR   [missing-values] (column "y", row 3) target column "y" is missing in 1 row (16.7%, above the 0% limit): row 3',
    ]);
  });

  it('marks warnings and a passing report', () => {
    const data = clean();
    data.x = [1, 2, 3, 4, 5, null];
    const report = validateDataset(table(data), schema, { thresholds: { maxMissingFractionFeature: 0.5 } });
    const text = formatReport(report);
    expect(text).toMatch(
      /^Data validation passed: 6 rows, 0 errors, 1 warning\n {2}WARNING \[missing-values\] \(column "x", row 6\)/,
    );
  });
});
