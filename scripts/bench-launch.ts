/**
 * Launch benchmark (issue 2): full LTI 1.3 login + launch round trips per second and p50/p99 latency on
 * loopback, for Mastery with its sandbox LMS and, in the same run, for a minimal ltijs 5 app
 * (ltijs-sequelize on the same PostgreSQL server, its own database).
 *
 *   npm run bench:launch          (BENCH_LAUNCHES, BENCH_WARMUP, BENCH_CONCURRENCY override the defaults;
 *                                   BENCH_CPU_PROF=DIR writes CPU profiles of the app processes)
 *
 * One embedded PostgreSQL (temp dir, random port) serves both apps. Each app runs in a child process of
 * its own together with the LMS authorization endpoint that answers it (Mastery: its built-in sandbox;
 * ltijs: a signer using the same sandbox key and claims), so the load generator in this process does not
 * share an event loop with either server. The two apps are measured one after the other with the same
 * flow shape and the same concurrency. Prints a table and, as the very last line, one JSON object.
 * Tokens are never printed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { benchPostgres, childCpuMs, childSend, guardRun, type BenchPostgres, decodeEntities, f1, f2, int, onStop, percentile, round, runBenchmark, startChild, stopChild, type Child } from './bench-harness.js';

const LTIJS_CLIENT_ID = 'ltijs-baseline';
const LTIJS_MARKER = 'ltijs-launched:';

const CONCURRENCY = int(process.env.BENCH_CONCURRENCY, 8);
const WARMUP = int(process.env.BENCH_WARMUP, 150);
const LAUNCHES = int(process.env.BENCH_LAUNCHES, 1500);
/** Measured launches run in this many rounds, alternating between the apps. */
const ROUNDS = 5;
/** Each app's measured rounds stop early after this long in all, so the whole run stays under ~2 minutes. */
const PHASE_MAX_MS = 20_000;
const WARMUP_MAX_MS = 5_000;
/** Launches one at a time per app, for the unloaded p50. */
const SERIAL_LAUNCHES = 100;
/** Checking the landing pages of one app's launches stops after this long (the rest count as errors). */
const VERIFY_MAX_MS = 15_000;
const SERIAL_MAX_MS = 4_000;
const REQUEST_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------------
// Child processes: each serves one app and reports its URLs over IPC.

interface ChildConfig {
  /** postgres:// URL of the app's own database. */
  databaseUrl: string;
  /** ltijs child only: Mastery's URL (the sandbox issuer and JWKS live there) and its database. */
  oursUrl?: string;
  oursDatabaseUrl?: string;
}

interface ReadyMessage {
  [k: string]: unknown;
  type: 'ready';
  url: string;
  /** One login-initiation URL per learner, as the LMS would render behind its launch links. */
  logins: { userId: string; name: string; url: string }[];
  /** Where the LMS authorization endpoint for this app lives (for the description). */
  authUrl: string;
}

async function learners() {
  const { DEMO_USERS } = await import('../src/sandbox/demo.js');
  return DEMO_USERS.filter((u) => u.role === 'student');
}

