/**
 * A data-validation report in the spirit of TFX Data Validation: per-column statistics of a parsed `Table`, checked
 * against a `DatasetSchema`, optional declared ranges and optional reference statistics saved from a previous
 * (training) dataset. Pure code: no I/O. Rows are 1-based data rows (row 1 is the first row after the header).
 *
 * Conventions: a cell is missing when it is `null` or a blank string. Numeric columns hold numbers; a string there is
 * accepted when it is a plain decimal ("3.5": readers keep a whole column as text when any cell is not a number) and
 * is a wrong type otherwise. Categorical columns hold strings or numbers (a number is
 * the category `String(n)`). Datetime columns hold ISO-8601 strings (`2024-01-31`, `2024-01-31T12:00:00Z`) or
 * epoch milliseconds. Statistics are computed over the valid values only; `std` is the population standard deviation.
 */
import type { Cell, DatasetSchema, FeatureType, Table } from './table';

/** Every threshold the report uses; override any of them through `ValidationOptions.thresholds`. */
export interface ValidationThresholds {
  /** Missing fraction of the target above which it is an error (any missing target is an error by default). */
  maxMissingFractionTarget: number;
  /** Missing fraction of a feature above which it is an error; any missing value up to it is a warning. */
  maxMissingFractionFeature: number;
  /**
   * Fraction of non-missing values of a categorical column whose category the reference statistics never saw,
   * above which it is an error; any unseen category up to it is a warning.
   */
  maxUnseenCategoryFraction: number;
  /**
   * Slack around reference ranges, as a fraction of the reference span (max - min). A numeric value outside
   * [refMin - t·span, refMax + t·span] is out of the reference range (warning, listing rows); a current min or max
   * that moved by more than t·span from the reference min or max, in either direction, is range drift (warning).
   */
  rangeDriftTolerance: number;
  /** How many offending rows a message names (`rows 3, 7, 9 and 12 more`). */
  maxRowsListed: number;
}

/** The documented defaults. */
export const DEFAULT_VALIDATION_THRESHOLDS: Readonly<ValidationThresholds> = Object.freeze({
  maxMissingFractionTarget: 0,
  maxMissingFractionFeature: 0.05,
  maxUnseenCategoryFraction: 0.01,
  rangeDriftTolerance: 0.1,
  maxRowsListed: 5,
});

interface BaseStatistics {
  /** Valid (non-missing, right-typed, finite) values. */
  count: number;
  missing: number;
  /** `missing / rows`; 0 for an empty dataset. */
  missingFraction: number;
  /** Present but unusable values: wrong type, non-finite or unparseable datetime. */
  invalid: number;
}

export interface NumericStatistics extends BaseStatistics {
  type: 'numeric';
  /** `null` when the column has no valid values. */
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation. */
  std: number | null;
}

export interface CategoricalStatistics extends BaseStatistics {
  type: 'categorical';
  /** Count per category, in order of first appearance. */
  categories: Record<string, number>;
  distinct: number;
}

export interface DatetimeStatistics extends BaseStatistics {
  type: 'datetime';
  /** ISO-8601 (UTC); `null` when the column has no valid values. */
  min: string | null;
  max: string | null;
}

export type ColumnStatistics = NumericStatistics | CategoricalStatistics | DatetimeStatistics;

/** JSON-serialisable: save it with a training run and pass it back as `ValidationOptions.reference`. */
export interface DatasetStatistics {
  rows: number;
  /** One entry per schema column present in the table (features, then the target). */
  columns: Record<string, ColumnStatistics>;
}

export type DataValidationIssueKind =
  | 'empty-dataset'
  | 'missing-column'
  | 'column-length'
  | 'wrong-type'
  | 'non-finite'
  | 'missing-values'
  | 'all-missing'
  | 'constant-column'
  | 'out-of-range'
  | 'unseen-category'
  | 'range-drift'
  | 'reference-mismatch';

export interface DataValidationIssue {
  severity: 'error' | 'warning';
  kind: DataValidationIssueKind;
  column?: string;
  /** The first offending row (1-based), when the issue is about rows. */
  row?: number;
  /** Up to `maxRowsListed` offending rows (1-based), in order. */
  rows?: number[];
  message: string;
  /** How many values (or rows) are affected. */
  count?: number;
}

export interface DataValidationReport {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  rows: number;
  issues: DataValidationIssue[];
  statistics: DatasetStatistics;
}

