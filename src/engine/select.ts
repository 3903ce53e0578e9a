/**
 * The selection policy: which question comes next, and why, in words a student can read.
 *
 * Order of rules (the first that applies wins):
 *  1. student_choice: the student picked an open (or mastered) skill and the assignment allows it;
 *  2. remediation: a skill has `remediationErrors` wrong answers in a row: first step back to its weakest
 *     prerequisite (remediation_prerequisite), then offer a worked example (worked_example);
 *  3. review_due: a mastered skill's FSRS review is due (most overdue first);
 *  4. practice: interleave the first `maxOpenSkills` open skills (prerequisites mastered or unlocked) in
 *     prerequisite order, taking the one practised least recently (new_skill, new_skill_prereqs_mastered,
 *     practice_at_level);
 *  5. all_mastered (or no_items when open skills have no usable item).
 * Within a skill the item is the one whose predicted success is closest to `targetSuccess`, excluding the
 * last `noRepeatWindow` items; exact ties are broken with the injected rng.
 */
import { pCorrectItem } from './bkt.js';
import { isReviewDue } from './review.js';
import { type EngineConfig, type LearnerState, type ResolvedConfig, knownAt, paramsFor, resolveConfig, skillState } from './state.js';
import type { Rng } from './types.js';

/** An item as the engine sees it: nothing about its content. */
export interface BankItem {
  id: string;
  skills: readonly string[];
  /** Calibrated logit-scale difficulty (difficulty.ts); 0 or absent = average. */
  difficulty?: number;
}

/** A skill of the graph and the skills that must be mastered before it opens. */
export interface SkillNode {
  id: string;
  prerequisites: readonly string[];
}

/** The content an assignment draws from. */
export interface Bank {
  items: readonly BankItem[];
  skills: readonly SkillNode[];
}

/** A bank indexed once for fast selection (prepareBank); nextStep also accepts a plain Bank. */
export interface PreparedBank {
  prepared: true;
  /** Skills in prerequisite (topological) order, declaration order among equals. */
  skills: readonly SkillNode[];
  byId: ReadonlyMap<string, SkillNode>;
  itemsBySkill: ReadonlyMap<string, readonly BankItem[]>;
}

/** Stable codes of the reasons, for the UI to translate. */
export type ReasonCode =
  | 'student_choice' | 'remediation_prerequisite' | 'worked_example' | 'review_due' | 'new_skill'
  | 'new_skill_prereqs_mastered' | 'practice_at_level' | 'all_mastered' | 'no_items';

/** Why this step was chosen. */
export interface StepReason {
  code: ReasonCode;
  /** The skill the step is about. */
  skill: string | null;
  /** A second skill the reason names (the struggling skill of a prerequisite step, the prerequisites mastered). */
  related: readonly string[];
  /** English text for the student; the UI may translate from code + skill + related instead. */
  text: string;
}

/** The engine's decision. */
export interface NextStep {
  kind: 'question' | 'worked_example' | 'done';
  itemId: string | null;
  /** The skill being practised (or reviewed, or remediated). */
  skill: string | null;
  /** Predicted P(correct) of the item for this student, when an item is chosen. */
  predictedSuccess: number | null;
  /** On remediation steps, the struggling skill: copy it to Attempt.remediates. */
  remediates: string | null;
  reason: StepReason;
}

/** What the student asked for, if anything. */
export interface StepRequest {
  /** A skill the student chose to practise. */
  skill?: string;
}

/**
 * Index a bank: skills in topological order (Kahn's algorithm; skills named only on items or as
 * prerequisites are added without prerequisites) and items per skill. Throws on a prerequisite cycle.
 */
export function prepareBank(bank: Bank | PreparedBank): PreparedBank {
  if ('prepared' in bank) return bank;
  const nodes = new Map<string, SkillNode>();
  for (const s of bank.skills) nodes.set(s.id, s);
  for (const s of bank.skills) for (const p of s.prerequisites) if (!nodes.has(p)) nodes.set(p, { id: p, prerequisites: [] });
  for (const it of bank.items) for (const s of it.skills) if (!nodes.has(s)) nodes.set(s, { id: s, prerequisites: [] });
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes.values()) {
    indegree.set(n.id, new Set(n.prerequisites).size);
    for (const p of new Set(n.prerequisites)) (dependents.get(p) ?? dependents.set(p, []).get(p)!).push(n.id);
  }
  const order: SkillNode[] = [];
  const queue = [...nodes.values()].filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    order.push(nodes.get(id)!);
    for (const d of dependents.get(id) ?? []) {
      const left = indegree.get(d)! - 1;
      indegree.set(d, left);
      if (left === 0) queue.push(d);
    }
  }
  if (order.length !== nodes.size) {
    const stuck = [...nodes.keys()].filter((id) => indegree.get(id)! > 0);
    throw new Error(`skill graph has a prerequisite cycle among: ${stuck.join(', ')}`);
  }
  const itemsBySkill = new Map<string, BankItem[]>();
  for (const it of bank.items) for (const s of new Set(it.skills)) (itemsBySkill.get(s) ?? itemsBySkill.set(s, []).get(s)!).push(it);
  return { prepared: true, skills: order, byId: nodes, itemsBySkill };
}

