-- Per-county adjustment limits (Trust 1, item 4): a confirmation may credit beyond the minutes
-- present up to the smaller of `minutes` and `percent` % of the presence before it takes a second
-- person at the site above. Set for a county by the city's reviewers; a county without a row
-- has the deployment's limit.
CREATE TABLE adjustment_limits (
    county_code TEXT NOT NULL PRIMARY KEY REFERENCES regions (code),
    minutes BIGINT NOT NULL CHECK (minutes BETWEEN 0 AND 240),
    percent BIGINT NOT NULL CHECK (percent BETWEEN 0 AND 100),
    set_by TEXT NOT NULL,
    set_at TIMESTAMPTZ NOT NULL
);
