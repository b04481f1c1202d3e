package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 11: the DEBUG attempt log of a real exchange shows header values only for
 * harmless headers; credentials under any name, and credential-like query parameters, are
 * {@code <redacted>}.
 */
@Timeout(30)
class AttemptLogRedactionTest {
  private final Logger julLogger = Logger.getLogger("dev.tailguard.http");
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      lines.add(record.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private Level previousLevel;

  @BeforeEach
  void captureDebugLog() {
    previousLevel = julLogger.getLevel();
    julLogger.setLevel(Level.ALL);
    julLogger.addHandler(capture);
  }

  @AfterEach
  void restoreLog() {
    julLogger.removeHandler(capture);
    julLogger.setLevel(previousLevel);
  }

  /** This test's lines: the logger is shared, and a late attempt of an earlier test's call may log here too. */
  private List<String> linesAbout(LoopbackHttpServer server) {
    String authority = server.uri("/").getRawAuthority();
    return lines.stream().filter(line -> line.contains("//" + authority + "/")).toList();
  }

  @Test
  void unknownAndCredentialHeadersAndTokenParameters_areRedactedInTheAttemptLog() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(200, "ok"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(HttpClient.newHttpClient()).build();
      HttpRequest request = HttpRequest.newBuilder(server.uri("/v1/items?page=2&jwt=eyJhbGciOi&private_token=glpat-123"
              + "&X-Goog-Signature=abcdef0123"))
          .header("X-Api-Key", "sk_live_51Hxyz").header("X-Custom-Secretish", "hunter2")
          .header("Authorization", "Bearer s3cr3t").header("Accept", "application/json").build();

      client.send(request, BodyHandlers.ofString());

      assertThat(linesAbout(server)).singleElement().satisfies(line -> assertThat(line)
          .doesNotContain("sk_live_51Hxyz", "hunter2", "s3cr3t", "eyJhbGciOi", "glpat-123", "abcdef0123")
          .contains("X-Api-Key: <redacted>", "Authorization: <redacted>", "Accept: application/json", "page=2",
              "jwt=<redacted>", "private_token=<redacted>", "X-Goog-Signature=<redacted>"));
    }
  }

  @Test
  void pathSessionIdsPercentEncodedNamesAndPwd_areRedactedInTheAttemptLog() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(200, "ok"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(HttpClient.newHttpClient()).build();
      HttpRequest request = HttpRequest.newBuilder(server.uri("/app;jsessionid=SESSION42/items;v=2?to%6Ben=TOKEN42&pwd=PWD42&page=3"))
          .build();

      client.send(request, BodyHandlers.ofString());

      assertThat(server.received()).hasSize(1);
      assertThat(linesAbout(server)).singleElement().satisfies(line -> assertThat(line)
          .doesNotContain("SESSION42", "TOKEN42", "PWD42")
          .contains("/app;jsessionid=<redacted>/items;v=2?", "to%6Ben=<redacted>", "pwd=<redacted>", "page=3"));
    }
  }

  @Test
  void theAttemptLogGivesTheAttemptsDurationOnTheClientsClock() throws Exception {
    // The clock stands still at an hour in: the attempt took 0 ms by it, whatever the network did.
    dev.tailguard.testing.FakeClock clock = new dev.tailguard.testing.FakeClock(java.time.Duration.ofHours(1).toNanos());
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(200, "ok"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(HttpClient.newHttpClient())
          .clock(clock).scheduler(clock).build();

      client.send(HttpRequest.newBuilder(server.uri("/timed")).build(), BodyHandlers.ofString());

      assertThat(linesAbout(server)).singleElement().satisfies(line -> assertThat(line).endsWith("-> HTTP 200 in 0 ms"));
    }
  }
}
