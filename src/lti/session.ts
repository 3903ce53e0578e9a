import { SignJWT, jwtVerify, errors } from 'jose';
import type { Actor } from './actor.js';
import { unauthorized } from '../http/errors.js';

/**
 * The session token (`ltik`) handed to the browser after a launch and carried in forms, links and the
 * Authorization header, so no third-party cookie is needed inside the LMS iframe. HS256 with a key
 * kept in the database; short-lived and refreshed on every page. Never logged.
 */
export class SessionTokens {
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
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: this.issuer, audience: 'mastery-session', typ: 'ltik' });
      const actor = payload.a as Actor | undefined;
      if (!actor || typeof actor.tenantId !== 'string' || typeof actor.userId !== 'string') throw new Error('bad session payload');
      return { actor, ageSeconds: Math.max(0, Math.floor(Date.now() / 1000) - (payload.iat ?? 0)) };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw unauthorized('Your session has expired. Open the activity again from your course.');
      throw unauthorized('Your session is not valid. Open the activity again from your course.');
    }
  }
}
