package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link InMemoryIdempotencyStore} on a clock the test moves: the lease and retention boundaries,
 * fencing, and the bound on entries. (The shared contract suite in tailguard-testing covers it
 * too, but it cannot run inside this module.)
 */
class InMemoryIdempotencyStoreTest {
  private static final String SCOPE = "s".repeat(64);
  private static final String KEY = "k".repeat(64);
  private static final String FP = "f".repeat(64);
  private static final Duration LEASE = Duration.ofSeconds(10);
  private static final Duration RETENTION = Duration.ofSeconds(60);
  private static final StoredResponse CREATED =
      new StoredResponse(201, Map.of("Location", List.of("/orders/1")), "made".getBytes(StandardCharsets.UTF_8));

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));
  private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10, now::get);

  private void advance(Duration by) {
    now.set(now.get().plus(by));
  }

  private Claim claim() throws StoreUnavailableException {
    return store.claim(SCOPE, KEY, FP, LEASE, RETENTION);
  }

  @Test
  void aStoreNeedsRoomForOneRecord() {
    assertThatThrownBy(() -> new InMemoryIdempotencyStore(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEntries must be >= 1: 0");
    assertThat(new InMemoryIdempotencyStore(1).size()).isZero();
  }

  @Test
  void aFreshClaimHoldsTheLeaseWithATokenAndNoRecoveryPoint() throws Exception {
    Claim first = claim();
    assertThat(first.outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(first.token()).isNotBlank();
    assertThat(first.recoveryPoint()).isNull();
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void theLeaseHoldsUntilItsLastInstantAndIsTakenOverAtItsEnd() throws Exception {
    String first = claim().token();
    advance(LEASE.minusNanos(1));
    assertThat(claim().outcome()).isEqualTo(Claim.Outcome.IN_PROGRESS);
    advance(Duration.ofNanos(1));
    Claim takeover = claim();
    assertThat(takeover.outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(takeover.token()).isNotEqualTo(first);
    // The stale owner is fenced off: it can neither finish, renew, record nor release.
    assertThat(store.complete(SCOPE, KEY, first, CREATED, RETENTION)).isFalse();
    assertThat(store.renewLease(SCOPE, KEY, first, LEASE)).isFalse();
    assertThat(store.recordPhase(SCOPE, KEY, first, "charged", LEASE)).isFalse();
    assertThat(store.release(SCOPE, KEY, first)).isFalse();
    assertThat(store.complete(SCOPE, KEY, takeover.token(), CREATED, RETENTION)).isTrue();
  }

  @Test
  void aTakeoverSeesThePhaseTheLastOwnerRecordedAndKeepsTheFirstRetention() throws Exception {
    String first = claim().token();
    advance(Duration.ofSeconds(8));
    assertThat(store.recordPhase(SCOPE, KEY, first, "charged", LEASE)).isTrue();
    // Recording renewed the lease from its own time: 8 s + 10 s.
    advance(Duration.ofSeconds(9));
    assertThat(claim().outcome()).isEqualTo(Claim.Outcome.IN_PROGRESS);
    advance(Duration.ofSeconds(1));
    Claim takeover = claim();
    assertThat(takeover.outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(takeover.recoveryPoint()).isEqualTo("charged");
    // A renewal keeps the recovery point for the next owner too.
    assertThat(store.renewLease(SCOPE, KEY, takeover.token(), LEASE)).isTrue();
    advance(LEASE);
    Claim third = claim();
    assertThat(third.recoveryPoint()).isEqualTo("charged");
    // The record still expires at the first claim's retention (60 s after it), not later: at its
    // last instant a claim is a takeover, one instant on it is a fresh key.
    now.set(Instant.parse("2026-12-04T10:01:00Z"));
    assertThat(claim().recoveryPoint()).as("at the retention's last instant").isEqualTo("charged");
    advance(Duration.ofNanos(1));
    Claim fresh = claim();
    assertThat(fresh.outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(fresh.recoveryPoint()).isNull();
  }

  @Test
  void aRenewedLeaseRunsFromTheRenewal() throws Exception {
    String token = claim().token();
    advance(Duration.ofSeconds(9));
    assertThat(store.renewLease(SCOPE, KEY, token, LEASE)).isTrue();
    advance(Duration.ofSeconds(9));
    assertThat(claim().outcome()).isEqualTo(Claim.Outcome.IN_PROGRESS);
    advance(Duration.ofSeconds(1));
    assertThat(claim().outcome()).isEqualTo(Claim.Outcome.CLAIMED);
  }

  @Test
  void aCompletedKeyReplaysForItsRetentionFromCompletion() throws Exception {
    String token = claim().token();
    advance(Duration.ofSeconds(5));
    assertThat(store.complete(SCOPE, KEY, token, CREATED, RETENTION)).isTrue();
    advance(RETENTION);
    Claim replay = claim();
    assertThat(replay.outcome()).isEqualTo(Claim.Outcome.COMPLETED);
    assertThat(replay.response()).isSameAs(CREATED);
    assertThat(replay.token()).isNull();
    // Completed is final: the owner cannot finish, renew or release it again.
    assertThat(store.complete(SCOPE, KEY, token, CREATED, RETENTION)).isFalse();
    assertThat(store.renewLease(SCOPE, KEY, token, LEASE)).isFalse();
    assertThat(store.release(SCOPE, KEY, token)).isFalse();
    advance(Duration.ofNanos(1));
    assertThat(claim().outcome()).isEqualTo(Claim.Outcome.CLAIMED);
  }

  @Test
  void anotherFingerprintIsAMismatchAndLeavesTheRecordToItsOwner() throws Exception {
    String token = claim().token();
    assertThat(store.claim(SCOPE, KEY, "e".repeat(64), LEASE, RETENTION).outcome()).isEqualTo(Claim.Outcome.MISMATCH);
    assertThat(store.complete(SCOPE, KEY, token, CREATED, RETENTION)).isTrue();
    assertThat(store.claim(SCOPE, KEY, "e".repeat(64), LEASE, RETENTION).outcome()).isEqualTo(Claim.Outcome.MISMATCH);
    assertThat(claim().outcome()).isEqualTo(Claim.Outcome.COMPLETED);
  }

  @Test
  void aReleasedKeyIsClaimedAfreshAndAnAbsentKeyIsNeverFenced() throws Exception {
    String token = claim().token();
    assertThat(store.release(SCOPE, KEY, token)).isTrue();
    assertThat(store.size()).isZero();
    assertThat(store.release(SCOPE, KEY, token)).isFalse();
    assertThat(store.complete(SCOPE, KEY, token, CREATED, RETENTION)).isFalse();
    assertThat(store.size()).isZero();
    assertThat(claim().outcome()).isEqualTo(Claim.Outcome.CLAIMED);
  }

  @Test
  void scopesAndKeysAreIndependentEvenWhenTheirTextRunsTogether() throws Exception {
    // "a:b" + "c" and "a" + "b:c" must be different records.
    assertThat(store.claim("a:b", "c", FP, LEASE, RETENTION).outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(store.claim("a", "b:c", FP, LEASE, RETENTION).outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void reapingDeletesOnlyRecordsPastTheirRetentionAndCountsThem() throws Exception {
    claim();
    advance(Duration.ofSeconds(30));
    store.claim(SCOPE, "other", FP, LEASE, RETENTION);
    advance(Duration.ofSeconds(30));
    assertThat(store.reapExpired()).as("the first at its last instant").isZero();
    advance(Duration.ofNanos(1));
    assertThat(store.reapExpired()).isEqualTo(1);
    assertThat(store.size()).isEqualTo(1);
    advance(Duration.ofSeconds(31));
    assertThat(store.reapExpired()).isEqualTo(1);
    assertThat(store.reapExpired()).isZero();
  }

  @Test
  void aFullStoreRefusesNewKeysButAnswersKnownOnesAndReapsToMakeRoom() throws Exception {
    InMemoryIdempotencyStore small = new InMemoryIdempotencyStore(2, now::get);
    String token = small.claim(SCOPE, "one", FP, LEASE, RETENTION).token();
    small.claim(SCOPE, "two", FP, LEASE, RETENTION);
    assertThatThrownBy(() -> small.claim(SCOPE, "three", FP, LEASE, RETENTION))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("full (2 records)");
    assertThat(small.claim(SCOPE, "one", FP, LEASE, RETENTION).outcome()).isEqualTo(Claim.Outcome.IN_PROGRESS);
    assertThat(small.complete(SCOPE, "one", token, CREATED, Duration.ofSeconds(1))).isTrue();
    advance(Duration.ofSeconds(2));
    assertThat(small.claim(SCOPE, "three", FP, LEASE, RETENTION).outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(small.size()).isEqualTo(2);
  }

  @Test
  void aStoreOfOneRecordTakesItsOneRecord() throws Exception {
    InMemoryIdempotencyStore one = new InMemoryIdempotencyStore(1, now::get);
    assertThat(one.claim(SCOPE, KEY, FP, LEASE, RETENTION).outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThatThrownBy(() -> one.claim(SCOPE, "other", FP, LEASE, RETENTION)).isInstanceOf(StoreUnavailableException.class);
  }
}