export interface ValidationOptions {
  /** Statistics of a previous (training) dataset, from `computeStatistics`. */
  reference?: DatasetStatistics;
  thresholds?: Partial<ValidationThresholds>;
  /** Declared valid ranges of numeric columns (inclusive); a value outside is an error. */
  ranges?: Record<string, { min?: number; max?: number }>;
}

type Role = 'feature' | 'target';

interface ColumnSpec {
  name: string;
  type: FeatureType;
  role: Role;
}

/** Every distinct schema column, features first then the target (a name listed twice is checked once). */
function schemaColumns(schema: DatasetSchema): ColumnSpec[] {
  const seen = new Set<string>();
  const out: ColumnSpec[] = [];
  for (const spec of [
    ...schema.features.map((f) => ({ ...f, role: 'feature' as const })),
    { ...schema.target, role: 'target' as const },
  ]) {
    if (seen.has(spec.name)) continue;
    seen.add(spec.name);
    out.push(spec);
  }
  return out;
}

/** Plain decimal numbers only (no hex, no `Infinity`), like the dataset readers accept. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Epoch milliseconds of an ISO-8601 date or date-time, or NaN. Stricter than `Date.parse`: the calendar date must
 * exist (no 2024-02-30), and a time without an offset is read as UTC so results do not depend on the machine's zone.
 */
export function parseDatetime(text: string): number {
  const match = ISO_DATETIME.exec(text.trim());
  if (!match) return NaN;
  const [, year, month, day, time, zone] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return NaN;
  if (time === undefined) return date.getTime();
  const offset = zone === undefined || zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return Date.parse(`${year}-${month}-${day}T${time}${offset}`);
}

type Parsed =
  | { kind: 'missing' }
  | { kind: 'wrong-type' }
  | { kind: 'non-finite' }
  | { kind: 'numeric'; value: number }
  | { kind: 'category'; value: string };

function parseCell(cell: Cell | undefined, type: FeatureType): Parsed {
  if (cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === ''))
    return { kind: 'missing' };
  if (typeof cell === 'number' && !Number.isFinite(cell)) return { kind: 'non-finite' };
  switch (type) {
    case 'numeric':
      if (typeof cell === 'number') return { kind: 'numeric', value: cell };
      // A reader keeps a whole column as text when any cell is not a number, so "3.5" next to "oops" is still 3.5.
      return typeof cell === 'string' && DECIMAL.test(cell.trim())
        ? { kind: 'numeric', value: Number(cell.trim()) }
        : { kind: 'wrong-type' };
    case 'categorical':
      return typeof cell === 'number' || typeof cell === 'string'
        ? { kind: 'category', value: String(cell) }
        : { kind: 'wrong-type' };
    case 'datetime': {
      if (typeof cell === 'number') return { kind: 'numeric', value: cell };
      const ms = typeof cell === 'string' ? parseDatetime(cell) : NaN;
      return Number.isFinite(ms) ? { kind: 'numeric', value: ms } : { kind: 'wrong-type' };
    }
  }
}

/** Values and 1-based row numbers of one column, sorted into buckets. */
interface ColumnScan {
  spec: ColumnSpec;
  rowCount: number;
  missingRows: number[];
  wrongTypeRows: number[];
  wrongTypeValues: Cell[];
  nonFiniteRows: number[];
  /** Numeric and datetime (epoch ms) values with their rows. */
  numbers: Array<{ row: number; value: number }>;
  categories: Array<{ row: number; value: string }>;
}

function scanColumn(cells: Cell[], spec: ColumnSpec): ColumnScan {
  const scan: ColumnScan = {
    spec,
    rowCount: cells.length,
    missingRows: [],
    wrongTypeRows: [],
    wrongTypeValues: [],
    nonFiniteRows: [],
    numbers: [],
    categories: [],
  };
  cells.forEach((cell, index) => {
    const row = index + 1;
    const parsed = parseCell(cell, spec.type);
    switch (parsed.kind) {
      case 'missing':
        scan.missingRows.push(row);
        break;
      case 'wrong-type':
        scan.wrongTypeRows.push(row);
        scan.wrongTypeValues.push(cell);
        break;
      case 'non-finite':
        scan.nonFiniteRows.push(row);
        break;
      case 'numeric':
        scan.numbers.push({ row, value: parsed.value });
        break;
      case 'category':
        scan.categories.push({ row, value: parsed.value });
        break;
    }
  });
  return scan;
}

