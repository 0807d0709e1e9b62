/**
 * A model card (Mitchell et al., "Model Cards for Model Reporting") rendered as GitHub-flavoured markdown from plain
 * fields, so it can be produced from a registry entry plus training details without depending on their types.
 * Pure code: no I/O.
 */

export interface ModelCardFeature {
  name: string;
  /** e.g. 'numeric', 'categorical', 'datetime'. */
  type: string;
  /** Range seen in training (numeric features); inputs outside it are extrapolation. */
  min?: number;
  max?: number;
}

export interface ModelCardInput {
  name: string;
  version: number;
  /** ISO-8601 timestamp. */
  createdAt: string;
  modelType: string;
  task?: 'regression' | 'classification';
  intendedUse?: string;
  data: {
    source: string;
    /** SHA-256 of the dataset file, hex. */
    sha256: string;
    rows: number;
    /** Row counts of the train / validation split. */
    split?: { train: number; validation: number };
    features: ModelCardFeature[];
    target: { name: string; type: string };
    /** Classification: rows per class label in the training data. */
    classCounts?: Record<string, number>;
  };
  hyperparameters: Record<string, number | string | boolean>;
  metrics: Record<string, number>;
  /** Metrics of a baseline (e.g. predicting the mean, or the majority class), keyed like `metrics`. */
  baseline?: { name: string; metrics: Record<string, number> };
  /** Largest absolute difference between the ONNX export's and the trained model's predictions. */
  onnxParity?: { maxAbsDiff: number; tolerance?: number };
  limitations?: string[];
  lineage: { workflowId: string; runId: string };
}

/** A class under this share of the training rows is called out as under-represented. */
export const MINORITY_CLASS_SHARE = 0.1;

/** Metrics where lower is better; the rest of the known ones are higher-is-better. */
const LOWER_IS_BETTER = new Set(['mse', 'rmse', 'mae', 'logLoss', 'log_loss']);
const HIGHER_IS_BETTER = new Set(['r2', 'accuracy', 'f1', 'rocAuc', 'roc_auc']);

/**
 * Makes text safe inside a markdown table cell: backslashes are doubled (so the text's own backslashes survive),
 * pipes are escaped (they would split the cell) and line breaks become spaces (they would end the row).
 */
export function escapeTableCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ')
    .trim();
}

/** Text on one line of a list or heading: line breaks become spaces. */
function oneLine(text: string): string {
  return text.replace(/\s*(\r\n|\r|\n)\s*/g, ' ').trim();
}

