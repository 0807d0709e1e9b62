import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { LifecycleConfig } from '../config/project';
import type { NumericDataset } from '../lib/data/dataset';
import { mean, meanSquaredError } from '../lib/metrics';
import { LinearModel, predictLinear } from '../lib/models/linear';
import { linearModelToOnnx, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from '../lib/models/onnx-linear';
import { trainRidge } from '../lib/models/ridge';
import type { ArtifactRef, ArtifactStore } from '../stores/artifact-store';
import type { SplitDataset } from './data';

/** ONNX (float32) and TypeScript (float64) predictions must agree this closely on every validation row. */
export const ONNX_PARITY_TOLERANCE = 1e-5;

export interface ModelMetrics {
  validationMse: number;
  /** MSE of always predicting the training-target mean: the bar any useful model must clear. */
  baselineMse: number;
  trainMse: number;
}

export interface ExportedModel {
  artifact: ArtifactRef;
  /** Largest |ONNX − TypeScript| prediction difference over the validation set. */
  maxAbsDiff: number;
}

export function createTrainingActivities({ store }: { store: ArtifactStore }) {
  return {
    async trainModel(split: SplitDataset, config: LifecycleConfig): Promise<LinearModel> {
      const train = await store.getJson<NumericDataset>(split.trainHash);
      heartbeat();
      try {
        return trainRidge(train, { l2: config.model.l2 });
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'TrainingError');
      }
    },

    async evaluateModel(model: LinearModel, split: SplitDataset): Promise<ModelMetrics> {
      const [train, validation] = await Promise.all([
        store.getJson<NumericDataset>(split.trainHash),
        store.getJson<NumericDataset>(split.validationHash),
      ]);
      const trainMean = mean(train.target);
      return {
        validationMse: meanSquaredError(validation.target, predictLinear(model, validation.features)),
        baselineMse: meanSquaredError(
          validation.target,
          validation.target.map(() => trainMean),
        ),
        trainMse: meanSquaredError(train.target, predictLinear(model, train.features)),
      };
    },

    /** Exports to ONNX, proves onnxruntime-node predicts what the TypeScript model does, then stores the file. */
    async exportOnnx(model: LinearModel, split: SplitDataset, config: LifecycleConfig): Promise<ExportedModel> {
      const validation = await store.getJson<NumericDataset>(split.validationHash);
      const bytes = linearModelToOnnx(model, {
        modelName: config.modelName,
        targetName: config.target,
        metadata: { model_type: config.model.type, l2: String(config.model.l2) },
      });
      const session = await InferenceSession.create(bytes);
      try {
        const rows = validation.features;
        const input = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, model.featureNames.length]);
        const output = await session.run({ [ONNX_INPUT_NAME]: input });
        const onnxPredictions = output[ONNX_OUTPUT_NAME].data as Float32Array;
        const expected = predictLinear(model, rows);
        const maxAbsDiff = expected.reduce((m, y, i) => Math.max(m, Math.abs(y - onnxPredictions[i])), 0);
        if (!(maxAbsDiff <= ONNX_PARITY_TOLERANCE)) {
          throw ApplicationFailure.nonRetryable(
            `ONNX predictions differ from the TypeScript model by ${maxAbsDiff} (> ${ONNX_PARITY_TOLERANCE})`,
            'OnnxParityError',
          );
        }
        return { artifact: await store.put(bytes), maxAbsDiff };
      } finally {
        await session.release();
      }
    },
  };
}
