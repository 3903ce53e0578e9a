/**
 * The learner state of one student in one assignment: a plain JSON object the caller stores as it likes
 * and can rebuild at any time from the attempt log with replay(). applyAttempt never mutates its input.
 */
import { DEFAULT_BKT, clampProb, guardParams, transition, updateSkills } from './bkt.js';
import { type ReviewCard, recordReview, retrievability, reviewGrade, startReview } from './review.js';
import type { BktParams } from './types.js';

/** What the engine knows about one skill of one student. */
export interface SkillState {
  /** P(known) after the last opportunity (BKT). */
  pKnown: number;
  /** Answers on this skill, and how many were correct. */
  answers: number;
  correct: number;
  /** Consecutive wrong answers on this skill; triggers remediation. */
  wrongStreak: number;
  /** Remediation steps taken since the last correct answer (the first steps back, later ones show a worked example). */
  remediations: number;
  /** Answers since practice started or since the last lapse: mastery needs at least `minAnswers`. */
  run: number;
  /** Declared mastered (P(known) >= threshold with enough answers); cleared by a failed review. */
  mastered: boolean;
  /** When mastery was last declared (ms epoch). */
  masteredAt: number | null;
  /** Time (ms epoch) and step number of the last opportunity, for interleaving. */
  lastAt: number | null;
  lastStep: number;
  /** FSRS card of a skill that has been mastered at least once. */
  review: ReviewCard | null;
}

/** The whole state of one (student, assignment). JSON-serialisable. */
export interface LearnerState {
  version: 1;
  /** Opportunities recorded so far (answers and worked examples). */
  steps: number;
  /** Item ids of the last steps, oldest first, for the no-repeat rule. */
  recent: string[];
  /** Skill practised on the last step (first skill of the item). */
  lastSkill: string | null;
  skills: Record<string, SkillState>;
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
  /** Set when this answers a prerequisite remediation step: copy NextStep.remediates. */
  remediates?: string;
}

/** Engine settings for one assignment, with the fitted parameters. All optional. */
export interface EngineConfig {
  /** Fitted BKT parameters per skill; skills not listed use defaultParams. */
  params?: Record<string, BktParams>;
  /** Parameters of skills without a fit (default DEFAULT_BKT). */
  defaultParams?: BktParams;
  /** Skills of the assignment; default every skill of the bank. Prerequisites outside it do not gate. */
  skills?: readonly string[];
  /** Skills the instructor opened regardless of prerequisites. */
  unlockedSkills?: readonly string[];
  /** Wanted P(correct) of the next item (default 0.75). */
  targetSuccess?: number;
  /** P(known) at which a skill is mastered (default 0.95). */
  masteryThreshold?: number;
  /** Answers needed before a skill may be declared mastered (default 3). */
  minAnswers?: number;
  /** An item seen in the last N steps is not repeated (default 5). */
  noRepeatWindow?: number;
  /** Consecutive wrong answers on a skill that trigger remediation (default 3). */
  remediationErrors?: number;
  /** Open skills interleaved at a time (default 3). */
  maxOpenSkills?: number;
  /** Whether a student may pick the skill to practise (default false). */
  allowStudentChoice?: boolean;
  /** Evidence kept per hint on a correct answer (default 0.5). */
  hintWeight?: number;
  /** FSRS target retention of reviews (default 0.9). */
  requestRetention?: number;
}

/** EngineConfig with every default filled in. */
export type ResolvedConfig = Required<Omit<EngineConfig, 'skills'>> & { skills: readonly string[] | null; resolved: true };

/** Fill in the defaults of an EngineConfig (a resolved one is returned as is). */
export function resolveConfig(c: EngineConfig | ResolvedConfig = {}): ResolvedConfig {
  if ('resolved' in c) return c as ResolvedConfig;
  return {
    resolved: true,
    params: c.params ?? {},
    defaultParams: guardParams(c.defaultParams ?? DEFAULT_BKT),
    skills: c.skills ?? null,
    unlockedSkills: c.unlockedSkills ?? [],
    targetSuccess: c.targetSuccess ?? 0.75,
    masteryThreshold: c.masteryThreshold ?? 0.95,
    minAnswers: c.minAnswers ?? 3,
    noRepeatWindow: c.noRepeatWindow ?? 5,
    remediationErrors: c.remediationErrors ?? 3,
    maxOpenSkills: c.maxOpenSkills ?? 3,
    allowStudentChoice: c.allowStudentChoice ?? false,
    hintWeight: c.hintWeight ?? 0.5,
    requestRetention: c.requestRetention ?? 0.9,
  };
}

/** The guarded BKT parameters of a skill. */
export function paramsFor(config: ResolvedConfig, skill: string): BktParams {
  const p = config.params[skill];
  return p ? guardParams(p) : config.defaultParams;
}

/** An empty state: nothing practised yet. */
export function createState(): LearnerState {
  return { version: 1, steps: 0, recent: [], lastSkill: null, skills: {} };
}

