import { expect } from 'chai';
import type { RunningServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { decodeEntities, launch, ltikOf } from '../helpers/launch.js';

const teacher = 'sandbox-teacher-1';
const student = 'sandbox-student-1';

/** The inner HTML of the element carrying `data-testid="id"` (up to the closing section). */
function section(html: string, id: string): string {
  const start = html.indexOf(`data-testid="${id}"`);
  expect(start, `no ${id} in the page`).to.be.greaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('instructor item preview', function () {
  let srv: RunningServer;
  let ltik: string;
  /** As the page's buttons do: a POST form whose hidden field carries the session token. */
  const get = (path: string, token = ltik) =>
    fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ltik: token }).toString() });

  before(async () => {
    srv = await startTestServer();
    ltik = (await launch(srv, { user: teacher })).ltik;
  });
  after(async () => {
    await srv?.close();
  });

  it('lists the Fractions skills with standards, prerequisites and items, buttons carrying the session in a form field', async () => {
    const res = await get('/dashboard/items');
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.contain('<h2 id="pack-fractions">Fractions</h2>');
    expect(html).to.contain('Unit fractions');
    expect(html).to.contain('Equivalent fractions');
    expect(html).to.contain('CCSS.MATH.CONTENT.4.NF.A.1');
    // Every tenant has both built-in packs: count the skills inside the Fractions pack's section.
    const fractions = html.slice(html.indexOf('data-pack="fractions"'));
    const fractionsSection = fractions.slice(0, fractions.indexOf('data-testid="pack"', 1) === -1 ? undefined : fractions.indexOf('data-testid="pack"', 1));
    expect(fractionsSection.match(/data-testid="skill"/g)).to.have.length(14);
    expect(html).to.contain('data-pack="linear-equations"');
    expect(html).to.contain('<th scope="col">Item</th>');
    expect(html).to.contain('like-add-1-2-5');
    expect(html).to.contain('Template');
    expect(html).to.contain('formaction="/dashboard/items/fractions/like-add-1-2-5"');
    expect(ltikOf(html)).to.be.a('string').and.not.equal('');
    // No session token in any URL of the page.
    expect(html).not.to.match(/(href|action|formaction)="[^"]*ltik=/);
    expect(html).not.to.contain('?ltik');
    expect(html).to.contain('href="/static/katex/katex.min.css"');
  });

  it('previews an item with its stem and, below, its answer, solution and feedback', async () => {
    const res = await get('/dashboard/items/fractions/like-add-1-2-5');
    expect(res.status).to.equal(200);
    const html = await res.text();
    const stem = section(html, 'student-view');
    expect(stem).to.contain('\\frac{1}{5} + \\frac{2}{5}');
    expect(stem).to.contain('class="katex"');
    expect(stem).to.contain('<label for="preview-answer">');
    expect(section(html, 'hints')).to.contain('Add the numerators and keep the denominator 5.');
    expect(stem).not.to.contain('3/5');
    const answer = section(html, 'answer-view');
    expect(answer).to.match(/data-testid="answer">3\/5</);
    expect(answer).to.contain('\\frac{3}{5}');
    expect(answer).to.contain('Keep the denominator');
    expect(html.indexOf('data-testid="answer-view"')).to.be.greaterThan(html.indexOf('data-testid="student-view"'));
  });

  it('previews template instances: different seeds differ, the same seed is identical', async () => {
    const page = async (seed: number) => {
      const res = await get(`/dashboard/items/fractions/unit-count-t?seed=${seed}`);
      expect(res.status).to.equal(200);
      return res.text();
    };
    const [a, b, a2] = [await page(1), await page(2), await page(1)];
    expect(section(a, 'student-view')).to.equal(section(a2, 'student-view'));
    expect(section(a, 'answer-view')).to.equal(section(a2, 'answer-view'));
    expect(section(a, 'student-view')).not.to.equal(section(b, 'student-view'));
    expect(a).to.contain('data-testid="seed">1<');
    expect(section(a, 'values')).to.match(/<code>d<\/code><\/th><td>\d+<\/td>/);
    const next = decodeEntities(a.match(/<form method="post" action="([^"]+)" class="row"><input type="hidden" name="ltik" value="[^"]+"><button type="submit" class="secondary" data-testid="next-instance"/)![1]);
    const url = new URL(next, srv.url);
    expect(url.pathname).to.equal('/dashboard/items/fractions/unit-count-t');
    expect(url.searchParams.get('seed')).to.equal('2');
    expect([...url.searchParams.keys()]).to.deep.equal(['seed']);
    const followed = await (await get(`${url.pathname}${url.search}`, ltikOf(a))).text();
    expect(section(followed, 'student-view')).to.equal(section(b, 'student-view'));
  });

  it('refuses students with 403', async () => {
    const s = await launch(srv, { user: student });
    expect((await get('/dashboard/items', s.ltik)).status).to.equal(403);
    expect((await get('/dashboard/items/fractions/like-add-1-2-5', s.ltik)).status).to.equal(403);
  });

  it('answers 404 for an item that does not exist (and 400 for a bad seed)', async () => {
    const res = await get('/dashboard/items/fractions/no-such-item');
    expect(res.status).to.equal(404);
    expect(await res.text()).to.contain('not_found');
    expect((await get('/dashboard/items/other-pack/like-add-1-2-5')).status).to.equal(404);
    expect((await get('/dashboard/items/fractions/unit-count-t?seed=-3')).status).to.equal(400);
  });

  it('serves KaTeX CSS and fonts from our own origin', async () => {
    const css = await fetch(`${srv.url}/static/katex/katex.min.css`);
    expect(css.status).to.equal(200);
    expect(css.headers.get('content-type')).to.match(/text\/css/);
    const text = await css.text();
    const font = text.match(/url\((fonts\/[^)]+\.woff2)\)/)![1];
    expect((await fetch(`${srv.url}/static/katex/${font}`)).status).to.equal(200);
  });

  it('is translated: a Spanish teacher sees the preview pages in Spanish, and no Edit button on a built-in pack', async () => {
    const actor = (await srv.services.sessions.verifyWithAge(ltik)).actor;
    const es = await srv.services.sessions.issue({ ...actor, locale: 'es' });
    const list = await (await get('/dashboard/items', es)).text();
    expect(list).to.contain('Vista previa de preguntas').and.to.contain('Requisitos previos').and.not.to.contain('Item preview');
    expect(list).to.contain('<html lang="es"');
    const item = await (await get('/dashboard/items/fractions/like-add-1-2-5', es)).text();
    expect(item).to.contain('Respuesta correcta').and.to.contain('Lo que ve el alumnado').and.not.to.contain('What the student sees');
    expect(item).not.to.contain('data-testid="edit-item"');
  });
});
