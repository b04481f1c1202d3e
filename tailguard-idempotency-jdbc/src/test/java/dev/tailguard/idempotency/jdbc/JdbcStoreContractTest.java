package dev.tailguard.idempotency.jdbc;

import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.testing.FakeInstantSource;
import dev.tailguard.testing.idempotency.IdempotencyStoreContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/** The store contract for the JDBC store on one real database, emptied before each test. */
abstract class JdbcStoreContractTest extends IdempotencyStoreContract {
  static final String TABLE = "tailguard_idempotency_test";

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
}
