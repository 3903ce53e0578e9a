// Unit and integration tests. Browser tests have their own config (.mocharc.browser.cjs).
module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/**/*.test.ts'],
  ignore: ['test/browser/**'],
  extension: ['ts'],
  require: ['test/helpers/root-hooks.ts'],
  timeout: 20000,
  forbidOnly: Boolean(process.env.CI),
  exit: true,
};
