import type pg from 'pg';
import { DEMO_COURSE, DEMO_USERS, ROLE_URIS, type SandboxUser } from './demo.js';
import { SandboxTokenEndpoint } from './token-endpoint.js';

/** Scopes the sandbox can grant (AGS 2.0 §3.1, NRPS 2.0 §3.6). */
export const SANDBOX_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

/** Fault knobs: how the sandbox misbehaves on its token, AGS and NRPS endpoints. */
export interface Faults {
  /** Answer this share (0..100) of calls with 500. */
  failPercent: number;
  /** Answer every call with 500 until this time (epoch ms); 0 = up. */
  downUntil: number;
  /** Answer the next N calls with 429 and Retry-After. */
  tooManyNext: number;
  /** Retry-After seconds sent with 429. */
  retryAfterS: number;
  /** Delay every answer by this many ms. */
  delayMs: number;
  /** Answer the next N JSON calls the tool parses (token, line items, memberships) with a broken body. */
  malformedNext: number;
  /**
   * Moodle's score timestamp rule instead of Canvas's: a score is refused with 409 unless its timestamp's
   * WHOLE SECOND is later than the stored one's (Moodle's scores.php compares strtotime values).
   */
  wholeSecondTimestamps: boolean;
}

export const NO_FAULTS: Faults = { failPercent: 0, downUntil: 0, tooManyNext: 0, retryAfterS: 1, delayMs: 0, malformedNext: 0, wholeSecondTimestamps: false };

/** Counters the tests and the benchmark read. */
export interface SandboxStats {
  tokenRequests: number;
  scorePosts: number;
  scoreRejects: number;
  lineItemCreates: number;
  membershipPages: number;
  faultsServed: number;
}

/** One call the sandbox answered (kept for the last few thousand; tests check timing around a 429). */
export interface CallRecord {
  /** When the call came in and when it was answered (epoch ms). */
  startedAt: number;
  at: number;
  method: string;
  kind: 'token' | 'lineitems' | 'lineitem' | 'scores' | 'results' | 'memberships';
  status: number;
}

export interface LineItemRow {
  id: string;
  context_id: string;
  label: string;
  score_maximum: number;
  resource_id: string | null;
  resource_link_id: string | null;
  tag: string | null;
  start_date_time: string | null;
  end_date_time: string | null;
}

/**
 * The LMS side of AGS and NRPS in the sandbox: an OAuth token endpoint that checks the tool's client
 * assertion against the tool's JWKS, line items and scores kept in PostgreSQL (sandbox_* tables), the
 * course roster, and fault knobs. Behaves like Canvas where Canvas is strict: increasing timestamps,
 * scoreMaximum with scoreGiven, only students get scores, only FullyGraded/PendingManual record a result.
 */
export class SandboxLms {
  faults: Faults = { ...NO_FAULTS };
  stats: SandboxStats = { tokenRequests: 0, scorePosts: 0, scoreRejects: 0, lineItemCreates: 0, membershipPages: 0, faultsServed: 0 };
  calls: CallRecord[] = [];
  /** The last scores refused, with why (shown on the gradebook page; tests print them). */
  rejects: { at: number; userId: unknown; status: number; error: string }[] = [];
  /** Scopes the sandbox grants to the tool; remove one to test a denied scope. */
  grantedScopes = new Set(SANDBOX_SCOPES);
  /** Lifetime of the access tokens it issues. */
  tokenTtlS = 3600;
  /** The most members one NRPS page holds (Schoology: 100). */
  maxPageSize = 100;
  /** Extra students beyond the demo users (tests and the benchmark add many). */
  extraMembers: SandboxUser[] = [];
  private readonly tokens: SandboxTokenEndpoint;

