/**
 * Tailguard core: retries, backoff and jitter, and the time seams every policy is driven by.
 *
 * <p>The module has no dependencies beyond {@code java.base}. {@code dev.tailguard.internal} is
 * deliberately not exported: adapters compile against the public packages only.
 */
module dev.tailguard {
  exports dev.tailguard;
  exports dev.tailguard.event;
  exports dev.tailguard.time;
}
