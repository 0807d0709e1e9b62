import type { NumericDataset } from '../lib/data/dataset';
import { categoryOf, fitPreprocessor, Preprocessor, transformRows } from '../lib/data/preprocess';
import type { SplitIndices } from '../lib/data/split';
import type { DatasetSchema, Table } from '../lib/data/table';
import type { ClassificationDataset } from '../lib/models/types';
import type { ArtifactStore } from '../stores/artifact-store';
import type { SplitDataset, ValidatedDataset } from './data';

/** Train and validation matrices after the preprocessing fitted on the training rows. */
export interface PreparedData {
  table: Table;
  split: SplitIndices;
  preprocessor: Preprocessor;
  train: NumericDataset | ClassificationDataset;
  validation: NumericDataset | ClassificationDataset;
}

function targetValues(table: Table, schema: DatasetSchema, rows: number[], classes?: string[]): number[] {
  const column = table.data[schema.target.name];
  if (!classes) return rows.map((r) => column[r] as number);
  return rows.map((r) => classes.indexOf(categoryOf(column[r])));
}

/** Loads the validated table and split, fits the preprocessing on the training rows and builds both datasets. */
export async function loadPreparedData(
  store: ArtifactStore,
  dataset: ValidatedDataset,
  splitRef: SplitDataset,
  preprocessor?: Preprocessor,
): Promise<PreparedData> {
  const [table, split] = await Promise.all([
    store.getJson<Table>(dataset.tableHash),
    store.getJson<SplitIndices>(splitRef.splitHash),
  ]);
  const pre = preprocessor ?? fitPreprocessor(table, dataset.schema.features, split.train);
  // Classes come from every row, so a class seen only in validation still has an output (and counts as an error).
  const classes =
    dataset.task === 'classification'
      ? [...new Set(table.data[dataset.schema.target.name].map(categoryOf))].sort()
      : undefined;
  const build = (rows: number[]) => ({
    featureNames: pre.outputNames,
    targetName: dataset.schema.target.name,
    features: transformRows(pre, table, rows),
    target: targetValues(table, dataset.schema, rows, classes),
    ...(classes ? { classes } : {}),
  });
  return { table, split, preprocessor: pre, train: build(split.train), validation: build(split.validation) };
}
