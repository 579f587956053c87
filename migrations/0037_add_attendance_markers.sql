-- Who marked a check-in or check-out by hand (Trust 1): they took part in the record it makes,
-- so they are no second approver of it, nor the one who clears its flags.
ALTER TABLE attendances ADD COLUMN check_in_by BIGINT REFERENCES accounts (id);
ALTER TABLE attendances ADD COLUMN check_out_by BIGINT REFERENCES accounts (id);
