import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import * as searchAttributes from '../config/search-attributes';

/**
 * Static checks of the production-like topology (docker-compose.yml, Dockerfile, .dockerignore).
 * No Docker engine is needed: the files are parsed and their wiring is checked.
 */

const repoRoot = path.resolve(__dirname, '..');
const composePath = path.join(repoRoot, 'docker-compose.yml');
const dockerfilePath = path.join(repoRoot, 'Dockerfile');

type Env = Record<string, string>;

interface PortMapping {
  published?: string;
  target: string;
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target: number | string; published?: number | string }>;
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  entrypoint?: string | string[];
}

interface Compose {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(composePath, 'utf8')) as Compose;
const services = compose.services ?? {};

function service(name: string): Service {
  const svc = services[name];
  if (!svc) throw new Error(`docker-compose.yml has no service "${name}"`);
  return svc;
}

/** `environment` as a map, whichever of the two compose syntaxes (map or KEY=VALUE list) is used. */
function envOf(svc: Service): Env {
  const env: Env = {};
  if (Array.isArray(svc.environment)) {
    for (const entry of svc.environment) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else if (svc.environment) {
    for (const [key, value] of Object.entries(svc.environment)) env[key] = value == null ? '' : String(value);
  }
  return env;
}

/** Port mappings in short ("[ip:]published:target[/proto]") or long ({ target, published }) syntax. */
function portsOf(svc: Service): PortMapping[] {
  return (svc.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { target: String(port.target), published: port.published == null ? undefined : String(port.published) };
    }
    const parts = String(port)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const target = parts[parts.length - 1];
    return { target, published: parts.length > 1 ? parts[parts.length - 2] : undefined };
  });
}

function publishes(svc: Service, port: number): boolean {
  return portsOf(svc).some((p) => p.target === String(port) && p.published === String(port));
}

function dependsOn(svc: Service): Record<string, string | undefined> {
  if (Array.isArray(svc.depends_on)) return Object.fromEntries(svc.depends_on.map((dep) => [dep, undefined]));
  return Object.fromEntries(Object.entries(svc.depends_on ?? {}).map(([dep, spec]) => [dep, spec?.condition]));
}

/** Named volumes a service mounts (bind mounts start with `.`, `/` or `~`). */
function namedVolumesOf(svc: Service): string[] {
  const names: string[] = [];
  for (const volume of svc.volumes ?? []) {
    if (typeof volume === 'string') {
      const parts = volume.split(':');
      if (parts.length < 2) continue; // anonymous volume
      const source = parts[0];
      if (!/^[./~]/.test(source) && !source.startsWith('$')) names.push(source);
    } else if ((volume.type ?? 'volume') === 'volume' && volume.source) {
      names.push(volume.source);
    }
  }
  return names;
}

function mountTargetsOf(svc: Service): string[] {
  return (svc.volumes ?? []).map((v) => (typeof v === 'string' ? (v.split(':')[1] ?? v) : (v.target ?? '')));
}

/** An image reference is pinned when it has a digest, or a tag that is not `latest`. */
function isPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return tag.length > 0 && tag !== 'latest';
}

