import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';

/** bench/RESULTS.md: one `## <heading>` section per benchmark. */
export const RESULTS_FILE = path.join(__dirname, 'RESULTS.md');

/** The section as it will be written: Markdown formatted with the project's Prettier settings. */
export async function formatSection(markdown: string): Promise<string> {
  return format(markdown, { ...((await resolveConfig(RESULTS_FILE)) ?? {}), parser: 'markdown' });
}

/**
 * Writes a formatted section into bench/RESULTS.md, replacing only a previous section with the same heading (the
 * file is re-read right before writing, so benchmarks that ran meanwhile keep their sections).
 */
export function writeSection(heading: string, text: string): void {
  const previous = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Benchmark results\n\n';
  const start = previous.indexOf(`${heading}\n`);
  let next: string;
  if (start < 0) next = `${previous.trimEnd()}\n\n${text}`;
  else {
    const after = previous.indexOf('\n## ', start + heading.length);
    next = previous.slice(0, start) + text + (after < 0 ? '' : `\n${previous.slice(after + 1)}`);
  }
  writeFileSync(RESULTS_FILE, next);
  console.error(`wrote ${RESULTS_FILE}`);
}
