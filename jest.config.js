/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/node-environment.js',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // hyparquet and its codecs ship only as ES modules: compile them to CommonJS for Jest (plain Node >= 20.19
    // requires them as they are).
    '/node_modules/(hyparquet|hyparquet-compressors|hysnappy)/.+\\.js$': '<rootDir>/test/esm-to-cjs.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-compressors|hysnappy)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // One real Temporal dev server for the whole run, started and stopped here.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120_000,
};
