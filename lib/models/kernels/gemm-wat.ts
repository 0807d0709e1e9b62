/**
 * WebAssembly text of register-blocked f64x2 matrix products, generated for one network's fixed shapes so that
 * strides are constants (memory offsets) instead of registers.
 *
 * C[M×N] = L[M×K]·B[K×N] (+ bias, then an epilogue), where element (i, k) of the left operand is at
 * `l + i·leftRowStride + k·leftColStride` (bytes), so both X·W (rows) and Xᵀ·dZ (columns) read in place, and B and C
 * are row-major with N contiguous. A tile of TILE_ROWS rows × 2·TILE_VECTORS columns is summed in as many v128
 * registers over k ascending; every entry is one chain `init + L[i][0]·B[0][j] + L[i][1]·B[1][j] + ...` in that
 * order, whatever the tiling, so the results do not depend on it.
 */

export type Epilogue =
  /** C = L·B + bias */
  | 'bias'
  /** C = max(L·B + bias, 0), as `s < 0 ? 0 : s` */
  | 'biasRelu'
  /** C = mask > 0 ? L·B : 0, mask laid out like C (the ReLU derivative) */
  | 'mask'
  /** C = L·B */
  | 'none';

export interface GemmSpec {
  name: string;
  /** Columns, a multiple of 2. */
  n: number;
  /** Inner length; `null` makes it the function's last parameter. */
  k: number | null;
  leftRowStride: number;
  leftColStride: number;
  /** Row stride of B and of C (and of the mask), in bytes. */
  rightRowStride: number;
  outRowStride: number;
  epilogue: Epilogue;
  /** Tile shape, TILE_ROWS × TILE_VECTORS unless given. */
  tileRows?: number;
  tileVectors?: number;
}

/** Rows per tile; the last block takes the remaining rows. */
export const TILE_ROWS = 4;
/** v128 column vectors per tile (2 doubles each); narrower tiles take the remaining columns. */
export const TILE_VECTORS = 3;
/** k steps per loop iteration. */
export const UNROLL = 4;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** `steps` k steps from $pl/$pb with constant offsets, then both pointers moved past them. */
function kSteps(spec: GemmSpec, rows: number, vectors: number, steps: number): string[] {
  const { leftRowStride, leftColStride, rightRowStride } = spec;
  const lines: string[] = [];
  for (let u = 0; u < steps; u++) {
    for (let v = 0; v < vectors; v++) {
      lines.push(`local.get $pb v128.load offset=${u * rightRowStride + v * 16} local.set $b${v}`);
    }
    for (let r = 0; r < rows; r++) {
      lines.push(`local.get $pl v128.load64_splat offset=${r * leftRowStride + u * leftColStride} local.set $s`);
      for (let v = 0; v < vectors; v++) {
        lines.push(`local.get $acc${r}_${v} local.get $s local.get $b${v} f64x2.mul f64x2.add local.set $acc${r}_${v}`);
      }
    }
  }
  lines.push(
    `local.get $pl i32.const ${steps * leftColStride} i32.add local.set $pl`,
    `local.get $pb i32.const ${steps * rightRowStride} i32.add local.set $pb`,
    `local.get $steps i32.const ${steps} i32.sub local.set $steps`,
  );
  return lines;
}

/** One `rows` × 2·`vectors` tile at column `col` of the row block starting at $l (left) and $c (output). */
function tile(spec: GemmSpec, rows: number, vectors: number, col: number): string {
  const { k, outRowStride, epilogue } = spec;
  const acc = (r: number, v: number) => `$acc${r}_${v}`;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++) {
      if (epilogue === 'bias' || epilogue === 'biasRelu') {
        lines.push(`local.get $bias v128.load offset=${(col + 2 * v) * 8} local.set ${acc(r, v)}`);
      } else lines.push(`local.get $zero local.set ${acc(r, v)}`);
    }
  }
  lines.push('local.get $l local.set $pl', `local.get $b i32.const ${col * 8} i32.add local.set $pb`);
  lines.push(k === null ? 'local.get $k local.set $steps' : `i32.const ${k} local.set $steps`);
  lines.push(
    'block $unrolledDone',
    'loop $unrolled',
    `local.get $steps i32.const ${UNROLL} i32.lt_u br_if $unrolledDone`,
  );
  lines.push(...kSteps(spec, rows, vectors, UNROLL), 'br $unrolled', 'end', 'end');
  lines.push('block $restDone', 'loop $rest', 'local.get $steps i32.eqz br_if $restDone');
  lines.push(...kSteps(spec, rows, vectors, 1), 'br $rest', 'end', 'end');
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++) {
      const at = r * outRowStride + (col + 2 * v) * 8;
      const value = `local.get ${acc(r, v)}`;
      if (epilogue === 'biasRelu')
        lines.push(`local.get $c ${value} local.get $zero f64x2.pmax v128.store offset=${at}`);
      else if (epilogue === 'mask') {
        lines.push(
          `local.get $c ${value} local.get $mask v128.load offset=${at} local.get $zero f64x2.gt v128.and ` +
            `v128.store offset=${at}`,
        );
      } else lines.push(`local.get $c ${value} v128.store offset=${at}`);
    }
  }
  return lines.join('\n');
}

/** Tiles of `rows` rows across all N columns: widest tiles first, narrower ones for the remaining columns. */
function rowBlock(spec: GemmSpec, rows: number, maxVectors: number): string {
  const tiles: string[] = [];
  let col = 0;
  for (let vectors = maxVectors; vectors >= 1; vectors--) {
    for (; col + 2 * vectors <= spec.n; col += 2 * vectors) tiles.push(tile(spec, rows, vectors, col));
  }
  return tiles.join('\n');
}

/**
 * The function `spec.name`(l, b, bias, c, mask, m[, k]): blocks of TILE_ROWS rows while they fit, then one block of
 * the remaining rows.
 */
export function gemmFunction(spec: GemmSpec): string {
  const { n, leftRowStride, outRowStride } = spec;
  const R = spec.tileRows ?? TILE_ROWS;
  const V = spec.tileVectors ?? TILE_VECTORS;
  if (n % 2 !== 0 || n <= 0) throw new RangeError(`gemm ${spec.name}: n must be even and positive (is ${n})`);
  const advance = (rows: number) => [
    `local.get $l i32.const ${rows * leftRowStride} i32.add local.set $l`,
    `local.get $c i32.const ${rows * outRowStride} i32.add local.set $c`,
    `local.get $mask i32.const ${rows * outRowStride} i32.add local.set $mask`,
  ];
  const tails = range(R - 1).map((t) => `local.get $m i32.const ${t + 1} i32.eq\nif\n${rowBlock(spec, t + 1, V)}\nend`);
  const locals = [
    ...range(R).flatMap((r) => range(V).map((v) => `(local $acc${r}_${v} v128)`)),
    ...range(V).map((v) => `(local $b${v} v128)`),
    '(local $s v128) (local $zero v128) (local $pl i32) (local $pb i32) (local $steps i32)',
  ];
  return `
(func $${spec.name} (export "${spec.name}")
  (param $l i32) (param $b i32) (param $bias i32) (param $c i32) (param $mask i32) (param $m i32)${spec.k === null ? ' (param $k i32)' : ''}
  ${locals.join(' ')}
  f64.const 0 f64x2.splat local.set $zero
  block $blocksDone
  loop $blocks
  local.get $m i32.const ${R} i32.lt_u br_if $blocksDone
${rowBlock(spec, R, V)}
${advance(R).join('\n')}
  local.get $m i32.const ${R} i32.sub local.set $m
  br $blocks
  end
  end
${tails.join('\n')}
)`;
}
