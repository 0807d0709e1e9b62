import { gemmFunction } from './gemm-wat';

/**
 * WebAssembly text of one network's training kernels. `widths` are the stored layer widths: the inputs as they
 * are, every layer's outputs rounded up to an even count (whole f64x2 vectors; the padding stays zero). Per layer l
 * (all addresses in bytes, row-major matrices, W[l] stored [inputs][outputs]):
 * - `forward{l}`: acts[l+1] = act(acts[l]·W + b), ReLU on hidden layers;
 * - `weightGrad{l}`: dW = acts[l]ᵀ·delta[l+1], summed over the batch rows in order;
 * - `sparseForward{l}` (l ≥ 1): the same as `forward{l}` over each row's nonzero inputs only;
 * - `inputDelta{l}` (l ≥ 1): delta[l] = (delta[l+1]·Wᵀ) where acts[l] > 0, reading Wᵀ from `transpose`;
 * and the shared `columnSums` (bias gradients, rows in order), `transpose`, `adam` (the optimiser step),
 * `sparseBackward` (a layer's backward pass over nonzero entries only) and `nonzeros`.
 */
/** Column vectors per accumulator block of `sparseForward`. */
const SPARSE_VECTORS = 8;

/**
 * Forward pass of layer l row by row: the row's nonzero inputs (values and weight-row offsets), then for each block
 * of output vectors, bias + a·W[i] over those inputs in ascending order — the dense sum without its zero terms.
 */
function sparseForward(l: number, nin: number, nout: number, relu: boolean): string {
  const blocks: string[] = [];
  for (let col = 0; col < nout; col += 2 * SPARSE_VECTORS) {
    const vectors = Math.min(SPARSE_VECTORS, (nout - col) / 2);
    const lines: string[] = [];
    for (let v = 0; v < vectors; v++)
      lines.push(`local.get $bias v128.load offset=${(col + 2 * v) * 8} local.set $acc${v}`);
    lines.push('local.get $nzValues local.set $pv', 'local.get $nzOffsets local.set $po', 'local.get $nz local.set $k');
    lines.push('block $sumDone', 'loop $sum', 'local.get $k i32.eqz br_if $sumDone');
    lines.push(
      'local.get $pv v128.load64_splat local.set $s',
      'local.get $w local.get $po i32.load i32.add local.set $p',
    );
    for (let v = 0; v < vectors; v++) {
      lines.push(
        `local.get $acc${v} local.get $s local.get $p v128.load offset=${(col + 2 * v) * 8} f64x2.mul f64x2.add local.set $acc${v}`,
      );
    }
    lines.push(
      'local.get $pv i32.const 8 i32.add local.set $pv',
      'local.get $po i32.const 4 i32.add local.set $po',
      'local.get $k i32.const 1 i32.sub local.set $k',
      'br $sum',
      'end',
      'end',
    );
    for (let v = 0; v < vectors; v++) {
      const value = relu ? `local.get $acc${v} local.get $zero f64x2.pmax` : `local.get $acc${v}`;
      lines.push(`local.get $out ${value} v128.store offset=${(col + 2 * v) * 8}`);
    }
    blocks.push(lines.join('\n'));
  }
  const accumulators = Array.from({ length: SPARSE_VECTORS }, (_, v) => `(local $acc${v} v128)`).join(' ');
  return `
(func $sparseForward${l} (export "sparseForward${l}") (param $act i32) (param $w i32) (param $bias i32) (param $out i32)
  (param $nzValues i32) (param $nzOffsets i32) (param $rows i32)
  ${accumulators} (local $s v128) (local $zero v128) (local $nz i32) (local $i i32) (local $a f64) (local $pv i32)
  (local $po i32) (local $p i32) (local $k i32)
  f64.const 0 f64x2.splat local.set $zero
  block $rowsDone
  loop $rowLoop
  local.get $rows i32.eqz br_if $rowsDone
  i32.const 0 local.set $nz
  i32.const 0 local.set $i
  block $scanDone
  loop $scan
  local.get $i i32.const ${nin} i32.ge_u br_if $scanDone
  local.get $act local.get $i i32.const 3 i32.shl i32.add f64.load local.tee $a
  f64.const 0 f64.ne
  if
  local.get $nzValues local.get $nz i32.const 3 i32.shl i32.add local.get $a f64.store
  local.get $nzOffsets local.get $nz i32.const 2 i32.shl i32.add local.get $i i32.const ${nout * 8} i32.mul i32.store
  local.get $nz i32.const 1 i32.add local.set $nz
  end
  local.get $i i32.const 1 i32.add local.set $i
  br $scan
  end
  end
${blocks.join('\n')}
  local.get $act i32.const ${nin * 8} i32.add local.set $act
  local.get $out i32.const ${nout * 8} i32.add local.set $out
  local.get $rows i32.const 1 i32.sub local.set $rows
  br $rowLoop
  end
  end
)`;
}

