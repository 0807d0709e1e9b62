import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfigFile } from '../../cli/config-file';
import { ConfigError } from '../../config/project';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-file-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('readConfigFile', () => {
  it('returns the defaults without a file', () => {
    expect(readConfigFile(undefined).modelName).toBe('seattle-temp-max');
  });

  it('resolves a relative dataset.source against the config file folder, not the cwd', () => {
    const file = write(
      'project/mlops.yaml',
      'modelName: my-model\ndataset:\n  source: data/x.csv\n  target: y\nmodel:\n  hyperparameters: { l2: 0.5 }\n',
    );
    const config = readConfigFile(file);
    expect(config.dataset.source).toBe(path.join(dir, 'project', 'data', 'x.csv'));
    expect(config.modelName).toBe('my-model');
    expect(config.model.hyperparameters.l2).toBe(0.5);
  });

  it('keeps an absolute dataset.source', () => {
    const file = write('mlops.yaml', 'dataset:\n  source: /srv/data/x.csv\n  target: y\n');
    expect(readConfigFile(file).dataset.source).toBe('/srv/data/x.csv');
  });

  it('leaves vega-datasets: sources as they are', () => {
    const file = write('mlops.yaml', 'dataset:\n  source: "vega-datasets:cars.json"\n  target: Miles_per_Gallon\n');
    expect(readConfigFile(file).dataset.source).toBe('vega-datasets:cars.json');
  });

  it('reads JSON and an empty file', () => {
    expect(readConfigFile(write('c.json', '{"split": {"seed": 3}}')).split.seed).toBe(3);
    expect(readConfigFile(write('empty.yaml', '')).modelName).toBe('seattle-temp-max');
  });

  it('throws a ConfigError naming the path of a missing file', () => {
    const missing = path.join(dir, 'nope.yaml');
    expect(() => readConfigFile(missing)).toThrow(ConfigError);
    expect(() => readConfigFile(missing)).toThrow(missing);
  });

  it('throws a ConfigError for invalid YAML', () => {
    const file = write('bad.yaml', 'split: [unclosed\n  seed: : 3\n');
    expect(() => readConfigFile(file)).toThrow(ConfigError);
    expect(() => readConfigFile(file)).toThrow(/not valid YAML/);
  });

  it('throws a ConfigError from schema validation, naming the field', () => {
    const file = write('bad-split.yaml', 'split:\n  validationFraction: 3\n');
    expect(() => readConfigFile(file)).toThrow(ConfigError);
    expect(() => readConfigFile(file)).toThrow('split.validationFraction');
  });
});
