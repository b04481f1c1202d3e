package dev.tailguard.testing.idempotency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailguard.idempotency.Claim;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.StoredResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link IdempotencyStore} must have. Extend it in a store's tests, give it a
 * fresh store per test and a way to let time pass, and every store is held to the same contract:
 *
 * <pre>{@code
 * class MyStoreTest extends IdempotencyStoreContract {
 *   protected IdempotencyStore store() { return new MyStore(...); }
 *   protected IdempotencyStore anotherInstanceWithClockAhead(Duration skew) { return new MyStore(...); }
 *   protected void passTime(Duration d) { Thread.sleep(d.toMillis()); } // a store on its server's clock
 *   protected long records() { return countRows(); }
 * }
 * }</pre>
 *
 * <p>The tests that let time pass wait about 9 s in all on a store that keeps its server's time.
 *
 * @since 0.1
 */
public abstract class IdempotencyStoreContract {
  /** A lease long enough that it never expires by accident during a test. */
  protected static final Duration LEASE = Duration.ofSeconds(2);
  protected static final Duration RETENTION = Duration.ofHours(1);
  private static final String KEY = "a".repeat(64);
  private static final String FP = "f".repeat(64);
  private static final StoredResponse CREATED = new StoredResponse(201,
      Map.of("Content-Type", List.of("text/plain")), "made".getBytes(StandardCharsets.UTF_8));

  /** The store under test, empty. Called once per test. */
  protected abstract IdempotencyStore store() throws Exception;

  /**
   * The store under test as a second instance of the service would build it, on the same
   * records, when that instance's wall clock runs {@code skew} ahead of the first's. A store that
   * judges leases on its server's clock has no use for the skew (return another instance); one
   * that takes the instance's clock must build this one on a clock {@code skew} ahead. A store of
   * one JVM only returns the store under test.
   */
  protected abstract IdempotencyStore anotherInstanceWithClockAhead(Duration skew) throws Exception;

  /** Lets {@code duration} pass for the store (advance a fake clock, or wait on a real server). */
  protected abstract void passTime(Duration duration) throws Exception;

  /** How many records the store under test holds, in every scope. */
  protected abstract long records() throws Exception;

  @Test
  public void aNewKeyIsClaimedThenCompletedThenReplayed() throws Exception {
    IdempotencyStore store = store();
    Claim first = store.claim("alice", KEY, FP, LEASE, RETENTION);
    assertEquals(Claim.Outcome.CLAIMED, first.outcome());

    assertTrue(store.complete("alice", KEY, first.token(), CREATED, RETENTION));

    Claim again = store.claim("alice", KEY, FP, LEASE, RETENTION);
    assertEquals(Claim.Outcome.COMPLETED, again.outcome());
    assertEquals(201, again.response().status());
    assertEquals(List.of("text/plain"), again.response().headers().get("Content-Type"));
    assertArrayEquals(CREATED.body(), again.response().body());
  }

  @Test
  public void fiftyConcurrentClaimsOfOneKeyHaveExactlyOneWinner() throws Exception {
    IdempotencyStore store = store();
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Claim>> claims = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        claims.add(pool.submit(() -> {
          start.await();
          return store.claim("alice", KEY, FP, LEASE, RETENTION);
        }));
      }
      start.countDown();
      int claimed = 0;
      for (Future<Claim> claim : claims) {
        Claim.Outcome outcome = claim.get(30, TimeUnit.SECONDS).outcome();
        claimed += outcome == Claim.Outcome.CLAIMED ? 1 : 0;
        assertTrue(outcome == Claim.Outcome.CLAIMED || outcome == Claim.Outcome.IN_PROGRESS, outcome.toString());
      }
      assertEquals(1, claimed);
      assertEquals(1, records());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  public void fiftyConcurrentDuplicateRequestsRunTheHandlerOnce() throws Exception {
    IdempotencyGuard guard = IdempotencyGuard.builder(store()).lease(LEASE).build();
    AtomicInteger handlerRuns = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        statuses.add(pool.submit(() -> {
          start.await();
          IdempotencyGuard.Decision decision = guard.begin("alice", "POST", "/charges", "\"k-1\"", "amount=10".getBytes(StandardCharsets.UTF_8));
          if (decision.response().isPresent()) {
            return decision.response().get().status();
          }
          handlerRuns.incrementAndGet();
          decision.ticket().orElseThrow().complete(201, Map.of(), "ok".getBytes(StandardCharsets.UTF_8));
          return 201;
        }));
      }
      start.countDown();
      for (Future<Integer> status : statuses) {
        int code = status.get(30, TimeUnit.SECONDS);
        assertTrue(code == 201 || code == 409, "status " + code);
      }
      assertEquals(1, handlerRuns.get());
      assertEquals(1, records());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  public void theSameKeyWithAnotherFingerprintIsAMismatch() throws Exception {
    IdempotencyStore store = store();
    Claim first = store.claim("alice", KEY, FP, LEASE, RETENTION);
    assertEquals(Claim.Outcome.MISMATCH, store.claim("alice", KEY, "0".repeat(64), LEASE, RETENTION).outcome());
    store.complete("alice", KEY, first.token(), CREATED, RETENTION);
    assertEquals(Claim.Outcome.MISMATCH, store.claim("alice", KEY, "0".repeat(64), LEASE, RETENTION).outcome());
  }

