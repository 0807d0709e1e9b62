import type { ApplicationFailure } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { lifecycleWorkflowId } from '../workflows/lifecycle-defs';
import { activityFailureOf, temporalTestFile, uniqueTaskQueue, withWorkers } from './helpers/temporal';

const suite = temporalTestFile('mlops-bad-');

/** A CSV of `rows` rows: x1 numeric, x2 numeric, y numeric target; `edit` changes cells per row. */
function csv(name: string, header: string[], rows: (string | number)[][]): string {
  const file = path.join(suite.dir, name);
  fs.writeFileSync(file, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return file;
}

const numbers = (n: number, f: (i: number) => (string | number)[]) => Array.from({ length: n }, (_, i) => f(i));

/** Runs a lifecycle that must fail in an activity; returns that activity's application failure. */
async function failureOf(modelName: string, config: object): Promise<ApplicationFailure> {
  const taskQueue = uniqueTaskQueue('bad');
  const { app } = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
    activityFailureOf(
      suite.client.workflow.execute('lifecycleWorkflow', {
        taskQueue,
        workflowId: lifecycleWorkflowId(modelName, taskQueue),
        args: [{ modelName, ...config }],
      }),
    ),
  );
  expect(app.nonRetryable).toBe(true);
  // Nothing half-written: no model version of this name exists.
  expect(fs.existsSync(path.join(process.env.MLOPS_HOME!, 'registry', modelName))).toBe(false);
  return app;
}

const regression = (source: string, features = ['x1', 'x2']) => ({ dataset: { source, target: 'y', features } });

describe('bad input fails the lifecycle with a clear, non-retryable error', () => {
  it('empty dataset', async () => {
    const app = await failureOf('empty', regression(csv('empty.csv', ['x1', 'x2', 'y'], [])));
    expect(app.message).toMatch(/no values|no rows|empty/);
    expect(app.message).toContain('x1');
  });

  it('constant feature column', async () => {
    const file = csv(
      'constant.csv',
      ['x1', 'x2', 'y'],
      numbers(50, (i) => [i, 7, 2 * i + 1]),
    );
    const app = await failureOf('constant', regression(file));
    expect(app.type).toBe('DatasetValidationError');
    expect(app.message).toMatch(/"x2".*constant|constant.*"x2"/);
  });

  it('all-missing feature column', async () => {
    const file = csv(
      'all-missing.csv',
      ['x1', 'x2', 'y'],
      numbers(50, (i) => [i, '', 2 * i + 1]),
    );
    const app = await failureOf('all-missing', regression(file));
    expect(app.message).toMatch(/"x2"/);
    expect(app.message).toMatch(/no values|missing in every row|all.missing/i);
  });

  it('missing target column', async () => {
    const file = csv(
      'no-target.csv',
      ['x1', 'x2'],
      numbers(50, (i) => [i, i % 7]),
    );
    const app = await failureOf('no-target', regression(file));
    expect(app.type).toBe('DatasetSchemaError');
    expect(app.message).toContain('target: column "y" is not in the dataset');
  });

  it('missing target values', async () => {
    const file = csv(
      'target-gaps.csv',
      ['x1', 'x2', 'y'],
      numbers(50, (i) => [i, i % 7, i === 9 ? '' : i]),
    );
    const app = await failureOf('target-gaps', regression(file));
    expect(app.type).toBe('DatasetValidationError');
    expect(app.message).toMatch(/"y"/);
    expect(app.message).toMatch(/row 10\b/);
  });

  it('non-finite values', async () => {
    const file = csv(
      'inf.csv',
      ['x1', 'x2', 'y'],
      numbers(50, (i) => [i === 4 ? '1e999' : i, i % 7, i]),
    );
    const app = await failureOf('non-finite', regression(file, ['x1', 'x2']));
    expect(app.message).toMatch(/"x1"/);
    expect(app.message).toMatch(/row 5\b/);
  });

  it('categorical target with one class', async () => {
    const file = csv(
      'one-class.csv',
      ['x1', 'x2', 'y'],
      numbers(50, (i) => [i, i % 7, 'only']),
    );
    const app = await failureOf('one-class', { ...regression(file), model: { type: 'logistic' } });
    expect(app.message).toContain('single class ("only")');
  });

  it('dataset too small for the requested split', async () => {
    const file = csv(
      'tiny.csv',
      ['x1', 'x2', 'y'],
      numbers(3, (i) => [i, i * i, i]),
    );
    const app = await failureOf('tiny', { ...regression(file), split: { validationFraction: 0.1 } });
    expect(app.type).toBe('DatasetTooSmallError');
    expect(app.message).toContain('split.validationFraction');
  });

  it('unknown model type', async () => {
    const app = await failureOf('unknown-type', { model: { type: 'forest' } });
    expect(app.type).toBe('ConfigError');
    expect(app.message).toContain('model.type');
  });

  it('hyperparameter out of range', async () => {
    const app = await failureOf('bad-hp', { model: { type: 'mlp', hyperparameters: { learningRate: 5 } } });
    expect(app.type).toBe('ConfigError');
    expect(app.message).toContain('hyperparameter "learningRate" = 5 is outside');
  });

  it('model family that cannot learn the task', async () => {
    const app = await failureOf('ridge-species', {
      dataset: { source: 'vega-datasets:penguins.json', target: 'Species' },
      model: { type: 'ridge' },
    });
    expect(app.type).toBe('TrainingError');
    expect(app.message).toContain('model.type "ridge" cannot do classification');
  });
});
