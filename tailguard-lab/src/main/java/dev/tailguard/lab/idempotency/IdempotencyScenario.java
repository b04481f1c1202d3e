package dev.tailguard.lab.idempotency;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import dev.tailguard.http.ResilientHttpClient;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.lab.MachineFacts;
import dev.tailguard.lab.Progress;
import dev.tailguard.lab.Row;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.Verdict;
import dev.tailguard.lab.idempotency.LabStores.InMemoryStoreSource;
import dev.tailguard.lab.idempotency.LabStores.Opener;
import dev.tailguard.lab.idempotency.LabStores.PostgresSource;
import dev.tailguard.lab.idempotency.LabStores.RedisSource;
import dev.tailguard.lab.idempotency.LabStores.StoreSource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario {@code idempotency}: does a retried POST change state exactly once? A real server
 * performs a side effect per request, then on a share of requests drops the connection before
 * answering. Clients retry through {@link ResilientHttpClient}; the rows compare retrying
 * without keys to Tailguard's key plus the server filter on each store.
 */
public final class IdempotencyScenario {
  static final int CALLERS = 8;
  static final int MAX_ATTEMPTS = 8;

  private final int requests;
  private final double dropShare;
  private final long seed;

  public IdempotencyScenario(int requests, double dropShare, long seed) {
    this.requests = requests;
    this.dropShare = dropShare;
    this.seed = seed;
  }

  long steps() {
    return 7;
  }

  public ScenarioResult run(Progress progress) throws Exception {
    ScenarioResult result = new ScenarioResult("idempotency")
        .param("requests", requests)
        .param("dropShare", dropShare)
        .param("callers", CALLERS)
        .param("seed", seed)
        .param("server", "JDK HttpServer on 127.0.0.1; the handler counts a side effect, then a share of requests lose their connection before the response")
        .param("client", "ResilientHttpClient, up to " + MAX_ATTEMPTS + " attempts, exponential backoff 1-20 ms");
    MachineFacts.addTo(result);
    MachineFacts.Snapshot start = MachineFacts.now();
    result.row(measure("naive-retry", null, progress));
    try (InMemoryStoreSource memory = new InMemoryStoreSource()) {
      result.row(measure("tailguard-memory", memory, progress));
    }
    // Each row on records of its own: another lab run on the same servers neither sees nor deletes them.
    runOrSkip(result, "tailguard-jdbc", () -> new PostgresSource(LabStores.newRun()), progress);
    runOrSkip(result, "tailguard-redis", () -> RedisSource.single(LabStores.newRun()), progress);
    runOrSkip(result, "tailguard-redis-cluster", () -> RedisSource.cluster(LabStores.newRun()), progress);
    SkewedClocks skewed = new SkewedClocks(requests, seed);
    List<String> skewNotes = new ArrayList<>();
    for (String store : List.of("jdbc", "redis")) {
      result.row(skewed.measure("tailguard-" + store + "-skewed-clocks", store, skewNotes));
      progress.step();
    }
    checks(result, MachineFacts.between(start, MachineFacts.now()));
    result.note("naive-retry re-sends the POST without a key and the server has no filter: every dropped response becomes a second side effect.");
    result.note("The tailguard rows send an auto Idempotency-Key and run the IdempotencyFilter: the retry of a dropped request is answered from the store (Idempotent-Replayed: true).");
    result.note("The *-skewed-clocks rows run two instances in two child JVMs on one store, the second under libfaketime " + SkewedClocks.SKEW_SECONDS
        + " s ahead, and send every POST to both at once with one key (no dropped connections); the instance that finds the key held answers 409 and is asked again.");
    skewNotes.forEach(result::note);
    return result;
  }

  private void runOrSkip(ScenarioResult result, String strategy, Opener opener, Progress progress) throws Exception {
    StoreSource source;
    try {
      source = opener.open();
    } catch (Exception unavailable) {
      progress.step();
      result.row(Row.of("strategy", strategy).with("requests", requests).with("sideEffects", null).with("duplicates", null)
          .with("failedRequests", null).with("dropped", null).with("skipped", "store not reachable: " + unavailable.getClass().getSimpleName()).build());
      return;
    }
    try (source) {
      result.row(measure(strategy, source, progress));
    }
  }

