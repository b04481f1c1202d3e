package dev.tailguard.lab.advise.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options that name a latency file and its form, shared by {@code advise} and {@code whatif}
 * (a picocli mixin). {@link #read(CommandSpec)} turns a bad option or file into a usage error that
 * names the option.
 */
public final class LatencySourceOptions {
  @Option(names = "--latencies", required = true, paramLabel = "FILE", description = "The file of latencies, in the form --format names.")
  Path latencies;

  @Option(names = "--format", paramLabel = "FORM", defaultValue = "lines",
      description = "lines (one number per line), hdr-log (HdrHistogram interval log), prometheus (_bucket{le=...} lines of the text "
          + "exposition format) or access-log (one column of a delimited log). Default: ${DEFAULT-VALUE}.")
  String format = "lines";

  @Option(names = "--unit", paramLabel = "UNIT",
      description = "Unit of the numbers: ns, us, ms or s. Default: s for prometheus (its base unit), ms otherwise.")
  String unit;

  @Option(names = "--metric", paramLabel = "NAME", description = "prometheus: the histogram's name without _bucket; needed when the file holds several.")
  String metric;

  @Option(names = "--column", paramLabel = "N|NAME",
      description = "access-log: the column, by 1-based index or by its name in the first line (a header).")
  String column;

  @Option(names = "--delimiter", paramLabel = "CHAR",
      description = "access-log: the field delimiter, one character, 'tab' or 'space' (runs of blanks; \"...\" and [...] stay one field). Default: ','.")
  String delimiter;

  /** The file named by {@code --latencies}. */
  public Path file() {
    return latencies;
  }

  /** The form, as given. */
  public String format() {
    return format.toLowerCase(Locale.ROOT);
  }

  /**
   * Reads the file in its form.
   *
   * @throws ParameterException naming the option, for a bad option, an unreadable file, or a file
   *     with no latency in it
   */
  public LatencySample read(CommandSpec spec) throws IOException {
    try {
      LatencySample sample = readChecked();
      if (sample.count() == 0) {
        throw new IllegalArgumentException("--latencies: " + latencies + " holds no valid latency");
      }
      return sample;
    } catch (IllegalArgumentException bad) {
      throw new ParameterException(spec.commandLine(), bad.getMessage(), bad);
    }
  }

  private LatencySample readChecked() throws IOException {
    String form = format();
    // Options of one form given with another are a mistake, not something to ignore.
    if (!form.equals("access-log") && (column != null || delimiter != null)) {
      throw new IllegalArgumentException("--column and --delimiter are for --format access-log, not " + format);
    }
    if (!form.equals("prometheus") && metric != null) {
      throw new IllegalArgumentException("--metric is for --format prometheus, not " + format);
    }
    LatencyUnit parsed = unit != null ? LatencyUnit.parse(unit) : form.equals("prometheus") ? LatencyUnit.S : LatencyUnit.MS;
    if (!Files.isReadable(latencies)) {
      throw new IllegalArgumentException("--latencies: cannot read " + latencies);
    }
    switch (form) {
      case "lines":
        return NumberPerLine.read(latencies, parsed);
      case "hdr-log":
        return HdrHistogramLog.read(latencies, parsed);
      case "prometheus":
        return PrometheusHistogram.read(latencies, metric, parsed);
      case "access-log":
        return AccessLogColumn.read(latencies, column, delimiter, parsed);
      default:
        throw new IllegalArgumentException("--format must be lines, hdr-log, prometheus or access-log: '" + format + "'");
    }
  }
}