export function denseKernelsWat(widths: number[]): string {
  const functions: string[] = [];
  for (let l = 1; l + 1 < widths.length; l++)
    functions.push(sparseForward(l, widths[l], widths[l + 1], l + 2 < widths.length));
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

;; Backward pass of one layer row by row over nonzero entries only, as DenseWorkspace.backward does: for each row,
;; the nonzero deltas (adding each to its bias gradient), then for each nonzero input a, dW[i][o] += a·d[o] and the
;; delta back Σ W[i][o]·d[o] over the nonzero d (o ascending). Gradients must start at zero; every sum keeps the
;; order of the dense loops and leaves out zero terms only. Strides in bytes; nzValues/nzOffsets are scratch.
(func $sparseBackward (export "sparseBackward") (param $act i32) (param $delta i32) (param $prev i32) (param $w i32)
  (param $gw i32) (param $gb i32) (param $nzValues i32) (param $nzOffsets i32) (param $rows i32) (param $nin i32)
  (param $nout i32) (param $hasPrev i32)
  (local $actStride i32) (local $rowBytes i32) (local $o i32) (local $nd i32) (local $d f64) (local $i i32)
  (local $a f64) (local $wr i32) (local $gr i32) (local $s f64) (local $k i32) (local $p i32)
  local.get $nin i32.const 3 i32.shl local.set $actStride
  local.get $nout i32.const 3 i32.shl local.set $rowBytes
  block $rowsDone
  loop $rowLoop
  local.get $rows i32.eqz br_if $rowsDone
  i32.const 0 local.set $nd
  i32.const 0 local.set $o
  block $deltasDone
  loop $deltaLoop
  local.get $o local.get $rowBytes i32.ge_u br_if $deltasDone
  local.get $delta local.get $o i32.add f64.load local.tee $d
  f64.const 0 f64.ne
  if
  local.get $gb local.get $o i32.add
  local.get $gb local.get $o i32.add f64.load local.get $d f64.add
  f64.store
  local.get $nzValues local.get $nd i32.const 3 i32.shl i32.add local.get $d f64.store
  local.get $nzOffsets local.get $nd i32.const 2 i32.shl i32.add local.get $o i32.store
  local.get $nd i32.const 1 i32.add local.set $nd
  end
  local.get $o i32.const 8 i32.add local.set $o
  br $deltaLoop
  end
  end
  i32.const 0 local.set $i
  local.get $w local.set $wr
  local.get $gw local.set $gr
  block $inputsDone
  loop $inputLoop
  local.get $i local.get $actStride i32.ge_u br_if $inputsDone
  local.get $act local.get $i i32.add f64.load local.tee $a
  f64.const 0 f64.eq
  if
  local.get $hasPrev
  if
  local.get $prev local.get $i i32.add f64.const 0 f64.store
  end
  else
  f64.const 0 local.set $s
  i32.const 0 local.set $k
  block $pairsDone
  loop $pairLoop
  local.get $k local.get $nd i32.ge_u br_if $pairsDone
  local.get $nzOffsets local.get $k i32.const 2 i32.shl i32.add i32.load local.set $p
  local.get $nzValues local.get $k i32.const 3 i32.shl i32.add f64.load local.set $d
  local.get $gr local.get $p i32.add
  local.get $gr local.get $p i32.add f64.load local.get $a local.get $d f64.mul f64.add
  f64.store
  local.get $s local.get $wr local.get $p i32.add f64.load local.get $d f64.mul f64.add local.set $s
  local.get $k i32.const 1 i32.add local.set $k
  br $pairLoop
  end
  end
  local.get $hasPrev
  if
  local.get $prev local.get $i i32.add local.get $s f64.store
  end
  end
  local.get $i i32.const 8 i32.add local.set $i
  local.get $wr local.get $rowBytes i32.add local.set $wr
  local.get $gr local.get $rowBytes i32.add local.set $gr
  br $inputLoop
  end
  end
  local.get $act local.get $actStride i32.add local.set $act
  local.get $prev local.get $actStride i32.add local.set $prev
  local.get $delta local.get $rowBytes i32.add local.set $delta
  local.get $rows i32.const 1 i32.sub local.set $rows
  br $rowLoop
  end
  end
)

;; How many of count doubles at src are nonzero.
(func $nonzeros (export "nonzeros") (param $src i32) (param $count i32) (result i32)
  (local $n i32)
  block $done
  loop $next
  local.get $count i32.eqz br_if $done
  local.get $n local.get $src f64.load f64.const 0 f64.ne i32.add local.set $n
  local.get $src i32.const 8 i32.add local.set $src
  local.get $count i32.const 1 i32.sub local.set $count
  br $next
  end
  end
  local.get $n
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
