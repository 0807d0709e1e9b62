import { randomUUID } from 'node:crypto';
import { FLOAT32_MAX, type Column } from './columns';
import type { ServedModel } from './model';
import { allOutputs, type InferRequest } from './oip';

/**
 * The common JSON infer body read straight from its bytes into columns, without JSON.parse and its objects (the
 * largest cost of a 1-row request after the socket writes): `{"id"?, "inputs": [{"name", "shape", "datatype",
 * "data"}, ...]}`, each input's keys in that order, ASCII strings without escapes, every model input once, values the
 * model takes. Anything else — other fields, escapes, nested data, a value or shape parseInferRequest would refuse,
 * invalid JSON — returns undefined, and the body goes through JSON.parse and parseInferRequest, which give the same
 * request or the error the client sees.
 */
export function readInferBody(body: Buffer, model: ServedModel, maxRows: number): InferRequest | undefined {
  const plan = readerPlan(model);
  const reader = new Reader(body);
  const found = new Array<Column | undefined>(plan.features.length);
  let rows = 0;
  let id: string | undefined;
  if (!reader.take(OPEN_BRACE)) return undefined;
  do {
    if (rows === 0 && reader.literal(INPUTS_KEY)) {
      if (!reader.take(COLON) || !reader.take(OPEN_BRACKET)) return undefined;
      let given = 0;
      do {
        rows = readInput(reader, plan, maxRows, rows, found, given);
        if (rows < 0) return undefined;
        given++;
      } while (reader.take(COMMA));
      if (given !== found.length || !reader.take(CLOSE_BRACKET)) return undefined;
    } else if (id === undefined && reader.literal(ID_KEY)) {
      if (!reader.take(COLON)) return undefined;
      id = reader.string();
      if (id === undefined) return undefined;
    } else return undefined;
  } while (reader.take(COMMA));
  if (rows === 0 || !reader.take(CLOSE_BRACE) || !reader.atEnd()) return undefined;
  id ??= randomUUID();
  // The id has no character JSON escapes: it is its own JSON text in quotes.
  return { id, idJson: `"${id}"`, batch: { columns: found as Column[], rows }, outputs: allOutputs(model, false) };
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** A JSON string as its bytes, quotes included, compared against the body without making strings. */
const quoted = (text: string): Uint8Array => Buffer.from(JSON.stringify(text), 'utf8');
const INPUTS_KEY = quoted('inputs');
const ID_KEY = quoted('id');
const NAME_KEY = quoted('name');
const SHAPE_KEY = quoted('shape');
const DATATYPE_KEY = quoted('datatype');
const DATA_KEY = quoted('data');
const NUMERIC_DATATYPES: [Uint8Array, boolean][] = [
  [quoted('FP32'), false],
  [quoted('FP64'), false],
  [quoted('INT64'), true],
];
const BYTES_DATATYPE = quoted('BYTES');

/** Powers of ten that are exact doubles: a decimal of at most 15 digits times or over one of them rounds correctly. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_FAST_DIGITS = 15;

interface ReaderPlan {
  /** Each model input's name as JSON.stringify writes it, in UTF-8 (written otherwise, a body takes JSON.parse). */
  features: { quoted: Uint8Array; categorical: boolean }[];
}

const plans = new WeakMap<ServedModel, ReaderPlan>();

function readerPlan(model: ServedModel): ReaderPlan {
  let plan = plans.get(model);
  if (!plan) {
    plan = {
      features: model.features.map((f) => ({
        quoted: quoted(f.name),
        categorical: f.kind === 'categorical',
      })),
    };
    plans.set(model, plan);
  }
  return plan;
}

/**
 * Reads one input object into `found` (by model input): its row count, or -1 when it is not the plain form or not
 * one the model takes as it is (unknown or repeated name, rows that differ from `rows`, a datatype or value refused).
 */
