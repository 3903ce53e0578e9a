import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { countAnswer, counts, Metrics } from '../../src/http/metrics.js';
import { testApp } from '../helpers/app.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';

/** The app's own endpoints and answers, through createApp and supertest (no server, no port). */
describe('app (createApp + supertest)', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  before(async () => {
    t = await testApp();
  });
  after(async () => {
    await t?.close();
  });
  const admin = `Bearer ${TEST_ADMIN_TOKEN}`;

  it('answers health and readiness', async () => {
    expect((await request(t.app).get('/healthz')).body).to.deep.equal({ status: 'up' });
    expect((await request(t.app).get('/readyz')).body).to.deep.equal({ status: 'ready', database: 'reachable' });
  });

  it('sends the security headers and no x-powered-by', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['referrer-policy']).to.equal('same-origin');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['content-security-policy']).to.match(/frame-ancestors \*/);
    expect(res.headers).not.to.have.property('x-powered-by');
  });

  it('guards the admin API and the metrics with the bearer token', async () => {
    const res = await request(t.app).get('/admin/api/platforms');
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('unauthorized');
    expect((await request(t.app).get('/metrics')).status).to.equal(401);
    const metrics = await request(t.app).get('/metrics').set('authorization', admin);
    expect(metrics.text).to.contain('mastery_grade_outbox');
  });

  it('answers an invalid admin request with the one 400 shape', async () => {
    const res = await request(t.app).post('/admin/api/grades/resync').set('authorization', admin).send({ states: ['lost'] });
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ error: 'bad_request', message: 'states must be a list of failed, skipped, sent.', details: [{ path: 'body.states.0', message: 'states must be a list of failed, skipped, sent.' }] });
  });

  it('answers 404 for an unknown learner and an unknown page', async () => {
    const exp = await request(t.app).get('/admin/api/tenants/t/users/nobody/export').set('authorization', admin);
    expect(exp.status).to.equal(404);
    expect((await request(t.app).delete('/admin/api/tenants/t/users/nobody').set('authorization', admin)).status).to.equal(404);
    expect((await request(t.app).get('/nowhere').set('accept', 'application/json')).body.error).to.equal('not_found');
  });

  it('counts a launch where the launch route declares it: a refused one is counted as refused', async () => {
    await request(t.app).post('/lti/launch').type('form').send({ state: 'x' });
    const text = (await request(t.app).get('/metrics').set('authorization', admin)).text;
    expect(text).to.match(/mastery_lti_launches_total\{result="refused"\} [1-9]/);
  });
});

/** Counters are declared by routes (counts, countAnswer); a path alone counts nothing. */
describe('metrics: counters declared by their routes', () => {
  const metricsOf = async (m: Metrics) => m.registry.metrics();
  it('counts launches and graded answers only where a route declares them, whatever its path', async () => {
    const m = new Metrics({ query: async () => ({ rows: [] }) } as never);
    const app = express();
    app.use(m.middleware());
    app.post('/elsewhere/launch', counts('launches'), (_req, res) => res.redirect(303, '/x'));
    app.post('/relay', counts('launches'), (_req, res) => res.send('relay'));
    app.post('/refused', counts('launches'), (_req, res) => res.status(401).send('no'));
    app.post('/right', (_req, res) => {
      countAnswer(res, true);
      res.send('ok');
    });
    app.post('/wrong', (_req, res) => {
      countAnswer(res, false);
      res.send('ok');
    });
    // The old hard-coded paths, undeclared: nothing is counted for them.
    app.post('/lti/launch', (_req, res) => res.redirect(303, '/x'));
    app.post('/practice/answer', (_req, res) => res.send('ok'));
    for (const path of ['/elsewhere/launch', '/relay', '/refused', '/right', '/right', '/wrong', '/lti/launch', '/practice/answer']) await request(app).post(path);
    const text = await metricsOf(m);
    expect(text).to.contain('mastery_lti_launches_total{result="accepted"} 1');
    expect(text).to.contain('mastery_lti_launches_total{result="storage_relay"} 1');
    expect(text).to.contain('mastery_lti_launches_total{result="refused"} 1');
    expect(text).to.contain('mastery_answers_total{correct="true"} 2');
    expect(text).to.contain('mastery_answers_total{correct="false"} 1');
    expect(text).not.to.contain('correct="unknown"');
  });
});
