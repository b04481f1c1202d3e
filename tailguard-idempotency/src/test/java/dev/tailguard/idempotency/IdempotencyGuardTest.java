package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdempotencyGuardTest {
  private static final byte[] BODY = "amount=10".getBytes(StandardCharsets.UTF_8);

  private final InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(100);
  private final IdempotencyGuard guard = IdempotencyGuard.builder(memory).build();

  /** A store that must never be reached. */
  private static final IdempotencyStore UNTOUCHABLE = new IdempotencyStore() {
    @Override public Claim claim(String s, String k, String f, Duration l, Duration r) {
      throw new AssertionError("a malformed key reached the store");
    }
    @Override public boolean complete(String s, String k, String t, StoredResponse r, Duration d) {
      throw new AssertionError();
    }
    @Override public boolean recordPhase(String s, String k, String t, String p, Duration l) {
      throw new AssertionError();
    }
    @Override public boolean renewLease(String s, String k, String t, Duration l) {
      throw new AssertionError();
    }
    @Override public boolean release(String s, String k, String t) {
      throw new AssertionError();
    }
    @Override public int reapExpired() {
      return 0;
    }
  };

  @Test
  void malformedKeysGet400WithoutReachingTheStoreOrBeingEchoed() {
    IdempotencyGuard strict = IdempotencyGuard.builder(UNTOUCHABLE).build();
    List<String> bad = List.of("", "\"\"", "unquoted-token", "\"" + "k".repeat(256) + "\"", "\"" + "x".repeat(10_000) + "\"",
        "\"a\r\nSet-Cookie: x\"", "\"a\u0000b\"", "\"caf\u00e9\"", "\"a\\nb\"", "\"dangling\\\"", "\"in\"side\"", "\"a\tb\"");
    for (String key : bad) {
      StoredResponse response = strict.begin("alice", "POST", "/charges", key, BODY).response().orElseThrow();
      assertThat(response.status()).as("key %s", key.length() > 40 ? key.length() + " chars" : key).isEqualTo(400);
      if (!key.isEmpty() && key.length() > 3) {
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).doesNotContain(key.substring(1, key.length() - 1));
      }
    }
  }

  @Test
  void globCharactersAreValidKeysAndStoredOnlyAsAHash() {
    IdempotencyGuard.Decision decision = guard.begin("alice", "POST", "/charges", "\"*?[abc]\"", BODY);
    assertThat(decision.ticket()).isPresent();
    assertThat(IdempotencyKey.parse("\"*?[abc]\"", k -> true).orElseThrow().hash()).matches("[0-9a-f]{64}");
  }

  @Test
  void aMissingKeyIs400WhenRequiredAndPassesThroughWhenNot() {
    assertThat(guard.begin("alice", "POST", "/charges", null, BODY).response().orElseThrow().status()).isEqualTo(400);
    IdempotencyGuard optional = IdempotencyGuard.builder(memory).requireKey(false).build();
    IdempotencyGuard.Decision decision = optional.begin("alice", "POST", "/charges", null, BODY);
    assertThat(decision.response()).isEmpty();
    assertThat(decision.ticket()).isEmpty();
  }

  @Test
  void aCompletedRequestIsReplayedWithItsHeadersButNeverItsCookies() throws Exception {
    IdempotencyGuard.Ticket ticket = guard.begin("alice", "POST", "/charges", "\"k\"", BODY).ticket().orElseThrow();
    ticket.complete(201, Map.of("Location", List.of("/charges/7"), "Set-Cookie", List.of("session=secret")), "made".getBytes(StandardCharsets.UTF_8));

    StoredResponse replay = guard.begin("alice", "POST", "/charges", "\"k\"", BODY).response().orElseThrow();
    assertThat(replay.status()).isEqualTo(201);
    assertThat(replay.headers()).containsEntry("Location", List.of("/charges/7")).containsEntry("Idempotent-Replayed", List.of("true"))
        .doesNotContainKey("Set-Cookie");
    assertThat(new String(replay.body(), StandardCharsets.UTF_8)).isEqualTo("made");
  }

  @Test
  void theSameKeyWithAnotherBodyMethodOrPathIs422() throws Exception {
    guard.begin("alice", "POST", "/charges", "\"k\"", BODY).ticket().orElseThrow().complete(201, Map.of(), new byte[0]);

    assertThat(guard.begin("alice", "POST", "/charges", "\"k\"", "amount=99".getBytes(StandardCharsets.UTF_8)).response().orElseThrow().status()).isEqualTo(422);
    assertThat(guard.begin("alice", "PATCH", "/charges", "\"k\"", BODY).response().orElseThrow().status()).isEqualTo(422);
    assertThat(guard.begin("alice", "POST", "/refunds", "\"k\"", BODY).response().orElseThrow().status()).isEqualTo(422);
  }

  @Test
  void aRequestStillRunningGets409WithARetryAfter() {
    guard.begin("alice", "POST", "/charges", "\"k\"", BODY);
    StoredResponse conflict = guard.begin("alice", "POST", "/charges", "\"k\"", BODY).response().orElseThrow();
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.headers()).containsEntry("Retry-After", List.of("1"));
  }

  @Test
  void aServerErrorReleasesTheKeySoTheRetryRunsAgain() throws Exception {
    guard.begin("alice", "POST", "/charges", "\"k\"", BODY).ticket().orElseThrow().complete(503, Map.of(), new byte[0]);
    assertThat(guard.begin("alice", "POST", "/charges", "\"k\"", BODY).ticket()).isPresent();
  }

  @Test
  void anUnavailableStoreFailsClosedWith503ByDefault() {
    IdempotencyStore down = new InMemoryIdempotencyStore(1);
    IdempotencyGuard closed = IdempotencyGuard.builder(down).build();
    closed.begin("alice", "POST", "/charges", "\"first\"", BODY);

    assertThat(closed.begin("alice", "POST", "/charges", "\"second\"", BODY).response().orElseThrow().status()).isEqualTo(503);
    IdempotencyGuard open = IdempotencyGuard.builder(down).failOpen(true).build();
    assertThat(open.begin("alice", "POST", "/charges", "\"second\"", BODY).response()).isEmpty();
  }

  @Test
  void aBlankScopeIsAProgrammingErrorNotASharedKeySpace() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> guard.begin(" ", "POST", "/", "\"k\"", BODY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scope");
  }

  @Test
  void credentialsCannotBeAllowListedForStorage() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> IdempotencyGuard.builder(memory).storedHeaders(java.util.Set.of("Set-Cookie")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Set-Cookie");
  }
}
