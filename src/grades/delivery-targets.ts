import type pg from 'pg';
import type { Logger } from 'pino';
import { withTransaction } from '../db/index.js';
import { isCanvasPlatform, type AgsClient } from '../lti/ags.js';
import type { Platform, PlatformRegistry } from '../lti/registry.js';
import { SCOPE, ServiceError } from '../lti/service-token.js';
import { MAIN_COLUMN, type LineItemSpec } from './outbox.js';

/** Where a resource link's scores go: its platform, granted scopes and AGS URLs (recorded at launch). */
export interface Target {
  platform: Platform;
  title: string | null;
  lineitemUrl: string | null;
  lineitemsUrl: string | null;
  scopes: string[];
  /** Canvas gets its submission extension on scores; no other platform does. */
  canvas: boolean;
  at: number;
}

/** Why a row was not sent and will not be retried by itself (the platform offers nothing to send to). */
export interface Skipped {
  skipped: string;
}
export const isSkipped = (v: unknown): v is Skipped => typeof v === 'object' && v !== null && 'skipped' in v;

/** The part of a claimed outbox row that names its column. */
export interface ColumnKey {
  tenant_id: string;
  resource_link_id: string;
  column_key: string;
  line_item_spec: LineItemSpec;
}

/** How long a resource link's target is trusted before it is read again (a relaunch may change its URLs). */
const TARGET_TTL_MS = 10_000;

/**
 * Where the delivery worker sends a score: the resource link's platform, scopes and AGS URLs (read from
 * the launch's records, cached briefly), and each column's line item, the launch's own or one found or
 * created through the context's line items service and remembered in `grade_line_items` (this module is
 * that table's one writer).
 */
export class DeliveryTargets {
  private targets = new Map<string, Target>();
  private lineItems = new Map<string, string>();
  private resolving = new Map<string, Promise<string | Skipped>>();

  constructor(private readonly deps: { pool: pg.Pool; registry: PlatformRegistry; log: Logger }) {}

  /** The target of a resource link as last read by this process, if any (no query). */
  cached(tenantId: string, resourceLinkId: string): Target | undefined {
    return this.targets.get(`${tenantId} ${resourceLinkId}`);
  }

  /** The target of a resource link; throws a ServiceError (not retryable) when it was never launched. */
  async target(tenantId: string, resourceLinkId: string): Promise<Target> {
    const key = `${tenantId} ${resourceLinkId}`;
    const hit = this.targets.get(key);
    if (hit && Date.now() - hit.at < TARGET_TTL_MS) return hit;
    const { rows } = await this.deps.pool.query<{ platform_id: string; title: string | null; lineitem_url: string | null; lineitems_url: string | null; ags_scopes: string[]; platform_family: string | null }>(
      `SELECT t.platform_id, rl.title, rl.lineitem_url, c.lineitems_url, rl.ags_scopes, rl.platform_family
       FROM resource_links rl JOIN tenants t ON t.id = rl.tenant_id
       LEFT JOIN contexts c ON c.tenant_id = rl.tenant_id AND c.id = rl.context_id
       WHERE rl.tenant_id = $1 AND rl.id = $2`,
      [tenantId, resourceLinkId],
    );
    const r = rows[0];
    if (!r) throw new ServiceError('http', 'the resource link was never launched (no AGS endpoints known)', undefined, false);
    const platform = await this.deps.registry.get(r.platform_id);
    const t: Target = {
      platform, title: r.title, lineitemUrl: r.lineitem_url, lineitemsUrl: r.lineitems_url, scopes: Array.isArray(r.ags_scopes) ? r.ags_scopes : [],
      canvas: isCanvasPlatform(platform, r.platform_family), at: Date.now(),
    };
    this.targets.set(key, t);
    return t;
  }

