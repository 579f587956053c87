-- Volunteer service projects, owned by a site or by a team of a site, reviewed by the site.
CREATE TABLE projects (
    id BIGINT NOT NULL PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    team_id BIGINT REFERENCES teams (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'published', 'closed')),
    state_reason TEXT,
    created_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX projects_region_state ON projects (region_code, state);
