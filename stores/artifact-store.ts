import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from './atomic-file';

/** A stored blob, named by the SHA-256 of its content. */
export interface ArtifactRef {
  hash: string;
  size: number;
  uri: string;
}

/** Content-addressed storage for dataset snapshots, models and reports; an object store can replace the folder. */
export interface ArtifactStore {
  put(content: Uint8Array | string): Promise<ArtifactRef>;
  get(hash: string): Promise<Buffer>;
  putJson(value: unknown): Promise<ArtifactRef>;
  getJson<T>(hash: string): Promise<T>;
}

export function sha256(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex');
}

export class ArtifactNotFoundError extends Error {
  override name = 'ArtifactNotFoundError';
}

export class ArtifactCorruptedError extends Error {
  override name = 'ArtifactCorruptedError';
}

/** `<root>/sha256/<hash>`: writes are atomic and idempotent, reads verify the hash. */
export class FileArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new RangeError(`not a sha256 artifact hash: "${hash}"`);
    return path.join(this.root, 'sha256', hash);
  }

  async put(content: Uint8Array | string): Promise<ArtifactRef> {
    const hash = sha256(content);
    const file = this.pathOf(hash);
    const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    // Already stored and intact: keep it; missing or damaged: (re)write it atomically.
    const intact = await fs.readFile(file).then(
      (existing) => sha256(existing) === hash,
      () => false,
    );
    if (!intact) await writeFileAtomic(file, content);
    return { hash, size, uri: pathToFileURL(file).href };
  }

  async get(hash: string): Promise<Buffer> {
    const file = this.pathOf(hash);
    const content = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ArtifactNotFoundError(`artifact ${hash} is not in ${this.root}`);
      throw err;
    });
    if (sha256(content) !== hash)
      throw new ArtifactCorruptedError(`artifact ${hash} at ${file} does not match its hash`);
    return content;
  }

  putJson(value: unknown): Promise<ArtifactRef> {
    return this.put(JSON.stringify(value));
  }

  async getJson<T>(hash: string): Promise<T> {
    return JSON.parse((await this.get(hash)).toString('utf8')) as T;
  }
}
