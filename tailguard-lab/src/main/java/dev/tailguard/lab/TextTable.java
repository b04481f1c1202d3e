package dev.tailguard.lab;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Prints rows as an aligned terminal table; columns are the union of the rows' keys. */
public final class TextTable {
  private TextTable() {}

  public static void print(PrintStream out, String title, List<Map<String, Object>> rows) {
    if (rows.isEmpty()) {
      return;
    }
    Set<String> columns = new LinkedHashSet<>();
    rows.forEach(row -> columns.addAll(row.keySet()));
    List<String> header = new ArrayList<>(columns);
    int[] widths = new int[header.size()];
    for (int i = 0; i < header.size(); i++) {
      widths[i] = header.get(i).length();
      for (Map<String, Object> row : rows) {
        widths[i] = Math.max(widths[i], cell(row.get(header.get(i))).length());
      }
    }
    out.println(title);
    out.println(line(header, widths));
    StringBuilder rule = new StringBuilder();
    for (int width : widths) {
      rule.append("-".repeat(width)).append("  ");
    }
    out.println(rule.toString().stripTrailing());
    for (Map<String, Object> row : rows) {
      List<String> cells = new ArrayList<>();
      header.forEach(column -> cells.add(cell(row.get(column))));
      out.println(line(cells, widths));
    }
    out.println();
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      // Numbers right-aligned, text left-aligned.
      boolean numeric = !cell.isEmpty() && (Character.isDigit(cell.charAt(0)) || cell.charAt(0) == '-');
      String padded = numeric ? " ".repeat(widths[i] - cell.length()) + cell : cell + " ".repeat(widths[i] - cell.length());
      line.append(padded).append("  ");
    }
    return line.toString().stripTrailing();
  }

  private static String cell(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Double) {
      double d = (Double) value;
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return String.valueOf((long) d);
      }
      // Small values (budgets, loads) keep four decimals; larger ones two.
      String text = Math.abs(d) < 1 ? String.format("%.4f", d) : String.format("%.2f", d);
      return text.contains(".") ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text;
    }
    return String.valueOf(value);
  }
}
