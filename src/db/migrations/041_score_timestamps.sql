-- Score timestamps in whole seconds (issue 12). Moodle compares a score's timestamp with the stored
-- grade's in whole seconds (409 when not later); Canvas in milliseconds (400). ts_floor is the latest
-- timestamp this (tenant, resource link, column, user) ever put in a request to the LMS, delivered or not
-- (a timeout may still have stored it): the next one sent is at least its whole second + 1 s.
ALTER TABLE grade_outbox ADD COLUMN ts_floor timestamptz;
UPDATE grade_outbox SET ts_floor = GREATEST(sent_ts, score_ts)
  WHERE sent_count > 0 OR attempts > 0 OR lease_until IS NOT NULL OR state <> 'pending';

-- The LMS product a resource link was last launched from (tool_platform.product_family_code, e.g. canvas,
-- moodle): Canvas-only score extensions go only to Canvas.
ALTER TABLE resource_links ADD COLUMN platform_family text;
