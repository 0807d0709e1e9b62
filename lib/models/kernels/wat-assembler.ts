/**
 * A small assembler from WebAssembly text (flat instruction syntax) to a module binary, so kernels live in the repo
 * as readable source and are compiled in memory when first used. It covers the subset the kernels need: one
 * imported memory, functions with params, one result, locals and exports, flat control flow (block, loop, if, br,
 * br_if), i32/f64 scalar arithmetic, loads and stores, and the f64x2 SIMD instructions.
 */

const VALUE_TYPES: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Instructions without immediates (opcode), and SIMD ones (0xfd prefix, then the opcode as unsigned LEB128). */
const PLAIN: Record<string, number> = {
  unreachable: 0x00,
  nop: 0x01,
  else: 0x05,
  end: 0x0b,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  'i32.eqz': 0x45,
  'i32.eq': 0x46,
  'i32.ne': 0x47,
  'i32.lt_s': 0x48,
  'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c,
  'i32.le_u': 0x4d,
  'i32.ge_s': 0x4e,
  'i32.ge_u': 0x4f,
  'f64.eq': 0x61,
  'f64.ne': 0x62,
  'f64.lt': 0x63,
  'f64.gt': 0x64,
  'f64.le': 0x65,
  'f64.ge': 0x66,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  'i32.and': 0x71,
  'i32.or': 0x72,
  'i32.shl': 0x74,
  'i32.shr_u': 0x76,
  'f64.abs': 0x99,
  'f64.neg': 0x9a,
  'f64.sqrt': 0x9f,
  'f64.add': 0xa0,
  'f64.sub': 0xa1,
  'f64.mul': 0xa2,
  'f64.div': 0xa3,
  'f64.min': 0xa4,
  'f64.max': 0xa5,
};
const SIMD: Record<string, number> = {
  'f64x2.splat': 0x14,
  'f64x2.eq': 0x47,
  'f64x2.ne': 0x48,
  'f64x2.lt': 0x49,
  'f64x2.gt': 0x4a,
  'f64x2.le': 0x4b,
  'f64x2.ge': 0x4c,
  'v128.not': 0x4d,
  'v128.and': 0x4e,
  'v128.andnot': 0x4f,
  'v128.or': 0x50,
  'v128.xor': 0x51,
  'v128.bitselect': 0x52,
  'f64x2.abs': 0xec,
  'f64x2.neg': 0xed,
  'f64x2.sqrt': 0xef,
  'f64x2.add': 0xf0,
  'f64x2.sub': 0xf1,
  'f64x2.mul': 0xf2,
  'f64x2.div': 0xf3,
  'f64x2.min': 0xf4,
  'f64x2.max': 0xf5,
  'f64x2.pmin': 0xf6,
  'f64x2.pmax': 0xf7,
};
/** Memory instructions: opcode bytes and the natural alignment (log2 of the access size). */
const MEMORY: Record<string, { code: number[]; align: number }> = {
  'i32.load': { code: [0x28], align: 2 },
  'f64.load': { code: [0x2b], align: 3 },
  'i32.store': { code: [0x36], align: 2 },
  'f64.store': { code: [0x39], align: 3 },
  'v128.load': { code: [0xfd, 0x00], align: 4 },
  'v128.load64_splat': { code: [0xfd, 0x0a], align: 3 },
  'v128.store': { code: [0xfd, 0x0b], align: 4 },
};
const LANE: Record<string, number> = { 'f64x2.extract_lane': 0x21, 'f64x2.replace_lane': 0x22 };

type Token = string | Token[];

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const utf8 = (s: string) => {
  const bytes = new TextEncoder().encode(s);
  return [...unsignedLeb(bytes.length), ...bytes];
};
const vector = (items: number[][]) => [...unsignedLeb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...unsignedLeb(body.length), ...body];

