import fs from 'node:fs/promises';

/** A logged feature value: numbers, category strings, ISO dates; null when missing. */
export type LoggedValue = number | string | null;

/** Rows of a feature log read from a byte offset, as columns of the requested features. */
export interface FeatureLogWindow {
  /** Feature → values, one per row (null where a row lacks the feature). */
  columns: Record<string, LoggedValue[]>;
  rows: number;
  /** Byte offset after the last complete line consumed: where the next window starts. */
  offset: number;
  /** False when there is no log file yet (nothing served, or no row logged): an empty window. */
  fileFound: boolean;
  /** Complete lines that were not a JSON object with a `features` object: consumed and skipped. */
  malformedLines: number;
  /** A last line without its newline (still being written): left for the next window. */
  partialLine: boolean;
  /** The log was shorter than the offset (replaced or cut): read again from the start. */
  restarted: boolean;
  firstTimestamp?: string;
  lastTimestamp?: string;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loggedValue(value: unknown): LoggedValue {
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}

/**
 * Reads up to `maxRows` complete JSON lines of `<featureLogDir>/<model>/<version>.jsonl` from byte `offset`. Lines are
 * consumed only up to their newline, so a line still being appended is read whole by a later window; a missing file is
 * an empty window at offset 0.
 */
export async function readFeatureLogWindow(
  file: string,
  offset: number,
  maxRows: number,
  features: readonly string[],
): Promise<FeatureLogWindow> {
  const columns: Record<string, LoggedValue[]> = Object.fromEntries(features.map((f) => [f, []]));
  const window: FeatureLogWindow = {
    columns,
    rows: 0,
    offset,
    fileFound: true,
    malformedLines: 0,
    partialLine: false,
    restarted: false,
  };
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...window, offset: 0, fileFound: false };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (offset > size) {
      window.restarted = true;
      window.offset = 0;
    }
    let position = window.offset;
    let carry = Buffer.alloc(0);
    while (window.rows < maxRows && position < size) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - position));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const buffer = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let end = buffer.indexOf(NEWLINE, start); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
        addLine(window, buffer.toString('utf8', start, end), features);
        window.offset += end + 1 - start;
        start = end + 1;
        if (window.rows >= maxRows) break;
      }
      carry = buffer.subarray(start);
      if (window.rows >= maxRows) break;
    }
    window.partialLine = window.rows < maxRows && carry.length > 0;
    return window;
  } finally {
    await handle.close();
  }
}

function addLine(window: FeatureLogWindow, line: string, features: readonly string[]): void {
  if (line.trim() === '') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    window.malformedLines++;
    return;
  }
  if (!isRecord(parsed) || !isRecord(parsed.features)) {
    window.malformedLines++;
    return;
  }
  const row = parsed.features;
  for (const f of features) window.columns[f].push(loggedValue(row[f]));
  window.rows++;
  if (typeof parsed.timestamp === 'string') {
    window.firstTimestamp ??= parsed.timestamp;
    window.lastTimestamp = parsed.timestamp;
  }
}
