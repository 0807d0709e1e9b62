import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { LifecycleConfig } from '../config/project';
import type { Cell } from '../lib/data/table';
import { referenceHistogram } from '../lib/data/histogram';
import { rawInputColumns, transformRaw, type Preprocessor, type RawColumns } from '../lib/data/preprocess';
import { classificationMetrics, mean, meanSquaredError, regressionMetrics } from '../lib/metrics';
import type { DenseKernel, DenseKernels } from '../lib/models/dense-engine';
import { ONNX_OUTPUT_NAME, ONNX_PROBABILITIES_NAME } from '../lib/models/onnx-graph';
import { pipelineToOnnx } from '../lib/models/onnx-pipeline';
import { predict } from '../lib/models/predict';
import { trainModelFamily, type Hyperparameters } from '../lib/models/trainers';
import { isClassificationModel, type ClassificationDataset, type Model } from '../lib/models/types';
import type { ArtifactRef, ArtifactStore } from '../stores/artifact-store';
import { trainingStatistics, type SplitDataset, type ValidatedDataset } from './data';
import { loadPreparedData } from './prepared-data';

/** ONNX (float32) and TypeScript (float64) predictions must agree this closely on every validation row. */
export const ONNX_PARITY_TOLERANCE = 1e-5;

export interface TrainedModelRef {
  /** Artifact holding `{ preprocessor, model }` as JSON. */
  hash: string;
  modelType: string;
  hyperparameters: Hyperparameters;
  /** Epochs run (0 for closed-form models) and, with early stopping, the epoch whose weights were kept. */
  epochs: number;
  bestEpoch?: number;
  /** MLP and logistic: the kernels that trained (the weights are the same with any). */
  kernels?: DenseKernel;
}

export type ModelMetrics = Record<string, number>;

export interface ExportOptions {
  /**
   * Artifact of rows (`{ features }` objects, raw values as the feature log writes them) whose distribution becomes
   * the model's drift reference instead of its training rows: a retrain's recent labelled rows.
   */
  referenceRowsHash?: string;
}

export interface ExportedModel {
  artifact: ArtifactRef;
  trainingStatistics: ArtifactRef;
  /** Largest |ONNX − TypeScript| over the validation set (predictions, or class probabilities). */
  maxAbsDiff: number;
}

interface StoredModel {
  preprocessor: Preprocessor;
  model: Model;
}

/** Numeric and date inputs rounded to float32, as the ONNX model receives them. */
function float32Inputs(pre: Preprocessor, raw: RawColumns): RawColumns {
  return Object.fromEntries(
    pre.steps.map((step) => {
      const values = raw[step.name];
      return [step.name, step.kind === 'categorical' ? values : (values as number[]).map(Math.fround)];
    }),
  );
}

/** Flattened predictions to compare: regression values, or class probabilities row by row. */
function referenceOutputs(model: Model, rows: number[][]): number[] {
  const prediction = predict(model, rows);
  return prediction.task === 'regression' ? prediction.values : prediction.probabilities.flat();
}

