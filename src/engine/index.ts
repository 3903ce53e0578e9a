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
export { NEW_ITEM, calibrateItem, eloStep, predictItem } from './difficulty.js';
export type { EloOptions, ItemStat } from './difficulty.js';
export { isReviewDue, recordReview, retrievability, reviewGrade, startReview } from './review.js';
export type { ReviewCard, ReviewGrade } from './review.js';
export { applyAttempt, createState, knownAt, paramsFor, replay, resolveConfig, skillState } from './state.js';
export type { Attempt, EngineConfig, LearnerState, ResolvedConfig, SkillState } from './state.js';
export { nextStep, prepareBank, reasonText } from './select.js';
export type { Bank, BankItem, NextStep, PreparedBank, ReasonCode, SkillNode, StepReason, StepRequest } from './select.js';
export { createRng } from './rng.js';