/** Mastery as deployed: NODE_ENV=production settings, sandbox on, logs silent. */
async function oursChild(cfg: ChildConfig): Promise<void> {
  const { pino } = await import('pino');
  const { loadSettings } = await import('../src/settings.js');
  const { openDatabase } = await import('../src/db/index.js');
  const { startServer } = await import('../src/server.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-bench-data-'));
  const settings = loadSettings({
    NODE_ENV: 'production',
    PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1',
    DATABASE_URL: cfg.databaseUrl,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: crypto.randomBytes(24).toString('base64url'),
    SANDBOX: '1',
    LOG_LEVEL: 'silent',
  });
  const log = pino({ level: 'silent' });
  const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir, embeddedPort: settings.embeddedPgPort, log });
  const srv = await startServer(settings, log, { db });
  const sandbox = srv.services.sandbox!;
  onStop(async () => {
    await srv.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const logins = [];
  for (const u of await learners()) logins.push({ userId: u.id, name: u.name, url: await sandbox.loginUrl({ user: u.id }) });
  childSend({ type: 'ready', url: srv.url, logins, authUrl: `${sandbox.issuer}/auth` });
}

interface LtijsToken {
  user: string;
}
interface LtijsProvider {
  setup(key: string, database: { plugin: unknown }, options: Record<string, unknown>): LtijsProvider;
  onConnect(cb: (token: LtijsToken, req: unknown, res: { send(body: string): void }) => unknown): void;
  deploy(options: { serverless: boolean; silent: boolean }): Promise<boolean>;
  registerPlatform(platform: Record<string, unknown>): Promise<unknown>;
  close(options: { silent: boolean }): Promise<boolean>;
  app: http.RequestListener;
}
type SequelizePlugin = new (database: string, user: string, pass: string, options: Record<string, unknown>) => { db: { authenticate(): Promise<void> } };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * The minimal ltijs 5 app: Provider.setup with ltijs-sequelize on PostgreSQL, devMode (no HTTPS), an
 * onConnect that answers a tiny page, and the sandbox registered as its platform (JWK_SET = the sandbox's
 * JWKS URL on Mastery's server). Beside it, in the same process as Mastery's sandbox is in Mastery's, the
 * LMS authorization endpoint for it: it checks the auth request like the sandbox does and answers the same
 * auto-post form with an id_token signed by the sandbox key with the sandbox's launch claims, addressed to
 * ltijs (aud = ltijs's client id, target_link_uri = the ltijs app).
 */
async function ltijsChild(cfg: ChildConfig): Promise<void> {
  const require = createRequire(import.meta.url);
  const { Provider } = require('ltijs') as { Provider: LtijsProvider };
  const Database = require('ltijs-sequelize') as SequelizePlugin;
  const { SandboxPlatform, SANDBOX_DEPLOYMENT_ID } = await import('../src/sandbox/platform.js');
  const { PlatformRegistry } = await import('../src/lti/registry.js');
  const { CLAIM } = await import('../src/lti/claims.js');
  const { DEMO_USERS } = await import('../src/sandbox/demo.js');

  // The sandbox's key and issuer, read from Mastery's database (the sandbox registered itself there).
  const oursPool = new pg.Pool({ connectionString: cfg.oursDatabaseUrl, max: 1 });
  const sandbox = new SandboxPlatform(oursPool, new PlatformRegistry(oursPool), cfg.oursUrl!);
  await sandbox.init();
  await oursPool.end();

  const u = new URL(cfg.databaseUrl);
  const plugin = new Database(u.pathname.slice(1), decodeURIComponent(u.username), decodeURIComponent(u.password), {
    host: u.hostname,
    port: Number(u.port),
    dialect: 'postgres',
    logging: false,
    // Same pool size as Mastery's pg pool.
    pool: { max: 10, min: 0, idle: 10_000 },
  });
  await plugin.db.authenticate();
  Provider.setup(crypto.randomBytes(32).toString('hex'), { plugin }, { cookies: { secure: false, sameSite: '' }, devMode: true });
  Provider.onConnect((token, _req, res) => {
    res.send(`<!doctype html><title>ltijs app</title><p id="who">${LTIJS_MARKER}${escapeHtml(String(token.user))}</p>`);
  });
  await Provider.deploy({ serverless: true, silent: true });
  const app = await listen(Provider.app);
  const ltijsUrl = app.url;
  const redirectUri = `${ltijsUrl}/`;

  const signer = await listen(async (req, res) => {
    const fail = (why: string) => {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`authorization refused: ${why}`);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://signer');
      if (req.method !== 'GET' || url.pathname !== '/auth') return fail('not found');
      const q = Object.fromEntries(url.searchParams);
      if (q.scope !== 'openid') return fail('scope must be openid');
      if (q.response_type !== 'id_token') return fail('response_type must be id_token');
      if (q.response_mode !== 'form_post') return fail('response_mode must be form_post');
      if (q.prompt !== 'none') return fail('prompt must be none');
      if (q.client_id !== LTIJS_CLIENT_ID) return fail('unknown client_id');
      if (q.redirect_uri !== redirectUri) return fail('redirect_uri is not registered for this tool');
      if (!q.nonce || !q.state || !q.lti_message_hint) return fail('nonce, state or lti_message_hint missing');
      const hint = await sandbox.readHint(q.lti_message_hint).catch(() => undefined);
      if (!hint || hint.user !== q.login_hint) return fail('lti_message_hint is not valid');
      const user = DEMO_USERS.find((x) => x.id === hint.user);
      if (!user) return fail('unknown user');
      const claims = { ...sandbox.launchClaims(user, hint.link, hint.flavor, q.nonce, hint.custom), aud: LTIJS_CLIENT_ID, [CLAIM.targetLinkUri]: redirectUri };
      const idToken = await sandbox.signIdToken(claims);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        `<!doctype html><html><head><meta charset="utf-8"><title>Launching…</title></head><body>` +
          `<form id="form-post" method="post" action="${escapeHtml(redirectUri)}">\n` +
          `  <input type="hidden" name="id_token" value="${escapeHtml(idToken)}">\n` +
          `  <input type="hidden" name="state" value="${escapeHtml(q.state)}">\n` +
          `</form><script>document.getElementById('form-post').submit()</script></body></html>`,
      );
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`signer error: ${(err as Error).message}`);
    }
  });

  await Provider.registerPlatform({
    url: sandbox.issuer,
    name: 'Sandbox LMS (ltijs baseline)',
    clientId: LTIJS_CLIENT_ID,
    authenticationEndpoint: `${signer.url}/auth`,
    accesstokenEndpoint: `${sandbox.issuer}/token`,
    authConfig: { method: 'JWK_SET', key: `${sandbox.issuer}/jwks` },
  });
  onStop(async () => {
    await closeServer(app.server);
    await closeServer(signer.server);
    await Provider.close({ silent: true });
  });

  const logins = [];
  for (const s of await learners()) {
    const l = new URL(`${ltijsUrl}/login`);
    l.searchParams.set('iss', sandbox.issuer);
    l.searchParams.set('login_hint', s.id);
    l.searchParams.set('target_link_uri', redirectUri);
    l.searchParams.set('client_id', LTIJS_CLIENT_ID);
    l.searchParams.set('lti_deployment_id', SANDBOX_DEPLOYMENT_ID);
    l.searchParams.set('lti_message_hint', await sandbox.signHint({ user: s.id, link: 'demo-link-fractions', flavor: 'canvas' }));
    logins.push({ userId: s.id, name: s.name, url: l.toString() });
  }
  childSend({ type: 'ready', url: ltijsUrl, logins, authUrl: `${signer.url}/auth` });
}

