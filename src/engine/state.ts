/**
 * The learner state of one student in one assignment: a plain JSON object the caller stores as it likes
 * and can rebuild at any time from the attempt log with replay(). applyAttempt never mutates its input.
 *
 * The evidence about the student is the live learner model's state (learner.ts); around it the state keeps
 * the bookkeeping the policy needs (answers, streaks, remediation, the verdict, when a review is due).
 */
import defaultParams from './learner-default.json' with { type: 'json' };
import {
  DAY_MS, type GlobalModelState, LearnerModel, type LearnerParams, type SkillModelState, initGlobal, isLearnerParams, meetsMastery, sigmoid, UNCERTAINTY,
} from './learner.js';
import type { BktParams } from './types.js';

/** What the engine knows about one skill of one student. */
export interface SkillState {
  /**
   * The mastery probability when the skill was last answered: P(correct on a new average item of the skill one
   * day after that answer). knownAt() gives it at any later time (forgetting).
   */
  pKnown: number;
  /** Answers on this skill, and how many were correct. */
  answers: number;
  correct: number;
  /** Consecutive wrong answers on this skill. */
  wrongStreak: number;
  /** Remediation steps taken since the last correct answer (a prerequisite, then a worked example, then easier items). */
  remediations: number;
  /** Answers since practice started or since the last lapse. */
  run: number;
  /** Declared mastered: mastery probability >= threshold with at least minAnswers answers; cleared by a lapse. */
  mastered: boolean;
  /** When mastery was last declared (ms epoch). */
  masteredAt: number | null;
  /** Time (ms epoch) and step number of the last opportunity, for interleaving. */
  lastAt: number | null;
  lastStep: number;
  /** Kept for stored states of version 1 (FSRS card); always null now: reviews come from the model (dueAt). */
  review: null;
  /** A mastered skill's review is due at this time (ms): when P(correct) on a new item falls below the threshold. */
  dueAt: number | null;
  /** Best mastery probability since practice (re)started, and answers since it last rose by 0.02. */
  best: number;
  stall: number;
  /** Answers on the skill in its current practice session (the model's sessions; absent in older states). */
  sessionAnswers?: number;
  /** Set aside after many answers without mastery (the policy moves on and comes back later); step it happened. */
  parkedAt: number | null;
  /** Logit of the next answer on an average item after the last answer (before forgetting). */
  z: number;
  /** The learner model's state of this skill. */
  m: SkillModelState;
}

/** The whole state of one (student, assignment). JSON-serialisable. */
export interface LearnerState {
  version: 2;
  /** Opportunities recorded so far (answers and worked examples). */
  steps: number;
  /** Item ids of the last steps, oldest first, for the no-repeat rule. */
  recent: string[];
  /** Skill practised on the last step (first skill of the item). */
  lastSkill: string | null;
  skills: Record<string, SkillState>;
  /** The learner model's global state of the student (ability, overall counts). */
  model: GlobalModelState;
}

/** One answer (or one studied worked example) as the engine sees it. */
export interface Attempt {
  itemId: string;
  /** Skills the item tags. */
  skills: readonly string[];
  correct: boolean;
  /** Partial credit in [0, 1] when the grader gives one. */
  score?: number;
  hintsUsed: number;
  /** When it was answered, ms since the epoch. */
  at: number;
  /** The item's calibrated difficulty when answered; stored so replay gives the same state. */
  difficulty?: number;
  /** 'worked_example' when the student studied a worked solution (no evidence; a chance to learn). */
  kind?: 'answer' | 'worked_example';
  /** Set when this answers a remediation step: copy NextStep.remediates. */
  remediates?: string;
}

