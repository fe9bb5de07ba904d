package io.istream.ops.explain;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG charts of {@code istream explain} and {@code istream train}, drawn with XChart. */
public final class Charts {
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 600;

    private Charts() {
    }

    /**
     * DIN's Figure 5: the attention weight of each behaviour for one candidate, oldest first; bars of behaviours in the
     * candidate's category in one colour, the others in another.
     *
     * @param labels   [len] a label per behaviour (its category)
     * @param weights  [len]
     * @param sameCategory [len] whether the behaviour is in the candidate's category
     */
    public static void attentionBars(Path file, String title, List<String> labels, double[] weights,
                                     boolean[] sameCategory) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("behaviour (oldest → newest)").yAxisTitle("attention weight").build();
        chart.getStyler().setStacked(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setXAxisTicksVisible(labels.size() <= 60);
        chart.getStyler().setSeriesColors(new Color[] {new Color(0xD6, 0x27, 0x28), new Color(0x1F, 0x77, 0xB4)});
        List<String> x = new ArrayList<>();
        List<Double> same = new ArrayList<>();
        List<Double> other = new ArrayList<>();
        for (int t = 0; t < weights.length; t++) {
            x.add((t + 1) + " " + labels.get(t));   // unique: category axes merge equal labels
            same.add(sameCategory[t] ? weights[t] : 0.0);
            other.add(sameCategory[t] ? 0.0 : weights[t]);
        }
        chart.addSeries("candidate's category", x, same);
        chart.addSeries("other categories", x, other);
        save(chart, file);
    }

    /** DIEN's Figure 3 (right): attention weight at each step, one line per candidate. */
    public static void attentionLines(Path file, String title, List<String> candidates, double[][] weights) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("behaviour step").yAxisTitle("attention weight").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        for (int c = 0; c < candidates.size(); c++) {
            double[] steps = new double[weights[c].length];
            for (int t = 0; t < steps.length; t++) {
                steps[t] = t + 1;
            }
            chart.addSeries(candidates.get(c), steps, weights[c]).setMarker(SeriesMarkers.NONE);
        }
        save(chart, file);
    }

    /**
     * DIEN's Figure 3 (left): the interest-evolving state after each behaviour, projected to 2-D, one trajectory per
     * candidate; its first step is marked with a square.
     *
     * @param points [candidates][steps][2]
     */
    public static void trajectories(Path file, String title, List<String> candidates, double[][][] points) {
        XYChart chart = new XYChartBuilder().width(900).height(800).title(title)
                .xAxisTitle("principal component 1").yAxisTitle("principal component 2").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        for (int c = 0; c < candidates.size(); c++) {
            double[] x = new double[points[c].length];
            double[] y = new double[points[c].length];
            for (int t = 0; t < x.length; t++) {
                x[t] = points[c][t][0];
                y[t] = points[c][t][1];
            }
            XYSeries line = chart.addSeries(candidates.get(c), x, y);
            line.setMarker(SeriesMarkers.CIRCLE);
            if (x.length > 0) {
                XYSeries start = chart.addSeries(candidates.get(c) + " start", new double[] {x[0]},
                        new double[] {y[0]});
                start.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                start.setMarker(SeriesMarkers.SQUARE);
                start.setShowInLegend(false);
            }
        }
        save(chart, file);
    }

    /** Learning curves: training logloss (without the auxiliary loss), validation logloss and AUC per epoch. */
    public static void learningCurves(Path file, String title, double[] epochs, double[] trainLoss,
                                      double[] validationLoss, double[] validationAuc) {
        XYChart loss = new XYChartBuilder().width(700).height(500).title(title + ": loss")
                .xAxisTitle("epoch").yAxisTitle("logloss").build();
        loss.getStyler().setXAxisDecimalPattern("0");
        loss.getStyler().setYAxisDecimalPattern("0.000");
        loss.addSeries("training logloss", epochs, trainLoss);
        loss.addSeries("validation logloss", epochs, validationLoss);
        XYChart auc = new XYChartBuilder().width(700).height(500).title(title + ": validation AUC")
                .xAxisTitle("epoch").yAxisTitle("AUC").build();
        auc.getStyler().setXAxisDecimalPattern("0");
        auc.getStyler().setYAxisDecimalPattern("0.000");
        auc.addSeries("validation AUC", epochs, validationAuc);
        try {
            createParent(file);
            BitmapEncoder.saveBitmap(List.<Chart<?, ?>>of(loss, auc), 1, 2, file.toString(),
                    BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** One line per series over the epochs 1, 2, …: e.g. test AUC after each epoch, one series per variant. */
    public static void epochCurves(Path file, String title, java.util.Map<String, double[]> series) {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle("epoch")
                .yAxisTitle("test AUC").build();
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisDecimalPattern("0.000");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        for (java.util.Map.Entry<String, double[]> s : series.entrySet()) {
            double[] y = s.getValue();
            double[] x = new double[y.length];
            for (int e = 0; e < y.length; e++) {
                x[e] = e + 1;
            }
            chart.addSeries(s.getKey(), x, y);
        }
        save(chart, file);
    }

    private static void save(Chart<?, ?> chart, Path file) {
        try {
            createParent(file);
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