function readInput(
  reader: Reader,
  plan: ReaderPlan,
  maxRows: number,
  rows: number,
  found: (Column | undefined)[],
  position: number,
): number {
  if (!reader.take(OPEN_BRACE) || !reader.literal(NAME_KEY) || !reader.take(COLON)) return -1;
  const features = plan.features;
  // Clients usually send the inputs in the model's order: try that one first.
  let index = position < features.length && reader.literal(features[position].quoted) ? position : -1;
  for (let i = 0; index < 0 && i < features.length; i++) if (reader.literal(features[i].quoted)) index = i;
  if (index < 0 || found[index] !== undefined) return -1;
  if (!reader.take(COMMA) || !reader.literal(SHAPE_KEY) || !reader.take(COLON)) return -1;
  const n = reader.shape();
  if (!(n > 0 && n <= maxRows) || (rows !== 0 && n !== rows)) return -1;
  if (!reader.take(COMMA) || !reader.literal(DATATYPE_KEY) || !reader.take(COLON)) return -1;
  let column: Column | undefined;
  if (features[index].categorical) {
    if (!reader.literal(BYTES_DATATYPE) || !reader.take(COMMA) || !reader.literal(DATA_KEY)) return -1;
    if (!reader.take(COLON) || !reader.take(OPEN_BRACKET)) return -1;
    column = reader.strings(n);
  } else {
    let integers: boolean | undefined;
    for (let i = 0; integers === undefined && i < NUMERIC_DATATYPES.length; i++) {
      if (reader.literal(NUMERIC_DATATYPES[i][0])) integers = NUMERIC_DATATYPES[i][1];
    }
    if (integers === undefined || !reader.take(COMMA) || !reader.literal(DATA_KEY)) return -1;
    if (!reader.take(COLON) || !reader.take(OPEN_BRACKET)) return -1;
    column = reader.numbers(n, integers);
  }
  if (column === undefined || !reader.take(CLOSE_BRACE)) return -1;
  found[index] = column;
  return n;
}

/** A cursor over the body's bytes; every read skips the whitespace before it and fails on anything unexpected. */
class Reader {
  private pos = 0;

  constructor(private readonly bytes: Buffer) {}

