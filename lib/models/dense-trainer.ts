import { Adam } from './adam';
import { type DenseEngine, type DenseKernel, type DenseKernels, jsDenseKernels } from './dense-engine';
import { initialParameters, type LayerSlice, layoutLayers, type OutputLoss } from './dense-network';
import { SeededRandom } from './rng';
import type { EpochLoss } from './types';

/** Row-major standardised inputs and their targets (real values, 0/1, or class indices, per the loss). */
export interface DenseData {
  rowCount: number;
  x: Float64Array;
  y: Float64Array;
}

export interface DenseTrainingOptions {
  /** [inputs, ...hidden, outputs]. */
  sizes: number[];
  loss: OutputLoss;
  learningRate: number;
  l2: number;
  epochs: number;
  /** Rows per Adam step; at least the row count means full-batch gradient descent. */
  batchSize: number;
  seed: number;
  /** Stop after this many epochs without a lower validation loss (needs validation rows). */
  patience?: number;
  /** Reported losses are multiplied by this, e.g. the target variance to report MSE in raw target units. */
  lossScale?: number;
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
  /** Which kernels run the passes (default: the JavaScript ones); every choice trains the same weights. */
  kernels?: DenseKernels;
}

export interface DenseTrainingResult {
  params: Float64Array;
  layers: LayerSlice[];
  lossHistory: EpochLoss[];
  /** 1-based; with validation rows the returned parameters are this epoch's (lowest validation loss). */
  bestEpoch: number;
  /** The kernels that trained. */
  kernels: DenseKernel;
}

function meanLoss(engine: DenseEngine, data: DenseData, loss: OutputLoss, order: Int32Array) {
  let total = 0;
  for (let start = 0; start < data.rowCount; start += engine.capacity) {
    const count = Math.min(engine.capacity, data.rowCount - start);
    engine.gather(data.x, order, start, count);
    engine.forward(count);
    total += engine.outputLoss(loss, data.y, order, start, count, false);
  }
  return total / data.rowCount;
}

const identity = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/**
 * Mini-batch Adam on a ReLU network with no hidden layers (a linear/logistic model) or more. Deterministic: the
 * seed fixes the initial weights and each epoch's shuffle, and all arithmetic runs in a fixed order.
 */
export function trainDense(train: DenseData, validation: DenseData | null, options: DenseTrainingOptions) {
  const { sizes, loss, learningRate, l2, epochs, patience, onEpoch } = options;
  const lossScale = options.lossScale ?? 1;
  const n = train.rowCount;
  const batchSize = Math.max(1, Math.min(options.batchSize, n));
  const random = new SeededRandom(options.seed);
  const { layers, parameterCount } = layoutLayers(sizes);
  const kernels = options.kernels ?? jsDenseKernels;
  const engine = kernels.engine(sizes, batchSize);
  engine.writeParams(initialParameters(layers, parameterCount, random));
  const { params, grads } = engine;
  const best = new Float64Array(params);
  const adam = new Adam(params.length, engine.layers, learningRate, l2, engine.adam);
  const order = identity(n);
  const validationOrder = validation ? identity(validation.rowCount) : null;

  const lossHistory: EpochLoss[] = [];
  let bestEpoch = 0;
  let bestLoss = Infinity;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    random.shuffle(order);
    let total = 0;
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      engine.gather(train.x, order, start, count);
      engine.forward(count);
      total += engine.outputLoss(loss, train.y, order, start, count, true);
      engine.backward(count);
      adam.step(params, grads);
    }
    const trainLoss = (total / n) * lossScale;
    if (!Number.isFinite(trainLoss)) {
      throw new RangeError(
        `training diverged in epoch ${epoch} (loss ${trainLoss}); lower learningRate (now ${learningRate})`,
      );
    }
    const valLoss =
      validation && validationOrder ? meanLoss(engine, validation, loss, validationOrder) * lossScale : NaN;
    lossHistory.push({ epoch, trainLoss, valLoss });
    onEpoch?.(epoch, trainLoss, valLoss);
    if (!validation) {
      bestEpoch = epoch;
      continue;
    }
    if (valLoss < bestLoss) {
      bestLoss = valLoss;
      bestEpoch = epoch;
      best.set(params);
    } else if (patience !== undefined && epoch - bestEpoch >= patience) {
      break;
    }
  }
  if (validation) params.set(best);
  const plain = new Float64Array(parameterCount);
  engine.readParams(plain);
  return { params: plain, layers, lossHistory, bestEpoch, kernels: kernels.kind } satisfies DenseTrainingResult;
}