/** S-expressions: nested lists of atoms; `;;` line comments; strings keep their quotes. */
function parse(source: string): Token[] {
  const tokens = source.replace(/;;[^\n]*/g, ' ').match(/"[^"]*"|[()]|[^\s()]+/g) ?? [];
  const stack: Token[][] = [[]];
  for (const token of tokens) {
    if (token === '(') stack.push([]);
    else if (token === ')') {
      const list = stack.pop();
      if (!list || stack.length === 0) throw new SyntaxError('wat: unbalanced ")"');
      stack[stack.length - 1].push(list);
    } else stack[stack.length - 1].push(token);
  }
  if (stack.length !== 1) throw new SyntaxError('wat: unbalanced "("');
  return stack[0];
}

const atom = (t: Token | undefined, what: string): string => {
  if (typeof t !== 'string') throw new SyntaxError(`wat: expected ${what}, got ${JSON.stringify(t)}`);
  return t;
};
const valueType = (t: Token | undefined): number => {
  const code = VALUE_TYPES[atom(t, 'a value type')];
  if (code === undefined) throw new SyntaxError(`wat: unknown value type ${String(t)}`);
  return code;
};

interface FunctionDef {
  name: string;
  exportName?: string;
  params: number[];
  results: number[];
  locals: number[];
  localNames: Map<string, number>;
  body: Token[];
}

function functionDef(form: Token[]): FunctionDef {
  const def: FunctionDef = { name: '', params: [], results: [], locals: [], localNames: new Map(), body: [] };
  let i = 1;
  if (typeof form[i] === 'string' && (form[i] as string).startsWith('$')) def.name = form[i++] as string;
  for (; i < form.length; i++) {
    const item = form[i];
    if (!Array.isArray(item)) {
      def.body = form.slice(i);
      break;
    }
    const [head, ...rest] = item;
    if (head === 'export') def.exportName = atom(rest[0], 'an export name').slice(1, -1);
    else if (head === 'result') def.results.push(...rest.map(valueType));
    else if (head === 'param' || head === 'local') {
      const list = head === 'param' ? def.params : def.locals;
      const named = typeof rest[0] === 'string' && rest[0].startsWith('$');
      // Params come before locals, so a name's index is the count declared so far.
      if (named) def.localNames.set(rest[0] as string, def.params.length + def.locals.length);
      list.push(...(named ? [valueType(rest[1])] : rest.map(valueType)));
    } else throw new SyntaxError(`wat: unsupported function field (${String(head)} ...)`);
  }
  return def;
}

