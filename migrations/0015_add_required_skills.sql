-- Skills an activity asks of those who sign up (e.g. 急救), joined by 、 like a volunteer's own.
ALTER TABLE activities ADD COLUMN required_skills TEXT NOT NULL DEFAULT '';

-- Sign-ups of activities that just ended are looked at for no-shows: by the end time.
CREATE INDEX activities_ends ON activities (ends_at);
