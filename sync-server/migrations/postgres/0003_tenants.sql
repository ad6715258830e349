-- Several cities on one deployment (store/access.rs, staff.rs, visits.rs): the city
-- (全国地方公共団体コード) of each staff account, kiosk, document grant and visit. Rows made
-- before are of the deployment's first city; the server writes its code into them at start
-- (Store::adopt_untenanted).
ALTER TABLE staff ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE kiosks ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE doc_access ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
