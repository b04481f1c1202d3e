package dev.tailguard.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (issue 17, item 7): a service killed after its side effect, behind the HTTP filters,
 * repeated the effect on takeover, because the handler never saw the ticket's recovery point. A
 * real child JVM on real PostgreSQL is killed mid-handler; the retry lands on another instance (this
 * JVM), which resumes at the recovery point: one side effect in total. Run behind both filters: the
 * JDK {@code HttpServer} one (exchange attribute) and the servlet one in Jetty (request attribute).
 */
class CrashMidHandlerTest {
  private static final String TABLE = "tailguard_idempotency_crash_test";
  private static final Duration LEASE = Duration.ofSeconds(1);

  @TempDir Path dir;

  @BeforeAll
  static void postgresAnswers() {
    PostgresIdempotencyStoreTest.postgresAnswers();
  }

  @ParameterizedTest(name = "behind the {0} filter")
  @ValueSource(strings = {"jdk", "servlet"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aServiceKilledAfterItsSideEffectIsResumedAtTheRecoveryPointByAnotherInstance(String filter) throws Exception {
    new JdbcIdempotencyStore(PostgresIdempotencyStoreTest.dataSource(5432), TABLE).createSchema();
    try (Connection connection = PostgresIdempotencyStoreTest.dataSource(5432).getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM " + TABLE);
    }
    Path ledger = Files.createFile(dir.resolve("ledger"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChargeServer.class.getName(),
        ledger.toString(), TABLE, Long.toString(LEASE.toMillis()), "hang", filter)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ChargeServer.Running successor = null;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String portLine = line(out);
      assertThat(portLine).startsWith("PORT ");
      int childPort = Integer.parseInt(portLine.substring(5));
      CompletableFuture<HttpResponse<String>> first = client.sendAsync(charge(childPort), HttpResponse.BodyHandlers.ofString());
      assertThat(line(out)).isEqualTo("CHARGED");

      child.destroyForcibly();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(first).failsWithin(Duration.ofSeconds(20));

      successor = ChargeServer.start(filter, ledger, TABLE, LEASE, false);
      HttpResponse<String> retry = client.send(charge(successor.port()), HttpResponse.BodyHandlers.ofString());
      // Until the killed owner's lease runs out the key is in progress; the client waits as told.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (retry.statusCode() == 409 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(200);
        retry = client.send(charge(successor.port()), HttpResponse.BodyHandlers.ofString());
      }
      assertThat(retry.statusCode()).isEqualTo(201);
      assertThat(retry.body()).isEqualTo("resumed at charged");
      assertThat(Files.readAllLines(ledger)).as("side effects in total").hasSize(1);
    } finally {
      child.destroyForcibly();
      if (successor != null) {
        successor.close();
      }
    }
  }

  /** The child's next line, or null after 30 s: a child that never gets there must not hang the test (the finally kills it). */
  private static String line(BufferedReader out) throws Exception {
    CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (java.io.IOException closed) {
        return null;
      }
    });
    try {
      return next.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException tooLong) {
      return null;
    }
  }

  private static HttpRequest charge(int port) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/charges"))
        .header("Idempotency-Key", "\"crash-1\"").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString("amount=10")).build();
  }
}