function statisticsOf(scan: ColumnScan): ColumnStatistics {
  const base: BaseStatistics = {
    count: scan.spec.type === 'categorical' ? scan.categories.length : scan.numbers.length,
    missing: scan.missingRows.length,
    missingFraction: scan.rowCount === 0 ? 0 : scan.missingRows.length / scan.rowCount,
    invalid: scan.wrongTypeRows.length + scan.nonFiniteRows.length,
  };
  if (scan.spec.type === 'categorical') {
    const counts = new Map<string, number>();
    for (const { value } of scan.categories) counts.set(value, (counts.get(value) ?? 0) + 1);
    // Object.fromEntries defines own properties, so a category named "__proto__" is stored like any other.
    return { type: 'categorical', ...base, categories: Object.fromEntries(counts), distinct: counts.size };
  }
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const { value } of scan.numbers) {
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  const n = scan.numbers.length;
  if (scan.spec.type === 'datetime') {
    return {
      type: 'datetime',
      ...base,
      min: n === 0 ? null : new Date(min).toISOString(),
      max: n === 0 ? null : new Date(max).toISOString(),
    };
  }
  if (n === 0) return { type: 'numeric', ...base, min: null, max: null, mean: null, std: null };
  const mean = sum / n;
  let squares = 0;
  for (const { value } of scan.numbers) squares += (value - mean) ** 2;
  return { type: 'numeric', ...base, min, max, mean, std: Math.sqrt(squares / n) };
}

function scanTable(table: Table, schema: DatasetSchema): ColumnScan[] {
  return schemaColumns(schema)
    .filter((spec) => table.columns.includes(spec.name) && Array.isArray(table.data[spec.name]))
    .map((spec) => scanColumn(table.data[spec.name], spec));
}

