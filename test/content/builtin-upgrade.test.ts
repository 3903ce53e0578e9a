import { expect } from 'chai';
import { pino } from 'pino';
import type { Database } from '../../src/db/index.js';
import { withTransaction } from '../../src/db/index.js';
import { compareVersions, ensureBuiltIn, packHash } from '../../src/content/builtin-upgrade.js';
import { loadPack, savePack } from '../../src/content/content.repository.js';
import { setPackCourse } from '../../src/content/content-admin.repository.js';
import { itemSchema, skillSchema, type Pack } from '../../src/content/content.schema.js';
import { freshDatabase } from '../helpers/db.js';

const log = pino({ level: 'silent' });

function shipped(version: string, patch: (p: Pack) => void = () => {}): Pack {
  const p: Pack = {
    pack: { id: 'builtin', title: 'Built in', version, locale: 'en', grades: [] },
    skills: [skillSchema.parse({ id: 's1', name: 'One' }), skillSchema.parse({ id: 's2', name: 'Two', prerequisites: ['s1'] })],
    items: ['a', 'b', 'c'].map((id, k) => itemSchema.parse({ id, type: 'numeric', stem: `${k} + 1?`, skills: [k < 2 ? 's1' : 's2'], answer: k + 1 })),
  };
  patch(p);
  return p;
}
const v2 = () =>
  shipped('1.1.0', (p) => {
    p.items[0]!.stem = 'Zero plus one?';
    p.items.push(itemSchema.parse({ id: 'd', type: 'numeric', stem: '3 + 1?', skills: ['s2'], answer: 4 }));
    p.items[1]!.translations = { es: { stem: '¿1 + 1?' } };
  });

describe('built-in packs: seeded, and upgraded in place for tenants with an older copy (issue 15)', () => {
  let db: Database;
  let n = 0;
  let tenant = '';
  before(async () => {
    db = await freshDatabase();
    await db.pool.query(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url) VALUES ('p', 'P', 'https://lms', 'c', 'https://lms/a', 'https://lms/t', 'https://lms/k')`);
  });
  beforeEach(async () => {
    tenant = `t${++n}`;
    await db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ($1, 'p', $1)`, [tenant]);
  });
  after(async () => {
    await db?.close();
  });
  const stored = async () => (await loadPack(db.pool, tenant, 'builtin'))!;
  /** A copy shipped before hashes were kept. */
  const legacy = async (pack: Pack) => withTransaction(db.pool, (tx) => savePack(tx, tenant, pack));

  it('seeds a missing pack once, then finds it current', async () => {
    expect(await ensureBuiltIn(db.pool, log, tenant, shipped('1.0.0'))).to.equal('seeded');
    expect(await ensureBuiltIn(db.pool, log, tenant, shipped('1.0.0'))).to.equal('current');
    expect(packHash(await stored())).to.equal(packHash(shipped('1.0.0')));
  });

  it('upgrades a copy still as shipped, keeping item ids (and so progress) for unchanged questions', async () => {
    await ensureBuiltIn(db.pool, log, tenant, shipped('1.0.0'));
    await db.pool.query(`INSERT INTO assignments (tenant_id, resource_link_id, pack_id, skills) VALUES ($1, 'rl', 'builtin', '{s1,s2}')`, [tenant]);
    expect(await ensureBuiltIn(db.pool, log, tenant, v2())).to.equal('upgraded');
    const now = await stored();
    expect(now.pack.version).to.equal('1.1.0');
    expect(now.items.map((i) => i.id)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(now.items[0]!.stem).to.equal('Zero plus one?');
    expect(now.items[1]!.translations).to.deep.equal({ es: { stem: '¿1 + 1?' } });
    expect(await ensureBuiltIn(db.pool, log, tenant, v2())).to.equal('current');
  });

  it('upgrades a copy seeded before hashes were kept when its version is not newer', async () => {
    await legacy(shipped('1.0.0'));
    expect(await ensureBuiltIn(db.pool, log, tenant, v2())).to.equal('upgraded');
    expect((await stored()).pack.version).to.equal('1.1.0');
  });

  it('leaves alone a copy changed since it was shipped, a newer unrecorded one, and a course\'s pack', async () => {
    await ensureBuiltIn(db.pool, log, tenant, shipped('1.0.0'));
    await legacy(shipped('1.0.0', (p) => (p.items[2]!.stem = 'Our own wording')));
    expect(await ensureBuiltIn(db.pool, log, tenant, v2())).to.equal('kept-changed');
    expect((await stored()).items[2]!.stem).to.equal('Our own wording');

    tenant = `t${++n}`;
    await db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ($1, 'p', $1)`, [tenant]);
    await legacy(shipped('2.0.0'));
    expect(await ensureBuiltIn(db.pool, log, tenant, v2())).to.equal('kept-newer');

    tenant = `t${++n}`;
    await db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ($1, 'p', $1)`, [tenant]);
    await legacy(shipped('1.0.0'));
    await setPackCourse(db.pool, tenant, 'builtin', 'some-course');
    expect(await ensureBuiltIn(db.pool, log, tenant, v2())).to.equal('kept-course');
  });

  it('does not drop a skill an activity practises', async () => {
    await ensureBuiltIn(db.pool, log, tenant, shipped('1.0.0'));
    await db.pool.query(`INSERT INTO assignments (tenant_id, resource_link_id, pack_id, skills) VALUES ($1, 'rl', 'builtin', '{s2}')`, [tenant]);
    const without = shipped('1.2.0', (p) => {
      p.skills = p.skills.filter((s) => s.id !== 's2');
      p.items = p.items.filter((i) => !i.skills.includes('s2'));
    });
    expect(await ensureBuiltIn(db.pool, log, tenant, without)).to.equal('kept-in-use');
    expect((await stored()).pack.version).to.equal('1.0.0');
  });

  it('compares versions numerically', () => {
    expect(compareVersions('1.10.0', '1.9.2')).to.equal(1);
    expect(compareVersions('1.0', '1.0.0')).to.equal(0);
    expect(compareVersions('1.0.0', '1.0.1')).to.equal(-1);
  });
});
