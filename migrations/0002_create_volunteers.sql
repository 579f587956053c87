-- Registered volunteers (R-REC-3). ID number and phone are personal data: encrypted (…_enc),
-- found by keyed hash (…_lookup), shown masked (…_masked). One person, one registration: the
-- keyed hash of (ID type, number) is unique.
CREATE TABLE volunteers (
    id BIGINT NOT NULL PRIMARY KEY,
    account_id BIGINT UNIQUE REFERENCES accounts (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date DATE NOT NULL,
    id_type TEXT NOT NULL CHECK (id_type IN ('resident_id', 'hmt_residence_permit', 'foreign_permanent_resident', 'passport')),
    id_lookup TEXT NOT NULL UNIQUE,
    id_enc TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    phone_lookup TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    skills TEXT NOT NULL,
    categories TEXT NOT NULL,
    availability TEXT NOT NULL,
    -- 1 when registered under 14: the record is a child's data (PIPL Art. 31).
    child_data BIGINT NOT NULL CHECK (child_data IN (0, 1)),
    guardian_name TEXT,
    guardian_consent_at TIMESTAMPTZ,
    consent_version TEXT NOT NULL,
    consent_at TIMESTAMPTZ NOT NULL,
    registered_by TEXT NOT NULL CHECK (registered_by IN ('self', 'staff', 'import')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX volunteers_region ON volunteers (region_code);
CREATE INDEX volunteers_phone ON volunteers (phone_lookup);
