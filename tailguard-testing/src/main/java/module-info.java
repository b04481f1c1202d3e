/**
 * Test tools for Tailguard users: a deterministic clock and scheduler, a settable wall clock, and
 * the contract suite every idempotency store passes.
 */
module dev.tailguard.testing {
  requires transitive dev.tailguard;
  requires transitive dev.tailguard.idempotency;
  requires static org.junit.jupiter.api;

  exports dev.tailguard.testing;
  exports dev.tailguard.testing.idempotency;
}
