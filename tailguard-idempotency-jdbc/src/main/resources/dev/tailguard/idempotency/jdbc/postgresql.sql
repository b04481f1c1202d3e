-- Tailguard idempotency records (PostgreSQL). {table} is replaced by the configured table name.
-- The primary key on (scope, key_hash) is what makes a claim atomic across a whole fleet.
-- key_hash is SHA-256 of the client's key: the key itself is never stored.
-- Times are epoch milliseconds from the database's own clock (CURRENT_TIMESTAMP), one clock for the fleet.
-- scope is SHA-256 of the principal or tenant, as hex: fixed-size ASCII whatever the principal is.
CREATE TABLE IF NOT EXISTS {table} (
  scope            VARCHAR(255) NOT NULL,
  key_hash         CHAR(64)     NOT NULL,
  fingerprint      CHAR(64)     NOT NULL,
  state            VARCHAR(16)  NOT NULL,
  lock_token       VARCHAR(36),
  lease_until      BIGINT,
  recovery_point   VARCHAR(64),
  response_status  INT,
  response_headers TEXT,
  response_body    BYTEA,
  expires_at       BIGINT       NOT NULL,
  PRIMARY KEY (scope, key_hash)
);
CREATE INDEX IF NOT EXISTS {table}_expires_at ON {table} (expires_at);
