/** At-risk (wheel-spinning) prediction: a pure model, today's rule for comparison, and their evaluation. */
import defaultJson from './default-model.json' with { type: 'json' };
import { fitRiskModel, type FitOptions, type RiskModel } from './model.js';
import { labelSequences } from './sequences.js';
import type { RiskAnswer } from './types.js';

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

/**
 * The default model: fitted on ../shared/data/assist09-train.csv, skill-blind (a tenant's skills are not
 * ASSISTments'), on the 'strict' wheel-spin label (`npm run -s risk -- --train FILE --save
 * src/engine/risk/default-model.json --label strict --no-skill-rates`). Skill-blind, the 'unfinished' label is
 * barely better than flagging every student (docs/risk.md), so the product predicts wheel-spinning proper.
 */
export const defaultRiskModel: RiskModel = defaultJson as unknown as RiskModel;

/** Enough of a tenant's own log to fit on: labelled sequences, and of each class. */
export const TENANT_MIN = { sequences: 300, perClass: 30 } as const;

/**
 * The model for a tenant: fitted on its own attempt log when that has enough labelled sequences of both kinds,
 * the default otherwise. Both use the default model's definition unless `opts.definition` says otherwise.
 */
export function riskModelFor(log: readonly RiskAnswer[], opts: FitOptions = {}, min: { sequences: number; perClass: number } = TENANT_MIN): { model: RiskModel; source: 'tenant' | 'default' } {
  const definition = opts.definition ?? defaultRiskModel.definition;
  const labels = [...labelSequences(log, definition).values()].filter((l) => l.positive !== null);
  const pos = labels.filter((l) => l.positive).length;
  if (labels.length >= min.sequences && pos >= min.perClass && labels.length - pos >= min.perClass) {
    return { model: fitRiskModel(log, { source: 'tenant', ...opts, definition }), source: 'tenant' };
  }
  return { model: defaultRiskModel, source: 'default' };
}
