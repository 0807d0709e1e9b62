import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileRegistry, type NewModelVersion } from '../../stores/registry';

let root: string;
let registry: FileRegistry;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'));
  registry = new FileRegistry(root);
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function entry(runKey: string, name = 'demo-model'): NewModelVersion {
  return {
    name,
    runKey,
    modelType: 'ridge',
    task: 'regression',
    dataset: { source: 'vega-datasets:seattle-weather.csv', hash: 'a'.repeat(64), rows: 1461 },
    features: [
      { name: 'precipitation', type: 'numeric' },
      { name: 'wind', type: 'numeric' },
    ],
    target: { name: 'temp_max', type: 'numeric' },
    hyperparameters: { l2: 1 },
    metrics: { validationMse: 4.2 },
    artifact: { hash: 'b'.repeat(64), size: 10, uri: 'file:///tmp/x' },
  };
}

describe('FileRegistry', () => {
  it('numbers versions 1, 2, ... per model name', async () => {
    const first = await registry.register(entry('wf/run-1'));
    const second = await registry.register(entry('wf/run-2'));
    const other = await registry.register(entry('wf/run-3', 'other-model'));
    expect(first).toMatchObject({ ...entry('wf/run-1'), version: 1 });
    expect(second.version).toBe(2);
    expect(other.version).toBe(1);
    expect(Number.isNaN(Date.parse(first.createdAt))).toBe(false);
  });

  it('returns the existing version when the same runKey registers again', async () => {
    const first = await registry.register(entry('wf/run-1'));
    await registry.register(entry('wf/run-2'));
    const again = await registry.register(entry('wf/run-1'));
    expect(again).toEqual(first);
    expect((await registry.list('demo-model')).map((m) => m.version)).toEqual([1, 2]);
  });

  it('gives 10 concurrent registrations the versions 1..10, each exactly once', async () => {
    const runKeys = Array.from({ length: 10 }, (_, i) => `wf/run-${i}`);
    const results = await Promise.all(runKeys.map((k) => registry.register(entry(k))));
    expect(results.map((m) => m.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const listed = await registry.list('demo-model');
    expect(listed.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Each version on disk belongs to the run that was told it got that version.
    results.forEach((m) => expect(listed[m.version - 1].runKey).toBe(m.runKey));
  });

  it('lists versions in numeric order (10 after 9, not after 1)', async () => {
    for (let i = 1; i <= 11; i++) await registry.register(entry(`wf/run-${i}`));
    expect((await registry.list('demo-model')).map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('returns undefined for an unknown version or model, and [] for an unknown model list', async () => {
    await registry.register(entry('wf/run-1'));
    expect(await registry.get('demo-model', 2)).toBeUndefined();
    expect(await registry.get('missing-model', 1)).toBeUndefined();
    expect(await registry.list('missing-model')).toEqual([]);
    expect(await registry.get('demo-model', 1)).toMatchObject({ version: 1, runKey: 'wf/run-1' });
  });

  it('writes only complete JSON files and leaves no temporary files', async () => {
    await Promise.all(Array.from({ length: 5 }, (_, i) => registry.register(entry(`wf/run-${i}`))));
    const files = fs.readdirSync(path.join(root, 'demo-model')).sort();
    expect(files).toEqual(['1.json', '2.json', '3.json', '4.json', '5.json']);
    for (const file of files) {
      const parsed = JSON.parse(fs.readFileSync(path.join(root, 'demo-model', file), 'utf8'));
      expect(parsed.version).toBe(Number(file.slice(0, -5)));
      expect(parsed.artifact).toEqual(entry('x').artifact);
    }
  });

  it('refuses model names that would escape its folder, writing nothing', async () => {
    await expect(registry.register(entry('evil', '../evil'))).rejects.toThrow('model name "../evil"');
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('records which version serves, moving the previous one to the history; atomically and idempotently', async () => {
    expect(await registry.getServing('demo-model')).toBeUndefined();
    const first = await registry.setServing('demo-model', {
      version: 1,
      endpoint: 'http://127.0.0.1:1',
      workflowId: 'deploy/demo-model/1',
    });
    expect(first).toMatchObject({ name: 'demo-model', version: 1, history: [] });
    // A retried promotion by the same deploy run changes nothing.
    expect(
      await registry.setServing('demo-model', {
        version: 1,
        endpoint: 'http://127.0.0.1:1',
        workflowId: 'deploy/demo-model/1',
      }),
    ).toEqual(first);
    await registry.setServing('demo-model', {
      version: 2,
      endpoint: 'http://127.0.0.1:1',
      workflowId: 'deploy/demo-model/2',
    });
    const serving = await registry.getServing('demo-model');
    expect(serving).toMatchObject({
      version: 2,
      history: [{ version: 1, since: first.since, workflowId: 'deploy/demo-model/1' }],
    });
    // The record sits beside the versions without being one, and no temporary file is left.
    await registry.register(entry('wf/run-1'));
    expect((await registry.list('demo-model')).map((m) => m.version)).toEqual([1]);
    expect(fs.readdirSync(path.join(root, 'demo-model')).sort()).toEqual(['1.json', 'serving.json']);
  });

  it('reads attachments back', async () => {
    await registry.register(entry('wf/run-1'));
    await registry.attach('demo-model', 1, 'golden.json', '{"rows":[]}');
    expect(await registry.readAttachment('demo-model', 1, 'golden.json')).toBe('{"rows":[]}');
    expect(await registry.readAttachment('demo-model', 1, 'card.md')).toBeUndefined();
  });
});
