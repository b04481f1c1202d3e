package dev.tailguard.lab;

import java.util.concurrent.ForkJoinPool;

/**
 * What a wall-clock scenario's numbers depend on besides the code: the JVM and the CPUs. On JDK 17
 * with two CPUs the JDK HttpClient costs noticeably more per exchange than on JDK 25, so a
 * result without these is hard to compare.
 */
public final class MachineFacts {
  private MachineFacts() {}

  /** Adds {@code jvm}, {@code cpus} and {@code commonPoolParallelism} to the result's parameters. */
  public static ScenarioResult addTo(ScenarioResult result) {
    return result
        .param("jvm", System.getProperty("java.vm.vendor") + " " + Runtime.version())
        .param("cpus", Runtime.getRuntime().availableProcessors())
        .param("commonPoolParallelism", ForkJoinPool.getCommonPoolParallelism());
  }
}
