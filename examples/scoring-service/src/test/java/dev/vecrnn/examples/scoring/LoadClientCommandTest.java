package dev.vecrnn.examples.scoring;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoadClient as a command: a model it cannot read, or a --url where no service listens, is one line on stderr
 * and exit code 2 (the code of a mismatch, 1, is left to a load that ran and failed).
 */
class LoadClientCommandTest {

    private static String[] run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LoadClient.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {Integer.toString(p.waitFor()), out, err};
    }

    @Test
    void aModelItCannotReadIsOneLineAndExitCode2() throws Exception {
        Path missing = Path.of("target", "no-such-model");
        String[] r = run("--model", missing.toString());
        assertEquals("2", r[0], r[2]);
        assertEquals("", r[1]);
        assertTrue(r[2].startsWith("load-client: " + missing.resolve("config.json")) && r[2].indexOf('\n') == r[2].length() - 1, r[2]);
    }

    @Test
    void aUrlWhereNoServiceListensIsOneLineAndExitCode2() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();   // free now, and nothing listens there once closed
        }
        String url = "http://127.0.0.1:" + port;
        String[] r = run("--model", Http.MODEL.toString(), "--url", url, "--warmup", "0", "--sessions", "1", "--steps", "1");
        assertEquals("2", r[0], r[2]);
        assertEquals("", r[1]);
        assertEquals("load-client: " + url + ": no service answers there (connection refused)\n", r[2]);
    }
}
