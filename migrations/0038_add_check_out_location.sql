-- Where a check-out was made, as far as it is kept (Trust 1, item 6): like a check-in's, only the
-- distance to the activity's point and whether that is at the activity.
ALTER TABLE attendances ADD COLUMN check_out_distance_m BIGINT;
ALTER TABLE attendances ADD COLUMN check_out_inside BIGINT;
