import { createHash } from 'node:crypto';
import { countRows, type DatasetFormat } from './readers';

/**
 * SHA-256 (lowercase hex) of a dataset file's bytes, exactly as read: the dataset version recorded in model
 * lineage. It is the same hash the artifact store files the snapshot under, so the two can be compared directly.
 */
export function datasetHash(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export interface DatasetFingerprint {
  hash: string;
  bytes: number;
  rows: number;
}

/**
 * Hash, size and data-row count of a dataset file. Parquet and Arrow row counts come from their metadata without
 * decoding cells; CSV and JSON are parsed to count records (a quoted CSV field may span lines).
 */
export async function fingerprintDataset(
  content: Buffer,
  format: DatasetFormat,
  source: string,
): Promise<DatasetFingerprint> {
  return { hash: datasetHash(content), bytes: content.byteLength, rows: await countRows(content, format, source) };
}