  private space(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    for (; pos < bytes.length; pos++) {
      const c = bytes[pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
    this.pos = pos;
  }

  /** Consumes `c` after any whitespace. */
  take(c: number): boolean {
    if (this.bytes[this.pos] <= 0x20) this.space();
    if (this.bytes[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  /** Consumes `expected` after any whitespace. */
  literal(expected: Uint8Array): boolean {
    if (this.bytes[this.pos] <= 0x20) this.space();
    const bytes = this.bytes;
    const pos = this.pos;
    if (pos + expected.length > bytes.length) return false;
    for (let i = 0; i < expected.length; i++) if (bytes[pos + i] !== expected[i]) return false;
    this.pos = pos + expected.length;
    return true;
  }

  atEnd(): boolean {
    this.space();
    return this.pos === this.bytes.length;
  }

  /** A string of ASCII without escapes, else undefined. */
  string(): string | undefined {
    if (this.bytes[this.pos] <= 0x20) this.space();
    const bytes = this.bytes;
    const start = this.pos;
    if (bytes[start] !== QUOTE) return undefined;
    for (let pos = start + 1; pos < bytes.length; pos++) {
      const c = bytes[pos];
      if (c === QUOTE) {
        this.pos = pos + 1;
        return bytes.toString('latin1', start + 1, pos);
      }
      if (c < 0x20 || c === BACKSLASH || c > 0x7f) return undefined;
    }
    return undefined;
  }

  /** A shape [n] or [n, 1] of plain integers: n, else -1. */
  shape(): number {
    if (!this.take(OPEN_BRACKET)) return -1;
    const n = this.count();
    if (n < 0) return -1;
    if (this.take(COMMA) && this.count() !== 1) return -1;
    return this.take(CLOSE_BRACKET) ? n : -1;
  }

  /** A non-negative integer written without sign, fraction or exponent (as JSON allows it), else -1. */
  private count(): number {
    if (this.bytes[this.pos] <= 0x20) this.space();
    const bytes = this.bytes;
    let pos = this.pos;
    let value = 0;
    const start = pos;
    while (bytes[pos] >= ZERO && bytes[pos] <= NINE) value = value * 10 + bytes[pos++] - ZERO;
    const digits = pos - start;
    if (digits === 0 || digits > MAX_FAST_DIGITS || (digits > 1 && bytes[start] === ZERO)) return -1;
    const c = bytes[pos];
    if (c === DOT || c === LOWER_E || c === UPPER_E) return -1;
    this.pos = pos;
    return value;
  }

  /** `n` numbers or nulls (NaN, a missing value) and the closing bracket, each one float32 holds, else undefined. */
  numbers(n: number, integers: boolean): Float32Array | undefined {
    const column = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (i > 0 && !this.take(COMMA)) return undefined;
      if (this.isNull()) {
        column[i] = NaN; // missing: the model imputes it
        continue;
      }
      const value = this.number();
      // NaN: not a number JSON allows; beyond float32 or a fractional INT64: parseInferRequest's error.
      if (!(Math.abs(value) <= FLOAT32_MAX) || (integers && !Number.isSafeInteger(value))) return undefined;
      column[i] = value;
    }
    return this.take(CLOSE_BRACKET) ? column : undefined;
  }

  /** `n` strings or nulls ('', a missing value) and the closing bracket, else undefined. */
  strings(n: number): string[] | undefined {
    const column = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      if (i > 0 && !this.take(COMMA)) return undefined;
      const value = this.isNull() ? '' : this.string();
      if (value === undefined) return undefined;
      column[i] = value;
    }
    return this.take(CLOSE_BRACKET) ? column : undefined;
  }

  /** Consumes a null after any whitespace; the whitespace is consumed either way. */
  private isNull(): boolean {
    if (this.bytes[this.pos] <= 0x20) this.space();
    const bytes = this.bytes;
    const pos = this.pos;
    if (bytes[pos] !== 0x6e || bytes[pos + 1] !== 0x75 || bytes[pos + 2] !== 0x6c || bytes[pos + 3] !== 0x6c)
      return false;
    this.pos = pos + 4;
    return true;
  }

  /**
   * A JSON number as JSON.parse reads it (NaN when the text is not one, as JSON has no NaN): up to 15 digits and a
   * power of ten that is an exact double are one correctly rounded multiplication or division; longer ones go to
   * Number(), which reads them as JSON.parse does.
   */
  private number(): number {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    const negative = bytes[pos] === MINUS;
    if (negative) pos++;
    let mantissa = 0;
    let digits = 0;
    const first = bytes[pos];
    if (first === ZERO) {
      pos++;
      digits = 1;
    } else if (first > ZERO && first <= NINE) {
      for (; bytes[pos] >= ZERO && bytes[pos] <= NINE; pos++, digits++) mantissa = mantissa * 10 + bytes[pos] - ZERO;
    } else return NaN;
    let exponent = 0;
    if (bytes[pos] === DOT) {
      pos++;
      const fractionStart = pos;
      for (; bytes[pos] >= ZERO && bytes[pos] <= NINE; pos++, digits++) mantissa = mantissa * 10 + bytes[pos] - ZERO;
      if (pos === fractionStart) return NaN;
      exponent = fractionStart - pos;
    }
    const e = bytes[pos];
    if (e === LOWER_E || e === UPPER_E) {
      pos++;
      const sign = bytes[pos] === MINUS ? -1 : 1;
      if (bytes[pos] === MINUS || bytes[pos] === PLUS) pos++;
      const exponentStart = pos;
      let written = 0;
      for (; bytes[pos] >= ZERO && bytes[pos] <= NINE; pos++)
        if (written < 1e6) written = written * 10 + bytes[pos] - ZERO;
      if (pos === exponentStart) return NaN;
      exponent += sign * written;
    }
    this.pos = pos;
    const value =
      digits <= MAX_FAST_DIGITS && exponent >= -22 && exponent <= 22
        ? exponent >= 0
          ? mantissa * EXACT_POWERS[exponent]
          : mantissa / EXACT_POWERS[-exponent]
        : Number(bytes.toString('latin1', negative ? start + 1 : start, pos));
    return negative ? -value : value;
  }
}
