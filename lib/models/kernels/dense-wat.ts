import { gemmFunction } from './gemm-wat';

/**
 * WebAssembly text of one network's training kernels. `widths` are the stored layer widths: the inputs as they
 * are, every layer's outputs rounded up to an even count (whole f64x2 vectors; the padding stays zero). Per layer l
 * (all addresses in bytes, row-major matrices, W[l] stored [inputs][outputs]):
 * - `forward{l}`: acts[l+1] = act(acts[l]·W + b), ReLU on hidden layers;
 * - `weightGrad{l}`: dW = acts[l]ᵀ·delta[l+1], summed over the batch rows in order;
 * - `inputDelta{l}` (l ≥ 1): delta[l] = (delta[l+1]·Wᵀ) where acts[l] > 0, reading Wᵀ from `transpose`;
 * and the shared `columnSums` (bias gradients, rows in order), `transpose` and `adam` (the optimiser step).
 */
export function denseKernelsWat(widths: number[]): string {
  const functions: string[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [nin, nout] = [widths[l], widths[l + 1]];
    const last = l + 2 === widths.length;
    functions.push(
      gemmFunction({
        name: `forward${l}`,
        n: nout,
        k: nin,
        leftRowStride: nin * 8,
        leftColStride: 8,
        rightRowStride: nout * 8,
        outRowStride: nout * 8,
        epilogue: last ? 'bias' : 'biasRelu',
      }),
      gemmFunction({
        name: `weightGrad${l}`,
        n: nout,
        k: null,
        leftRowStride: 8,
        leftColStride: nin * 8,
        rightRowStride: nout * 8,
        outRowStride: nout * 8,
        epilogue: 'none',
      }),
    );
    if (l > 0) {
      functions.push(
        gemmFunction({
          name: `inputDelta${l}`,
          n: nin,
          k: nout,
          leftRowStride: nout * 8,
          leftColStride: 8,
          rightRowStride: nin * 8,
          outRowStride: nin * 8,
          epilogue: 'mask',
        }),
      );
    }
  }
  return `(module
(import "env" "memory" (memory 1))
${functions.join('\n')}

;; dst[j] = src[0][j] + src[1][j] + ... (rows in order), for 2·vectors columns; rows are strideBytes apart.
(func $columnSums (export "columnSums") (param $src i32) (param $dst i32) (param $rows i32) (param $vectors i32)
  (param $strideBytes i32)
  (local $acc v128) (local $p i32) (local $r i32)
  block $vectorsDone
  loop $vectorLoop
  local.get $vectors i32.eqz br_if $vectorsDone
  f64.const 0 f64x2.splat local.set $acc
  local.get $src local.set $p
  local.get $rows local.set $r
  block $rowsDone
  loop $rowLoop
  local.get $r i32.eqz br_if $rowsDone
  local.get $acc local.get $p v128.load f64x2.add local.set $acc
  local.get $p local.get $strideBytes i32.add local.set $p
  local.get $r i32.const 1 i32.sub local.set $r
  br $rowLoop
  end
  end
  local.get $dst local.get $acc v128.store
  local.get $src i32.const 16 i32.add local.set $src
  local.get $dst i32.const 16 i32.add local.set $dst
  local.get $vectors i32.const 1 i32.sub local.set $vectors
  br $vectorLoop
  end
  end
)

;; Adam on count (even) parameters, two at a time, in exactly the operations and order of lib/models/adam.ts:
;; g = grad (+ l2·param when l2 > 0); m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g·g;
;; param −= (lr·(m / c1)) / (√(v / c2) + ε).
(func $adam (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $count i32)
  (param $l2 f64) (param $lr f64) (param $c1 f64) (param $c2 f64) (param $beta1 f64) (param $oneMinusBeta1 f64)
  (param $beta2 f64) (param $oneMinusBeta2 f64) (param $epsilon f64)
  (local $useL2 i32) (local $vl2 v128) (local $vlr v128) (local $vc1 v128) (local $vc2 v128) (local $vb1 v128)
  (local $vob1 v128) (local $vb2 v128) (local $vob2 v128) (local $veps v128) (local $grad v128) (local $mk v128)
  (local $vk v128)
  local.get $l2 f64.const 0 f64.gt local.set $useL2
  local.get $l2 f64x2.splat local.set $vl2
  local.get $lr f64x2.splat local.set $vlr
  local.get $c1 f64x2.splat local.set $vc1
  local.get $c2 f64x2.splat local.set $vc2
  local.get $beta1 f64x2.splat local.set $vb1
  local.get $oneMinusBeta1 f64x2.splat local.set $vob1
  local.get $beta2 f64x2.splat local.set $vb2
  local.get $oneMinusBeta2 f64x2.splat local.set $vob2
  local.get $epsilon f64x2.splat local.set $veps
  block $done
  loop $pairs
  local.get $count i32.eqz br_if $done
  local.get $g v128.load local.set $grad
  local.get $useL2
  if
  local.get $grad local.get $vl2 local.get $p v128.load f64x2.mul f64x2.add local.set $grad
  end
  local.get $vb1 local.get $m v128.load f64x2.mul local.get $vob1 local.get $grad f64x2.mul f64x2.add local.set $mk
  local.get $vb2 local.get $v v128.load f64x2.mul local.get $vob2 local.get $grad f64x2.mul local.get $grad f64x2.mul
  f64x2.add local.set $vk
  local.get $m local.get $mk v128.store
  local.get $v local.get $vk v128.store
  local.get $p
  local.get $p v128.load
  local.get $vlr local.get $mk local.get $vc1 f64x2.div f64x2.mul
  local.get $vk local.get $vc2 f64x2.div f64x2.sqrt local.get $veps f64x2.add
  f64x2.div f64x2.sub v128.store
  local.get $p i32.const 16 i32.add local.set $p
  local.get $g i32.const 16 i32.add local.set $g
  local.get $m i32.const 16 i32.add local.set $m
  local.get $v i32.const 16 i32.add local.set $v
  local.get $count i32.const 2 i32.sub local.set $count
  br $pairs
  end
  end
)

;; dst[c][r] = src[r][c] for a rows × cols matrix.
(func $transpose (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
  (local $p i32) (local $q i32) (local $c i32) (local $columnStep i32)
  local.get $rows i32.const 3 i32.shl local.set $columnStep
  block $rowsDone
  loop $rowLoop
  local.get $rows i32.eqz br_if $rowsDone
  local.get $src local.set $p
  local.get $dst local.set $q
  local.get $cols local.set $c
  block $colsDone
  loop $colLoop
  local.get $c i32.eqz br_if $colsDone
  local.get $q local.get $p f64.load f64.store
  local.get $p i32.const 8 i32.add local.set $p
  local.get $q local.get $columnStep i32.add local.set $q
  local.get $c i32.const 1 i32.sub local.set $c
  br $colLoop
  end
  end
  local.get $src local.get $cols i32.const 3 i32.shl i32.add local.set $src
  local.get $dst i32.const 8 i32.add local.set $dst
  local.get $rows i32.const 1 i32.sub local.set $rows
  br $rowLoop
  end
  end
)
)`;
}
