import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { seattleModel, tempDir } from './fixtures';
import { call } from './http';

const ROOT = path.resolve(__dirname, '..', '..');
let dir: string;
let modelFile: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = tempDir();
  modelFile = seattleModel(dir).file;
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `serving/main.ts` and resolves with its URL once it prints `listening on <url>`. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'serving', 'main.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  return { child, url, exited, output: () => output };
}

it('serves a model file, logs features, and on SIGTERM finishes the request in flight and exits 0', async () => {
  const logDir = path.join(dir, 'log');
  const cli = startCli([
    '--model-file',
    modelFile,
    '--model-name',
    'seattle',
    '--model-version',
    '4',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--feature-log-dir',
    logDir,
  ]);
  const url = await cli.url;
  expect((await call(url, '/v2/health/ready')).status).toBe(200);

  // A request whose body is only half sent when SIGTERM arrives must still get its answer.
  const body = JSON.stringify({ rows: [{ date: '2014-08-01', temp_min: 15 }] });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      `${url}/v2/models/seattle/predict`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.write(body.slice(0, 10));
    setTimeout(() => {
      cli.child.kill('SIGTERM');
      setTimeout(() => request.end(body.slice(10)), 200);
    }, 200);
  });
  const reply = await response;
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.text).predictions).toHaveLength(1);
  expect(await cli.exited).toBe(0);
  expect(cli.output()).toMatch(/SIGTERM: finishing in-flight requests/);
  const lines = fs
    .readFileSync(path.join(logDir, 'seattle', '4.jsonl'), 'utf8')
    .trimEnd()
    .split('\n');
  expect(JSON.parse(lines[0])).toMatchObject({ features: { date: '2014-08-01T00:00:00.000Z', temp_min: 15 } });
});

it('exits 1 with a clear message when the model file is missing', async () => {
  const cli = startCli(['--model-file', path.join(dir, 'nope.onnx'), '--model-name', 'x', '--model-version', '1']);
  await expect(cli.url).rejects.toThrow(/model server failed to start: cannot read model file .*nope\.onnx: ENOENT/);
  expect(await cli.exited).toBe(1);
});
