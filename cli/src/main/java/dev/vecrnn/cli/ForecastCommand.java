package dev.vecrnn.cli;

import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Trainer;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn forecast}: an LSTM on one CSV column. It learns the series' standardised first
 * differences from windows of the history, forecasts the horizon step by step (feeding its own
 * predictions back), and reports RMSE, MAE and MAPE against the held-back truth, next to the naive
 * (last value) and seasonal-naive (value one season earlier) baselines; a PNG shows history, forecast
 * and truth. Without --csv it uses the bundled Mauna Loa CO2 series (public domain, data/README.md).
 */
@Command(name = "forecast", mixinStandardHelpOptions = true, defaultValueProvider = ForecastCommand.Defaults.class,
        description = "Forecast a CSV column with an LSTM; compare with the naive and seasonal-naive baselines; draw a PNG.")
final class ForecastCommand implements Callable<Integer> {
    @Option(names = "--csv", paramLabel = "FILE", description = "a CSV file with a header row (default: the bundled Mauna Loa CO2 series)") Path csv;
    @Option(names = "--column", defaultValue = "co2_ppm", description = "the column to forecast, by its name exactly as the header has it (spaces around it included, as pandas' read_csv keeps them)"
            + " or its 0-based index (default ${DEFAULT-VALUE})") String column;
    @Option(names = "--horizon", defaultValue = "24", description = "the steps held back and forecast (default ${DEFAULT-VALUE})") int horizon;
    @Option(names = "--season", defaultValue = "12", description = "season length for the seasonal-naive baseline (default ${DEFAULT-VALUE})") int season;
    @Option(names = "--window", defaultValue = "36", description = "steps of history per training example (default ${DEFAULT-VALUE})") int window;
    @Option(names = "--hidden", defaultValue = "48", description = "LSTM hidden size (default ${DEFAULT-VALUE})") int hidden;
    @Mixin TrainingOptions.Epochs epochs;
    @Mixin TrainingOptions.LearningRate lr;
    @Mixin TrainingOptions.Seed seed;
    @Option(names = "--png", defaultValue = "forecast.png", converter = Main.OutputFile.class, description = "where the plot goes (default ${DEFAULT-VALUE})") Path png;
    @Option(names = "--overwrite", description = "replace the --png file if it exists") boolean overwrite;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    static final class Defaults extends TrainingOptions.Defaults {
        Defaults() {
            super("--epochs", "40", "--lr", "0.005", "--seed", "0");
        }
    }

    @Override
    public Integer call() throws Exception {
        Check.atLeast("--horizon", horizon, 1);
        Check.atLeast("--season", season, 1);
        Check.atLeast("--window", window, 1);
        Check.atLeast("--hidden", hidden, 1);
        epochs.get();
        lr.get();
        try (Outputs outs = new Outputs(overwrite).inputs(csv)) {
            Path target = outs.declare("--png", png);
            forecast(outs, target);
        }
        return 0;
    }

