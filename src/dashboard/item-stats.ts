/**
 * Item analysis (issue 16, item 4): per item of an assignment's pack, how often it is answered, how often
 * right on the first try, how well it separates students who do well elsewhere from those who do not
 * (point-biserial correlation of first-try correctness with the student's rest-score), which wrong choices
 * draw students, how long it takes, and flags for items that look broken. Pure: no I/O. The SQL layer
 * (analysis.repository.ts) hands in the same sums `aggregate()` computes from raw observations, so a
 * course of 60 000 answers never travels to Node.
 *
 * Rest-score: the student's first-try correct rate on all their OTHER first tries in the course
 * (adaptive practice gives students different items, so a rate, not a count). A student with a single
 * first try has no rest-score and adds nothing to the correlation.
 */

/** One first try of one student on one item. */
export interface ItemObservation {
  userId: string;
  itemId: string;
  correct: boolean;
  /** Milliseconds from showing the question to the answer, when measured. */
  timeMs: number | null;
  /** For choice items: the choice ids picked (one for single choice). */
  choices?: readonly string[] | null;
}

/**
 * Sums of one item's (x, r) pairs, x = first-try correct (0/1), r = the student's rest-score: all a Pearson
 * correlation needs (x² = x for a 0/1 variable).
 */
export interface Moments {
  /** Pairs with a rest-score. */
  n: number;
  sx: number;
  sr: number;
  srr: number;
  sxr: number;
}

/** Everything measured about one item in one course. */
export interface ItemAggregate {
  itemId: string;
  /** First tries. */
  attempts: number;
  /** Of them correct. */
  correct: number;
  /** Distinct students who answered it. */
  students: number;
  moments: Moments;
  medianTimeMs: number | null;
  /** Times each choice id was picked on a first try (choice items). */
  choiceCounts: Record<string, number>;
}

export const EMPTY_MOMENTS: Moments = Object.freeze({ n: 0, sx: 0, sr: 0, srr: 0, sxr: 0 });

/** The median of some numbers (mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Pearson correlation of the 0/1 first-try correctness with the rest-score (the point-biserial
 * correlation), from the sums. Null when it is undefined: fewer than 3 pairs, or either variable constant
 * (everyone right or everyone wrong; every student with the same rest-score).
 */
export function pointBiserial(m: Moments): number | null {
  if (m.n < 3) return null;
  const cov = m.n * m.sxr - m.sx * m.sr;
  const vx = m.n * m.sx - m.sx * m.sx;
  const vr = m.n * m.srr - m.sr * m.sr;
  // Sums of floats: a constant variable may leave a rounding residue instead of an exact 0.
  if (vx <= 1e-9 || vr <= 1e-9 * Math.max(1, m.n * m.srr)) return null;
  const r = cov / Math.sqrt(vx * vr);
  return Math.max(-1, Math.min(1, r));
}

/** Raw first tries -> one aggregate per item (the reference the SQL sums are checked against). */
export function aggregate(observations: readonly ItemObservation[]): Map<string, ItemAggregate> {
  const perStudent = new Map<string, { c: number; n: number }>();
  for (const o of observations) {
    const s = perStudent.get(o.userId) ?? { c: 0, n: 0 };
    s.c += o.correct ? 1 : 0;
    s.n += 1;
    perStudent.set(o.userId, s);
  }
  const out = new Map<string, ItemAggregate & { times: number[]; users: Set<string> }>();
  for (const o of observations) {
    let a = out.get(o.itemId);
    if (!a) {
      a = { itemId: o.itemId, attempts: 0, correct: 0, students: 0, moments: { ...EMPTY_MOMENTS }, medianTimeMs: null, choiceCounts: {}, times: [], users: new Set() };
      out.set(o.itemId, a);
    }
    const x = o.correct ? 1 : 0;
    a.attempts += 1;
    a.correct += x;
    a.users.add(o.userId);
    if (o.timeMs !== null && o.timeMs >= 0) a.times.push(o.timeMs);
    for (const c of o.choices ?? []) a.choiceCounts[c] = (a.choiceCounts[c] ?? 0) + 1;
    const s = perStudent.get(o.userId)!;
    if (s.n > 1) {
      const r = (s.c - x) / (s.n - 1);
      a.moments.n += 1;
      a.moments.sx += x;
      a.moments.sr += r;
      a.moments.srr += r * r;
      a.moments.sxr += x * r;
    }
  }
  const result = new Map<string, ItemAggregate>();
  for (const [id, a] of out) {
    const { times, users, ...rest } = a;
    result.set(id, { ...rest, students: users.size, medianTimeMs: median(times) });
  }
  return result;
}

/** What the analysis needs to know about an item of the pack. */
export interface ItemMeta {
  id: string;
  /** The item type (single_choice, numeric, ...). */
  type: string;
  skills: readonly string[];
  /** The author's difficulty (logits), 0 when none was given. */
  authoredDifficulty: number;
  /** The tenant's calibrated difficulty (item_stats), already bounded around the authored one. */
  calibrated: { difficulty: number; answers: number } | null;
  /** Choice items: their choices, right ones marked. */
  choices?: readonly { id: string; correct: boolean }[];
}

export type ItemFlagCode = 'too_few' | 'all_wrong' | 'negative_discrimination' | 'distractor_over_key';

/** Why an item looks broken (a message code with parameters, translated in the view). */
export interface ItemFlag {
  code: ItemFlagCode;
  params?: Record<string, string | number>;
}

