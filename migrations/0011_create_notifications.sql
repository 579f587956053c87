-- In-app notices to volunteers (an activity they signed up for changed or was cancelled), and
-- why an activity was cancelled.
CREATE TABLE notifications (
    id BIGINT NOT NULL PRIMARY KEY,
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    kind TEXT NOT NULL CHECK (kind IN ('activity_changed', 'activity_cancelled')),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    detail TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ
);
CREATE INDEX notifications_volunteer ON notifications (volunteer_id, created_at);

ALTER TABLE activities ADD COLUMN state_reason TEXT;
