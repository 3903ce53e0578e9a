-- Grade delivery (issue 6). The outbox holds the newest score per (tenant, resource link, column, user):
-- a practice answer upserts its row in the same transaction as the attempt, and the delivery worker
-- sends the row's newest version to the LMS (AGS 2.0 §3.4). Coalescing is the upsert itself.
--   column_key ''            the resource link's own grade column
--   column_key 'skill:<id>'  an optional per-skill mastery column (line item tag 'mastery')

CREATE TABLE grade_outbox (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  resource_link_id text NOT NULL,
  column_key       text NOT NULL,
  user_id          text NOT NULL,
  -- the line item to find or create when the launch gave none: label, scoreMaximum, resourceId, tag
  line_item_spec   jsonb NOT NULL,
  -- the AGS score body without userId/timestamp: scoreGiven, scoreMaximum, comment, progress states
  score            jsonb NOT NULL,
  event_at         timestamptz NOT NULL,          -- when the answer happened (orders competing writes)
  score_ts         timestamptz NOT NULL,          -- the timestamp sent; strictly increasing per row
  version          bigint NOT NULL DEFAULT 1,     -- bumped by every enqueue; a send completes only its version
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_until      timestamptz,                   -- a worker holds the row until then (crash => re-sent)
  lease_id         text,                          -- which claim holds it: a late finisher cannot overwrite
  last_error       text,
  last_status      integer,
  sent_count       integer NOT NULL DEFAULT 0,
  sent_at          timestamptz,
  sent_ts          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_link_id, column_key, user_id)
);
CREATE INDEX grade_outbox_due ON grade_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX grade_outbox_failed ON grade_outbox (tenant_id, updated_at) WHERE state = 'failed';

-- Line items found or created through the context's lineitems service (AGS 2.0 §3.2), per column.
CREATE TABLE grade_line_items (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  resource_link_id text NOT NULL,
  column_key       text NOT NULL,
  lineitem_url     text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_link_id, column_key)
);
