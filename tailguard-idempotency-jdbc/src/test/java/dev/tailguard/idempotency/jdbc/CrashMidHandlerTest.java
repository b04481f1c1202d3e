package dev.tailguard.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (issue 17, item 7): a service killed after its side effect, behind the HTTP filter,
 * repeated the effect on takeover, because the handler never saw the ticket's recovery point. A
 * real child JVM on real PostgreSQL is killed mid-handler; the retry lands on another instance (this
 * JVM), which resumes at the recovery point: one side effect in total.
 */
class CrashMidHandlerTest {
  private static final String TABLE = "tailguard_idempotency_crash_test";
  private static final Duration LEASE = Duration.ofSeconds(1);

  @TempDir Path dir;

  @BeforeAll
  static void postgresAnswers() {
    PostgresIdempotencyStoreTest.postgresAnswers();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aServiceKilledAfterItsSideEffectIsResumedAtTheRecoveryPointByAnotherInstance() throws Exception {
    new JdbcIdempotencyStore(PostgresIdempotencyStoreTest.dataSource(5432), TABLE).createSchema();
    try (Connection connection = PostgresIdempotencyStoreTest.dataSource(5432).getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM " + TABLE);
    }
    Path ledger = Files.createFile(dir.resolve("ledger"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChargeServer.class.getName(),
        ledger.toString(), TABLE, Long.toString(LEASE.toMillis()), "hang")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpServer successor = null;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String portLine = out.readLine();
      assertThat(portLine).startsWith("PORT ");
      int childPort = Integer.parseInt(portLine.substring(5));
      CompletableFuture<HttpResponse<String>> first = client.sendAsync(charge(childPort), HttpResponse.BodyHandlers.ofString());
      assertThat(out.readLine()).isEqualTo("CHARGED");

      child.destroyForcibly();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(first).failsWithin(Duration.ofSeconds(20));

      successor = ChargeServer.start(ledger, TABLE, LEASE, false);
      HttpResponse<String> retry = client.send(charge(successor.getAddress().getPort()), HttpResponse.BodyHandlers.ofString());
      // Until the killed owner's lease runs out the key is in progress; the client waits as told.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (retry.statusCode() == 409 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(200);
        retry = client.send(charge(successor.getAddress().getPort()), HttpResponse.BodyHandlers.ofString());
      }
      assertThat(retry.statusCode()).isEqualTo(201);
      assertThat(retry.body()).isEqualTo("resumed at charged");
      assertThat(Files.readAllLines(ledger)).as("side effects in total").hasSize(1);
    } finally {
      child.destroyForcibly();
      if (successor != null) {
        successor.stop(0);
      }
    }
  }

  private static HttpRequest charge(int port) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/charges"))
        .header("Idempotency-Key", "\"crash-1\"").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString("amount=10")).build();
  }
}
