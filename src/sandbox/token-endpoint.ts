import crypto from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';

/**
 * The sandbox LMS's OAuth token endpoint: checks the tool's client assertion against the tool's JWKS and
 * issues HS256 access tokens for the scopes the sandbox grants; verifies them on the AGS and NRPS calls.
 */
export class SandboxTokenEndpoint {
  private tokenKey = crypto.randomBytes(32);
  private usedJti = new Map<string, number>();
  private toolJwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly opts: { issuer: string; publicUrl: string; clientId: string }) {
    this.toolJwks = createRemoteJWKSet(new URL(`${opts.publicUrl}/lti/keys`), { cooldownDuration: 1_000, cacheMaxAge: 60_000 });
  }

  /**
   * The client-credentials grant (1EdTech Security Framework §4.1.1, RFC 7523 §2.2): the assertion must be
   * an RS256 JWT from the tool's JWKS with iss = sub = client id, aud = this token URL, fresh, with an
   * unused jti. Grants the requested scopes it allows; none allowed -> invalid_scope (RFC 6749 §5.2).
   */
  async issue(form: Record<string, unknown>, grantedScopes: ReadonlySet<string>, ttlS: number): Promise<{ status: number; body: Record<string, unknown> }> {
    const bad = (error: string, description: string, status = 400) => ({ status, body: { error, error_description: description } });
    if (form.grant_type !== 'client_credentials') return bad('unsupported_grant_type', 'grant_type must be client_credentials');
    if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return bad('invalid_request', 'client_assertion_type must be jwt-bearer');
    if (typeof form.client_assertion !== 'string') return bad('invalid_request', 'client_assertion is missing');
    let jti: string;
    try {
      const { payload } = await jwtVerify(form.client_assertion, this.toolJwks, {
        algorithms: ['RS256'],
        issuer: this.opts.clientId,
        subject: this.opts.clientId,
        audience: `${this.opts.issuer}/token`,
        maxTokenAge: '10m',
        requiredClaims: ['exp', 'iat', 'jti'],
      });
      jti = String(payload.jti);
    } catch (err) {
      return bad('invalid_client', `client assertion rejected: ${(err as Error).message}`, 401);
    }
    const now = Date.now();
    for (const [k, exp] of this.usedJti) if (exp < now) this.usedJti.delete(k);
    if (this.usedJti.has(jti)) return bad('invalid_client', 'client assertion jti was already used', 401);
    this.usedJti.set(jti, now + 15 * 60_000);
    const requested = typeof form.scope === 'string' ? form.scope.split(/\s+/).filter(Boolean) : [];
    const granted = requested.filter((s) => grantedScopes.has(s));
    if (granted.length === 0) return bad('invalid_scope', 'none of the requested scopes is granted to this tool');
    const token = await new SignJWT({ scope: granted.join(' ') })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(Math.floor(now / 1000) + ttlS)
      .setIssuer(this.opts.issuer)
      .sign(this.tokenKey);
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: ttlS, scope: granted.join(' ') } };
  }

  /** Invalidates every access token issued so far (the next call with one gets 401). */
  revoke(): void {
    this.tokenKey = crypto.randomBytes(32);
    this.verified.clear();
  }

  /** Tokens already verified (token -> scopes, expiry), so each call does not verify the JWT again. */
  private verified = new Map<string, { scopes: string[]; exp: number }>();

  /** The scopes of a bearer token, or undefined when it is missing, forged or expired. */
  async scopes(authorization: string | undefined): Promise<string[] | undefined> {
    if (!authorization?.startsWith('Bearer ')) return undefined;
    const token = authorization.slice(7).trim();
    const hit = this.verified.get(token);
    if (hit && hit.exp > Date.now()) return hit.scopes;
    try {
      const { payload } = await jwtVerify(token, this.tokenKey, { algorithms: ['HS256'], issuer: this.opts.issuer });
      const scopes = String(payload.scope ?? '').split(' ').filter(Boolean);
      if (this.verified.size > 1000) this.verified.clear();
      this.verified.set(token, { scopes, exp: (payload.exp ?? 0) * 1000 });
      return scopes;
    } catch {
      return undefined;
    }
  }
}
