package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link IdempotencyGuard}'s tickets (completion, its retries, release, phases, lease renewal),
 * its problem answers and its builder's bounds, on the in-memory store and a clock the test moves.
 */
class IdempotencyGuardTicketTest {
  private static final byte[] BODY = "amount=10".getBytes(StandardCharsets.UTF_8);

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));
  private final InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(100, now::get);
  private final ScriptedStore store = new ScriptedStore(memory);
  private final RecordingScheduler scheduler = new RecordingScheduler();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private IdempotencyGuard.Builder builder() {
    return IdempotencyGuard.builder(store).leaseRenewal(scheduler).completionAttempts(3, Duration.ZERO);
  }

  private static IdempotencyGuard.Ticket ticket(IdempotencyGuard guard) {
    return guard.begin("alice", "POST", "/charges", "\"k\"", BODY).ticket().orElseThrow();
  }

  private static StoredResponse answer(IdempotencyGuard guard) {
    return guard.begin("alice", "POST", "/charges", "\"k\"", BODY).response().orElseThrow();
  }

  private static String text(StoredResponse response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  // ---- completion ----

  @Test
  void a499IsStoredAndReplayedAndA500ReleasesTheKey() throws Exception {
    IdempotencyGuard guard = builder().build();
    assertThat(ticket(guard).complete(499, Map.of(), "gone".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(answer(guard).status()).isEqualTo(499);
    assertThat(text(answer(guard))).isEqualTo("gone");

    IdempotencyGuard other = builder().build();
    IdempotencyGuard.Ticket failed = other.begin("bob", "POST", "/charges", "\"k\"", BODY).ticket().orElseThrow();
    assertThat(failed.complete(500, Map.of(), new byte[0])).as("released").isTrue();
    assertThat(store.completes).as("a 5xx is never stored").hasValue(1);
    assertThat(other.begin("bob", "POST", "/charges", "\"k\"", BODY).ticket()).isPresent();
  }

  @Test
  void aTicketWhoseLeaseWasTakenOverStoresNothingAndSaysSo() throws Exception {
    IdempotencyGuard guard = builder().lease(Duration.ofSeconds(5)).build();
    IdempotencyGuard.Ticket stale = ticket(guard);
    now.set(now.get().plusSeconds(5));
    IdempotencyGuard.Ticket successor = ticket(guard);
    assertThat(successor.fencingToken()).isNotEqualTo(stale.fencingToken());
    assertThat(stale.complete(201, Map.of(), new byte[0])).isFalse();
    assertThat(stale.complete(500, Map.of(), new byte[0])).as("nor releases the successor's key").isFalse();
    assertThat(stale.release()).isFalse();
    assertThat(successor.release()).isTrue();
  }

  @Test
  void aBodyOfExactlyTheCapIsStoredAndOneByteMoreIsStoredEmptyAndMarked() throws Exception {
    IdempotencyGuard guard = builder().maxStoredBodyBytes(4).build();
    ticket(guard).complete(201, Map.of(), "1234".getBytes(StandardCharsets.UTF_8));
    StoredResponse kept = answer(guard);
    assertThat(text(kept)).isEqualTo("1234");
    assertThat(kept.headers()).doesNotContainKey("Idempotent-Body-Omitted");

    guard.begin("bob", "POST", "/charges", "\"k\"", BODY).ticket().orElseThrow()
        .complete(201, Map.of(), "12345".getBytes(StandardCharsets.UTF_8));
    StoredResponse omitted = guard.begin("bob", "POST", "/charges", "\"k\"", BODY).response().orElseThrow();
    assertThat(omitted.body()).isEmpty();
    assertThat(omitted.headers()).containsEntry("Idempotent-Body-Omitted", List.of("true"));
    assertThat(omitted.status()).isEqualTo(201);
  }

  @Test
  void onlyAllowListedHeadersAreStoredWhateverTheirCase() throws Exception {
    IdempotencyGuard guard = builder().build();
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("LOCATION", List.of("/charges/7"));
    headers.put("X-Trace", List.of("abc"));
    headers.put(null, List.of("HTTP/1.1 201 Created"));
    ticket(guard).complete(201, headers, new byte[0]);
    assertThat(answer(guard).headers()).containsOnlyKeys("LOCATION", IdempotencyGuard.REPLAYED);

    IdempotencyGuard custom = builder().storedHeaders(Set.of("X-Trace")).build();
    custom.begin("bob", "POST", "/charges", "\"k\"", BODY).ticket().orElseThrow().complete(201, headers, new byte[0]);
    assertThat(custom.begin("bob", "POST", "/charges", "\"k\"", BODY).response().orElseThrow().headers())
        .containsOnlyKeys("X-Trace", IdempotencyGuard.REPLAYED);
  }

  @Test
  void everyCredentialHeaderIsRefusedForStorage() {
    for (String name : List.of("Authorization", "proxy-authorization", "COOKIE", "Set-Cookie")) {
      assertThatThrownBy(() -> builder().storedHeaders(Set.of("Location", name)))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("storedHeaders must never include credentials: " + name);
    }
  }

  // ---- completion retries ----

  @Test
  void aCompletionTheStoreRefusesIsTriedAgainUntilItIsTaken() throws Exception {
    IdempotencyGuard guard = builder().build();
    IdempotencyGuard.Ticket ticket = ticket(guard);
    store.completeFailures.add(new StoreUnavailableException("down", null));
    store.completeFailures.add(new IllegalStateException("driver bug"));
    assertThat(ticket.complete(201, Map.of(), new byte[0])).isTrue();
    assertThat(store.completes).hasValue(3);
    assertThat(answer(guard).status()).isEqualTo(201);
  }

  @Test
  void whenEveryAttemptFailsTheLastFailureIsThrownAfterExactlyTheConfiguredAttempts() throws Exception {
    IdempotencyGuard guard = builder().build();
    IdempotencyGuard.Ticket ticket = ticket(guard);
    StoreUnavailableException last = new StoreUnavailableException("still down", null);
    store.completeFailures.add(new StoreUnavailableException("down", null));
    store.completeFailures.add(new StoreUnavailableException("down", null));
    store.completeFailures.add(last);
    store.completeFailures.add(new StoreUnavailableException("a fourth attempt", null));
    assertThatThrownBy(() -> ticket.complete(201, Map.of(), new byte[0])).isSameAs(last);
    assertThat(store.completes).hasValue(3);
  }

  @Test
  void anUncheckedFailureOfTheLastAttemptIsThrownAsUnavailableNamingItsKind() throws Exception {
    IdempotencyGuard guard = builder().completionAttempts(1, Duration.ZERO).build();
    IdempotencyGuard.Ticket ticket = ticket(guard);
    IllegalStateException bug = new IllegalStateException("driver bug");
    store.completeFailures.add(bug);
    assertThatThrownBy(() -> ticket.complete(201, Map.of(), new byte[0]))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessage("idempotency store: complete failed: IllegalStateException")
        .hasCause(bug);
    assertThat(store.completes).hasValue(1);
  }

  @Test
  void thePauseBetweenCompletionAttemptsDoublesAndNoneFollowsTheLast() throws Exception {
    IdempotencyGuard guard = builder().completionAttempts(3, Duration.ofMillis(50)).build();
    IdempotencyGuard.Ticket ticket = ticket(guard);
    for (int i = 0; i < 3; i++) {
      store.completeFailures.add(new StoreUnavailableException("down", null));
    }
    long start = System.nanoTime();
    assertThatThrownBy(() -> ticket.complete(201, Map.of(), new byte[0])).isInstanceOf(StoreUnavailableException.class);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // 50 ms then 100 ms; a pause after the third attempt would add 200 ms more.
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(150).isLessThan(340);
  }

  @Test
  void anInterruptedCompletionStopsRetryingAndKeepsTheInterrupt() throws Exception {
    IdempotencyGuard guard = builder().completionAttempts(3, Duration.ofSeconds(30)).build();
    IdempotencyGuard.Ticket ticket = ticket(guard);
    StoreUnavailableException first = new StoreUnavailableException("down", null);
    store.completeFailures.add(first);
    store.completeFailures.add(new StoreUnavailableException("down", null));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> ticket.complete(201, Map.of(), new byte[0])).isSameAs(first);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(store.completes).hasValue(1);
  }

  // ---- phases and leases ----

  @Test
  void aRecordedPhaseReachesTheNextOwnerAfterTheLeaseAndTheStaleOwnerIsRefused() throws Exception {
    IdempotencyGuard guard = builder().lease(Duration.ofSeconds(5)).build();
    IdempotencyGuard.Ticket first = ticket(guard);
    assertThat(first.recoveryPoint()).isEmpty();
    assertThat(first.recordPhase("charged")).isTrue();
    assertThatThrownBy(() -> first.recordPhase(null)).isInstanceOf(NullPointerException.class);
    now.set(now.get().plusSeconds(4));
    assertThat(answer(guard).status()).as("the phase renewed nothing beyond the lease").isEqualTo(409);
    now.set(now.get().plusSeconds(1));
    IdempotencyGuard.Ticket second = ticket(guard);
    assertThat(second.recoveryPoint()).hasValue("charged");
    assertThat(first.recordPhase("shipped")).isFalse();
  }

  @Test
  void aRenewalThatFindsTheLeaseTakenMarksItLost() throws Exception {
    IdempotencyGuard guard = builder().lease(Duration.ofSeconds(5)).build();
    IdempotencyGuard.Ticket first = ticket(guard);
    now.set(now.get().plusSeconds(4));
    assertThat(first.renewLease()).isTrue();
    assertThat(first.leaseLost()).isFalse();
    now.set(now.get().plusSeconds(4));
    assertThat(answer(guard).status()).as("renewed from second 4 to 9").isEqualTo(409);
    now.set(now.get().plusSeconds(1));
    ticket(guard);
    assertThat(first.renewLease()).isFalse();
    assertThat(first.leaseLost()).isTrue();
  }

  @Test
  void keepLeaseAliveRenewsEveryThirdOfTheLeaseUntilClosed() throws Exception {
    IdempotencyGuard guard = builder().lease(Duration.ofSeconds(30)).build();
    IdempotencyGuard.Ticket ticket = ticket(guard);
    IdempotencyGuard.LeaseRenewal renewal = ticket.keepLeaseAlive();
    assertThat(scheduler.initialDelay).isEqualTo(10_000);
    assertThat(scheduler.period).isEqualTo(10_000);
    assertThat(scheduler.unit).isEqualTo(TimeUnit.MILLISECONDS);

    now.set(now.get().plusSeconds(20));
    scheduler.task.run();
    assertThat(store.renewals).hasValue(1);
    now.set(now.get().plusSeconds(20));
    assertThat(answer(guard).status()).as("renewed at second 20 for 30 s").isEqualTo(409);
    assertThat(scheduler.future.isCancelled()).isFalse();

    renewal.close();
    assertThat(scheduler.future.isCancelled()).isTrue();
    renewal.close();
  }

  @Test
  void keepLeaseAliveStopsWhenTheLeaseIsLostAndRidesOutAFailingStore() throws Exception {
    IdempotencyGuard guard = builder().lease(Duration.ofSeconds(3)).build();
    IdempotencyGuard.Ticket ticket = ticket(guard);
    try (IdempotencyGuard.LeaseRenewal renewal = ticket.keepLeaseAlive()) {
      assertThat(scheduler.period).isEqualTo(1_000);
      store.renewFailures.add(new StoreUnavailableException("down", null));
      store.renewFailures.add(new IllegalStateException("driver bug"));
      scheduler.task.run();
      scheduler.task.run();
      assertThat(scheduler.future.isCancelled()).as("an outage is tried again next period").isFalse();
      assertThat(ticket.leaseLost()).isFalse();

      now.set(now.get().plusSeconds(3));
      ticket(guard);
      scheduler.task.run();
      assertThat(ticket.leaseLost()).isTrue();
      assertThat(scheduler.future.isCancelled()).isTrue();
    }
  }

  @Test
  void aVeryShortLeaseIsRenewedEveryMillisecond() {
    IdempotencyGuard guard = builder().lease(Duration.ofMillis(2)).build();
    try (IdempotencyGuard.LeaseRenewal renewal = ticket(guard).keepLeaseAlive()) {
      assertThat(scheduler.period).isEqualTo(1);
    }
  }

  // ---- answers given without the handler ----

  @Test
  void problemAnswersAreProblemJsonNamingTheirType() {
    IdempotencyGuard guard = builder().build();
    StoredResponse missing = guard.begin("alice", "POST", "/charges", null, BODY).response().orElseThrow();
    assertThat(missing.headers()).containsEntry("Content-Type", List.of("application/problem+json"));
    assertThat(text(missing)).contains("\"type\":\"https://tailguard.dev/problems/idempotency-key-missing\"", "\"status\":400");
    StoredResponse malformed = guard.begin("alice", "POST", "/charges", "k", BODY).response().orElseThrow();
    assertThat(text(malformed)).contains("idempotency-key-malformed", "\"status\":400");

    ticket(guard);
    StoredResponse busy = answer(guard);
    assertThat(busy.headers()).containsEntry("Content-Type", List.of("application/problem+json"));
    assertThat(text(busy)).contains("idempotency-key-in-use", "\"status\":409");
    StoredResponse reused = guard.begin("alice", "POST", "/refunds", "\"k\"", BODY).response().orElseThrow();
    assertThat(text(reused)).contains("idempotency-key-reused", "\"status\":422");
  }

  @Test
  void theInProgressRetryAfterIsWholeSecondsAndAtLeastOne() {
    IdempotencyGuard slow = builder().inProgressRetryAfter(Duration.ofSeconds(5)).build();
    ticket(slow);
    assertThat(answer(slow).headers()).containsEntry("Retry-After", List.of("5"));
    IdempotencyGuard fast = builder().inProgressRetryAfter(Duration.ofMillis(500)).build();
    fast.begin("bob", "POST", "/charges", "\"k\"", BODY);
    assertThat(fast.begin("bob", "POST", "/charges", "\"k\"", BODY).response().orElseThrow().headers())
        .containsEntry("Retry-After", List.of("1"));
  }

  @Test
  void aStoreThatThrowsUncheckedIs503OrPassesThroughWhenFailingOpen() {
    store.claimFailure = new IllegalStateException("driver bug");
    StoredResponse closed = builder().build().begin("alice", "POST", "/charges", "\"k\"", BODY).response().orElseThrow();
    assertThat(closed.status()).isEqualTo(503);
    assertThat(text(closed)).contains("idempotency-store-unavailable");
    IdempotencyGuard.Decision open = builder().failOpen(true).build().begin("alice", "POST", "/charges", "\"k\"", BODY);
    assertThat(open.response()).isEmpty();
    assertThat(open.ticket()).isEmpty();
  }

  @Test
  void theMethodIsComparedWhateverItsCase() throws Exception {
    IdempotencyGuard guard = builder().build();
    guard.begin("alice", "post", "/charges", "\"k\"", BODY).ticket().orElseThrow().complete(201, Map.of(), new byte[0]);
    assertThat(answer(guard).status()).isEqualTo(201);
  }

  @Test
  void theFingerprintSeparatesMethodPathAndBody() throws Exception {
    IdempotencyGuard guard = builder().build();
    guard.begin("alice", "POST", "/a", "\"k\"", "b".getBytes(StandardCharsets.UTF_8)).ticket().orElseThrow()
        .complete(201, Map.of(), new byte[0]);
    assertThat(guard.begin("alice", "POST", "/ab", "\"k\"", new byte[0]).response().orElseThrow().status()).isEqualTo(422);
    guard.begin("alice", "POST", "X/a", "\"j\"", BODY).ticket().orElseThrow().complete(201, Map.of(), new byte[0]);
    assertThat(guard.begin("alice", "POSTX", "/a", "\"j\"", BODY).response().orElseThrow().status()).isEqualTo(422);
  }

  @Test
  void theGuardReportsItsSettings() {
    IdempotencyGuard guard = builder().lease(Duration.ofSeconds(7)).retention(Duration.ofHours(2)).maxStoredBodyBytes(5).build();
    assertThat(guard.store()).isSameAs(store);
    assertThat(guard.lease()).isEqualTo(Duration.ofSeconds(7));
    assertThat(guard.retention()).isEqualTo(Duration.ofHours(2));
    assertThat(guard.maxStoredBodyBytes()).isEqualTo(5);
  }

  @Test
  void theRetentionReachesTheStore() throws Exception {
    IdempotencyGuard guard = builder().retention(Duration.ofHours(2)).build();
    ticket(guard).complete(201, Map.of(), new byte[0]);
    now.set(now.get().plus(Duration.ofHours(2)));
    assertThat(answer(guard).status()).isEqualTo(201);
    now.set(now.get().plusNanos(1));
    assertThat(guard.begin("alice", "POST", "/charges", "\"k\"", BODY).ticket()).isPresent();
  }

  // ---- the builder's bounds ----

  @Test
  void theBuilderRefusesWhatCannotWork() {
    assertThatThrownBy(() -> IdempotencyGuard.builder(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder().lease(Duration.ZERO)).hasMessage("lease must be positive: PT0S");
    assertThatThrownBy(() -> builder().lease(Duration.ofSeconds(-1))).hasMessage("lease must be positive: PT-1S");
    assertThatThrownBy(() -> builder().lease(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder().retention(Duration.ZERO)).hasMessage("retention must be positive: PT0S");
    assertThatThrownBy(() -> builder().inProgressRetryAfter(Duration.ZERO)).hasMessage("inProgressRetryAfter must be positive: PT0S");
    assertThatThrownBy(() -> builder().maxStoredBodyBytes(-1)).hasMessage("maxStoredBodyBytes must be >= 0: -1");
    assertThatThrownBy(() -> builder().completionAttempts(0, Duration.ZERO)).hasMessage("completionAttempts must be >= 1: 0");
    assertThatThrownBy(() -> builder().completionAttempts(2, Duration.ofMillis(-1)))
        .hasMessage("completionAttempts firstDelay must be >= 0: PT-0.001S");
    assertThatThrownBy(() -> builder().completionAttempts(2, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder().leaseRenewal(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder().keyFormat(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void oneCompletionAttemptIsEnough() throws Exception {
    IdempotencyGuard guard = builder().completionAttempts(1, Duration.ZERO).build();
    assertThat(ticket(guard).complete(201, Map.of(), new byte[0])).isTrue();
    assertThat(answer(guard).status()).isEqualTo(201);
  }

  /** The in-memory store, with failures the test queues and calls counted. */
  private static final class ScriptedStore implements IdempotencyStore {
    final IdempotencyStore delegate;
    final Deque<Exception> completeFailures = new ArrayDeque<>();
    final Deque<Exception> renewFailures = new ArrayDeque<>();
    final AtomicInteger completes = new AtomicInteger();
    final AtomicInteger renewals = new AtomicInteger();
    RuntimeException claimFailure;

    ScriptedStore(IdempotencyStore delegate) {
      this.delegate = delegate;
    }

    private static void fail(Deque<Exception> failures) throws StoreUnavailableException {
      Exception failure = failures.poll();
      if (failure instanceof StoreUnavailableException unavailable) {
        throw unavailable;
      }
      if (failure != null) {
        throw (RuntimeException) failure;
      }
    }

    @Override
    public Claim claim(String scope, String keyHash, String fingerprint, Duration lease, Duration retention)
        throws StoreUnavailableException {
      if (claimFailure != null) {
        throw claimFailure;
      }
      return delegate.claim(scope, keyHash, fingerprint, lease, retention);
    }

    @Override
    public boolean complete(String scope, String keyHash, String token, StoredResponse response, Duration retention)
        throws StoreUnavailableException {
      completes.incrementAndGet();
      fail(completeFailures);
      return delegate.complete(scope, keyHash, token, response, retention);
    }

    @Override
    public boolean recordPhase(String scope, String keyHash, String token, String phase, Duration lease)
        throws StoreUnavailableException {
      return delegate.recordPhase(scope, keyHash, token, phase, lease);
    }

    @Override
    public boolean renewLease(String scope, String keyHash, String token, Duration lease) throws StoreUnavailableException {
      renewals.incrementAndGet();
      fail(renewFailures);
      return delegate.renewLease(scope, keyHash, token, lease);
    }

    @Override
    public boolean release(String scope, String keyHash, String token) throws StoreUnavailableException {
      return delegate.release(scope, keyHash, token);
    }

    @Override
    public int reapExpired() throws StoreUnavailableException {
      return delegate.reapExpired();
    }
  }

  /** A scheduler that remembers the last fixed-delay task so the test runs it when it likes. */
  private static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
    Runnable task;
    long initialDelay;
    long period;
    TimeUnit unit;
    ScheduledFuture<?> future;

    RecordingScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      this.task = command;
      this.initialDelay = initialDelay;
      this.period = delay;
      this.unit = unit;
      // Far in the future: the test runs the task itself.
      this.future = super.scheduleWithFixedDelay(() -> { }, 1, 1, TimeUnit.DAYS);
      return future;
    }
  }
}
