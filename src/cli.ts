import { parseArgs } from 'node:util';
import { migrate, openDatabase, type Database } from './db/index.js';
import { createLogger } from './log.js';
import { ToolKeys } from './lti/keys.js';
import { PlatformRegistry } from './lti/registry.js';
import { AppError } from './http/errors.js';
import { loadSettings, SettingsError } from './settings.js';

const USAGE = `Usage: npm run cli -- <command>

  platform list
  platform add --preset canvas|canvas-beta|canvas-test|schoology|moodle --client-id ID [--deployment ID ...] [--site-url URL (moodle)] [--name NAME]
  platform add --name NAME --issuer URL --client-id ID --auth-login-url URL --auth-token-url URL --jwks-url URL [--deployment ID ...]
  platform add-deployment PLATFORM_ID --deployment ID [--deployment ID ...]
  platform remove PLATFORM_ID
  platform registration-url          (one-time URL for LTI Dynamic Registration, valid 24 hours)
  model refit [--tenant TENANT_ID]   (fit the learner model per skill from the attempt log)
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
    },
  });
  return withDb(async (db) => {
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
      const settings = loadSettings();
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
        out(`${r.tenantId} / ${r.packId}: ${r.answers} answers; fitted ${r.fitted.length} skill(s), defaults kept for ${r.keptDefaults.length}.`);
        for (const f of r.fitted) out(`  ${f.skill}: prior ${f.params.prior.toFixed(3)} learn ${f.params.learn.toFixed(3)} guess ${f.params.guess.toFixed(3)} slip ${f.params.slip.toFixed(3)} forget ${f.params.forget.toFixed(3)} (${f.attempts} answers)`);
      }
      return 0;
    }
    if (group === 'keys' && action === 'list') {
      for (const k of (await keys.publicJwks()).keys) out(String(k.kid));
      return 0;
    }
    out(USAGE);
    return 1;
  });

  async function withDb(fn: (db: Database) => Promise<number>, skipDb = false): Promise<number> {
    if (skipDb) return fn({ pool: undefined as never, url: '', close: async () => undefined });
    const settings = loadSettings();
    const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
    const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, embeddedPort: settings.embeddedPgPort, log, poolSize: 2 });
    try {
      await migrate(db.pool);
      return await fn(db);
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
      else process.stderr.write(`Error: ${(err as Error).message}\n`);
      process.exit(1);
    });
}
