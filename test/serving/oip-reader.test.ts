import type { Column } from '../../serving/columns';
import type { ServedModel } from '../../serving/model';
import { parseInferRequest, type InferRequest } from '../../serving/oip';
import { readInferBody } from '../../serving/oip-reader';
import { seededRandom } from '../helpers/random';

/** The seattle model's inputs; the reader needs only the model's inputs and outputs. */
const model = {
  name: 'seattle',
  version: '1',
  features: [
    { name: 'date', kind: 'datetime' },
    { name: 'precipitation', kind: 'numeric' },
    { name: 'temp_min', kind: 'numeric' },
    { name: 'wind', kind: 'numeric' },
    { name: 'weather', kind: 'categorical' },
  ],
  outputs: [{ name: 'prediction', datatype: 'FP32', shape: [-1, 1] }],
} as unknown as ServedModel;
const MAX_ROWS = 16;
const CASES = 20_000;

const random = seededRandom(20261127);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (n: number) => Math.floor(random() * n);

/** Number texts JSON.parse reads (and some it refuses), around the reader's fast and slow cases and float32's range. */
const NUMBERS = [
  ...['0', '-0', '1', '15340', '5.5', '-1.5', '1.25', '0.1', '-0.0', '0.000001', '1e5', '1E-5', '1.5e+3', '2.5E3'],
  ...['123456789012345', '1234567890123456', '12345678901234567890', '0.30000000000000004', '9007199254740993'],
  ...['9007199254740992', '-9007199254740991', '1e22', '1e23', '1e-22', '1e-23', '4.9e-324', '2e-45', '1e-400'],
  ...['3.4028234663852886e38', '3.4028235e38', '3.5e38', '1e39', '-1e400', '1.7976931348623157e308', '1e0000005'],
  ...['01', '1.', '.5', '+1', '1e', '1e+', '-', '--1', 'NaN', 'Infinity', '0x10', '1_0', 'true', '"7"', '[1]', '{}'],
];
const STRINGS = [
  '"sun"',
  '"rain"',
  '""',
  '"caf\u00e9"',
  '"a\\"b"',
  '"\\u0073un"',
  '"tab\there"',
  '7',
  'true',
  '["sun"]',
];
const DATATYPES = ['FP32', 'FP64', 'INT64', 'BYTES', 'FP16', 'fp32', ''];
const SPACE = ['', '', '', ' ', '\n', '\t', '\r\n  '];

const space = () => (random() < 0.8 ? '' : depart(0.01) ? '\u00a0' : pick(SPACE));
/** A number text the datatype takes (and float32 holds), in the forms a client's JSON encoder writes. */
const validNumber = (integers: boolean) =>
  integers
    ? pick([() => String(int(100_000) - 50_000), () => pick(['0', '-0', '9007199254740991', '1e3', '1.5e1', '-2E2'])])()
    : pick([
        () => pick(NUMBERS.slice(0, 30)),
        () => String((random() - 0.5) * 10 ** int(12)),
        () => String(Math.fround(random() * 100)),
        () => `${int(1000)}.${int(1000)}e${pick(['', '-', '+'])}${int(30)}`,
        () => (random() * 1e-3).toExponential(int(20)),
      ])();

/** False once a body departs from the plain form the reader takes (in a way JSON.parse may still accept). */
let plain = true;
const depart = (p: number) => {
  const hit = random() < p;
  if (hit) plain = false;
  return hit;
};

function inputText(name: string, categorical: boolean, n: number, datatype: string, shape: string): string {
  const value = () =>
    random() < 0.1 ? 'null' : categorical ? pick(STRINGS.slice(0, 3)) : validNumber(datatype === 'INT64');
  const values = Array.from({ length: n }, value);
  if (depart(0.03)) values[int(n)] = categorical ? pick(STRINGS) : pick(NUMBERS);
  const data = depart(0.01) ? values.map((v) => `[${v}]`) : values;
  const fields = [
    `"name":${space()}${depart(0.01) ? pick(['"Date"', '"humidity"', '"we\\u0061ther"', '7']) : JSON.stringify(name)}`,
    `"shape":${space()}${shape}`,
    `"datatype":${space()}"${datatype}"`,
    `"data":${space()}[${data.map((v) => space() + v + space()).join(',')}]`,
  ];
  if (depart(0.01)) fields.push(pick(['"parameters":{}', '"name":"date"', '"extra":1']));
  if (depart(0.01)) fields.reverse();
  return `{${fields.map((f) => space() + f + space()).join(',')}}`;
}

