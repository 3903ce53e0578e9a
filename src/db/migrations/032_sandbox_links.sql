-- Sandbox LMS: activities added to the demo course through Deep Linking (the sandbox's own data).
CREATE TABLE sandbox_links (
  id         text PRIMARY KEY,
  title      text NOT NULL,
  custom     jsonb NOT NULL DEFAULT '{}',
  line_item  jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
