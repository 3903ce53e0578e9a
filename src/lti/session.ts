import { SignJWT, jwtVerify, errors } from 'jose';
import type { Actor } from './actor.js';
import { unauthorized } from '../http/errors.js';

/**
 * The session token (`ltik`) handed to the browser after a launch and carried in forms, links and the
 * Authorization header, so no third-party cookie is needed inside the LMS iframe. HS256 with a key
 * kept in the database; short-lived and refreshed on every page. Never logged.
 */
export class SessionTokens {
  /**
   * Tokens that passed full verification, by their exact text, with what they carry. A page view reuses
   * the result instead of re-checking the HMAC (a session token is sent again on every request of the
   * loop); expiry is still checked on every use. Bounded: the oldest entries go first.
   */
  private readonly verified = new Map<string, { actor: Actor; iat: number; exp: number }>();
  static readonly VERIFIED_CACHE_SIZE = 10_000;

  constructor(private readonly key: Uint8Array, private readonly minutes: number, private readonly issuer: string) {}

  async issue(actor: Actor): Promise<string> {
    return new SignJWT({ a: actor })
      .setProtectedHeader({ alg: 'HS256', typ: 'ltik' })
      .setIssuer(this.issuer)
      .setAudience('mastery-session')
      .setIssuedAt()
      .setExpirationTime(`${this.minutes}m`)
      .sign(this.key);
  }

  async verify(token: string): Promise<Actor> {
    return (await this.verifyWithAge(token)).actor;
  }

  /** Verifies a token and tells how many seconds ago it was issued (to refresh only tokens that aged). */
  async verifyWithAge(token: string): Promise<{ actor: Actor; ageSeconds: number }> {
    if (!token || token.length > 8192) throw unauthorized('Your session is missing. Open the activity again from your course.');
    const now = Math.floor(Date.now() / 1000);
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp <= now) {
        this.verified.delete(token);
        throw unauthorized('Your session has expired. Open the activity again from your course.');
      }
      return { actor: hit.actor, ageSeconds: Math.max(0, now - hit.iat) };
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: this.issuer, audience: 'mastery-session', typ: 'ltik' });
      const actor = payload.a as Actor | undefined;
      if (!actor || typeof actor.tenantId !== 'string' || typeof actor.userId !== 'string') throw new Error('bad session payload');
      if (typeof payload.exp !== 'number') throw new Error('session token without expiry');
      if (this.verified.size >= SessionTokens.VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { actor, iat: payload.iat ?? 0, exp: payload.exp });
      return { actor, ageSeconds: Math.max(0, now - (payload.iat ?? 0)) };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw unauthorized('Your session has expired. Open the activity again from your course.');
      throw unauthorized('Your session is not valid. Open the activity again from your course.');
    }
  }
}
