import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { pino } from 'pino';
import { z } from 'zod';
import { validate } from '../../src/http/validate.js';
import { errorHandler } from '../../src/http/middleware.js';

describe('validate(schema)', () => {
  const app = express();
  const v = validate({ query: z.object({ n: z.coerce.number().int().min(1, 'n must be at least 1.') }), body: z.object({ name: z.string({ error: 'name is missing.' }) }) });
  app.post('/api/x', express.json(), v, (_req, res) => {
    const { query, body } = v.input(res);
    res.json({ n: query.n + 1, name: body.name.toUpperCase() });
  });
  const page = validate({ body: z.object({ a: z.string() }) }, { invalid: (message, _req, res) => res.status(400).send(`form: ${message}`) });
  app.post('/form', express.json(), page, (_req, res) => res.send('ok'));
  app.use(errorHandler(pino({ level: 'silent' })));

  it('hands the handler typed, parsed input', async () => {
    const res = await request(app).post('/api/x?n=2').send({ name: 'ada' });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ n: 3, name: 'ADA' });
  });

  it('answers every invalid part in the one 400 shape', async () => {
    const res = await request(app).post('/api/x?n=0').send({});
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({
      error: 'bad_request',
      message: 'n must be at least 1. name is missing.',
      details: [
        { path: 'query.n', message: 'n must be at least 1.' },
        { path: 'body.name', message: 'name is missing.' },
      ],
    });
  });

  it('lets a form page show the problem itself', async () => {
    const res = await request(app).post('/form').send({ a: 1 });
    expect(res.status).to.equal(400);
    expect(res.text).to.match(/^form: /);
  });
});
