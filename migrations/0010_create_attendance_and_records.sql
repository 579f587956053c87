-- Attendance and service records (domain.md §3.2, §3.3; R-REC-5, R-REC-7, R-REC-9).
-- Where an activity takes place (for the optional geofence), how far from it a check-in may be,
-- and how many minutes before the start check-in opens. Its kind: a training's attendance is a
-- training record (R-REC-6).
ALTER TABLE activities ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE activities ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE activities ADD COLUMN geofence_m BIGINT;
ALTER TABLE activities ADD COLUMN checkin_opens_min BIGINT NOT NULL DEFAULT 30;
ALTER TABLE activities ADD COLUMN kind TEXT NOT NULL DEFAULT 'service';

-- One check-in and check-out per sign-up. Only whether the phone was inside the geofence and how
-- far it was are kept, never a position (PIPL Art.28). At most one open check-in per volunteer.
CREATE TABLE attendances (
    signup_id BIGINT NOT NULL PRIMARY KEY REFERENCES signups (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    checked_in_at TIMESTAMPTZ NOT NULL,
    check_in_method TEXT NOT NULL CHECK (check_in_method IN ('qr', 'code', 'manual')),
    checked_out_at TIMESTAMPTZ,
    check_out_method TEXT CHECK (check_out_method IN ('qr', 'code', 'manual', 'missing')),
    distance_m BIGINT,
    inside_geofence BIGINT
);
CREATE UNIQUE INDEX attendances_one_open ON attendances (volunteer_id) WHERE checked_out_at IS NULL;
CREATE INDEX attendances_activity ON attendances (activity_id);

-- Evidence of a backfill (a paper sign sheet, photos): an image or a PDF.
CREATE TABLE evidence_files (
    id BIGINT NOT NULL PRIMARY KEY,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- A volunteer's service in one activity. The row holds the current version's state and minutes;
-- every version, the first included, is a row of record_versions that is never updated.
CREATE TABLE service_records (
    id BIGINT NOT NULL PRIMARY KEY,
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    source TEXT NOT NULL CHECK (source IN ('checkin', 'makeup', 'reported', 'backfill')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'awaiting_second', 'confirmed', 'rejected', 'revoked')),
    minutes BIGINT NOT NULL CHECK (minutes >= 0),
    version BIGINT NOT NULL,
    evidence_id BIGINT REFERENCES evidence_files (id),
    -- The account that entered a backfill: its second approver must be someone else.
    entered_by BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (volunteer_id, activity_id)
);
CREATE INDEX service_records_activity ON service_records (activity_id, state);
CREATE INDEX service_records_region ON service_records (region_code, state);

CREATE TABLE record_versions (
    record_id BIGINT NOT NULL REFERENCES service_records (id),
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    approved_by TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (record_id, version)
);

-- A volunteer's request to correct a record, or to add a missing one (record_id empty).
CREATE TABLE correction_requests (
    id BIGINT NOT NULL PRIMARY KEY,
    record_id BIGINT REFERENCES service_records (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    minutes BIGINT NOT NULL CHECK (minutes >= 0),
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'approved', 'denied')),
    requested_by TEXT NOT NULL,
    decided_by TEXT,
    decision_note TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ
);
CREATE INDEX correction_requests_activity ON correction_requests (activity_id, state);

-- Confirmed service time of each volunteer, kept in the transaction of every change of a record.
ALTER TABLE volunteers ADD COLUMN confirmed_minutes BIGINT NOT NULL DEFAULT 0;

-- Issued certificates and the record versions each one certified.
CREATE TABLE certificates (
    certificate_number TEXT NOT NULL PRIMARY KEY,
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    total_minutes BIGINT NOT NULL,
    issuer TEXT NOT NULL,
    issued_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX certificates_volunteer ON certificates (volunteer_id);

CREATE TABLE certificate_lines (
    certificate_number TEXT NOT NULL REFERENCES certificates (certificate_number),
    record_id BIGINT NOT NULL REFERENCES service_records (id),
    version BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    PRIMARY KEY (certificate_number, record_id)
);

-- Public holidays and the weekend days worked instead (调休), for counting working days.
CREATE TABLE calendar_days (
    day TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
);