/** English reason texts; the UI translates from the code. */
export function reasonText(code: ReasonCode, skill: string | null, related: readonly string[] = []): string {
  switch (code) {
    case 'student_choice': return `You chose to practise ${skill}.`;
    case 'remediation_prerequisite': return `A few answers on ${related[0]} went wrong, so let's strengthen ${skill}, which it builds on.`;
    case 'worked_example': return `A few answers on ${skill} went wrong, so here is a worked example to study.`;
    case 'review_due': return `Time to review ${skill}, so you keep what you mastered.`;
    case 'new_skill': return `Let's start ${skill}.`;
    case 'new_skill_prereqs_mastered': return `You have mastered ${related.join(', ')}, so you can start ${skill}.`;
    case 'practice_at_level': return `More practice on ${skill}, at a level that suits you.`;
    case 'all_mastered': return 'You have mastered every skill of this assignment.';
    case 'no_items': return 'There are no questions available for you right now.';
  }
}

function reason(code: ReasonCode, skill: string | null, related: readonly string[] = []): StepReason {
  return { code, skill, related, text: reasonText(code, skill, related) };
}

/** Per-call view of the student: which skills are in scope, mastered, open. */
interface View {
  state: LearnerState;
  bank: PreparedBank;
  cfg: ResolvedConfig;
  now: number;
  scope: ReadonlySet<string> | null;
  unlocked: ReadonlySet<string>;
  /** Per-call memos: each skill's openness and P(known) at `now` are computed once per decision. */
  open: Map<string, boolean>;
  known: Map<string, number>;
}

const inScope = (v: View, skill: string): boolean => v.scope === null || v.scope.has(skill);
const isMastered = (v: View, skill: string): boolean => v.state.skills[skill]?.mastered === true;

/** Open: in scope, not mastered, and every in-scope prerequisite mastered (or the skill unlocked). */
function isOpen(v: View, skill: string): boolean {
  let open = v.open.get(skill);
  if (open === undefined) {
    const node = v.bank.byId.get(skill);
    open = inScope(v, skill) && !isMastered(v, skill)
      && (v.unlocked.has(skill) || !node || node.prerequisites.every((p) => !inScope(v, p) || isMastered(v, p)));
    v.open.set(skill, open);
  }
  return open;
}

function knownNow(v: View, skill: string): number {
  let p = v.known.get(skill);
  if (p === undefined) v.known.set(skill, (p = knownAt(skillState(v.state, skill, v.cfg), v.now, v.cfg)));
  return p;
}

/** An item is usable if none of its skills is locked (in scope, not mastered, not open). */
function usable(v: View, item: BankItem): boolean {
  for (const s of item.skills) if (inScope(v, s) && !isMastered(v, s) && !isOpen(v, s)) return false;
  return true;
}

function predict(v: View, item: BankItem): number {
  const pk: number[] = [];
  const ps = [];
  for (const s of item.skills) {
    pk.push(knownNow(v, s));
    ps.push(paramsFor(v.cfg, s));
  }
  return pCorrectItem(pk, ps, item.difficulty ?? 0);
}

/**
 * The item of a skill to show: usable, not in the no-repeat window, predicted success closest to the target
 * (or the easiest, for worked examples). If every item was seen recently, the least recently seen one.
 */
function pickItem(v: View, skill: string, rng: Rng, mode: 'target' | 'easiest'): { item: BankItem; p: number } | null {
  const items = v.bank.itemsBySkill.get(skill);
  if (!items) return null;
  const recent = v.state.recent.slice(-v.cfg.noRepeatWindow);
  let best: BankItem[] = [];
  let bestScore = Infinity;
  let bestP = 0;
  let fallback: BankItem | null = null;
  let fallbackAge = Infinity;
  for (const it of items) {
    if (!usable(v, it)) continue;
    const seenAt = recent.lastIndexOf(it.id);
    if (seenAt >= 0) {
      if (seenAt < fallbackAge) { fallbackAge = seenAt; fallback = it; }
      continue;
    }
    const p = predict(v, it);
    const score = mode === 'target' ? Math.abs(p - v.cfg.targetSuccess) : -p;
    if (score < bestScore - 1e-12) { best = [it]; bestScore = score; bestP = p; }
    else if (score <= bestScore + 1e-12) best.push(it);
  }
  if (best.length > 0) {
    const item = best.length === 1 ? best[0]! : best[Math.min(Math.floor(rng() * best.length), best.length - 1)]!;
    return { item, p: best.length === 1 ? bestP : predict(v, item) };
  }
  return fallback ? { item: fallback, p: predict(v, fallback) } : null;
}

