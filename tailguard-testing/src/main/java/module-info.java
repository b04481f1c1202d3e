/** Test tools for Tailguard users: a deterministic clock and scheduler. */
module dev.tailguard.testing {
  requires transitive dev.tailguard;

  exports dev.tailguard.testing;
}
