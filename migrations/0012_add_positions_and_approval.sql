-- Positions of an activity (e.g. 引导员 ×4, 讲解员 ×2), each with its own places, taken only by a
-- conditional update like the activity's; and activities whose sign-ups the organizer approves
-- (a pending sign-up holds its place, so approving never overbooks).
CREATE TABLE activity_positions (
    id BIGINT NOT NULL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    name TEXT NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity > 0),
    taken BIGINT NOT NULL,
    CHECK (taken >= 0 AND taken <= capacity),
    UNIQUE (activity_id, name)
);

ALTER TABLE signups ADD COLUMN position_id BIGINT REFERENCES activity_positions (id);
ALTER TABLE activities ADD COLUMN requires_approval BIGINT NOT NULL DEFAULT 0;
