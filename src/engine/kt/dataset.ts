/**
 * Packed answer logs for knowledge tracing. One dataset holds every answer of every student as parallel typed
 * arrays (no per-answer objects), students contiguous and each student's answers in the order given.
 */

/** Answers of many students, packed once into typed arrays. */
export interface KtDataset {
  /** Offsets of each student's answers: student s owns answers studentStart[s] .. studentStart[s+1]-1. */
  readonly studentStart: Int32Array;
  /** Skill index of each answer (an index into `skills`). */
  readonly skill: Int32Array;
  /** 1 for a correct answer, 0 otherwise. */
  readonly correct: Uint8Array;
  /** Item index of each answer (an index into `items`), or -1 when the item is unknown. */
  readonly item: Int32Array;
  /** External id of each skill index. */
  readonly skills: readonly string[];
  /** External id of each item index (empty when the log has no items). */
  readonly items: readonly string[];
  /** External id of each student. */
  readonly students: readonly string[];
  /**
   * Known difficulty of each answer's item in logits (the live model's offset: logit P = z - offset), when the
   * log has one (a tenant's log: authored or calibrated difficulty). Absent: 0 everywhere (ASSISTments).
   */
  readonly offset?: Float64Array;
}

/** Number of students of a dataset. */
export function studentCount(ds: KtDataset): number {
  return ds.studentStart.length - 1;
}

/** Number of answers of a dataset. */
export function answerCount(ds: KtDataset): number {
  return ds.correct.length;
}

/**
 * Incremental packer: feed answers in order (students contiguous), then `build()`. Skill and item ids may be
 * pre-registered (e.g. a test set packed with the training set's skill numbering) so indices agree.
 */
export class DatasetBuilder {
  private readonly skillIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly skillIds: string[] = [];
  private readonly itemIds: string[] = [];
  private readonly studentIds: string[] = [];
  private starts: number[] = [];
  private skillArr = new Int32Array(1024);
  private itemArr = new Int32Array(1024);
  private correctArr = new Uint8Array(1024);
  private n = 0;
  private lastStudent: string | undefined;

  constructor(knownSkills: readonly string[] = [], knownItems: readonly string[] = []) {
    for (const s of knownSkills) this.indexOf(this.skillIndex, this.skillIds, s);
    for (const i of knownItems) this.indexOf(this.itemIndex, this.itemIds, i);
  }

  private indexOf(map: Map<string, number>, ids: string[], id: string): number {
    let k = map.get(id);
    if (k === undefined) {
      k = ids.length;
      map.set(id, k);
      ids.push(id);
    }
    return k;
  }

  /** Appends one answer. A student id different from the previous answer's starts a new student sequence. */
  add(student: string, skill: string, correct: boolean | number, item?: string): void {
    if (student !== this.lastStudent) {
      this.starts.push(this.n);
      this.studentIds.push(student);
      this.lastStudent = student;
    }
    if (this.n === this.correctArr.length) {
      const cap = this.n * 2;
      const s = new Int32Array(cap);
      s.set(this.skillArr);
      this.skillArr = s;
      const it = new Int32Array(cap);
      it.set(this.itemArr);
      this.itemArr = it;
      const c = new Uint8Array(cap);
      c.set(this.correctArr);
      this.correctArr = c;
    }
    this.skillArr[this.n] = this.indexOf(this.skillIndex, this.skillIds, skill);
    this.itemArr[this.n] =
      item === undefined || item === '' ? -1 : this.indexOf(this.itemIndex, this.itemIds, item);
    this.correctArr[this.n] = correct === true || correct === 1 ? 1 : 0;
    this.n++;
  }

  /** Freezes the answers fed so far into a dataset. */
  build(): KtDataset {
    const studentStart = new Int32Array(this.starts.length + 1);
    studentStart.set(this.starts);
    studentStart[this.starts.length] = this.n;
    return {
      studentStart,
      skill: this.skillArr.slice(0, this.n),
      correct: this.correctArr.slice(0, this.n),
      item: this.itemArr.slice(0, this.n),
      skills: this.skillIds.slice(),
      items: this.itemIds.slice(),
      students: this.studentIds.slice(),
    };
  }
}

/** Packs plain answer records (convenient for tests and small logs). */
export function packAnswers(
  rows: Iterable<{ student: string; skill: string; correct: boolean | number; item?: string }>,
  knownSkills: readonly string[] = [],
  knownItems: readonly string[] = [],
): KtDataset {
  const b = new DatasetBuilder(knownSkills, knownItems);
  for (const r of rows) b.add(r.student, r.skill, r.correct, r.item);
  return b.build();
}

/** The sub-dataset of the given students (in the given order); skill and item numbering is kept. */
export function selectStudents(ds: KtDataset, students: ArrayLike<number>): KtDataset {
  let total = 0;
  for (let i = 0; i < students.length; i++) {
    const s = students[i]!;
    total += ds.studentStart[s + 1]! - ds.studentStart[s]!;
  }
  const studentStart = new Int32Array(students.length + 1);
  const skill = new Int32Array(total);
  const correct = new Uint8Array(total);
  const item = new Int32Array(total);
  const offset = ds.offset ? new Float64Array(total) : undefined;
  const ids: string[] = [];
  let o = 0;
  for (let i = 0; i < students.length; i++) {
    const s = students[i]!;
    const a = ds.studentStart[s]!;
    const b = ds.studentStart[s + 1]!;
    studentStart[i] = o;
    skill.set(ds.skill.subarray(a, b), o);
    correct.set(ds.correct.subarray(a, b), o);
    item.set(ds.item.subarray(a, b), o);
    if (offset) offset.set(ds.offset!.subarray(a, b), o);
    ids.push(ds.students[s]!);
    o += b - a;
  }
  studentStart[students.length] = o;
  return { studentStart, skill, correct, item, skills: ds.skills, items: ds.items, students: ids, ...(offset ? { offset } : {}) };
}

/**
 * Assigns each student to one of k folds at random (seeded), balanced in student count.
 * Returns the fold number of each student.
 */
export function studentFolds(nStudents: number, k: number, rng: () => number): Int32Array {
  const order = new Int32Array(nStudents);
  for (let i = 0; i < nStudents; i++) order[i] = i;
  for (let i = nStudents - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const fold = new Int32Array(nStudents);
  for (let i = 0; i < nStudents; i++) fold[order[i]!] = i % k;
  return fold;
}

/** Splits a dataset into (train, test) for fold f of a student fold assignment. */
export function splitFold(ds: KtDataset, fold: Int32Array, f: number): { train: KtDataset; test: KtDataset } {
  const tr: number[] = [];
  const te: number[] = [];
  for (let s = 0; s < fold.length; s++) (fold[s] === f ? te : tr).push(s);
  return { train: selectStudents(ds, tr), test: selectStudents(ds, te) };
}