  @Test
  public void anotherScopeIsAnIndependentKeySpace() throws Exception {
    IdempotencyStore store = store();
    Claim alice = store.claim("alice", KEY, FP, LEASE, RETENTION);
    store.complete("alice", KEY, alice.token(), CREATED, RETENTION);

    Claim bob = store.claim("bob", KEY, FP, LEASE, RETENTION);
    assertEquals(Claim.Outcome.CLAIMED, bob.outcome(), "bob must never get alice's response");
  }

  @Test
  public void anExpiredLeaseIsTakenOverAndTheStaleOwnerIsFencedOff() throws Exception {
    IdempotencyStore store = store();
    Claim crashed = store.claim("alice", KEY, FP, LEASE, RETENTION);
    assertTrue(store.recordPhase("alice", KEY, crashed.token(), "charge_created", LEASE));
    assertEquals(Claim.Outcome.IN_PROGRESS, store.claim("alice", KEY, FP, LEASE, RETENTION).outcome());

    passTime(LEASE.plusMillis(500));
    Claim successor = store.claim("alice", KEY, FP, LEASE, RETENTION);
    assertEquals(Claim.Outcome.CLAIMED, successor.outcome());
    assertNotEquals(crashed.token(), successor.token());
    assertEquals("charge_created", successor.recoveryPoint());

    assertFalse(store.complete("alice", KEY, crashed.token(), CREATED, RETENTION), "the stale owner's completion is refused");
    assertFalse(store.recordPhase("alice", KEY, crashed.token(), "finished", LEASE));
    assertFalse(store.release("alice", KEY, crashed.token()));
    assertTrue(store.complete("alice", KEY, successor.token(), CREATED, RETENTION));
    assertEquals(Claim.Outcome.COMPLETED, store.claim("alice", KEY, FP, LEASE, RETENTION).outcome());
  }

  @Test
  public void aReleasedKeyCanBeClaimedAgain() throws Exception {
    IdempotencyStore store = store();
    Claim failed = store.claim("alice", KEY, FP, LEASE, RETENTION);
    assertTrue(store.release("alice", KEY, failed.token()));
    assertEquals(Claim.Outcome.CLAIMED, store.claim("alice", KEY, FP, LEASE, RETENTION).outcome());
  }

  @Test
  public void recordsPastRetentionAreNewAgainAndReaped() throws Exception {
    IdempotencyStore store = store();
    Duration shortRetention = Duration.ofSeconds(1);
    Claim first = store.claim("alice", KEY, FP, LEASE, shortRetention);
    store.complete("alice", KEY, first.token(), CREATED, shortRetention);
    passTime(Duration.ofMillis(1500));

    assertEquals(Claim.Outcome.CLAIMED, store.claim("alice", KEY, FP, LEASE, RETENTION).outcome());
    Claim other = store.claim("alice", "b".repeat(64), FP, LEASE, shortRetention);
    store.complete("alice", "b".repeat(64), other.token(), CREATED, shortRetention);
    passTime(Duration.ofMillis(1500));
    store.reapExpired();
    assertEquals(1, records());
  }

  /**
   * Regression (issue 17, item 3): two instances on one table, one clock 31 s ahead, a 30 s
   * lease: the second took the first's live lease over, and both ran the handler.
   */
  @Test
  public void anInstanceWhoseClockRunsAheadOfTheLeaseDoesNotTakeOverALiveLease() throws Exception {
    IdempotencyStore store = store();
    Claim first = store.claim("alice", KEY, FP, LEASE, RETENTION);
    assertEquals(Claim.Outcome.CLAIMED, first.outcome());

    IdempotencyStore ahead = anotherInstanceWithClockAhead(LEASE.plusSeconds(31));
    assertEquals(Claim.Outcome.IN_PROGRESS, ahead.claim("alice", KEY, FP, LEASE, RETENTION).outcome());
    assertTrue(store.complete("alice", KEY, first.token(), CREATED, RETENTION));
    assertEquals(Claim.Outcome.COMPLETED, ahead.claim("alice", KEY, FP, LEASE, RETENTION).outcome());
  }