/** An inline code span that survives backticks in the text (CommonMark: fence with a longer backtick run). */
function code(text: string): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Up to 6 significant digits; exponent notation for very small or large magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e15)) return Number(value.toPrecision(4)).toExponential();
  return String(Number(value.toPrecision(6)));
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.map(escapeTableCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeTableCell).join(' | ')} |`),
  ];
}

function percent(part: number, whole: number): string {
  return `${Number(((part / whole) * 100).toPrecision(3))}%`;
}

/** 'better' / 'worse' for a known metric whose value moved by `delta` from the baseline; undefined otherwise. */
function verdictOf(metric: string, delta: number): 'better' | 'worse' | undefined {
  if (delta === 0 || Number.isNaN(delta)) return undefined;
  if (LOWER_IS_BETTER.has(metric)) return delta < 0 ? 'better' : 'worse';
  if (HIGHER_IS_BETTER.has(metric)) return delta > 0 ? 'better' : 'worse';
  return undefined;
}

function comparison(metric: string, value: number, baseline: number): string {
  const delta = value - baseline;
  const verdict = verdictOf(metric, delta);
  return `${delta > 0 ? '+' : ''}${formatNumber(delta)}${verdict ? ` (${verdict})` : ''}`;
}

/** The limitations that follow from the inputs themselves, after the supplied ones. */
export function automaticLimitations(input: ModelCardInput): string[] {
  const out: string[] = [];
  const { data } = input;
  const split = data.split ? ` (${data.split.train} for training, ${data.split.validation} for validation)` : '';
  out.push(
    `Trained on ${data.rows} rows${split}; metrics are estimates from ` +
      `${data.split ? `${data.split.validation} validation rows` : 'this data'} and carry sampling error.`,
  );
  const ranges = data.features.flatMap((f) =>
    f.min !== undefined && f.max !== undefined
      ? [`${oneLine(f.name)} in [${formatNumber(f.min)}, ${formatNumber(f.max)}]`]
      : [],
  );
  if (ranges.length > 0) {
    out.push(
      `Inputs outside the training ranges are extrapolation and predictions there are unvalidated: ${ranges.join(', ')}.`,
    );
  }
  if (data.classCounts) {
    const entries = Object.entries(data.classCounts);
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    if (total > 0) {
      out.push(
        'Class balance in training: ' +
          entries.map(([label, n]) => `${oneLine(label)} ${n} (${percent(n, total)})`).join(', ') +
          '.',
      );
      const minority = entries.filter(([, n]) => n / total < MINORITY_CLASS_SHARE);
      if (minority.length > 0) {
        out.push(
          `Under-represented classes (below ${MINORITY_CLASS_SHARE * 100}% of training rows): ` +
            `${minority.map(([label]) => oneLine(label)).join(', ')}; expect weaker performance on them.`,
        );
      }
    }
  }
  if (input.baseline) {
    const baseline = input.baseline;
    const worse = Object.entries(input.metrics).filter(
      ([k, v]) => Object.hasOwn(baseline.metrics, k) && verdictOf(k, v - baseline.metrics[k]) === 'worse',
    );
    if (worse.length > 0) {
      out.push(
        `Does not beat the ${oneLine(baseline.name)} baseline on: ${worse.map(([k]) => oneLine(k)).join(', ')}.`,
      );
    }
  }
  const parity = input.onnxParity;
  if (parity?.tolerance !== undefined && !(parity.maxAbsDiff <= parity.tolerance)) {
    out.push(
      `The ONNX export differs from the trained model by up to ${formatNumber(parity.maxAbsDiff)}, ` +
        `above the ${formatNumber(parity.tolerance)} tolerance.`,
    );
  }
  return out;
}

/** Markdown for one model version: overview, intended use, data, hyperparameters, metrics, limitations, lineage. */
export function renderModelCard(input: ModelCardInput): string {
  const { data } = input;
  const lines: string[] = [`# Model card: ${oneLine(input.name)} v${input.version}`, ''];

  lines.push(
    ...table(
      ['Field', 'Value'],
      [
        ['Name', input.name],
        ['Version', String(input.version)],
        ['Created', input.createdAt],
        ['Model type', input.modelType],
        ...(input.task ? [['Task', input.task]] : []),
      ],
    ),
    '',
  );

  lines.push('## Intended use', '', input.intendedUse?.trim() || '_Not specified._', '');

  lines.push('## Data', '');
  lines.push(`- Source: ${code(data.source)}`);
  lines.push(`- SHA-256: ${code(data.sha256)}`);
  lines.push(`- Rows: ${data.rows}`);
  if (data.split) {
    const total = data.split.train + data.split.validation;
    lines.push(
      `- Split: ${data.split.train} train / ${data.split.validation} validation` +
        (total > 0 ? ` (${percent(data.split.train, total)} / ${percent(data.split.validation, total)})` : ''),
    );
  }
  lines.push(`- Target: ${code(data.target.name)} (${oneLine(data.target.type)})`, '');
  lines.push(
    ...table(
      ['Feature', 'Type', 'Training range'],
      data.features.map((f) => [
        f.name,
        f.type,
        f.min !== undefined && f.max !== undefined ? `${formatNumber(f.min)} – ${formatNumber(f.max)}` : '',
      ]),
    ),
    '',
  );

  lines.push('## Hyperparameters', '');
  const hyperparameters = Object.entries(input.hyperparameters);
  if (hyperparameters.length === 0) lines.push('_None._', '');
  else {
    lines.push(
      ...table(
        ['Name', 'Value'],
        hyperparameters.map(([k, v]) => [k, typeof v === 'number' ? formatNumber(v) : String(v)]),
      ),
      '',
    );
  }

  lines.push('## Metrics', '');
  const metrics = Object.entries(input.metrics);
  if (metrics.length === 0) lines.push('_None recorded._', '');
  else if (input.baseline) {
    const base = input.baseline;
    lines.push(
      ...table(
        ['Metric', 'Value', `Baseline (${oneLine(base.name)})`, 'Difference'],
        metrics.map(([k, v]) => {
          const b = Object.hasOwn(base.metrics, k) ? base.metrics[k] : undefined;
          return [
            k,
            formatNumber(v),
            b === undefined ? '—' : formatNumber(b),
            b === undefined ? '—' : comparison(k, v, b),
          ];
        }),
      ),
      '',
    );
  } else {
    lines.push(
      ...table(
        ['Metric', 'Value'],
        metrics.map(([k, v]) => [k, formatNumber(v)]),
      ),
      '',
    );
  }

  if (input.onnxParity) {
    const { maxAbsDiff, tolerance } = input.onnxParity;
    const verdict =
      tolerance === undefined
        ? ''
        : maxAbsDiff <= tolerance
          ? ` (within the ${formatNumber(tolerance)} tolerance)`
          : ` (**above** the ${formatNumber(tolerance)} tolerance)`;
    lines.push(
      '## ONNX parity',
      '',
      `Max absolute difference between ONNX and trained-model predictions: ${formatNumber(maxAbsDiff)}${verdict}.`,
      '',
    );
  }

  lines.push('## Limitations', '');
  for (const limitation of [...(input.limitations ?? []), ...automaticLimitations(input)]) {
    lines.push(`- ${oneLine(limitation)}`);
  }
  lines.push('');

  lines.push('## Lineage', '');
  lines.push(`- Workflow ID: ${code(input.lineage.workflowId)}`);
  lines.push(`- Run ID: ${code(input.lineage.runId)}`);
  lines.push(`- Dataset SHA-256: ${code(data.sha256)}`);

  return lines.join('\n') + '\n';
}