    private void forecast(Outputs outs, Path target) throws Exception {
        double[] series = read();
        int n = series.length;
        // the training windows and the seasonal-naive baseline read the history only, never the held-back truth
        String source = csv == null ? "the bundled series" : "--csv " + csv;
        if ((long) n - horizon < (long) window + 2) {
            throw new IllegalArgumentException(source + ": " + n + " values leave too little history for --window " + window + " and --horizon " + horizon
                    + " (expected at least " + ((long) window + 2 + horizon) + " values: a window of differences and the one after it to learn from)");
        }
        // the seasonal-naive baseline is a comparison beside the model: a history shorter than --season's default runs without
        // it, saying so; a --season given is refused, as an option that cannot be honoured
        boolean seasonal = (long) n - horizon >= season;
        if (!seasonal && given("--season")) {
            throw new IllegalArgumentException("--season " + season + ": " + source + " has " + (n - horizon) + " values of history before the --horizon "
                    + horizon + " held back, expected at least a season of them for the seasonal-naive baseline (leave --season out to forecast"
                    + " without it)");
        }
        HeapBudget.training(dev.vecrnn.nn.recurrent.CellType.LSTM, 1, hidden, 1, false, 0, 0, 1, "--hidden " + hidden, null, 32, n, window);
        HeapBudget.require(8L * n * window, "--window " + window);
        int hist = n - horizon;
        double[] d = new double[hist - 1];
        for (int i = 1; i < hist; i++) d[i - 1] = series[i] - series[i - 1];
        double mean = 0, sd = 0;
        for (double v : d) mean += v;
        mean /= d.length;
        for (double v : d) sd += (v - mean) * (v - mean);
        sd = Math.max(1e-12, Math.sqrt(sd / d.length));
        float[] z = new float[d.length];
        for (int i = 0; i < d.length; i++) z[i] = (float) ((d[i] - mean) / sd);
        int examples = z.length - window;
        float[] x = new float[examples * window];
        float[] y = new float[examples * window];
        for (int e = 0; e < examples; e++) {
            System.arraycopy(z, e, x, e * window, window);
            System.arraycopy(z, e + 1, y, e * window, window);
        }
        Dataset data = Dataset.regression(x, examples, window, 1, null, y, 1, true);
        int epochs = this.epochs.get();
        double lr = this.lr.get();
        long seed = this.seed.get();
        Model model = Model.builder(1).lstm(hidden).dense(1).seed(seed).build();
        Training.run(() -> new Trainer().epochs(epochs).batchSize(32).seed(seed).clipNorm(1.0).optimizer(ps -> new Adam(ps, lr))
                .onBatch(p -> Progress.bar(p.epoch(), epochs, p.batch(), p.batches(), p.meanLoss())).fit(model, data), Training.STEERING);

        // run through the whole history, then feed the model its own predictions for the horizon
        ModelState state = model.newState();
        float[] in = new float[1], out = new float[1];
        for (float v : z) {
            in[0] = v;
            model.step(in, state, out);
        }
        double[] forecast = new double[horizon];
        double level = series[hist - 1];
        for (int h = 0; h < horizon; h++) {
            level += out[0] * sd + mean;
            forecast[h] = level;
            in[0] = out[0];
            model.step(in, state, out);
        }
        double[] naive = new double[horizon], seasonalNaive = new double[horizon], truth = new double[horizon];
        for (int h = 0; h < horizon; h++) {
            truth[h] = series[hist + h];
            naive[h] = series[hist - 1];
            if (seasonal) seasonalNaive[h] = series[hist - season + (h % season)];
        }
        System.out.printf("series: %d values, %d held back; trained on %s of %s%n", n, horizon, Inputs.count(examples, "window"),
                Inputs.count(window, "step"));
        // MAPE divides by the true value: undefined where one is zero (Keras's epsilon there makes it ~1e9)
        boolean mape = Arrays.stream(truth).noneMatch(v -> v == 0);
        System.out.print(seasonal ? table(new String[] {"LSTM", "naive", "seasonal naive"}, new double[][] {forecast, naive, seasonalNaive}, truth, mape)
                : table(new String[] {"LSTM", "naive"}, new double[][] {forecast, naive}, truth, mape));
        if (!seasonal) {
            System.out.println("seasonal naive n/a: the history holds " + Inputs.count(hist, "value") + ", less than a season (--season " + season
                    + ", its default)");
        }
        if (!mape) System.out.println("MAPE n/a: the held-back truth has a zero, and MAPE divides by the true value");
        plot(series, hist, forecast, outs.stage(target));
        outs.commit();
        System.out.println("plot: " + Main.shown(png));
    }

