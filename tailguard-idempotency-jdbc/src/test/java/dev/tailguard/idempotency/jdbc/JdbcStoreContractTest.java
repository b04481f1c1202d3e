package dev.tailguard.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.idempotency.Claim;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.StoreUnavailableException;
import dev.tailguard.idempotency.StoredResponse;
import dev.tailguard.testing.idempotency.IdempotencyStoreContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The store contract for the JDBC store on one real database, emptied before each test. */
abstract class JdbcStoreContractTest extends IdempotencyStoreContract {
  static final String TABLE = "tailguard_idempotency_test";
  /** SHA-256 hex, as the guard hands the store; the schema's columns are sized for it. */
  private static final String KEY_HASH = "a".repeat(64);
  private static final String FINGERPRINT = "f".repeat(64);

  /** A data source for the database under test. */
  abstract DataSource dataSource() throws Exception;

  @Override
  protected IdempotencyStore store() throws Exception {
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(dataSource(), TABLE);
    store.createSchema();
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM " + TABLE);
    }
    return store;
  }

  /** The store has no clock parameter at all: leases are judged on the database's clock. */
  @Override
  protected IdempotencyStore anotherInstanceWithClockAhead(Duration skew) throws Exception {
    return new JdbcIdempotencyStore(dataSource(), TABLE);
  }

  /** The database's clock cannot be moved: wait, on 127.0.0.1, bounded by the durations asked. */
  @Override
  protected void passTime(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }

  @Override
  protected long records() throws Exception {
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
        ResultSet count = statement.executeQuery("SELECT count(*) FROM " + TABLE)) {
      count.next();
      return count.getLong(1);
    }
  }

  /**
   * Regression: under fifty racing claims of one key MariaDB picked a claim as a deadlock victim
   * (SQLState 40001) and the store reported itself unavailable, a 503 for a request that only had
   * to be run again.
   */
  @Test
  void statementsThatLoseADeadlockAreRunAgain() throws Exception {
    store();
    InjectedDeadlocks deadlocks = new InjectedDeadlocks();
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(deadlocks.around(dataSource()), TABLE);

    deadlocks.next(2);
    Claim claim = store.claim("alice", KEY_HASH, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(24));
    assertThat(claim.outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(deadlocks.left()).isZero();
    assertThat(records()).isEqualTo(1);

    deadlocks.next(1);
    StoredResponse created = new StoredResponse(201, Map.of("Content-Type", List.of("text/plain")), new byte[] {'o', 'k'});
    assertThat(store.complete("alice", KEY_HASH, claim.token(), created, Duration.ofHours(24))).isTrue();
    Claim replay = store.claim("alice", KEY_HASH, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(24));
    assertThat(replay.outcome()).isEqualTo(Claim.Outcome.COMPLETED);
    assertThat(replay.response().status()).isEqualTo(201);
  }

  @Test
  void aStatementThatKeepsLosingDeadlocksEndsAsUnavailable() throws Exception {
    store();
    InjectedDeadlocks deadlocks = new InjectedDeadlocks();
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(deadlocks.around(dataSource()), TABLE);

    deadlocks.next(Integer.MAX_VALUE);
    assertThatThrownBy(() -> store.claim("alice", KEY_HASH, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(24)))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("SQLState 40001");
    assertThatThrownBy(() -> store.release("alice", KEY_HASH, "token"))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("release");
    deadlocks.next(0);
    assertThat(records()).isZero();
  }

  /** A data source on the same database whose connections come with auto-commit off, as many pools are configured. */
  private DataSource autoCommitOff(List<Connection> handedOut) throws Exception {
    DataSource real = dataSource();
    return (DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (self, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("getConnection")) {
            Connection connection = (Connection) result;
            connection.setAutoCommit(false);
            handedOut.add(connection);
          }
          return result;
        });
  }

  /**
   * Regression (issue 17, item 2): on a pool with auto-commit off, every claim stayed in a
   * transaction that was never committed; closing the connection rolled it back, and the same
   * key ran the handler 3 times out of 3.
   */
  @Test
  void claimsHoldOnAPoolWithAutoCommitOffAndItsConnectionsGoBackAsTheyCame() throws Exception {
    store();
    List<Connection> handedOut = new java.util.concurrent.CopyOnWriteArrayList<>();
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(autoCommitOff(handedOut), TABLE);
    for (int round = 0; round < 3; round++) {
      Claim claim = store.claim("alice", KEY_HASH, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(24));
      assertThat(claim.outcome()).as("claim %d", round).isEqualTo(round == 0 ? Claim.Outcome.CLAIMED : Claim.Outcome.IN_PROGRESS);
    }
    assertThat(records()).isEqualTo(1);
    assertThat(handedOut).isNotEmpty();
    for (Connection connection : handedOut) {
      assertThat(connection.isClosed()).isTrue();
    }
  }

  /**
   * Regression (issue 17, item 6): a claim waited for another session's row lock for as long as
   * that session held it. With a 1 s statement timeout it ends as unavailable (the guard's 503).
   */
  @Test
  void aClaimBlockedByAnotherSessionsLockEndsAsUnavailableWithinTheStatementTimeout() throws Exception {
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(dataSource(), TABLE, Duration.ofSeconds(1));
    store();
    try (Connection holder = dataSource().getConnection()) {
      holder.setAutoCommit(false);
      try (Statement statement = holder.createStatement()) {
        // An uncommitted insert of the same key: the claim's INSERT must wait for this transaction.
        statement.executeUpdate("INSERT INTO " + TABLE + " (scope, key_hash, fingerprint, state, lock_token, lease_until, expires_at)"
            + " VALUES ('alice', '" + KEY_HASH + "', '" + FINGERPRINT + "', 'IN_PROGRESS', 'other', 0, 9223372036854775807)");
      }
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
          assertThatThrownBy(() -> store.claim("alice", KEY_HASH, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(24)))
              .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("claim"));
      holder.rollback();
    }
    assertThat(records()).isZero();
  }

  /** Regression (issue 17, item 6): a data source that threw a RuntimeException escaped {@code begin()}. */
  @Test
  void aDataSourceThatThrowsUncheckedIsUnavailableAnd503() throws Exception {
    DataSource broken = (DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (self, method, args) -> {
          throw new IllegalStateException("pool is shut down");
        });
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(broken, TABLE);
    assertThatThrownBy(() -> store.claim("alice", KEY_HASH, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(24)))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("IllegalStateException");
    assertThatThrownBy(() -> store.complete("alice", KEY_HASH, "t", new StoredResponse(201, Map.of(), new byte[0]), Duration.ofHours(1)))
        .isInstanceOf(StoreUnavailableException.class);
    IdempotencyGuard guard = IdempotencyGuard.builder(store).build();
    assertThat(guard.begin("alice", "POST", "/charges", "\"k\"", new byte[0]).response().orElseThrow().status()).isEqualTo(503);
  }
}
