import { expect } from 'chai';
import { pino } from 'pino';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Item, Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses, grade } from '../../src/content/grading.js';
import { PracticeService, type PracticeView } from '../../src/practice/practice.service.js';
import { answerFrom } from '../../src/practice/practice.routes.js';
import { startTestServer } from '../helpers/server.js';
import { launch } from '../helpers/launch.js';
import { concrete } from '../helpers/practice.js';

/**
 * The soak's one lost answer ("acknowledged":1478,"stored":1477,"lost":1), reproduced with three
 * PracticeService instances on one database, standing for the web processes of WEB_CONCURRENCY=2:
 * A and B, and B2 (B's replacement after kill -9). Each keeps its own learner cache, as a process does.
 *
 * 1. A shows Q1 (submission S1) and caches the learner row.
 * 2. B records S1 (wrong, first try: Q1 stays current with a new id S2), then S2 (finishes Q1; Q2 is
 *    current). B is killed before S2's reply reaches the student.
 * 3. The student sends S2 again, to B2: a replay of a finished answer ("Next", no upcoming page).
 * 4. "Next" lands on A: view() renders A's CACHED row without reading: Q1 with S1, a page one step behind.
 * 5. The student answers that page (S1, already recorded). A's fast path writes, conflicts, re-reads,
 *    finds S1 recorded, and replays S1's stored result (wrong, not finished). Q1 is no longer current, so
 *    replay() makes up a CurrentQuestion with a NEW random submission id R and finished: false: the page
 *    offers "try again" with a form for R.
 * 6. The student answers R: Q1 is not current, so the answer path returns the 'stale' page, 200. The
 *    student got a 2xx for R; no attempt R is ever stored.
 */

const fields = (item: Item, response: unknown): Record<string, unknown> =>
  item.type === 'ordering'
    ? Object.fromEntries((response as readonly string[]).map((id, i) => [`order_${id}`, String(i + 1)]))
    : { response: typeof response === 'string' ? response : [...(response as readonly string[])] };
/** A response graded wrong without a format message (a malformed answer is not recorded at all). */
const wrongResponse = (item: Item): unknown =>
  [...distractorResponses(item), '0', '999', 'a'].find((r) => { const g = grade(item, r as never); return !g.message && !g.correct; });

type Shown = Extract<PracticeView, { kind: 'question' | 'worked_example' }>;
const asQuestion = (v: PracticeView): Shown => {
  if (v.kind !== 'question' && v.kind !== 'worked_example') throw new Error(`expected a question, got ${v.kind}`);
  return v;
};

describe('lost answer (soak): a 2xx to an answer form the tool offered, and no attempt stored', function () {
  this.timeout(120_000);
  let srv: RunningServer;
  let pack: Pack;
  before(async () => {
    srv = await startTestServer();
    pack = await loadDemoPack();
  });
  after(async () => {
    await srv?.close();
  });

  it('every answer form the tool offers is recordable: answering it is stored or refused, never acknowledged and dropped', async () => {
    const log = pino({ level: 'silent' });
    const A = new PracticeService({ pool: srv.db.pool, log });
    const B = new PracticeService({ pool: srv.db.pool, log });
    const l = await launch(srv, { user: 'sandbox-student-1' });
    const actor = await srv.services.sessions.verify(l.ltik);
    const stored = async (submissionId: string) =>
      Number((await srv.db.pool.query(`SELECT count(*) AS n FROM attempts WHERE tenant_id = $1 AND user_id = $2 AND submission_id = $3`, [actor.tenantId, actor.userId, submissionId])).rows[0].n);
    const answer = (svc: PracticeService, page: Shown, response: unknown) => {
      const item = concrete(pack, page.current.itemId, page.current.seed);
      return svc.answer(actor, answerFrom({ submission_id: page.current.submissionId, item_id: page.current.itemId, seed: String(page.current.seed), ...fields(item, response) }));
    };

    // 1. A shows Q1 and caches the row.
    let q1 = asQuestion(await A.view(actor));
    for (let i = 0; q1.kind !== 'question' && i < 5; i++) q1 = asQuestion(await A.studied(actor, q1.current.itemId, q1.current.seed));
    expect(q1.kind).to.equal('question');
    const item1 = concrete(pack, q1.current.itemId, q1.current.seed);
    const wrong = wrongResponse(item1);
    expect(wrong, `a wrong (not malformed) response to ${item1.id}`).to.not.equal(undefined);

    // 2. B records S1 (wrong, first try), then S2 (right: Q1 finished, Q2 chosen).
    const afterS1 = asQuestion(await answer(B, q1, wrong));
    expect(afterS1.result?.finished).to.equal(false);
    expect(await stored(q1.current.submissionId)).to.equal(1);
    const afterS2 = asQuestion(await answer(B, afterS1, correctResponse(item1)));
    expect(afterS2.result?.finished).to.equal(true);
    expect(await stored(afterS1.current.submissionId)).to.equal(1);

    // 3. (B is killed before the reply; the resend of S2 on B's successor replays it: "Next" without an upcoming page.)
    const B2 = new PracticeService({ pool: srv.db.pool, log });
    const replayed = asQuestion(await answer(B2, afterS1, correctResponse(item1)));
    expect(replayed.result?.finished).to.equal(true);
    expect(replayed.upcoming).to.equal(undefined);

    // 4. "Next" lands on A, which renders its cached row: Q1 with S1 (already recorded), one step behind.
    const next = asQuestion(await A.view(actor));
    const behind = next.current.submissionId === q1.current.submissionId;

    // 5. The student answers the page they got. A replays S1's stored result...
    const replay = asQuestion(await answer(A, next, correctResponse(concrete(pack, next.current.itemId, next.current.seed))));

    // 6. ...and if it offers a form (a question not finished), the student answers it: the tool answers 2xx.
    if (replay.kind === 'question' && !replay.current.finished) {
      const offered = replay.current.submissionId;
      const item = concrete(pack, replay.current.itemId, replay.current.seed);
      const ack = asQuestion(await answer(B2, replay, correctResponse(item)));
      // The answer was acknowledged (no error): it must be stored. Here it is not: the reply is the 'stale' page.
      const facts = { pageBehind: behind, offered, replyNotice: ack.notice ?? null, replyShows: ack.current.itemId === item.id ? 'the answered question' : 'another question' };
      expect(await stored(offered), `an answer acknowledged with a 2xx page must be stored: ${JSON.stringify(facts)}`).to.equal(1);
    }
  });
});
