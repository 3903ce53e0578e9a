module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/browser/**/*.test.ts'],
  extension: ['ts'],
  timeout: 60000,
  forbidOnly: Boolean(process.env.CI),
  exit: true,
};
