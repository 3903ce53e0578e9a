import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { CallRecord, Faults, LineItemRow, SandboxLms } from './lms.js';

const SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  result: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The sandbox LMS's service endpoints (AGS 2.0, NRPS 2.0, the OAuth token endpoint), its gradebook page
 * and the control API the tests and the page use to set fault knobs. Off in production with the sandbox.
 */
export function agsRoutes(lms: SandboxLms): Router {
  const r = express.Router();
  const json = express.json({ type: ['application/json', 'application/*+json'], limit: '256kb' });
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  const fail = (res: Response, status: number, error: string, message?: string) => {
    res.status(status).json({ error, ...(message ? { error_description: message } : {}) });
  };

  /** Records the call and applies the fault knobs before the real handler runs. */
  const faults = (kind: CallRecord['kind']) => async (req: Request, res: Response, next: NextFunction) => {
    const startedAt = Date.now();
    res.on('finish', () => lms.record({ startedAt, at: Date.now(), method: req.method, kind, status: res.statusCode }));
    res.locals.parsedKind = kind;
    const f = lms.faults;
    if (f.delayMs) await sleep(f.delayMs);
    if (f.downUntil > Date.now()) {
      lms.stats.faultsServed++;
      return fail(res, 500, 'server_error', 'the sandbox LMS is down (fault knob)');
    }
    if (f.tooManyNext > 0) {
      f.tooManyNext--;
      lms.stats.faultsServed++;
      res.setHeader('Retry-After', String(f.retryAfterS));
      return fail(res, 429, 'rate_limited', 'too many requests (fault knob)');
    }
    if (f.failPercent > 0 && Math.random() * 100 < f.failPercent) {
      lms.stats.faultsServed++;
      return fail(res, 500, 'server_error', 'random failure (fault knob)');
    }
    next();
  };

  /** Sends JSON the tool parses, or a broken body while the malformed knob is set. */
  const sendParsed = (res: Response, status: number, body: unknown, type = 'application/json') => {
    if (lms.faults.malformedNext > 0) {
      lms.faults.malformedNext--;
      lms.stats.faultsServed++;
      res.status(status).type(type).send('{"this is": not json <html>');
      return;
    }
    res.status(status).type(type).send(JSON.stringify(body));
  };

  /** Bearer token with one of the scopes (AGS 2.0 §3.1 scope rules), else 401 / 403. */
  const requireScope = (...anyOf: string[]) => async (req: Request, res: Response, next: NextFunction) => {
    const scopes = await lms.tokenScopes(req.get('authorization'));
    if (!scopes) return fail(res, 401, 'invalid_token', 'a valid bearer token is required');
    if (!anyOf.some((s) => scopes.includes(s))) return fail(res, 403, 'insufficient_scope', `needs one of: ${anyOf.join(' ')}`);
    next();
  };

  const course = (req: Request, res: Response, next: NextFunction) => {
    if (req.params.ctx !== lms.courseId) return fail(res, 404, 'not_found', 'no such course');
    next();
  };

  const item = async (req: Request, res: Response): Promise<LineItemRow | undefined> => {
    const li = await lms.getLineItem(String(req.params.ctx), String(req.params.id));
    if (!li) fail(res, 404, 'not_found', 'no such line item');
    return li;
  };

  r.post('/sandbox/token', faults('token'), form, async (req, res) => {
    const out = await lms.issueToken((req.body ?? {}) as Record<string, unknown>);
    res.setHeader('Cache-Control', 'no-store');
    if (out.status !== 200) return void res.status(out.status).json(out.body);
    sendParsed(res, 200, out.body);
  });

  const base = '/sandbox/api/contexts/:ctx';
  r.get(`${base}/lineitems`, faults('lineitems'), course, requireScope(SCOPES.lineItem, SCOPES.lineItemReadonly), async (req, res) => {
    const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : undefined);
    const items = await lms.listLineItems(String(req.params.ctx), { resourceLinkId: q('resource_link_id'), resourceId: q('resource_id'), tag: q('tag') });
    sendParsed(res, 200, items.map((li) => lms.toJson(li)), 'application/vnd.ims.lis.v2.lineitemcontainer+json');
  });
  r.post(`${base}/lineitems`, faults('lineitems'), course, requireScope(SCOPES.lineItem), json, async (req, res) => {
    const v = lms.lineItemInput((req.body ?? {}) as Record<string, unknown>);
    if (!v.value) return fail(res, 400, 'bad_request', v.error);
    const li = await lms.createLineItem(String(req.params.ctx), v.value);
    sendParsed(res, 201, lms.toJson(li), 'application/vnd.ims.lis.v2.lineitem+json');
  });
  r.get(`${base}/lineitems/:id`, faults('lineitem'), course, requireScope(SCOPES.lineItem, SCOPES.lineItemReadonly), async (req, res) => {
    const li = await item(req, res);
    if (li) res.type('application/vnd.ims.lis.v2.lineitem+json').send(JSON.stringify(lms.toJson(li)));
  });
  r.put(`${base}/lineitems/:id`, faults('lineitem'), course, requireScope(SCOPES.lineItem), json, async (req, res) => {
    const v = lms.lineItemInput((req.body ?? {}) as Record<string, unknown>);
    if (!v.value) return fail(res, 400, 'bad_request', v.error);
    const li = await lms.updateLineItem(String(req.params.ctx), String(req.params.id), v.value);
    if (!li) return fail(res, 404, 'not_found', 'no such line item');
    res.type('application/vnd.ims.lis.v2.lineitem+json').send(JSON.stringify(lms.toJson(li)));
  });
  r.delete(`${base}/lineitems/:id`, faults('lineitem'), course, requireScope(SCOPES.lineItem), async (req, res) => {
    if (!(await lms.deleteLineItem(String(req.params.ctx), String(req.params.id)))) return fail(res, 404, 'not_found', 'no such line item');
    res.status(204).end();
  });
  r.post(`${base}/lineitems/:id/scores`, faults('scores'), course, requireScope(SCOPES.score), json, async (req, res) => {
    const li = await item(req, res);
    if (!li) return;
    if (req.readableAborted) return void res.destroy(); // the tool went away mid-request: nothing to record
    const out = await lms.postScore(li, (req.body ?? {}) as Record<string, unknown>);
    if (out.error) return fail(res, out.status, out.status === 422 ? 'unprocessable' : out.status === 409 ? 'conflict' : 'bad_request', out.error);
    res.json({ resultUrl: `${lms.lineItemUrl(li.context_id, li.id)}/results` });
  });
  r.get(`${base}/lineitems/:id/results`, faults('results'), course, requireScope(SCOPES.result), async (req, res) => {
    const li = await item(req, res);
    if (!li) return;
    const userId = typeof req.query.user_id === 'string' ? req.query.user_id : undefined;
    res.type('application/vnd.ims.lis.v2.resultcontainer+json').send(JSON.stringify(await lms.results(li, userId)));
  });

  /** NRPS 2.0 §2.4: the roster, `limit` members a page (at most maxPageSize), `Link: rel="next"` to the next. */
  r.get(`${base}/memberships`, faults('memberships'), course, requireScope(SCOPES.nrps), (req, res) => {
    lms.stats.membershipPages++;
    const limit = Math.min(lms.maxPageSize, Math.max(1, Number(req.query.limit) || lms.maxPageSize));
    const page = Math.max(1, Number(req.query.page) || 1);
    const all = lms.members();
    const slice = all.slice((page - 1) * limit, page * limit);
    const self = `${lms.opts.issuer}/api/contexts/${encodeURIComponent(lms.courseId)}/memberships`;
    if (page * limit < all.length) res.setHeader('Link', `<${self}?limit=${limit}&page=${page + 1}>; rel="next"`);
    sendParsed(
      res,
      200,
      {
        id: `${self}?limit=${limit}&page=${page}`,
        context: { id: lms.courseId },
        members: slice.map((u) => ({
          status: 'Active',
          name: u.name,
          given_name: u.givenName,
          family_name: u.familyName,
          email: u.email,
          user_id: u.id,
          roles: lms.rolesOf(u),
        })),
      },
      'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
    );
  });

  // The gradebook page (live: it polls the JSON below) with the fault knobs.
  r.get('/sandbox/gradebook', async (_req, res) => {
    res.render('sandbox/gradebook', { title: 'Sandbox gradebook', gradebook: await lms.gradebook(), faults: lms.faults, stats: lms.stats, now: Date.now() });
  });
  r.get('/sandbox/gradebook.json', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ...(await lms.gradebook()), faults: lms.faults, stats: lms.stats });
  });
  r.post('/sandbox/gradebook/faults', form, (req, res) => {
    const b = (req.body ?? {}) as Record<string, string>;
    const num = (k: string) => (b[k] === undefined || b[k] === '' ? undefined : Number(b[k]));
    const downForS = num('downForS');
    lms.setFaults({
      failPercent: num('failPercent'),
      tooManyNext: num('tooManyNext'),
      retryAfterS: num('retryAfterS'),
      delayMs: num('delayMs'),
      malformedNext: num('malformedNext'),
      wholeSecondTimestamps: b.wholeSecondTimestamps === 'on',
      downUntil: downForS === undefined ? undefined : downForS > 0 ? Date.now() + downForS * 1000 : 0,
    });
    res.redirect(303, '/sandbox/gradebook');
  });

  // Control API for tests and scripts (JSON).
  r.get('/sandbox/control/faults', (_req, res) => void res.json(lms.faults));
  r.put('/sandbox/control/faults', json, (req, res) => {
    const b = { ...((req.body ?? {}) as Partial<Faults> & { downForMs?: number }) };
    if (typeof b.downForMs === 'number') b.downUntil = b.downForMs > 0 ? Date.now() + b.downForMs : 0;
    res.json(lms.setFaults(b));
  });
  r.get('/sandbox/control/stats', (_req, res) => void res.json({ ...lms.stats, calls: lms.calls.length }));
  r.post('/sandbox/control/reset', json, async (req, res) => {
    await lms.reset({ keepLineItems: Boolean((req.body as { keepLineItems?: boolean } | undefined)?.keepLineItems) });
    res.json({ ok: true });
  });
  r.post('/sandbox/control/revoke-tokens', (_req, res) => {
    lms.revokeTokens();
    res.json({ ok: true });
  });
  r.put('/sandbox/control/scopes', json, (req, res) => {
    const scopes = (req.body as { scopes?: unknown })?.scopes;
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) return fail(res, 400, 'bad_request', 'scopes must be a list of scope URIs');
    lms.grantedScopes = new Set(scopes as string[]);
    res.json({ scopes: [...lms.grantedScopes] });
  });
  r.post('/sandbox/control/students', json, (req, res) => {
    const n = Number((req.body as { count?: unknown })?.count);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) return fail(res, 400, 'bad_request', 'count must be an integer 1..100000');
    res.json({ added: lms.addStudents(n).length, members: lms.members().length });
  });
  return r;
}
