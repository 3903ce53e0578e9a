import { expect } from 'chai';
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { ScoreNotifier } from '../../src/grades/index.js';
import { NOTIFY_CHANNEL } from '../../src/grades/outbox.js';
import type { RunningServer } from '../../src/server.js';
import { freshDatabase } from '../helpers/db.js';
import { startTestServer } from '../helpers/server.js';
import { launch } from '../helpers/launch.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import { correctResponse } from '../../src/content/grading.js';
import { instantiate, isTemplate } from '../../src/content/templates.js';
import { decodeEntities } from '../helpers/launch.js';
import { cell, closeServer, waitFor } from './helpers.js';

/** Answers no longer NOTIFY inside their statement; these are the guarantees of the wake-up that replaced it. */
describe('grades: waking delivery after answers commit', function () {
  this.timeout(60_000);

  it('wakes workers of this process on every commit, and other processes with at most one NOTIFY per window', async () => {
    const db = await freshDatabase();
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const heard: number[] = [];
    listener.on('notification', (n) => {
      if (n.channel === NOTIFY_CHANNEL) heard.push(performance.now());
    });
    await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
    const notifier = new ScoreNotifier(db.pool, 100);
    let local = 0;
    const off = notifier.onCommitted(() => local++);
    try {
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) notifier.committed();
      expect(local).to.equal(50);
      await waitFor('the first NOTIFY', async () => heard.length >= 1);
      expect(heard[0] - t0).to.be.below(1_000);
      await waitFor('the trailing NOTIFY', async () => heard.length >= 2, 2_000);
      await new Promise((r) => setTimeout(r, 250));
      expect(heard).to.have.length(2);
      off();
      notifier.committed();
      expect(local).to.equal(50);
      await waitFor('a NOTIFY for a later commit', async () => heard.length >= 3, 2_000);
    } finally {
      notifier.close();
      await listener.end();
      await db.close();
    }
  });

  describe('end to end', () => {
    let srv: RunningServer | undefined;
    const saved = process.env.GRADE_POLL_MS;
    before(async () => {
      // A poll this slow would take ten minutes: only the wake-up can deliver in time.
      process.env.GRADE_POLL_MS = '600000';
      srv = await startTestServer({ WORKER: 'in-process' });
    });
    after(async () => {
      if (saved === undefined) delete process.env.GRADE_POLL_MS;
      else process.env.GRADE_POLL_MS = saved;
      await closeServer(srv);
    });

    it('delivers a student’s answer to the LMS gradebook right after it is recorded', async () => {
      const s = srv!;
      const pack = await loadDemoPack();
      const l = await launch(s, { user: 'sandbox-student-3' });
      const page = await (await l.browser.fetch(`${s.url}/practice`, { headers: { authorization: `Bearer ${l.ltik}` } })).text();
      const field = (n: string) => decodeEntities(page.match(new RegExp(`name="${n}" value="([^"]*)"`))![1]);
      const raw = pack.items.find((i) => i.id === field('item_id'))!;
      const item = isTemplate(raw) ? instantiate(raw, Number(field('seed'))).item : raw;
      const right = correctResponse(item);
      const body = new URLSearchParams([['ltik', field('ltik')], ['submission_id', field('submission_id')], ['item_id', field('item_id')], ['seed', field('seed')]]);
      if (item.type === 'ordering') (right as readonly string[]).forEach((id, i) => body.append(`order_${id}`, String(i + 1)));
      else for (const r of typeof right === 'string' ? [right] : right) body.append('response', r);
      const res = await l.browser.fetch(`${s.url}/practice/answer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
      expect(res.status).to.equal(200);
      const c = await waitFor('the score in the sandbox gradebook', () => cell(s, 'sandbox-student-3'), 5_000);
      expect(c.scoreMaximum).to.be.greaterThan(0);
    });
  });
});
