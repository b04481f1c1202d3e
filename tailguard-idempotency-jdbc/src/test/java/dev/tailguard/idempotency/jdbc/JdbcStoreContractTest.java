package dev.tailguard.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.idempotency.Claim;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.StoreUnavailableException;
import dev.tailguard.idempotency.StoredResponse;
import dev.tailguard.testing.FakeInstantSource;
import dev.tailguard.testing.idempotency.IdempotencyStoreContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
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

  final FakeInstantSource clock = new FakeInstantSource(Instant.parse("2026-11-22T10:00:00Z"));

  /** A data source for the database under test. */
  abstract DataSource dataSource() throws Exception;

  @Override
  protected IdempotencyStore store() throws Exception {
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(dataSource(), TABLE, clock);
    store.createSchema();
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM " + TABLE);
    }
    return store;
  }

  @Override
  protected void passTime(Duration duration) {
    clock.advance(duration);
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
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(deadlocks.around(dataSource()), TABLE, clock);

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
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(deadlocks.around(dataSource()), TABLE, clock);

    deadlocks.next(Integer.MAX_VALUE);
    assertThatThrownBy(() -> store.claim("alice", KEY_HASH, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(24)))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("SQLState 40001");
    assertThatThrownBy(() -> store.release("alice", KEY_HASH, "token"))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("release");
    deadlocks.next(0);
    assertThat(records()).isZero();
  }
}
