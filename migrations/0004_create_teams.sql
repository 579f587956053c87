-- Teams under practice sites, and their members (volunteers).
CREATE TABLE teams (
    id BIGINT NOT NULL PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    -- The site's region, kept here so the access policy and the lists need no join.
    region_code TEXT NOT NULL REFERENCES regions (code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('professional', 'characteristic')),
    specialty TEXT NOT NULL,
    categories TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('applied', 'active', 'rejected', 'suspended', 'dissolved')),
    state_reason TEXT,
    applied_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX teams_region ON teams (region_code);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams (id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    role TEXT NOT NULL CHECK (role IN ('leader', 'admin', 'member')),
    state TEXT NOT NULL CHECK (state IN ('requested', 'invited', 'member', 'rejected', 'former')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX team_members_volunteer ON team_members (volunteer_id);
