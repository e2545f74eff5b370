package dev.relay.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Bar charts of the results as PNG files, drawn with XChart (headless). */
final class Charts {
    private Charts() {
    }

    /**
     * One chart: a group of bars per category, one series per name. {@code series} maps a series name to one value per
     * category (NaN where there is none).
     */
    static void bars(Path file, String title, String yAxis, List<String> categories, Map<String, List<Double>> series)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title(title).yAxisTitle(yAxis).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (Map.Entry<String, List<Double>> entry : series.entrySet()) {
            List<Double> values = entry.getValue().stream().map(value -> value == null || value.isNaN() ? 0.0 : value)
                    .toList();
            chart.addSeries(entry.getKey(), categories, values);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
