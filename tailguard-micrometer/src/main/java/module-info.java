/** Micrometer metrics for Tailguard, fed only by core's event API. */
module dev.tailguard.micrometer {
  requires transitive dev.tailguard;
  requires transitive micrometer.core;

  exports dev.tailguard.micrometer;
}