  /**
   * Regression (issue 17, item 3), at the guard: two instances on one store, the second's wall
   * clock 31 s ahead of the first's, the default 30 s lease: both ran the handler. The guards read
   * no wall clock (lease renewal waits relative delays on its scheduler), so the store alone
   * judges the lease: the handler runs once, the other instance gets 409 and then the replay.
   */
  @Test
  public void twoGuardsWhoseClocksDifferBy31SecondsOnA30SecondLeaseRunTheHandlerOnce() throws Exception {
    Duration lease = Duration.ofSeconds(30);
    IdempotencyGuard here = IdempotencyGuard.builder(store()).lease(lease).build();
    IdempotencyGuard ahead = IdempotencyGuard.builder(anotherInstanceWithClockAhead(Duration.ofSeconds(31))).lease(lease).build();
    byte[] body = {1};
    IdempotencyGuard.Ticket running = here.begin("alice", "POST", "/charges", "\"skew-1\"", body).ticket().orElseThrow();

    IdempotencyGuard.Decision meanwhile = ahead.begin("alice", "POST", "/charges", "\"skew-1\"", body);
    assertTrue(meanwhile.ticket().isEmpty(), "the instance 31 s ahead must not run the handler while the first holds the key");
    assertEquals(409, meanwhile.response().orElseThrow().status());
    assertTrue(running.complete(201, Map.of(), "ok".getBytes(StandardCharsets.UTF_8)));
    StoredResponse replay = ahead.begin("alice", "POST", "/charges", "\"skew-1\"", body).response().orElseThrow();
    assertEquals(201, replay.status());
    assertEquals(List.of("true"), replay.headers().get(IdempotencyGuard.REPLAYED));
  }

  /** Item 8: a long handler's renewed lease outlives its first term; a stale token renews nothing. */
  @Test
  public void aRenewedLeaseOutlivesItsFirstTermAndAStaleTokenCannotRenewIt() throws Exception {
    IdempotencyStore store = store();
    Claim running = store.claim("alice", KEY, FP, LEASE, RETENTION);
    passTime(LEASE.dividedBy(2));
    assertTrue(store.renewLease("alice", KEY, running.token(), LEASE));
    passTime(LEASE.dividedBy(2).plusMillis(500));
    assertEquals(Claim.Outcome.IN_PROGRESS, store.claim("alice", KEY, FP, LEASE, RETENTION).outcome(),
        "past the first term, the renewed lease still holds");

    assertFalse(store.renewLease("alice", KEY, "not-the-token", LEASE));
    assertTrue(store.complete("alice", KEY, running.token(), CREATED, RETENTION));
    assertFalse(store.renewLease("alice", KEY, running.token(), LEASE), "a completed record has no lease to renew");
  }

  /**
   * Regression (issue 17, item 5): a 313-character principal got 503 on PostgreSQL and MariaDB,
   * {@code élève} and {@code 中文} on MariaDB. Stores see the scope's hash.
   */
  @Test
  public void longAndNonAsciiPrincipalsAreServedLikeAnyOther() throws Exception {
    IdempotencyGuard guard = IdempotencyGuard.builder(store()).lease(LEASE).build();
    for (String principal : List.of("p".repeat(313), "élève", "中文", "alice")) {
      IdempotencyGuard.Decision first = guard.begin(principal, "POST", "/charges", "\"k-1\"", new byte[] {1});
      assertTrue(first.ticket().isPresent(), principal + ": " + first.response().map(StoredResponse::status));
      assertTrue(first.ticket().get().complete(201, Map.of(), "ok".getBytes(StandardCharsets.UTF_8)));
      StoredResponse replay = guard.begin(principal, "POST", "/charges", "\"k-1\"", new byte[] {1}).response().orElseThrow();
      assertEquals(201, replay.status());
      assertEquals(List.of("true"), replay.headers().get(IdempotencyGuard.REPLAYED));
    }
    assertEquals(4, records(), "four principals, four independent records");
  }

  /**
   * Regression (issue 17, item 8): the store failed once during {@code complete()}; the lease
   * expired and the retry ran the handler a second time. The completion is tried again.
   */
  @Test
  public void anOutageDuringCompletionIsRiddenOutAndTheRetryIsAReplay() throws Exception {
    FlakyIdempotencyStore flaky = new FlakyIdempotencyStore(store()).failNextCompletions(2);
    IdempotencyGuard guard = IdempotencyGuard.builder(flaky).lease(LEASE).completionAttempts(3, Duration.ZERO).build();

    IdempotencyGuard.Decision first = guard.begin("alice", "POST", "/charges", "\"k-1\"", new byte[] {1});
    assertTrue(first.ticket().orElseThrow().complete(201, Map.of(), "ok".getBytes(StandardCharsets.UTF_8)));
    assertEquals(3, flaky.completionAttempts());

    passTime(LEASE.plusMillis(500));
    IdempotencyGuard.Decision retry = guard.begin("alice", "POST", "/charges", "\"k-1\"", new byte[] {1});
    assertTrue(retry.ticket().isEmpty(), "the retry after the lease must not run the handler again");
    assertEquals(201, retry.response().orElseThrow().status());
    assertEquals(List.of("true"), retry.response().get().headers().get(IdempotencyGuard.REPLAYED));
  }

  /** Regression (issue 17, item 6): a store whose driver threw unchecked escaped {@code begin()} instead of giving 503. */
  @Test
  public void aStoreThatThrowsUncheckedGives503AndRunsNothing() throws Exception {
    IdempotencyGuard guard = IdempotencyGuard.builder(new FlakyIdempotencyStore(store()).claimsThrowUnchecked()).build();
    IdempotencyGuard.Decision decision = guard.begin("alice", "POST", "/charges", "\"k-1\"", new byte[] {1});
    assertTrue(decision.ticket().isEmpty());
    assertEquals(503, decision.response().orElseThrow().status());
  }
}
