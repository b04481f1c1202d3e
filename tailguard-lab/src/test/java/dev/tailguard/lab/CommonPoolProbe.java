package dev.tailguard.lab;

import java.util.concurrent.CompletableFuture;

/**
 * Run in a fresh JVM by {@link LabJvmSettingsTest}: applies the lab's settings, then prints the
 * common pool's parallelism property and CompletableFuture's default executor.
 */
public final class CommonPoolProbe {
  private CommonPoolProbe() {}

  public static void main(String[] args) {
    Lab.configureJvm();
    System.out.print(System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") + " "
        + new CompletableFuture<Void>().defaultExecutor().getClass().getSimpleName());
  }
}
