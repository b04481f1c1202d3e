package dev.tailguard.idempotency.jdbc;

import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.testing.FakeInstantSource;
import dev.tailguard.testing.RealServers;
import dev.tailguard.testing.idempotency.IdempotencyStoreContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.mariadb.jdbc.MariaDbDataSource;

/** The JDBC store held to the store contract on a real MariaDB at 127.0.0.1:3306. */
class MariaDbIdempotencyStoreTest extends IdempotencyStoreContract {
  private static final String TABLE = "tailguard_idempotency_test";

  private final FakeInstantSource clock = new FakeInstantSource(Instant.parse("2026-11-22T10:00:00Z"));

  static MariaDbDataSource dataSource() throws SQLException {
    return new MariaDbDataSource("jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=5000");
  }

  @BeforeAll
  static void mariaDbAnswers() {
    RealServers.require("MariaDB on 127.0.0.1:3306 (database test, root without a password)", () -> {
      try (Connection connection = dataSource().getConnection()) {
        return connection.isValid(5);
      }
    }, "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd");
  }

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