// ---------------------------------------------------------------------------------------------------
// The load generator: a tiny browser per launch (cookies by origin and path, redirects by hand).

interface StoredCookie {
  name: string;
  value: string;
  origin: string;
  path: string;
}

class Browser {
  private cookies: StoredCookie[] = [];

  private header(url: URL): string {
    return this.cookies
      .filter((c) => c.origin === url.origin && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, setCookies: string[]): void {
    for (const sc of setCookies) {
      const [pair, ...attrs] = sc.split(';');
      const i = pair.indexOf('=');
      if (i <= 0) continue;
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      let cpath = url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k, ...v] = a.split('=');
        const key = k.trim().toLowerCase();
        const val = v.join('=').trim();
        if (key === 'path' && val.startsWith('/')) cpath = val;
        if (key === 'max-age' && Number(val) <= 0) expired = true;
        if (key === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.origin === url.origin && c.path === cpath));
      if (!expired) this.cookies.push({ name, value, origin: url.origin, path: cpath });
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; location?: string; body: string }> {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    const cookie = this.header(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(u, { method: init.method ?? 'GET', headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    this.store(u, res.headers.getSetCookie());
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location') ?? undefined, body: text };
  }
}

function autoPostForm(html: string): { action?: string; fields: Record<string, string> } {
  const action = html.match(/<form[^>]*\saction="([^"]*)"/)?.[1];
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]] = decodeEntities(m[2]);
  return { action: action === undefined ? undefined : decodeEntities(action), fields };
}

