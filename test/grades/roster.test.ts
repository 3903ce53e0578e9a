import { expect } from 'chai';
import { nextLink } from '../../src/lti/ags.js';
import type { RunningServer } from '../../src/server.js';
import { DEMO_COURSE, DEMO_USERS } from '../../src/sandbox/demo.js';
import { SANDBOX_SCOPES } from '../../src/sandbox/lms.js';
import { launchStudents, startGradeServer, tenantOf, closeServer } from './helpers.js';

describe('grades: roster through NRPS', function () {
  let srv: RunningServer;
  before(async () => {
    srv = await startGradeServer();
    await launchStudents(srv, ['sandbox-student-1']);
    srv.services.sandbox!.lms.addStudents(23);
  });
  after(async () => {
    await closeServer(srv);
  });
  const lms = () => srv.services.sandbox!.lms;
  beforeEach(() => {
    srv.services.grades.roster.invalidate();
    lms().grantedScopes = new Set(SANDBOX_SCOPES);
    lms().maxPageSize = 100;
  });

  it('reads every page (Link rel="next") and marks learners', async () => {
    lms().maxPageSize = 5;
    const pages = lms().stats.membershipPages;
    const roster = await srv.services.grades.fetchRoster(tenantOf(srv), DEMO_COURSE.id);
    expect(roster.status).to.equal('ok');
    if (roster.status !== 'ok') return;
    expect(roster.members).to.have.length(DEMO_USERS.length + 23);
    expect(lms().stats.membershipPages - pages).to.equal(Math.ceil((DEMO_USERS.length + 23) / 5));
    expect(new Set(roster.members.map((m) => m.userId)).size).to.equal(roster.members.length);
    const teacher = roster.members.find((m) => m.userId === 'sandbox-teacher-1')!;
    const student = roster.members.find((m) => m.userId === 'sandbox-student-2')!;
    expect(teacher.isLearner).to.equal(false);
    expect(student).to.include({ isLearner: true, name: 'Sofía García', status: 'Active' });
  });

  it('serves the roster from its short cache', async () => {
    await srv.services.grades.fetchRoster(tenantOf(srv), DEMO_COURSE.id);
    const pages = lms().stats.membershipPages;
    const again = await srv.services.grades.fetchRoster(tenantOf(srv), DEMO_COURSE.id);
    expect(again.status).to.equal('ok');
    expect(lms().stats.membershipPages).to.equal(pages);
  });

  it('answers "scope denied" when the platform refuses the roster scope, without throwing', async () => {
    lms().grantedScopes = new Set(SANDBOX_SCOPES.filter((s) => !s.includes('nrps')));
    lms().revokeTokens(); // the cached token still carries the scope: the next call gets 401, the refresh is refused
    const roster = await srv.services.grades.fetchRoster(tenantOf(srv), DEMO_COURSE.id);
    expect(roster).to.deep.include({ status: 'unavailable', reason: 'scope_denied' });
  });

  it('answers "no service" for a course launched without the NRPS claim', async () => {
    await srv.db.pool.query(`INSERT INTO contexts(tenant_id, id, title) VALUES ($1, 'no-nrps-course', 'Old course')`, [tenantOf(srv)]);
    const roster = await srv.services.grades.fetchRoster(tenantOf(srv), 'no-nrps-course');
    expect(roster).to.deep.include({ status: 'unavailable', reason: 'no_service' });
  });

  it('answers "error" while the LMS is down, and recovers after it', async () => {
    lms().setFaults({ downUntil: Date.now() + 60_000 });
    const down = await srv.services.grades.fetchRoster(tenantOf(srv), DEMO_COURSE.id);
    expect(down).to.deep.include({ status: 'unavailable', reason: 'error' });
    lms().setFaults({ downUntil: 0 });
    srv.services.grades.roster.invalidate();
    expect((await srv.services.grades.fetchRoster(tenantOf(srv), DEMO_COURSE.id)).status).to.equal('ok');
  });

  it('refuses NRPS and AGS calls without the right scope (sandbox scope checks)', async () => {
    const url = `${lms().opts.issuer}/api/contexts/${DEMO_COURSE.id}/memberships`;
    expect((await fetch(url)).status).to.equal(401);
    const platform = srv.services.sandbox!.platform;
    const t = await srv.services.grades.tokens.get(platform, ['https://purl.imsglobal.org/spec/lti-ags/scope/score']);
    const res = await fetch(url, { headers: { authorization: `Bearer ${t.token}` } });
    expect(res.status).to.equal(403);
    const li = await fetch(lms().lineItemsUrl(DEMO_COURSE.id), { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: '{"label":"x","scoreMaximum":1}' });
    expect(li.status).to.equal(403);
  });

  it('refuses a client assertion not signed by the tool', async () => {
    const res = await fetch(lms().tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await srv.services.sandbox!.signIdToken({ sub: 'mastery-sandbox', iss: 'mastery-sandbox', aud: lms().tokenUrl, jti: 'x' }),
        scope: SANDBOX_SCOPES[3],
      }).toString(),
    });
    expect(res.status).to.equal(401);
    expect((await res.json()).error).to.equal('invalid_client');
  });

  it('parses Link headers with several relations', () => {
    expect(nextLink('<https://x/a?page=1>; rel="first", <https://x/a?page=3>; rel="next"')).to.equal('https://x/a?page=3');
    expect(nextLink('<https://x/a?page=3>; rel="last"')).to.equal(undefined);
    expect(nextLink(null)).to.equal(undefined);
  });
});
