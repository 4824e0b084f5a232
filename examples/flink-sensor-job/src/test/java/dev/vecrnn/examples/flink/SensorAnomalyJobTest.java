package dev.vecrnn.examples.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example job end to end on a local MiniCluster, small: it runs, flags readings and catches the spikes. */
class SensorAnomalyJobTest {

    @Test
    void theJobFlagsTheInjectedSpikes() throws Exception {
        PrintStream was = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            SensorAnomalyJob.main(new String[] {"--devices", "12", "--readings", "150", "--parallelism", "2"});
        } finally {
            System.setOut(was);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        Matcher m = Pattern.compile("1,800 readings from 12 devices: (\\d+) flagged, (\\d+) of the (\\d+) injected spikes among them").matcher(out);
        assertTrue(m.find(), out);
        int flagged = Integer.parseInt(m.group(1)), caught = Integer.parseInt(m.group(2)), injected = Integer.parseInt(m.group(3));
        assertTrue(injected > 0, "the data should hold spikes");
        assertEquals(injected, caught, "every injected spike flagged");
        assertTrue(flagged <= 4 * injected + 5, "flagged " + flagged + " for " + injected + " spikes: too many false alarms");
    }

    @Test
    void badOptionsAreRefusedByName() {
        String[][] bad = {{"--devise", "3"}, {"--devices", "abc"}, {"--devices", "0"}, {"--readings", "-1"}, {"--rate", "1.5"},
            {"--parallelism", "0"}, {"--threshold", "NaN"}, {"--threshold", "-1"}, {"--devices"}};
        for (String[] args : bad) {
            var e = assertThrows(IllegalArgumentException.class, () -> SensorAnomalyJob.options(args), String.join(" ", args));
            assertTrue(e.getMessage().startsWith(args[0] + ": expected ") || e.getMessage().startsWith("unknown option " + args[0] + " "),
                    e.getMessage());
        }
        var o = SensorAnomalyJob.options(new String[] {"--devices", "7", "--readings", "0", "--threshold", "0.9"});
        assertEquals(7, o.devices());
        assertEquals(0, o.readings());
        assertEquals(0.9f, o.threshold());
        assertEquals(50, SensorAnomalyJob.options(new String[0]).devices());
    }

    @TempDir
    Path dir;

    /** --model must hold a forecaster of the one reading: another model, or no model, is refused naming the file. */
    @Test
    void aModelFileOfTheWrongShapeOrNoneIsRefusedNamingIt() throws Exception {
        Path two = dir.resolve("two-in.safetensors");
        ModelFile.save(Model.builder(2).lstm(4).dense(1).seed(1).build(), two);
        var e = assertThrows(IllegalArgumentException.class, () -> SensorAnomalyJob.model(two));
        assertTrue(e.getMessage().startsWith(two + ": expected a model of 1 feature in"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> SensorAnomalyJob.model(dir.resolve("missing.safetensors")));
    }

    /** From the command line: one line on stderr naming the option, exit code 2, nothing on stdout. */
    @Test
    void theCommandLineRefusesABadOptionInOneLineWithExitCode2() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SensorAnomalyJob.class.getName(), "--devices", "abc").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), err);
        assertEquals("", out);
        assertEquals("SensorAnomalyJob: --devices: expected a number of devices, at least 1, got 'abc'\n", err);
    }
}
