package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sample built the whole text in memory and printed it at the end: --length 100000000 (its bound) showed nothing for
 * about ten minutes on a small model, and under {@code | head} it drew every character into a pipe long closed. It
 * now writes the text as it is drawn and stops where the output has failed.
 */
class SampleStreamTest {

    /** A small train-text model in dir/m. */
    static Path model(Path dir) throws Exception {
        Files.writeString(dir.resolve("t.txt"), "ab\r\ncab\tc\r\n".repeat(300));
        assertEquals(0, ContractTest.run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("m").toString(),
                "--hidden", "8", "--embed", "4", "--steps", "16", "--epochs", "1").code());
        return dir.resolve("m");
    }

    @Test
    void aClosedOutputStopsTheSampling(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        long[] offered = {0};
        // a pipe whose reader has gone: every write fails, as the JVM's write to it does (EPIPE)
        OutputStream closed = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                offered[0] += len;
                throw new IOException("Broken pipe");
            }
        };
        PrintStream old = System.out;
        int code;
        System.setOut(new PrintStream(closed, true, StandardCharsets.UTF_8));
        try {
            code = Main.run("sample", "--model", m.toString(), "--length", "2000000");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        // one part offered, then the sampling stops; the whole text was 2,000,000 characters offered at the end
        assertTrue(offered[0] > 0 && offered[0] <= 4L * SampleCommand.CHUNK, "bytes offered: " + offered[0]);
    }

    @Test
    void theTextWrittenInPartsIsTheWholeShownAtOnce(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        // several parts; the text has CRLF line ends, which a part may split between its \r and the next's \n
        String printed = ContractTest.run("sample", "--model", m.toString(), "--length", "20000", "--seed", "3", "--temperature", "1.5").out();
        String whole = SampleCommand.sample(dev.vecrnn.nn.format.ModelFile.load(m.resolve("model.safetensors")), TextModel.load(m), "", 20000,
                1.5, new Random(3));
        assertEquals(SampleCommand.printable(whole) + System.lineSeparator(), printed);

        // a part that ends in \r: with \n first in the next it is a line break, as in one piece; a lone \r stays escaped
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SampleCommand.Shown shown = new SampleCommand.Shown(new PrintStream(buf, true, StandardCharsets.UTF_8));
        String text = "x".repeat(SampleCommand.CHUNK - 1) + "\r\n" + "y".repeat(SampleCommand.CHUNK - 2) + "\r\u001b\r";
        assertTrue(text.codePoints().allMatch(shown));
        shown.end();
        assertEquals(SampleCommand.printable(text) + System.lineSeparator(), buf.toString(StandardCharsets.UTF_8));
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("\r\ny") && buf.toString(StandardCharsets.UTF_8).endsWith("\\r\\x1b\\r" + System.lineSeparator()));
    }

    /**
     * --temperature 0, which llama.cpp and OpenAI's API take for the likeliest token at every step, was refused as any
     * other number out of range: the refusal says how to get that here, a small temperature.
     */
    @Test
    void temperatureZeroSaysHowToSampleGreedily(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        ContractTest.run("sample", "--model", m.toString(), "--temperature", "0").refused("--temperature", "expected a number > 0", "likeliest", "0.01");
    }
}
