import {
  automaticLimitations,
  escapeTableCell,
  formatNumber,
  renderModelCard,
  type ModelCardInput,
} from '../../lib/reports/model-card';

const HASH = 'a'.repeat(64);

function regression(): ModelCardInput {
  return {
    name: 'house-prices',
    version: 3,
    createdAt: '2025-01-02T03:04:05.000Z',
    modelType: 'ridge',
    task: 'regression',
    intendedUse: 'Estimate sale prices for internal pricing experiments.',
    data: {
      source: 'data/houses.csv',
      sha256: HASH,
      rows: 500,
      split: { train: 400, validation: 100 },
      features: [
        { name: 'area', type: 'numeric', min: 35, max: 420.5 },
        { name: 'rooms', type: 'numeric', min: 1, max: 9 },
        { name: 'district', type: 'categorical' },
      ],
      target: { name: 'price', type: 'numeric' },
    },
    hyperparameters: { alpha: 0.5, solver: 'cholesky', fitIntercept: true },
    metrics: { rmse: 12.5, r2: 0.81234567 },
    baseline: { name: 'mean predictor', metrics: { rmse: 30, r2: 0 } },
    onnxParity: { maxAbsDiff: 1.2e-7, tolerance: 1e-5 },
    limitations: ['Prices are from one city only.'],
    lineage: { workflowId: 'train-house-prices-7', runId: 'run-123' },
  };
}

describe('renderModelCard', () => {
  const card = renderModelCard(regression());
  const lines = card.split('\n');

  it('renders the overview and intended use', () => {
    expect(lines[0]).toBe('# Model card: house-prices v3');
    expect(card).toContain('| Name | house-prices |');
    expect(card).toContain('| Version | 3 |');
    expect(card).toContain('| Created | 2025-01-02T03:04:05.000Z |');
    expect(card).toContain('| Model type | ridge |');
    expect(card).toContain('| Task | regression |');
    expect(card).toContain('## Intended use\n\nEstimate sale prices for internal pricing experiments.\n');
    expect(card.endsWith('\n')).toBe(true);
  });

  it('renders the data section: source, hash, rows, split, target and the feature table', () => {
    expect(lines).toContain('- Source: `data/houses.csv`');
    expect(lines).toContain(`- SHA-256: \`${HASH}\``);
    expect(lines).toContain('- Rows: 500');
    expect(lines).toContain('- Split: 400 train / 100 validation (80% / 20%)');
    expect(lines).toContain('- Target: `price` (numeric)');
    const start = lines.indexOf('| Feature | Type | Training range |');
    expect(lines.slice(start, start + 5)).toEqual([
      '| Feature | Type | Training range |',
      '| --- | --- | --- |',
      '| area | numeric | 35 – 420.5 |',
      '| rooms | numeric | 1 – 9 |',
      '| district | categorical |  |',
    ]);
  });

  it('renders hyperparameters and metrics against the baseline', () => {
    expect(card).toContain(
      '## Hyperparameters\n\n| Name | Value |\n| --- | --- |\n| alpha | 0.5 |\n| solver | cholesky |\n| fitIntercept | true |\n',
    );
    expect(card).toContain(
      [
        '| Metric | Value | Baseline (mean predictor) | Difference |',
        '| --- | --- | --- | --- |',
        '| rmse | 12.5 | 30 | -17.5 (better) |',
        '| r2 | 0.812346 | 0 | +0.812346 (better) |',
      ].join('\n'),
    );
  });

  it('renders ONNX parity with its tolerance verdict', () => {
    expect(card).toContain(
      '## ONNX parity\n\nMax absolute difference between ONNX and trained-model predictions: 1.2e-7 (within the 1e-5 tolerance).',
    );
    const bad = renderModelCard({ ...regression(), onnxParity: { maxAbsDiff: 0.01, tolerance: 1e-5 } });
    expect(bad).toContain('0.01 (**above** the 1e-5 tolerance)');
    expect(bad).toContain('- The ONNX export differs from the trained model by up to 0.01, above the 1e-5 tolerance.');
    expect(renderModelCard({ ...regression(), onnxParity: undefined })).not.toContain('## ONNX parity');
  });

  it('lists supplied limitations first, then the automatic ones', () => {
    const start = lines.indexOf('## Limitations');
    expect(lines.slice(start + 2, start + 5)).toEqual([
      '- Prices are from one city only.',
      '- Trained on 500 rows (400 for training, 100 for validation); metrics are estimates from 100 validation rows and carry sampling error.',
      '- Inputs outside the training ranges are extrapolation and predictions there are unvalidated: area in [35, 420.5], rooms in [1, 9].',
    ]);
    expect(lines[start + 5]).toBe('');
  });

  it('renders lineage', () => {
    expect(card).toContain(
      `## Lineage\n\n- Workflow ID: \`train-house-prices-7\`\n- Run ID: \`run-123\`\n- Dataset SHA-256: \`${HASH}\`\n`,
    );
  });

  it('handles absent optional fields', () => {
    const minimal = renderModelCard({
      ...regression(),
      task: undefined,
      intendedUse: undefined,
      baseline: undefined,
      limitations: undefined,
      hyperparameters: {},
      metrics: {},
      data: { ...regression().data, split: undefined, features: [{ name: 'x', type: 'numeric' }] },
    });
    expect(minimal).not.toContain('| Task |');
    expect(minimal).toContain('## Intended use\n\n_Not specified._');
    expect(minimal).toContain('## Hyperparameters\n\n_None._');
    expect(minimal).toContain('## Metrics\n\n_None recorded._');
    expect(minimal).not.toContain('- Split:');
    expect(minimal).toContain('- Trained on 500 rows; metrics are estimates from this data and carry sampling error.');
    expect(minimal).not.toContain('extrapolation');
  });

  it('shows metrics without a baseline, and dashes for metrics the baseline lacks', () => {
    expect(renderModelCard({ ...regression(), baseline: undefined })).toContain(
      '| Metric | Value |\n| --- | --- |\n| rmse | 12.5 |\n| r2 | 0.812346 |',
    );
    const partial = renderModelCard({ ...regression(), baseline: { name: 'b', metrics: { rmse: 10 } } });
    expect(partial).toContain('| rmse | 12.5 | 10 | +2.5 (worse) |');
    expect(partial).toContain('| r2 | 0.812346 | — | — |');
    expect(partial).toContain('- Does not beat the b baseline on: rmse.');
  });
});

