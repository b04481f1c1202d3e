package dev.tailguard.functional;

import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import dev.tailguard.testing.FakeInstantSource;
import dev.tailguard.testing.idempotency.IdempotencyStoreContract;
import java.time.Duration;
import java.time.Instant;

/** The in-memory store held to the store contract, on a fake wall clock. */
class InMemoryIdempotencyStoreContractTest extends IdempotencyStoreContract {
  private final FakeInstantSource clock = new FakeInstantSource(Instant.parse("2026-11-22T10:00:00Z"));
  private InMemoryIdempotencyStore store;

  @Override
  protected IdempotencyStore store() {
    store = new InMemoryIdempotencyStore(10_000, clock);
    return store;
  }

  /** One JVM, one clock: the in-memory store has no second instance to disagree with. */
  @Override
  protected IdempotencyStore anotherInstanceWithClockAhead(Duration skew) {
    return store;
  }

  @Override
  protected void passTime(Duration duration) {
    clock.advance(duration);
  }

  @Override
  protected long records() {
    return store.size();
  }
}
