import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendFeedbackRows } from '../../activities/feedback';
import { createHpoActivities } from '../../activities/hpo';
import { parseLifecycleConfig } from '../../config/project';
import { parseRetrainSettings } from '../../config/retrain';
import { feedbackRowsFromTable, parseFeedbackLines, type FeedbackRow } from '../../lib/data/feedback';
import { parseCsvTable } from '../../lib/data/parse-csv';
import type { DatasetSchema } from '../../lib/data/table';
import { holdoutMetrics, judgeChallenger } from '../../lib/retrain/compare';
import { feedbackWindow, mergedRecords, splitHoldout } from '../../lib/retrain/feedback-window';
import { FileArtifactStore } from '../../stores/artifact-store';
import { FileFeedbackStore } from '../../stores/feedback-store';
import { FileRegistry } from '../../stores/registry';
import { sweepSettingsFrom } from '../../workflows/sweep-defs';

const SCHEMA: DatasetSchema = {
  features: [
    { name: 'date', type: 'datetime' },
    { name: 'temp_min', type: 'numeric' },
    { name: 'weather', type: 'categorical' },
  ],
  target: { name: 'temp_max', type: 'numeric' },
};
const NOW = '2026-01-01T00:00:00.000Z';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-feedback-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function row(day: string, tempMin: number, label: number): FeedbackRow {
  return { timestamp: `${day}T00:00:00.000Z`, features: { date: day, temp_min: tempMin, weather: 'sun' }, label };
}

