package dev.vecrnn.nn.io;

import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builders of hand-made files and assertions on the errors they cause. */
final class IoFixtures {

    private IoFixtures() {
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A safetensors file from a header written by hand (no padding) and raw data. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] h = ascii(header);
        return concat(le64(h.length), h, data);
    }

    static Path put(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /**
     * Asserts that {@code run} throws a ModelFileException whose message holds every fragment, and
     * whose offset is {@code offset} (-2 to skip the check).
     */
    static ModelFileException assertBad(Executable run, long offset, String... fragments) {
        ModelFileException e = assertThrows(ModelFileException.class, run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "expected \"" + f + "\" in: " + e.getMessage());
        }
        if (offset != -2) {
            assertEquals(offset, e.offset(), () -> "offset of: " + e.getMessage());
            if (offset >= 0) assertTrue(e.getMessage().contains("(at byte " + offset + ")"), e::getMessage);
        }
        return e;
    }

    /** Names of files in {@code dir}, sorted. */
    static String listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return String.join(",", s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best-effort cleanup of a temporary directory
        }
    }
}
