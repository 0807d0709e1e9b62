import fs from 'node:fs/promises';
import path from 'node:path';
import type { FeatureBatch } from './columns';
import type { ServedModel } from './model';
import type { Prediction } from './rows';

const MS_PER_DAY = 86_400_000;

export interface FeatureLogOptions {
  dir: string;
  /** Share of served rows written, 0..1 (default 1). */
  sampleRate?: number;
  random?: () => number;
}

/** A logged row's feature value as a client would send it: numbers, category strings, ISO dates; null if missing. */
function rawValue(kind: ServedModel['features'][number]['kind'], value: number | string): number | string | null {
  if (kind === 'categorical') return value === '' ? null : value;
  if (typeof value !== 'number' || Number.isNaN(value)) return null;
  if (kind === 'numeric') return value;
  const date = new Date(value * MS_PER_DAY);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Where a model version's served rows are logged (and where the drift monitor reads them). */
export function featureLogFile(dir: string, modelName: string, version: string | number): string {
  return path.join(dir, modelName, `${version}.jsonl`);
}

/**
 * Appends a sample of served rows (features, prediction, timestamp) as JSON lines to `<dir>/<model>/<version>.jsonl`.
 * Each batch of lines is one append, and appends are queued, so lines never interleave or break.
 */
export class FeatureLog {
  private tail: Promise<void> = Promise.resolve();
  private dirReady?: Promise<unknown>;
  private readonly sampleRate: number;
  private readonly random: () => number;
  /** Lines that could not be written (the error is reported once on stderr). */
  failedLines = 0;

  constructor(private readonly options: FeatureLogOptions) {
    const rate = options.sampleRate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`feature log sample rate must be within 0..1, got ${rate}`);
    this.sampleRate = rate;
    this.random = options.random ?? Math.random;
  }

  fileFor(model: Pick<ServedModel, 'name' | 'version'>): string {
    return featureLogFile(this.options.dir, model.name, model.version);
  }

  record(model: ServedModel, batch: FeatureBatch, predictions: Prediction[]): void {
    const timestamp = new Date().toISOString();
    const lines: string[] = [];
    for (let r = 0; r < batch.rows; r++) {
      if (this.sampleRate < 1 && !(this.random() < this.sampleRate)) continue;
      const features = Object.fromEntries(
        model.features.map((f, i) => [f.name, rawValue(f.kind, batch.columns[i][r])]),
      );
      lines.push(JSON.stringify({ timestamp, features, prediction: predictions[r] }));
    }
    if (lines.length === 0) return;
    const file = this.fileFor(model);
    const text = `${lines.join('\n')}\n`;
    this.dirReady ??= fs.mkdir(path.dirname(file), { recursive: true });
    const dirReady = this.dirReady;
    this.tail = this.tail
      .then(() => dirReady)
      .then(() => fs.appendFile(file, text))
      .catch((err: Error) => {
        if (this.failedLines === 0) console.error(`feature log: cannot write ${file}: ${err.message}`);
        this.failedLines += lines.length;
      });
  }

  /** Resolves when every recorded line is written. */
  flush(): Promise<void> {
    return this.tail;
  }
}
