import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { servingProcesses } from '../activities/deploy/local';
import { isServing } from '../runtime/dev-server';
import { freePort } from '../runtime/ports';
import { killAll, runCli } from './helpers/processes';

afterAll(() => killAll());

describe('mlops demo (the README quick start)', () => {
  it('starts its own dev server, runs the lifecycle, deploys, predicts, closes the drift loop, and stops everything', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-demo-'));
    try {
      const env = {
        TEMPORAL_ADDRESS: '', // no cluster: the demo must provide its own server
        MLOPS_HOME: home,
        MLOPS_DEV_SERVER_PORT: String(port),
        MLOPS_DEV_SERVER_UI_PORT: String(uiPort),
      };
      const { code, output } = await runCli(['demo', '--no-keep-server'], env);
      expect(code).toBe(0);
      expect(output).toContain(`started dev server at 127.0.0.1:${port}`);
      expect(output).toMatch(/validation MSE\s+\d+\.\d{4}\s+\(baseline, predicting the training mean: \d+\.\d{4}\)/);
      expect(output).toContain(
        `Temporal UI      http://localhost:${uiPort}/namespaces/default/workflows/lifecycle%2Fseattle-temp-max%2F`,
      );
      // The lifecycle deployed the version it trained; one validation row went through the model's router.
      const endpoint = output.match(
        /serving {10}v1 at (http:\/\/127\.0\.0\.1:\d+)\/v2\/models\/seattle-temp-max\/predict/,
      );
      expect(endpoint).not.toBeNull();
      expect(output).toMatch(/predict {10}\{"date":.*"weather":.*\}\n {15}→ {3}-?\d+\.\d+ \(v1, via the router\)/);
      // The drift loop: Seattle windows stay under ε, New York's first window is drifted, the second raises the alarm
      // (2 windows in a row), the retrain deploys v2, whose windows are under ε again.
      const windows = [
        ...output.matchAll(/window +(\d+) +(Seattle|New York) +v(\d+) +(\d+) rows +KL (\d+\.\d+) +MSE (\d+\.\d+)(.*)/g),
      ].map((m) => ({
        traffic: m[2],
        version: Number(m[3]),
        score: Number(m[5]),
        mse: Number(m[6]),
        flag: m[7].trim(),
      }));
      expect(windows.map((w) => `${w.traffic} v${w.version}`)).toEqual([
        'Seattle v1',
        'Seattle v1',
        'Seattle v1',
        'New York v1',
        'New York v1',
        'New York v2',
        'New York v2',
      ]);
      for (const w of windows.slice(0, 3)) expect(w.score).toBeLessThan(0.1);
      expect(windows[3].score).toBeGreaterThan(0.1);
      expect(windows[3].flag).toBe('▲ drifted');
      expect(windows[4].flag).toBe('▲ alarm → retrain/seattle-temp-max/1');
      for (const w of windows.slice(5)) expect(w.score).toBeLessThan(0.1);
      const retrain = output.match(
        /retrain\/seattle-temp-max\/1: deployed v2: holdout mse: challenger (\d+\.\d+) vs champion (\d+\.\d+)/,
      );
      expect(retrain).not.toBeNull();
      expect(Number(retrain![1])).toBeLessThan(Number(retrain![2]));
      const loop = JSON.parse(fs.readFileSync(path.join(home, 'reports', 'drift-loop', 'drift-loop.json'), 'utf8'));
      expect(loop).toMatchObject({ epsilon: 0.1, consecutiveWindows: 2, retrains: [{ outcome: 'deployed' }] });
      expect(loop.windows).toHaveLength(7);
      for (const chart of ['fig6-error.svg', 'fig7-drift.svg']) {
        expect(fs.readFileSync(path.join(home, 'reports', 'drift-loop', chart), 'utf8')).toMatch(
          /^<svg[\s\S]*<\/svg>$/,
        );
      }
      expect(output).toContain('Undeployed seattle-temp-max v2: stopped its router and 1 model server(s)');
      // The lifecycle started the model's drift monitor; the undeploy stopped it, so nothing runs on.
      expect(output).toContain('Stopped its drift monitor monitor/seattle-temp-max');
      // The server's SQLite database is under MLOPS_HOME, and the server is gone once the demo exits.
      expect(fs.existsSync(path.join(home, 'temporal', 'dev-server.sqlite'))).toBe(true);
      expect(await isServing(`127.0.0.1:${port}`)).toBe(false);
      // No model server or router of this home is left, and the registry records that nothing serves.
      const mine = servingProcesses('seattle-temp-max').filter(
        (p) => p.featureLogDir?.startsWith(home) || p.stateFile?.startsWith(home),
      );
      expect(mine).toEqual([]);
      await expect(fetch(`${endpoint![1]}/v2/health/live`)).rejects.toThrow();
      const serving = JSON.parse(
        fs.readFileSync(path.join(home, 'registry', 'seattle-temp-max', 'serving.json'), 'utf8'),
      );
      expect(serving).toMatchObject({ version: null, history: [{ version: 1 }, { version: 2 }] });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