describe('feedback rows', () => {
  it('reads JSON lines as the feature log writes them, skipping blank lines and a truncated last line', () => {
    const text = [
      JSON.stringify({
        timestamp: '2015-01-01',
        features: { date: '2015-01-01T00:00:00.000Z', temp_min: 1 },
        label: 5,
      }),
      '',
      JSON.stringify({
        features: { date: '2015-01-02', temp_min: null, weather: 'rain' },
        label: '6.5',
        prediction: 4,
      }),
      '{"timestamp":"2015-01-03","features":{"date":"2015-',
    ].join('\n');
    const parsed = parseFeedbackLines(text, SCHEMA, 'f.jsonl', NOW);
    expect(parsed.truncatedLastLine).toBe(true);
    expect(parsed.rows).toEqual([
      {
        timestamp: '2015-01-01T00:00:00.000Z',
        features: { date: '2015-01-01T00:00:00.000Z', temp_min: 1, weather: null },
        label: 5,
      },
      { timestamp: NOW, features: { date: '2015-01-02', temp_min: null, weather: 'rain' }, label: 6.5 },
    ]);
  });

  it('names the line and field of a bad value, an unknown feature, a missing label or broken JSON', () => {
    const line = (value: object) => `${JSON.stringify(value)}\n`;
    const parse = (text: string) => () => parseFeedbackLines(text, SCHEMA, 'f.jsonl', NOW);
    const good = line({ features: { temp_min: 1 }, label: 2 });
    expect(parse(good + line({ features: { temp_min: 'warm' }, label: 2 }))).toThrow(
      'f.jsonl line 2: features.temp_min: "warm" is not a finite number; "temp_min" is numeric',
    );
    expect(parse(line({ features: { date: '2015-02-30' }, label: 2 }))).toThrow(
      'f.jsonl line 1: features.date: "2015-02-30" is not an ISO date',
    );
    expect(parse(line({ features: { tmin: 1 }, label: 2 }))).toThrow('f.jsonl line 1: unknown feature "tmin"');
    expect(parse(line({ features: { temp_min: 1 } }))).toThrow(
      'f.jsonl line 1: label: undefined is not a finite number; every row needs its label "temp_max"',
    );
    expect(parse(`{"features":\n${good}`)).toThrow('f.jsonl line 1: not valid JSON');
  });

  it('reads CSV rows by column name, timestamps from a column, and names the row and column of a bad cell', () => {
    const csv = 'location,date,temp_min,weather,temp_max\nNY,2015-01-01,1.5,sun,7\nNY,2015-01-02,,fog,8\n';
    const { rows, ignoredColumns } = feedbackRowsFromTable(parseCsvTable(csv, 'rows.csv'), SCHEMA, 'rows.csv', {
      timestampColumn: 'date',
      now: NOW,
    });
    expect(ignoredColumns).toEqual(['location']);
    expect(rows[1]).toEqual({
      timestamp: '2015-01-02T00:00:00.000Z',
      features: { date: '2015-01-02', temp_min: null, weather: 'fog' },
      label: 8,
    });
    const bad = 'date,temp_min,weather,temp_max\n2015-01-01,1,sun,7\n2015-01-02,cold,sun,8\n';
    expect(() => feedbackRowsFromTable(parseCsvTable(bad, 'b.csv'), SCHEMA, 'b.csv', { now: NOW })).toThrow(
      'b.csv row 2, column "temp_min": "cold" is not a finite number; "temp_min" is numeric',
    );
    const noLabel = 'date,temp_min,weather\n2015-01-01,1,sun\n';
    expect(() => feedbackRowsFromTable(parseCsvTable(noLabel, 'c.csv'), SCHEMA, 'c.csv', { now: NOW })).toThrow(
      'c.csv: missing column "temp_max"',
    );
  });

  it('appends whole files through the store, checked against the serving version, and repairs a torn tail', async () => {
    const registry = new FileRegistry(path.join(dir, 'registry'));
    const feedback = new FileFeedbackStore(path.join(dir, 'feedback'));
    await registry.register({
      name: 'm',
      runKey: 'r/1',
      modelType: 'ridge',
      task: 'regression',
      dataset: { source: 'x.csv', hash: 'a'.repeat(64), rows: 1 },
      features: SCHEMA.features,
      target: SCHEMA.target,
      hyperparameters: {},
      metrics: {},
      artifact: { hash: 'b'.repeat(64), size: 1, uri: 'file:///x' },
    });
    const csv = 'date,temp_min,weather,temp_max\n2015-01-01,1,sun,7\n';
    const deps = { registry, feedback };
    const result = await appendFeedbackRows(deps, { modelName: 'm', content: csv, source: 'a.csv' }, NOW);
    expect(result).toMatchObject({ version: 1, appended: 1, file: path.join(dir, 'feedback', 'm.jsonl') });
    // A writer died mid-line; the next append cuts the fragment off instead of gluing onto it.
    fs.appendFileSync(result.file, '{"timestamp":"2015-');
    await appendFeedbackRows(deps, { modelName: 'm', content: csv, source: 'b.csv' }, NOW);
    const text = await feedback.read('m');
    expect(text.split('\n')).toHaveLength(3);
    expect(parseFeedbackLines(text, SCHEMA, 'm.jsonl', NOW)).toMatchObject({ truncatedLastLine: false });
    // Nothing is appended from a file with one bad row.
    const bad = `${csv}2015-01-02,1,sun,hot\n`;
    await expect(appendFeedbackRows(deps, { modelName: 'm', content: bad, source: 'c.csv' }, NOW)).rejects.toThrow(
      'c.csv row 2, column "temp_max": "hot" is not a finite number',
    );
    expect(await feedback.read('m')).toBe(text);
    await expect(appendFeedbackRows(deps, { modelName: 'other', content: csv, source: 'a.csv' })).rejects.toThrow(
      'model "other" has no registered version',
    );
  });
});

describe('feedback window, holdout and merge', () => {
  const rows = [row('2015-01-03', 3, 13), row('2015-01-01', 1, 11), row('2015-03-01', 5, 15), row('2015-01-02', 2, 12)];

  it('orders rows by time, keeps the window measured from the newest row, and holds out the newest rows', () => {
    expect(feedbackWindow(rows, {}).map((r) => r.label)).toEqual([11, 12, 13, 15]);
    expect(feedbackWindow(rows, { lookbackDays: 30 }).map((r) => r.label)).toEqual([15]);
    expect(feedbackWindow(rows, { maxRows: 2 }).map((r) => r.label)).toEqual([13, 15]);
    const { training, holdout } = splitHoldout(feedbackWindow(rows, {}), 0.3);
    expect(training.map((r) => r.label)).toEqual([11, 12, 13]);
    expect(holdout.map((r) => r.label)).toEqual([15]);
    expect(splitHoldout(feedbackWindow(rows, {}), 0.99).training).toHaveLength(1);
  });

  it("appends feedback rows to the base table's model columns", () => {
    const base = parseCsvTable('date,temp_min,weather,temp_max,city\n2012-01-01,0,rain,5,Seattle\n', 'b.csv');
    expect(mergedRecords(base, SCHEMA, [rows[0]])).toEqual([
      { date: '2012-01-01', temp_min: 0, weather: 'rain', temp_max: 5 },
      { date: '2015-01-03', temp_min: 3, weather: 'sun', temp_max: 13 },
    ]);
    expect(() => mergedRecords(base, { ...SCHEMA, target: { name: 'tmax', type: 'numeric' } }, [])).toThrow(
      'the base dataset has no column "tmax"',
    );
  });
});

