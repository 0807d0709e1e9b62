import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { logLoss, meanSquaredError } from '../lib/metrics';
import type { DenseKernels } from '../lib/models/dense-engine';
import { predict } from '../lib/models/predict';
import { suggest } from '../lib/hpo/suggest';
import { shouldStop } from '../lib/hpo/median-stopping';
import { trainModelFamily, resolveHyperparameters } from '../lib/models/trainers';
import type { ArtifactStore } from '../stores/artifact-store';
import type { ParamValues, SweepInput, SweepSettings, TrialRecord } from '../workflows/sweep-defs';
import { loadPreparedData } from './prepared-data';

export interface TrialRequest {
  id: number;
  params: ParamValues;
  input: Required<Pick<SweepInput, 'config' | 'data'>> & { graceEpochs: number };
  /** Median best-so-far loss per epoch of the completed trials (median stopping rule); empty until enough finish. */
  medianCurve: number[];
}

/** Only what the optimiser needs: a trial's parameters and loss (null when it failed), not its loss curve. */
export interface SuggestRequest {
  settings: SweepSettings;
  observations: { params: ParamValues; loss: number | null }[];
  pending: ParamValues[];
  count: number;
}

class StopTrial extends Error {}

/** `kernels` train the trials (the JavaScript ones when absent, as for a worker running `suggestTrials` only). */
export function createHpoActivities({ store, kernels }: { store: ArtifactStore; kernels?: DenseKernels }) {
  return {
    /** Next hyperparameters: quasi-random first, then Expected Improvement over a GP of the finished trials. */
    async suggestTrials(request: SuggestRequest): Promise<ParamValues[]> {
      const { settings, observations } = request;
      // Warm start: points handed out so far index into `initialPoints`; the ones still due go first.
      const issued = observations.length + request.pending.length;
      const seeded = (settings.initialPoints ?? []).slice(issued, issued + request.count);
      if (seeded.length === request.count) return seeded;
      let result;
      try {
        result = suggest({
          space: settings.space,
          observations,
          pending: [...request.pending, ...seeded],
          seed: settings.seed,
          batchSize: request.count - seeded.length,
          nInitial: settings.initialTrials,
        });
      } catch (err) {
        // The suggestion is a pure function of its input: a bad search space fails the same way on every retry.
        throw ApplicationFailure.nonRetryable((err as Error).message, 'SweepInputError');
      }
      return [...seeded, ...result.suggestions.map((s) => s.params)];
    },

    /** Trains one model with the trial's hyperparameters; its objective is the best validation loss. */
    async runTrial(request: TrialRequest): Promise<TrialRecord> {
      const { config, data: refs } = request.input;
      const { dataset, split } = refs;
      const hyperparameters = resolveHyperparameters(config.model.type, {
        ...config.model.hyperparameters,
        ...request.params,
      });
      const data = await loadPreparedData(store, dataset, split);
      const median = request.medianCurve;
      const curve: number[] = [];
      const record = (status: TrialRecord['status']): TrialRecord => ({
        id: request.id,
        params: request.params,
        status,
        loss: curve.length ? Math.min(...curve.filter(Number.isFinite)) : null,
        curve,
      });
      let trained;
      try {
        trained = trainModelFamily(
          config.model.type,
          dataset.task,
          data.train,
          data.validation,
          hyperparameters,
          config.model.seed,
          {
            kernels,
            onEpoch: (_epoch, _train, valLoss) => {
              curve.push(valLoss);
              heartbeat({ epoch: curve.length, valLoss });
              if (Context.current().cancellationSignal.aborted) throw new StopTrial('cancelled');
              if (shouldStop(curve, median, request.input.graceEpochs)) throw new StopTrial('median stopping');
            },
          },
        );
      } catch (err) {
        if (err instanceof StopTrial) return record('stopped');
        return { ...record('failed'), loss: null, error: (err as Error).message };
      }
      // Families without a per-epoch validation loss (ridge, logistic) are scored once on the validation rows.
      if (!curve.some(Number.isFinite)) {
        const p = predict(trained.model, data.validation.features);
        curve.push(
          p.task === 'regression'
            ? meanSquaredError(data.validation.target, p.values)
            : logLoss(data.validation.target, p.probabilities),
        );
      }
      const result = { ...record('completed'), ...(trained.kernels ? { kernels: trained.kernels } : {}) };
      if (result.loss === null || !Number.isFinite(result.loss)) {
        return { ...result, status: 'failed', loss: null, error: `objective is not finite (${result.loss})` };
      }
      return result;
    },
  };
}
