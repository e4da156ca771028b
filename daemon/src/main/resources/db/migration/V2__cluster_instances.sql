-- Instances of a cluster sharing one journal: each upserts its row every lease-renew interval
-- (last_seen by the database's clock). Live = seen within the lease ttl; the live set is what
-- rendezvous hashing spreads the services' leases over. A stopped instance deletes its row.
CREATE TABLE release_pilot_instances (
    id         text PRIMARY KEY,
    address    text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);
