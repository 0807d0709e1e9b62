import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, localInstallPaths, TemporalCliNotFoundError } from '../../runtime/temporal-cli';

const savedEnv = process.env;
let dir: string;

beforeEach(() => {
  process.env = { ...savedEnv };
  delete process.env.TEMPORAL_CLI_PATH;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-'));
});

afterEach(() => {
  process.env = savedEnv;
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeFile(file: string, mode: number): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho fake temporal\n', { mode });
  return file;
}

/** No `temporal` on PATH and an empty tools folder, so only what a test creates can be found. */
function isolate(): void {
  process.env.PATH = '';
  process.env.MLOPS_TOOLS_DIR = path.join(dir, 'tools');
}

describe('findTemporalCli', () => {
  it.each([
    ['a missing file', () => path.join(dir, 'missing')],
    ['a non-executable file', () => writeFile(path.join(dir, 'temporal'), 0o644)],
    ['a directory', () => dir],
  ])('throws TemporalCliNotFoundError naming TEMPORAL_CLI_PATH for %s', (_, target) => {
    process.env.TEMPORAL_CLI_PATH = target();
    expect(() => findTemporalCli()).toThrow(TemporalCliNotFoundError);
    expect(() => findTemporalCli()).toThrow(`TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH}`);
  });

  it('returns TEMPORAL_CLI_PATH when it is executable, before PATH', () => {
    writeFile(path.join(dir, 'bin', 'temporal'), 0o755);
    process.env.PATH = path.join(dir, 'bin');
    process.env.TEMPORAL_CLI_PATH = writeFile(path.join(dir, 'custom-temporal'), 0o755);
    expect(findTemporalCli()).toBe(path.join(dir, 'custom-temporal'));
  });

  it('finds an executable `temporal` on PATH, skipping non-executable ones', () => {
    isolate();
    writeFile(path.join(dir, 'first', 'temporal'), 0o644);
    const expected = writeFile(path.join(dir, 'second', 'temporal'), 0o755);
    process.env.PATH = [path.join(dir, 'empty'), path.join(dir, 'first'), path.join(dir, 'second')].join(
      path.delimiter,
    );
    expect(findTemporalCli()).toBe(expected);
  });

  it('returns undefined when nothing is installed, then the pip install once it exists', () => {
    isolate();
    expect(localInstallPaths().pip.startsWith(path.join(dir, 'tools') + path.sep)).toBe(true);
    expect(findTemporalCli()).toBeUndefined();
    writeFile(localInstallPaths().pip, 0o755);
    expect(findTemporalCli()).toBe(localInstallPaths().pip);
  });

  it('falls back to the go install', () => {
    isolate();
    writeFile(localInstallPaths().go, 0o755);
    expect(findTemporalCli()).toBe(localInstallPaths().go);
  });
});
