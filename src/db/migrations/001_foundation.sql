-- Platforms (an LMS registration: issuer + client id), their deployments (a deployment is a tenant),
-- the tool's signing keys, OIDC logins in flight, and the actors a launch creates.

CREATE TABLE platforms (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  issuer        text NOT NULL,
  client_id     text NOT NULL,
  auth_login_url text NOT NULL,
  auth_token_url text NOT NULL,
  jwks_url      text NOT NULL,
  preset        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (issuer, client_id)
);

-- A tenant is one deployment of one platform.
CREATE TABLE tenants (
  id            text PRIMARY KEY,
  platform_id   text NOT NULL REFERENCES platforms(id) ON DELETE CASCADE,
  deployment_id text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (platform_id, deployment_id)
);

-- The tool's RSA key pairs. The newest active key signs; retired keys stay published until
-- published_until so tokens signed before a rotation still verify.
CREATE TABLE tool_keys (
  kid             text PRIMARY KEY,
  private_jwk     jsonb NOT NULL,
  public_jwk      jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  retired_at      timestamptz,
  published_until timestamptz
);

-- Secrets of our own (session-token HMAC key and the like), generated once.
CREATE TABLE app_secrets (
  name       text PRIMARY KEY,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per OIDC login we answered: the state and nonce we sent, bound to the browser by a secret
-- kept in a cookie or in LTI platform storage (only its hash is stored here). Consumed once.
CREATE TABLE lti_logins (
  state           text PRIMARY KEY,
  nonce           text NOT NULL UNIQUE,
  platform_id     text NOT NULL REFERENCES platforms(id) ON DELETE CASCADE,
  target_link_uri text NOT NULL,
  browser_hash    text NOT NULL,
  storage_target  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  used_at         timestamptz
);
CREATE INDEX lti_logins_created ON lti_logins (created_at);

CREATE TABLE users (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         text NOT NULL,            -- the LTI sub
  name       text,
  given_name text,
  email      text,
  locale     text,
  last_seen  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE contexts (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         text NOT NULL,            -- context.id
  title      text,
  label      text,
  nrps_url   text,
  lineitems_url text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE resource_links (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         text NOT NULL,            -- resource_link.id
  context_id text,
  title      text,
  lineitem_url text,
  ags_scopes jsonb NOT NULL DEFAULT '[]',
  custom     jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
