package dev.tailguard.internal;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * How hard the Lincheck model checks search. {@code mvn verify} runs a short search so each check
 * stays well under a minute; {@code -Plong-checks} sets {@code tailguard.lincheck.scale} to run
 * many more scenarios, longer ones and more interleavings of each.
 */
final class LincheckRuns {
  private LincheckRuns() {}

  /** The search scale: 1 in {@code mvn verify}, larger under the long-checks profile. */
  static int scale() {
    return Integer.getInteger("tailguard.lincheck.scale", 1);
  }

  /** Model checking with the suite's default bounds, scaled by {@link #scale()}. */
  static ModelCheckingOptions modelChecking() {
    return modelChecking(30);
  }

  /** Model checking of {@code iterations} scenarios (times {@link #scale()}). */
  static ModelCheckingOptions modelChecking(int iterations) {
    int scale = scale();
    return new ModelCheckingOptions()
        .iterations(iterations * scale)
        .invocationsPerIteration(1_000 * scale)
        .threads(2)
        .actorsPerThread(scale > 1 ? 4 : 3)
        .actorsBefore(2)
        .actorsAfter(1);
  }
}
