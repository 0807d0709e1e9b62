import fs from 'node:fs/promises';
import path from 'node:path';
import { MODEL_NAME_PATTERN } from '../config/project';
import { lockFile } from './file-lock';

const NEWLINE = 0x0a;

/**
 * Labelled rows per model, appended as JSON lines (`{timestamp, features, label}`, see lib/data/feedback.ts) and
 * read whole by retrains. An object store or a table can replace the folder behind the same interface.
 */
export interface FeedbackStore {
  /** Appends complete lines (without newlines) as one write. */
  append(modelName: string, lines: string[]): Promise<void>;
  /** The stored text ('' when nothing was appended yet). */
  read(modelName: string): Promise<string>;
  /** Where the model's rows live, for messages. */
  location(modelName: string): string;
}

/** `<root>/<model>.jsonl`; appends hold an inter-process lock, so concurrent writers never interleave lines. */
export class FileFeedbackStore implements FeedbackStore {
  constructor(private readonly root: string) {}

  location(modelName: string): string {
    if (!MODEL_NAME_PATTERN.test(modelName)) {
      throw new RangeError(`model name "${modelName}" does not match ${MODEL_NAME_PATTERN}`);
    }
    return path.join(this.root, `${modelName}.jsonl`);
  }

  async read(modelName: string): Promise<string> {
    return fs.readFile(this.location(modelName), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
  }

  async append(modelName: string, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    if (lines.some((l) => l.includes('\n'))) throw new RangeError('feedback lines must not contain newlines');
    const file = this.location(modelName);
    await fs.mkdir(this.root, { recursive: true });
    const handle = await fs.open(file, 'a');
    await handle.close();
    const release = await lockFile(file, () => undefined);
    try {
      await this.repairTail(file);
      await fs.appendFile(file, `${lines.join('\n')}\n`);
    } finally {
      await release().catch(() => undefined);
    }
  }

  /**
   * A writer that died mid-append leaves a last line without its newline. Under the lock no append is in progress,
   * so that fragment is cut off (or, if it is complete JSON, finished with a newline) before the next append.
   */
  private async repairTail(file: string): Promise<void> {
    // Every append reads the last byte only: the whole file just when a line was left unfinished.
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size === 0) return;
      const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
      if (buffer[0] === NEWLINE) return;
    } finally {
      await handle.close();
    }
    const text = await fs.readFile(file, 'utf8');
    const start = text.lastIndexOf('\n') + 1;
    let complete = true;
    try {
      JSON.parse(text.slice(start));
    } catch {
      complete = false;
    }
    if (complete) await fs.appendFile(file, '\n');
    else await fs.truncate(file, Buffer.byteLength(text.slice(0, start)));
  }
}
