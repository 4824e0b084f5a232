package dev.vecrnn.bench.report;

import java.util.Locale;

/** Number formatting for the tables: three significant digits, no exponent for everyday magnitudes. */
final class Fmt {
    private Fmt() {
    }

    static String number(double v) {
        if (Double.isNaN(v)) return "-";
        double a = Math.abs(v);
        if (a >= 100 || a == 0) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 1) return String.format(Locale.ROOT, "%.2f", v);
        if (a >= 0.01) return String.format(Locale.ROOT, "%.3f", v);
        return String.format(Locale.ROOT, "%.2g", v);
    }

    static String percent(double share) {
        return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * share);
    }
}
