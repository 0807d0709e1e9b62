import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isServing } from '../runtime/dev-server';
import { freePort } from '../runtime/ports';
import { killAll, runCli } from './helpers/processes';

afterAll(() => killAll());

describe('mlops demo (the README quick start)', () => {
  it('starts its own dev server, runs the lifecycle, prints the MSE and UI link, and stops the server', async () => {
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
      // The server's SQLite database is under MLOPS_HOME, and the server is gone once the demo exits.
      expect(fs.existsSync(path.join(home, 'temporal', 'dev-server.sqlite'))).toBe(true);
      expect(await isServing(`127.0.0.1:${port}`)).toBe(false);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