/** Engine settings for one assignment, with the fitted model. All optional. */
export interface EngineConfig {
  /** The fitted learner model (a tenant's refit), or its parameters; default: the shipped model. */
  model?: LearnerModel | LearnerParams;
  /** @deprecated BKT parameters of the old engine; ignored (the learner model has its own). */
  params?: Record<string, BktParams>;
  /** @deprecated ignored. */
  defaultParams?: BktParams;
  /** Skills of the assignment; default every skill of the bank. Prerequisites outside it do not gate. */
  skills?: readonly string[];
  /** Skills the instructor opened regardless of prerequisites. */
  unlockedSkills?: readonly string[];
  /** Wanted P(correct) of the next item (default 0.75). */
  targetSuccess?: number;
  /** P(correct on a new average item a day later) at which a skill is mastered (default 0.85). */
  masteryThreshold?: number;
  /** Answers on a skill needed before it may be declared mastered (default 3). */
  minAnswers?: number;
  /** The delay the mastery verdict must survive, days (default 1). */
  horizonDays?: number;
  /** The mastery rule's uncertainty penalty (learner.ts masteryLowerBound; logits at one answer, default UNCERTAINTY). */
  masteryUncertainty?: number;
  /** A mastered skill lapses when its mastery probability falls this far below the threshold after an answer (default 0.1). */
  lapseMargin?: number;
  /** An item seen in the last N steps is not repeated (default 5). */
  noRepeatWindow?: number;
  /** Consecutive wrong answers on a skill that trigger remediation (default 3). */
  remediationErrors?: number;
  /** Answers without progress (mastery probability up by 0.02) that count as wheel-spinning (default 5). */
  stallAnswers?: number;
  /** Answers on a skill without mastery after which the policy moves on to other skills (default 12). */
  moveOnAnswers?: number;
  /** Answers on a skill without mastery after which it is not practised again: the teacher is the next step (default 15). */
  giveUpAnswers?: number;
  /** Answers ahead the forecast looks (learner.ts forecast): a skill not expected to be mastered within them is not practised (0 = off, the default). */
  valueHorizon?: number;
  /** Open skills interleaved at a time (default 2). */
  maxOpenSkills?: number;
  /**
   * Moving on at a plateau (policy/view.ts lowValue): a skill not mastered after `plateauMinAnswers` answers whose
   * mastery probability has not risen (by 0.02) over its last `plateauAnswers`, its last 4 answers not all right,
   * at P(correct) on a new item >= `plateauLevel`, is not practised now; it comes back when forgetting takes
   * P(correct) below that level (default 3 after 6 at 0.75; plateauAnswers 0 = off; docs/simulation.md).
   */
  plateauAnswers?: number;
  plateauMinAnswers?: number;
  plateauLevel?: number;
  /**
   * Spacing (off by default; docs/simulation.md measures it): a skill not mastered whose P(correct) on a new item
   * now is >= `restLevel`, after `restMinAnswers` answers since practice (re)started, rests: it is not practised
   * until `restHours` after its last answer (when nothing else is left, nextStep says come_back_later), then comes
   * back for a spaced check of `restCheckAnswers` answers in that later session (a verdict a day later is best
   * shown after a day). After `restSessions` sessions on the skill, a skill still only good now is paused as at a
   * plateau. restLevel 0 = off.
   */
  restLevel?: number;
  restMinAnswers?: number;
  restHours?: number;
  restSessions?: number;
  restCheckAnswers?: number;
  /** Whether a student may pick the skill to practise (default false). */
  allowStudentChoice?: boolean;
  /** Evidence kept per hint on a correct answer (default 0.5: a right answer after one hint counts 0.5). */
  hintWeight?: number;
  /** Whether mastered skills come back for review when the model predicts they are fading (default true). */
  reviews?: boolean;
}

/** EngineConfig with every default filled in. */
export type ResolvedConfig = Required<Omit<EngineConfig, 'skills' | 'model' | 'params' | 'defaultParams'>> & {
  skills: readonly string[] | null;
  model: LearnerModel;
  params: Record<string, BktParams>;
  resolved: true;
};

let shipped: LearnerModel | undefined;

