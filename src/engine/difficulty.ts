/**
 * Item difficulty that cannot corrupt mastery. An item's difficulty d (logits; 0 = the skill's average item)
 * is an offset of the learner model's prediction, logit P(correct) = z_student,skill - d, and:
 *  - it is estimated from the residuals of predictions that include the student's ability (the live model),
 *    never against a model's own over-confident P(known): a strong class makes items look easy only as far
 *    as their abilities do not already explain it;
 *  - it is the running MAP estimate under a Normal prior centred on the AUTHORED difficulty, so a few answers
 *    move it little (priorSd 0.5 logits: ~16 answers move it half way to what they suggest);
 *  - it is bounded to authored ± maxDrift (1.5 logits) however many answers come;
 *  - mastery is judged on an AVERAGE item (d = 0), so calibration changes which items are chosen and how
 *    much one answer says, never the bar a skill must pass.
 * Offline (model refit) the difficulties are re-estimated jointly with the students' abilities by
 * fitItemDifficulties (learner-fit.ts); `itemDrift` reports how far each moved.
 *
 * Difficulties are shared by all students, so they are not part of a learner's state: the caller keeps one
 * ItemStat per item, passes `difficulty` in the bank to nextStep, and stores the difficulty used on each
 * attempt so replay stays exact.
 */

/** The calibration of one item. */
export interface ItemStat {
  /** Logit-scale difficulty: 0 is the skill's average item, +1 is markedly harder. */
  difficulty: number;
  /** Answers this estimate has seen. */
  answers: number;
}

/** Options of the calibration. */
export interface CalibrationOptions {
  /** Prior standard deviation around the authored difficulty (default 0.5 logits). */
  priorSd?: number;
  /** Largest drift from the authored difficulty (default 1.5 logits). */
  maxDrift?: number;
  /** Fisher information of one answer, p(1 - p), taken at a typical p = 0.75 (default 0.19). */
  info?: number;
}

/** @deprecated name of the options of the old Elo calibration. */
export type EloOptions = CalibrationOptions;

/** A new item: average difficulty, no answers. */
export const NEW_ITEM: ItemStat = Object.freeze({ difficulty: 0, answers: 0 });

/** Default bound of the drift. */
export const MAX_DRIFT = 1.5;

/** The step size of the n+1-th answer: 1 / (prior precision + information of n + 1 answers). */
export function eloStep(answers: number, options: CalibrationOptions = {}): number {
  const prec = 1 / (options.priorSd ?? 0.5) ** 2;
  return 1 / (prec + (options.info ?? 0.19) * (answers + 1));
}

/** Clamp a difficulty to authored ± maxDrift. */
export function boundDifficulty(d: number, authored = 0, maxDrift = MAX_DRIFT): number {
  return Math.min(Math.max(d, authored - maxDrift), authored + maxDrift);
}

/**
 * Update an item's difficulty after one answer. `predicted` is the live model's P(correct) for this student
 * on this item (its ability and the item's current difficulty included); `observed` is 1/0 or a partial
 * score. The result is the running MAP estimate: with R the sum of residuals (predicted - observed) and I
 * the information of the answers, d = authored + R / (precision + I); it is bounded to authored ± maxDrift.
 */
export function calibrateItem(
  stat: ItemStat | undefined,
  predicted: number,
  observed: boolean | number,
  authored = 0,
  options: CalibrationOptions = {},
): ItemStat {
  const s = stat ?? { difficulty: authored, answers: 0 };
  const o = typeof observed === 'number' ? observed : observed ? 1 : 0;
  const prec = 1 / (options.priorSd ?? 0.5) ** 2;
  const info = options.info ?? 0.19;
  const before = prec + info * s.answers;
  const residuals = (s.difficulty - authored) * before;
  const d = authored + (residuals + (predicted - o)) / (before + info);
  return { difficulty: boundDifficulty(d, authored, options.maxDrift ?? MAX_DRIFT), answers: s.answers + 1 };
}

/** How far an item's calibrated difficulty moved from its authored one. */
export interface ItemDriftReport {
  itemId: string;
  authored: number;
  difficulty: number;
  drift: number;
  answers: number;
  atBound: boolean;
}

/** Drift per item (largest first), for instructors and the refit report. */
export function itemDrift(
  items: readonly { id: string; difficulty?: number }[],
  stats: ReadonlyMap<string, ItemStat>,
  maxDrift = MAX_DRIFT,
): ItemDriftReport[] {
  const out: ItemDriftReport[] = [];
  for (const it of items) {
    const st = stats.get(it.id);
    if (!st) continue;
    const a = it.difficulty ?? 0;
    const d = boundDifficulty(st.difficulty, a, maxDrift);
    out.push({ itemId: it.id, authored: a, difficulty: d, drift: d - a, answers: st.answers, atBound: Math.abs(d - a) >= maxDrift - 1e-9 });
  }
  return out.sort((x, y) => Math.abs(y.drift) - Math.abs(x.drift));
}
