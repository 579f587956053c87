-- How an activity counts service time (R-TIME-2, R-TIME-3; the defaults are the half-hour rule
-- and 60 % presence), whether the organizer bought accident insurance (R-REG-6), and a lecture's
-- audience, recorded afterwards.
ALTER TABLE activities ADD COLUMN count_nothing_up_to BIGINT NOT NULL DEFAULT 15;
ALTER TABLE activities ADD COLUMN count_half_up_to BIGINT NOT NULL DEFAULT 45;
ALTER TABLE activities ADD COLUMN min_presence_percent BIGINT NOT NULL DEFAULT 60;
ALTER TABLE activities ADD COLUMN insured BIGINT NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN audience_count BIGINT;
