import type { DatasetSpec, NumericDataset, RawTable } from './dataset';

/** One problem found in a dataset, located by column and 1-based data row (row 1 is the line after the header). */
export interface ValidationIssue {
  kind: 'missing-column' | 'missing-value' | 'non-numeric' | 'empty-dataset';
  column?: string;
  row?: number;
  value?: string;
  message: string;
}

export type ValidationResult = { ok: true; dataset: NumericDataset } | { ok: false; issues: ValidationIssue[] };

/** Plain decimal numbers only: `Number()` alone would also accept hex (`0x10`), binary and `Infinity`. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Stop collecting after this many issues: a broken file should not produce a million-line report. */
const MAX_ISSUES = 20;

/** Checks the schema (columns present), missing values and numeric types, then builds the numeric dataset. */
export function validateNumericDataset(table: RawTable, spec: DatasetSpec): ValidationResult {
  const needed = [...spec.features, spec.target];
  const missingColumns = needed.filter((c) => !table.columns.includes(c));
  if (missingColumns.length > 0) {
    return {
      ok: false,
      issues: missingColumns.map((column) => ({
        kind: 'missing-column',
        column,
        message:
          `column "${column}" is missing from the dataset (columns present: ${table.columns.join(', ')}); ` +
          'fix the file or the config\'s "features"/"target"',
      })),
    };
  }
  if (table.rows.length === 0) {
    return { ok: false, issues: [{ kind: 'empty-dataset', message: 'the dataset has a header but no rows' }] };
  }

  const issues: ValidationIssue[] = [];
  const features: number[][] = [];
  const target: number[] = [];
  table.rows.forEach((record, index) => {
    const row = index + 1;
    const values = needed.map((column) => {
      const raw = record[column] ?? '';
      const text = raw.trim();
      const value = DECIMAL.test(text) ? Number(text) : NaN;
      if (text === '') {
        issues.push({
          kind: 'missing-value',
          column,
          row,
          message: `column "${column}", row ${row}: value is missing`,
        });
      } else if (!Number.isFinite(value)) {
        issues.push({
          kind: 'non-numeric',
          column,
          row,
          value: raw,
          message: `column "${column}", row ${row}: "${raw}" is not a finite number`,
        });
      }
      return value;
    });
    features.push(values.slice(0, spec.features.length));
    target.push(values[values.length - 1]);
  });
  if (issues.length > 0) return { ok: false, issues: issues.slice(0, MAX_ISSUES) };
  return { ok: true, dataset: { featureNames: spec.features, targetName: spec.target, features, target } };
}

export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `  - ${i.message}`).join('\n');
}
