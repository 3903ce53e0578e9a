/** At-risk (wheel-spinning) prediction: a pure model, today's rule for comparison, and their evaluation. */
import defaultJson from './default-model.json' with { type: 'json' };
import { fitRiskModel, type FitOptions, type RiskModel } from './model.js';
import { labelSequences } from './sequences.js';
import { DEFAULT_DEFINITION, type RiskAnswer } from './types.js';

export * from './types.js';
export { FEATURES, walk, skillRatesFrom, type SkillSnapshot, type SkillRates, type FeatureName } from './features.js';
export { fitLogistic, logOdds, sigmoid, type LogisticFit } from './logistic.js';
export { labelSequences, inWindow, seqKey, type SequenceLabel } from './sequences.js';
export { RULE, todayRule, type RuleStep } from './rule.js';
export {
  fitRiskModel, predict, scoreStream, firstFlags, assess, flagOf, actionFor, groupActions, bestF1Threshold,
  type RiskModel, type FitOptions, type RiskPoint,
} from './model.js';
export { runEvaluation, summarise, crossValidate, auc, prf, median, parseAnswerCsv, type EvalRun, type EvalSummary, type SequenceResult, type Prf } from './evaluate.js';

/** The default model, fitted on ../shared/data/assist09-train.csv without skill rates (`npm run -s risk -- --save`). */
export const defaultRiskModel: RiskModel = defaultJson as unknown as RiskModel;

/** Enough of a tenant's own log to fit on: labelled sequences, and of each class. */
export const TENANT_MIN = { sequences: 300, perClass: 30 } as const;

/**
 * The model for a tenant: fitted on its own attempt log when that has enough labelled sequences of both kinds,
 * the default otherwise.
 */
export function riskModelFor(log: readonly RiskAnswer[], opts: FitOptions = {}, min: { sequences: number; perClass: number } = TENANT_MIN): { model: RiskModel; source: 'tenant' | 'default' } {
  const labels = [...labelSequences(log, opts.definition ?? DEFAULT_DEFINITION).values()].filter((l) => l.positive !== null);
  const pos = labels.filter((l) => l.positive).length;
  if (labels.length >= min.sequences && pos >= min.perClass && labels.length - pos >= min.perClass) {
    return { model: fitRiskModel(log, { source: 'tenant', ...opts }), source: 'tenant' };
  }
  return { model: defaultRiskModel, source: 'default' };
}
