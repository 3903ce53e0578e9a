import { parseArgs } from 'node:util';
import { migrate, openDatabase, startFailureSentence, type Database } from './db/index.js';
import { createLogger } from './log.js';
import { ToolKeys } from './lti/keys.js';
import { PlatformRegistry } from './lti/registry.js';
import { AppError } from './http/errors.js';
import { loadSettings, SettingsError, type Settings } from './settings.js';

const USAGE = `Usage: npm run cli -- <command>

  platform list
  platform add --preset canvas|canvas-beta|canvas-test|schoology|moodle --client-id ID [--deployment ID ...] [--site-url URL (moodle)] [--name NAME]
  platform add --name NAME --issuer URL --client-id ID --auth-login-url URL --auth-token-url URL --jwks-url URL [--deployment ID ...]
  platform add-deployment PLATFORM_ID --deployment ID [--deployment ID ...]
  platform remove PLATFORM_ID
  platform registration-url          (one-time URL for LTI Dynamic Registration, valid 24 hours)
  model refit [--tenant TENANT_ID]   (refit the learner model from the attempt log; activated only if it predicts held-out learners better)
  model list --tenant TENANT_ID [--pack PACK_ID]   (fitted model versions)
  model rollback --tenant TENANT_ID --pack PACK_ID [--version N]   (re-activate an earlier version; 0 = the shipped model)
  keys rotate [--overlap-hours 72]
  keys list
  content validate|import|export FILE ...   (see docs/content-format.md)
`;

