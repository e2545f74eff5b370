package dev.relay.bench;

import java.util.Arrays;
import java.util.List;

/** Median and spread of repeated measurements: the machines are shared and noisy, one number means little. */
record Stats(double median, double min, double max, int samples) {
    static Stats of(List<Double> values) {
        if (values.isEmpty()) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(median, sorted[0], sorted[n - 1], n);
    }

    /** Relative spread, (max - min) / median. */
    double spread() {
        return median == 0 ? Double.NaN : (max - min) / median;
    }
}
