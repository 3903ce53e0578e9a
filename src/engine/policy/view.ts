/**
 * What every policy rule sees: the student's state, the bank, the settings and the time, with memoised
 * helpers (which skills are open, mastered, set aside; the model's prediction for an item; the best item of
 * a skill for a wanted success rate). Built once per decision by nextStep (select.ts).
 */
import { knownAt, type LearnerState, type ResolvedConfig, recallAt, skillState } from '../state.js';
import { sigmoid } from '../learner.js';
import type { BankItem, NextStep, PreparedBank, ReasonCode, StepReason, StepRequest } from '../select.js';
import { reasonText } from '../select.js';
import type { Rng } from '../types.js';

export interface PolicyView {
  readonly state: LearnerState;
  readonly bank: PreparedBank;
  readonly cfg: ResolvedConfig;
  readonly now: number;
  readonly request: StepRequest;
  inScope(skill: string): boolean;
  isMastered(skill: string): boolean;
  /** Set aside by the move-on rule (many answers, no mastery): practised after the others. */
  isParked(skill: string): boolean;
  /** In scope, not mastered, every in-scope prerequisite mastered or set aside (or the skill unlocked). */
  isOpen(skill: string): boolean;
  /** Skills in scope, in prerequisite order. */
  skills(): readonly string[];
  /** Mastery probability now (P(correct on a new average item a day later)). */
  mastery(skill: string): number;
  /**
   * The model's forecast of practice on the skill (LearnerModel.forecast): answers until the mastery
   * probability reaches the threshold (Infinity beyond valueHorizon).
   */
  toMastery(skill: string): number;
  /**
   * Little value left in practising the skill now (not mastered, and its last answers not all right): given up
   * after giveUpAnswers answers; or at a plateau (plateauAnswers answers without progress at P(correct) >=
   * plateauLevel); or, with valueHorizon > 0, after minAnswers + 2 answers the model does not expect mastery
   * within valueHorizon more answers (Rollinson & Brunskill 2015: stop when more practice is not predicted to
   * change the outcome). Such a skill is not practised; it counts as set aside for the skills that build on it.
   */
  lowValue(skill: string): boolean;
  /**
   * Resting (spacing, state.ts EngineConfig.restLevel): good now (P(correct) on a new item >= restLevel after
   * restMinAnswers answers), not practised until restHours after its last answer; counts as low value now.
   */
  resting(skill: string): boolean;
  /** P(correct) on a new average item now. */
  recall(skill: string): number;
  /** P(correct) of this student on the item now. */
  predict(item: BankItem): number;
  /** Whether every skill of the item is in a state it may be shown in (none locked). */
  usable(item: BankItem): boolean;
  /** The usable item of a skill not seen in the last steps whose predicted success is closest to `target`. */
  pickItem(skill: string, rng: Rng, target: number): { item: BankItem; p: number } | null;
}

/** Right answers in a row after which a skill is still progressing: never given up on nor set aside at a plateau. */
export const PROGRESSING_RUN = 4;

/** A rule of the policy: a step, or null to let the next rule decide. */
export type Rule = ((v: PolicyView, rng: Rng) => NextStep | null) & { ruleName?: string };

/** A named rule (the name shows in tests and traces). */
export function rule(name: string, fn: (v: PolicyView, rng: Rng) => NextStep | null): Rule {
  return Object.assign(fn, { ruleName: name });
}

export function reason(code: ReasonCode, skill: string | null, related: readonly string[] = []): StepReason {
  return { code, skill, related, text: reasonText(code, skill, related) };
}

export function step(kind: NextStep['kind'], pick: { item: BankItem; p: number } | null, skill: string | null, why: StepReason, remediates: string | null = null): NextStep {
  return { kind, itemId: pick?.item.id ?? null, skill, predictedSuccess: pick?.p ?? null, remediates, reason: why };
}

