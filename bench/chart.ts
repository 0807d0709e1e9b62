import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Renders a Vega-Lite spec to SVG (headless, no browser) and writes it to `out`, then copies it to `committedCopy`,
 * the file bench/RESULTS.md links to.
 */
export async function writeVegaLiteSvg(spec: unknown, out: string, committedCopy: string): Promise<void> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(out, svg);
  copyFileSync(out, committedCopy);
  console.log(`wrote ${out} and ${path.relative(process.cwd(), committedCopy)}`);
}
