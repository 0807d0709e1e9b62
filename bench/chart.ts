import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { writeChartSvg } from '../cli/drift-loop/charts';

/**
 * Renders a Vega-Lite spec to SVG (headless, no browser) and writes it to `out`, then copies it to `committedCopy`,
 * the file bench/RESULTS.md links to.
 */
export async function writeVegaLiteSvg(spec: unknown, out: string, committedCopy: string): Promise<void> {
  await writeChartSvg(spec, out);
  copyFileSync(out, committedCopy);
  console.log(`wrote ${out} and ${path.relative(process.cwd(), committedCopy)}`);
}