class LaunchError extends Error {}
const expect = (ok: unknown, why: string): void => {
  if (!ok) throw new LaunchError(why);
};

/** A short, token-free reason for a refused request (ltijs's 401 body echoes the posted id_token). */
function reason(step: string, res: { status: number; body: string }): string {
  let detail = '';
  try {
    const j = JSON.parse(res.body) as { details?: { message?: unknown } };
    if (typeof j.details?.message === 'string' && /^[A-Z_ ]{3,60}$/.test(j.details.message)) detail = ` ${j.details.message}`;
  } catch {
    const t = res.body.match(/<title>([^<]{1,80})<\/title>/)?.[1];
    if (t) detail = ` "${t}"`;
  }
  return `${step} answered ${res.status}${detail}`;
}

interface AppUnderTest {
  name: string;
  url: string;
  logins: ReadyMessage['logins'];
  /** CPU time used so far by the app's process (the app and the LMS endpoint that answers it). */
  cpuMs(): Promise<number>;
  /** Checks the launch POST's answer; returns the landing URL. */
  checkLaunch(res: { status: number; location?: string; body: string }): string;
  /** Checks the landing page for the launched learner. */
  checkLanding(res: { status: number; body: string }, login: ReadyMessage['logins'][number]): void;
}

interface Sample {
  ok: boolean;
  /** login + auth + launch POST, ending with the launch's redirect. */
  ms: number;
  steps: [number, number, number];
  error?: string;
  landingUrl?: string;
  browser?: Browser;
  login?: ReadyMessage['logins'][number];
}

async function oneLaunch(app: AppUnderTest, i: number): Promise<Sample> {
  const login = app.logins[i % app.logins.length];
  const browser = new Browser();
  const t0 = performance.now();
  let t1 = t0;
  let t2 = t0;
  try {
    const l = await browser.request(login.url);
    expect(l.status === 302 && l.location, reason('login', l));
    t1 = performance.now();
    const a = await browser.request(new URL(l.location!, login.url).toString());
    expect(a.status === 200, reason('LMS authorization', a));
    const form = autoPostForm(a.body);
    expect(form.action && form.fields.id_token && form.fields.state, 'LMS authorization answered no auto-post form');
    t2 = performance.now();
    const p = await browser.request(form.action!, { method: 'POST', form: form.fields });
    const landingUrl = app.checkLaunch(p);
    const t3 = performance.now();
    return { ok: true, ms: t3 - t0, steps: [t1 - t0, t2 - t1, t3 - t2], landingUrl, browser, login };
  } catch (err) {
    const msg = err instanceof LaunchError ? err.message : `request failed: ${(err as Error).name}`;
    return { ok: false, ms: performance.now() - t0, steps: [0, 0, 0], error: msg };
  }
}

/** Runs up to n jobs with `inFlight` at a time, stopping early at maxMs. */
async function pool<T>(n: number, maxMs: number, job: (i: number) => Promise<T>, inFlight = CONCURRENCY): Promise<{ results: T[]; wallMs: number }> {
  const results: T[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < n && performance.now() - start < maxMs) {
      const i = next++;
      results.push(await job(i));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { results, wallMs: performance.now() - start };
}

interface PhaseResult {
  name: string;
  attempted: number;
  succeeded: number;
  errors: number;
  errorReasons: Map<string, number>;
  wallMs: number;
  launchesPerS: number;
  p50: number;
  p99: number;
  stepP50: [number, number, number];
  landingP50: number;
  /** CPU ms the app's process spent per attempted launch during the measured rounds. */
  cpuMsPerLaunch: number;
  /** p50 ms with one launch in flight. */
  serialP50?: number;
}

/** Warm-up: JIT, connection pools, JWKS caches; not counted. */
async function warmUp(app: AppUnderTest): Promise<void> {
  await pool(WARMUP, WARMUP_MAX_MS, (i) => oneLaunch(app, i));
}

/**
 * Unloaded latency: launches one at a time (after the loaded rounds), p50 of the successful ones. With
 * CONCURRENCY in flight on a small machine the loaded p50 is mostly queueing (Little's law: in flight /
 * throughput); this shows what one launch costs on its own.
 */
async function serialP50(app: AppUnderTest): Promise<number> {
  const run = await pool(SERIAL_LAUNCHES, SERIAL_MAX_MS, (i) => oneLaunch(app, i), 1);
  return percentile(run.results.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b), 50);
}

