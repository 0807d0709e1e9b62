// Jest runs test code as CommonJS and cannot `require` an ES module (Node >= 20.19 can, outside Jest). ES-module-only
// packages listed in jest.config.js's transformIgnorePatterns exception are compiled to CommonJS here, with the
// TypeScript compiler the project already has.
const ts = require('typescript');

module.exports = {
  process(sourceText, sourcePath) {
    const { outputText, sourceMapText } = ts.transpileModule(sourceText, {
      fileName: sourcePath,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        sourceMap: true,
        inlineSources: true,
      },
    });
    return { code: outputText, map: sourceMapText };
  },
  getCacheKey(sourceText, sourcePath) {
    return require('node:crypto')
      .createHash('sha256')
      .update(`${ts.version}\0${sourcePath}\0${sourceText}`)
      .digest('hex');
  },
};
