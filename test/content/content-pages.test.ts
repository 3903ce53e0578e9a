import { expect } from 'chai';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { RunningServer } from '../../src/server.js';
import type { Actor } from '../../src/lti/actor.js';
import { DEMO_USERS } from '../../src/sandbox/demo.js';
import { saveAssets } from '../../src/content/content-admin.repository.js';
import { startTestServer, TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { beginLaunch, formFields, land, launch, postLaunch, type Browser } from '../helpers/launch.js';

const GIFT = `$CATEGORY: $course$/top/Ratios/Unit rates

::rate-1::[markdown]A car goes 120 km in 2 hours. How many km per hour?{#60}

::rate-2::[markdown]Which is a better buy, 3 pens for 3 dollars or 5 pens for 4 dollars?{=5 pens for 4 dollars ~3 pens for 3 dollars}

$CATEGORY: $course$/top/Ratios/Proportions

::prop-1::[markdown]If 2 apples cost 1 dollar, how many dollars do 6 apples cost?{#3}

::broken::[markdown]This question is broken{#}
`;
const GIFT_V2 = GIFT.replace('How many km per hour?', 'What is its speed in km per hour?').replace('::broken::[markdown]This question is broken{#}\n', '::prop-2::[markdown]Half of 6 is?{#3}\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
const MOODLE = `<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Geometry</text></category></question>
  <question type="shortanswer">
    <name><text>Shape</text></name>
    <questiontext format="html"><text><![CDATA[<p>Name this shape.</p><p><img src="@@PLUGINFILE@@/dot.png" alt="a single dot"></p>]]></text>
      <file name="dot.png" path="/" encoding="base64">${PNG.toString('base64')}</file>
    </questiontext>
    <answer fraction="100"><text>dot</text></answer>
  </question>
</quiz>`;

describe('content pages: upload, preview, confirm, packs, skills, edits (issue 15)', function () {
  this.timeout(120_000);
  let srv: RunningServer;
  let ltik: string;
  let teacher: Actor;

  const post = (path: string, fields: Record<string, string | string[]>, token = ltik) => {
    const body = new URLSearchParams({ ltik: token });
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  };
  const upload = (name: string, bytes: Uint8Array | string, token = ltik, replaces?: string) => {
    const fd = new FormData();
    fd.append('ltik', token);
    if (replaces) fd.append('replaces', replaces);
    fd.append('file', new Blob([typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes)]), name);
    return fetch(`${srv.url}/dashboard/content/upload`, { method: 'POST', body: fd });
  };
  const uploadIdOf = (html: string) => html.match(/name="upload" value="([^"]+)"/)![1]!;
  /** A session of the same teacher in another course, or another tenant. */
  const as = (patch: Partial<Actor>) => srv.services.sessions.issue({ ...teacher, ...patch });
  const packIds = async (tenant = teacher.tenantId) => (await srv.db.pool.query('SELECT id FROM content_packs WHERE tenant_id = $1 ORDER BY id', [tenant])).rows.map((r) => r.id as string);
  let packId = '';

  before(async () => {
    srv = await startTestServer();
    ltik = (await launch(srv, { user: 'sandbox-teacher-1' })).ltik;
    teacher = (await srv.services.sessions.verifyWithAge(ltik)).actor;
  });
  after(async () => {
    await srv?.close();
  });

  it('shows the Content page in the dashboard navigation, with the upload form and the course packs', async () => {
    const res = await post('/dashboard/content', {});
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.contain('aria-current="page">Content');
    expect(html).to.contain('enctype="multipart/form-data"');
    expect(html).to.contain('data-pack="fractions"');
    expect(html).not.to.match(/(href|action|formaction)="[^"]*ltik=/);
  });

  it('refuses the page to students, and an upload without a valid session', async () => {
    const s = await launch(srv, { user: 'sandbox-student-1' });
    expect((await post('/dashboard/content', {}, s.ltik)).status).to.equal(403);
    expect((await upload('q.gift', GIFT, s.ltik)).status).to.equal(403);
    expect((await upload('q.gift', GIFT, 'not-a-session')).status).to.equal(401);
    expect((await srv.db.pool.query('SELECT count(*)::int AS n FROM content_uploads')).rows[0].n).to.equal(0);
  });

  it('previews an upload (every valid question with its answer, the problems per question) and stores nothing before confirm', async () => {
    const before = await packIds();
    const res = await upload('ratios.gift', GIFT);
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.contain('data-testid="summary"');
    expect(html.match(/data-testid="question"/g)).to.have.length(3);
    expect(html).to.contain('A car goes 120 km in 2 hours');
    expect(html).to.match(/data-testid="q-answer">[^<]*<?[^]*?60/);
    expect(html).to.contain('data-testid="issues"');
    expect(html).to.contain('broken');
    expect(await packIds()).to.deep.equal(before);
    // All or nothing refuses the file with its problem: still nothing stored, the preview shown again.
    const all = await post('/dashboard/content/confirm', { upload: uploadIdOf(html), mode: 'all' });
    expect(all.status).to.equal(422);
    expect(await all.text()).to.contain('Nothing was imported');
    expect(await packIds()).to.deep.equal(before);
    // "Import the valid ones" imports three questions, as a pack of this course.
    const ok = await post('/dashboard/content/confirm', { upload: uploadIdOf(html), mode: 'valid' });
    expect(ok.status).to.equal(200);
    const page = await ok.text();
    expect(page).to.contain('Imported 3 question(s); 1 not imported.');
    const added = (await packIds()).filter((id) => !before.includes(id));
    expect(added).to.have.length(1);
    packId = added[0]!;
    const owner = (await srv.db.pool.query('SELECT course_id, shared FROM content_pack_courses WHERE pack_id = $1', [packId])).rows[0];
    expect(owner).to.deep.equal({ course_id: teacher.contextId, shared: false });
    expect((await srv.db.pool.query('SELECT title FROM content_packs WHERE id = $1', [packId])).rows[0].title).to.equal('ratios');
    // The upload is spent: confirming again says so.
    const again = await post('/dashboard/content/confirm', { upload: uploadIdOf(html), mode: 'valid' });
    expect(again.status).to.equal(410);
  });

  it('pages through a big preview, 20 questions a page', async () => {
    const many = Array.from({ length: 25 }, (_, k) => `::q${k}::What is ${k} + 1?{#${k + 1}}`).join('\n\n');
    const first = await (await upload('many.gift', many)).text();
    expect(first.match(/data-testid="question"/g)).to.have.length(20);
    expect(first).to.contain('Page 1 of 2');
    const second = await (await post('/dashboard/content/preview', { upload: uploadIdOf(first), page: '2' })).text();
    expect(second.match(/data-testid="question"/g)).to.have.length(5);
    expect(second).to.contain('What is 24 + 1?');
    expect((await post('/dashboard/content/cancel', { upload: uploadIdOf(first) })).status).to.equal(200);
  });

  it('refuses a 50 MB upload cleanly, with the limit in the message, keeping nothing', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024 + 10, 0x20);
    // On a connection of its own (a pooled keep-alive socket the server closes meanwhile would reset).
    const boundary = 'x-content-upload-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="ltik"\r\n\r\n${ltik}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.xml"\r\nContent-Type: text/xml\r\n\r\n`),
      big,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${srv.url}/dashboard/content/upload`, { method: 'POST', agent: false, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).to.equal(413);
    const html = res.text;
    expect(html).to.contain('larger than 50 MB');
    expect(html).to.contain('data-testid="content-error"');
    expect((await srv.db.pool.query('SELECT count(*)::int AS n FROM content_uploads')).rows[0].n).to.equal(0);
  });

  it('refuses a file of an unknown format and unsafe XML with the importer\'s message', async () => {
    const res = await upload('notes.txt', 'just some words, no questions');
    expect(res.status).to.equal(422);
    expect(await res.text()).to.contain('unknown format');
    const xxe = await upload('x.xml', '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz><question type="truefalse"><name><text>&x;</text></name></question></quiz>');
    expect(xxe.status).to.equal(422);
  });

  it('keeps an upload to its user and course: another course (or user) cannot preview or confirm it', async () => {
    const html = await (await upload('ratios.gift', GIFT)).text();
    const id = uploadIdOf(html);
    const other = await as({ contextId: 'another-course' });
    expect((await post('/dashboard/content/preview', { upload: id }, other)).status).to.equal(410);
    expect((await post('/dashboard/content/confirm', { upload: id, mode: 'valid' }, other)).status).to.equal(410);
    const colleague = await as({ userId: 'another-teacher' });
    expect((await post('/dashboard/content/confirm', { upload: id, mode: 'valid' }, colleague)).status).to.equal(410);
    expect((await post('/dashboard/content/cancel', { upload: id })).status).to.equal(200);
  });

  it('hides a course\'s pack from another course and another tenant, and refuses their changes', async () => {
    const other = await as({ contextId: 'another-course' });
    const page = await (await post('/dashboard/content', {}, other)).text();
    expect(page).not.to.contain(`data-pack="${packId}"`);
    expect(page).to.contain('data-pack="fractions"');
    const items = await (await post('/dashboard/items', {}, other)).text();
    expect(items).not.to.contain(`data-pack="${packId}"`);
    expect((await post(`/dashboard/items/${packId}/rate-1`, {}, other)).status).to.equal(404);
    expect((await post(`/dashboard/content/packs/${packId}/rename`, { title: 'Mine now' }, other)).status).to.equal(404);
    expect((await post(`/dashboard/content/packs/${packId}/delete`, {}, other)).status).to.equal(404);
    expect((await post(`/dashboard/content/packs/${packId}/skills`, {}, other)).status).to.equal(404);
    expect((await post(`/dashboard/items/${packId}/rate-1/save`, { stem: 'Hacked' }, other)).status).to.equal(404);
    // Another tenant (deployment) of the same platform.
    await srv.db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) SELECT 'tenant-2', platform_id, 'dep-2' FROM tenants WHERE id = $1`, [teacher.tenantId]);
    const foreign = await as({ tenantId: 'tenant-2' });
    expect(await (await post('/dashboard/content', {}, foreign)).text()).not.to.contain(`data-pack="${packId}"`);
    expect((await post(`/dashboard/content/packs/${packId}/rename`, { title: 'x' }, foreign)).status).to.equal(404);
    // A built-in pack is visible but not the course's to change.
    expect((await post('/dashboard/content/packs/fractions/delete', {})).status).to.equal(403);
    // Shared by an admin: the other course sees (and may use) it, still cannot change it.
    const share = await fetch(`${srv.url}/admin/api/tenants/${encodeURIComponent(teacher.tenantId)}/packs/${packId}/shared`, { method: 'PUT', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(share.status).to.equal(200);
    expect(await (await post('/dashboard/content', {}, other)).text()).to.contain(`data-pack="${packId}"`);
    expect((await post(`/dashboard/content/packs/${packId}/rename`, { title: 'x' }, other)).status).to.equal(403);
    const unshare = await fetch(`${srv.url}/admin/api/tenants/${encodeURIComponent(teacher.tenantId)}/packs/${packId}/shared`, { method: 'DELETE', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(await unshare.json()).to.include({ shared: false });
    expect(await (await post('/dashboard/content', {}, other)).text()).not.to.contain(`data-pack="${packId}"`);
    expect((await fetch(`${srv.url}/admin/api/tenants/${encodeURIComponent(teacher.tenantId)}/packs/${packId}/shared`, { method: 'PUT' })).status).to.equal(401);
  });

  it('renames skills, orders them, draws "X needs Y" and refuses a cycle with a clear message', async () => {
    const skills = (await srv.db.pool.query('SELECT id, name FROM content_skills WHERE pack_id = $1 ORDER BY position', [packId])).rows as { id: string; name: string }[];
    expect(skills.map((s) => s.name)).to.deep.equal(['Unit rates', 'Proportions']);
    const [rates, props] = skills.map((s) => s.id) as [string, string];
    const base = `/dashboard/content/packs/${packId}/skills/change`;
    expect((await post(base, { op: 'rename', skill: props, name: 'Proportional reasoning' })).status).to.equal(200);
    expect((await post(base, { op: 'needs', skill: props, needs: rates })).status).to.equal(200);
    const cycle = await post(base, { op: 'needs', skill: rates, needs: props });
    expect(cycle.status).to.equal(422);
    expect(await cycle.text()).to.match(/cannot need .*Proportional reasoning.*cycle/);
    expect((await post(base, { op: 'up', skill: props })).status).to.equal(200);
    const after = (await srv.db.pool.query('SELECT id, name, prerequisites FROM content_skills WHERE pack_id = $1 ORDER BY position', [packId])).rows;
    expect(after.map((s) => s.name)).to.deep.equal(['Proportional reasoning', 'Unit rates']);
    expect(after[0].prerequisites).to.deep.equal([rates]);
    expect(after[1].prerequisites).to.deep.equal([]);
    const page = await (await post(`/dashboard/content/packs/${packId}/skills`, {})).text();
    expect(page).to.contain('Proportional reasoning needs Unit rates');
  });

  it('edits one question from its preview page, validated like an import', async () => {
    const preview = await (await post(`/dashboard/items/${packId}/rate-1`, {})).text();
    expect(preview).to.contain('data-testid="edit-item"');
    expect(await (await post('/dashboard/items/fractions/like-add-1-2-5', {})).text()).not.to.contain('data-testid="edit-item"');
    const form = await post(`/dashboard/items/${packId}/rate-1/edit`, {});
    expect(form.status).to.equal(200);
    expect(await form.text()).to.contain('A car goes 120 km in 2 hours');
    const bad = await post(`/dashboard/items/${packId}/rate-1/save`, { stem: '', answer: '60', hints: '' });
    expect(bad.status).to.equal(422);
    expect(await bad.text()).to.contain('data-testid="content-error"');
    const badAnswer = await post(`/dashboard/items/${packId}/rate-1/save`, { stem: 'A car goes 150 km in 3 hours. Speed in km/h?', answer: 'fifty', hints: '' });
    expect(badAnswer.status).to.equal(422);
    const ok = await post(`/dashboard/items/${packId}/rate-1/save`, { stem: 'A car goes 150 km in 3 hours. Speed in km/h?', answer: '50', hints: 'Divide the distance by the time.\n---\n150 / 3', solution: '150 / 3 = 50', feedback_correct: '', feedback_incorrect: '' });
    expect(ok.status).to.equal(200);
    const body = (await srv.db.pool.query('SELECT body FROM content_items WHERE pack_id = $1 AND id = $2', [packId, 'rate-1'])).rows[0].body;
    expect(body).to.include({ stem: 'A car goes 150 km in 3 hours. Speed in km/h?', answer: 50, solution: '150 / 3 = 50' });
    expect(body.hints).to.deep.equal(['Divide the distance by the time.', '150 / 3']);
    // A single-choice question must keep exactly one right choice.
    const choices = (await srv.db.pool.query('SELECT body FROM content_items WHERE pack_id = $1 AND id = $2', [packId, 'rate-2'])).rows[0].body.choices as { id: string; text: string }[];
    const none = await post(`/dashboard/items/${packId}/rate-2/save`, { stem: 'Better buy?', choice_id: choices.map((c) => c.id), choice_text: choices.map((c) => c.text), choice_feedback: choices.map(() => '') });
    expect(none.status).to.equal(422);
    expect(await none.text()).to.contain('exactly one correct choice');
  });

  it('deep links the uploaded pack\'s skills and a student practises its questions', async () => {
    const s = await beginLaunch(srv, { user: 'sandbox-teacher-1' });
    const u = DEMO_USERS.find((x) => x.id === 'sandbox-teacher-1')!;
    const res = await postLaunch(s.browser, { id_token: await srv.services.sandbox!.signIdToken(srv.services.sandbox!.deepLinkingClaims(u, 'canvas', s.nonce)), state: s.state });
    const landed = await land(s.browser, new URL(res.headers.get('location')!, srv.url).toString());
    expect(landed.html).to.contain(`value="${packId}"`);
    const rates = (await srv.db.pool.query(`SELECT id FROM content_skills WHERE pack_id = $1 AND name = 'Unit rates'`, [packId])).rows[0].id as string;
    const dl = await dlPost(s.browser, `${srv.url}/deep-link`, { ltik: landed.ltik, title: 'Rates', pack: packId, skills: rates, threshold: '0.9', points: '10' });
    expect(dl.status).to.equal(200);
    const jwt = formFields(await dl.text()).JWT;
    const back = await dlPost(s.browser, srv.services.sandbox!.deepLinkReturnUrl, { JWT: jwt });
    const linkId = (await back.text()).match(/data-link="([^"]+)"/)![1]!;
    const student = await launch(srv, { user: 'sandbox-student-1', link: linkId });
    expect(student.html).to.match(/A car goes 150 km in 3 hours|Which is a better buy/);
    const a = (await srv.db.pool.query('SELECT pack_id, skills FROM assignments WHERE resource_link_id = $1', [linkId])).rows[0];
    expect(a).to.deep.equal({ pack_id: packId, skills: [rates] });
    // In use: deleting it is refused with a clear message.
    const del = await post(`/dashboard/content/packs/${packId}/delete`, {});
    expect(del.status).to.equal(409);
    expect(await del.text()).to.contain('cannot be deleted');
    // The page and its message in the teacher's language.
    const es = await (await post(`/dashboard/content/packs/${packId}/delete`, {}, await as({ locale: 'es' }))).text();
    expect(es).to.contain('No se puede eliminar').and.to.contain('Subir preguntas').and.to.contain('<html lang="es"');
  });

  it('replaces the pack with a new version: same id, unchanged questions kept, the change counted', async () => {
    const res = await upload('ratios-v2.gift', GIFT_V2, ltik, packId);
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.contain('data-testid="diff"');
    const done = await post('/dashboard/content/confirm', { upload: uploadIdOf(html), mode: 'all' });
    expect(done.status).to.equal(200);
    const notice = await done.text();
    expect(notice).to.match(/New version: 2 unchanged[^,]*, 1 changed, 1 new, 0 removed/);
    const items = (await srv.db.pool.query('SELECT id FROM content_items WHERE pack_id = $1 ORDER BY id', [packId])).rows.map((r) => r.id);
    expect(items).to.deep.equal(['prop-1', 'prop-2', 'rate-1', 'rate-2']);
    const owner = (await srv.db.pool.query('SELECT course_id FROM content_pack_courses WHERE pack_id = $1', [packId])).rows[0];
    expect(owner.course_id).to.equal(teacher.contextId);
  });

  it('merges skills: questions and the activities practising a merged skill move to the kept one', async () => {
    const ids = (await srv.db.pool.query(`SELECT id, name FROM content_skills WHERE pack_id = $1`, [packId])).rows as { id: string; name: string }[];
    const rates = ids.find((s) => s.name === 'Unit rates')!.id;
    const props = ids.find((s) => s.name !== 'Unit rates')!.id;
    const res = await post(`/dashboard/content/packs/${packId}/skills/change`, { op: 'merge', into: props, from: [rates] });
    expect(res.status).to.equal(200);
    expect((await srv.db.pool.query('SELECT id FROM content_skills WHERE pack_id = $1', [packId])).rows.map((r) => r.id)).to.deep.equal([props]);
    const assigned = (await srv.db.pool.query('SELECT skills FROM assignments WHERE pack_id = $1', [packId])).rows.map((r) => r.skills);
    expect(assigned).to.deep.equal([[props]]);
    const skillsOfItems = (await srv.db.pool.query('SELECT DISTINCT skill_id FROM content_item_skills WHERE pack_id = $1', [packId])).rows.map((r) => r.skill_id);
    expect(skillsOfItems).to.deep.equal([props]);
  });

  it('stores imported images and serves them with an allow-listed type, nosniff and cache headers; other types are refused', async () => {
    const html = await (await upload('geometry.xml', MOODLE)).text();
    const sha = createHash('sha256').update(PNG).digest('hex');
    expect(html).to.contain(`/assets/${sha}.png`);
    const previewImg = await fetch(`${srv.url}${html.match(/src="(\/content\/uploads\/[^"]+)"/)![1]}`);
    expect(previewImg.status).to.equal(200);
    expect((await post('/dashboard/content/confirm', { upload: uploadIdOf(html), mode: 'all' })).status).to.equal(200);
    const img = await fetch(`${srv.url}/content/assets/${sha}.png`);
    expect(img.status).to.equal(200);
    expect(img.headers.get('content-type')).to.equal('image/png');
    expect(img.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(img.headers.get('cache-control')).to.contain('immutable');
    expect(Buffer.from(await img.arrayBuffer()).equals(PNG)).to.equal(true);
    expect((await fetch(`${srv.url}/content/assets/${sha}.svg`)).status).to.equal(415);
    expect((await fetch(`${srv.url}/content/assets/${sha}.html`)).status).to.equal(415);
    expect((await fetch(`${srv.url}/content/assets/${sha}.jpg`)).status).to.equal(404);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    let refused = '';
    try {
      await saveAssets(srv.db.pool, teacher.tenantId, [{ sha256: createHash('sha256').update(svg).digest('hex'), mime: 'image/svg+xml', bytes: svg }]);
    } catch (err) {
      refused = (err as Error).message;
    }
    expect(refused).to.contain('not an allowed image type');
    let disguised = '';
    try {
      await saveAssets(srv.db.pool, teacher.tenantId, [{ sha256: createHash('sha256').update(svg).digest('hex'), mime: 'image/png', bytes: svg }]);
    } catch (err) {
      disguised = (err as Error).message;
    }
    expect(disguised).to.contain('not an allowed image type');
  });

  it('renames and deletes an unused pack of the course', async () => {
    const html = await (await upload('geometry2.xml', MOODLE.replace('Shape', 'Shape 2'))).text();
    await post('/dashboard/content/confirm', { upload: uploadIdOf(html), mode: 'all' });
    const page = await (await post('/dashboard/content', {})).text();
    const ids = [...page.matchAll(/data-testid="manage" data-pack="([^"]+)"/g)].map((m) => m[1]!).filter((id) => id !== packId);
    const id = ids[ids.length - 1]!;
    const renamed = await post(`/dashboard/content/packs/${id}/rename`, { title: 'Shapes, week 3' });
    expect(renamed.status).to.equal(200);
    expect((await srv.db.pool.query('SELECT title, meta->>\'title\' AS meta FROM content_packs WHERE id = $1', [id])).rows[0]).to.deep.equal({ title: 'Shapes, week 3', meta: 'Shapes, week 3' });
    expect((await post(`/dashboard/content/packs/${id}/rename`, { title: '' })).status).to.equal(400);
    expect((await post(`/dashboard/content/packs/${id}/delete`, {})).status).to.equal(200);
    expect(await packIds()).not.to.include(id);
  });
});

function dlPost(b: Browser, url: string, fields: Record<string, string>) {
  return b.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

