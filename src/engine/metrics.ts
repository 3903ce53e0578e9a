/**
 * Prediction metrics: ONE implementation for the whole engine (kt/metrics.ts), re-exported here for the
 * engine's other users. auc is NaN when only one class is present (an undefined AUC is not 0.5).
 */
export { auc, calibration, logLoss, rmse } from './kt/metrics.js';
export type { ReliabilityBin } from './kt/metrics.js';
