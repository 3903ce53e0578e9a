-- The sandbox LMS's side of AGS (issue 6): its line items (gradebook columns) and every score it
-- received, so the gradebook page and the tests can see what arrived and in which order.
-- This is the emulated LMS's own state, keyed by its course (context) id, not tool domain data.

CREATE TABLE sandbox_line_items (
  id                bigserial PRIMARY KEY,
  context_id        text NOT NULL,
  label             text NOT NULL,
  score_maximum     double precision NOT NULL,
  resource_id       text,
  resource_link_id  text,
  tag               text,
  start_date_time   text,
  end_date_time     text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_line_items_context ON sandbox_line_items (context_id, id);

CREATE TABLE sandbox_scores (
  id                 bigserial PRIMARY KEY,
  line_item_id       bigint NOT NULL REFERENCES sandbox_line_items(id) ON DELETE CASCADE,
  user_id            text NOT NULL,
  score_given        double precision,
  score_maximum      double precision,
  activity_progress  text NOT NULL,
  grading_progress   text NOT NULL,
  comment            text,
  ts                 timestamptz NOT NULL,
  ts_text            text NOT NULL,
  new_submission     boolean,
  received_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX sandbox_scores_item_user ON sandbox_scores (line_item_id, user_id, id DESC);
