-- Which key set of the key file is current: changed in the same transaction as a key rotation
-- re-encrypts and re-hashes every sealed value, so the database and its keys always agree.
CREATE TABLE vault_state (
    singleton BIGINT NOT NULL PRIMARY KEY CHECK (singleton = 1),
    key_id BIGINT NOT NULL
);
