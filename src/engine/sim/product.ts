/**
 * The product's policy, driven EXACTLY as the practice loop drives the engine (src/practice/step.ts: the next
 * step and a studied example; src/practice/answer.ts: the answer), through the engine's public API only. Keep
 * this file in step with the practice loop: when the loop's engine calls change, this file changes the same
 * way, and the rest of the harness does not.
 *
 * The loop, as mirrored here:
 *  - the assignment's config: resolveConfig({ skills, masteryThreshold, targetSuccess, allowStudentChoice,
 *    model }) (scripts/simulate.ts passes the setup form's defaults; the model is the shipped one, as on a new
 *    tenant without a refit);
 *  - the bank: prepareBank of the pack's items with their calibrated difficulty bounded around the authored one
 *    (boundDifficulty; authored until calibrated), refreshed periodically (the loop: every 10 s; here after each
 *    student's day of practice);
 *  - the session (src/practice/session.ts): a run of answers with no gap over SESSION_GAP_MS (30 min); it keeps
 *    the items answered on a first try or studied, at most MAX_SEEN (100), the oldest dropped first; a student
 *    coming back after a longer gap starts a new one (the harness: every day);
 *  - choose(): nextStep(state, bank, config, rng, now, request) with request.avoid = the session's items seen (at
 *    the time of the choice, when any) and, after a studied worked example, request.followUp = { skill: the
 *    step's skill (else the item's first skill), itemId: the example, sameItem: the item is a template }; no
 *    student choice of skill and no goal; 'done' ends practice;
 *  - an answer (first try only counts): itemStat = the bounded calibration or {authored, 0}; predicted =
 *    predictItem(state, { skills, difficulty: itemStat.difficulty }, config, now); the item's calibration
 *    becomes calibrateItem(itemStat, predicted, score, authored); state = applyAttempt(state, { itemId,
 *    skills, correct, score, hintsUsed, at, difficulty: itemStat.difficulty, remediates }, config); then the
 *    next step is chosen at once, at the answer's time, and shown when the student next comes (the loop
 *    stores it with the answer);
 *  - a worked example: applyAttempt(state, { ..., kind: 'worked_example' }), the example seen in the session, and
 *    the next step chosen with the follow-up;
 *  - mastered = skillState(state, skill, config).mastered (the progress panel and the LMS grade).
 * Simulated students never ask for hints nor choose a skill, and the second try of a question (which the
 * loop does not count for the model) is not simulated.
 */
import {
  applyAttempt, boundDifficulty, calibrateItem, createState, defaultLearnerModel, nextStep, predictItem, prepareBank, resolveConfig, skillState,
  type EngineConfig, type ItemStat, type LearnerModel, type LearnerState, type NextStep, type PreparedBank, type ResolvedConfig, type StepRequest,
} from '../index.js';
import type { Policy, PolicySession, PolicyStep } from './policy.js';
import { mixSeed, mulberry32 } from './random.js';
import type { SimItem, SimSkill } from './types.js';

/** The assignment's settings (as the instructor's setup form stores them). */
export interface ProductOptions {
  threshold?: number;
  targetSuccess?: number;
  allowChoice?: boolean;
  /** The tenant's learner model (its active refit); default the shipped one, as on a new tenant. */
  model?: LearnerModel;
  /** Seed of the policy's random tie-breaks. */
  seed?: number;
  /** Other engine settings of the assignment (what-if runs: `npm run -s simulate -- --engine JSON`). */
  engine?: EngineConfig;
  /** The tenant's item calibration when this class starts (item_stats left by earlier classes and refits); default none. */
  itemStats?: ReadonlyMap<string, ItemStat>;
  /** The policy's name in the results (default 'product'). */
  name?: string;
}

/** The practice session's break and its memory of items (src/practice/session.ts; test/engine/sim-product.test.ts checks they agree). */
export const SESSION_GAP_MS = 30 * 60_000;
export const MAX_SEEN = 100;

/** Milliseconds since the epoch of `atDays` (the engine keeps real time). */
export const SIM_EPOCH_MS = Date.UTC(2025, 0, 6, 15, 0, 0);
export const msAt = (atDays: number): number => SIM_EPOCH_MS + Math.round(atDays * 86_400_000);

