-- Who sent a project for review: nobody approves a project they drafted or submitted
-- (Trust 1; persons, not accounts). Projects submitted before have none.
ALTER TABLE projects ADD COLUMN submitted_by BIGINT;