/** An infer body: mostly the plain form with valid values, with one of many departures in a share of them. */
function bodyText(): { text: string; plain: boolean } {
  const n = 1 + int(4);
  plain = true;
  const inputs = model.features.map((f) => {
    const categorical = f.kind === 'categorical';
    let datatype = categorical ? 'BYTES' : pick(['FP32', 'FP64', 'INT64']);
    if (depart(0.01)) datatype = pick(DATATYPES);
    let shape = random() < 0.8 ? `[${n}]` : `[${n},${space()}1]`;
    if (depart(0.01)) shape = pick([`[${n},2]`, `[${n + 1}]`, '[0]', '[]', `[0${n}]`, `[${n}.0]`, `[${n}e0]`, '"1"']);
    return inputText(f.name, categorical, n, datatype, shape);
  });
  if (depart(0.05)) inputs.splice(int(inputs.length), 1);
  if (depart(0.03)) inputs.push(inputs[int(inputs.length)]);
  if (random() < 0.3) inputs.sort(() => random() - 0.5);
  const fields = [`"inputs":${space()}[${inputs.join(',')}]`];
  if (random() < 0.4)
    fields.push(`"id":${space()}${pick(['"req-1"', '"x"', '""', '"caf\u00e9"', '"a\\nb"', '7', 'null'])}`);
  if (depart(0.05))
    fields.push(pick(['"outputs":[{"name":"prediction"}]', '"parameters":{}', '"inputs":[]', '"id":"y"']));
  if (random() < 0.5) fields.reverse();
  let text = `${space()}{${fields.map((f) => space() + f + space()).join(',')}}${space()}`;
  if (depart(0.1)) {
    // A byte inserted, deleted or replaced anywhere.
    const at = int(text.length);
    const c = pick([...'{}[],:"\\ 0123456789.-eEnul', '\u00e9', '\u0000']);
    text = pick([
      () => text.slice(0, at) + c + text.slice(at),
      () => text.slice(0, at) + text.slice(at + 1),
      () => text.slice(0, at) + c + text.slice(at + 1),
    ])();
  }
  return { text, plain };
}

function same(a: Column, b: Column): boolean {
  return a.length === b.length && Array.from(a as ArrayLike<number | string>).every((v, i) => Object.is(v, b[i]));
}

function slowPath(body: Buffer): InferRequest | Error {
  try {
    return parseInferRequest(JSON.parse(body.toString('utf8')), model, MAX_ROWS);
  } catch (err) {
    return err as Error;
  }
}

it(`reads ${CASES} bodies exactly as JSON.parse and parseInferRequest do, or leaves them to them`, () => {
  let read = 0;
  let plainValid = 0;
  let plainRead = 0;
  const problems: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const { text, plain } = bodyText();
    const body = Buffer.from(text, 'utf8');
    const fast = readInferBody(body, model, MAX_ROWS);
    const slow = slowPath(body);
    if (plain && !(slow instanceof Error) && /^[\x20-\x7e\s]*$/.test(text) && !text.includes('\\')) {
      plainValid++;
      if (fast) plainRead++;
    }
    if (!fast) continue;
    read++;
    const differs =
      slow instanceof Error
        ? `the slow path refuses it: ${slow.message}`
        : fast.batch.rows !== slow.batch.rows ||
            !model.features.every((_, f) => same(fast.batch.columns[f], slow.batch.columns[f])) ||
            JSON.stringify(fast.outputs) !== JSON.stringify(slow.outputs) ||
            fast.idJson !== JSON.stringify(fast.id) ||
            (/"id"/.test(text) ? fast.id !== slow.id : typeof fast.id !== 'string' || fast.id.length !== 36)
          ? `read differently: ${JSON.stringify(fast)} against ${JSON.stringify(slow)}`
          : '';
    if (differs) problems.push(`${text.slice(0, 400)}: ${differs}`);
  }
  expect(problems.slice(0, 5)).toEqual([]);
  // The plain form with ASCII strings and no escapes is the reader's: every such valid body is read, not passed on.
  expect(plainValid).toBeGreaterThan(CASES / 4);
  expect(plainRead).toBe(plainValid);
  expect(read).toBeGreaterThan(CASES / 4);
});

it('reads the numbers JSON.parse reads to the same float32, and leaves the rest to JSON.parse', () => {
  for (const text of NUMBERS) {
    const body = Buffer.from(
      JSON.stringify({ inputs: model.features.map((f) => ({ name: f.name, shape: [1], datatype: 'FP64', data: [0] })) })
        .replace('"datatype":"FP64","data":[0]}', `"datatype":"FP64","data":[${text}]}`)
        .replace(
          '"name":"weather","shape":[1],"datatype":"FP64","data":[0]',
          '"name":"weather","shape":[1],"datatype":"BYTES","data":["sun"]',
        ),
    );
    const fast = readInferBody(body, model, MAX_ROWS);
    const slow = slowPath(body);
    if (fast)
      expect(slow instanceof Error ? slow : Object.is(fast.batch.columns[0][0], slow.batch.columns[0][0])).toBe(true);
    else expect(slow instanceof Error || text === '[1]').toBe(true); // nested data is JSON.parse's
  }
});
