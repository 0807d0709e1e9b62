import fs from 'node:fs';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { parseCsvTable } from '../../lib/data/parse-csv';
import { timeValues } from '../../lib/data/schema';
import { randomSplit, takeRows, timeSplit } from '../../lib/data/split';

describe('timeSplit', () => {
  it('puts the latest rows in validation, whatever the row order', () => {
    const times = [5, 1, 9, 3, 7, 2, 8, 4, 6, 0];
    const { train, validation } = timeSplit(times, 0.3);
    expect(validation).toEqual([2, 4, 6]); // times 9, 7, 8
    expect(train).toEqual([0, 1, 3, 5, 7, 8, 9]);
  });

  it('breaks ties by row order: the later row counts as later', () => {
    expect(timeSplit([1, 2, 2, 2, 0], 0.4).validation).toEqual([2, 3]);
  });

  it('puts the latest seattle-weather dates in validation', () => {
    const source = 'vega-datasets:seattle-weather.csv';
    const table = parseCsvTable(fs.readFileSync(resolveDatasetPath(source)), source);
    const { train, validation } = timeSplit(timeValues(table, 'date'), 0.2);
    expect(validation).toHaveLength(Math.round(1461 * 0.2));
    const trainDates = takeRows(table.data.date, train) as string[];
    const validationDates = takeRows(table.data.date, validation) as string[];
    const latestTrain = trainDates.reduce((a, b) => (a > b ? a : b));
    const earliestValidation = validationDates.reduce((a, b) => (a < b ? a : b));
    expect(latestTrain < earliestValidation).toBe(true);
    expect(validationDates).toContain('2015-12-31');
    expect(earliestValidation).toBe('2015-03-15'); // 2015-12-31 minus 291 days: the last 292 of 1461 days
  });

  it('gives a clear error when the dataset is too small or the fraction is out of range', () => {
    expect(() => timeSplit([1, 2], 0.5)).toThrow(
      'cannot split 2 rows with validationFraction 0.5: need at least 1 validation row and 2 training rows',
    );
    expect(() => timeSplit([1, 2, 3], 0.1)).toThrow(/cannot split 3 rows/);
    expect(() => timeSplit([1, 2, 3, 4], 1)).toThrow(/validationFraction must be between 0 and 1/);
    expect(() => randomSplit(10, 0, 1)).toThrow(/validationFraction must be between 0 and 1/);
    expect(() => timeSplit([1, NaN, 3, 4], 0.25)).toThrow('time of row 2 is NaN, not a finite number');
  });
});
