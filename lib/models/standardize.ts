/** Per-column mean and population standard deviation; a constant column gets scale 1 (it standardises to 0). */
export interface ColumnScaling {
  means: number[];
  scales: number[];
}

export function fitStandardization(rows: number[][], width: number): ColumnScaling {
  const n = rows.length;
  const means: number[] = [];
  const scales: number[] = [];
  for (let j = 0; j < width; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rows[i][j];
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (rows[i][j] - mean) ** 2;
    const scale = Math.sqrt(squares / n);
    means.push(mean);
    scales.push(scale > 0 && Number.isFinite(scale) ? scale : 1);
  }
  return { means, scales };
}

/** Row-major standardised copy of `rows`: out[i·width + j] = (rows[i][j] − means[j]) / scales[j]. */
export function standardizeRows(rows: number[][], { means, scales }: ColumnScaling): Float64Array {
  const width = means.length;
  const out = new Float64Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (let j = 0; j < width; j++) out[i * width + j] = (row[j] - means[j]) / scales[j];
  }
  return out;
}
