/**
 * The seed's Fig. 3: the sweep objective of the lifecycle's default MLP tuning (validation MSE of the Seattle
 * weather MLP predicting temp_max) against the trial number, our GP-EI (`suggest`) against random search
 * (`randomSearch`), sequential trials, several seeds. Writes .mlops/bench/hpo/mlp-sweep.json; report.ts charts it.
 * Usage: node --import tsx bench/hpo/mlp-sweep.ts. Environment: HPO_MLP_SEEDS (default 10), HPO_MLP_TRIALS (40).
 */
import { loadTrainingKernels } from '../../activities/training-kernels';
import { type Observation, randomSearch, suggest, type SuggestInput, type SuggestResult } from '../../lib/hpo';
import { DEFAULT_TUNING_SPACES, resolveHyperparameters, trainModelFamily } from '../../lib/models/trainers';
import { datasetOf, loadTable, prepareTask } from '../models/data';
import { writeJson } from './common';

const SEEDS = Number(process.env.HPO_MLP_SEEDS ?? 10);
const TRIALS = Number(process.env.HPO_MLP_TRIALS ?? 40);
/** The sweep's default number of quasi-random trials before the GP (config `sweep.initialTrials`). */
const INITIAL_TRIALS = 8;
/** The lifecycle's default model seed: the same weights initialisation for every trial. */
const MODEL_SEED = 42;

export interface MlpSweepRun {
  arm: string;
  seed: number;
  /** Validation MSE of each trial (the best epoch's, as the sweep's trials report it), in trial order. */
  losses: number[];
  params: Record<string, number | string>[];
  trainSeconds: number;
}

export interface MlpSweepResults {
  dataset: string;
  space: SuggestInput['space'];
  trials: number;
  initialTrials: number;
  validationRows: number;
  trainRows: number;
  runs: MlpSweepRun[];
}

const ARMS: Record<string, (input: SuggestInput) => SuggestResult> = {
  'ours GP-EI': suggest,
  'ours random': randomSearch,
};

async function main(): Promise<void> {
  if (!(SEEDS >= 1 && TRIALS > INITIAL_TRIALS)) {
    throw new Error(`HPO_MLP_SEEDS must be ≥ 1 and HPO_MLP_TRIALS > ${INITIAL_TRIALS}`);
  }
  const task = prepareTask(
    'seattle-weather',
    await loadTable('seattle-weather.csv', 'csv'),
    'temp_max',
    ['date', 'precipitation', 'temp_min', 'wind', 'weather'],
    0.2,
  );
  const train = datasetOf(task, task.train);
  const validation = datasetOf(task, task.validation);
  const space = DEFAULT_TUNING_SPACES.mlp;
  const kernels = await loadTrainingKernels();
  const objective = (params: Record<string, number | string>): number => {
    let best = Infinity;
    trainModelFamily('mlp', 'regression', train, validation, resolveHyperparameters('mlp', params), MODEL_SEED, {
      kernels,
      onEpoch: (_epoch, _trainLoss, valLoss) => {
        if (valLoss < best) best = valLoss;
      },
    });
    return best;
  };
  const results: MlpSweepResults = {
    dataset: 'vega-datasets:seattle-weather.csv → temp_max (random 80/20 split, seed 42)',
    space,
    trials: TRIALS,
    initialTrials: INITIAL_TRIALS,
    trainRows: task.train.y.length,
    validationRows: task.validation.y.length,
    runs: [],
  };
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const [arm, optimiser] of Object.entries(ARMS)) {
      const observations: Observation[] = [];
      let trainSeconds = 0;
      while (observations.length < TRIALS) {
        const { suggestions } = optimiser({ space, observations, seed, nInitial: INITIAL_TRIALS });
        const params = suggestions[0].params;
        const start = performance.now();
        const loss = objective(params);
        trainSeconds += (performance.now() - start) / 1000;
        observations.push({ params, loss: Number.isFinite(loss) ? loss : null });
      }
      const losses = observations.map((o) => o.loss ?? NaN);
      results.runs.push({ arm, seed, losses, params: observations.map((o) => o.params), trainSeconds });
      console.log(
        `  ${arm} seed ${seed}: best MSE ${Math.min(...losses.filter(Number.isFinite)).toFixed(3)} ` +
          `(${trainSeconds.toFixed(0)} s training)`,
      );
      writeJson('mlp-sweep.json', results);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