  constructor(readonly db: pg.Pool, readonly opts: { issuer: string; publicUrl: string; clientId: string }) {
    this.tokens = new SandboxTokenEndpoint(opts);
    // SANDBOX_STUDENTS=N (npm run soak): the same N synthetic students in every web process and after a
    // restart (those added through the control API live in one process's memory only).
    const extra = Number(process.env.SANDBOX_STUDENTS ?? 0);
    if (Number.isInteger(extra) && extra > 0) this.addStudents(Math.min(extra, 100_000));
  }

  get tokenUrl(): string {
    return `${this.opts.issuer}/token`;
  }

  lineItemsUrl(contextId: string): string {
    return `${this.opts.issuer}/api/contexts/${encodeURIComponent(contextId)}/lineitems`;
  }

  lineItemUrl(contextId: string, id: string | number): string {
    return `${this.lineItemsUrl(contextId)}/${id}`;
  }

  /** Back to a healthy, empty gradebook (tests call it through POST /sandbox/control/reset). */
  async reset(opts: { keepLineItems?: boolean } = {}): Promise<void> {
    this.faults = { ...NO_FAULTS };
    this.stats = { tokenRequests: 0, scorePosts: 0, scoreRejects: 0, lineItemCreates: 0, membershipPages: 0, faultsServed: 0 };
    this.calls = [];
    this.rejects = [];
    this.grantedScopes = new Set(SANDBOX_SCOPES);
    this.tokenTtlS = 3600;
    this.maxPageSize = 100;
    if (!opts.keepLineItems) await this.db.query('DELETE FROM sandbox_line_items');
    else await this.db.query('DELETE FROM sandbox_scores');
  }

  setFaults(patch: Partial<Faults>): Faults {
    const n = (v: unknown, min: number, max: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : undefined);
    const f = this.faults;
    this.faults = {
      failPercent: n(patch.failPercent, 0, 100) ?? f.failPercent,
      downUntil: n(patch.downUntil, 0, Number.MAX_SAFE_INTEGER) ?? f.downUntil,
      tooManyNext: n(patch.tooManyNext, 0, 1e6) ?? f.tooManyNext,
      retryAfterS: n(patch.retryAfterS, 0, 3600) ?? f.retryAfterS,
      delayMs: n(patch.delayMs, 0, 60_000) ?? f.delayMs,
      malformedNext: n(patch.malformedNext, 0, 1e6) ?? f.malformedNext,
      wholeSecondTimestamps: typeof patch.wholeSecondTimestamps === 'boolean' ? patch.wholeSecondTimestamps : f.wholeSecondTimestamps,
    };
    return this.faults;
  }

  record(c: CallRecord): void {
    this.calls.push(c);
    if (this.calls.length > 20_000) this.calls.splice(0, this.calls.length - 10_000);
  }

  /** Everyone in the demo course, demo users first. */
  members(): SandboxUser[] {
    return [...DEMO_USERS, ...this.extraMembers];
  }

  /** Adds n synthetic students (ids `sandbox-extra-<k>`) to the course roster. */
  addStudents(n: number): SandboxUser[] {
    const start = this.extraMembers.length;
    const added: SandboxUser[] = [];
    for (let i = 0; i < n; i++) {
      const k = start + i + 1;
      added.push({ id: `sandbox-extra-${k}`, name: `Student ${k}`, givenName: 'Student', familyName: String(k), email: `student${k}@demo.school`, role: 'student', locale: 'en' });
    }
    this.extraMembers.push(...added);
    this.studentIds = undefined;
    return added;
  }

  private studentIds: Set<string> | undefined;
  isStudent(userId: string): boolean {
    this.studentIds ??= new Set(this.members().filter((u) => u.role === 'student').map((u) => u.id));
    return this.studentIds.has(userId);
  }

  rolesOf(u: SandboxUser): string[] {
    return ROLE_URIS[u.role];
  }

  get courseId(): string {
    return DEMO_COURSE.id;
  }

  /** The token endpoint (./token-endpoint.ts) with this sandbox's granted scopes and token lifetime. */
  async issueToken(form: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    this.stats.tokenRequests++;
    return this.tokens.issue(form, this.grantedScopes, this.tokenTtlS);
  }