export function createTrainingActivities({ store, kernels }: { store: ArtifactStore; kernels: DenseKernels }) {
  return {
    /** Fits the preprocessing on the training rows and trains the configured model family with a seed. */
    async trainModel(
      dataset: ValidatedDataset,
      split: SplitDataset,
      config: LifecycleConfig,
    ): Promise<TrainedModelRef> {
      const data = await loadPreparedData(store, dataset, split).catch((err: Error) => {
        throw ApplicationFailure.nonRetryable(err.message, 'PreprocessingError');
      });
      heartbeat();
      const { type, hyperparameters, seed } = config.model;
      let trained;
      try {
        trained = trainModelFamily(type, dataset.task, data.train, data.validation, hyperparameters, seed, { kernels });
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'TrainingError');
      }
      const ref = await store.putJson({ preprocessor: data.preprocessor, model: trained.model } satisfies StoredModel);
      return {
        hash: ref.hash,
        modelType: type,
        hyperparameters: { ...hyperparameters, seed },
        epochs: trained.lossHistory.length,
        ...(trained.bestEpoch !== undefined ? { bestEpoch: trained.bestEpoch } : {}),
        ...(trained.kernels ? { kernels: trained.kernels } : {}),
      };
    },

    /** Validation metrics, with a baseline any useful model must beat (training mean, or majority class). */
    async evaluateModel(
      trained: TrainedModelRef,
      dataset: ValidatedDataset,
      split: SplitDataset,
    ): Promise<ModelMetrics> {
      const { preprocessor, model } = await store.getJson<StoredModel>(trained.hash);
      const { train, validation } = await loadPreparedData(store, dataset, split, preprocessor);
      const prediction = predict(model, validation.features);
      if (prediction.task === 'regression') {
        const m = regressionMetrics(validation.target, prediction.values);
        const trainPrediction = predict(model, train.features);
        const trainMean = mean(train.target);
        return {
          validationMse: m.mse,
          validationRmse: m.rmse,
          validationMae: m.mae,
          validationR2: m.r2,
          trainMse:
            trainPrediction.task === 'regression' ? meanSquaredError(train.target, trainPrediction.values) : NaN,
          baselineMse: meanSquaredError(
            validation.target,
            validation.target.map(() => trainMean),
          ),
        };
      }
      const classes = (validation as ClassificationDataset).classes;
      const counts = classes.map((_, k) => train.target.filter((t) => t === k).length);
      const majority = counts.indexOf(Math.max(...counts));
      const metrics: ModelMetrics = {
        validationAccuracy:
          validation.target.filter((t, i) => prediction.labels[i] === t).length / validation.target.length,
        baselineAccuracy: validation.target.filter((t) => t === majority).length / validation.target.length,
      };
      try {
        const m = classificationMetrics(validation.target, prediction.probabilities);
        Object.assign(metrics, { validationLogLoss: m.logLoss, validationF1: m.f1, validationRocAuc: m.rocAuc });
      } catch {
        // ROC AUC is undefined when the validation rows miss a class; accuracy still stands.
      }
      return metrics;
    },

    /**
     * Exports preprocessing + model as one ONNX graph taking raw features, proves onnxruntime-node reproduces the
     * TypeScript model on every validation row, then stores the file. Training statistics travel in its metadata.
     */
    async exportOnnx(
      trained: TrainedModelRef,
      dataset: ValidatedDataset,
      split: SplitDataset,
      config: LifecycleConfig,
      options: ExportOptions = {},
    ): Promise<ExportedModel> {
      const { preprocessor, model } = await store.getJson<StoredModel>(trained.hash);
      const { table, split: indices } = await loadPreparedData(store, dataset, split, preprocessor);
      const statistics = trainingStatistics(table, dataset.schema, indices.train);
      const referenceRows = options.referenceRowsHash
        ? await store.getJson<{ features: Record<string, Cell> }[]>(options.referenceRowsHash)
        : undefined;
      const referenceCells = (feature: string): Cell[] =>
        referenceRows
          ? referenceRows.map((row) => row.features[feature] ?? null)
          : indices.train.map((r) => table.data[feature][r]);
      const bytes = pipelineToOnnx(preprocessor, model, {
        modelName: config.modelName,
        targetName: dataset.schema.target.name,
        metadata: {
          schema: JSON.stringify(dataset.schema),
          training_statistics: JSON.stringify(statistics),
          // Drift monitoring compares live feature distributions with these (quantile bins fixed at training time).
          reference_histograms: JSON.stringify(
            Object.fromEntries(
              dataset.schema.features.map((f) => [f.name, referenceHistogram(f, referenceCells(f.name))]),
            ),
          ),
          hyperparameters: JSON.stringify(trained.hyperparameters),
        },
      });
      const session = await InferenceSession.create(bytes);
      try {
        // Both sides see the same raw inputs: the float32 values a client sends to the ONNX model.
        const raw = float32Inputs(preprocessor, rawInputColumns(preprocessor, table, indices.validation));
        const feeds = Object.fromEntries(
          preprocessor.steps.map((step) => {
            const values = raw[step.name];
            return [
              step.name,
              step.kind === 'categorical'
                ? new Tensor('string', values as string[], [values.length])
                : new Tensor('float32', Float32Array.from(values as number[]), [values.length]),
            ];
          }),
        );
        const output = await session.run(feeds);
        const name = isClassificationModel(model) ? ONNX_PROBABILITIES_NAME : ONNX_OUTPUT_NAME;
        const onnxValues = output[name].data as Float32Array;
        const expected = referenceOutputs(model, transformRaw(preprocessor, raw, indices.validation.length));
        const maxAbsDiff = expected.reduce((m, y, i) => Math.max(m, Math.abs(y - onnxValues[i])), 0);
        if (!(maxAbsDiff <= ONNX_PARITY_TOLERANCE)) {
          throw ApplicationFailure.nonRetryable(
            `ONNX predictions differ from the TypeScript model by ${maxAbsDiff} (> ${ONNX_PARITY_TOLERANCE})`,
            'OnnxParityError',
          );
        }
        return { artifact: await store.put(bytes), trainingStatistics: await store.putJson(statistics), maxAbsDiff };
      } finally {
        await session.release();
      }
    },
  };
}
