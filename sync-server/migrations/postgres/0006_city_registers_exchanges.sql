-- Each city's resident register and exchange with its core system (store/residents.rs,
-- store/imports.rs, store/outbox.rs): two cities may give the same 宛名番号, and each city's
-- files, batches and records are its own. Rows stored before get the first city at start
-- (Store::adopt_untenanted); the search keys are made anew with their city.
ALTER TABLE residents ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE residents DROP CONSTRAINT residents_pkey;
ALTER TABLE residents ADD PRIMARY KEY (tenant, atena_number);
DROP INDEX residents_birth;
DROP INDEX residents_household;
CREATE INDEX residents_city_birth ON residents (tenant, birth_date);
CREATE INDEX residents_city_household ON residents (tenant, household_number);
DROP TABLE resident_keys;
CREATE TABLE resident_keys (
    tenant       TEXT   NOT NULL,
    key          TEXT   COLLATE "C" NOT NULL,
    kind         BIGINT NOT NULL,
    atena_number TEXT   NOT NULL,
    PRIMARY KEY (tenant, key, kind, atena_number)
);
DELETE FROM meta WHERE key = 'search_key_version';
ALTER TABLE imports ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE import_errors ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE import_quarantine ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE export_batches ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
