import { expect } from 'chai';
import type { Database } from '../../src/db/index.js';
import { createRng } from '../../src/engine/index.js';
import { PlatformRegistry } from '../../src/lti/registry.js';
import { loadSkillParams, refitAll, refitSkillParams } from '../../src/practice/model.service.js';
import { freshDatabase } from '../helpers/db.js';

describe('learner model refit from the attempt log', function () {
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

  it('recovers the generating parameters of a skill with enough answers', async () => {
    const report = await refitSkillParams(db.pool, tenantId, 'fractions');
    expect(report.answers).to.equal(3000);
    expect(report.fitted).to.have.length(1);
    const p = report.fitted[0].params;
    expect(Math.abs(p.prior - truth.prior)).to.be.lessThan(0.08);
    expect(Math.abs(p.learn - truth.learn)).to.be.lessThan(0.08);
    expect(Math.abs(p.guess - truth.guess)).to.be.lessThan(0.08);
    expect(Math.abs(p.slip - truth.slip)).to.be.lessThan(0.08);
    const stored = await loadSkillParams(db.pool, tenantId, 'fractions');
    expect(stored['unit-fractions'].learn).to.be.closeTo(p.learn, 1e-9);
  });

  it('keeps the defaults for skills with too little data and stays inside its tenant', async () => {
    await db.pool.query(
      `INSERT INTO attempts(tenant_id, resource_link_id, user_id, pack_id, item_id, skills, correct, score, submission_id, result, answered_at)
       VALUES ($1, 'link', 'lonely', 'fractions', 'i2', '{mixed-numbers}', true, 1, 'only-one', '{}', now())`,
      [tenantId],
    );
    const reports = await refitAll(db.pool, tenantId);
    expect(reports).to.have.length(1);
    expect(reports[0].keptDefaults).to.include('mixed-numbers');
    expect(await refitAll(db.pool, 'another-tenant')).to.deep.equal([]);
    expect(await loadSkillParams(db.pool, 'another-tenant', 'fractions')).to.deep.equal({});
  });
});