  private Map<String, Object> measure(String strategy, StoreSource source, Progress progress) throws Exception {
    Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    ExecutorService executor = Executors.newFixedThreadPool(16);
    server.setExecutor(executor);
    HttpContext context = server.createContext("/orders", exchange -> {
      String order = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      effects.computeIfAbsent(order, o -> new AtomicInteger()).incrementAndGet();
      byte[] body = ("created " + order).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.sendResponseHeaders(201, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    DroppingFilter faults = new DroppingFilter(dropShare, seed);
    context.getFilters().add(faults);
    if (source != null) {
      IdempotencyGuard guard = IdempotencyGuard.builder(source.store()).build();
      context.getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> exchange.getRequestHeaders().getFirst("Lab-Tenant")));
    }
    server.start();
    AtomicLong failed = new AtomicLong();
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders");
      ResilientHttpClient client = ResilientHttpClient.builder()
          .client(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build())
          .retry(RetryPolicy.builder().maxAttempts(MAX_ATTEMPTS)
              .backoff(Backoff.exponential(Duration.ofMillis(1), Duration.ofMillis(20))).build())
          .serverHonoursIdempotencyKey(source != null)
          .build();
      AtomicInteger next = new AtomicInteger();
      List<Thread> callers = new ArrayList<>();
      for (int c = 0; c < CALLERS; c++) {
        Thread caller = new Thread(() -> {
          int i;
          while ((i = next.getAndIncrement()) < requests) {
            HttpRequest post = HttpRequest.newBuilder(uri).header("Lab-Tenant", "lab")
                .POST(BodyPublishers.ofString("order-" + i)).build();
            try {
              // Without a key the POST is not retry-safe; the naive row vouches for it anyway.
              HttpResponse<String> response = source == null
                  ? client.sendIdempotent(post, BodyHandlers.ofString())
                  : client.send(post, BodyHandlers.ofString());
              if (response.statusCode() != 201) {
                failed.incrementAndGet();
              }
            } catch (Exception failure) {
              failed.incrementAndGet();
            }
          }
        }, "lab-idempotency-" + c);
        caller.start();
        callers.add(caller);
      }
      for (Thread caller : callers) {
        caller.join();
      }
    } finally {
      server.stop(0);
      executor.shutdownNow();
    }
    progress.step();
    long sideEffects = effects.values().stream().mapToLong(AtomicInteger::get).sum();
    return Row.of("strategy", strategy)
        .with("requests", requests)
        .with("sideEffects", sideEffects)
        .with("duplicates", sideEffects - effects.size())
        .with("failedRequests", failed.get())
        .with("dropped", faults.dropped())
        .with("skipped", "")
        .build();
  }

  /**
   * Duplicates are correctness: any one is a FAIL, however busy the machine. Failed requests are
   * timing: a store that does not answer within its timeout on a starved machine fails a request
   * without any bug, so failures on a disturbed machine are INCONCLUSIVE, with the reason; on a
   * quiet one they FAIL. A row not run (store or libfaketime missing) FAILs both.
   */
  private static void checks(ScenarioResult result, Map<String, Object> machine) {
    StringBuilder duplicatesDetail = new StringBuilder();
    StringBuilder failedDetail = new StringBuilder();
    boolean noDuplicates = true;
    boolean allRun = true;
    long failedTotal = 0;
    for (Map<String, Object> row : result.rows()) {
      String strategy = (String) row.get("strategy");
      if (!strategy.startsWith("tailguard-")) {
        continue;
      }
      if (row.get("duplicates") == null) {
        allRun = false;
        duplicatesDetail.append(strategy).append(" not run (").append(row.get("skipped")).append("); ");
        failedDetail.append(strategy).append(" not run; ");
        continue;
      }
      long duplicates = ((Number) row.get("duplicates")).longValue();
      long failed = ((Number) row.get("failedRequests")).longValue();
      noDuplicates &= duplicates == 0;
      failedTotal += failed;
      duplicatesDetail.append(strategy).append(": ").append(duplicates).append("; ");
      failedDetail.append(strategy).append(": ").append(failed).append("; ");
    }
    result.check("every tailguard-* row: duplicates = 0", noDuplicates && allRun, duplicatesDetail.toString().trim());
    Verdict verdict;
    String reason = null;
    String busy = MachineFacts.disturbance(machine);
    Object load = machine.get("loadAverageEnd");
    int cpus = Runtime.getRuntime().availableProcessors();
    if (busy == null && load instanceof Number && ((Number) load).doubleValue() > 2.0 * cpus) {
      busy = String.format("the load average reached %.1f on %d CPUs", ((Number) load).doubleValue(), cpus);
    }
    if (!allRun) {
      verdict = Verdict.FAIL;
    } else if (failedTotal == 0) {
      verdict = Verdict.PASS;
    } else if (busy != null) {
      verdict = Verdict.INCONCLUSIVE;
      reason = failedTotal + " requests failed (timeouts or I/O errors, not duplicates) while " + busy
          + ": the run cannot tell a slow machine from a bug";
    } else {
      verdict = Verdict.FAIL;
    }
    Map<String, Object> noise = new LinkedHashMap<>();
    noise.put("method", "count of failed requests; judged against how busy the machine was during the rows");
    noise.put("failedRequests", failedTotal);
    noise.put("neighbourCpuShare", machine.get("neighbourCpuShare"));
    noise.put("loadAverageStart", machine.get("loadAverageStart"));
    noise.put("loadAverageEnd", machine.get("loadAverageEnd"));
    result.check("every tailguard-* row: failedRequests = 0", verdict, failedDetail.toString().trim(), noise, reason);
    Map<String, Object> naive = result.rows().get(0);
    long naiveDuplicates = ((Number) naive.get("duplicates")).longValue();
    long tailguardDuplicates = result.rows().stream().filter(row -> row.get("duplicates") != null && !row.equals(naive))
        .mapToLong(row -> ((Number) row.get("duplicates")).longValue()).sum();
    result.headline("duplicates on the tailguard-* rows (naive retry)", tailguardDuplicates + " (" + naiveDuplicates + ")",
        "0: a retried POST changes state exactly once");
    result.check("naive-retry shows duplicates > 0", naiveDuplicates > 0, "duplicates " + naiveDuplicates);
  }
}
