package dev.tailguard.idempotency.jdbc;

import dev.tailguard.idempotency.Claim;
import dev.tailguard.idempotency.HeaderLines;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.StoreUnavailableException;
import dev.tailguard.idempotency.StoredResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Idempotency records in a relational database, shared by every instance of a service.
 *
 * <p>A claim is a plain {@code INSERT}: the primary key on (scope, key_hash) lets exactly one of
 * any number of racing instances succeed, and the losers re-read the row (a lost race answers 409,
 * a replay or 422, never a 500). Taking over an expired lease, completing, recording a phase and
 * releasing are single {@code UPDATE}/{@code DELETE} statements conditioned on the lease's
 * fencing token. Every statement runs in auto-commit; nothing holds a row lock across the handler.
 *
 * <p>The schema for PostgreSQL ships as {@code dev/tailguard/idempotency/jdbc/postgresql.sql};
 * {@link #createSchema()} runs it. Lease and retention times come from the application's clock
 * (keep instances' clocks within a small fraction of the lease). Thread-safe when the {@code
 * DataSource} is.
 *
 * @since 0.1
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {
  private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final String IN_PROGRESS = "IN_PROGRESS";
  private static final String COMPLETED = "COMPLETED";
  /** Rounds of a claim, or runs of a statement, after losing a race, a deadlock or a serialization check. */
  private static final int MAX_ROUNDS = 5;

  private final DataSource dataSource;
  private final String table;
  private final InstantSource clock;

  /**
   * A store on {@code table}.
   *
   * @throws IllegalArgumentException if {@code table} is not a plain lower-case identifier
   */
  public JdbcIdempotencyStore(DataSource dataSource, String table, InstantSource clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    if (table == null || !TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException("table must match " + TABLE + ": " + table);
    }
    this.table = table;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A store on table {@code tailguard_idempotency} and the system clock. */
  public JdbcIdempotencyStore(DataSource dataSource) {
    this(dataSource, "tailguard_idempotency", InstantSource.system());
  }

  /**
   * Creates the table and its index if they do not exist: {@code postgresql.sql}, or {@code
   * mariadb.sql} when the database says it is MariaDB or MySQL.
   */
  public void createSchema() throws StoreUnavailableException {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      String product = connection.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
      String resource = product.contains("mariadb") || product.contains("mysql") ? "mariadb.sql" : "postgresql.sql";
      String sql;
      try (InputStream in = JdbcIdempotencyStore.class.getResourceAsStream(resource)) {
        sql = new String(Objects.requireNonNull(in, resource).readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException unreadable) {
        throw new IllegalStateException("schema resource unreadable: " + resource, unreadable);
      }
      for (String part : sql.replace("{table}", table).split(";")) {
        String ddl = part.lines().filter(line -> !line.startsWith("--")).reduce("", (a, b) -> a + "\n" + b).trim();
        if (!ddl.isEmpty()) {
          statement.execute(ddl);
        }
      }
    } catch (SQLException failure) {
      throw unavailable("createSchema", failure);
    }
  }

  @Override
  public Claim claim(String scope, String keyHash, String fingerprint, Duration lease, Duration retention)
      throws StoreUnavailableException {
    try (Connection connection = dataSource.getConnection()) {
      for (int round = 0; round < MAX_ROUNDS; round++) {
        long now = clock.millis();
        String token = UUID.randomUUID().toString();
        try {
          if (insert(connection, scope, keyHash, fingerprint, token, now + lease.toMillis(), now + retention.toMillis())) {
            return Claim.claimed(token, null);
          }
          Claim existing = existing(connection, scope, keyHash, fingerprint, lease, now);
          if (existing != null) {
            return existing;
          }
        } catch (SQLException failure) {
          // A deadlock victim (InnoDB, under many racing inserts of one key) was rolled back whole.
          if (!rolledBack(failure) || round == MAX_ROUNDS - 1) {
            throw failure;
          }
        }
        // The row vanished (released, reaped), was taken over, or our statement lost a deadlock: go again.
      }
      // Only a pathological churn on one key gets here; the request may retry.
      return Claim.inProgress();
    } catch (SQLException failure) {
      throw unavailable("claim", failure);
    }
  }

  private boolean insert(Connection connection, String scope, String keyHash, String fingerprint, String token,
      long leaseUntil, long expiresAt) throws SQLException {
    String sql = "INSERT INTO " + table + " (scope, key_hash, fingerprint, state, lock_token, lease_until, expires_at)"
        + " VALUES (?, ?, ?, '" + IN_PROGRESS + "', ?, ?, ?)";
    try (PreparedStatement insert = connection.prepareStatement(sql)) {
      insert.setString(1, scope);
      insert.setString(2, keyHash);
      insert.setString(3, fingerprint);
      insert.setString(4, token);
      insert.setLong(5, leaseUntil);
      insert.setLong(6, expiresAt);
      insert.executeUpdate();
      return true;
    } catch (SQLException failure) {
      // SQLState class 23: integrity constraint violation, i.e. the key is taken.
      if (failure.getSQLState() != null && failure.getSQLState().startsWith("23")) {
        return false;
      }
      throw failure;
    }
  }

  /** Reads the row that beat our insert and maps it; null when the caller should try again. */
  private Claim existing(Connection connection, String scope, String keyHash, String fingerprint, Duration lease, long now)
      throws SQLException {
    String sql = "SELECT fingerprint, state, lease_until, recovery_point, response_status, response_headers, response_body,"
        + " expires_at FROM " + table + " WHERE scope = ? AND key_hash = ?";
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      select.setString(1, scope);
      select.setString(2, keyHash);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        if (row.getLong("expires_at") < now) {
          deleteExpired(connection, scope, keyHash, now);
          return null;
        }
        if (!fingerprint.equals(row.getString("fingerprint"))) {
          return Claim.mismatch();
        }
        if (COMPLETED.equals(row.getString("state"))) {
          return Claim.completed(new StoredResponse(row.getInt("response_status"),
              HeaderLines.decode(row.getString("response_headers")), nonNull(row.getBytes("response_body"))));
        }
        if (row.getLong("lease_until") > now) {
          return Claim.inProgress();
        }
        String recoveryPoint = row.getString("recovery_point");
        String token = UUID.randomUUID().toString();
        return takeOver(connection, scope, keyHash, fingerprint, token, now, now + lease.toMillis())
            ? Claim.claimed(token, recoveryPoint)
            : null;
      }
    }
  }

  private boolean takeOver(Connection connection, String scope, String keyHash, String fingerprint, String token, long now,
      long leaseUntil) throws SQLException {
    String sql = "UPDATE " + table + " SET lock_token = ?, lease_until = ? WHERE scope = ? AND key_hash = ?"
        + " AND state = '" + IN_PROGRESS + "' AND lease_until <= ? AND fingerprint = ?";
    try (PreparedStatement update = connection.prepareStatement(sql)) {
      update.setString(1, token);
      update.setLong(2, leaseUntil);
      update.setString(3, scope);
      update.setString(4, keyHash);
      update.setLong(5, now);
      update.setString(6, fingerprint);
      return update.executeUpdate() == 1;
    }
  }

  private void deleteExpired(Connection connection, String scope, String keyHash, long now) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement(
        "DELETE FROM " + table + " WHERE scope = ? AND key_hash = ? AND expires_at < ?")) {
      delete.setString(1, scope);
      delete.setString(2, keyHash);
      delete.setLong(3, now);
      delete.executeUpdate();
    }
  }

  @Override
  public boolean complete(String scope, String keyHash, String token, StoredResponse response, Duration retention)
      throws StoreUnavailableException {
    String sql = "UPDATE " + table + " SET state = '" + COMPLETED + "', lock_token = NULL, lease_until = NULL,"
        + " response_status = ?, response_headers = ?, response_body = ?, expires_at = ?"
        + " WHERE scope = ? AND key_hash = ? AND lock_token = ? AND state = '" + IN_PROGRESS + "'";
    return runAgainIfRolledBack("complete", connection -> {
      try (PreparedStatement update = connection.prepareStatement(sql)) {
        update.setInt(1, response.status());
        update.setString(2, HeaderLines.encode(response.headers()));
        update.setBytes(3, response.body());
        update.setLong(4, clock.millis() + retention.toMillis());
        update.setString(5, scope);
        update.setString(6, keyHash);
        update.setString(7, token);
        return update.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean recordPhase(String scope, String keyHash, String token, String phase, Duration lease)
      throws StoreUnavailableException {
    String sql = "UPDATE " + table + " SET recovery_point = ?, lease_until = ?"
        + " WHERE scope = ? AND key_hash = ? AND lock_token = ? AND state = '" + IN_PROGRESS + "'";
    return runAgainIfRolledBack("recordPhase", connection -> {
      try (PreparedStatement update = connection.prepareStatement(sql)) {
        update.setString(1, phase);
        update.setLong(2, clock.millis() + lease.toMillis());
        update.setString(3, scope);
        update.setString(4, keyHash);
        update.setString(5, token);
        return update.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean release(String scope, String keyHash, String token) throws StoreUnavailableException {
    String sql = "DELETE FROM " + table + " WHERE scope = ? AND key_hash = ? AND lock_token = ? AND state = '" + IN_PROGRESS + "'";
    return runAgainIfRolledBack("release", connection -> {
      try (PreparedStatement delete = connection.prepareStatement(sql)) {
        delete.setString(1, scope);
        delete.setString(2, keyHash);
        delete.setString(3, token);
        return delete.executeUpdate() == 1;
      }
    });
  }

  @Override
  public int reapExpired() throws StoreUnavailableException {
    return runAgainIfRolledBack("reapExpired", connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE expires_at < ?")) {
        delete.setLong(1, clock.millis());
        return delete.executeUpdate();
      }
    });
  }

  /** One auto-committed statement on a connection of its own. */
  private interface StoreStatement<R> {
    R run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code statement}, again when the database rolled it back (a deadlock victim, a
   * serialization failure): rolled back, it did nothing, so running it again is safe.
   */
  private <R> R runAgainIfRolledBack(String operation, StoreStatement<R> statement) throws StoreUnavailableException {
    for (int round = 1; ; round++) {
      try (Connection connection = dataSource.getConnection()) {
        return statement.run(connection);
      } catch (SQLException failure) {
        if (!rolledBack(failure) || round >= MAX_ROUNDS) {
          throw unavailable(operation, failure);
        }
      }
    }
  }

  /** SQLState class 40, transaction rollback: deadlock (MySQL/MariaDB 40001, PostgreSQL 40P01) or serialization failure. */
  private static boolean rolledBack(SQLException failure) {
    return failure.getSQLState() != null && failure.getSQLState().startsWith("40");
  }

  private static byte[] nonNull(byte[] bytes) {
    return bytes == null ? new byte[0] : bytes;
  }

  private StoreUnavailableException unavailable(String operation, SQLException failure) {
    // SQL state and vendor code only: messages can echo parameters.
    return new StoreUnavailableException("JDBC idempotency store: " + operation + " on " + table + " failed (SQLState "
        + failure.getSQLState() + ", code " + failure.getErrorCode() + ")", failure);
  }
}
