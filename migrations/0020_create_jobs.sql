-- Work the servers do on their own, at a due time (decisions.md D4): a job is one (kind,
-- subject, due time), made once however many servers schedule it, and run by the one server
-- that leases it (a lease that runs out is taken over: a server that died mid-job does not
-- leave it undone). Deadlines, reminders and the periodic sweeps are jobs.
CREATE TABLE jobs (
    id BIGINT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    lease_owner TEXT,
    lease_until TIMESTAMPTZ,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    done_at TIMESTAMPTZ,
    UNIQUE (kind, subject, due_at)
);
CREATE INDEX jobs_due ON jobs (state, due_at);
