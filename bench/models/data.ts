import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTable } from '../../activities/readers';
import type { DatasetFormat } from '../../lib/data/schema-config';
import { fitPreprocessor, transformRows } from '../../lib/data/preprocess';
import { resolveSchema } from '../../lib/data/schema';
import { randomSplit, takeRows } from '../../lib/data/split';
import type { Table } from '../../lib/data/table';
import type { ClassificationDataset } from '../../lib/models/types';

export const ROOT = join(__dirname, '..', '..');
/** Git-ignored; holds the venv, the shared matrices and both sides' results. */
export const OUT_DIR = join(ROOT, '.mlops', 'bench');
const DATA_DIR = join(ROOT, 'node_modules', 'vega-datasets', 'data');

/** The seed of every holdout split; model seeds are listed per benchmark. */
export const SPLIT_SEED = 42;

export async function loadTable(file: string, format: DatasetFormat): Promise<Table> {
  return readTable(readFileSync(join(DATA_DIR, file)), format, file);
}

/** Preprocessed matrices: what both our trainers and scikit-learn receive. Classification adds `classes`. */
export interface SharedTask {
  name: string;
  task: 'regression' | 'classification';
  featureNames: string[];
  targetName: string;
  classes?: string[];
  train: { x: number[][]; y: number[] };
  validation: { x: number[][]; y: number[] };
}

/**
 * Drops rows without a target, splits the rest at random (seeded), fits our preprocessor (imputation, scaling,
 * one-hot, day-of-year) on the training rows only and transforms both sets with it.
 */
export function prepareTask(
  name: string,
  table: Table,
  target: string,
  features: string[],
  validationFraction: number,
): SharedTask {
  const schema = resolveSchema(table, { target, features });
  const kept = table.data[target].flatMap((cell, row) => (cell === null ? [] : [row]));
  const split = randomSplit(kept.length, validationFraction, SPLIT_SEED);
  const trainRows = takeRows(kept, split.train);
  const validationRows = takeRows(kept, split.validation);
  const pre = fitPreprocessor(table, schema.features, trainRows);
  const targetColumn = table.data[target];
  const task = schema.target.type === 'numeric' ? 'regression' : 'classification';
  const classes =
    task === 'classification' ? [...new Set(trainRows.map((r) => String(targetColumn[r])))].sort() : undefined;
  const encode = (rows: number[]) =>
    rows.map((r) => (classes ? classes.indexOf(String(targetColumn[r])) : Number(targetColumn[r])));
  return {
    name,
    task,
    featureNames: pre.outputNames,
    targetName: target,
    ...(classes ? { classes } : {}),
    train: { x: transformRows(pre, table, trainRows), y: encode(trainRows) },
    validation: { x: transformRows(pre, table, validationRows), y: encode(validationRows) },
  };
}

/** Rows `indices` of one set as a dataset our trainers take. */
export function datasetOf(shared: SharedTask, set: SharedTask['train'], indices?: number[]): ClassificationDataset {
  const x = indices ? takeRows(set.x, indices) : set.x;
  const y = indices ? takeRows(set.y, indices) : set.y;
  return {
    featureNames: shared.featureNames,
    targetName: shared.targetName,
    features: x,
    target: y,
    classes: shared.classes ?? [],
  };
}

export function writeShared(file: string, value: unknown): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const path = join(OUT_DIR, file);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