/** The model the product ships with (fitted on ASSISTments 2009, skill-agnostic; scripts/fit-learner-default.ts). */
export function defaultLearnerModel(): LearnerModel {
  if (!shipped) {
    if (!isLearnerParams(defaultParams)) throw new Error('learner-default.json is not a learner model');
    shipped = new LearnerModel(defaultParams);
  }
  return shipped;
}

/** Fill in the defaults of an EngineConfig (a resolved one is returned as is). */
export function resolveConfig(c: EngineConfig | ResolvedConfig = {}): ResolvedConfig {
  if ('resolved' in c) return c as ResolvedConfig;
  const model = c.model instanceof LearnerModel ? c.model : c.model ? new LearnerModel(c.model) : defaultLearnerModel();
  return {
    resolved: true,
    model,
    params: c.params ?? {},
    skills: c.skills ?? null,
    unlockedSkills: c.unlockedSkills ?? [],
    targetSuccess: c.targetSuccess ?? 0.75,
    masteryThreshold: c.masteryThreshold ?? 0.85,
    minAnswers: c.minAnswers ?? 3,
    horizonDays: c.horizonDays ?? 1,
    masteryUncertainty: c.masteryUncertainty ?? UNCERTAINTY,
    lapseMargin: c.lapseMargin ?? 0.1,
    noRepeatWindow: c.noRepeatWindow ?? 5,
    remediationErrors: c.remediationErrors ?? 3,
    stallAnswers: c.stallAnswers ?? 5,
    moveOnAnswers: c.moveOnAnswers ?? 12,
    giveUpAnswers: c.giveUpAnswers ?? 15,
    valueHorizon: c.valueHorizon ?? 0,
    maxOpenSkills: c.maxOpenSkills ?? 2,
    plateauAnswers: c.plateauAnswers ?? 3,
    plateauMinAnswers: c.plateauMinAnswers ?? 6,
    plateauLevel: c.plateauLevel ?? 0.75,
    restLevel: c.restLevel ?? 0,
    restMinAnswers: c.restMinAnswers ?? 4,
    restHours: c.restHours ?? 12,
    restSessions: c.restSessions ?? 3,
    restCheckAnswers: c.restCheckAnswers ?? 2,
    allowStudentChoice: c.allowStudentChoice ?? false,
    hintWeight: c.hintWeight ?? 0.5,
    reviews: c.reviews ?? true,
  };
}

/** @deprecated The old engine's BKT parameters of a skill; the learner model's BKT component now. */
export function paramsFor(config: ResolvedConfig, skill: string): BktParams {
  return config.model.skill(skill).bkt;
}

/** An empty state: nothing practised yet. */
export function createState(): LearnerState {
  return { version: 2, steps: 0, recent: [], lastSkill: null, skills: {}, model: initGlobal() };
}

function newSkill(model: LearnerModel, g: GlobalModelState, skill: string, now = 0): SkillState {
  const m = model.initSkill(skill);
  const z = model.skillLogit(g, skill, undefined);
  void now;
  return {
    pKnown: sigmoid(z), answers: 0, correct: 0, wrongStreak: 0, remediations: 0, run: 0, mastered: false, masteredAt: null,
    lastAt: null, lastStep: -1, review: null, dueAt: null, best: 0, stall: 0, parkedAt: null, z, m: { ...m, z0: z },
  };
}

/** The state of a skill, or the untouched state a first opportunity would start from. */
export function skillState(state: LearnerState, skill: string, config: EngineConfig | ResolvedConfig = {}): SkillState {
  const s = state.skills[skill];
  if (s) return s;
  const cfg = resolveConfig(config);
  return newSkill(cfg.model, state.model ?? initGlobal(), skill);
}

/**
 * The mastery probability of a skill at `now`: P(correct on a new average item of the skill `horizonDays`
 * after `now`), with forgetting since its last answer. Before any answer: the model's prior for the student.
 */
