import { expect } from 'chai';
import type { Database } from '../../src/db/index.js';
import { createRng } from '../../src/engine/index.js';
import { PlatformRegistry } from '../../src/lti/registry.js';
import { listModels, loadActiveModel, refitAll, refitModel, rollbackModel } from '../../src/practice/model.service.js';
import { freshDatabase } from '../helpers/db.js';

describe('learner model refit from the attempt log (versioned, gated on held-out learners)', function () {
  this.timeout(60_000);
  let db: Database;
  let tenantId: string;
  const truth = { prior: 0.2, learn: 0.15, guess: 0.2, slip: 0.1 };

  before(async () => {
    db = await freshDatabase();
    const registry = new PlatformRegistry(db.pool);
    const p = await registry.create({ preset: 'canvas', clientId: 'model-test', deploymentIds: ['d1'] });
    tenantId = (await registry.tenantFor(p.id, 'd1'))!;
    const rng = createRng(7);
    const values: unknown[] = [];
    const rows: string[] = [];
    let n = 0;
    for (let learner = 0; learner < 300; learner++) {
      let known = rng() < truth.prior;
      for (let t = 0; t < 10; t++) {
        const correct = known ? rng() >= truth.slip : rng() < truth.guess;
        if (!known && rng() < truth.learn) known = true;
        rows.push(`($1, 'link', $${n * 2 + 2}, 'fractions', 'item', '{unit-fractions}', $${n * 2 + 3}, 1, 'sub-${n}', '{}', now())`);
        values.push(`u${learner}`, correct);
        n++;
      }
      if (rows.length >= 500 || learner === 299) {
        await db.pool.query(
          `INSERT INTO attempts(tenant_id, resource_link_id, user_id, pack_id, item_id, skills, correct, score, submission_id, result, answered_at) VALUES ${rows.join(',')}`,
          [tenantId, ...values],
        );
        rows.length = 0;
        values.length = 0;
        n = 0;
        // submission ids must stay unique per user: they are, since each user id appears in one batch only
      }
    }
  });
  after(async () => {
    await db?.close();
  });

  it('activates a sound refit only when it predicts held-out learners better, and versions it', async () => {
    const report = await refitModel(db.pool, tenantId, 'fractions');
    expect(report.answers).to.equal(3000);
    expect(report.learners).to.equal(300);
    expect(report.reason, String(report.reason)).to.equal(null);
    expect(report.heldOutLogLik).to.be.a('number');
    expect(report.baselineLogLik).to.be.a('number');
    expect(report.outcome).to.equal('activated');
    expect(report.heldOutLogLik!).to.be.above(report.baselineLogLik!);
    const active = await loadActiveModel(db.pool, tenantId, 'fractions');
    expect(active?.version).to.equal(report.version);
    // The same data again: the new fit is no better than the active one, so it is stored as rejected.
    const again = await refitModel(db.pool, tenantId, 'fractions');
    expect(again.outcome).to.equal('rejected');
    expect(again.reason).to.match(/does not predict held-out learners better/);
    expect((await loadActiveModel(db.pool, tenantId, 'fractions'))?.version).to.equal(report.version);
    const versions = await listModels(db.pool, tenantId);
    expect(versions.map((v) => v.status)).to.deep.equal(['rejected', 'active']);
  });

  it('rolls back to an earlier version or to the shipped model', async () => {
    expect(await rollbackModel(db.pool, tenantId, 'fractions')).to.equal(0);
    expect(await loadActiveModel(db.pool, tenantId, 'fractions')).to.equal(null);
    expect(await rollbackModel(db.pool, tenantId, 'fractions', 1)).to.equal(1);
    expect((await loadActiveModel(db.pool, tenantId, 'fractions'))?.version).to.equal(1);
    let threw = false;
    try { await rollbackModel(db.pool, tenantId, 'fractions', 2); } catch { threw = true; }
    expect(threw, 'a rejected version cannot be activated').to.equal(true);
  });

  it('skips a pack with too little data and stays inside its tenant', async () => {
    const reports = await refitAll(db.pool, tenantId);
    expect(reports).to.have.length(1);
    expect(await refitAll(db.pool, 'another-tenant')).to.deep.equal([]);
    expect(await loadActiveModel(db.pool, 'another-tenant', 'fractions')).to.equal(null);
    await db.pool.query(
      `INSERT INTO attempts(tenant_id, resource_link_id, user_id, pack_id, item_id, skills, correct, score, submission_id, result, answered_at)
       VALUES ($1, 'link', 'lonely', 'other-pack', 'i2', '{mixed-numbers}', true, 1, 'only-one', '{}', now())`,
      [tenantId],
    );
    const small = await refitModel(db.pool, tenantId, 'other-pack');
    expect(small.outcome).to.equal('skipped');
    expect(small.reason).to.match(/too little data/);
  });
});