describe('classification cards', () => {
  const input: ModelCardInput = {
    ...regression(),
    task: 'classification',
    modelType: 'logistic',
    data: {
      ...regression().data,
      target: { name: 'species', type: 'categorical' },
      classCounts: { setosa: 50, versicolor: 45, virginica: 5 },
    },
    metrics: { accuracy: 0.9, logLoss: 0.3 },
    baseline: { name: 'majority class', metrics: { accuracy: 0.5, logLoss: 0.25 } },
  };

  it('states the class balance and calls out under-represented classes', () => {
    const limitations = automaticLimitations(input);
    expect(limitations).toContain('Class balance in training: setosa 50 (50%), versicolor 45 (45%), virginica 5 (5%).');
    expect(limitations).toContain(
      'Under-represented classes (below 10% of training rows): virginica; expect weaker performance on them.',
    );
    expect(limitations).toContain('Does not beat the majority class baseline on: logLoss.');
  });

  it('does not call balanced classes under-represented', () => {
    const balanced = automaticLimitations({ ...input, data: { ...input.data, classCounts: { a: 10, b: 10 } } });
    expect(balanced.join('\n')).not.toContain('Under-represented');
    expect(balanced).toContain('Class balance in training: a 10 (50%), b 10 (50%).');
  });
});

describe('markdown escaping', () => {
  it('escapes pipes and backslashes and flattens line breaks in table cells', () => {
    expect(escapeTableCell('a|b')).toBe('a\\|b');
    expect(escapeTableCell('C:\\data|x')).toBe('C:\\\\data\\|x');
    expect(escapeTableCell('two\nlines\r\nhere')).toBe('two lines here');
  });

  it('keeps every table row at its column count when values contain pipes', () => {
    const card = renderModelCard({
      ...regression(),
      modelType: 'ridge | lasso',
      hyperparameters: { 'a|b': 'x|y|z' },
      metrics: { 'f1|macro': 0.5 },
      baseline: undefined,
      data: { ...regression().data, features: [{ name: 'width|height', type: 'numeric', min: 0, max: 1 }] },
    });
    expect(card).toContain('| Model type | ridge \\| lasso |');
    expect(card).toContain('| a\\|b | x\\|y\\|z |');
    expect(card).toContain('| f1\\|macro | 0.5 |');
    expect(card).toContain('| width\\|height | numeric | 0 – 1 |');
    for (const line of card.split('\n').filter((l) => l.startsWith('|'))) {
      const cells = line.replace(/\\\|/g, '').split('|').length - 2;
      expect([2, 3]).toContain(cells);
    }
  });

  it('keeps identifiers with backticks or line breaks inside one code span', () => {
    const card = renderModelCard({ ...regression(), lineage: { workflowId: 'wf`1', runId: 'run\n2' } });
    expect(card).toContain('- Workflow ID: `` wf`1 ``');
    expect(card).toContain('- Run ID: `run 2`');
  });
});

describe('formatNumber', () => {
  it('shows integers as is, 6 significant digits otherwise, exponents for tiny values', () => {
    expect(formatNumber(500)).toBe('500');
    expect(formatNumber(0.81234567)).toBe('0.812346');
    expect(formatNumber(0.1 - 0.3)).toBe('-0.2');
    expect(formatNumber(1.23456e-7)).toBe('1.235e-7');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(NaN)).toBe('NaN');
  });
});