export function knownAt(s: SkillState, now: number, config: EngineConfig | ResolvedConfig = {}, horizonDays?: number): number {
  const cfg = resolveConfig(config);
  const h = horizonDays ?? cfg.horizonDays;
  if (s.lastAt === null || s.m.n === 0) return sigmoid(s.z);
  const days = Math.max(0, (now - s.lastAt) / DAY_MS) + h;
  return sigmoid(s.m.z0 + (s.z - s.m.z0) * cfg.model.retention(s.m, days));
}

/** P(correct) on a new average item of the skill right now (no horizon): what reviews are scheduled on. */
export function recallAt(s: SkillState, now: number, config: EngineConfig | ResolvedConfig = {}): number {
  return knownAt(s, now, config, 0);
}

/** When a mastered skill's review is due: P(correct) now on a new item falls below the threshold. */
function dueAt(cfg: ResolvedConfig, s: SkillState, at: number): number | null {
  if (!cfg.reviews || cfg.model.params.forgetting.phi <= 0) return null;
  const zt = Math.log(cfg.masteryThreshold / (1 - cfg.masteryThreshold));
  if (s.z < zt) return at;
  if (s.m.z0 >= zt) return null;
  const f = cfg.model.params.forgetting;
  const tau = f.tau * (1 + f.spacing * Math.max(0, s.m.sessions - 1));
  const days = tau * (Math.pow((s.z - s.m.z0) / (zt - s.m.z0), 1 / f.phi) - 1);
  return Number.isFinite(days) ? at + Math.max(0, days) * DAY_MS : null;
}

/**
 * A stored state made current: a version-1 state (the old BKT engine) cannot be converted (its numbers mean
 * something else) and comes back as null; the caller rebuilds it from the attempt log with replay().
 */
export function upgradeState(state: unknown): LearnerState | null {
  const s = state as LearnerState | null;
  if (!s || typeof s !== 'object' || s.version !== 2 || typeof s.skills !== 'object' || !s.model) return null;
  return s;
}

/**
 * Apply one attempt: the learner model's update of every tagged skill, the mastery verdict, reviews,
 * wheel-spinning and remediation bookkeeping, no-repeat window. Returns a new state.
 *
 * Mastery: the mastery probability (knownAt) >= masteryThreshold with at least minAnswers answers on the skill,
 * also at the rule's lower confidence bound (meetsMastery).
 * A mastered skill stays mastered until a wrong answer (a failed review) leaves that probability lapseMargin
 * below the threshold: it lapses and is practised again. Its review is due when P(correct) on a new item is predicted
 * to fall below the threshold (dueAt, from the model's forgetting curve).
 */
