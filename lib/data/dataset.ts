/** A table as parsed from a file: column names and one record of raw strings per row. */
export interface RawTable {
  columns: string[];
  rows: Record<string, string>[];
}

/** Numeric features and target, row-aligned, ready for a trainer. */
export interface NumericDataset {
  featureNames: string[];
  targetName: string;
  features: number[][];
  target: number[];
}

export interface DatasetSpec {
  features: string[];
  target: string;
}
