import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planAllocation } from '../../activities/deploy/allocation';
import { parseDeploySettings } from '../../config/deploy';
import { FileRegistry, ServingConflictError, type ServingRecord } from '../../stores/registry';

let root: string;
let registry: FileRegistry;
const MODEL = 'served-model';
const promote = (version: number, workflowId: string, expectedVersion?: number | null) =>
  registry.setServing(MODEL, {
    version,
    endpoint: 'http://127.0.0.1:1',
    workflowId,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  });

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'serving-record-'));
  registry = new FileRegistry(root);
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** Every promotion appears exactly once: as the serving version or in the history. */
function promotions(record: ServingRecord): string[] {
  return [...record.history.map((h) => h.workflowId), record.workflowId].sort();
}

describe('serving.json under concurrent writers', () => {
  it('40 promotions racing in one process lose none (read-modify-write under the lock)', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `deploy/${MODEL}/${i}`);
    await Promise.all(ids.map((id, i) => promote(i + 1, id)));
    const record = (await registry.getServing(MODEL))!;
    expect(record.history).toHaveLength(39);
    expect(promotions(record)).toEqual([...ids].sort());
    expect(fs.existsSync(path.join(root, MODEL, 'serving.json.lock'))).toBe(false);
  });

  it('two writer processes promoting at the same time lose none of each other’s updates', async () => {
    const writer = path.join(__dirname, 'serving-writer.ts');
    const run = (tag: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', writer, root, MODEL, tag, '25'], {
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        child.once('exit', resolve);
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0]);
    const record = (await registry.getServing(MODEL))!;
    const expected = ['a', 'b'].flatMap((tag) => Array.from({ length: 25 }, (_, i) => `${tag}/${i}`));
    expect(promotions(record)).toEqual(expected.sort());
  }, 60_000);

  it('a promotion is a compare-and-swap on the version its deploy saw serving', async () => {
    await promote(1, 'deploy/m/1', null);
    await promote(2, 'deploy/m/2', 1);
    // A deploy planned while v1 served loses to the one that promoted v2 meanwhile, with a clear message.
    const late = promote(3, 'deploy/m/3', 1);
    await expect(late).rejects.toThrow(ServingConflictError);
    await expect(late).rejects.toThrow(
      `model "${MODEL}": v2 serves (promoted by deploy/m/2), not v1 as this deploy planned; another deploy changed it meanwhile, deploy again`,
    );
    await expect(promote(3, 'deploy/m/3', null)).rejects.toThrow('not none as this deploy planned');
    // A retried promotion of the deploy that won is idempotent, whatever it expected.
    expect((await promote(2, 'deploy/m/2', 1)).history).toHaveLength(1);
    expect((await registry.getServing(MODEL))!.version).toBe(2);
  });

  it('clearServing records that nothing serves and keeps the history; the next deploy continues it', async () => {
    await promote(1, 'deploy/m/1');
    await promote(2, 'deploy/m/2');
    expect(await registry.clearServing(MODEL)).toBe(2);
    expect(await registry.getServing(MODEL)).toBeUndefined();
    expect(await registry.clearServing(MODEL)).toBeUndefined();
    expect(await registry.listServing()).toEqual([]);
    const stored = JSON.parse(fs.readFileSync(path.join(root, MODEL, 'serving.json'), 'utf8'));
    expect(stored).toMatchObject({ version: null, history: [{ version: 1 }, { version: 2 }] });
    const again = await promote(3, 'deploy/m/3', null);
    expect(again.history.map((h) => h.version)).toEqual([1, 2]);
    expect((await registry.listServing()).map((r) => r.name)).toEqual([MODEL]);
  });
});

describe('deploy allocation (R_i ∝ √w_i over the models serving plus the new one)', () => {
  const served = (name: string, requestsPerSecond?: number): ServingRecord => ({
    name,
    version: 1,
    since: '',
    endpoint: '',
    workflowId: '',
    history: [],
    ...(requestsPerSecond !== undefined
      ? {
          allocation: {
            requestsPerSecond,
            minCpu: 0.1,
            cpu: 0,
            replicas: 0,
            cpuPerReplica: 0,
            cpuBudget: 0,
            applied: [],
          },
        }
      : {}),
  });
  const local = { cpuBudget: 2, applies: [] };

  it('shares the budget in proportion to √w with the recorded rates of the serving models', () => {
    const settings = parseDeploySettings({ resources: { requestsPerSecond: 400, cpuBudget: 6, maxCpuPerReplica: 2 } });
    // "new" replaces its own serving record; "a" (100/s) keeps its recorded rate, "b" has none (default 10/s).
    const plan = planAllocation('new', settings, local, [served('a', 100), served('b'), served('new', 1)]);
    expect(plan.cpuBudget).toBe(6);
    expect(plan.models.map((m) => [m.name, m.requestsPerSecond])).toEqual([
      ['a', 100],
      ['b', 10],
      ['new', 400],
    ]);
    const cpu = Object.fromEntries(plan.models.map((m) => [m.name, m.cpu]));
    // √400 : √100 : √10 = 20 : 10 : 3.16 of 6 CPUs.
    expect(cpu.new / cpu.a).toBeCloseTo(2, 2);
    expect(cpu.a / cpu.b).toBeCloseTo(10 / Math.sqrt(10), 2);
    // Whole millicores per replica: at most a few millicores of the budget stay unused.
    expect(cpu.a + cpu.b + cpu.new).toBeLessThanOrEqual(6);
    expect(cpu.a + cpu.b + cpu.new).toBeGreaterThan(5.99);
    const mine = plan.models.find((m) => m.name === 'new')!;
    expect(mine.replicas).toBe(2); // 3.6 CPUs in replicas of at most 2
    expect(mine.cpuPerReplica * 2).toBeCloseTo(mine.cpu, 9);
    expect(plan.applied).toEqual([]);
  });

  it("defaults the budget to the target's and fails naming the settings when minimums do not fit", () => {
    const plan = planAllocation('m', parseDeploySettings({}), local, []);
    expect(plan.models).toEqual([{ name: 'm', requestsPerSecond: 10, cpu: 2, replicas: 2, cpuPerReplica: 1 }]);
    const tight = parseDeploySettings({ resources: { cpuBudget: 0.25, minCpu: 0.1 } });
    expect(() => planAllocation('m', tight, local, [served('a'), served('b')])).toThrow(
      /^deploy\.resources: the models' minimums.* over cpuBudget 0\.25; raise cpuBudget or lower minCpu \(the budget is shared with 2 other serving models/,
    );
  });
});
