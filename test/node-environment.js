// Jest runs each test file in its own V8 realm; onnxruntime-node returns typed arrays of Node's main realm, which
// then fail onnxruntime's `instanceof Float32Array` checks. jest-environment-node already shares Uint8Array and
// ArrayBuffer with the main realm for the same reason; this shares every typed array.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
