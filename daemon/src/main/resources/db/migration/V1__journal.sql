-- The shared decision journal and the per-service leases that fence its writers.
-- Applied once per database by the migration runner, under an advisory lock.

CREATE TABLE release_pilot_journal (
    -- Assigned under a transaction-scoped advisory lock, so seq order is commit order (see PgJournal).
    seq         bigint      PRIMARY KEY,
    service     text        NOT NULL,
    type        text        NOT NULL,
    -- json, not jsonb: the body comes back byte for byte as it was written.
    body        json        NOT NULL,
    at          timestamptz NOT NULL,
    -- The instance that wrote the record (--instance-id).
    instance_id text        NOT NULL,
    -- The lease epoch the writer held; 0 for an unfenced write.
    epoch       bigint      NOT NULL DEFAULT 0,
    -- Written from the local outage spool after PostgreSQL came back: its fence was not checked
    -- (the record had already happened).
    spooled     boolean     NOT NULL DEFAULT false,
    -- The group's identity: the journal object that took the append (random per open) and the group's
    -- number from it, with the record's index in the group. Unique, so a group written again after a lost
    -- acknowledgement (drained from the spool, or retried) is not doubled.
    group_writer text       NOT NULL,
    group_number bigint     NOT NULL,
    group_index  int        NOT NULL,
    UNIQUE (group_writer, group_number, group_index)
);

CREATE INDEX release_pilot_journal_service_seq ON release_pilot_journal (service, seq);
CREATE INDEX release_pilot_journal_snapshots ON release_pilot_journal (service, seq) WHERE type = 'snapshot';

-- Who holds each service, under which epoch, until when (the database's clock decides expiry).
CREATE TABLE release_pilot_leases (
    service    text        PRIMARY KEY,
    holder     text        NOT NULL,
    epoch      bigint      NOT NULL,
    expires_at timestamptz NOT NULL
);
