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
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Idempotency records in a relational database (PostgreSQL, MariaDB, MySQL), shared by every
 * instance of a service.
 *
 * <p>A claim is a plain {@code INSERT}: the primary key on (scope, key_hash) lets exactly one of
 * any number of racing instances succeed, and the losers re-read the row (a lost race answers 409,
 * a replay or 422, never a 500). Taking over an expired lease, completing, renewing, recording a
 * phase and releasing are single {@code UPDATE}/{@code DELETE} statements conditioned on the
 * lease's fencing token. Nothing holds a row lock across the handler.
 *
 * <p><b>Time source:</b> leases and retention are judged on the database's clock ({@code
 * CURRENT_TIMESTAMP}, read inside each statement), never the instance's, so instances whose
 * clocks disagree still agree on whether a lease is live.
 *
 * <p>Every statement runs in auto-commit, whatever the pool's default: a connection handed out
 * with auto-commit off is switched on for the store's statement and switched back before it is
 * returned. Every statement has a timeout ({@code statementTimeout}, default 2 s, whole seconds
 * as JDBC counts them): a row lock held elsewhere or a stalled database ends in {@link
 * StoreUnavailableException} (the guard's 503), never an unbounded wait. So does any exception
 * the driver or the pool throws, checked or not.
 *
 * <p>The schema ships as {@code dev/tailguard/idempotency/jdbc/postgresql.sql} and {@code
 * mariadb.sql}; {@link #createSchema()} runs the one for the database. Thread-safe when the {@code
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
  /** The default statement timeout. */
  public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(2);

  private final DataSource dataSource;
  private final String table;
  private final int timeoutSeconds;
  /** The database's "now" in epoch milliseconds, in its own dialect; found on first use. */
  private volatile String nowMillis;

  /**
   * A store on {@code table} whose statements time out after {@code statementTimeout}.
   *
   * @throws IllegalArgumentException if {@code table} is not a plain lower-case identifier, or the
   *     timeout is not a whole number of seconds from 1 s up
   */
  public JdbcIdempotencyStore(DataSource dataSource, String table, Duration statementTimeout) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    if (table == null || !TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException("table must match " + TABLE + ": " + table);
    }
    this.table = table;
    Objects.requireNonNull(statementTimeout, "statementTimeout");
    if (statementTimeout.compareTo(Duration.ofSeconds(1)) < 0 || statementTimeout.toNanos() % 1_000_000_000L != 0
        || statementTimeout.toSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("statementTimeout must be whole seconds, at least 1 s (JDBC counts seconds): " + statementTimeout);
    }
    this.timeoutSeconds = (int) statementTimeout.toSeconds();
  }

  /** A store on {@code table} with the default 2 s statement timeout. */
  public JdbcIdempotencyStore(DataSource dataSource, String table) {
    this(dataSource, table, DEFAULT_STATEMENT_TIMEOUT);
  }

  /** A store on table {@code tailguard_idempotency} with the default 2 s statement timeout. */
  public JdbcIdempotencyStore(DataSource dataSource) {
    this(dataSource, "tailguard_idempotency");
  }

  /**
   * Creates the table and its index if they do not exist: {@code postgresql.sql}, or {@code
   * mariadb.sql} when the database says it is MariaDB or MySQL.
   */
  public void createSchema() throws StoreUnavailableException {
    run("createSchema", connection -> {
      String resource = isMariaDbOrMySql(connection) ? "mariadb.sql" : "postgresql.sql";
      String sql;
      try (InputStream in = JdbcIdempotencyStore.class.getResourceAsStream(resource)) {
        sql = new String(Objects.requireNonNull(in, resource).readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException unreadable) {
        throw new IllegalStateException("schema resource unreadable: " + resource, unreadable);
      }
      try (Statement statement = connection.createStatement()) {
        for (String part : sql.replace("{table}", table).split(";")) {
          String ddl = part.lines().filter(line -> !line.startsWith("--")).reduce("", (a, b) -> a + "\n" + b).trim();
          if (!ddl.isEmpty()) {
            statement.execute(ddl);
          }
        }
      }
      return null;
    });
  }

  private static boolean isMariaDbOrMySql(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    return product.contains("mariadb") || product.contains("mysql");
  }

  /** The SQL for the database's current time in epoch milliseconds. */
  private String now(Connection connection) throws SQLException {
    String sql = nowMillis;
    if (sql == null) {
      sql = isMariaDbOrMySql(connection)
          ? "CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED)"
          : "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)";
      nowMillis = sql;
    }
    return sql;
  }

  @Override
  public Claim claim(String scope, String keyHash, String fingerprint, Duration lease, Duration retention)
      throws StoreUnavailableException {
    return run("claim", connection -> {
      for (int round = 0; round < MAX_ROUNDS; round++) {
        String token = UUID.randomUUID().toString();
        try {
          if (insert(connection, scope, keyHash, fingerprint, token, lease, retention)) {
            return Claim.claimed(token, null);
          }
          Claim existing = existing(connection, scope, keyHash, fingerprint, lease);
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
    });
  }

  private PreparedStatement prepare(Connection connection, String sql) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    statement.setQueryTimeout(timeoutSeconds);
    return statement;
  }

  private boolean insert(Connection connection, String scope, String keyHash, String fingerprint, String token,
      Duration lease, Duration retention) throws SQLException {
    String now = now(connection);
    String sql = "INSERT INTO " + table + " (scope, key_hash, fingerprint, state, lock_token, lease_until, expires_at)"
        + " VALUES (?, ?, ?, '" + IN_PROGRESS + "', ?, " + now + " + ?, " + now + " + ?)";
    try (PreparedStatement insert = prepare(connection, sql)) {
      insert.setString(1, scope);
      insert.setString(2, keyHash);
      insert.setString(3, fingerprint);
      insert.setString(4, token);
      insert.setLong(5, lease.toMillis());
      insert.setLong(6, retention.toMillis());
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
  private Claim existing(Connection connection, String scope, String keyHash, String fingerprint, Duration lease)
      throws SQLException {
    String sql = "SELECT fingerprint, state, lease_until, recovery_point, response_status, response_headers, response_body,"
        + " expires_at, " + now(connection) + " AS now_millis FROM " + table + " WHERE scope = ? AND key_hash = ?";
    try (PreparedStatement select = prepare(connection, sql)) {
      select.setString(1, scope);
      select.setString(2, keyHash);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        long now = row.getLong("now_millis");
        if (row.getLong("expires_at") < now) {
          deleteExpired(connection, scope, keyHash);
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
        return takeOver(connection, scope, keyHash, fingerprint, token, lease) ? Claim.claimed(token, recoveryPoint) : null;
      }
    }
  }

  private boolean takeOver(Connection connection, String scope, String keyHash, String fingerprint, String token,
      Duration lease) throws SQLException {
    String now = now(connection);
    String sql = "UPDATE " + table + " SET lock_token = ?, lease_until = " + now + " + ? WHERE scope = ? AND key_hash = ?"
        + " AND state = '" + IN_PROGRESS + "' AND lease_until <= " + now + " AND fingerprint = ?";
    try (PreparedStatement update = prepare(connection, sql)) {
      update.setString(1, token);
      update.setLong(2, lease.toMillis());
      update.setString(3, scope);
      update.setString(4, keyHash);
      update.setString(5, fingerprint);
      return update.executeUpdate() == 1;
    }
  }

  private void deleteExpired(Connection connection, String scope, String keyHash) throws SQLException {
    try (PreparedStatement delete = prepare(connection,
        "DELETE FROM " + table + " WHERE scope = ? AND key_hash = ? AND expires_at < " + now(connection))) {
      delete.setString(1, scope);
      delete.setString(2, keyHash);
      delete.executeUpdate();
    }
  }

  @Override
  public boolean complete(String scope, String keyHash, String token, StoredResponse response, Duration retention)
      throws StoreUnavailableException {
    return runAgainIfRolledBack("complete", connection -> {
      String sql = "UPDATE " + table + " SET state = '" + COMPLETED + "', lock_token = NULL, lease_until = NULL,"
          + " response_status = ?, response_headers = ?, response_body = ?, expires_at = " + now(connection) + " + ?"
          + " WHERE scope = ? AND key_hash = ? AND lock_token = ? AND state = '" + IN_PROGRESS + "'";
      try (PreparedStatement update = prepare(connection, sql)) {
        update.setInt(1, response.status());
        update.setString(2, HeaderLines.encode(response.headers()));
        update.setBytes(3, response.body());
        update.setLong(4, retention.toMillis());
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
    return runAgainIfRolledBack("recordPhase", connection -> {
      String sql = "UPDATE " + table + " SET recovery_point = ?, lease_until = " + now(connection) + " + ?"
          + " WHERE scope = ? AND key_hash = ? AND lock_token = ? AND state = '" + IN_PROGRESS + "'";
      try (PreparedStatement update = prepare(connection, sql)) {
        update.setString(1, phase);
        update.setLong(2, lease.toMillis());
        update.setString(3, scope);
        update.setString(4, keyHash);
        update.setString(5, token);
        return update.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean renewLease(String scope, String keyHash, String token, Duration lease) throws StoreUnavailableException {
    return runAgainIfRolledBack("renewLease", connection -> {
      String sql = "UPDATE " + table + " SET lease_until = " + now(connection) + " + ?"
          + " WHERE scope = ? AND key_hash = ? AND lock_token = ? AND state = '" + IN_PROGRESS + "'";
      try (PreparedStatement update = prepare(connection, sql)) {
        update.setLong(1, lease.toMillis());
        update.setString(2, scope);
        update.setString(3, keyHash);
        update.setString(4, token);
        return update.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean release(String scope, String keyHash, String token) throws StoreUnavailableException {
    String sql = "DELETE FROM " + table + " WHERE scope = ? AND key_hash = ? AND lock_token = ? AND state = '" + IN_PROGRESS + "'";
    return runAgainIfRolledBack("release", connection -> {
      try (PreparedStatement delete = prepare(connection, sql)) {
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
      try (PreparedStatement delete = prepare(connection, "DELETE FROM " + table + " WHERE expires_at < " + now(connection))) {
        return delete.executeUpdate();
      }
    });
  }

  /** Statements on one auto-committed connection. */
  private interface StoreStatement<R> {
    R run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code statement}, again when the database rolled it back (a deadlock victim, a
   * serialization failure): rolled back, it did nothing, so running it again is safe.
   */
  private <R> R runAgainIfRolledBack(String operation, StoreStatement<R> statement) throws StoreUnavailableException {
    for (int round = 1; ; round++) {
      try {
        return runOnce(statement);
      } catch (SQLException failure) {
        if (!rolledBack(failure) || round >= MAX_ROUNDS) {
          throw unavailable(operation, failure);
        }
      } catch (RuntimeException failure) {
        throw unavailable(operation, failure);
      }
    }
  }

  private <R> R run(String operation, StoreStatement<R> statement) throws StoreUnavailableException {
    try {
      return runOnce(statement);
    } catch (SQLException | RuntimeException failure) {
      throw unavailable(operation, failure);
    }
  }

  /**
   * One connection in auto-commit for the statements, handed back as it came: a pool's connection
   * with auto-commit off would otherwise leave every claim in a transaction that is never
   * committed, and the claim lost when the pool rolls it back.
   */
  private <R> R runOnce(StoreStatement<R> statement) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      if (!autoCommit) {
        connection.setAutoCommit(true);
      }
      try {
        return statement.run(connection);
      } finally {
        if (!autoCommit) {
          connection.setAutoCommit(false);
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

  private StoreUnavailableException unavailable(String operation, Exception failure) {
    // SQL state and vendor code only: messages can echo parameters.
    String detail = failure instanceof SQLException sql
        ? "SQLState " + sql.getSQLState() + ", code " + sql.getErrorCode()
        : failure.getClass().getSimpleName();
    return new StoreUnavailableException("JDBC idempotency store: " + operation + " on " + table + " failed (" + detail + ")", failure);
  }
}
