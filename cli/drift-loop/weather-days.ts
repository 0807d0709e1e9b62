import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { SeededRandom } from '../../lib/models/rng';

/** One day of vega-datasets' weather.csv: raw features as a client sends them, and the label that arrives later. */
export interface WeatherDay {
  location: string;
  features: { date: string; precipitation: number; temp_min: number; wind: number; weather: string };
  /** temp_max, the demo model's target. */
  label: number;
}

const NUMBER_COLUMNS = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;

/** Seattle and New York, 2012-2015 (the Seattle rows are seattle-weather.csv, which the demo model trains on). */
export function readWeatherDays(): WeatherDay[] {
  const file = resolveDatasetPath('vega-datasets:weather.csv');
  const records = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return records.map((r, i) => {
    for (const column of NUMBER_COLUMNS) {
      if (!Number.isFinite(Number(r[column])) || r[column] === '') {
        throw new Error(`${file}, row ${i + 1}: ${column} is ${JSON.stringify(r[column])}, not a number`);
      }
    }
    return {
      location: r.location,
      features: {
        date: r.date,
        precipitation: Number(r.precipitation),
        temp_min: Number(r.temp_min),
        wind: Number(r.wind),
        weather: r.weather,
      },
      label: Number(r.temp_max),
    };
  });
}

/** The days of one city in a seeded random order: every window then samples the whole year, not one season. */
export function shuffledDays(days: WeatherDay[], location: string, seed: number): WeatherDay[] {
  const city = days.filter((d) => d.location === location);
  if (city.length === 0) throw new Error(`weather.csv has no rows for location "${location}"`);
  const random = new SeededRandom(seed);
  for (let i = city.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [city[i], city[j]] = [city[j], city[i]];
  }
  return city;
}