/** One line of the item analysis. */
export interface ItemAnalysis {
  itemId: string;
  type: string;
  skills: readonly string[];
  attempts: number;
  students: number;
  /** First-try correct rate in [0, 1]; null before any answer. */
  firstTryCorrect: number | null;
  authoredDifficulty: number;
  calibratedDifficulty: number | null;
  /** calibrated - authored (logits); null when not calibrated yet. */
  drift: number | null;
  /** Point-biserial with the rest-score; null when undefined (see pointBiserial). */
  discrimination: number | null;
  medianTimeMs: number | null;
  /** Choice items: every choice with its first-try count, the key(s) marked. */
  choices: { id: string; correct: boolean; count: number }[] | null;
  flags: ItemFlag[];
}

/** Thresholds of the flags. */
export interface FlagOptions {
  /** First tries below which nothing but "too few answers to tell" is said (default 20). */
  minAttempts?: number;
  /** A first-try correct rate at or below this is "(almost) everyone wrong" (default 0.05). */
  allWrongRate?: number;
  /** Discrimination below this is flagged as negative (default 0, i.e. any negative value). */
  negativeBelow?: number;
}

export const DEFAULT_MIN_ATTEMPTS = 20;

/**
 * The flags of one analysed item. With fewer than `minAttempts` first tries only `too_few` is said (a
 * handful of answers can look like anything). Otherwise: everyone (or nearly) wrong; a negative
 * discrimination (students who do well elsewhere get it wrong more often: a wrong key or a misleading
 * stem); a distractor picked more often than the key (for multiple choice: than the least-picked key).
 */
export function flagsOf(row: Omit<ItemAnalysis, 'flags'>, options: FlagOptions = {}): ItemFlag[] {
  const min = options.minAttempts ?? DEFAULT_MIN_ATTEMPTS;
  if (row.attempts < min) return [{ code: 'too_few', params: { n: row.attempts, min } }];
  const flags: ItemFlag[] = [];
  if (row.firstTryCorrect !== null && row.firstTryCorrect <= (options.allWrongRate ?? 0.05)) {
    flags.push({ code: 'all_wrong', params: { pct: Math.round(row.firstTryCorrect * 100) } });
  }
  if (row.discrimination !== null && row.discrimination < (options.negativeBelow ?? 0)) {
    flags.push({ code: 'negative_discrimination', params: { r: row.discrimination.toFixed(2) } });
  }
  if (row.choices) {
    const keys = row.choices.filter((c) => c.correct);
    if (keys.length) {
      const keyCount = Math.min(...keys.map((k) => k.count));
      const over = row.choices.filter((c) => !c.correct && c.count > keyCount).sort((a, b) => b.count - a.count);
      if (over.length) flags.push({ code: 'distractor_over_key', params: { choice: over[0].id, n: over[0].count, key: keyCount } });
    }
  }
  return flags;
}

/**
 * The analysis of every listed item from the course's aggregates (an item nobody answered gets a line with
 * zero attempts and the "too few" flag).
 */
export function analyseItems(items: readonly ItemMeta[], aggregates: ReadonlyMap<string, ItemAggregate>, options: FlagOptions = {}): ItemAnalysis[] {
  return items.map((item) => {
    const a = aggregates.get(item.id);
    const attempts = a?.attempts ?? 0;
    const calibrated = item.calibrated ? item.calibrated.difficulty : null;
    const row: Omit<ItemAnalysis, 'flags'> = {
      itemId: item.id,
      type: item.type,
      skills: item.skills,
      attempts,
      students: a?.students ?? 0,
      firstTryCorrect: attempts ? a!.correct / attempts : null,
      authoredDifficulty: item.authoredDifficulty,
      calibratedDifficulty: calibrated,
      drift: calibrated === null ? null : calibrated - item.authoredDifficulty,
      discrimination: a ? pointBiserial(a.moments) : null,
      medianTimeMs: a?.medianTimeMs ?? null,
      choices: item.choices ? item.choices.map((c) => ({ id: c.id, correct: c.correct, count: a?.choiceCounts[c.id] ?? 0 })) : null,
    };
    return { ...row, flags: flagsOf(row, options) };
  });
}

export const SORT_KEYS = ['flags', 'item', 'attempts', 'correct', 'difficulty', 'drift', 'discrimination', 'time'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

/** How bad an item looks, for the default order: broken first, then "too few", then fine. */
function severity(r: ItemAnalysis): number {
  const real = r.flags.filter((f) => f.code !== 'too_few').length;
  return real ? 2 + real : r.flags.length ? 1 : 0;
}

const value = (r: ItemAnalysis, key: SortKey): number | string | null => {
  switch (key) {
    case 'flags': return severity(r);
    case 'item': return r.itemId;
    case 'attempts': return r.attempts;
    case 'correct': return r.firstTryCorrect;
    case 'difficulty': return r.calibratedDifficulty ?? r.authoredDifficulty;
    case 'drift': return r.drift === null ? null : Math.abs(r.drift);
    case 'discrimination': return r.discrimination;
    case 'time': return r.medianTimeMs;
  }
};

/**
 * The rows sorted by one column (a stable sort; ties keep the pack's order). Missing values (no answers, no
 * discrimination) always go last, whichever the direction.
 */
export function sortAnalyses(rows: readonly ItemAnalysis[], key: SortKey, dir: SortDir): ItemAnalysis[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: value(r, key) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c = typeof a.v === 'string' ? a.v.localeCompare(b.v as string) : a.v - (b.v as number);
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}
