import crypto from 'node:crypto';
import { z } from 'zod';
import presetsJson from '../../config/platforms.json' with { type: 'json' };
import type { Queryable } from '../db/index.js';
import { badRequest, conflict, notFound } from '../http/errors.js';

/** A registered LMS: one (issuer, client id) pair, with many deployments (tenants). */
export interface Platform {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  authLoginUrl: string;
  authTokenUrl: string;
  jwksUrl: string;
  preset: string | null;
  deploymentIds: string[];
}

type Preset = { name: string; issuer: string; authLoginUrl: string; authTokenUrl: string; jwksUrl: string };
export const PRESETS: Record<string, Preset> = presetsJson;

const httpsUrl = (field: string) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .url(`${field} must be an absolute URL`)
    .refine((u) => /^https?:\/\//.test(u), `${field} must be an http(s) URL`);

const deploymentIds = z
  .array(z.string().trim().min(1, 'deployment ids must not be empty').max(255), { error: 'deploymentIds must be a list of strings' })
  .max(1000);

const manualSchema = z.object({
  name: z.string({ error: 'name is required' }).trim().min(1, 'name is required').max(200),
  issuer: httpsUrl('issuer'),
  clientId: z.string({ error: 'clientId is required' }).trim().min(1, 'clientId is required').max(255),
  authLoginUrl: httpsUrl('authLoginUrl'),
  authTokenUrl: httpsUrl('authTokenUrl'),
  jwksUrl: httpsUrl('jwksUrl'),
  deploymentIds: deploymentIds.default([]),
});

const presetSchema = z.object({
  preset: z.enum(Object.keys(PRESETS) as [string, ...string[]], { error: `preset must be one of ${Object.keys(PRESETS).join(', ')}` }),
  name: z.string().trim().min(1).max(200).optional(),
  clientId: z.string({ error: 'clientId is required' }).trim().min(1, 'clientId is required').max(255),
  deploymentIds: deploymentIds.default([]),
  siteUrl: httpsUrl('siteUrl').optional(),
});

const patchSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  authLoginUrl: httpsUrl('authLoginUrl').optional(),
  authTokenUrl: httpsUrl('authTokenUrl').optional(),
  jwksUrl: httpsUrl('jwksUrl').optional(),
  addDeploymentIds: deploymentIds.optional(),
  removeDeploymentIds: deploymentIds.optional(),
  deploymentIds: deploymentIds.optional(),
}).strict();

export type PlatformInput = z.infer<typeof manualSchema>;

function fieldErrors(err: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of err.issues) out[i.path.join('.') || '_'] ??= i.message;
  return out;
}

/** Turns a manual or preset registration body into a full platform description, or a 400 with field errors. */
export function resolvePlatformInput(body: unknown): PlatformInput & { preset: string | null } {
  if (body && typeof body === 'object' && 'preset' in body) {
    const p = presetSchema.safeParse(body);
    if (!p.success) throw badRequest('The platform registration is invalid.', { fields: fieldErrors(p.error) });
    const preset = PRESETS[p.data.preset];
    let site = '';
    if (preset.issuer.includes('{site}')) {
      if (!p.data.siteUrl) throw badRequest('The platform registration is invalid.', { fields: { siteUrl: `siteUrl is required for the ${p.data.preset} preset` } });
      site = p.data.siteUrl.replace(/\/+$/, '');
    }
    const fill = (s: string) => s.replace('{site}', site);
    return {
      name: p.data.name ?? (site ? `${preset.name} (${new URL(site).host})` : preset.name),
      issuer: fill(preset.issuer),
      clientId: p.data.clientId,
      authLoginUrl: fill(preset.authLoginUrl),
      authTokenUrl: fill(preset.authTokenUrl),
      jwksUrl: fill(preset.jwksUrl),
      deploymentIds: p.data.deploymentIds,
      preset: p.data.preset,
    };
  }
  const m = manualSchema.safeParse(body ?? {});
  if (!m.success) throw badRequest('The platform registration is invalid.', { fields: fieldErrors(m.error) });
  return { ...m.data, preset: null };
}

/** The id of the tenant for (platform, deployment): stable and readable in logs. */
export function tenantIdFor(platformId: string, deploymentId: string): string {
  return `${platformId}:${crypto.createHash('sha256').update(deploymentId).digest('base64url').slice(0, 16)}`;
}

type Row = { id: string; name: string; issuer: string; client_id: string; auth_login_url: string; auth_token_url: string; jwks_url: string; preset: string | null; deployment_ids: string[] | null };
const SELECT = `SELECT p.*, COALESCE(array_agg(t.deployment_id ORDER BY t.created_at) FILTER (WHERE t.id IS NOT NULL), '{}') AS deployment_ids
  FROM platforms p LEFT JOIN tenants t ON t.platform_id = p.id`;
