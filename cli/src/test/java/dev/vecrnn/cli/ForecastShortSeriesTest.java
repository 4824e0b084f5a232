package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * forecast asked for --window + --season + 2 values of history where training needs --window + 2: the seasonal-naive
 * baseline, a comparison printed beside the model that reads one season back, was counted as if the model needed it,
 * so 62-73 values with the defaults (window 36, season 12, horizon 24) were refused though the model could run. The
 * history needs only what training needs; where it is shorter than --season's default the baseline is left out and the
 * output says so, and a --season given that the history cannot hold is refused, as an option that cannot be honoured.
 */
class ForecastShortSeriesTest {

    /** A header and {@code n} values of a trend with a 12-step season, written with 6 decimals; returns the values written. */
    private static double[] series(Path csv, int n) throws Exception {
        StringBuilder sb = new StringBuilder("t,v\n");
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            String cell = String.format(Locale.ROOT, "%.6f", 300 + 0.1 * i + 2 * Math.sin(2 * Math.PI * i / 12));
            v[i] = Double.parseDouble(cell);
            sb.append(i).append(',').append(cell).append('\n');
        }
        Files.writeString(csv, sb);
        return v;
    }

    @Test
    void aSeriesLongEnoughToTrainOnIsForecast(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("s.csv"), png = dir.resolve("f.png");
        double[] v = series(csv, 62);
        ContractTest.Result r = ContractTest.run("forecast", "--csv", csv.toString(), "--column", "v", "--epochs", "1", "--hidden", "2",
                "--png", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("series: 62 values, 24 held back; trained on 1 window of 36 steps"), r.out());
        // the baselines from the values written: the last of the 38 of history, and the value a season (12) before each step
        double naive = 0, seasonal = 0;
        for (int h = 0; h < 24; h++) {
            naive += Math.pow(v[37] - v[38 + h], 2);
            seasonal += Math.pow(v[38 - 12 + h % 12] - v[38 + h], 2);
        }
        assertEquals(Math.sqrt(naive / 24), ForecastCommandTest.rmse(r.out(), "naive"), 6e-5, r.out());
        assertEquals(Math.sqrt(seasonal / 24), ForecastCommandTest.rmse(r.out(), "seasonal naive"), 6e-5, r.out());
        assertTrue(Files.size(png) > 0);

        series(csv, 61);
        ContractTest.run("forecast", "--csv", csv.toString(), "--column", "v", "--epochs", "1", "--hidden", "2", "--png", dir.resolve("g.png").toString())
                .refused("--csv " + csv, "61 values leave too little history for --window 36 and --horizon 24 (expected at least 62 values");
        assertFalse(Files.exists(dir.resolve("g.png")));
    }

    @Test
    void aHistoryShorterThanTheDefaultSeasonRunsWithoutItsBaseline(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("s.csv");
        double[] v = series(csv, 15);
        String[] args = {"forecast", "--csv", csv.toString(), "--column", "v", "--epochs", "1", "--hidden", "2", "--window", "4", "--horizon", "6",
                "--png", dir.resolve("f.png").toString()};
        ContractTest.Result r = ContractTest.run(args);
        assertEquals(0, r.code(), r.err());
        assertFalse(Pattern.compile("(?m)^seasonal naive +\\d").matcher(r.out()).find(), "no seasonal-naive row: " + r.out());
        assertTrue(r.out().contains("seasonal naive n/a: the history holds 9 values, less than a season (--season 12, its default)"), r.out());
        double naive = 0;
        for (int h = 0; h < 6; h++) naive += Math.pow(v[8] - v[9 + h], 2);
        assertEquals(Math.sqrt(naive / 6), ForecastCommandTest.rmse(r.out(), "naive"), 6e-5, r.out());

        ContractTest.run(ContractTest.append(args, "--season", "12", "--overwrite"))
                .refused("--season 12: --csv " + csv + " has 9 values of history before the --horizon 6 held back", "leave --season out");
        r = ContractTest.run(ContractTest.append(args, "--season", "9", "--overwrite"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Pattern.compile("(?m)^seasonal naive +\\d").matcher(r.out()).find(), r.out());
    }
}
