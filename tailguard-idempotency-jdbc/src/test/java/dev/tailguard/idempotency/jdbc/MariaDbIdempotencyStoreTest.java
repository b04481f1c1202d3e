package dev.tailguard.idempotency.jdbc;

import dev.tailguard.testing.RealServers;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.mariadb.jdbc.MariaDbDataSource;

/** The JDBC store held to the store contract on a real MariaDB at 127.0.0.1:3306. */
class MariaDbIdempotencyStoreTest extends JdbcStoreContractTest {
  static MariaDbDataSource mariaDb() throws SQLException {
    return new MariaDbDataSource("jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=5000");
  }

  @BeforeAll
  static void mariaDbAnswers() {
    RealServers.require("MariaDB on 127.0.0.1:3306 (database test, root without a password)", () -> {
      try (Connection connection = mariaDb().getConnection()) {
        return connection.isValid(5);
      }
    }, "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd");
  }

  @Override
  DataSource dataSource() throws SQLException {
    return mariaDb();
  }
}
