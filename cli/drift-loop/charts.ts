import fs from 'node:fs';

/** One window of the drift loop, as the charts and drift-loop.json record it. */
export interface LoopWindow {
  window: number;
  /** Where the window's rows came from (the traffic's city). */
  traffic: string;
  /** The version that served the rows and whose reference the monitor compared them with. */
  version: number;
  rows: number;
  /** KL(train ‖ live), the window's drift score; null when the monitor skipped the window. */
  score: number | null;
  /** Per-feature KL, datetime features included (they are reported, not scored). */
  features: Record<string, number>;
  alarm: boolean;
  /** The retrain this window started. */
  retrain?: string;
  /** MSE of the served predictions against the labels that arrived for the rows. */
  mse: number;
}

export interface LoopRetrain {
  workflowId: string;
  outcome: string;
  championVersion: number;
  challengerVersion?: number;
  metric: string;
  champion: Record<string, number>;
  challenger?: Record<string, number>;
  reason: string;
}

export interface LoopData {
  modelName: string;
  epsilon: number;
  consecutiveWindows: number;
  windows: LoopWindow[];
  retrains: LoopRetrain[];
}

const versionColor = { field: 'version', type: 'nominal', title: 'serving version' } as const;

/** Fig. 7: the drift score of every window against ε, coloured by the serving version; alarms marked. */
export function driftChartSpec(data: LoopData): unknown {
  const points = data.windows.filter((w) => w.score !== null).map((w) => ({ ...w, version: `v${w.version}` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${data.modelName}: drift per window (KL, training ‖ live)`, subtitle: subtitleOf(data) },
    width: 520,
    height: 260,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: { size: 60 } },
        encoding: {
          x: { field: 'window', type: 'quantitative', title: 'window', axis: { tickMinStep: 1 } },
          y: { field: 'score', type: 'quantitative', title: 'KL divergence (max over features)' },
          color: versionColor,
          detail: { field: 'version' },
          tooltip: [{ field: 'traffic' }, { field: 'score', format: '.3f' }],
        },
      },
      {
        data: { values: points.filter((p) => p.alarm) },
        mark: { type: 'point', shape: 'triangle-up', size: 220, filled: true, color: '#d62728' },
        encoding: { x: { field: 'window', type: 'quantitative' }, y: { field: 'score', type: 'quantitative' } },
      },
      {
        data: { values: [{ epsilon: data.epsilon }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728' },
        encoding: { y: { field: 'epsilon', type: 'quantitative' } },
      },
      {
        data: { values: [{ epsilon: data.epsilon, label: `ε = ${data.epsilon}` }] },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#d62728' },
        encoding: { y: { field: 'epsilon', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
      },
    ],
  };
}

/** Fig. 6: the error of the served predictions per window, before and after the retrained version took over. */
export function errorChartSpec(data: LoopData): unknown {
  const retrain = data.retrains.find((r) => r.outcome === 'deployed');
  const holdout = retrain
    ? `holdout ${retrain.metric}: v${retrain.championVersion} ${fixed(retrain.champion[retrain.metric])} → ` +
      `v${retrain.challengerVersion} ${fixed(retrain.challenger?.[retrain.metric])}`
    : 'no retrained version was deployed';
  const compared = retrain
    ? [
        {
          model: `champion v${retrain.championVersion}`,
          version: `v${retrain.championVersion}`,
          value: retrain.champion[retrain.metric],
        },
        {
          model: `challenger v${retrain.challengerVersion}`,
          version: `v${retrain.challengerVersion}`,
          value: retrain.challenger?.[retrain.metric],
        },
      ]
    : [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${data.modelName}: error before and after retraining`, subtitle: holdout },
    hconcat: [
      {
        title: 'the same fresh New York holdout, both models',
        width: 160,
        height: 260,
        data: { values: compared },
        mark: 'bar',
        encoding: {
          x: { field: 'model', type: 'nominal', title: null, sort: null },
          y: { field: 'value', type: 'quantitative', title: `holdout ${retrain?.metric ?? 'mse'}` },
          color: versionColor,
        },
      },
      {
        title: 'served predictions, per window',
        width: 360,
        height: 260,
        data: { values: data.windows.map((w) => ({ ...w, version: `v${w.version}` })) },
        mark: 'bar',
        encoding: {
          x: { field: 'window', type: 'ordinal', title: 'window (traffic: Seattle, then New York)' },
          y: { field: 'mse', type: 'quantitative', title: 'MSE of temp_max predictions (°C²)' },
          color: versionColor,
          tooltip: [{ field: 'traffic' }, { field: 'mse', format: '.2f' }],
        },
      },
    ],
  };
}

function subtitleOf(data: LoopData): string {
  return `alarm (▲) after ${data.consecutiveWindows} windows above ε; windows 1.. are Seattle traffic, then New York`;
}

function fixed(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(2);
}

/** Renders a Vega-Lite spec to SVG without a browser and writes it. */
export async function writeChartSvg(spec: unknown, file: string): Promise<void> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    fs.writeFileSync(file, await view.toSVG());
  } finally {
    view.finalize();
  }
}
