/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // ESM-only packages jest must compile to CommonJS: middy, the invoke store, and the CLI's commander and log-update
  // (with the packages log-update draws its live line with).
  transformIgnorePatterns: [
    `/node_modules/(?!(${[
      '@middy',
      '@aws/lambda-invoke-store',
      'commander',
      'log-update',
      'ansi-escapes',
      'environment',
      'cli-cursor',
      'restore-cursor',
      'onetime',
      'mimic-function',
      'slice-ansi',
      'ansi-styles',
      'is-fullwidth-code-point',
      'get-east-asian-width',
      'string-width',
      'strip-ansi',
      'ansi-regex',
      'wrap-ansi',
    ].join('|')})/)`,
  ],
  // Handlers import siblings with the `.js` suffix (module NodeNext); the sources are `.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-matchers.ts'],
  testTimeout: 30000,
};