/** Per-column statistics of the schema's columns present in the table: save them as a future `reference`. */
export function computeStatistics(table: Table, schema: DatasetSchema): DatasetStatistics {
  const columns: Record<string, ColumnStatistics> = {};
  for (const scan of scanTable(table, schema)) columns[scan.spec.name] = statisticsOf(scan);
  return { rows: table.rowCount, columns };
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function listRows(rows: number[], limit: number): string {
  const shown = rows.slice(0, limit).join(', ');
  const more = rows.length > limit ? ` and ${rows.length - limit} more` : '';
  return `${rows.length === 1 ? 'row' : 'rows'} ${shown}${more}`;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

function show(value: Cell): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Checks a table against a schema (and optionally declared ranges and reference statistics); never throws. */
export function validateDataset(
  table: Table,
  schema: DatasetSchema,
  options: ValidationOptions = {},
): DataValidationReport {
  const t: ValidationThresholds = { ...DEFAULT_VALIDATION_THRESHOLDS, ...options.thresholds };
  const issues: DataValidationIssue[] = [];
  const rowIssue = (
    severity: DataValidationIssue['severity'],
    kind: DataValidationIssueKind,
    column: string,
    rows: number[],
    message: string,
  ): DataValidationIssue => ({
    severity,
    kind,
    column,
    row: rows[0],
    rows: rows.slice(0, t.maxRowsListed),
    count: rows.length,
    message,
  });

  for (const spec of schemaColumns(schema)) {
    if (!table.columns.includes(spec.name) || !Array.isArray(table.data[spec.name])) {
      issues.push({
        severity: 'error',
        kind: 'missing-column',
        column: spec.name,
        message:
          `${spec.role} column "${spec.name}" is missing from the dataset ` +
          `(columns present: ${table.columns.join(', ') || 'none'})`,
      });
    } else if (table.data[spec.name].length !== table.rowCount) {
      issues.push({
        severity: 'error',
        kind: 'column-length',
        column: spec.name,
        message: `column "${spec.name}" has ${table.data[spec.name].length} cells but the table has ${table.rowCount} rows`,
      });
    }
  }
  if (table.rowCount === 0) {
    issues.push({ severity: 'error', kind: 'empty-dataset', message: 'the dataset has no rows' });
  }

  const statistics: DatasetStatistics = { rows: table.rowCount, columns: {} };
  for (const scan of scanTable(table, schema)) {
    const stats = statisticsOf(scan);
    statistics.columns[scan.spec.name] = stats;
    if (table.rowCount === 0) continue;
    issues.push(...checkColumn(scan, stats, options, t, rowIssue));
  }

  return { ok: !issues.some((i) => i.severity === 'error'), rows: table.rowCount, issues, statistics };
}

type RowIssue = (
  severity: DataValidationIssue['severity'],
  kind: DataValidationIssueKind,
  column: string,
  rows: number[],
  message: string,
) => DataValidationIssue;

function checkColumn(
  scan: ColumnScan,
  stats: ColumnStatistics,
  options: ValidationOptions,
  t: ValidationThresholds,
  rowIssue: RowIssue,
): DataValidationIssue[] {
  const issues: DataValidationIssue[] = [];
  const { name, type, role } = scan.spec;
  const col = `column "${name}"`;
  const rows = (list: number[]) => listRows(list, t.maxRowsListed);

  if (scan.wrongTypeRows.length > 0) {
    const examples = scan.wrongTypeValues.slice(0, t.maxRowsListed).map(show).join(', ');
    const expected =
      type === 'numeric'
        ? 'numbers'
        : type === 'datetime'
          ? 'ISO-8601 datetimes or epoch milliseconds'
          : 'strings or numbers';
    issues.push(
      rowIssue(
        'error',
        'wrong-type',
        name,
        scan.wrongTypeRows,
        `${col} is ${type} and should hold ${expected}, but has ${plural(scan.wrongTypeRows.length, 'value')} ` +
          `of another type: ${rows(scan.wrongTypeRows)} (${examples})`,
      ),
    );
  }
  if (scan.nonFiniteRows.length > 0) {
    issues.push(
      rowIssue(
        'error',
        'non-finite',
        name,
        scan.nonFiniteRows,
        `${col} has ${plural(scan.nonFiniteRows.length, 'non-finite number')} (NaN or ±Infinity): ${rows(scan.nonFiniteRows)}`,
      ),
    );
  }

  const missing = scan.missingRows.length;
  if (missing === scan.rowCount) {
    issues.push(rowIssue('error', 'all-missing', name, scan.missingRows, `${col} is missing in every row`));
    return issues;
  }
  if (missing > 0) {
    const limit = role === 'target' ? t.maxMissingFractionTarget : t.maxMissingFractionFeature;
    const fraction = missing / scan.rowCount;
    issues.push(
      rowIssue(
        fraction > limit ? 'error' : 'warning',
        'missing-values',
        name,
        scan.missingRows,
        `${role} ${col} is missing in ${plural(missing, 'row')} (${percent(fraction)}, ` +
          `${fraction > limit ? 'above' : 'within'} the ${percent(limit)} limit): ${rows(scan.missingRows)}`,
      ),
    );
  }

  const distinct = stats.type === 'categorical' ? stats.distinct : new Set(scan.numbers.map((n) => n.value)).size;
  if (stats.count >= 2 && distinct === 1) {
    const value = stats.type === 'categorical' ? JSON.stringify(scan.categories[0].value) : String(stats.min);
    issues.push({
      severity: role === 'feature' ? 'error' : 'warning',
      kind: 'constant-column',
      column: name,
      count: stats.count,
      message:
        `${role} ${col} is constant (${value} in all ${stats.count} non-missing rows)` +
        (role === 'feature' ? ': it carries no information' : ': there is nothing to learn'),
    });
  }

  if (stats.type === 'numeric') issues.push(...checkNumericRanges(scan, stats, options, t, rowIssue));
  if (stats.type === 'categorical') issues.push(...checkCategories(scan, stats, options, t, rowIssue));
  return issues;
}

function checkNumericRanges(
  scan: ColumnScan,
  stats: NumericStatistics,
  options: ValidationOptions,
  t: ValidationThresholds,
  rowIssue: RowIssue,
): DataValidationIssue[] {
  const issues: DataValidationIssue[] = [];
  const name = scan.spec.name;
  const col = `column "${name}"`;
  const rows = (list: number[]) => listRows(list, t.maxRowsListed);

  const declared = options.ranges?.[name];
  if (declared && (declared.min !== undefined || declared.max !== undefined)) {
    const low = declared.min ?? -Infinity;
    const high = declared.max ?? Infinity;
    const outside = scan.numbers.filter((n) => n.value < low || n.value > high);
    if (outside.length > 0) {
      issues.push(
        rowIssue(
          'error',
          'out-of-range',
          name,
          outside.map((n) => n.row),
          `${col} has ${plural(outside.length, 'value')} outside the declared range [${low}, ${high}]: ` +
            `${rows(outside.map((n) => n.row))} (${outside
              .slice(0, t.maxRowsListed)
              .map((n) => n.value)
              .join(', ')})`,
        ),
      );
    }
  }

  const ref = referenceFor(scan, options, issues);
  if (ref?.type !== 'numeric' || ref.min === null || ref.max === null || stats.min === null || stats.max === null) {
    return issues;
  }
  const slack = t.rangeDriftTolerance * (ref.max - ref.min);
  const low = ref.min - slack;
  const high = ref.max + slack;
  const outside = scan.numbers.filter((n) => n.value < low || n.value > high);
  if (outside.length > 0) {
    issues.push(
      rowIssue(
        'warning',
        'out-of-range',
        name,
        outside.map((n) => n.row),
        `${col} has ${plural(outside.length, 'value')} outside the reference range [${ref.min}, ${ref.max}] ` +
          `(± ${percent(t.rangeDriftTolerance)} of its span): ${rows(outside.map((n) => n.row))} (${outside
            .slice(0, t.maxRowsListed)
            .map((n) => n.value)
            .join(', ')})`,
      ),
    );
  }
  const moved: string[] = [];
  if (Math.abs(stats.min - ref.min) > slack) moved.push(`min ${ref.min} → ${stats.min}`);
  if (Math.abs(stats.max - ref.max) > slack) moved.push(`max ${ref.max} → ${stats.max}`);
  if (moved.length > 0) {
    issues.push({
      severity: 'warning',
      kind: 'range-drift',
      column: name,
      message:
        `${col} range drifted from the reference [${ref.min}, ${ref.max}] to [${stats.min}, ${stats.max}] ` +
        `(${moved.join(', ')}; tolerance ${percent(t.rangeDriftTolerance)} of the reference span = ${slack})`,
    });
  }
  return issues;
}

function checkCategories(
  scan: ColumnScan,
  stats: CategoricalStatistics,
  options: ValidationOptions,
  t: ValidationThresholds,
  rowIssue: RowIssue,
): DataValidationIssue[] {
  const issues: DataValidationIssue[] = [];
  const ref = referenceFor(scan, options, issues);
  if (ref?.type !== 'categorical') return issues;
  const unseen = scan.categories.filter((c) => !Object.hasOwn(ref.categories, c.value));
  if (unseen.length === 0) return issues;
  const fraction = unseen.length / stats.count;
  const names = [...new Set(unseen.map((c) => c.value))];
  const shown = names
    .slice(0, t.maxRowsListed)
    .map((v) => JSON.stringify(v))
    .join(', ');
  issues.push(
    rowIssue(
      fraction > t.maxUnseenCategoryFraction ? 'error' : 'warning',
      'unseen-category',
      scan.spec.name,
      unseen.map((c) => c.row),
      `column "${scan.spec.name}" has ${plural(names.length, 'category', 'categories')} not seen in the reference ` +
        `(${shown}${names.length > t.maxRowsListed ? ', …' : ''}) in ${plural(unseen.length, 'row')} ` +
        `(${percent(fraction)}, ${fraction > t.maxUnseenCategoryFraction ? 'above' : 'within'} the ` +
        `${percent(t.maxUnseenCategoryFraction)} limit): ${listRows(
          unseen.map((c) => c.row),
          t.maxRowsListed,
        )}`,
    ),
  );
  return issues;
}

/** The reference statistics of this column, or undefined (with a warning if their type disagrees with the schema). */
function referenceFor(
  scan: ColumnScan,
  options: ValidationOptions,
  issues: DataValidationIssue[],
): ColumnStatistics | undefined {
  const columns = options.reference?.columns;
  if (!columns || !Object.hasOwn(columns, scan.spec.name)) return undefined;
  const ref = columns[scan.spec.name];
  if (ref.type !== scan.spec.type) {
    issues.push({
      severity: 'warning',
      kind: 'reference-mismatch',
      column: scan.spec.name,
      message:
        `column "${scan.spec.name}" is ${scan.spec.type} in the schema but ${ref.type} in the reference ` +
        'statistics: reference checks skipped',
    });
    return undefined;
  }
  return ref;
}

/** Readable multi-line text: a summary line, then one line per issue with its column and first row. */
export function formatReport(report: DataValidationReport): string {
  const errors = report.issues.filter((i) => i.severity === 'error').length;
  const warnings = report.issues.length - errors;
  const lines = [
    `Data validation ${report.ok ? 'passed' : 'FAILED'}: ${plural(report.rows, 'row')}, ` +
      `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`,
  ];
  for (const issue of report.issues) {
    const where = [
      issue.column !== undefined ? `column "${issue.column}"` : undefined,
      issue.row !== undefined ? `row ${issue.row}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  ${issue.severity === 'error' ? 'ERROR  ' : 'WARNING'} [${issue.kind}]${where ? ` (${where})` : ''} ${issue.message}`,
    );
  }
  return lines.join('\n');
}
