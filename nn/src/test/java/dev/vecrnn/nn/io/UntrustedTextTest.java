package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.io.internal.Untrusted;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.vecrnn.nn.io.IoFixtures.ascii;
import static dev.vecrnn.nn.io.IoFixtures.concat;
import static dev.vecrnn.nn.io.IoFixtures.put;
import static dev.vecrnn.nn.io.IoFixtures.safetensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text from a file (tensor names, config values, dtype strings, JSON keys, metadata values) reaches an
 * exception message escaped and cut short: a hostile file cannot write control sequences to the terminal
 * or the log that shows the message, nor make it huge.
 */
class UntrustedTextTest {

    /** Clears the screen, then prints a line that looks like the tool's own. */
    private static final String FORGED = "\n\u001b[2Jvecrnn infer: all good";
    private static final String FORGED_ESCAPED = "'\\n\\x1b[2Jvecrnn infer: all good'";

    @TempDir
    Path dir;

    /** No character in {@code message} that a terminal would act on or that reorders or hides text. */
    private static void assertPrintable(String message) {
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            int type = Character.getType(c);
            boolean bad = c < 0x20 || c == 0x7F || type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR || Character.isSurrogate(c);
            if (bad) throw new AssertionError(String.format("U+%04X at index %d of the message: %s", (int) c, i, message));
        }
    }

    private static String refusal(Executable run, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
        String m = e.getMessage();
        assertPrintable(m);
        for (String f : fragments) assertTrue(m.contains(f), () -> "expected \"" + f + "\" in: " + m);
        return m;
    }

    @Test
    void quoteEscapesWhatATerminalWouldActOnAndCutsLongText() {
        assertEquals(FORGED_ESCAPED, Untrusted.quote(FORGED));
        assertEquals("'a\\tb\\rc\\x00d\\x7fe\\u009bf'", Untrusted.quote("a\tb\rc\u0000d\u007fe\u009bf"));
        assertEquals("'line\\u2028para\\u2029'", Untrusted.quote("line\u2028para\u2029"));
        assertEquals("'abc\\u202edcba\\u2066x\\u2069\\u200f\\u061c\\u200b\\ufeff'",
                Untrusted.quote("abc\u202edcba\u2066x\u2069\u200f\u061c\u200b\ufeff"));
        assertEquals("'it\\'s a \\\\ back'", Untrusted.quote("it's a \\ back"));
        assertEquals("'caf\u00e9 \ud83d\ude00 \u4e2d'", Untrusted.quote("caf\u00e9 \ud83d\ude00 \u4e2d"), "printable text is kept as it is");
        assertEquals("'\\ud800x'", Untrusted.quote("\ud800x"), "an unpaired surrogate");
        assertEquals("null", Untrusted.quote(null));
        assertEquals("'" + "a".repeat(80) + "'... (100000 characters)", Untrusted.quote("a".repeat(100_000)));
        assertEquals("'" + "a".repeat(80) + "'", Untrusted.quote("a".repeat(80)));
        // a cut never splits a surrogate pair
        assertEquals("'" + "a".repeat(79) + "'... (81 characters)", Untrusted.quote("a".repeat(79) + "\ud83d\ude00"));
        assertEquals("['a', 'b\\n']", Untrusted.list(List.of("a", "b\n")));
        List<String> many = java.util.stream.IntStream.range(0, 25).mapToObj(i -> "t" + i).toList();
        assertTrue(Untrusted.list(many).endsWith("'t19', ... (5 more)]"), Untrusted.list(many));
        assertEquals("3", Untrusted.describe(3L));
        assertEquals("{k\\x1b=1}", Untrusted.describe(Map.of("k\u001b", 1)));
    }

    @Test
    void aTensorNameWithEscapeSequencesIsQuotedEscaped() throws IOException {
        Path f = dir.resolve("bad-dtype.safetensors");
        Files.write(f, safetensors("{\"\\n\\u001b[2Jvecrnn infer: all good\":{\"dtype\":\"F12\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                new byte[0]));
        refusal(() -> SafeTensors.read(f), "tensor " + FORGED_ESCAPED + ": unknown dtype 'F12'");

        Path g = dir.resolve("missing.safetensors");
        SafeTensors.write(g, Map.of(FORGED, TensorData.floats(new float[1], 1)), null);
        refusal(() -> SafeTensors.read(g).get("w"), "no tensor 'w'; the file holds 1: [" + FORGED_ESCAPED + "]");

        // a model file with one more tensor than its architecture: the loader lists it
        Path m = dir.resolve("m.safetensors");
        ModelFile.save(Model.builder(2).dense(3).seed(1).build(), m);
        SafeTensors.Contents c = SafeTensors.read(m);
        Map<String, Object> tensors = new LinkedHashMap<>(c.tensors());
        tensors.put("layers.0." + FORGED, TensorData.floats(new float[1], 1));
        SafeTensors.write(m, tensors, c.metadata());
        refusal(() -> ModelFile.load(m), "unexpected tensors ['layers.0.\\n\\x1b[2Jvecrnn infer: all good']");
    }

    @Test
    void aConfigTypeWithEscapeSequencesIsQuotedEscaped() throws IOException {
        Path d = dir.resolve("torch");
        PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 4), 1), d);
        Path config = d.resolve(PyTorchFormat.CONFIG);
        Files.writeString(config, "{\"type\": \"\\u001b]0;owned\\u0007LSTM\\r\\n\\u202e\", \"input_size\": 3, \"hidden_size\": 4}");
        refusal(() -> PyTorchFormat.readConfig(config), "got '\\x1b]0;owned\\x07LSTM\\r\\n\\u202e'");
        refusal(() -> PyTorchFormat.read(d), "got '\\x1b]0;owned\\x07LSTM\\r\\n\\u202e'");
        Files.writeString(config, "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": {\"\\u001b[2J\": 1}}");
        refusal(() -> PyTorchFormat.readConfig(config), "'hidden_size' expected a non-negative integer, got {\\x1b[2J=1}");
    }

    @Test
    void dtypeStringsJsonKeysAndMetadataValuesAreQuotedEscaped() throws IOException {
        // a .npy descr may hold DEL: the header grammar allows any ASCII from space up
        String dict = "{'descr': '<f4\u007f', 'fortran_order': False, 'shape': (1,), }";
        byte[] d = dict.getBytes(StandardCharsets.ISO_8859_1);
        byte[] header = concat(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) d.length, 0}, d);
        Path npy = put(dir, "x.npy", concat(header, new byte[4]));
        refusal(() -> Npy.read(npy), "unsupported dtype '<f4\\x7f'");

        Path dtype = put(dir, "dtype.safetensors",
                safetensors("{\"a\":{\"dtype\":\"F32\\u2028F16\",\"shape\":[0],\"data_offsets\":[0,0]}}", new byte[0]));
        refusal(() -> SafeTensors.read(dtype), "unknown dtype 'F32\\u2028F16'");

        refusal(() -> Json.parse("{\"\\u001b[1A\":1,\"\\u001b[1A\":2}"), "duplicate key '\\x1b[1A'");
        Path cfg = put(dir, "c.json", ascii("{\"k\\u0085\":1,\"k\\u0085\":2}"));
        refusal(() -> Json.readObject(cfg, 1024), "duplicate key 'k\\u0085'");

        // metadata: the architecture a model file declares
        Path m = dir.resolve("arch.safetensors");
        SafeTensors.write(m, Map.of("w", TensorData.floats(new float[1], 1)),
                Map.of(ModelFile.ARCHITECTURE_KEY, "{\"input_features\":1,\"layers\":[{\"kind\":\"" + FORGED.replace("\n", "\\n")
                        .replace("\u001b", "\\u001b") + "\"}]}"));
        refusal(() -> ModelFile.load(m), "layer 0 (" + FORGED_ESCAPED + "): unknown layer kind");
    }
}