const toPlatform = (r: Row): Platform => ({
  id: r.id,
  name: r.name,
  issuer: r.issuer,
  clientId: r.client_id,
  authLoginUrl: r.auth_login_url,
  authTokenUrl: r.auth_token_url,
  jwksUrl: r.jwks_url,
  preset: r.preset,
  deploymentIds: r.deployment_ids ?? [],
});

/** The platform registry: platforms and their deployments, read and written by the admin API, CLI and launches. */
export class PlatformRegistry {
  private cache = new Map<string, { at: number; value: unknown }>();

  /**
   * @param cacheMs how long reads used by every launch (by issuer, by id, tenant of a deployment) are
   *   reused in this process; writes through this registry clear it. Other processes see a change within
   *   cacheMs. 0 (the default) reads the database every time.
   */
  constructor(private readonly db: Queryable, private readonly cacheMs = 0) {}

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.cacheMs <= 0) return load();
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.value as T;
    const value = await load();
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }

  private changed(): void {
    this.cache.clear();
  }

  async list(): Promise<Platform[]> {
    const { rows } = await this.db.query<Row>(`${SELECT} GROUP BY p.id ORDER BY p.created_at`);
    return rows.map(toPlatform);
  }

  async get(id: string): Promise<Platform> {
    const row = await this.cached(`id:${id}`, async () => (await this.db.query<Row>(`${SELECT} WHERE p.id = $1 GROUP BY p.id`, [id])).rows[0]);
    if (!row) throw notFound('The platform');
    return toPlatform(row);
  }

  /** Platforms with this issuer (Canvas cloud: many client ids share one issuer). */
  async byIssuer(issuer: string): Promise<Platform[]> {
    const rows = await this.cached(`iss:${issuer}`, async () => (await this.db.query<Row>(`${SELECT} WHERE p.issuer = $1 GROUP BY p.id`, [issuer])).rows);
    return rows.map(toPlatform);
  }

  async create(body: unknown): Promise<Platform> {
    const input = resolvePlatformInput(body);
    const id = crypto.randomBytes(8).toString('hex');
    const { rows } = await this.db.query(
      `INSERT INTO platforms(id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url, preset)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (issuer, client_id) DO NOTHING RETURNING id`,
      [id, input.name, input.issuer, input.clientId, input.authLoginUrl, input.authTokenUrl, input.jwksUrl, input.preset],
    );
    this.changed();
    if (rows.length === 0) throw conflict(`A platform with issuer ${input.issuer} and client id ${input.clientId} is already registered.`);
    await this.addDeployments(id, input.deploymentIds);
    return this.get(id);
  }

  async addDeployments(platformId: string, ids: readonly string[]): Promise<void> {
    this.changed();
    for (const dep of new Set(ids)) {
      await this.db.query(
        'INSERT INTO tenants(id, platform_id, deployment_id) VALUES ($1,$2,$3) ON CONFLICT (platform_id, deployment_id) DO NOTHING',
        [tenantIdFor(platformId, dep), platformId, dep],
      );
    }
  }

  async update(id: string, body: unknown): Promise<Platform> {
    const p = patchSchema.safeParse(body ?? {});
    if (!p.success) throw badRequest('The platform change is invalid.', { fields: fieldErrors(p.error) });
    await this.get(id);
    this.changed();
    const d = p.data;
    await this.db.query(
      `UPDATE platforms SET name = COALESCE($2, name), auth_login_url = COALESCE($3, auth_login_url),
       auth_token_url = COALESCE($4, auth_token_url), jwks_url = COALESCE($5, jwks_url) WHERE id = $1`,
      [id, d.name ?? null, d.authLoginUrl ?? null, d.authTokenUrl ?? null, d.jwksUrl ?? null],
    );
    await this.addDeployments(id, [...(d.addDeploymentIds ?? []), ...(d.deploymentIds ?? [])]);
    this.changed();
    if (d.removeDeploymentIds?.length) {
      await this.db.query('DELETE FROM tenants WHERE platform_id = $1 AND deployment_id = ANY($2)', [id, d.removeDeploymentIds]);
    }
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const { rowCount } = await this.db.query('DELETE FROM platforms WHERE id = $1', [id]);
    this.changed();
    if (!rowCount) throw notFound('The platform');
  }

  /** The tenant of a registered deployment, or undefined when the deployment is not registered. */
  async tenantFor(platformId: string, deploymentId: string): Promise<string | undefined> {
    return this.cached(`dep:${platformId}\u0000${deploymentId}`, async () => {
      const { rows } = await this.db.query<{ id: string }>('SELECT id FROM tenants WHERE platform_id = $1 AND deployment_id = $2', [platformId, deploymentId]);
      return rows[0]?.id;
    });
  }
}
