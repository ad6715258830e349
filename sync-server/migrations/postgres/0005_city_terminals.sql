-- The terminals' heartbeats per city (store/access.rs, terminals.rs): two cities may name
-- terminals alike.
ALTER TABLE terminals ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE terminals DROP CONSTRAINT terminals_pkey;
ALTER TABLE terminals ADD PRIMARY KEY (tenant, terminal);
