package dev.tailguard.lab.whatif;

import dev.tailguard.lab.LatencyCurve;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The tail P(latency > t) of every strategy on a log scale, as a PNG. */
final class TailPlot {
  private TailPlot() {}

  static void write(Map<String, LatencyCurve> curves, Path png) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(550).title("whatif: latency tail, P(latency > t)")
        .xAxisTitle("t (ms)").yAxisTitle("1 - CDF (log)").build();
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setXAxisDecimalPattern("#0.#");
    for (Map.Entry<String, LatencyCurve> curve : curves.entrySet()) {
      double[] p = curve.getValue().probabilities();
      double[] ms = curve.getValue().millis();
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < p.length; i++) {
        // The tail only: the log axis cannot show 1 - p = 1, and the body is the CDF's business.
        if (p[i] >= 0.5) {
          xs.add(ms[i]);
          ys.add(1 - p[i]);
        }
      }
      XYSeries series = chart.addSeries(curve.getKey(), xs, ys);
      series.setMarker(SeriesMarkers.NONE);
    }
    BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }
}