describe('champion vs challenger', () => {
  it('scores regression and classification predictions on the holdout', () => {
    expect(holdoutMetrics([1, 2, 3], [1, 2, null])).toMatchObject({ mse: 0, r2: 1, rows: 3, invalidPredictions: 1 });
    const p = (label: string, a: number) => ({ label, probabilities: { a, b: 1 - a } });
    const m = holdoutMetrics(['a', 'b'], [p('a', 0.8), p('a', 0.6)]);
    expect(m.accuracy).toBe(0.5);
    expect(m.logLoss).toBeCloseTo(-(Math.log(0.8) + Math.log(0.4)) / 2, 12);
  });

  it('needs the relative margin, in the direction of the metric', () => {
    expect(judgeChallenger('mse', 10, 9.7, 0.02)).toMatchObject({ better: true, improvement: expect.closeTo(0.03) });
    expect(judgeChallenger('mse', 10, 9.9, 0.02)).toMatchObject({ better: false });
    expect(judgeChallenger('mse', 10, 9.9, 0.02).reason).toBe(
      'holdout mse: challenger 9.9000 vs champion 10.000: only 1.0 % better, below the margin of 2.0 %',
    );
    expect(judgeChallenger('accuracy', 0.8, 0.9, 0.02).better).toBe(true);
    expect(judgeChallenger('accuracy', 0.8, 0.7, 0).reason).toContain('12.5 % worse');
    expect(judgeChallenger('mse', 10, 10, 0).better).toBe(false);
  });
});

describe('retrain settings', () => {
  it('fills defaults and names the bad field', () => {
    expect(parseRetrainSettings({})).toEqual({
      margin: 0.02,
      holdoutFraction: 0.3,
      reference: 'feedback',
      minFeedbackRows: 50,
      feedback: {},
      sweep: { maxTrials: 6, initialTrials: 3 },
    });
    expect(() => parseRetrainSettings({ margin: -1, sweep: { maxTrials: 0 }, extra: 1 })).toThrow(
      [
        'Invalid retrain settings:',
        '  retrain.margin: Too small: expected number to be >=0',
        '  retrain.sweep.maxTrials: Too small: expected number to be >=1',
        '  retrain.(root): Unrecognized key: "extra"',
      ].join('\n'),
    );
    expect(() => parseLifecycleConfig({ retrain: { holdoutFraction: 1 } })).toThrow('retrain.holdoutFraction');
  });
});

describe('warm-started sweep', () => {
  it("suggests the initial points first (the champion's hyperparameters), then continues the design", async () => {
    const { suggestTrials } = createHpoActivities({ store: new FileArtifactStore(path.join(dir, 'artifacts')) });
    const config = parseLifecycleConfig({ model: { type: 'mlp' }, sweep: { initialTrials: 2 } });
    const space = {
      learningRate: { type: 'float' as const, low: 1e-4, high: 0.1, log: true },
      hiddenUnits: { type: 'int' as const, low: 8, high: 64 },
    };
    const champion = { learningRate: 0.01, hiddenUnits: 32 };
    const settings = { ...sweepSettingsFrom(config), space, initialPoints: [champion] };
    const first = await suggestTrials({ settings, observations: [], pending: [], count: 2 });
    expect(first[0]).toEqual(champion);
    expect(first[1]).not.toEqual(champion);
    // Once handed out, the initial point is not suggested again.
    const later = await suggestTrials({
      settings,
      observations: [{ params: champion, loss: 1 }],
      pending: [],
      count: 1,
    });
    expect(later[0]).not.toEqual(champion);
    // Without initial points the sweep is unchanged.
    const plain = { ...settings, initialPoints: undefined };
    expect(await suggestTrials({ settings: plain, observations: [], pending: [], count: 1 })).not.toEqual([champion]);
  });
});
