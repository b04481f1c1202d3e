package dev.tailguard.lab;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * What a wall-clock scenario's numbers depend on besides the code: the JVM, the CPUs, and how busy
 * the machine was. On JDK 17 with two CPUs the JDK HttpClient costs noticeably more per exchange
 * than on JDK 25, and a neighbour burning a core moves every tail, so a result without these is
 * hard to compare.
 *
 * <p>A {@link Snapshot} is taken at the start and the end of a measurement; between two of them
 * {@link #between} gives the load averages and, on Linux, the share of the machine's CPU time
 * that other processes used ({@code neighbourCpuShare}, from {@code /proc/stat} minus this JVM's
 * own CPU time). Elsewhere that share is {@code null}: not measurable. Snapshots are cheap and
 * thread-safe.
 */
public final class MachineFacts {
  /** Above this share of the machine's CPU used by other processes, a run counts as disturbed. */
  public static final double BUSY_NEIGHBOURS = 0.25;

  private MachineFacts() {}

  /** One moment: wall time, the 1-minute load average, the machine's CPU counters, this JVM's CPU time. */
  public record Snapshot(long nanoTime, double loadAverage, long busyTicks, long totalTicks, int statCpus, long processCpuNanos) {
    /** False when {@code /proc/stat} or the JVM's CPU time could not be read. */
    boolean hasCpuCounters() {
      return totalTicks > 0 && statCpus > 0 && processCpuNanos >= 0;
    }
  }

  /** Reads the machine's counters now. */
  public static Snapshot now() {
    long[] ticks = procStat();
    return new Snapshot(System.nanoTime(), loadAverage(), ticks[0], ticks[1], (int) ticks[2], processCpuNanos());
  }

  /** What the machine did between two snapshots, as JSON-able facts (see {@link #addTo}). */
  public static Map<String, Object> between(Snapshot start, Snapshot end) {
    Map<String, Object> facts = new LinkedHashMap<>(staticFacts());
    facts.put("loadAverageStart", round2(start.loadAverage()));
    facts.put("loadAverageEnd", round2(end.loadAverage()));
    Double neighbours = neighbourCpuShare(start, end);
    facts.put("neighbourCpuShare", neighbours == null ? null : round2(neighbours));
    facts.put("ownCpuShare", ownCpuShare(start, end) == null ? null : round2(ownCpuShare(start, end)));
    return facts;
  }

  /**
   * The share (0–1) of all CPU time between the snapshots that other processes used: the machine's
   * busy ticks over its total ticks, minus this JVM's CPU time over the same total. Null when not
   * measurable (no {@code /proc/stat}, or no time passed).
   */
  public static Double neighbourCpuShare(Snapshot start, Snapshot end) {
    Double own = ownCpuShare(start, end);
    if (own == null) {
      return null;
    }
    double busy = (double) (end.busyTicks() - start.busyTicks()) / (end.totalTicks() - start.totalTicks());
    return Math.max(0, Math.min(1, busy - own));
  }

  private static Double ownCpuShare(Snapshot start, Snapshot end) {
    // Without counters, or with no tick between the two, there is nothing to divide.
    if (!start.hasCpuCounters() || !end.hasCpuCounters() || end.totalTicks() <= start.totalTicks()) {
      return null;
    }
    // Total ticks cover every CPU /proc/stat lists; this JVM's CPU seconds over the same CPU-seconds.
    double wallSeconds = (end.nanoTime() - start.nanoTime()) / 1e9;
    double ownCpuSeconds = (end.processCpuNanos() - start.processCpuNanos()) / 1e9;
    return Math.max(0, Math.min(1, ownCpuSeconds / (wallSeconds * end.statCpus())));
  }

  /**
   * How neighbours disturbed a measurement with these facts, or null if they did not: other
   * processes used more than {@link #BUSY_NEIGHBOURS} of the CPU, or, where that is not
   * measurable, the load average ended above twice the CPU count.
   */
  public static String disturbance(Map<String, Object> facts) {
    Object share = facts.get("neighbourCpuShare");
    if (share instanceof Number && ((Number) share).doubleValue() > BUSY_NEIGHBOURS) {
      return String.format("other processes used %.0f%% of the machine's CPU during the measurement (above %.0f%%)",
          100 * ((Number) share).doubleValue(), 100 * BUSY_NEIGHBOURS);
    }
    Object load = facts.get("loadAverageEnd");
    Object cpus = facts.get("cpus");
    // Without /proc/stat, a load average far above the CPU count is the only sign of neighbours.
    if (share == null && load instanceof Number && cpus instanceof Number
        && ((Number) load).doubleValue() > 2 * ((Number) cpus).doubleValue()) {
      return String.format("the load average reached %.1f on %s CPUs (neighbours' CPU share not measurable here)", ((Number) load).doubleValue(), cpus);
    }
    return null;
  }

  /** The JVM and CPU facts that do not change during a run. */
  static Map<String, Object> staticFacts() {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("jvm", System.getProperty("java.vm.vendor") + " " + Runtime.version());
    facts.put("cpus", Runtime.getRuntime().availableProcessors());
    facts.put("commonPoolParallelism", ForkJoinPool.getCommonPoolParallelism());
    facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    return facts;
  }

  /** Adds {@code jvm}, {@code cpus} and {@code commonPoolParallelism} to the result's parameters. */
  public static ScenarioResult addTo(ScenarioResult result) {
    Map<String, Object> facts = staticFacts();
    return result
        .param("jvm", facts.get("jvm"))
        .param("cpus", facts.get("cpus"))
        .param("commonPoolParallelism", facts.get("commonPoolParallelism"));
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** The machine's busy and total CPU ticks from the first line of {@code /proc/stat}, and its CPU count; or zeros. */
  private static long[] procStat() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII);
      String[] fields = lines.get(0).trim().split("\\s+");
      long total = 0;
      long idle = 0;
      // cpu user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice]
      for (int i = 1; i < Math.min(fields.length, 9); i++) {
        long value = Long.parseLong(fields[i]);
        total += value;
        if (i == 4 || i == 5) {
          idle += value;
        }
      }
      long cpus = lines.stream().filter(line -> line.length() > 3 && line.startsWith("cpu") && Character.isDigit(line.charAt(3))).count();
      return new long[] {total - idle, total, cpus};
    } catch (IOException | RuntimeException notLinux) {
      // Not measurable here: the facts say null rather than guess.
      return new long[] {0, 0, 0};
    }
  }

  private static double round2(double value) {
    return Math.round(value * 100.0) / 100.0;
  }
}