function commandText(command: string | string[] | undefined): string {
  return Array.isArray(command) ? command.join(' ') : (command ?? '');
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, with comments dropped and `\` continuations joined. */
function dockerfileInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') {
      if (current === '') continue;
      if (line.startsWith('#')) continue; // comments inside a continuation are ignored by Docker
    }
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());
  return logical.map((line) => {
    const match = /^(\S+)\s*(.*)$/.exec(line) as RegExpExecArray;
    return { keyword: match[1].toUpperCase(), args: match[2] };
  });
}

/** ENV values set by the instructions (both `ENV K=V K2=V2` and legacy `ENV K V`). */
function envFromInstructions(instructions: Instruction[]): Env {
  const env: Env = {};
  for (const { keyword, args } of instructions) {
    if (keyword !== 'ENV') continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
      const pair = /([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|\S*)/g;
      for (let match = pair.exec(args); match !== null; match = pair.exec(args)) {
        env[match[1]] = match[3] ?? match[4] ?? match[2];
      }
    } else {
      const [key, ...rest] = args.split(/\s+/);
      env[key] = rest.join(' ');
    }
  }
  return env;
}

function stages(instructions: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') result.push([]);
    if (result.length > 0) result[result.length - 1].push(instruction);
  }
  return result;
}

/** CMD in exec form (`["node", "x.js"]`) or shell form, as one string. */
function cmdText(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (Array.isArray(parsed)) return parsed.join(' ');
  } catch {
    // shell form
  }
  return args;
}

/** The custom search attribute keys config/search-attributes.ts defines, with types as the Temporal CLI spells them. */
function projectSearchAttributes(): Array<{ name: string; cliType: string }> {
  const cliTypes: Record<string, string> = {
    TEXT: 'Text',
    KEYWORD: 'Keyword',
    INT: 'Int',
    DOUBLE: 'Double',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return Object.values(searchAttributes as Record<string, unknown>)
    .filter(
      (value): value is { name: string; type: string } =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { name?: unknown }).name === 'string' &&
        typeof (value as { type?: unknown }).type === 'string' &&
        (value as { type: string }).type in cliTypes,
    )
    .map(({ name, type }) => ({ name, cliType: cliTypes[type] }));
}

describe('docker-compose.yml', () => {
  test('declares the project name and the four core services', () => {
    expect(compose.name).toBe('temporal-mlops');
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'worker']));
  });

  test('temporal runs the official auto-setup image at a pinned 1.x tag', () => {
    const image = service('temporal').image ?? '';
    expect(image.startsWith('temporalio/auto-setup:')).toBe(true);
    expect(isPinned(image)).toBe(true);
    expect(image).toMatch(/^temporalio\/auto-setup:1\.\d+\.\d+/);
  });

  test('every image is pinned to a tag or digest, never latest', () => {
    const images = Object.entries(services).filter(([, svc]) => svc.image !== undefined);
    expect(images.length).toBeGreaterThanOrEqual(3);
    const unpinned = images
      .filter(([, svc]) => !isPinned(svc.image as string))
      .map(([name, svc]) => `${name}: ${svc.image}`);
    expect(unpinned).toEqual([]);
  });

  test('every service either names an image or is built', () => {
    const neither = Object.entries(services)
      .filter(([, svc]) => svc.image === undefined && svc.build === undefined)
      .map(([name]) => name);
    expect(neither).toEqual([]);
  });

  test('temporal publishes gRPC 7233 and the UI publishes 8080', () => {
    expect(publishes(service('temporal'), 7233)).toBe(true);
    expect(publishes(service('temporal-ui'), 8080)).toBe(true);
  });

  test('temporal stores its data in the postgresql service with matching credentials', () => {
    const temporalEnv = envOf(service('temporal'));
    const postgresEnv = envOf(service('postgresql'));
    expect(service('postgresql').image).toMatch(/^postgres:16(\b|$)/);
    expect(temporalEnv.DB).toBe('postgres12');
    expect(temporalEnv.POSTGRES_SEEDS).toBe('postgresql');
    expect(temporalEnv.DB_PORT).toBe('5432');
    expect(temporalEnv.POSTGRES_USER).toBe(postgresEnv.POSTGRES_USER);
    expect(temporalEnv.POSTGRES_PWD).toBe(postgresEnv.POSTGRES_PASSWORD);
  });

  test('temporal waits for a healthy postgresql, which has a pg_isready healthcheck', () => {
    expect(dependsOn(service('temporal')).postgresql).toBe('service_healthy');
    expect(commandText(service('postgresql').healthcheck?.test)).toContain('pg_isready');
  });

  test('temporal has a health check against its own frontend', () => {
    expect(commandText(service('temporal').healthcheck?.test)).toMatch(
      /(temporal operator cluster health|tctl .*cluster health).*temporal:7233/,
    );
  });

  test('every service_healthy dependency points at a service with a healthcheck', () => {
    const missing: string[] = [];
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(svc))) {
        const target = services[dep];
        if (condition === 'service_healthy' && (!target?.healthcheck?.test || target.healthcheck.disable)) {
          missing.push(`${name} -> ${dep}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('the UI and the worker reach Temporal at temporal:7233', () => {
    expect(envOf(service('temporal-ui')).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(envOf(service('worker')).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(dependsOn(service('worker')).temporal).toBe('service_healthy');
  });

  test('the project search attributes are registered against the cluster', () => {
    const registrar = Object.values(services).find((svc) =>
      commandText(svc.command).includes('search-attribute create'),
    );
    expect(registrar).toBeDefined();
    const script = commandText(registrar?.command);
    expect(script).toContain('temporal:7233');
    const attributes = projectSearchAttributes();
    expect(attributes.map((a) => a.name)).toEqual(
      expect.arrayContaining(['MlopsModelName', 'MlopsModelVersion', 'MlopsStage']),
    );
    for (const { name, cliType } of attributes) {
      expect(script).toMatch(new RegExp(`--name\\s+${name}\\s+--type\\s+${cliType}\\b`));
    }
  });

  test('the worker is built from a Dockerfile in the repo and runs dist/workers/main.js', () => {
    const build = service('worker').build;
    expect(build).toBeDefined();
    const context = typeof build === 'string' ? build : (build?.context ?? '.');
    const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build?.dockerfile ?? 'Dockerfile');
    const resolved = path.resolve(path.dirname(composePath), context, dockerfile);
    expect(fs.existsSync(resolved)).toBe(true);

    const command = service('worker').command;
    const dockerfileCmd = stages(dockerfileInstructions(fs.readFileSync(resolved, 'utf8')))
      .at(-1)
      ?.filter((i) => i.keyword === 'CMD')
      .at(-1);
    const effective = command !== undefined ? commandText(command) : cmdText(dockerfileCmd?.args ?? '');
    expect(effective).toMatch(/\bnode\b.*\bdist\/workers\/main\.js\b/);
  });

  test('the worker keeps MLOPS_HOME on a volume and publishes its metrics port', () => {
    const worker = service('worker');
    const env = envOf(worker);
    expect(env.MLOPS_HOME).toBeTruthy();
    expect(mountTargetsOf(worker)).toContain(env.MLOPS_HOME);
    const metricsPort = Number(/:(\d+)$/.exec(env.MLOPS_WORKER_METRICS_ADDRESS ?? '')?.[1]);
    expect(metricsPort).toBe(9464);
    // Bound on all interfaces, or the published port cannot reach it from outside the container.
    expect(env.MLOPS_WORKER_METRICS_ADDRESS).toMatch(/^0\.0\.0\.0:/);
    expect(publishes(worker, metricsPort)).toBe(true);
  });

  test('every depends_on target is a defined service', () => {
    const undefinedTargets = Object.entries(services).flatMap(([name, svc]) =>
      Object.keys(dependsOn(svc))
        .filter((dep) => !(dep in services))
        .map((dep) => `${name} -> ${dep}`),
    );
    expect(undefinedTargets).toEqual([]);
  });

  test('every named volume used is declared at the top level', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = Object.values(services).flatMap(namedVolumesOf);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((volume) => !declared.includes(volume))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(dockerfilePath, 'utf8');
  const instructions = dockerfileInstructions(text);
  const allStages = stages(instructions);
  const finalStage = allStages.at(-1) ?? [];

  test('builds in more than one stage', () => {
    expect(allStages.length).toBeGreaterThanOrEqual(2);
  });

  test('skips the onnxruntime-node CUDA download in every stage that installs packages', () => {
    const installing = allStages.filter((stage) =>
      stage.some((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args)),
    );
    expect(installing.length).toBeGreaterThan(0);
    for (const stage of installing) {
      expect(envFromInstructions(stage).ONNXRUNTIME_NODE_INSTALL).toBe('skip');
    }
  });

  test('uses a pinned node:20 base image', () => {
    const stageNames = new Set(
      instructions
        .filter((i) => i.keyword === 'FROM')
        .map((i) => /\bAS\s+(\S+)/i.exec(i.args)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    const bases = instructions
      .filter((i) => i.keyword === 'FROM')
      .map((i) => i.args.replace(/--platform=\S+\s+/, '').split(/\s+/)[0])
      .filter((image) => !stageNames.has(image));
    expect(bases.length).toBeGreaterThan(0);
    for (const image of bases) {
      expect(image).toMatch(/^node:20(\.|-|$)/);
      expect(isPinned(image)).toBe(true);
    }
  });

  test('does not run as root', () => {
    const users = finalStage.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users.at(-1));
  });

  test('runs the worker by default and exposes its metrics port', () => {
    const cmd = finalStage.filter((i) => i.keyword === 'CMD').at(-1);
    expect(cmdText(cmd?.args ?? '')).toMatch(/\bnode\b.*\bdist\/workers\/main\.js\b/);
    const exposed = finalStage.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed.map((port) => port.replace(/\/tcp$/, ''))).toContain('9464');
  });

  test('copies only sources that exist and that .dockerignore does not exclude', () => {
    const ignored = fs
      .readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist']));

    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((arg) => !arg.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc']));
    for (const source of sources) {
      expect({ source, exists: fs.existsSync(path.join(repoRoot, source)) }).toEqual({ source, exists: true });
      expect(ignored).not.toContain(source.replace(/\/$/, ''));
    }
  });
});
