package dev.tailguard.idempotency.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.testing.RealServers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The JDBC store held to the store contract on a real PostgreSQL at 127.0.0.1:5432. */
class PostgresIdempotencyStoreTest extends JdbcStoreContractTest {
  static PGSimpleDataSource dataSource(int port) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setServerNames(new String[] {"127.0.0.1"});
    dataSource.setPortNumbers(new int[] {port});
    dataSource.setDatabaseName("test");
    dataSource.setUser("postgres");
    dataSource.setConnectTimeout(5);
    return dataSource;
  }

  @BeforeAll
  static void postgresAnswers() {
    RealServers.require("PostgreSQL on 127.0.0.1:5432 (database test, trust auth)", () -> {
      try (Connection connection = dataSource(5432).getConnection()) {
        return connection.isValid(5);
      }
    }, "pg_ctlcluster --skip-systemctl-redirect $(pg_lsclusters -h | awk '{print $1; exit}') main start");
  }

  @Override
  DataSource dataSource() {
    return dataSource(5432);
  }

  @Test
  void aDatabaseThatDoesNotAnswerGives503AndRunsNothing() {
    // Nothing listens on port 1; the guard must fail closed, not run the handler un-deduplicated.
    IdempotencyGuard guard = IdempotencyGuard.builder(new JdbcIdempotencyStore(dataSource(1), TABLE)).build();
    IdempotencyGuard.Decision decision = guard.begin("alice", "POST", "/charges", "\"k\"", "x".getBytes(StandardCharsets.UTF_8));
    assertEquals(503, decision.response().orElseThrow().status());
  }

  @Test
  void onlyTheKeysHashIsStored() throws Exception {
    IdempotencyGuard guard = IdempotencyGuard.builder(store()).build();
    guard.begin("alice", "POST", "/charges", "\"my-secret-key-123\"", new byte[0]);
    try (Connection connection = dataSource(5432).getConnection(); Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT key_hash FROM " + TABLE)) {
      row.next();
      assertEquals(64, row.getString(1).length());
      assertEquals(false, row.getString(1).contains("secret"));
    }
  }
}