function newSkill(m: BktParams): SkillState {
  return {
    pKnown: m.prior, answers: 0, correct: 0, wrongStreak: 0, remediations: 0, run: 0, mastered: false,
    masteredAt: null, lastAt: null, lastStep: -1, review: null,
  };
}

/** The state of a skill, or the untouched state a first opportunity would start from. */
export function skillState(state: LearnerState, skill: string, config: ResolvedConfig): SkillState {
  return state.skills[skill] ?? newSkill(paramsFor(config, skill));
}

/**
 * P(known) of a skill at `now`. For a mastered skill with a review card this is P(known) times the FSRS
 * retrievability: BKT has no clock, FSRS models memory decay between sessions.
 */
export function knownAt(s: SkillState, now: number, config: ResolvedConfig): number {
  if (!s.mastered || !s.review) return s.pKnown;
  return clampProb(s.pKnown * retrievability(s.review, now, config.requestRetention));
}

/**
 * Apply one attempt: BKT update of every tagged skill (conjunctive credit, hint rule), mastery check,
 * FSRS review of mastered skills, remediation bookkeeping, no-repeat window. Returns a new state.
 *
 * Mastery: P(known) >= masteryThreshold with at least minAnswers answers since practice began (or since
 * the last lapse). A mastered skill stays mastered until a failed review: a wrong answer that brings its
 * (time-decayed) P(known) below the threshold. Then it lapses, is practised again, and its FSRS card gets
 * "again". A wrong answer blamed on another skill of the item (conjunctive rule) is not a lapse.
 */
export function applyAttempt(state: LearnerState, attempt: Attempt, config: EngineConfig | ResolvedConfig = {}): LearnerState {
  const cfg = resolveConfig(config);
  const steps = state.steps + 1;
  const skills = { ...state.skills };
  const tagged = [...new Set(attempt.skills)];
  const params = tagged.map((s) => paramsFor(cfg, s));
  const before = tagged.map((s) => ({ ...skillState(state, s, cfg) }));
  const window = Math.max(cfg.noRepeatWindow, 1);
  const recent = [...state.recent, attempt.itemId].slice(-window);
  const lastSkill = tagged[0] ?? state.lastSkill;

  if (attempt.kind === 'worked_example') {
    tagged.forEach((skill, i) => {
      const s = before[i]!;
      s.pKnown = transition(s.pKnown, params[i]!);
      s.wrongStreak = 0;
      s.remediations += 1;
      s.lastAt = attempt.at;
      s.lastStep = steps;
      skills[skill] = s;
    });
    return { version: 1, steps, recent, lastSkill, skills };
  }

  const right = attempt.score !== undefined ? attempt.score >= 0.5 : attempt.correct;
  const prior = before.map((s) => knownAt(s, attempt.at, cfg));
  const post = updateSkills(prior, params, {
    correct: attempt.correct, score: attempt.score, hintsUsed: attempt.hintsUsed, difficulty: attempt.difficulty,
  }, { hintWeight: cfg.hintWeight });
  tagged.forEach((skill, i) => {
    const s = before[i]!;
    s.pKnown = post[i]!;
    s.answers += 1;
    if (right) s.correct += 1;
    s.wrongStreak = right ? 0 : s.wrongStreak + 1;
    if (right) s.remediations = 0;
    s.lastAt = attempt.at;
    s.lastStep = steps;
    if (s.mastered) {
      const lapse = !right && s.pKnown < cfg.masteryThreshold;
      if (right || lapse) {
        const grade = lapse ? 'again' : reviewGrade(true, attempt.hintsUsed, attempt.score);
        s.review = recordReview(s.review ?? startReview(attempt.at, cfg.requestRetention), attempt.at, grade, cfg.requestRetention);
      }
      if (lapse) {
        s.mastered = false;
        s.run = 0;
      }
    } else {
      s.run += 1;
      if (s.pKnown >= cfg.masteryThreshold && s.run >= cfg.minAnswers) {
        s.mastered = true;
        s.masteredAt = attempt.at;
        s.review = s.review ?? startReview(attempt.at, cfg.requestRetention);
      }
    }
    skills[skill] = s;
  });
  if (attempt.remediates && skills[attempt.remediates]) {
    skills[attempt.remediates] = { ...skills[attempt.remediates]!, wrongStreak: 0, remediations: skills[attempt.remediates]!.remediations + 1 };
  }
  return { version: 1, steps, recent, lastSkill, skills };
}

/**
 * Rebuild a state from the attempt log (in time order) by applying every attempt in turn: the stored
 * state is a cache of this fold, never the source of truth.
 */
export function replay(log: Iterable<Attempt>, config: EngineConfig = {}, initial: LearnerState = createState()): LearnerState {
  const cfg = resolveConfig(config);
  let state = initial;
  for (const a of log) state = applyAttempt(state, a, cfg);
  return state;
}
