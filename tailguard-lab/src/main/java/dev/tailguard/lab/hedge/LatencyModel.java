package dev.tailguard.lab.hedge;

import java.util.random.RandomGenerator;

/** A backend's latency for one attempt, in milliseconds. */
interface LatencyModel {
  /**
   * Draws one attempt's latency.
   *
   * @param serverRequest the number of attempts the server has received so far, this one included
   * @param random the run's randomness
   */
  double nextMillis(long serverRequest, RandomGenerator random);

  /** Brooker, "Tail Latency Might Matter More Than You Think": 99% N(10, 2) + 1% N(100, 10). */
  LatencyModel BIMODAL = (n, random) -> {
    boolean slow = random.nextDouble() < 0.01;
    double ms = slow ? 100 + 10 * random.nextGaussian() : 10 + 2 * random.nextGaussian();
    return Math.max(0, ms);
  };

  /**
   * Bailis, "Doing redundant work to speed up distributed queries" (2012), Yammer's Riak model: a
   * read is two one-way delays, each 1.8% Exp(λ = 0.0217/ms) + 98.2% Pareto(xm = 1.5 ms, α = 3.8).
   */
  LatencyModel YAMMER = (n, random) -> oneWay(random) + oneWay(random);

  /**
   * brpc's backup-request example: the server sleeps 20 ms on every even-numbered request and
   * answers the others at once (here in 0.1–0.5 ms).
   */
  LatencyModel BRPC = (n, random) -> n % 2 == 0 ? 20.0 : 0.1 + 0.4 * random.nextDouble();

  private static double oneWay(RandomGenerator random) {
    if (random.nextDouble() < 0.018) {
      return -Math.log(1 - random.nextDouble()) / 0.0217;
    }
    return 1.5 / Math.pow(1 - random.nextDouble(), 1 / 3.8);
  }
}