export function applyAttempt(state: LearnerState, attempt: Attempt, config: EngineConfig | ResolvedConfig = {}): LearnerState {
  const cfg = resolveConfig(config);
  const model = cfg.model;
  const steps = state.steps + 1;
  const skills = { ...state.skills };
  const g: GlobalModelState = { ...(state.model ?? initGlobal()) };
  const tagged = [...new Set(attempt.skills)];
  const window = Math.max(cfg.noRepeatWindow, 1);
  const recent = [...state.recent, attempt.itemId].slice(-window);
  const lastSkill = tagged[0] ?? state.lastSkill;
  const before = tagged.map((id) => {
    const s = state.skills[id] ?? newSkill(model, g, id);
    return { ...s, m: { ...s.m } };
  });

  if (attempt.kind === 'worked_example') {
    tagged.forEach((id, i) => {
      const s = before[i]!;
      model.study(g, id, s.m);
      s.wrongStreak = 0;
      s.stall = 0;
      s.remediations += 1;
      s.lastStep = steps;
      skills[id] = s;
    });
    return { version: 2, steps, recent, lastSkill, skills, model: g };
  }

  const score = attempt.score !== undefined ? Math.min(Math.max(attempt.score, 0), 1) : attempt.correct ? 1 : 0;
  const right = score >= 0.5;
  // A right answer after hints is weaker evidence: each hint keeps hintWeight of it.
  const y = attempt.hintsUsed > 0 && score > 0 ? score * Math.pow(Math.min(Math.max(cfg.hintWeight, 0), 1), attempt.hintsUsed) : score;
  const d = attempt.difficulty ?? 0;
  // Every tagged skill is updated with the answer (the model is fitted on logs that count a multi-skill answer
  // once per skill).
  const sessionsBefore = before.map((s) => s.m.sessions);
  tagged.forEach((id, i) => model.update(g, id, before[i]!.m, y, attempt.at, d));
  tagged.forEach((id, i) => {
    const s = before[i]!;
    s.z = model.skillLogit(g, id, s.m);
    s.answers += 1;
    s.sessionAnswers = s.m.sessions !== sessionsBefore[i] ? 1 : (s.sessionAnswers ?? 0) + 1;
    if (right) s.correct += 1;
    s.wrongStreak = right ? 0 : s.wrongStreak + 1;
    if (right) s.remediations = 0;
    if (attempt.remediates === id) {
      // An easier item of a struggling skill: a remediation step of its own.
      s.stall = 0;
      if (!right) s.remediations += 1;
    }
    s.lastAt = attempt.at;
    s.lastStep = steps;
    s.pKnown = knownAt(s, attempt.at, cfg);
    if (s.pKnown > s.best + 0.02) { s.best = s.pKnown; s.stall = 0; } else s.stall += 1;
    if (s.mastered) {
      // A failed review (a wrong answer) that leaves the mastery probability well below the threshold.
      if (!right && s.pKnown < cfg.masteryThreshold - cfg.lapseMargin) {
        s.mastered = false;
        s.run = 0;
        s.best = s.pKnown;
        s.stall = 0;
        s.dueAt = null;
      } else {
        s.dueAt = dueAt(cfg, s, attempt.at);
      }
    } else {
      s.run += 1;
      if (s.pKnown >= cfg.masteryThreshold && meetsMastery(model, g, id, s.m, attempt.at, { threshold: cfg.masteryThreshold, minAnswers: cfg.minAnswers, horizonDays: cfg.horizonDays, uncertainty: cfg.masteryUncertainty })) {
        s.mastered = true;
        s.masteredAt = attempt.at;
        s.parkedAt = null;
        s.dueAt = dueAt(cfg, s, attempt.at);
      } else if (s.parkedAt === null && s.run >= cfg.moveOnAnswers) {
        s.parkedAt = steps;
      }
    }
    skills[id] = s;
  });
  if (attempt.remediates && skills[attempt.remediates] && !tagged.includes(attempt.remediates)) {
    const r = skills[attempt.remediates]!;
    skills[attempt.remediates] = { ...r, wrongStreak: 0, stall: 0, remediations: r.remediations + 1 };
  }
  return { version: 2, steps, recent, lastSkill, skills, model: g };
}

/**
 * Rebuild a state from the attempt log (in time order) by applying every attempt in turn: the stored
 * state is a cache of this fold, never the source of truth.
 */
export function replay(log: Iterable<Attempt>, config: EngineConfig | ResolvedConfig = {}, initial: LearnerState = createState()): LearnerState {
  const cfg = resolveConfig(config);
  let state = initial;
  for (const a of log) state = applyAttempt(state, a, cfg);
  return state;
}

/**
 * P(correct) of this student on an item now, by the learner model (the weakest of the item's skills, minus the
 * item's difficulty): what nextStep aims at the target success rate, and the prediction item calibration
 * compares the answer with.
 */
export function predictItem(state: LearnerState, item: { skills: readonly string[]; difficulty?: number }, config: EngineConfig | ResolvedConfig = {}, now = 0): number {
  const cfg = resolveConfig(config);
  const g = state.model ?? initGlobal();
  let z = Infinity;
  for (const s of item.skills) {
    const k = state.skills[s];
    z = Math.min(z, cfg.model.logitAt(g, s, k && k.m.n > 0 ? k.m : undefined, now, 0));
  }
  return sigmoid((Number.isFinite(z) ? z : 0) - (item.difficulty ?? 0));
}
