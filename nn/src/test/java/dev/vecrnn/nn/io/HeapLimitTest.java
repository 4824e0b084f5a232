package dev.vecrnn.nn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sizes are known before anything is allocated: {@link Npy#readHeader} gives an array's shape, dtype and
 * byte size without reading its data, and the readers and conversions refuse, naming the file and the
 * bytes, what could never fit the Java heap, instead of ending in an OutOfMemoryError. The files are
 * sparse: a 2 GB array costs no disk.
 */
class HeapLimitTest {

    @TempDir
    Path dir;

    /** A valid .npy (version 1.0) of {@code descr} and {@code shape} whose data are zeros, written sparse. */
    static Path sparseNpy(Path file, String descr, long elementSize, int... shape) throws IOException {
        String dict = NpyHeader.format(descr, shape);
        int headerLen = dict.length() + 1;
        headerLen += (64 - (10 + headerLen) % 64) % 64;
        ByteBuffer head = ByteBuffer.allocate(10 + headerLen).order(ByteOrder.LITTLE_ENDIAN);
        head.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) headerLen).put(dict.getBytes(StandardCharsets.US_ASCII));
        while (head.position() < head.limit() - 1) head.put((byte) ' ');
        head.put((byte) '\n');
        long count = 1;
        for (int d : shape) count *= d;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(head.array());
            f.setLength(head.capacity() + count * elementSize);
        }
        return file;
    }

    @Test
    void readHeaderGivesShapeDtypeAndBytesOfATwoGigabyteArrayWithoutReadingIt() throws IOException {
        int n = 536_870_909; // 4 n = 2,147,483,636 bytes, just under the largest Java array
        Path f = sparseNpy(dir.resolve("big.npy"), "<f4", 4, n);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        mx.setThreadAllocatedMemoryEnabled(true);
        long before = mx.getCurrentThreadAllocatedBytes();
        assertTrue(before >= 0, "the JVM counts allocations");
        Npy.Header h = Npy.readHeader(f);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1 << 20, () -> "readHeader allocated " + allocated + " bytes");
        assertEquals(DType.F32, h.dtype());
        assertArrayEquals(new int[] {n}, h.shape());
        assertEquals(n, h.elementCount());
        assertEquals(2_147_483_636L, h.payloadBytes());
        assertEquals(Files.size(f) - 2_147_483_636L, h.dataOffset());
        assertEquals(0, h.dataOffset() % 64, "NumPy aligns the data to 64 bytes");

        long max = Runtime.getRuntime().maxMemory();
        assumeTrue(max < h.payloadBytes(), "this JVM's heap could hold the array; the refusal is tested in a small one below");
        ModelFileException e = assertThrows(ModelFileException.class, () -> Npy.read(f));
        assertEquals(f + ": data: expected at most " + max + " bytes (the Java heap's maximum; raise it with -Xmx), got 2147483636 bytes"
                + " to allocate", e.getMessage());
    }

    @Test
    void readHeaderRefusesWhatReadRefuses() throws IOException {
        Path f = sparseNpy(dir.resolve("short.npy"), "<f4", 4, 3, 5);
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(r.length() - 4);
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> Npy.readHeader(f));
        assertTrue(e.getMessage().contains("the file has 56 data bytes after the header, but shape [3, 5] of <f4 needs 60"), e.getMessage());
        Path g = sparseNpy(dir.resolve("huge.npy"), "<f8", 8, 1 << 30);
        e = assertThrows(ModelFileException.class, () -> Npy.readHeader(g));
        assertTrue(e.getMessage().contains("8589934592 data bytes exceed the limit of 2147483639 per array"), e.getMessage());
    }

    private static final String HEAP = "-Xmx48m";

    /** In a JVM with a 48 MiB heap, every read and conversion larger than that is refused by name, not by OutOfMemoryError. */
    @Test
    void readsAndConversionsLargerThanTheHeapAreRefusedBeforeTheyAllocate() throws Exception {
        Path f32 = sparseNpy(dir.resolve("f32.npy"), "<f4", 4, 20_000_000);      // 80 MB of data
        Path i8 = sparseNpy(dir.resolve("i8.npy"), "|i1", 1, 16_000_000);        // 16 MB; as ints 64 MB
        Path f16 = sparseNpy(dir.resolve("f16.npy"), "<f2", 2, 14_000_000);      // 28 MB; as floats 56 MB
        Path st = dir.resolve("big.safetensors");
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[15000000],\"data_offsets\":[0,60000000]}}";
        try (RandomAccessFile r = new RandomAccessFile(st.toFile(), "rw")) {
            r.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length()).array());
            r.write(header.getBytes(StandardCharsets.US_ASCII));
            r.setLength(8 + header.length() + 60_000_000L);
        }
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), HEAP,
                "-cp", System.getProperty("java.class.path"), HeapLimitTest.class.getName(),
                f32.toString(), i8.toString(), f16.toString(), st.toString());
        Path log = Files.createTempFile(dir, "child", ".txt");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = child.waitFor(2, TimeUnit.MINUTES);
        if (!finished) child.destroyForcibly().waitFor();
        String out = Files.readString(log);
        assertTrue(finished, () -> "the small-heap JVM did not finish:\n" + out);
        assertEquals(0, child.exitValue(), () -> "the small-heap JVM failed:\n" + out);
        String max = out.lines().filter(l -> l.startsWith("MAX ")).findFirst().orElseThrow().substring(4);
        String limit = ": expected at most " + max + " bytes (the Java heap's maximum; raise it with -Xmx), got ";
        List<String> want = List.of(
                "Npy.read " + f32 + ": data" + limit + "80000000 bytes to allocate",
                "toInts " + i8 + ": 'i8.npy' as toInts()" + limit + "64000000 bytes to allocate",
                "toLongs " + i8 + ": 'i8.npy' as toLongs()" + limit + "128000000 bytes to allocate",
                "toFloats " + f16 + ": 'f16.npy' as toFloats()" + limit + "56000000 bytes to allocate",
                "toDoubles " + f16 + ": 'f16.npy' as toDoubles()" + limit + "112000000 bytes to allocate",
                "toTensor " + f16 + ": 'f16.npy' as toFloats()" + limit + "56000000 bytes to allocate",
                "SafeTensors.read " + st + ": tensor data" + limit + "60000000 bytes to allocate");
        assertEquals(want, out.lines().filter(l -> !l.startsWith("MAX ")).toList(), out);
    }

    /** In the small-heap JVM: each attempt's refusal, as "what message", or "what ALLOCATED". Arguments: the four files. */
    public static void main(String[] args) throws IOException {
        System.out.println("MAX " + Runtime.getRuntime().maxMemory());
        List<String> lines = new ArrayList<>();
        attempt(lines, "Npy.read", () -> Npy.read(Path.of(args[0])));
        TensorData i8 = Npy.read(Path.of(args[1]));
        attempt(lines, "toInts", i8::toInts);
        attempt(lines, "toLongs", i8::toLongs);
        i8 = null;
        TensorData f16 = Npy.read(Path.of(args[2]));
        attempt(lines, "toFloats", f16::toFloats);
        attempt(lines, "toDoubles", f16::toDoubles);
        attempt(lines, "toTensor", f16::toTensor);
        attempt(lines, "SafeTensors.read", () -> SafeTensors.read(Path.of(args[3])));
        lines.forEach(System.out::println);
    }

    private interface Attempt {
        Object run() throws IOException;
    }

    private static void attempt(List<String> lines, String what, Attempt a) throws IOException {
        try {
            a.run();
            lines.add(what + " ALLOCATED");
        } catch (ModelFileException refused) {
            lines.add(what + " " + refused.getMessage());
        } catch (OutOfMemoryError oom) {
            lines.add(what + " OutOfMemoryError");
        }
    }
}