function assembleBody(def: FunctionDef, functionIndex: Map<string, number>): number[] {
  const out: number[] = [];
  const labels: (string | null)[] = [];
  const body = def.body;
  const number = (t: Token | undefined) => {
    const s = atom(t, 'a number');
    const v = Number(s);
    if (!Number.isFinite(v) && !/^[+-]?(inf|nan)/.test(s)) throw new SyntaxError(`wat: bad number ${s}`);
    return s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : v;
  };
  const localIndex = (t: Token | undefined) => {
    const s = atom(t, 'a local');
    const index = s.startsWith('$') ? def.localNames.get(s) : Number(s);
    if (index === undefined || !Number.isInteger(index)) throw new SyntaxError(`wat: unknown local ${s}`);
    return index;
  };
  const depth = (t: Token | undefined) => {
    const s = atom(t, 'a label');
    if (!s.startsWith('$')) return Number(s);
    const at = labels.lastIndexOf(s);
    if (at < 0) throw new SyntaxError(`wat: unknown label ${s}`);
    return labels.length - 1 - at;
  };
  for (let i = 0; i < body.length; i++) {
    const op = atom(body[i], 'an instruction');
    const next = body[i + 1];
    if (op === 'block' || op === 'loop' || op === 'if') {
      out.push(op === 'block' ? 0x02 : op === 'loop' ? 0x03 : 0x04, 0x40);
      const named = typeof next === 'string' && next.startsWith('$');
      labels.push(named ? next : null);
      if (named) i++;
    } else if (op === 'end') {
      out.push(0x0b);
      labels.pop();
    } else if (op in PLAIN) out.push(PLAIN[op]);
    else if (op in SIMD) out.push(0xfd, ...unsignedLeb(SIMD[op]));
    else if (op === 'local.get' || op === 'local.set' || op === 'local.tee') {
      out.push({ 'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22 }[op], ...unsignedLeb(localIndex(next)));
      i++;
    } else if (op === 'br' || op === 'br_if') {
      out.push(op === 'br' ? 0x0c : 0x0d, ...unsignedLeb(depth(next)));
      i++;
    } else if (op === 'call') {
      const index = functionIndex.get(atom(next, 'a function name'));
      if (index === undefined) throw new SyntaxError(`wat: unknown function ${String(next)}`);
      out.push(0x10, ...unsignedLeb(index));
      i++;
    } else if (op === 'i32.const') {
      out.push(0x41, ...signedLeb(number(next) | 0));
      i++;
    } else if (op === 'f64.const') {
      const bytes = new Uint8Array(new Float64Array([number(next)]).buffer);
      out.push(0x44, ...bytes);
      i++;
    } else if (op in MEMORY) {
      const { code, align } = MEMORY[op];
      let offset = 0;
      while (typeof body[i + 1] === 'string' && /^(offset|align)=/.test(body[i + 1] as string)) {
        const [key, value] = (body[++i] as string).split('=');
        if (key === 'offset') offset = Number(value);
      }
      out.push(
        code[0],
        ...(code.length > 1 ? unsignedLeb(code[1]) : []),
        ...unsignedLeb(align),
        ...unsignedLeb(offset),
      );
    } else if (op in LANE) {
      out.push(0xfd, ...unsignedLeb(LANE[op]), number(next));
      i++;
    } else throw new SyntaxError(`wat: unsupported instruction ${op} in ${def.name || 'a function'}`);
  }
  if (labels.length !== 0) throw new SyntaxError(`wat: unclosed block in ${def.name || 'a function'}`);
  // Locals as runs of equal types.
  const runs: number[][] = [];
  for (const type of def.locals) {
    const last = runs[runs.length - 1];
    if (last && last[1] === type) last[0]++;
    else runs.push([1, type]);
  }
  const code = [...vector(runs.map(([count, type]) => [...unsignedLeb(count), type])), ...out, 0x0b];
  return [...unsignedLeb(code.length), ...code];
}

/** Assembles `(module (import "env" "memory" (memory N)) (func ...)*)` to a WebAssembly binary. */
export function assembleWat(source: string): Uint8Array {
  const [module, ...extra] = parse(source);
  if (!Array.isArray(module) || module[0] !== 'module' || extra.length > 0) {
    throw new SyntaxError('wat: expected one (module ...) form');
  }
  const imports: number[][] = [];
  const functions: FunctionDef[] = [];
  for (const field of module.slice(1)) {
    if (!Array.isArray(field)) throw new SyntaxError(`wat: unexpected ${field} in module`);
    if (field[0] === 'import') {
      const [, moduleName, name, desc] = field;
      if (!Array.isArray(desc) || desc[0] !== 'memory') throw new SyntaxError('wat: only memory imports are supported');
      const strip = (t: Token | undefined) => atom(t, 'a string').slice(1, -1);
      imports.push([...utf8(strip(moduleName)), ...utf8(strip(name)), 0x02, 0x00, ...unsignedLeb(Number(desc[1]))]);
    } else if (field[0] === 'func') functions.push(functionDef(field));
    else throw new SyntaxError(`wat: unsupported module field (${String(field[0])} ...)`);
  }
  const functionIndex = new Map(functions.map((f, i) => [f.name, i]));
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]);
  const exports = functions.flatMap((f, i) => (f.exportName ? [[...utf8(f.exportName), 0x00, ...unsignedLeb(i)]] : []));
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions.map((_, i) => unsignedLeb(i)))),
    ...section(7, vector(exports)),
    ...section(10, vector(functions.map((f) => assembleBody(f, functionIndex)))),
  ];
  return Uint8Array.from(bytes);
}