    /**
     * The RMSE, MAE and MAPE of each forecast against the truth, a row each, as {@link Progress#value} writes figures
     * (a series of order 1e-6 gets 2.4517e-07, not 0.0000), every column as wide as its widest figure (a series of
     * order 1e6 gets figures wider than the headings).
     */
    static String table(String[] names, double[][] forecasts, double[] t, boolean mape) {
        String[][] cells = new String[names.length + 1][];
        cells[0] = new String[] {"", "RMSE", "MAE", "MAPE %"};
        for (int r = 0; r < names.length; r++) {
            double[] p = forecasts[r];
            double se = 0, ae = 0, pe = 0;
            for (int i = 0; i < p.length; i++) {
                double e = p[i] - t[i];
                se += e * e;
                ae += Math.abs(e);
                pe += Math.abs(e / t[i]);
            }
            cells[r + 1] = new String[] {names[r], Progress.value(Math.sqrt(se / p.length)), Progress.value(ae / p.length),
                    mape ? Progress.value(100 * pe / p.length) : "n/a"};
        }
        int[] width = {16, 10, 10, 10};
        for (String[] row : cells) for (int c = 0; c < row.length; c++) width[c] = Math.max(width[c], row[c].length());
        StringBuilder sb = new StringBuilder();
        for (String[] row : cells) {
            sb.append(String.format("%-" + width[0] + "s", row[0]));
            for (int c = 1; c < row.length; c++) sb.append(String.format(" %" + width[c] + "s", row[c]));
            sb.append('\n');
        }
        return sb.toString();
    }

    private void plot(double[] series, int hist, double[] forecast, Path staged) throws Exception {
        int from = Math.max(0, hist - 5 * horizon);
        List<Double> hx = new ArrayList<>(), hy = new ArrayList<>(), tx = new ArrayList<>(), ty = new ArrayList<>(), fx = new ArrayList<>(), fy = new ArrayList<>();
        for (int i = from; i < hist; i++) {
            hx.add((double) i);
            hy.add(series[i]);
        }
        for (int i = hist - 1; i < series.length; i++) {
            tx.add((double) i);
            ty.add(series[i]);
        }
        fx.add((double) (hist - 1));
        fy.add(series[hist - 1]);
        for (int h = 0; h < forecast.length; h++) {
            fx.add((double) (hist + h));
            fy.add(forecast[h]);
        }
        XYChart chart = new XYChartBuilder().width(900).height(450).title("vecrnn forecast: " + column)
                .xAxisTitle("step").yAxisTitle(column).build();
        chart.addSeries("history", hx, hy).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        chart.addSeries("truth", tx, ty).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        chart.addSeries("forecast", fx, fy).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        chart.getStyler().setXAxisDecimalPattern("0");
        Charts.savePng(chart, staged);
    }

    /**
     * Where a header of one field holds a semicolon, a tab or a bar, the file separates its fields with that (a
     * spreadsheet's export in a locale whose decimal mark is a comma, or a TSV): said after the refusal, as the
     * column named is likely among them; empty otherwise.
     */
    static String otherSeparator(List<String> header) {
        if (header.size() != 1) return "";
        for (String sep : new String[] {";", "\t", "|"}) {
            if (header.get(0).contains(sep)) {
                String shown = sep.equals("\t") ? "tabs" : "'" + sep + "'";
                return "; its header is one field holding " + shown + ": forecast reads fields separated by commas, as pandas' read_csv does"
                        + " by default, so convert the file to commas first";
            }
        }
        return "";
    }

