-- The headline figures of every region, each counting the region and everything below it, kept
-- in the transaction of every write that changes one (issue 5; architecture.md: rollups, never a
-- GROUP BY over millions of rows per request). `hongmajia rollups rebuild [--check]` recounts.
CREATE TABLE region_figures (
    region_code TEXT NOT NULL PRIMARY KEY REFERENCES regions (code),
    volunteers BIGINT NOT NULL DEFAULT 0,
    teams BIGINT NOT NULL DEFAULT 0,
    teams_professional BIGINT NOT NULL DEFAULT 0,
    teams_characteristic BIGINT NOT NULL DEFAULT 0,
    projects BIGINT NOT NULL DEFAULT 0,
    activities BIGINT NOT NULL DEFAULT 0,
    service_minutes BIGINT NOT NULL DEFAULT 0,
    lecture_sessions BIGINT NOT NULL DEFAULT 0,
    lecture_audience BIGINT NOT NULL DEFAULT 0,
    trainings BIGINT NOT NULL DEFAULT 0
);
