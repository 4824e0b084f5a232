package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForecastCommandTest {

    static double rmse(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s+(\\S+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void bundledSeriesBeatsBothBaselinesAndDrawsAPlot(@TempDir Path dir) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        int code;
        try {
            code = Main.run("forecast", "--epochs", "15", "--png", dir.resolve("f.png").toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        assertEquals(0, code, out);
        assertTrue(Files.size(dir.resolve("f.png")) > 1000);
        double lstm = rmse(out, "LSTM"), seasonal = rmse(out, "seasonal naive"), naive = rmse(out, "naive");
        assertTrue(lstm < seasonal && lstm < naive, out);
    }

    /**
     * The error table took four decimals in columns ten wide: a series of order 1e-6 printed RMSE 0.0000 for the
     * LSTM and both baselines alike, and one of order 1e6 ran its columns together ("160384.7993 128911.1537").
     * Small figures are in scientific notation, and each column is as wide as its widest figure.
     */
    @Test
    void theErrorTableKeepsTinyErrorsAndWideColumns() {
        // errors: 3e-7 and -1e-7 -> RMSE sqrt(5e-14), MAE 2e-7, MAPE 100 * (3e-7/1e-6 + 1e-7/2e-6) / 2 = 17.5
        String tiny = ForecastCommand.table(new String[] {"LSTM"}, new double[][] {{1.3e-6, 1.9e-6}}, new double[] {1e-6, 2e-6}, true);
        assertTrue(tiny.contains(String.format(java.util.Locale.ROOT, "%.4e %.4e", Math.sqrt(5e-14), 2e-7)), tiny);
        assertTrue(tiny.contains("17.5000"), tiny);
        String wide = ForecastCommand.table(new String[] {"LSTM", "naive"}, new double[][] {{1_160_384.5, 2e6}, {0, 0}},
                new double[] {1e6, 2e6}, true);
        List<String> lines = wide.lines().toList();
        assertEquals(3, lines.size(), wide);
        assertTrue(lines.stream().allMatch(l -> l.length() == lines.get(0).length()), "rows of one width:\n" + wide);
        assertTrue(lines.get(1).matches("LSTM +113408\\.9675 +80192\\.2500 +8\\.0192"), wide);
        assertTrue(lines.get(0).endsWith("MAPE %") && lines.get(2).endsWith("100.0000"), wide);
        String zero = ForecastCommand.table(new String[] {"naive"}, new double[][] {{1}}, new double[] {0}, false);
        assertTrue(zero.lines().toList().get(1).endsWith(" n/a"), zero);
    }

    /**
     * A spreadsheet's export separated by semicolons was refused as having "no such column (columns: 'date;value')",
     * and a line missing the column's field as "got ''", as if the value were blank: the first says the file's
     * separator is not a comma, the second that the line has too few fields.
     */
    @Test
    void anotherSeparatorAndAShortLineAreNamed(@TempDir Path dir) throws Exception {
        StringBuilder semi = new StringBuilder("date;value\n"), tabs = new StringBuilder("date\tvalue\n"), shortLine = new StringBuilder("date,value\n");
        for (int i = 0; i < 120; i++) {
            semi.append(i).append(";1,5\n");
            tabs.append(i).append("\t1.5\n");
            shortLine.append(i).append(i == 30 ? "\n" : ",1.5\n");
        }
        Files.writeString(dir.resolve("semi.csv"), semi);
        Files.writeString(dir.resolve("tabs.csv"), tabs);
        Files.writeString(dir.resolve("short.csv"), shortLine);
        String png = dir.resolve("p.png").toString();
        ContractTest.run("forecast", "--csv", dir.resolve("semi.csv").toString(), "--column", "value", "--png", png)
                .refused("--column value", "semi.csv", "no such column", "one field holding ';'", "separated by commas");
        ContractTest.run("forecast", "--csv", dir.resolve("tabs.csv").toString(), "--column", "value", "--png", png)
                .refused("--column value", "tabs.csv", "one field holding tabs");
        ContractTest.run("forecast", "--csv", dir.resolve("short.csv").toString(), "--column", "value", "--png", png)
                .refused("short.csv", "line 32, column value", "no field there (the line has 1 field, the header 2)");
        assertFalse(Files.exists(dir.resolve("p.png")));
        assertEquals("", ForecastCommand.otherSeparator(List.of("date", "value;x")));
    }

    @Test
    void badCsvIsOneClearError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("s.csv"), "t,v\n1,2.0\n2,oops\n");
        assertEquals(2, Main.run("forecast", "--csv", dir.resolve("s.csv").toString(), "--column", "v",
                "--png", dir.resolve("p.png").toString()));
        assertEquals(2, Main.run("forecast", "--csv", dir.resolve("s.csv").toString(), "--column", "nope"));
        assertTrue(!Files.exists(dir.resolve("p.png")));
    }

    /**
     * A blank line (or a byte order mark) before the header is skipped, as blank lines between rows are: it
     * was read as an empty header ("has no such column (columns: )"). A value beyond float32's range is
     * refused naming its line (it trained as infinity and printed 38-digit errors).
     */
    @Test
    void aBlankFirstLineIsSkippedAndAnOverflowingValueRefused(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("\uFEFF\n \nt,v\n");
        for (int i = 0; i < 120; i++) csv.append(i).append(',').append(Math.sin(i / 5.0)).append('\n');
        Files.writeString(dir.resolve("ok.csv"), csv);
        assertEquals(0, ContractTest.run("forecast", "--csv", dir.resolve("ok.csv").toString(), "--column", "v", "--epochs", "1",
                "--png", dir.resolve("p.png").toString()).code());
        Files.writeString(dir.resolve("big.csv"), csv.toString().replace("\n7,", "\n7,1e39,").replace("1e39," + Math.sin(7 / 5.0), "1e39"));
        ContractTest.run("forecast", "--csv", dir.resolve("big.csv").toString(), "--column", "v", "--epochs", "1",
                "--png", dir.resolve("q.png").toString()).refused("--csv", "line 11", "1e39");
        assertTrue(!Files.exists(dir.resolve("q.png")));
    }

    /**
     * A header naming the chosen column twice picked the last of them; a row with more fields than the header
     * was read as if it fitted; an all-zero series printed a MAPE (a zero true value made it ~1e9, or ~0 for
     * an exact forecast), which is undefined where a true value is zero.
     */
    @Test
    void anAmbiguousColumnAndARowTooWideAreRefusedAndMapeOfZerosIsNotApplicable(@TempDir Path dir) throws Exception {
        StringBuilder dup = new StringBuilder("t,v,v\n"), wide = new StringBuilder("t,v\n"), zeros = new StringBuilder("t,v\n");
        for (int i = 0; i < 60; i++) {
            dup.append(i).append(',').append(Math.sin(i / 5.0)).append(",9\n");
            wide.append(i).append(',').append(Math.sin(i / 5.0)).append(i == 10 ? ",7\n" : "\n");
            zeros.append(i).append(",0\n");
        }
        Files.writeString(dir.resolve("dup.csv"), dup);
        Files.writeString(dir.resolve("wide.csv"), wide);
        Files.writeString(dir.resolve("zeros.csv"), zeros);
        String[] small = {"--epochs", "1", "--hidden", "2", "--window", "8", "--horizon", "6", "--season", "3"};
        ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("dup.csv").toString(), "--column", "v",
                "--png", dir.resolve("p.png").toString()}, small)).refused("--column v: --csv " + dir.resolve("dup.csv")
                + " has two columns of that name (line 1, 0-based indexes 1 and 2); give the index of the one to forecast");
        assertEquals(0, ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("dup.csv").toString(), "--column", "1",
                "--png", dir.resolve("p.png").toString()}, small)).code());
        ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("wide.csv").toString(), "--column", "v",
                "--png", dir.resolve("q.png").toString()}, small)).refused("--csv " + dir.resolve("wide.csv") + ": line 12: 3 fields, expected at most the header's 2");
        assertTrue(!Files.exists(dir.resolve("q.png")));
        ContractTest.Result r = ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("zeros.csv").toString(), "--column", "v",
                "--png", dir.resolve("z.png").toString()}, small));
        assertEquals(0, r.code(), r.err());
        for (String name : new String[] {"LSTM", "naive", "seasonal naive"}) {
            assertTrue(Pattern.compile("(?m)^" + name + "\\s+\\S+\\s+\\S+\\s+n/a$").matcher(r.out()).find(), r.out());
        }
        assertTrue(r.out().contains("MAPE n/a: the held-back truth has a zero, and MAPE divides by the true value"), r.out());
    }

    /**
     * A cell is read as a decimal number: Java's own spellings, hexadecimal ("0x1p3", read as 8) or with a type
     * suffix ("12.5f", "3d"), were taken as numbers; they are refused naming the line and cell, as Python's float()
     * refuses them; so was a NUL before or after a number (trim() dropped it). Signs, a leading or trailing point,
     * exponents and spaces around still read.
     */
    @Test
    void onlyDecimalNumbersAreValues(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("t,v\n");
        String[] forms = {"+1.5", "-.5", "2.", "1e-3", "4E+2", " 7 "};
        for (int i = 0; i < 60; i++) csv.append(i).append(',').append(i < forms.length ? forms[i] : Double.toString(Math.sin(i / 5.0))).append('\n');
        Files.writeString(dir.resolve("ok.csv"), csv);
        String[] small = {"--column", "v", "--epochs", "1", "--hidden", "2", "--window", "8", "--horizon", "6", "--season", "3"};
        assertEquals(0, ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("ok.csv").toString(),
                "--png", dir.resolve("ok.png").toString()}, small)).code());
        for (String bad : new String[] {"0x1p3", "12.5f", "3d", "1_000", "0x10", "\u00001.5", "1.5\u0000"}) {
            Files.writeString(dir.resolve("bad.csv"), csv.toString().replace("\n9,", "\n9," + bad + "\n99,"));
            ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("bad.csv").toString(),
                    "--png", dir.resolve("bad.png").toString()}, small)).refused("--csv", "line 11", bad.replace("\u0000", "\\x00"));
            assertFalse(Files.exists(dir.resolve("bad.png")), bad);
        }
    }

    private static final String[] SMALL = {"--epochs", "1", "--hidden", "2", "--window", "8", "--horizon", "6", "--season", "3"};

    private static double metric(String out, String name, int col) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s+(\\S+)\\s+(\\S+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(col));
    }

    /**
     * RFC 4180 quoting, as pandas' {@code to_csv(quoting=csv.QUOTE_NONNUMERIC)} and Python's csv module with
     * QUOTE_ALL and \r\n write it: a quoted column name holding a comma ("load, MW") or a doubled quote
     * (temp "C"), quoted numbers, an empty quoted field, a newline inside quotes. Every field was split at
     * every comma, so no such column was found. The baselines printed depend only on the values read; the
     * expected ones are pandas' reading of the same files (scripts/make_csv_fixtures.py).
     */
    @Test
    void quotedFieldsAreReadAsPandasReadsThem(@TempDir Path dir) throws Exception {
        Path res = Path.of(ForecastCommandTest.class.getResource("/csv/expected.tsv").toURI()).getParent();
        List<String> rows = Files.readAllLines(res.resolve("expected.tsv")).stream().filter(l -> !l.startsWith("#")).toList();
        assertEquals(2, rows.size());
        for (String row : rows) {
            String[] e = row.split("\t");
            ContractTest.Result r = ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", res.resolve(e[0]).toString(),
                    "--column", e[1], "--png", dir.resolve(e[0] + ".png").toString()}, SMALL));
            assertEquals(0, r.code(), e[0] + ": " + r.err());
            assertTrue(r.out().contains("series: " + e[2] + " values, 6 held back"), r.out());
            // printed with 4 decimals
            assertEquals(Double.parseDouble(e[3]), metric(r.out(), "naive", 1), 6e-5, e[0]);
            assertEquals(Double.parseDouble(e[4]), metric(r.out(), "naive", 2), 6e-5, e[0]);
            assertEquals(Double.parseDouble(e[5]), metric(r.out(), "seasonal naive", 1), 6e-5, e[0]);
            assertEquals(Double.parseDouble(e[6]), metric(r.out(), "seasonal naive", 2), 6e-5, e[0]);
        }
    }

    /**
     * A --column the header lacks is refused listing the columns quoted, one by one: a name holding a comma
     * ("load, MW") was listed bare, as "date, load, MW", three columns to the eye.
     */
    @Test
    void anUnknownColumnListsTheNamesQuoted(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("c.csv"), "date,\"load, MW\"\n1,2\n2,3\n");
        ContractTest.run("forecast", "--csv", dir.resolve("c.csv").toString(), "--column", "load",
                "--png", dir.resolve("p.png").toString()).refused("--column load", "(columns: 'date', 'load, MW')");
        assertTrue(!Files.exists(dir.resolve("p.png")));
    }

    /**
     * Header names were trimmed, so "price" took the column " price", where pandas' read_csv keeps the name as the file
     * has it and df["price"] is a KeyError. The name must match exactly; where only one with other spaces around it does,
     * the refusal names it and its index, nothing is written, and the name with its spaces (or the index) is taken.
     */
    @Test
    void aColumnNameMatchesOnlyAsTheHeaderHasIt(@TempDir Path dir) throws Exception {
        StringBuilder spaced = new StringBuilder("t, price\n"), both = new StringBuilder("t,price, price\n");
        for (int i = 0; i < 60; i++) {
            spaced.append(i).append(',').append(Math.sin(i / 5.0)).append('\n');
            both.append(i).append(',').append(Math.sin(i / 5.0)).append(",n/a\n");   // " price" holds no numbers
        }
        Files.writeString(dir.resolve("spaced.csv"), spaced);
        Files.writeString(dir.resolve("both.csv"), both);
        String png = dir.resolve("p.png").toString();
        ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("spaced.csv").toString(), "--column", "price",
                "--png", png}, SMALL)).refused("--column 'price': --csv " + dir.resolve("spaced.csv") + " has no column of that name; did you mean"
                + " ' price' (index 1)? The header's names keep the spaces around them");
        assertFalse(Files.exists(dir.resolve("p.png")));
        ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("both.csv").toString(), "--column", "price ",
                "--png", png}, SMALL)).refused("--column 'price ':", "did you mean 'price' (index 1) or ' price' (index 2)?");
        for (String column : new String[] {" price", "1"}) {
            ContractTest.Result r = ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("spaced.csv").toString(),
                    "--column", column, "--png", png, "--overwrite"}, SMALL));
            assertEquals(0, r.code(), column + ": " + r.err());
        }
        // the exact name wins over one with spaces: column 1, not the column of text beside it
        ContractTest.Result r = ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", dir.resolve("both.csv").toString(),
                "--column", "price", "--png", png, "--overwrite"}, SMALL));
        assertEquals(0, r.code(), r.err());
    }

    /**
     * What RFC 4180 does not allow, and Python's csv module with strict=True refuses, is refused naming the
     * file, the line and what was expected: a quote never closed, text after a closing quote.
     */
    @Test
    void malformedQuotingIsRefusedNamingTheLine(@TempDir Path dir) throws Exception {
        List<String> lines = new java.util.ArrayList<>(List.of("\"t\",\"v\""));
        for (int i = 0; i < 60; i++) lines.add(i + ",\"" + Math.sin(i / 5.0) + "\"");
        Path f = dir.resolve("q.csv");
        // the line replaced (1 is the header), what replaces it, the refusal after "--csv FILE: "
        Object[][] cases = {
                // a quote left open closes at the next line's first quote, as Python's csv module reads it
                {11, "9,\"1.5", "line 12: text after the closing quote of field 2, a quoted field opened on line 11; expected a comma"},
                {11, "9,\"1.5\"x", "line 11: text after the closing quote of field 2; expected a comma or the end of the line"},
                {11, "9,\"1.5\" ,\"7\"", "line 11: text after the closing quote of field 2"},
                {1, "\"t\"\"\"v\"", "line 1: text after the closing quote of field 1"},
                {61, "59,\"1.5", "line 61: a quoted field opened on this line is never closed; expected a closing '\"'"},
        };
        for (Object[] c : cases) {
            List<String> bad = new java.util.ArrayList<>(lines);
            bad.set((Integer) c[0] - 1, (String) c[1]);
            Files.writeString(f, String.join("\n", bad) + "\n");
            ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", f.toString(), "--column", "v",
                    "--png", dir.resolve("q.png").toString()}, SMALL)).refused("--csv " + f + ": " + c[2]);
            assertFalse(Files.exists(dir.resolve("q.png")), (String) c[1]);
        }
        // the same file well quoted reads
        Files.writeString(f, String.join("\n", lines) + "\n");
        assertEquals(0, ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", f.toString(), "--column", "v",
                "--png", dir.resolve("q.png").toString()}, SMALL)).code());
    }

    /**
     * A CSV with bytes that are not UTF-8 (a Latin-1 file, here in a column not forecast) was decoded with
     * replacement characters and read; pandas' read_csv raises UnicodeDecodeError. It is refused naming the
     * file, the byte offset and the line.
     */
    @Test
    void bytesThatAreNotUtf8AreRefused(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("t,v,place\n");
        for (int i = 0; i < 60; i++) csv.append(i).append(',').append(Math.sin(i / 5.0)).append(i == 3 ? ",Z\u00fcrich\n" : ",Bern\n");
        Path f = dir.resolve("latin1.csv");
        byte[] bytes = csv.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(f, bytes);
        int at = csv.indexOf("\u00fc");
        ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", f.toString(), "--column", "v",
                "--png", dir.resolve("u.png").toString()}, SMALL)).refused("--csv " + f + ": expected UTF-8 text", "byte offset " + at, "line 5");
        assertFalse(Files.exists(dir.resolve("u.png")));
        // the same text as UTF-8 reads
        Files.writeString(f, csv);
        assertEquals(0, ContractTest.run(ContractTest.append(new String[] {"forecast", "--csv", f.toString(), "--column", "v",
                "--png", dir.resolve("u.png").toString()}, SMALL)).code());
    }
}
