package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForecastCommandTest {

    private static double rmse(String out, String name) {
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
}
