-- Optimistic concurrency for the practice loop: every write of a learner row bumps its version and is
-- conditional on the version read, so an answer is one read and one atomic write statement (no
-- transaction held open across round trips), and two concurrent writes can never both apply.
ALTER TABLE learner_states ADD COLUMN version bigint NOT NULL DEFAULT 0;
