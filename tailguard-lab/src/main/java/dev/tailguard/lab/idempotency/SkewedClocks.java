package dev.tailguard.lab.idempotency;

import com.sun.net.httpserver.HttpServer;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.lab.Row;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The skewed-clock rows of {@code lab idempotency}: two service instances in two child JVMs share
 * one store; the second runs under libfaketime with its wall clock {@value #SKEW_SECONDS} s ahead,
 * past the default 30 s lease. Every POST goes to both instances at once with the same key. Both
 * ran the handler when leases were judged on each instance's clock; with the store's clock (the
 * database's {@code CURRENT_TIMESTAMP}, Redis {@code TIME}) one runs it and the other answers
 * 409 or replays. Where libfaketime is missing, or does not move the child's clock, the row says
 * so and counts nothing.
 */
final class SkewedClocks {
  static final int SKEW_SECONDS = 31;
  /** Long enough that the second instance's request lands while the first is still in its handler. */
  private static final long HANDLER_MILLIS = 20;
  private static final int IN_PROGRESS_RETRIES = 200;
  private static final List<Path> LIBFAKETIME = List.of(Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
      Path.of("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"), Path.of("/usr/lib/faketime/libfaketime.so.1"));

  private final int requests;
  private final long seed;

  SkewedClocks(int requests, long seed) {
    this.requests = requests;
    this.seed = seed;
  }

  /** The row for {@code store} ({@code jdbc} or {@code redis}); a note on the measured skew goes to {@code notes}. */
  Map<String, Object> measure(String strategy, String store, List<String> notes) throws Exception {
    Path library = LIBFAKETIME.stream().filter(Files::isReadable).findFirst().orElse(null);
    if (library == null) {
      return skipped(strategy, "libfaketime not found (apt-get install faketime): no JVM with a skewed clock to run");
    }
    // The run's own records: another lab run on the same store must not delete them mid-row.
    String run = LabStores.newRun();
    LabStores.StoreSource owner;
    try {
      owner = LabStores.open(store, run);
    } catch (Exception unavailable) {
      return skipped(strategy, "store not reachable: " + unavailable.getClass().getSimpleName());
    }
    try (owner) {
      try {
        owner.store();
      } catch (Exception unavailable) {
        return skipped(strategy, "store not reachable: " + unavailable.getClass().getSimpleName());
      }
      return measure(strategy, store, run, library, notes);
    }
  }

  private Map<String, Object> measure(String strategy, String store, String run, Path library, List<String> notes) throws Exception {
    Path dir = Files.createTempDirectory("tailguard-lab-skew");
    try (Instance plain = Instance.start(store, run, dir, "plain", null);
        Instance ahead = Instance.start(store, run, dir, "ahead", library)) {
      long skewMillis = ahead.clockOffsetMillis - plain.clockOffsetMillis;
      // Without a real skew the row would pass for the wrong reason: say so rather than count.
      if (Math.abs(skewMillis - SKEW_SECONDS * 1000L) > 5_000) {
        return skipped(strategy, "libfaketime did not move the child JVM's clock (measured " + skewMillis + " ms ahead)");
      }
      notes.add(strategy + ": the second instance's wall clock measured " + String.format("%.1f", skewMillis / 1000.0)
          + " s ahead of the first's (libfaketime, FAKETIME=+" + SKEW_SECONDS + "s); default 30 s lease.");
      AtomicLong failed = new AtomicLong();
      Map<Integer, Integer> failures = new java.util.concurrent.ConcurrentSkipListMap<>();
      AtomicLong unavailable = new AtomicLong();
      run(plain.uri, ahead.uri, failed, failures, unavailable);
      if (unavailable.get() > 0) {
        notes.add(strategy + ": " + unavailable.get() + " answers were 503 (the store did not answer in time) and were asked again with the same key.");
      }
      if (!failures.isEmpty()) {
        notes.add(strategy + ": the final answers that were not 201, by status (-1 for an I/O failure): " + failures);
      }
      plain.close();
      ahead.close();
      List<String> effects = new ArrayList<>(Files.readAllLines(plain.ledger));
      effects.addAll(Files.readAllLines(ahead.ledger));
      Set<String> distinct = new HashSet<>(effects);
      return Row.of("strategy", strategy)
          .with("requests", requests)
          .with("sideEffects", effects.size())
          .with("duplicates", effects.size() - distinct.size())
          .with("failedRequests", failed.get())
          .with("dropped", 0)
          .with("skipped", "")
          .build();
    } finally {
      try (var files = Files.list(dir)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(file);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private Map<String, Object> skipped(String strategy, String why) {
    return Row.of("strategy", strategy).with("requests", requests).with("sideEffects", null).with("duplicates", null)
        .with("failedRequests", null).with("dropped", null).with("skipped", why).build();
  }

  private void run(URI plain, URI ahead, AtomicLong failed, Map<Integer, Integer> failures, AtomicLong unavailable)
      throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    AtomicInteger next = new AtomicInteger();
    List<Thread> callers = new ArrayList<>();
    for (int c = 0; c < IdempotencyScenario.CALLERS; c++) {
      Thread caller = new Thread(() -> {
        int i;
        while ((i = next.getAndIncrement()) < requests) {
          String key = "\"skew-" + seed + "-" + i + "\"";
          String order = "order-" + i;
          CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> send(client, plain, key, order, unavailable));
          CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> send(client, ahead, key, order, unavailable));
          int one = first.join();
          int other = second.join();
          if (one != 201 || other != 201) {
            failed.incrementAndGet();
            for (int status : new int[] {one, other}) {
              if (status != 201) {
                failures.merge(status, 1, Integer::sum);
              }
            }
          }
        }
      }, "lab-idempotency-skew-" + c);
      caller.start();
      callers.add(caller);
    }
    for (Thread caller : callers) {
      caller.join();
    }
  }

  /**
   * POSTs until the answer is neither 409 (the other instance holds the key) nor 503 (the store did
   * not answer in time; the problem says to retry with the same key), a bounded number of times;
   * -1 on an I/O failure. Each 503 asked again is counted in {@code unavailable}.
   */
  private static int send(HttpClient client, URI base, String key, String order, AtomicLong unavailable) {
    HttpRequest post = HttpRequest.newBuilder(base.resolve("/orders")).header("Idempotency-Key", key)
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(order)).build();
    try {
      int status = 409;
      for (int attempt = 0; attempt < IN_PROGRESS_RETRIES && (status == 409 || status == 503); attempt++) {
        if (attempt > 0) {
          TimeUnit.MILLISECONDS.sleep(10);
        }
        status = client.send(post, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 503) {
          unavailable.incrementAndGet();
        }
      }
      return status;
    } catch (IOException failure) {
      return -1;
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** One service instance in a child JVM; closing its standard input ends it. */
  private static final class Instance implements AutoCloseable {
    final Process process;
    final Path ledger;
    final URI uri;
    /** The child's wall clock minus this JVM's when it reported it. */
    final long clockOffsetMillis;

    private Instance(Process process, Path ledger, URI uri, long clockOffsetMillis) {
      this.process = process;
      this.ledger = ledger;
      this.uri = uri;
      this.clockOffsetMillis = clockOffsetMillis;
    }

    static Instance start(String store, String run, Path dir, String name, Path libfaketime) throws Exception {
      Path ledger = Files.createFile(dir.resolve(name + ".ledger"));
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          SkewedClocks.class.getName(), store, ledger.toString(), run)
          .redirectError(dir.resolve(name + ".err").toFile());
      if (libfaketime != null) {
        builder.environment().put("LD_PRELOAD", libfaketime.toString());
        builder.environment().put("FAKETIME", "+" + SKEW_SECONDS + "s");
        // The JVM's timers and timeouts keep the real monotonic clock; only the wall clock moves.
        builder.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
      }
      Process process = builder.start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
          try {
            return out.readLine();
          } catch (IOException failure) {
            return null;
          }
        }).get(120, TimeUnit.SECONDS);
        long now = System.currentTimeMillis();
        if (line == null || !line.startsWith("PORT ")) {
          throw new IOException("instance " + name + " did not start: " + Files.readString(dir.resolve(name + ".err")));
        }
        String[] words = line.split(" ");
        return new Instance(process, ledger, URI.create("http://127.0.0.1:" + words[1]), Long.parseLong(words[3]) - now);
      } catch (Exception failure) {
        process.destroyForcibly();
        throw failure;
      }
    }

    @Override
    public void close() throws Exception {
      if (!process.isAlive()) {
        return;
      }
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A child instance: {@code main(store, ledger, run)} serves {@code /orders} behind {@link
   * IdempotencyFilter} on the run's records in the shared store, appends each order it performs to {@code ledger},
   * prints {@code PORT <port> NOW <epoch millis>} and runs until its standard input closes.
   */
  public static void main(String[] args) throws Exception {
    Path ledger = Path.of(args[1]);
    try (LabStores.StoreSource source = LabStores.open(args[0], args[2])) {
      IdempotencyGuard guard = IdempotencyGuard.builder(source.shared()).build();
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
      server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(16));
      server.createContext("/orders", exchange -> {
        String order = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
          TimeUnit.MILLISECONDS.sleep(HANDLER_MILLIS);
        } catch (InterruptedException stopping) {
          Thread.currentThread().interrupt();
        }
        synchronized (SkewedClocks.class) {
          Files.writeString(ledger, order + "\n", StandardOpenOption.APPEND);
        }
        byte[] body = ("created " + order).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(201, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }).getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> "lab"));
      server.start();
      System.out.println("PORT " + server.getAddress().getPort() + " NOW " + System.currentTimeMillis());
      System.out.flush();
      while (System.in.read() >= 0) {
        // Runs until the lab closes this instance's standard input.
      }
      server.stop(0);
    }
    System.exit(0);
  }
}
