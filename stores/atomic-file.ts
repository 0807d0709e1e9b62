import fs from 'node:fs/promises';
import path from 'node:path';

/** Writes to a temporary sibling and renames it into place, so readers never see a half-written file. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

/** Like writeFileAtomic, but fails with EEXIST instead of replacing an existing file (a hard link is atomic). */
export async function createFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(tmp, data);
  try {
    await fs.link(tmp, file);
  } finally {
    await fs.unlink(tmp);
  }
}