export function productPolicy(world: { skills: readonly SimSkill[]; items: readonly SimItem[] }, options: ProductOptions = {}): Policy & { itemStats: ReadonlyMap<string, ItemStat> } {
  const skillIds = world.skills.map((s) => s.id);
  const cfg: ResolvedConfig = resolveConfig({
    ...options.engine,
    skills: skillIds, masteryThreshold: options.threshold ?? 0.95, targetSuccess: options.targetSuccess ?? 0.75,
    allowStudentChoice: options.allowChoice ?? false, model: options.model ?? defaultLearnerModel(),
  });
  const items = new Map(world.items.map((it) => [it.id, it]));
  const skills = world.skills.map((s) => ({ id: s.id, prerequisites: s.prerequisites }));
  const packBank = prepareBank({ items: world.items.map((i) => ({ id: i.id, skills: i.skills, difficulty: i.difficulty ?? 0 })), skills });
  /** The tenant's item calibration (the item_stats table), shared by the whole class. */
  const stats = new Map<string, ItemStat>(options.itemStats ?? []);
  let bank: PreparedBank = packBank;
  const refresh = () => {
    bank = stats.size
      ? prepareBank({
          items: world.items.map((i) => {
            const st = stats.get(i.id);
            return { id: i.id, skills: i.skills, difficulty: st ? boundDifficulty(st.difficulty, i.difficulty ?? 0) : i.difficulty ?? 0 };
          }),
          skills,
        })
      : packBank;
  };
  refresh();

  return {
    name: options.name ?? 'product',
    itemStats: stats,
    afterStudentDay: refresh,
    session(i: number): PolicySession {
      const rng = mulberry32(mixSeed(options.seed ?? 0, 0x9011c7, i));
      let state: LearnerState = createState();
      /** The step chosen after the last answer (stored with it), shown when the student comes next. */
      let current: NextStep | null | 'later' | undefined;
      let newly: string[] = [];
      /** The practice session: the items seen and the last answer's time (ms). */
      let seen: string[] = [];
      let lastAt = -Infinity;
      const sessionNow = (now: number): string[] => (now - lastAt > SESSION_GAP_MS || now < lastAt ? [] : seen);
      const see = (itemId: string, now: number) => {
        const s = sessionNow(now);
        const out = s.includes(itemId) ? [...s] : [...s, itemId];
        seen = out.length > MAX_SEEN ? out.slice(-MAX_SEEN) : out;
        lastAt = now;
      };
      /** null: done; 'later': nothing now, the loop chooses again at the student's next visit (current empty). */
      const choose = (atDays: number, followUp?: StepRequest['followUp']): NextStep | null | 'later' => {
        const now = msAt(atDays);
        const request: StepRequest = {};
        const s = sessionNow(now);
        if (s.length) request.avoid = new Set(s);
        if (followUp) request.followUp = followUp;
        const step = nextStep(state, bank, cfg, rng, now, request);
        if (step.kind === 'done' && step.reason.code === 'come_back_later') return 'later';
        return step.kind === 'done' || !step.itemId || !items.has(step.itemId) ? null : step;
      };
      const masteredNow = () => skillIds.filter((s) => skillState(state, s, cfg).mastered);
      return {
        next(atDays) {
          // The page chooses again when nothing is on screen (a visit after "come back later").
          if (current === undefined || current === 'later') current = choose(atDays);
          if (current === 'later') return 'later';
          if (!current) return null;
          return { kind: current.kind === 'worked_example' ? 'worked_example' : 'question', item: items.get(current.itemId!)! };
        },
        record(step: PolicyStep, correct: boolean, atDays: number) {
          const before = new Set(masteredNow());
          const now = msAt(atDays);
          const item = step.item;
          if (step.kind === 'worked_example') {
            state = applyAttempt(state, { itemId: item.id, skills: item.skills, correct: false, hintsUsed: 0, at: now, kind: 'worked_example' }, cfg);
            see(item.id, now);
            const skill = (current && current !== 'later' ? current.skill : null) ?? item.skills[0];
            newly = masteredNow().filter((s) => !before.has(s));
            current = choose(atDays, skill ? { skill, itemId: item.id, sameItem: !!item.template } : undefined);
            return;
          } else {
            const score = correct ? 1 : 0;
            const authored = item.difficulty ?? 0;
            const stat = stats.get(item.id);
            const itemStat = stat ? { difficulty: boundDifficulty(stat.difficulty, authored), answers: stat.answers } : { difficulty: authored, answers: 0 };
            const predicted = predictItem(state, { skills: item.skills, difficulty: itemStat.difficulty }, cfg, now);
            stats.set(item.id, calibrateItem(itemStat, predicted, score, authored));
            state = applyAttempt(state, {
              itemId: item.id, skills: item.skills, correct, score, hintsUsed: 0, at: now,
              difficulty: itemStat.difficulty, remediates: current && current !== 'later' ? current.remediates ?? undefined : undefined,
            }, cfg);
            see(item.id, now);
          }
          newly = masteredNow().filter((s) => !before.has(s));
          current = choose(atDays);
        },
        verdicts: () => newly,
        mastered: masteredNow,
      };
    },
  };
}

/**
 * The product's mastery rule alone, fed by another policy's answers (for "random order with the product's
 * mastery rule"): the same config and applyAttempt, items at their authored difficulty.
 */
export function productMasteryRule(world: { skills: readonly SimSkill[] }, options: ProductOptions = {}) {
  const skillIds = world.skills.map((s) => s.id);
  const cfg: ResolvedConfig = resolveConfig({
    ...options.engine,
    skills: skillIds, masteryThreshold: options.threshold ?? 0.95, targetSuccess: options.targetSuccess ?? 0.75,
    allowStudentChoice: options.allowChoice ?? false, model: options.model ?? defaultLearnerModel(),
  });
  return () => {
    let state: LearnerState = createState();
    return {
      record(item: SimItem, correct: boolean, atDays: number): void {
        state = applyAttempt(state, {
          itemId: item.id, skills: item.skills, correct, score: correct ? 1 : 0, hintsUsed: 0, at: msAt(atDays), difficulty: item.difficulty ?? 0,
        }, cfg);
      },
      mastered: (skill: string): boolean => skillState(state, skill, cfg).mastered,
    };
  };
}