/**
 * The measured launches of both apps, in ROUNDS alternating rounds (mastery, ltijs, mastery, ...), so that
 * background load on the machine falls on both alike. Each app's wall time is the sum of its rounds.
 */
async function measureRounds(apps: AppUnderTest[]): Promise<MeasuredRun[]> {
  const acc = apps.map(() => ({ samples: [] as Sample[], wallMs: 0, cpuMs: 0 }));
  const perRound = Math.ceil(LAUNCHES / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, app] of apps.entries()) {
      const offset = acc[k].samples.length;
      const cpu0 = await app.cpuMs();
      const run = await pool(Math.min(perRound, LAUNCHES - offset), PHASE_MAX_MS / ROUNDS, (i) => oneLaunch(app, offset + i));
      acc[k].cpuMs += (await app.cpuMs()) - cpu0;
      acc[k].samples.push(...run.results);
      acc[k].wallMs += run.wallMs;
    }
  }
  return acc;
}

interface MeasuredRun {
  samples: Sample[];
  wallMs: number;
  cpuMs: number;
}

/**
 * Every launch's landing page is fetched and checked after the timed rounds (outside their clock), so a
 * launch only counts when the app really let the learner in.
 */
async function verify(app: AppUnderTest, run: MeasuredRun): Promise<PhaseResult> {
  const landingMs: number[] = [];
  const verified = await pool(run.samples.length, VERIFY_MAX_MS, async (i) => {
    const s = run.samples[i];
    if (!s.ok) return s;
    const t = performance.now();
    try {
      const res = await s.browser!.request(s.landingUrl!);
      landingMs.push(performance.now() - t);
      app.checkLanding(res, s.login!);
      return s;
    } catch (err) {
      const msg = err instanceof LaunchError ? err.message : `landing request failed: ${(err as Error).name}`;
      return { ...s, ok: false, error: msg };
    }
  });
  const unverified = run.samples.length - verified.results.length;
  const good = verified.results.filter((s) => s.ok);
  const reasons = new Map<string, number>();
  for (const s of verified.results) if (!s.ok) reasons.set(s.error!, (reasons.get(s.error!) ?? 0) + 1);
  if (unverified) reasons.set('landing page not checked in time', unverified);
  const lat = good.map((s) => s.ms).sort((a, b) => a - b);
  const step = (k: 0 | 1 | 2) => percentile(good.map((s) => s.steps[k]).sort((a, b) => a - b), 50);
  return {
    name: app.name,
    attempted: run.samples.length,
    succeeded: good.length,
    errors: run.samples.length - good.length,
    errorReasons: reasons,
    wallMs: run.wallMs,
    launchesPerS: good.length / (run.wallMs / 1000),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    stepP50: [step(0), step(1), step(2)],
    landingP50: percentile(landingMs.sort((a, b) => a - b), 50),
    cpuMsPerLaunch: run.cpuMs / Math.max(1, run.samples.length),
  };
}

// ---------------------------------------------------------------------------------------------------
// Orchestration.

