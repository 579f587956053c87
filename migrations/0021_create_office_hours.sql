-- A county's office hours (decisions.md D4): review deadlines count only the time its offices
-- are open on working days. A county without a row keeps the default, 08:30–17:30 (China time).
CREATE TABLE office_hours (
    county_code TEXT NOT NULL PRIMARY KEY REFERENCES regions (code),
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
