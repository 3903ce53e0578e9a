import { expect } from 'chai';
import type { Database } from '../../src/db/index.js';
import { deletePack, ensurePack, getItem, importPack, listItems, listPacks, listSkills, loadPack } from '../../src/content/content.repository.js';
import type { Pack } from '../../src/content/content.schema.js';
import { parsePack } from '../../src/content/pack.js';
import { freshDatabase } from '../helpers/db.js';

const packText = (title: string, extraItem = '') => `
pack: {id: demo, title: "${title}"}
skills:
  - {id: unit, name: Unit fractions, standards: [CCSS.MATH.CONTENT.3.NF.A.1]}
  - {id: equiv, name: Equivalent fractions, prerequisites: [unit]}
items:
  - id: q1
    type: numeric
    stem: "It's $\\\\frac{1}{2}$ of 'this' — \\"quoted\\""
    skills: [unit, equiv]
    answer: 1/2
    difficulty: -1
  - id: t1
    type: numeric
    stem: "{{a}} halves"
    skills: [equiv]
    answer: "{{a}}/2"
    template:
      variables: {a: {min: 1, max: 9}}
${extraItem}`;

describe('content repository (PostgreSQL)', function () {
  this.timeout(60_000);
  let db: Database;
  let pack: Pack;

  before(async () => {
    db = await freshDatabase();
    await db.pool.query(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url)
      VALUES ('p', 'P', 'https://lms.example', 'c', 'https://lms.example/a', 'https://lms.example/t', 'https://lms.example/j')`);
    await db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ('t1', 'p', 'd1'), ('t2', 'p', 'd2')`);
    pack = parsePack([{ name: 'demo.yaml', text: packText('Demo') }]);
  });
  after(async () => db?.close());

  it('stores and loads a pack exactly, per tenant', async () => {
    expect(await importPack(db.pool, 't1', pack)).to.deep.equal({ skills: 2, items: 2 });
    expect(await loadPack(db.pool, 't1', 'demo')).to.deep.equal(pack);
    expect(await loadPack(db.pool, 't2', 'demo')).to.equal(null);
    const [summary] = await listPacks(db.pool, 't1');
    expect(summary).to.deep.include({ id: 'demo', title: 'Demo', skillCount: 2, itemCount: 2, templateCount: 1 });
    expect(await listPacks(db.pool, 't2')).to.deep.equal([]);
  });

  it('lists skills and items by skill, and gets one item', async () => {
    expect((await listSkills(db.pool, 't1')).map((s) => s.skill.id)).to.deep.equal(['unit', 'equiv']);
    expect((await listItems(db.pool, 't1', { skillId: 'unit' })).map((i) => i.item.id)).to.deep.equal(['q1']);
    expect((await listItems(db.pool, 't1', { packId: 'demo', skillId: 'equiv' })).map((i) => i.item.id)).to.deep.equal(['q1', 't1']);
    expect((await getItem(db.pool, 't1', 'demo', 't1'))?.template).to.not.equal(undefined);
    expect(await getItem(db.pool, 't2', 'demo', 't1')).to.equal(null);
  });

  it('replaces a pack on re-import, and leaves the old one when the import fails', async () => {
    const v2 = parsePack([{ name: 'demo.yaml', text: packText('Demo v2') }]);
    v2.items = v2.items.slice(0, 1);
    await importPack(db.pool, 't1', v2);
    expect((await loadPack(db.pool, 't1', 'demo'))?.items.map((i) => i.id)).to.deep.equal(['q1']);
    const broken: Pack = { ...pack, pack: { ...pack.pack, title: 'Broken' }, items: [...pack.items, { ...pack.items[0]!, skills: ['no-such-skill'] }] };
    let failed = false;
    await importPack(db.pool, 't1', broken).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect((await listPacks(db.pool, 't1'))[0]!.title).to.equal('Demo v2');
  });

  it('ensurePack imports once per tenant, even when called concurrently', async () => {
    const results = await Promise.all([ensurePack(db.pool, 't2', pack), ensurePack(db.pool, 't2', pack), ensurePack(db.pool, 't2', pack)]);
    expect(results.filter(Boolean)).to.have.length(1);
    expect(await loadPack(db.pool, 't2', 'demo')).to.deep.equal(pack);
    expect(await ensurePack(db.pool, 't2', pack)).to.equal(false);
  });

  it('deletes a pack with its skills and items', async () => {
    expect(await deletePack(db.pool, 't2', 'demo')).to.equal(true);
    expect(await listItems(db.pool, 't2')).to.deep.equal([]);
    expect(await deletePack(db.pool, 't2', 'demo')).to.equal(false);
    expect(await loadPack(db.pool, 't1', 'demo')).to.not.equal(null);
  });
});