  /**
   * The column's line item URL: the launch's `lineitem` for the main column when given (AGS 2.0 §3.1),
   * else one found (resource_link_id + tag + resource_id) or created through the context's `lineitems`.
   * Creation is serialised per column across processes by an advisory lock, and within this process
   * by sharing one promise.
   */
  async lineItemUrl(row: ColumnKey, t: Target, client: AgsClient): Promise<{ url: string; fromLaunch: boolean } | Skipped> {
    if (row.column_key === MAIN_COLUMN && t.lineitemUrl) return { url: t.lineitemUrl, fromLaunch: true };
    const key = `${row.tenant_id} ${row.resource_link_id} ${row.column_key}`;
    const known = this.lineItems.get(key);
    if (known) return { url: known, fromLaunch: false };
    let p = this.resolving.get(key);
    if (!p) {
      p = this.findOrCreate(row, t, client).finally(() => this.resolving.delete(key));
      this.resolving.set(key, p);
    }
    const url = await p;
    if (isSkipped(url)) return url;
    this.lineItems.set(key, url);
    return { url, fromLaunch: false };
  }

  private async findOrCreate(row: ColumnKey, t: Target, client: AgsClient): Promise<string | Skipped> {
    const keyArgs = [row.tenant_id, row.resource_link_id, row.column_key];
    const stored = await this.deps.pool.query<{ lineitem_url: string }>(
      'SELECT lineitem_url FROM grade_line_items WHERE tenant_id = $1 AND resource_link_id = $2 AND column_key = $3',
      keyArgs,
    );
    if (stored.rows[0]) return stored.rows[0].lineitem_url;
    if (!t.lineitemsUrl) return { skipped: 'the platform gave neither a line item nor a line items service for this resource link' };
    return withTransaction(this.deps.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`grade_line_item ${keyArgs.join(' ')}`]);
      const again = await tx.query<{ lineitem_url: string }>(
        'SELECT lineitem_url FROM grade_line_items WHERE tenant_id = $1 AND resource_link_id = $2 AND column_key = $3',
        keyArgs,
      );
      if (again.rows[0]) return again.rows[0].lineitem_url;
      const spec = row.line_item_spec;
      const found = await client.findLineItems(t.lineitemsUrl!, { resourceLinkId: row.resource_link_id, resourceId: spec.resourceId, tag: spec.tag });
      let url = found[0]?.id;
      if (!url) {
        const created = await client.createLineItem(t.lineitemsUrl!, {
          label: spec.label ?? t.title ?? 'Mastery practice',
          scoreMaximum: spec.scoreMaximum,
          resourceId: spec.resourceId,
          resourceLinkId: row.resource_link_id,
          tag: spec.tag,
        });
        url = created.id;
        this.deps.log.info({ tenant: row.tenant_id, resourceLink: row.resource_link_id, column: row.column_key || 'score' }, 'line item created');
      }
      await tx.query('INSERT INTO grade_line_items(tenant_id, resource_link_id, column_key, lineitem_url) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING', [...keyArgs, url]);
      return url!;
    });
  }

  /** Forgets a line item we created (the instructor deleted it), so the next try recreates it. */
  async forgetLineItem(row: ColumnKey): Promise<void> {
    this.lineItems.delete(`${row.tenant_id} ${row.resource_link_id} ${row.column_key}`);
    await this.deps.pool.query('DELETE FROM grade_line_items WHERE tenant_id = $1 AND resource_link_id = $2 AND column_key = $3', [row.tenant_id, row.resource_link_id, row.column_key]);
  }
}

/** Scopes asked for this link: the score scope and the line item scope the platform granted (AGS 2.0 §3.1). */
export function scopesFor(t: Target, column: string): string[] | Skipped {
  if (!t.scopes.includes(SCOPE.score)) return { skipped: 'the platform did not grant the AGS score scope for this resource link' };
  const out: string[] = [SCOPE.score];
  if (t.scopes.includes(SCOPE.lineItem)) out.push(SCOPE.lineItem);
  else if (t.scopes.includes(SCOPE.lineItemReadonly)) out.push(SCOPE.lineItemReadonly);
  if (column !== MAIN_COLUMN && !out.includes(SCOPE.lineItem)) return { skipped: 'per-skill columns need the AGS lineitem scope, which the platform did not grant' };
  return out;
}