function step(kind: NextStep['kind'], pick: { item: BankItem; p: number } | null, skill: string | null, why: StepReason, remediates: string | null = null): NextStep {
  return { kind, itemId: pick?.item.id ?? null, skill, predictedSuccess: pick?.p ?? null, remediates, reason: why };
}

/**
 * Choose the next step for a student: a question (or a worked example) and the reason for it.
 * Pure: the same (state, bank, config, rng state, now, request) always gives the same step.
 */
export function nextStep(
  state: LearnerState,
  bank: Bank | PreparedBank,
  config: EngineConfig | ResolvedConfig,
  rng: Rng,
  now: number,
  request: StepRequest = {},
): NextStep {
  const cfg = resolveConfig(config);
  const v: View = {
    state, bank: prepareBank(bank), cfg, now,
    scope: cfg.skills ? new Set(cfg.skills) : null,
    unlocked: new Set(cfg.unlockedSkills),
    open: new Map(),
    known: new Map(),
  };
  const skills = v.bank.skills.filter((n) => inScope(v, n.id));

  if (request.skill && cfg.allowStudentChoice && inScope(v, request.skill)
      && (isOpen(v, request.skill) || isMastered(v, request.skill))) {
    const pick = pickItem(v, request.skill, rng, 'target');
    if (pick) return step('question', pick, request.skill, reason('student_choice', request.skill));
  }

  let struggling: string | null = null;
  let latest = -Infinity;
  for (const n of skills) {
    const s = state.skills[n.id];
    if (s && !s.mastered && s.wrongStreak >= cfg.remediationErrors && isOpen(v, n.id) && s.lastStep > latest) {
      struggling = n.id;
      latest = s.lastStep;
    }
  }
  if (struggling) {
    const s = state.skills[struggling]!;
    if (s.remediations === 0) {
      const prereqs = (v.bank.byId.get(struggling)?.prerequisites ?? []).filter((p) => v.bank.itemsBySkill.has(p));
      let weakest: string | null = null;
      let weakestP = Infinity;
      for (const p of prereqs) {
        const pk = knownNow(v, p);
        if (pk < weakestP) { weakest = p; weakestP = pk; }
      }
      if (weakest) {
        const pick = pickItem(v, weakest, rng, 'target');
        if (pick) return step('question', pick, weakest, reason('remediation_prerequisite', weakest, [struggling]), struggling);
      }
    }
    const pick = pickItem(v, struggling, rng, 'easiest');
    if (pick) return step('worked_example', pick, struggling, reason('worked_example', struggling), struggling);
  }

  let due: string | null = null;
  let dueAt = Infinity;
  for (const n of skills) {
    const s = state.skills[n.id];
    if (s?.mastered && s.review && isReviewDue(s.review, now) && s.review.due < dueAt) {
      due = n.id;
      dueAt = s.review.due;
    }
  }
  if (due) {
    const pick = pickItem(v, due, rng, 'target');
    if (pick) return step('question', pick, due, reason('review_due', due));
  }

  const active: string[] = [];
  let openWithoutItems = false;
  for (const n of skills) {
    if (!isOpen(v, n.id)) continue;
    if (!v.bank.itemsBySkill.get(n.id)?.some((it) => usable(v, it))) { openWithoutItems = true; continue; }
    active.push(n.id);
    if (active.length >= cfg.maxOpenSkills) break;
  }
  const candidates = active.length > 1 ? active.filter((id) => id !== state.lastSkill) : active;
  let chosen: string | null = null;
  let oldest = Infinity;
  for (const id of candidates) {
    const last = state.skills[id]?.lastStep ?? -1;
    if (last < oldest) { chosen = id; oldest = last; }
  }
  if (chosen) {
    const pick = pickItem(v, chosen, rng, 'target');
    const s = state.skills[chosen];
    const prereqs = (v.bank.byId.get(chosen)?.prerequisites ?? []).filter((p) => inScope(v, p));
    const allMastered = prereqs.length > 0 && prereqs.every((p) => isMastered(v, p));
    const why = s && s.answers > 0 ? reason('practice_at_level', chosen)
      : allMastered ? reason('new_skill_prereqs_mastered', chosen, prereqs) : reason('new_skill', chosen);
    return step('question', pick, chosen, why);
  }
  if (openWithoutItems || skills.some((n) => !isMastered(v, n.id))) return step('done', null, null, reason('no_items', null));
  return step('done', null, null, reason('all_mastered', null));
}
