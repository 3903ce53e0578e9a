import crypto from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Queryable } from '../db/index.js';

/** The key the tool signs with now (client assertions, deep-linking responses). */
export interface SigningKey {
  kid: string;
  key: CryptoKey | Uint8Array;
}

/** Hours a retired key stays in /lti/keys after a rotation, so tokens it signed still verify. */
export const DEFAULT_OVERLAP_HOURS = 72;

async function newKeyRow(db: Queryable): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const kid = crypto.randomBytes(12).toString('base64url');
  const priv = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const pub = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  await db.query('INSERT INTO tool_keys(kid, private_jwk, public_jwk) VALUES ($1, $2, $3)', [kid, priv, pub]);
  return kid;
}

/**
 * The tool's own RSA keys, kept in the database so every web process and worker signs with the same
 * key and a rotation reaches all of them. Private keys never leave this module and are never logged.
 */
export class ToolKeys {
  private cached: { at: number; key: SigningKey } | undefined;
  constructor(private readonly db: Queryable, private readonly cacheMs = 30_000) {}

  /** Creates the first key pair if there is none. */
  async ensure(): Promise<void> {
    const { rows } = await this.db.query('SELECT 1 FROM tool_keys WHERE retired_at IS NULL LIMIT 1');
    if (rows.length === 0) await newKeyRow(this.db);
  }

  /** The newest active key, cached briefly in process. */
  async signingKey(): Promise<SigningKey> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.key;
    await this.ensure();
    const { rows } = await this.db.query<{ kid: string; private_jwk: JWK }>(
      'SELECT kid, private_jwk FROM tool_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1',
    );
    const row = rows[0];
    const key = { kid: row.kid, key: await importJWK(row.private_jwk, 'RS256') };
    this.cached = { at: Date.now(), key };
    return key;
  }

  /**
   * Starts a new key and retires the current ones; retired keys stay published for overlapHours so
   * platforms that cached our JWKS, and tokens already signed, keep working.
   */
  async rotate(overlapHours = DEFAULT_OVERLAP_HOURS): Promise<{ kid: string; retired: string[] }> {
    const { rows } = await this.db.query<{ kid: string }>(
      `UPDATE tool_keys SET retired_at = now(), published_until = now() + make_interval(hours => $1)
       WHERE retired_at IS NULL RETURNING kid`,
      [overlapHours],
    );
    const kid = await newKeyRow(this.db);
    this.cached = undefined;
    return { kid, retired: rows.map((r) => r.kid) };
  }

  /** The public JWKS served at /lti/keys: active keys plus retired keys still in their overlap. */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    await this.ensure();
    const { rows } = await this.db.query<{ public_jwk: JWK }>(
      `SELECT public_jwk FROM tool_keys WHERE retired_at IS NULL OR published_until > now() ORDER BY created_at DESC`,
    );
    return { keys: rows.map((r) => r.public_jwk) };
  }
}

/** A named secret generated once and kept in the database (e.g. the session-token key). */
export async function appSecret(db: Queryable, name: string): Promise<Uint8Array> {
  const fresh = crypto.randomBytes(32).toString('base64url');
  await db.query('INSERT INTO app_secrets(name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, fresh]);
  const { rows } = await db.query<{ value: string }>('SELECT value FROM app_secrets WHERE name = $1', [name]);
  return Buffer.from(rows[0].value, 'base64url');
}