async function main(): Promise<void> {
  const started = performance.now();
  const out = (s = '') => process.stdout.write(`${s}\n`);

  let db: BenchPostgres | undefined;
  let ours: Child | undefined;
  let ltijs: Child | undefined;
  const guard = guardRun('bench-launch', 170_000, async () => {
    await Promise.all([stopChild(ours), stopChild(ltijs)]);
    await db?.stop();
  });

  try {
    db = await benchPostgres();
    const emb = db;
    const pgVersion = db.version;
    const admin = new pg.Pool({ connectionString: emb.url, max: 1 });
    await admin.query('CREATE DATABASE ltijs_bench');
    await admin.end();
    const ltijsDbUrl = emb.url.replace(/\/mastery$/, '/ltijs_bench');

    // BENCH_CPU_PROF=DIR writes a V8 CPU profile of each app process there (for finding hot spots).
    const execArgv = [...process.execArgv, ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])];
    const o = startChild<ReadyMessage>(import.meta.url, 'ours', { databaseUrl: emb.url }, 60_000, execArgv);
    ours = o.child;
    const oursReady = await o.ready;
    const l = startChild<ReadyMessage>(import.meta.url, 'ltijs', { databaseUrl: ltijsDbUrl, oursUrl: oursReady.url, oursDatabaseUrl: emb.url }, 60_000, execArgv);
    ltijs = l.child;
    let ltijsReady: ReadyMessage | undefined;
    let ltijsProblem: string | undefined;
    try {
      ltijsReady = await l.ready;
    } catch (err) {
      ltijsProblem = `ltijs could not be started on PostgreSQL: ${(err as Error).message}`;
    }

    const oursApp: AppUnderTest = {
      name: 'mastery',
      url: oursReady.url,
      logins: oursReady.logins,
      cpuMs: () => childCpuMs(ours!),
      checkLaunch(res) {
        expect(res.status === 303 && res.location && /^\/practice\?code=[^&]+$/.test(res.location), reason('launch POST', res) + (res.status === 303 ? ' (not to /practice?code=)' : ''));
        return new URL(res.location!, oursReady.url).toString();
      },
      checkLanding(res, login) {
        expect(res.status === 200, reason('landing page', res));
        expect(res.body.includes('data-testid="role">student<') && res.body.includes(escapeHtml(login.name)), 'landing page does not show the launched learner');
      },
    };

    out(`LTI 1.3 launch benchmark: loopback, PostgreSQL ${pgVersion} (embedded, one server, a database per app), ${os.cpus().length} CPUs, Node ${process.version}`);
    out(`${CONCURRENCY} launches in flight; per app ${WARMUP} warm-up launches, then up to ${LAUNCHES} measured launches in ${ROUNDS} rounds`);
    out(`alternating between the apps (at most ${PHASE_MAX_MS / 1000} s of measured rounds per app).`);
    out('');
    out('How a round trip is made (same shape for both; a fresh cookie jar per launch; the 4 demo learners in turn):');
    out(`  mastery  GET /lti/login (the sandbox's login-initiation URL) -> 302 to the sandbox's /sandbox/auth`);
    out(`           -> 200 auto-post form (id_token, state) -> POST /lti/launch -> 303 /practice?code=...`);
    out(`           NODE_ENV=production settings, SANDBOX=1, logs silent; tool and sandbox in one child process.`);
    out(`  ltijs    GET /login -> 302 to an LMS auth endpoint in the ltijs process (checks the request like the sandbox,`);
    out(`           signs the sandbox's launch claims with the sandbox key, aud=${LTIJS_CLIENT_ID}) -> 200 auto-post form`);
    out(`           -> POST / -> 302 /?ltik=...   ltijs 5 + ltijs-sequelize (postgres), devMode, platform authConfig`);
    out(`           JWK_SET = the sandbox JWKS URL on Mastery's server.`);
    out('  The clock runs from the login request to the launch redirect. Afterwards every landing page (mastery /practice,');
    out("  ltijs's onConnect page) is fetched and checked for the launched learner; a launch counts only if all its");
    out("  answers were right. Throughput = counted launches / summed wall time of that app's measured rounds.");
    out('');

    const apps: AppUnderTest[] = [oursApp];
    if (ltijsReady) {
      const ready = ltijsReady;
      apps.push({
        name: 'ltijs',
        url: ready.url,
        logins: ready.logins,
        cpuMs: () => childCpuMs(ltijs!),
        checkLaunch(res) {
          expect(res.status === 302 && res.location && /^\/\?ltik=[^&]+$/.test(res.location), reason('launch POST', res));
          return new URL(res.location!, ready.url).toString();
        },
        checkLanding(res, login) {
          expect(res.status === 200, reason('onConnect page', res));
          expect(res.body.includes(`${LTIJS_MARKER}${escapeHtml(login.userId)}<`), 'onConnect page does not show the launched learner');
        },
      });
    }
    const startupS = (performance.now() - started) / 1000;
    const loadBefore = os.loadavg()[0];
    for (const app of apps) await warmUp(app);
    const runs = await measureRounds(apps);
    const loadAfter = os.loadavg()[0];
    const serial: number[] = [];
    for (const app of apps) serial.push(await serialP50(app));
    const results: PhaseResult[] = [];
    for (const [k, app] of apps.entries()) results.push({ ...(await verify(app, runs[k])), serialP50: serial[k] });

    const [m] = results;
    const b = results[1];
    const bOk = b !== undefined && b.succeeded > 0;
    if (b && !bOk) ltijsProblem = `no ltijs launch succeeded (${[...b.errorReasons].map(([k, v]) => `${v}x ${k}`).join('; ')})`;
    const ratio = bOk ? m.launchesPerS / b.launchesPerS : NaN;

    const table = (rows: string[][]) => {
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows) out(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    };
    table([
      ['app', 'launches', 'errors', 'launches/s', 'p50 ms', 'p99 ms'],
      ...results.map((r) => [r.name, String(r.attempted), String(r.errors), f1(r.launchesPerS), f2(r.p50), f2(r.p99)]),
    ]);
    out('');
    out('details (ms)');
    table([
      ['app', 'login p50', 'LMS auth p50', 'launch POST p50', 'landing p50', 'app CPU/launch', 'p50 1 in flight'],
      ...results.map((r) => [r.name, f2(r.stepP50[0]), f2(r.stepP50[1]), f2(r.stepP50[2]), f2(r.landingP50), f2(r.cpuMsPerLaunch), f2(r.serialP50 ?? NaN)]),
    ]);
    out('  landing: the untimed check of the landing page. app CPU: CPU time of the app process (which also hosts');
    out('  its LMS auth endpoint) per launch in the measured rounds; PostgreSQL and the load generator not included.');
    out(`  1 in flight: p50 of up to ${SERIAL_LAUNCHES} further launches made one at a time (not in the other figures).`);
    for (const r of results) {
      for (const [why, n] of r.errorReasons) out(`  ${r.name} error x${n}: ${why}`);
    }
    out('');
    if (bOk) {
      out(`ratio (mastery / ltijs launches per second): ${f2(ratio)}x`);
    } else {
      out(`ltijs baseline: not measured. ${ltijsProblem ?? 'unknown reason'}`);
    }
    const meets = bOk && ratio >= 1.5 && m.p50 < 10;
    out(`target (>= 1.5x ltijs, p50 < 10 ms): ${bOk ? (meets ? 'met' : 'NOT met') : `p50 ${m.p50 < 10 ? 'met' : 'NOT met'}, ratio unknown`}`);
    out(`machine load average (1 min) ${f1(loadBefore)} before the measured rounds, ${f1(loadAfter)} after, on ${os.cpus().length} CPUs${loadAfter > os.cpus().length ? ': the machine was busy with other work, so absolute figures are pessimistic' : ''}`);
    out(`total run time ${f1((performance.now() - started) / 1000)} s (starting PostgreSQL and both apps: ${f1(startupS)} s)`);

    await guard.cleanup();
    out(
      JSON.stringify({
        launches_per_s: round(m.launchesPerS, 1),
        p50_ms: round(m.p50, 2),
        p99_ms: round(m.p99, 2),
        ltijs_launches_per_s: bOk ? round(b.launchesPerS, 1) : null,
        ltijs_p50_ms: bOk ? round(b.p50, 2) : null,
        ltijs_p99_ms: bOk ? round(b.p99, 2) : null,
        ratio_vs_ltijs: bOk ? round(ratio, 2) : null,
      }),
    );
  } finally {
    await guard.done();
  }
}

// ---------------------------------------------------------------------------------------------------

runBenchmark('bench-launch', main, { ours: oursChild, ltijs: ltijsChild });
