-- Volunteers look for activities still to come in their county (the default of "near me"): by
-- the county part of the region code and the end time, so the list reads only those rows
-- (issue 5's benchmark: the index on the end time alone reads every county's).
CREATE INDEX activities_county_ends ON activities (substr(region_code, 1, 6), ends_at);
