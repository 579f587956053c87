-- Who may sign up (条例 Art.15-16): a minimum age on the activity's day, and whether only the
-- members of the project's team may.
ALTER TABLE activities ADD COLUMN min_age BIGINT NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN team_only BIGINT NOT NULL DEFAULT 0;
