-- Activities (one dated occurrence of a project), sign-ups, and the idempotency keys of retried
-- requests. `taken` and `waitlisted` are changed only by conditional updates, so they can never
-- pass `capacity` and `waitlist_size` (also enforced by CHECK).
CREATE TABLE activities (
    id BIGINT NOT NULL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    title TEXT NOT NULL,
    address TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    signup_opens_at TIMESTAMPTZ NOT NULL,
    signup_closes_at TIMESTAMPTZ NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity > 0),
    taken BIGINT NOT NULL,
    waitlist_size BIGINT NOT NULL CHECK (waitlist_size >= 0),
    waitlisted BIGINT NOT NULL,
    waitlist_next BIGINT NOT NULL,
    risk_notice TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('published', 'cancelled')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (taken >= 0 AND taken <= capacity),
    CHECK (waitlisted >= 0 AND waitlisted <= waitlist_size)
);
CREATE INDEX activities_region ON activities (region_code, starts_at);

CREATE TABLE signups (
    id BIGINT NOT NULL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'waitlisted', 'cancelled', 'rejected', 'attended', 'no_show')),
    waitlist_seq BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX signups_volunteer ON signups (volunteer_id, state);

-- A successful answer kept per account and key, so a retried request gets it again.
CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