  /** Invalidates every access token issued so far (the next call with one gets 401). */
  revokeTokens(): void {
    this.tokens.revoke();
  }

  /** The scopes of a bearer token, or undefined when it is missing, forged or expired. */
  tokenScopes(authorization: string | undefined): Promise<string[] | undefined> {
    return this.tokens.scopes(authorization);
  }

  async listLineItems(contextId: string, f: { resourceLinkId?: string; resourceId?: string; tag?: string }): Promise<LineItemRow[]> {
    const { rows } = await this.db.query<LineItemRow>(
      `SELECT * FROM sandbox_line_items WHERE context_id = $1 AND ($2::text IS NULL OR resource_link_id = $2)
       AND ($3::text IS NULL OR resource_id = $3) AND ($4::text IS NULL OR tag = $4) ORDER BY id`,
      [contextId, f.resourceLinkId ?? null, f.resourceId ?? null, f.tag ?? null],
    );
    return rows;
  }

  async getLineItem(contextId: string, id: string): Promise<LineItemRow | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const { rows } = await this.db.query<LineItemRow>({ name: 'sandbox_line_item', text: 'SELECT * FROM sandbox_line_items WHERE context_id = $1 AND id = $2', values: [contextId, id] });
    return rows[0];
  }

  toJson(li: LineItemRow): Record<string, unknown> {
    return {
      id: this.lineItemUrl(li.context_id, li.id),
      label: li.label,
      scoreMaximum: li.score_maximum,
      ...(li.resource_id !== null ? { resourceId: li.resource_id } : {}),
      ...(li.resource_link_id !== null ? { resourceLinkId: li.resource_link_id } : {}),
      ...(li.tag !== null ? { tag: li.tag } : {}),
      ...(li.start_date_time ? { startDateTime: li.start_date_time } : {}),
      ...(li.end_date_time ? { endDateTime: li.end_date_time } : {}),
    };
  }

  /** Validates a line item body (AGS 2.0 §3.2.6: label and a positive scoreMaximum are required). */
  lineItemInput(b: Record<string, unknown>): { error?: string; value?: Omit<LineItemRow, 'id' | 'context_id'> } {
    if (typeof b.label !== 'string' || !b.label.trim()) return { error: 'label is required' };
    if (typeof b.scoreMaximum !== 'number' || !(b.scoreMaximum > 0)) return { error: 'scoreMaximum must be a number > 0' };
    const opt = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : null);
    return {
      value: {
        label: b.label.slice(0, 255),
        score_maximum: b.scoreMaximum,
        resource_id: opt('resourceId'),
        resource_link_id: opt('resourceLinkId'),
        tag: opt('tag'),
        start_date_time: opt('startDateTime'),
        end_date_time: opt('endDateTime'),
      },
    };
  }

  async createLineItem(contextId: string, v: Omit<LineItemRow, 'id' | 'context_id'>): Promise<LineItemRow> {
    this.stats.lineItemCreates++;
    const { rows } = await this.db.query<LineItemRow>(
      `INSERT INTO sandbox_line_items(context_id, label, score_maximum, resource_id, resource_link_id, tag, start_date_time, end_date_time)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING *`,
      [contextId, v.label, v.score_maximum, v.resource_id, v.resource_link_id, v.tag, v.start_date_time, v.end_date_time],
    );
    return rows[0];
  }

  async updateLineItem(contextId: string, id: string, v: Omit<LineItemRow, 'id' | 'context_id'>): Promise<LineItemRow | undefined> {
    const { rows } = await this.db.query<LineItemRow>(
      `UPDATE sandbox_line_items SET label = $3, score_maximum = $4, resource_id = $5, resource_link_id = COALESCE($6, resource_link_id), tag = $7,
         start_date_time = $8, end_date_time = $9 WHERE context_id = $1 AND id = $2 RETURNING *`,
      [contextId, id, v.label, v.score_maximum, v.resource_id, v.resource_link_id, v.tag, v.start_date_time, v.end_date_time],
    );
    return rows[0];
  }

  async deleteLineItem(contextId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM sandbox_line_items WHERE context_id = $1 AND id = $2', [contextId, id]);
    return Boolean(rowCount);
  }

  /**
   * Records a score (AGS 2.0 §3.4) with Canvas's rules: userId must be a student of the course (422),
   * activityProgress/gradingProgress required, scoreMaximum required with scoreGiven, and the timestamp
   * must be later than the previous score's for this (line item, user), else 400. With the
   * wholeSecondTimestamps knob, Moodle's rule instead: later in whole seconds, else 409.
   */
  async postScore(li: LineItemRow, b: Record<string, unknown>): Promise<{ status: number; error?: string }> {
    const reject = (status: number, error: string) => {
      this.stats.scoreRejects++;
      this.rejects.push({ at: Date.now(), userId: b.userId, status, error });
      if (this.rejects.length > 200) this.rejects.shift();
      return { status, error };
    };
    if (typeof b.userId !== 'string' || !b.userId) return reject(400, 'userId is required');
    if (!this.isStudent(b.userId)) return reject(422, 'User not found in course or is not a student');
    const ACT = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
    const GRD = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];
    if (!ACT.includes(b.activityProgress as string)) return reject(400, 'activityProgress is missing or invalid');
    if (!GRD.includes(b.gradingProgress as string)) return reject(400, 'gradingProgress is missing or invalid');
    if (typeof b.timestamp !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(b.timestamp) || Number.isNaN(Date.parse(b.timestamp))) return reject(400, 'timestamp is missing or not ISO 8601');
    if (b.scoreGiven !== undefined && b.scoreGiven !== null) {
      if (typeof b.scoreGiven !== 'number' || b.scoreGiven < 0) return reject(400, 'scoreGiven must be a number >= 0');
      if (typeof b.scoreMaximum !== 'number' || !(b.scoreMaximum > 0)) return reject(400, 'ScoreMaximum must be present when scoreGiven is');
    }
    const sub = b['https://canvas.instructure.com/lti/submission'] as { new_submission?: unknown } | undefined;
    const seconds = this.faults.wholeSecondTimestamps;
    // One statement: stored only if later than every earlier score of this (line item, user), in
    // milliseconds (Canvas) or in whole seconds (Moodle: its grade keeps strtotime() of the timestamp).
    const { rowCount } = await this.db.query({
      name: seconds ? 'sandbox_score_insert_s' : 'sandbox_score_insert',
      text: `INSERT INTO sandbox_scores(line_item_id, user_id, score_given, score_maximum, activity_progress, grading_progress, comment, ts, ts_text, new_submission)
       SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10
       WHERE NOT EXISTS (SELECT 1 FROM sandbox_scores WHERE line_item_id = $1 AND user_id = $2 AND ${
         seconds ? "floor(extract(epoch FROM ts)) >= floor(extract(epoch FROM $8::timestamptz))" : 'ts >= $8::timestamptz'
       })`,
      values: [li.id, b.userId, typeof b.scoreGiven === 'number' ? b.scoreGiven : null, typeof b.scoreMaximum === 'number' ? b.scoreMaximum : null, b.activityProgress, b.gradingProgress,
        typeof b.comment === 'string' ? b.comment.slice(0, 2000) : null, b.timestamp, b.timestamp, typeof sub?.new_submission === 'boolean' ? sub.new_submission : null],
    });
    if (!rowCount) {
      if (seconds) return reject(409, `Refusing score with an earlier timestamp for item ${li.id} and user ${b.userId}`);
      const prev = await this.db.query<{ ts: Date }>('SELECT max(ts) AS ts FROM sandbox_scores WHERE line_item_id = $1 AND user_id = $2', [li.id, b.userId]);
      return reject(400, `Provided timestamp of ${b.timestamp} not after current timestamp of ${prev.rows[0]?.ts?.toISOString()}`);
    }
    this.stats.scorePosts++;
    return { status: 200 };
  }

  /** Results of a line item (AGS 2.0 §3.3): the newest score that recorded a grade, per user. */
  async results(li: LineItemRow, userId?: string): Promise<Record<string, unknown>[]> {
    const { rows } = await this.db.query(
      `SELECT DISTINCT ON (user_id) id, user_id, score_given, score_maximum, comment, ts_text FROM sandbox_scores
       WHERE line_item_id = $1 AND grading_progress IN ('FullyGraded', 'PendingManual') AND ($2::text IS NULL OR user_id = $2)
       ORDER BY user_id, ts DESC`,
      [li.id, userId ?? null],
    );
    const url = this.lineItemUrl(li.context_id, li.id);
    return rows.map((r) => ({
      id: `${url}/results/${r.id}`,
      scoreOf: url,
      userId: r.user_id,
      ...(r.score_given !== null ? { resultScore: r.score_given, resultMaximum: r.score_maximum ?? li.score_maximum } : {}),
      ...(r.comment ? { comment: r.comment } : {}),
      timestamp: r.ts_text,
    }));
  }

  /** Every column and the newest score per (column, user), for the gradebook page and tests. */
  async gradebook(contextId = DEMO_COURSE.id): Promise<Gradebook> {
    const items = await this.listLineItems(contextId, {});
    const latest = await this.db.query(
      `SELECT DISTINCT ON (s.line_item_id, s.user_id) s.line_item_id, s.user_id, s.score_given, s.score_maximum, s.activity_progress, s.grading_progress,
         s.comment, s.ts_text, s.received_at, s.new_submission, count(*) OVER (PARTITION BY s.line_item_id, s.user_id)::int AS posts
       FROM sandbox_scores s JOIN sandbox_line_items li ON li.id = s.line_item_id WHERE li.context_id = $1
       ORDER BY s.line_item_id, s.user_id, s.ts DESC`,
      [contextId],
    );
    const names = new Map(this.members().map((u) => [u.id, u.name]));
    const byUser = new Map<string, GradebookRow>();
    for (const r of latest.rows) {
      let row = byUser.get(r.user_id);
      if (!row) byUser.set(r.user_id, (row = { userId: r.user_id, name: names.get(r.user_id) ?? r.user_id, cells: {} }));
      const recorded = r.grading_progress === 'FullyGraded' || r.grading_progress === 'PendingManual';
      row.cells[String(r.line_item_id)] = {
        scoreGiven: r.score_given,
        scoreMaximum: r.score_maximum,
        recorded,
        activityProgress: r.activity_progress,
        gradingProgress: r.grading_progress,
        comment: r.comment,
        timestamp: r.ts_text,
        receivedAt: r.received_at,
        posts: r.posts,
        newSubmission: r.new_submission,
      };
    }
    return {
      columns: items.map((li) => ({ id: String(li.id), url: this.lineItemUrl(li.context_id, li.id), label: li.label, scoreMaximum: li.score_maximum, tag: li.tag, resourceId: li.resource_id, resourceLinkId: li.resource_link_id })),
      rows: [...byUser.values()].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
}

export interface GradebookCell {
  scoreGiven: number | null;
  scoreMaximum: number | null;
  /** Canvas shows a score only for FullyGraded and PendingManual. */
  recorded: boolean;
  activityProgress: string;
  gradingProgress: string;
  comment: string | null;
  timestamp: string;
  receivedAt: Date;
  posts: number;
  newSubmission: boolean | null;
}
export interface GradebookRow {
  userId: string;
  name: string;
  cells: Record<string, GradebookCell>;
}
export interface Gradebook {
  columns: { id: string; url: string; label: string; scoreMaximum: number; tag: string | null; resourceId: string | null; resourceLinkId: string | null }[];
  rows: GradebookRow[];
}
