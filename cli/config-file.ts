import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { isPackagedDataset } from '../activities/dataset-source';
import { ConfigError, LifecycleConfig, parseLifecycleConfig } from '../config/project';

/** Reads a YAML or JSON project file; a relative dataset path is taken relative to the file. */
export function readConfigFile(file: string | undefined): LifecycleConfig {
  if (!file) return parseLifecycleConfig({});
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`config file ${file} cannot be read; check the --config path`);
  }
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  const config = parseLifecycleConfig(raw);
  const source = config.dataset.source;
  if (!isPackagedDataset(source) && !path.isAbsolute(source)) {
    config.dataset.source = path.resolve(path.dirname(file), source);
  }
  return config;
}
