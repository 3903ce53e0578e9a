module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/browser/**/*.test.ts'],
  extension: ['ts'],
  require: ['test/helpers/root-hooks.ts'],
  timeout: 60000,
  forbidOnly: Boolean(process.env.CI),
  exit: true,
};
