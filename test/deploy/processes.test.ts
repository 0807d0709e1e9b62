import { spawn, type ChildProcess } from 'node:child_process';
import { psProcesses, servingProcesses } from '../../activities/deploy/local';

/** A stand-in process whose command line reads like a model server's (it only sleeps). */
function fakeServer(model: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '-e',
      'setTimeout(() => {}, 60_000)',
      'serving/main.ts',
      '--model-name',
      model,
      '--model-version',
      '3',
      '--port',
      '45123',
    ],
    { stdio: 'ignore' },
  );
}

describe('finding model servers in the process table', () => {
  const model = `ps-probe-${process.pid}`;
  let child: ChildProcess;
  beforeAll(async () => {
    child = fakeServer(model);
    await new Promise((resolve) => child.once('spawn', resolve));
  });
  afterAll(() => {
    child.kill('SIGKILL');
  });

  it('reads the same server from /proc and from ps (the listing used where there is no /proc)', () => {
    const expected = [{ pid: child.pid, kind: 'server', modelName: model, version: 3, port: 45123 }];
    expect(servingProcesses(model)).toEqual(expected);
    expect(servingProcesses(model, psProcesses)).toEqual(expected);
  });

  it('no longer lists a server once it has exited', async () => {
    const other = fakeServer(`${model}-gone`);
    await new Promise((resolve) => other.once('spawn', resolve));
    expect(servingProcesses(`${model}-gone`, psProcesses)).toHaveLength(1);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    expect(servingProcesses(`${model}-gone`, psProcesses)).toEqual([]);
    expect(servingProcesses(`${model}-gone`)).toEqual([]);
  });
});
