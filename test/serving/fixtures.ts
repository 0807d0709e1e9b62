import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { parseCsvTable } from '../../lib/data/parse-csv';
import { parseJsonTable } from '../../lib/data/parse-json';
import { fitPreprocessor, transformRows } from '../../lib/data/preprocess';
import { resolveSchema, type DeclaredSchema } from '../../lib/data/schema';
import { randomSplit } from '../../lib/data/split';
import type { Table } from '../../lib/data/table';
import { pipelineToOnnx } from '../../lib/models/onnx-pipeline';
import { resolveHyperparameters, trainModelFamily, type ModelType } from '../../lib/models/trainers';
import { SEATTLE_DATASET } from '../../config/project';

export interface ModelFixture {
  file: string;
  features: { name: string; type: string }[];
  classes?: string[];
}

/** Runs the lifecycle's pure steps (parse, schema, split, preprocess, train, export) and writes the ONNX file. */
function trainAndExport(table: Table, declared: DeclaredSchema, type: ModelType, name: string, dir: string) {
  const schema = resolveSchema(table, declared);
  const labelled = Array.from({ length: table.rowCount }, (_, i) => i).filter(
    (r) => table.data[schema.target.name][r] !== null,
  );
  const split = randomSplit(labelled.length, 0.2, 42);
  const train = split.train.map((i) => labelled[i]);
  const validation = split.validation.map((i) => labelled[i]);
  const pre = fitPreprocessor(table, schema.features, train);
  const classification = schema.target.type === 'categorical';
  const classes = classification
    ? [...new Set(labelled.map((r) => String(table.data[schema.target.name][r])))].sort()
    : undefined;
  const build = (rows: number[]) => ({
    featureNames: pre.outputNames,
    targetName: schema.target.name,
    features: transformRows(pre, table, rows),
    target: rows.map((r) => {
      const cell = table.data[schema.target.name][r];
      return classes ? classes.indexOf(String(cell)) : (cell as number);
    }),
    ...(classes ? { classes } : {}),
  });
  const task = classification ? 'classification' : 'regression';
  const { model } = trainModelFamily(type, task, build(train), build(validation), resolveHyperparameters(type), 42);
  const bytes = pipelineToOnnx(pre, model, {
    modelName: name,
    targetName: schema.target.name,
    metadata: { schema: JSON.stringify(schema) },
  });
  const file = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(file, bytes);
  return { file, features: schema.features, ...(classes ? { classes } : {}) };
}

export function tempDir(prefix = 'serving-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Ridge regression of Seattle's temp_max on date, precipitation, temp_min, wind and weather. */
export function seattleModel(dir: string): ModelFixture {
  const source = 'vega-datasets:seattle-weather.csv';
  const table = parseCsvTable(fs.readFileSync(resolveDatasetPath(source)), source);
  return trainAndExport(
    table,
    { target: SEATTLE_DATASET.target, features: SEATTLE_DATASET.features },
    'ridge',
    'seattle',
    dir,
  );
}

/** Logistic regression of penguin Species on every other column. */
export function penguinsModel(dir: string): ModelFixture {
  const source = 'vega-datasets:penguins.json';
  const table = parseJsonTable(fs.readFileSync(resolveDatasetPath(source)), source);
  return trainAndExport(table, { target: 'Species' }, 'logistic', 'penguins', dir);
}
