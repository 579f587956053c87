-- The practice-site network, accounts, sessions, login throttling and the audit log.
-- Portable SQL for SQLite and PostgreSQL: ids and timestamps are set by the application.

CREATE TABLE regions (
    code TEXT NOT NULL PRIMARY KEY,
    parent_code TEXT REFERENCES regions (code),
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('city', 'county', 'township', 'village')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_code);

-- One practice site per region: a center for a county, an institute for a township, a station
-- for a village or community.
CREATE TABLE sites (
    id BIGINT NOT NULL PRIMARY KEY,
    region_code TEXT NOT NULL UNIQUE REFERENCES regions (code),
    kind TEXT NOT NULL CHECK (kind IN ('center', 'institute', 'station')),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    secretary TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The phone is personal data: stored encrypted, found by its keyed hash, shown masked.
CREATE TABLE accounts (
    id BIGINT NOT NULL PRIMARY KEY,
    phone_lookup TEXT NOT NULL UNIQUE,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    created_at TIMESTAMPTZ NOT NULL
);

-- One account may hold several roles, each role at most once.
CREATE TABLE account_roles (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('city-admin', 'center-admin', 'institute-admin', 'station-admin', 'volunteer', 'citizen')),
    region_code TEXT REFERENCES regions (code),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, role)
);
CREATE INDEX account_roles_region ON account_roles (region_code);

-- Only a hash of the token is stored: a copy of the database gives no live session.
CREATE TABLE sessions (
    id BIGINT NOT NULL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('cookie', 'api')),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Attempt counters per account and per client address; times are unix seconds so the window
-- arithmetic can run inside one statement on both engines.
CREATE TABLE login_throttle (
    throttle_key TEXT NOT NULL PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_started BIGINT NOT NULL
);

-- Append-only: the application has no update or delete path for it.
CREATE TABLE audit_log (
    id BIGINT NOT NULL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_account_id BIGINT,
    actor_label TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX audit_log_region_at ON audit_log (region_code, at);
