/**
 * Public API of the adaptive engine: pure functions over plain data. The practice service loads the
 * learner state, calls applyAttempt after grading, stores the new state, and calls nextStep.
 */
export type { BktParams, Rng } from './types.js';
export {
  DEFAULT_BKT, MAX_GUESS_SLIP, PROB_EPS, clampProb, evidenceWeight, guardParams, itemEmission, pCorrect,
  pCorrectItem, transition, updateKnown, updateSkills,
} from './bkt.js';
export type { Observation, UpdateOptions } from './bkt.js';
export { fitBkt, fitBktBySkill, logLikelihood, packSequences, sequencesBySkill } from './fit.js';
export type { FitOptions, FitResult, LoggedAnswer, SequenceSet } from './fit.js';
export { MAX_DRIFT, NEW_ITEM, boundDifficulty, calibrateItem, eloStep, itemDrift } from './difficulty.js';
export type { CalibrationOptions, EloOptions, ItemDriftReport, ItemStat } from './difficulty.js';
export { isReviewDue, recordReview, retrievability, reviewGrade, startReview } from './review.js';
export type { ReviewCard, ReviewGrade } from './review.js';
export {
  DAY_MS, DEFAULT_FORGETTING, DEFAULT_MASTERY_RULE, LearnerModel, initGlobal, isLearnerParams, meetsMastery, sigmoid,
} from './learner.js';
export type { ForgettingParams, GlobalModelState, LearnerParams, MasteryRule, SkillModelState, SkillParams } from './learner.js';
export {
  MAX_GUESS, MAX_SLIP, byLearner, checkModel, fitForgetting, fitItemDifficulties, fitLearnerDataset, fitSkillsOnly, heldOutLogLik,
  logToDataset, predictLog, skillAgnostic, spansDays,
} from './learner-fit.js';
export type { ItemDrift, ItemFitOptions, LearnerLogEntry } from './learner-fit.js';
export {
  applyAttempt, createState, defaultLearnerModel, knownAt, paramsFor, predictItem, recallAt, replay, resolveConfig, skillState, upgradeState,
} from './state.js';
export type { Attempt, EngineConfig, LearnerState, ResolvedConfig, SkillState } from './state.js';
export { nextStep, prepareBank, reasonText } from './select.js';
export type { Bank, BankItem, NextStep, PreparedBank, ReasonCode, SkillNode, StepReason, StepRequest } from './select.js';
export { POLICY, createView } from './policy/index.js';
export type { PolicyView, Rule } from './policy/index.js';
export { createRng } from './rng.js';
