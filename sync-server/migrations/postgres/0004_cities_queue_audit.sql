-- Reception numbers, the queue and the waiting-room displays per city (store/visits.rs,
-- store/queue.rs): each city numbers its own visits from 1 every day.
ALTER TABLE visits DROP CONSTRAINT visits_day_reception_number_key;
ALTER TABLE visits ADD CONSTRAINT visits_tenant_day_number UNIQUE (tenant, day, reception_number);
ALTER TABLE queue_tickets ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
DROP INDEX queue_tickets_day;
CREATE INDEX queue_tickets_day ON queue_tickets (tenant, day);
ALTER TABLE number_blocks ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE number_blocks DROP CONSTRAINT number_blocks_pkey;
ALTER TABLE number_blocks ADD PRIMARY KEY (tenant, day, first);
ALTER TABLE displays ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
-- The audit log per city (store/audit.rs). It is append-only: entries written before keep
-- an empty city and are read as the deployment's first city's (meta 'first_city').
ALTER TABLE audit ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
