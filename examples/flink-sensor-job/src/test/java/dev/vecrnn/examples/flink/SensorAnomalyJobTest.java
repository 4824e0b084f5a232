package dev.vecrnn.examples.flink;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
        var e = assertThrows(IllegalArgumentException.class, () -> SensorAnomalyJob.main(new String[] {"--devise", "3"}));
        assertTrue(e.getMessage().contains("--devise"), e.getMessage());
    }
}
