import type { Logger } from 'pino';
import type { Queryable } from '../db/index.js';
import { recordSubmission, recordSubmissions, type RecordOutcome, type Submission } from './practice.repository.js';

interface Pending extends Submission {
  resolve: (o: RecordOutcome) => void;
  reject: (err: unknown) => void;
}

export interface SubmissionWriterOptions {
  /** Statements in flight at once; submissions arriving meanwhile wait and go together in the next one. */
  inFlight: number;
  /** Most submissions in one statement. */
  maxBatch: number;
}

export const SUBMISSION_WRITER_DEFAULTS: SubmissionWriterOptions = { inFlight: 4, maxBatch: 32 };

/**
 * Group commit for answers. PostgreSQL spends far more on each commit (and its WAL flush) than on the few
 * rows an answer writes: measured here, one answer's rows per transaction cost 0.63 ms of database CPU,
 * eight answers per transaction 0.12 ms each. So while `inFlight` answer statements are running, the
 * answers that arrive wait for one of them to finish and then go together, in one statement
 * (`recordSubmissions`), each still all-or-nothing and version-guarded on its own. With no load nothing
 * waits: a lone answer is written at once, exactly as before.
 *
 * Two submissions of one user never share a statement (the later waits for the next one), so a double
 * submit from two tabs is decided by the version guard as before. If a batch fails as a whole (a deadlock
 * with another process, a lost connection), its submissions are retried one by one, so one bad submission
 * never fails the others.
 */
export class SubmissionWriter {
  private queue: Pending[] = [];
  private running = 0;
  /** Statements and submissions written, for tests and the benchmark. */
  readonly stats = { statements: 0, submissions: 0, batchFailures: 0 };

  constructor(
    private readonly db: Queryable,
    private readonly log?: Logger,
    private readonly opts: SubmissionWriterOptions = SUBMISSION_WRITER_DEFAULTS,
  ) {}

  /** Records one submission; resolves when its statement has committed. */
  record(sub: Submission): Promise<RecordOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...sub, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.opts.inFlight && this.queue.length) {
      const batch = this.take();
      this.running++;
      void this.write(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** The oldest waiting submissions, at most one per user, in arrival order. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const users = new Set<string>();
    const rest: Pending[] = [];
    for (const p of this.queue) {
      const user = `${p.key.tenantId}\u0000${p.key.userId}`;
      if (batch.length < this.opts.maxBatch && !users.has(user)) {
        users.add(user);
        batch.push(p);
      } else rest.push(p);
    }
    this.queue = rest;
    return batch;
  }

  private async write(batch: Pending[]): Promise<void> {
    this.stats.statements++;
    this.stats.submissions += batch.length;
    if (batch.length === 1) {
      const [p] = batch;
      await recordSubmission(this.db, p.key, p.learner, p.attempt, p.extra).then(p.resolve, p.reject);
      return;
    }
    let outcomes: RecordOutcome[];
    try {
      outcomes = await recordSubmissions(this.db, batch);
    } catch (err) {
      this.stats.batchFailures++;
      this.log?.warn({ err: (err as Error).message, size: batch.length }, 'answer batch failed; writing its answers one by one');
      await Promise.all(batch.map((p) => recordSubmission(this.db, p.key, p.learner, p.attempt, p.extra).then(p.resolve, p.reject)));
      return;
    }
    batch.forEach((p, i) => p.resolve(outcomes[i]));
  }
}