    /** Whether the command line named {@code option} (false for a command not made by picocli, which named none). */
    private boolean given(String option) {
        return spec != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The cells pandas' read_csv reads as NaN by default (its na_values), stripped as the cells are. */
    private static final java.util.Set<String> MISSING = java.util.Set.of("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
            "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null");

    /**
     * The chosen column as numbers; a value that is not a number is an error naming its line (a missing one
     * said to be one). The file is read as pandas' {@code read_csv} reads one: UTF-8 (a byte that is not UTF-8
     * is refused), RFC 4180 quoting ({@link Csv}), a byte order mark and blank lines skipped.
     */
    private double[] read() throws Exception {
        String where = csv == null ? "bundled mauna-loa-co2-monthly.csv" : "--csv " + csv;
        String text;
        if (csv != null) {
            Inputs.file("--csv", csv);
            HeapBudget.require(16 * Files.size(csv), "--csv " + csv);
            text = Inputs.utf8("--csv", csv);
        } else {
            try (InputStream in = ForecastCommand.class.getResourceAsStream("/data/mauna-loa-co2-monthly.csv")) {
                if (in == null) throw new IllegalStateException("the bundled series is missing from the jar (rebuild with mvn package)");
                text = Inputs.utf8(where, in.readAllBytes());
            }
        }
        Csv r = new Csv(where, text);
        List<String> names = r.next();
        if (names == null) throw new IllegalArgumentException(where + ": empty file");
        int col = -1;
        // the name exactly as the header holds it, spaces and all, as pandas' read_csv keeps " price" and df["price"] misses it
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).equals(column)) continue;
            if (col >= 0) {
                throw new IllegalArgumentException("--column " + column + ": " + where + " has two columns of that name (line " + r.line()
                        + ", 0-based indexes " + col + " and " + i + "); give the index of the one to forecast");
            }
            col = i;
        }
        if (col < 0 && column.matches("\\d{1,9}")) col = Integer.parseInt(column);
        if (col < 0 || col >= names.size()) {
            // a name that differs only in the spaces around it: named, not taken (pandas' df["price"] is a KeyError for " price")
            StringJoiner near = new StringJoiner(" or ");
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).strip().equals(column.strip())) near.add(dev.vecrnn.nn.io.internal.Untrusted.quote(names.get(i)) + " (index " + i + ")");
            }
            if (near.length() > 0) {
                throw new IllegalArgumentException("--column " + dev.vecrnn.nn.io.internal.Untrusted.quote(column) + ": " + where
                        + " has no column of that name; did you mean " + near + "? The header's names keep the spaces around them, as pandas'"
                        + " read_csv keeps them: pass the name with its spaces, quoted, or its index");
            }
            // quoted one by one, as they are: a name may hold a comma ("load, MW") or spaces around it
            String list = String.join(", ", names.stream().map(dev.vecrnn.nn.io.internal.Untrusted::quote).toList());
            if (list.length() > 200) list = list.substring(0, 200) + "...";
            // --csv without --column: the default is the bundled series' column, which the user never named
            if (csv != null && !given("--column")) {
                throw new IllegalArgumentException("--column: " + where + " has no column " + column + ", --column's default (the bundled series'"
                        + " column); name the column to forecast with --column NAME or its 0-based index (columns: " + list + ")" + otherSeparator(names));
            }
            throw new IllegalArgumentException("--column " + column + ": " + where + " has no such column (columns: " + list + ")"
                    + otherSeparator(names));
        }
        String name = names.get(col);
        List<Double> vals = new ArrayList<>();
        List<String> cells;
        while ((cells = r.next()) != null) {
            if (cells.size() > names.size()) {
                throw new IllegalArgumentException(where + ": line " + r.line() + ": " + cells.size() + " fields, expected at most the header's "
                        + names.size());
            }
            if (col >= cells.size()) {
                throw new IllegalArgumentException(where + ": line " + r.line() + ", column " + name + ": expected a number, got no field there (the line has "
                        + Inputs.count(cells.size(), "field") + ", the header " + names.size() + ")");
            }
            // strip, not trim: trim also drops control characters, and a NUL before a number read as the number
            String cell = cells.get(col).strip();
            try {
                // a decimal number as a CSV holds one: Double.parseDouble alone also took Java's spellings,
                // hexadecimal "0x1p3" (8) and a type suffix "12.5f" or "3d"
                if (!Check.DECIMAL.matcher(cell).matches()) throw new NumberFormatException();
                double v = Double.parseDouble(cell);
                // the model computes in float32: a value beyond its range would train as infinity
                if (!(Math.abs(v) <= Float.MAX_VALUE)) throw new NumberFormatException();
                vals.add(v);
            } catch (NumberFormatException e) {
                // a blank or "NaN" cell is a reading missing from the series, not a malformed number: say so, and what to do
                String gap = MISSING.contains(cell) ? " (a missing value, NaN to pandas' read_csv: forecast takes one value a step, in order,"
                        + " so fill the gap first, e.g. with pandas' interpolate(), or drop the rows before it)" : "";
                throw new IllegalArgumentException(where + ": line " + r.line() + ", column " + name
                        + ": expected a finite number within float32's range, got '" + cell + "'" + gap);
            }
        }
        return vals.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
