import wabt from 'wabt';
import { type DenseKernels, jsDenseKernels } from '../lib/models/dense-engine';
import { type WatAssembler, wasmDenseKernels } from '../lib/models/kernels/wasm-dense-engine';

let assembler: Promise<WatAssembler> | undefined;
let kernels: Promise<DenseKernels> | undefined;

/** wabt's WebAssembly text parser with SIMD enabled; wabt initialises asynchronously, once per process. */
export function loadWatAssembler(): Promise<WatAssembler> {
  assembler ??= wabt().then((toolkit) => (wat: string) => {
    const module = toolkit.parseWat('kernels.wat', wat, { simd: true });
    try {
      module.validate();
      return module.toBinary({}).buffer;
    } finally {
      module.destroy();
    }
  });
  return assembler;
}

/**
 * The kernels the MLP and logistic trainers run on: WebAssembly SIMD where the runtime has it (Node 20+), else the
 * JavaScript ones. Awaited once at worker start-up, since training itself is synchronous.
 */
export function loadTrainingKernels(): Promise<DenseKernels> {
  kernels ??= loadWatAssembler().then((assemble) => wasmDenseKernels(assemble) ?? jsDenseKernels);
  return kernels;
}
