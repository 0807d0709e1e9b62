/** One cell after parsing: a number, a string (categories, raw datetimes), or null when missing. */
export type Cell = number | string | null;

/** A parsed dataset, column-oriented: every column has `rowCount` cells. */
export interface Table {
  columns: string[];
  rowCount: number;
  data: Record<string, Cell[]>;
}

export type FeatureType = 'numeric' | 'categorical' | 'datetime';

export interface FeatureSpec {
  name: string;
  type: FeatureType;
}

/** What a model is trained on: typed features and a numeric (regression) or categorical (classification) target. */
export interface DatasetSchema {
  features: FeatureSpec[];
  target: { name: string; type: 'numeric' | 'categorical' };
}
