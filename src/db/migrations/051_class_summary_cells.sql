-- The class view reads each learner's summary of every skill as one packed value (one row per student instead of
-- assembling 6,000 (student, skill) rows per view: 195 ms -> a few ms for 300 x 20). class_summaries keeps the same
-- figures as rows for queries by skill. Written by src/dashboard/summary.store.ts with the rows.
ALTER TABLE class_summary_learners ADD COLUMN cells jsonb NOT NULL DEFAULT '[]';
-- The at-risk model's flags of the learner (skill -> probability, reasons, action): read only for the students the
-- page lists under "May need help" (cells carry each flag's probability, for sorting and the list itself).
ALTER TABLE class_summary_learners ADD COLUMN flags jsonb NOT NULL DEFAULT '{}';