export function createView(state: LearnerState, bank: PreparedBank, cfg: ResolvedConfig, now: number, request: StepRequest): PolicyView {
  const scope = cfg.skills ? new Set(cfg.skills) : null;
  const unlocked = new Set(cfg.unlockedSkills);
  const open = new Map<string, boolean>();
  const logits = new Map<string, number>();
  const masteries = new Map<string, number>();
  const forecasts = new Map<string, number>();
  let inScopeList: string[] | null = null;
  const model = cfg.model;
  const g = state.model;
  const lowValues = new Map<string, boolean>();
  const v: PolicyView = {
    state, bank, cfg, now, request,
    inScope: (s) => scope === null || scope.has(s),
    isMastered: (s) => state.skills[s]?.mastered === true,
    isParked: (s) => { const k = state.skills[s]; return !!k && !k.mastered && (k.parkedAt !== null || v.lowValue(s)); },
    isOpen(s) {
      let o = open.get(s);
      if (o === undefined) {
        const node = bank.byId.get(s);
        o = v.inScope(s) && !v.isMastered(s)
          && (unlocked.has(s) || !node || node.prerequisites.every((p) => !v.inScope(p) || v.isMastered(p) || v.isParked(p)));
        open.set(s, o);
      }
      return o;
    },
    skills: () => (inScopeList ??= bank.skills.filter((n) => v.inScope(n.id)).map((n) => n.id)),
    mastery(s) {
      let m = masteries.get(s);
      if (m === undefined) masteries.set(s, (m = knownAt(skillState(state, s, cfg), now, cfg)));
      return m;
    },
    toMastery(s) {
      let n = forecasts.get(s);
      if (n === undefined) {
        const k = state.skills[s];
        n = model.forecast(g, s, k?.m.n ? k.m : undefined, now, { threshold: cfg.masteryThreshold, horizonDays: cfg.horizonDays, maxAnswers: cfg.valueHorizon }).answers;
        forecasts.set(s, n);
      }
      return n;
    },
    lowValue(s) {
      let low = lowValues.get(s);
      if (low === undefined) lowValues.set(s, (low = v.resting(s) || lowValueOf(s)));
      return low;
    },
    resting(s) {
      const k = state.skills[s];
      return goodNow(s) && k!.m.sessions < cfg.restSessions && k!.lastAt !== null && now - k!.lastAt < cfg.restHours * 3_600_000
        && (k!.m.sessions <= 1 || (k!.sessionAnswers ?? 0) >= cfg.restCheckAnswers);
    },
    recall: (s) => recallAt(skillState(state, s, cfg), now, cfg),
    predict(item) {
      let z = Infinity;
      for (const s of item.skills) {
        let l = logits.get(s);
        if (l === undefined) {
          const k = state.skills[s];
          logits.set(s, (l = model.logitAt(g, s, k?.m.n ? k.m : undefined, now, 0)));
        }
        if (l < z) z = l;
      }
      return sigmoid((Number.isFinite(z) ? z : 0) - (item.difficulty ?? 0));
    },
    usable(item) {
      for (const s of item.skills) if (v.inScope(s) && !v.isMastered(s) && !v.isOpen(s)) return false;
      return true;
    },
    pickItem(skill, rng, target) {
      const items = bank.itemsBySkill.get(skill);
      if (!items) return null;
      const recent = state.recent.slice(-cfg.noRepeatWindow);
      let best: BankItem[] = [];
      let bestScore = Infinity;
      let bestP = 0;
      let fallback: BankItem | null = null;
      let fallbackAge = Infinity;
      for (const it of items) {
        if (!v.usable(it)) continue;
        const seenAt = recent.lastIndexOf(it.id);
        if (seenAt >= 0) {
          if (seenAt < fallbackAge) { fallbackAge = seenAt; fallback = it; }
          continue;
        }
        const p = v.predict(it);
        const score = Math.abs(p - target);
        if (score < bestScore - 1e-12) { best = [it]; bestScore = score; bestP = p; }
        else if (score <= bestScore + 1e-12) best.push(it);
      }
      if (best.length > 0) {
        const item = best.length === 1 ? best[0]! : best[Math.min(Math.floor(rng() * best.length), best.length - 1)]!;
        return { item, p: best.length === 1 ? bestP : v.predict(item) };
      }
      return fallback ? { item: fallback, p: v.predict(fallback) } : null;
    },
  };
  const goodNow = (s: string): boolean => {
    const k = state.skills[s];
    return cfg.restLevel > 0 && !!k && !k.mastered && k.run >= cfg.restMinAnswers && v.recall(s) >= cfg.restLevel;
  };
  const lowValueOf = (s: string): boolean => {
    const k = state.skills[s];
    if (!k || k.mastered) return false;
    // A student whose last PROGRESSING_RUN answers were all right is on the way to a verdict: not given up on.
    const progressing = k.m.run >= PROGRESSING_RUN;
    // giveUpAnswers answers without mastery: practice has shown little value, the teacher is the next step.
    if (k.run >= cfg.giveUpAnswers && !progressing) return true;
    // Good now after restSessions sessions of practice: spaced checks have not led to a verdict; paused.
    if (goodNow(s) && k.m.sessions >= cfg.restSessions) return true;
    // A plateau (state.ts EngineConfig.plateauAnswers): no progress over the last answers, some of them wrong,
    // at a good level already.
    if (cfg.plateauAnswers > 0 && k.stall >= cfg.plateauAnswers && k.run >= cfg.plateauMinAnswers && !progressing
      && v.recall(s) >= cfg.plateauLevel) return true;
    return cfg.valueHorizon > 0 && k.run >= cfg.minAnswers + 2 && v.toMastery(s) === Infinity;
  };
  return v;
}
