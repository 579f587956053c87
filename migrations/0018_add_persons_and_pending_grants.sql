-- Accounts belong to people (decisions.md D2). The person behind an account is the keyed hash of
-- its ID number, as volunteers are found ("type:number"), with the number sealed so a key rotation
-- can recompute the hash. Staff roles take effect only on an account with a person.
ALTER TABLE accounts ADD COLUMN person_id_type TEXT;
ALTER TABLE accounts ADD COLUMN person_lookup TEXT;
ALTER TABLE accounts ADD COLUMN person_enc TEXT;
CREATE INDEX accounts_person ON accounts (person_lookup);

-- An account with a volunteer registration is that volunteer's person.
UPDATE accounts SET
    person_id_type = (SELECT v.id_type FROM volunteers v WHERE v.account_id = accounts.id),
    person_lookup = (SELECT v.id_lookup FROM volunteers v WHERE v.account_id = accounts.id),
    person_enc = (SELECT v.id_enc FROM volunteers v WHERE v.account_id = accounts.id)
WHERE EXISTS (SELECT 1 FROM volunteers v WHERE v.account_id = accounts.id);

-- A staff role granted by an admin to a phone: no power until the holder logs in by SMS code,
-- sets their own password and confirms their ID number (accepted), or says no (refused).
-- The phone is found by its keyed hash and sealed like every phone.
CREATE TABLE role_grants (
    id BIGINT NOT NULL PRIMARY KEY,
    phone_lookup TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('city-admin', 'center-admin', 'institute-admin', 'station-admin')),
    region_code TEXT NOT NULL REFERENCES regions (code),
    granted_by BIGINT REFERENCES accounts (id),
    granted_by_label TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'refused', 'withdrawn')),
    holder_account_id BIGINT REFERENCES accounts (id),
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ
);
CREATE INDEX role_grants_phone ON role_grants (phone_lookup, state);
CREATE INDEX role_grants_region ON role_grants (region_code, state);

-- Marks of what made a database: the demo writes 'demo', so `serve --demo` can tell its own
-- database (served in development mode) from a real one (refused).
CREATE TABLE platform_marks (
    name TEXT NOT NULL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);

-- A disabled account logs in no more (its sessions end when it is disabled); enabling undoes it,
-- by an admin of at least the level that disabled it (`system`, `city`, `county`, `township`).
ALTER TABLE accounts ADD COLUMN disabled_at TIMESTAMPTZ;
ALTER TABLE accounts ADD COLUMN disabled_by TEXT;
