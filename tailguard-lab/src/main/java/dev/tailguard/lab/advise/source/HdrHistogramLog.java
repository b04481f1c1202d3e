package dev.tailguard.lab.advise.source;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.DoubleHistogramIterationValue;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.HistogramLogReader;

/**
 * Form {@code hdr-log}: an HdrHistogram interval log (what {@code HistogramLogWriter}, jHiccup and
 * wrk2 write), every interval added together. Each line is decoded by the library's {@link
 * HistogramLogReader}, so a line it cannot decode is skipped and reported by number; comments
 * ({@code #...}) and the legend are not latencies and are passed over.
 */
public final class HdrHistogramLog {
  private HdrHistogramLog() {}

  /** Reads {@code file}, whose histograms hold values in {@code unit}. */
  public static LatencySample read(Path file, LatencyUnit unit) throws IOException {
    LatencySample sample = new LatencySample();
    long[] intervals = {0};
    Lines.forEach(file, (line, number) -> {
      String text = line.strip();
      // Headers (#[StartTime: ...], #[BaseTime: ...]), comments and the legend carry no latencies.
      if (text.startsWith("#") || text.startsWith("\"StartTimestamp\"")) {
        return;
      }
      EncodableHistogram interval;
      try {
        interval = text.isEmpty() ? null
            : new HistogramLogReader(new ByteArrayInputStream((text + "\n").getBytes(StandardCharsets.UTF_8))).nextIntervalHistogram();
      } catch (RuntimeException undecodable) {
        interval = null;
      }
      if (interval == null) {
        sample.bad(number, line, text.isEmpty() ? "" : "not an interval histogram");
        return;
      }
      intervals[0]++;
      add(sample, interval, unit);
    });
    sample.note("added " + intervals[0] + " interval histogram(s); values read as " + unit);
    return sample;
  }

  private static void add(LatencySample sample, EncodableHistogram interval, LatencyUnit unit) {
    if (interval instanceof DoubleHistogram) {
      for (DoubleHistogramIterationValue value : ((DoubleHistogram) interval).recordedValues()) {
        sample.record(unit.toMillis(value.getValueIteratedTo()), value.getCountAtValueIteratedTo());
      }
      return;
    }
    AbstractHistogram histogram = (AbstractHistogram) interval;
    for (HistogramIterationValue value : histogram.recordedValues()) {
      // The middle of the value's equivalence range: the best single value for it.
      double middle = histogram.medianEquivalentValue(value.getValueIteratedTo());
      sample.record(unit.toMillis(middle), value.getCountAtValueIteratedTo());
    }
  }
}