/** Command-line access to the same services the admin API uses. Returns the exit code. */
export async function runCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<number> {
  const [group, action, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    out(USAGE);
    return group ? 0 : 1;
  }
  if (group === 'content') {
    const spec = './content/content.cli.js';
    const mod = (await import(spec).catch(() => undefined)) as
      | { contentCommand(args: string[], deps: { pool: Database['pool']; out: (s: string) => void }): Promise<number> }
      | undefined;
    if (!mod) {
      out('The content commands are not available in this build.');
      return 1;
    }
    return withDb((db) => mod.contentCommand([action, ...rest].filter(Boolean) as string[], { pool: db.pool, out }), action === 'validate');
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      name: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'auth-login-url': { type: 'string' },
      'auth-token-url': { type: 'string' },
      'jwks-url': { type: 'string' },
      'site-url': { type: 'string' },
      deployment: { type: 'string', multiple: true },
      'overlap-hours': { type: 'string' },
      tenant: { type: 'string' },
      pack: { type: 'string' },
      version: { type: 'string' },
    },
  });
  return withDb(async (db, settings) => {
    const registry = new PlatformRegistry(db.pool);
    const keys = new ToolKeys(db.pool);
    if (group === 'platform' && action === 'list') {
      const list = await registry.list();
      if (!list.length) out('No platforms registered.');
      for (const p of list) out(`${p.id}  ${p.name}\n    issuer ${p.issuer}  client ${p.clientId}\n    deployments ${p.deploymentIds.join(', ') || '(none)'}`);
      return 0;
    }
    if (group === 'platform' && action === 'add') {
      const body = values.preset
        ? { preset: values.preset, clientId: values['client-id'], deploymentIds: values.deployment ?? [], siteUrl: values['site-url'], name: values.name }
        : {
            name: values.name,
            issuer: values.issuer,
            clientId: values['client-id'],
            authLoginUrl: values['auth-login-url'],
            authTokenUrl: values['auth-token-url'],
            jwksUrl: values['jwks-url'],
            deploymentIds: values.deployment ?? [],
          };
      const p = await registry.create(body);
      out(`Registered ${p.name} as ${p.id} (issuer ${p.issuer}, client ${p.clientId}, deployments: ${p.deploymentIds.join(', ') || 'none'}).`);
      return 0;
    }
    if (group === 'platform' && action === 'add-deployment' && positionals[0]) {
      const p = await registry.update(positionals[0], { addDeploymentIds: values.deployment ?? [] });
      out(`${p.name}: deployments ${p.deploymentIds.join(', ')}`);
      return 0;
    }
    if (group === 'platform' && action === 'registration-url') {
      const { DynamicRegistration } = await import('./lti/registration.js');
      const r = await new DynamicRegistration({ pool: db.pool, publicUrl: settings.publicUrl }).createCode();
      out(`Paste this registration URL into the LMS (valid until ${r.expiresAt.toISOString()}, once):\n${r.url}`);
      return 0;
    }
    if (group === 'platform' && action === 'remove' && positionals[0]) {
      await registry.remove(positionals[0]);
      out(`Removed platform ${positionals[0]} and its deployments.`);
      return 0;
    }
    if (group === 'keys' && action === 'rotate') {
      const r = await keys.rotate(values['overlap-hours'] ? Number(values['overlap-hours']) : undefined);
      out(`New signing key ${r.kid}; retired ${r.retired.join(', ') || 'none'} (still published during the overlap).`);
      return 0;
    }
    if (group === 'model' && action === 'refit') {
      const { refitAll } = await import('./practice/model.service.js');
      const reports = await refitAll(db.pool, values.tenant);
      if (!reports.length) out('No answers recorded yet: nothing to fit.');
      for (const r of reports) {
        const ll = r.heldOutLogLik !== null && r.baselineLogLik !== null ? `; held-out log-likelihood per answer ${r.heldOutLogLik.toFixed(4)} vs ${r.baselineLogLik.toFixed(4)} of the active model` : '';
        out(`${r.tenantId} / ${r.packId}: ${r.answers} answers from ${r.learners} learners; ${r.outcome}${r.version !== null ? ` version ${r.version}` : ''}${ll}${r.reason ? ` (${r.reason})` : ''}`);
        if (r.forgetting) out(`  forgetting: phi ${r.forgetting.phi}, tau ${r.forgetting.tau} days, spacing ${r.forgetting.spacing}`);
        if (r.delayed) {
          const c = r.delayed.candidate;
          const a = r.delayed.current;
          out(`  answers after a break (${c.answers} held out): predicted ${(c.predicted * 100).toFixed(1)}%, right ${(c.observed * 100).toFixed(1)}% (the active model predicts ${(a.predicted * 100).toFixed(1)}%)`);
        }
        for (const d of r.drift.filter((x) => Math.abs(x.drift) >= 0.3)) out(`  item ${d.itemId}: difficulty ${d.difficulty.toFixed(2)} (authored ${d.authored.toFixed(2)}, drift ${d.drift >= 0 ? '+' : ''}${d.drift.toFixed(2)}${d.atBound ? ', at the bound' : ''}; ${d.answers} answers)`);
      }
      return 0;
    }
    if (group === 'model' && action === 'list' && values.tenant) {
      const { listModels } = await import('./practice/model.service.js');
      const rows = await listModels(db.pool, values.tenant, values.pack);
      if (!rows.length) out('No fitted models: the shipped model is used.');
      for (const m of rows) out(`${m.packId} v${m.version} ${m.status}: ${m.answers} answers, ${m.learners} learners, held-out ${m.heldOutLogLik?.toFixed(4) ?? '-'} vs ${m.baselineLogLik?.toFixed(4) ?? '-'}${m.reason ? ` (${m.reason})` : ''}`);
      return 0;
    }
    if (group === 'model' && action === 'rollback' && values.tenant && values.pack) {
      const { rollbackModel } = await import('./practice/model.service.js');
      const v = await rollbackModel(db.pool, values.tenant, values.pack, values.version !== undefined ? Number(values.version) : undefined);
      out(v === 0 ? `${values.tenant} / ${values.pack}: back to the shipped model.` : `${values.tenant} / ${values.pack}: version ${v} is active.`);
      return 0;
    }
    if (group === 'keys' && action === 'list') {
      for (const k of (await keys.publicJwks()).keys) out(String(k.kid));
      return 0;
    }
    out(USAGE);
    return 1;
  });

  async function withDb(fn: (db: Database, settings: Settings) => Promise<number>, skipDb = false): Promise<number> {
    if (skipDb) return fn({ pool: undefined as never, url: '', close: async () => undefined }, undefined as never);
    const settings = loadSettings();
    const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
    // Beside a running server it uses that server's embedded database (never a second one on DATA_DIR).
    const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, embeddedPort: settings.embeddedPgPort, log, poolSize: 2, attach: true });
    try {
      await migrate(db.pool);
      return await fn(db, settings);
    } catch (err) {
      if (err instanceof AppError) {
        out(`Error: ${err.message}`);
        const fields = (err.details as { fields?: Record<string, string> } | undefined)?.fields;
        for (const [k, v] of Object.entries(fields ?? {})) out(`  ${k}: ${v}`);
        return 1;
      }
      throw err;
    } finally {
      await db.close();
    }
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\/src\//, '/src/'));
if (isMain) {
  runCli(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((err) => {
      if (err instanceof SettingsError) process.stderr.write(`${err.message}\n`);
      else process.stderr.write(`Error: ${startFailureSentence(err, { databaseUrl: process.env.DATABASE_URL || undefined })}\n`);
      process.exit(1);
    });
}
