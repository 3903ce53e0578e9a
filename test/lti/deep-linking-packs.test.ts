import { expect } from 'chai';
import type { RunningServer } from '../../src/server.js';
import { DEMO_USERS } from '../../src/sandbox/demo.js';
import { importPack } from '../../src/content/content.repository.js';
import { setPackCourse } from '../../src/content/content-admin.repository.js';
import { itemSchema, skillSchema } from '../../src/content/content.schema.js';
import { startTestServer } from '../helpers/server.js';
import { beginLaunch, formFields, land, launch, postLaunch, type Browser } from '../helpers/launch.js';

const post = (b: Browser, url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return b.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
};

/** A small pack owned by a course. */
const coursePack = (id: string, word: string) => ({
  pack: { id, title: `Pack ${id}`, version: '1', locale: 'en', grades: [] },
  skills: [skillSchema.parse({ id: 'secret-skill', name: `${word} skill` })],
  items: [itemSchema.parse({ id: 'q1', type: 'numeric', stem: `${word} question: 2 + 3?`, skills: ['secret-skill'], answer: 5 })],
});

describe('Deep Linking: the pack is chosen, never hard-wired, and scoped to the course (issue 15)', function () {
  this.timeout(60_000);
  let srv: RunningServer;
  let tenantId: string;
  let courseId: string;
  before(async () => {
    srv = await startTestServer();
    const t = await launch(srv, { user: 'sandbox-teacher-1' });
    const actor = (await srv.services.sessions.verifyWithAge(t.ltik)).actor;
    tenantId = actor.tenantId;
    courseId = actor.contextId!;
    await importPack(srv.db.pool, tenantId, coursePack('other-course-pack', 'Secret'));
    await setPackCourse(srv.db.pool, tenantId, 'other-course-pack', 'another-course');
    await importPack(srv.db.pool, tenantId, coursePack('own-course-pack', 'Own'));
    await setPackCourse(srv.db.pool, tenantId, 'own-course-pack', courseId);
  });
  after(async () => {
    await srv?.close();
  });

  async function deepLink(): Promise<{ browser: Browser; ltik: string; html: string }> {
    const s = await beginLaunch(srv, { user: 'sandbox-teacher-1' });
    const u = DEMO_USERS.find((x) => x.id === 'sandbox-teacher-1')!;
    const res = await postLaunch(s.browser, { id_token: await srv.services.sandbox!.signIdToken(srv.services.sandbox!.deepLinkingClaims(u, 'canvas', s.nonce)), state: s.state });
    const landed = await land(s.browser, new URL(res.headers.get('location')!, srv.url).toString());
    return { browser: s.browser, ltik: landed.ltik, html: landed.html };
  }

  it('offers every pack of the course (built-in and its own) with a pack choice, and no other course\'s pack', async () => {
    const { html } = await deepLink();
    expect(html).to.contain('name="pack" value="fractions"');
    expect(html).to.contain('name="pack" value="linear-equations"');
    expect(html).to.contain('name="pack" value="own-course-pack"');
    expect(html).not.to.contain('other-course-pack');
    expect(html).not.to.contain('Secret skill');
  });

  it('finds the pack from the skills when the form names none (no default pack)', async () => {
    const dl = await deepLink();
    const skill = (await srv.db.pool.query(`SELECT id FROM content_skills WHERE tenant_id = $1 AND pack_id = 'linear-equations' ORDER BY position LIMIT 1`, [tenantId])).rows[0].id as string;
    const res = await post(dl.browser, `${srv.url}/deep-link`, { ltik: dl.ltik, title: 'Equations', skills: skill });
    expect(res.status).to.equal(200);
    const jwt = formFields(await res.text()).JWT;
    const back = await post(dl.browser, srv.services.sandbox!.deepLinkReturnUrl, { JWT: jwt });
    const linkId = (await back.text()).match(/data-link="([^"]+)"/)![1]!;
    await launch(srv, { user: 'sandbox-student-1', link: linkId });
    const a = (await srv.db.pool.query('SELECT pack_id, skills FROM assignments WHERE resource_link_id = $1', [linkId])).rows[0];
    expect(a).to.deep.equal({ pack_id: 'linear-equations', skills: [skill] });
  });

  it('refuses another course\'s pack named in the form, and in a link\'s custom parameters', async () => {
    const dl = await deepLink();
    const res = await post(dl.browser, `${srv.url}/deep-link`, { ltik: dl.ltik, title: 'Stolen', pack: 'other-course-pack', skills: 'secret-skill' });
    expect(res.status).to.equal(400);
    expect(await res.text()).to.contain('Unknown pack: other-course-pack');
    // A link whose custom parameters (editable in the LMS) name it is not bound: the student sees no question of it.
    const student = await launch(srv, { user: 'sandbox-student-1', link: 'hand-made-link', custom: { pack: 'other-course-pack', skills: 'secret-skill' } });
    expect(student.html).not.to.contain('Secret question');
    expect((await srv.db.pool.query(`SELECT 1 FROM assignments WHERE resource_link_id = 'hand-made-link'`)).rowCount).to.equal(0);
    // The course's own pack binds from custom parameters.
    const own = await launch(srv, { user: 'sandbox-student-1', link: 'own-link', custom: { pack: 'own-course-pack', skills: 'secret-skill' } });
    expect(own.html).to.contain('Own question');
  });
});
