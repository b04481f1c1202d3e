/**
 * Test tools for Tailguard users: a deterministic clock and scheduler, a settable wall clock, and
 * the contract suites every idempotency store and filter passes.
 */
module dev.tailguard.testing {
  requires transitive dev.tailguard;
  requires transitive dev.tailguard.idempotency;
  requires static org.junit.jupiter.api;
  // IdempotencyFilterContract speaks real HTTP to the filter under test.
  requires java.net.http;

  exports dev.tailguard.testing;
  exports dev.tailguard.testing.idempotency;
}
