-- The student's side (issue 17). Written only by src/practice/practice.repository.ts.
-- attempts.confidence: the student's optional self-rating with the answer (1 guessing, 2 unsure, 3 sure);
-- attempts.skipped: "I don't know" (recorded as a wrong answer, no response, never a guess);
-- learner_states.session: the practice session (src/practice/session.ts): its goal, the items seen (no
-- repeats), counts and points. Personal data of the same learner rows, covered by practice.privacy.ts.
ALTER TABLE attempts ADD COLUMN confidence smallint CHECK (confidence BETWEEN 1 AND 3);
ALTER TABLE attempts ADD COLUMN skipped boolean NOT NULL DEFAULT false;
ALTER TABLE learner_states ADD COLUMN session jsonb;
