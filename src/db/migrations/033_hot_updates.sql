-- Rows updated on every answer (learner state, item calibration, the grade outbox) keep free space in
-- their pages so PostgreSQL can update them in place (HOT: no new index entries per update).
ALTER TABLE learner_states SET (fillfactor = 70);
ALTER TABLE item_stats SET (fillfactor = 70);
ALTER TABLE grade_outbox SET (fillfactor = 70);
