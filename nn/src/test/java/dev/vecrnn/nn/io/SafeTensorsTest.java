package dev.vecrnn.nn.io;

import dev.vecrnn.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.vecrnn.nn.io.IoFixtures.ascii;
import static dev.vecrnn.nn.io.IoFixtures.assertBad;
import static dev.vecrnn.nn.io.IoFixtures.concat;
import static dev.vecrnn.nn.io.IoFixtures.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SafeTensorsTest {

    @TempDir
    Path dir;

    /** The bytes of a two-tensor file, worked out by hand from the format description. */
    @Test
    void writesTheExactByteLayoutOfTheFormat() throws IOException {
        Path f = dir.resolve("tiny.safetensors");
        Map<String, Object> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.of(new float[]{1f, -2f}, 2));
        tensors.put("b", TensorData.longs(new long[]{7}));
        SafeTensors.write(f, tensors, Map.of("format", "pt"));

        // 8-byte tensors first (b), then 4-byte ones (a); metadata leads the header.
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        assertEquals(138, header.length());
        byte[] expected = concat(
                new byte[]{(byte) 144, 0, 0, 0, 0, 0, 0, 0},   // 138 padded up to a multiple of 8
                ascii(header), ascii("      "),
                new byte[]{7, 0, 0, 0, 0, 0, 0, 0},            // int64 7
                new byte[]{0, 0, (byte) 0x80, 0x3F},           // float 1.0 = 0x3F800000
                new byte[]{0, 0, 0, (byte) 0xC0});             // float -2.0 = 0xC0000000
        assertArrayEquals(expected, Files.readAllBytes(f));

        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(Map.of("format", "pt"), c.metadata());
        assertEquals(List.of("b", "a"), List.copyOf(c.names()));
        assertEquals(Tensor.of(new float[]{1f, -2f}, 2), c.get("a").toTensor());
        assertArrayEquals(new long[]{7}, c.get("b").toLongs());
        assertArrayEquals(new int[0], c.get("b").shape());
    }

    @Test
    void anEmptyFileHasAPaddedEmptyHeader() throws IOException {
        Path f = dir.resolve("empty.safetensors");
        SafeTensors.write(f, Map.of(), null);
        assertArrayEquals(concat(new byte[]{8, 0, 0, 0, 0, 0, 0, 0}, ascii("{}      ")), Files.readAllBytes(f));
        SafeTensors.Contents c = SafeTensors.read(f);
        assertTrue(c.names().isEmpty());
        assertTrue(c.metadata().isEmpty());
    }

    @Test
    void floatsRoundTripBitForBit() throws IOException {
        int[] bits = {0x7FC00000, 0x7FC00001, 0x7F800001, 0xFFFFFFFF, 0xFF812345, 0x80000000, 0x00000000, 0x00000001,
                0x007FFFFF, 0x807FFFFF, 0x7F800000, 0xFF800000, 0x7F7FFFFF, 0x3F800000};
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) values[i] = Float.intBitsToFloat(bits[i]);
        long[] dbits = {0x7FF8000000000001L, 0x7FF0000000000001L, 0x8000000000000000L, 0x0000000000000001L, 0xFFFFFFFFFFFFFFFFL};
        double[] dvalues = new double[dbits.length];
        for (int i = 0; i < dbits.length; i++) dvalues[i] = Double.longBitsToDouble(dbits[i]);

        Path f = dir.resolve("bits.safetensors");
        SafeTensors.write(f, Map.of("f", Tensor.of(values, 2, 7), "d", TensorData.doubles(dvalues, 5)), Map.of());
        SafeTensors.Contents c = SafeTensors.read(f);
        float[] back = c.get("f").toFloats();
        for (int i = 0; i < bits.length; i++) assertEquals(bits[i], Float.floatToRawIntBits(back[i]), "element " + i);
        ByteBuffer raw = c.get("f").bytes();
        for (int i = 0; i < bits.length; i++) assertEquals(bits[i], raw.getInt(4 * i), "stored element " + i);
        double[] dback = c.get("d").toDoubles();
        for (int i = 0; i < dbits.length; i++) assertEquals(dbits[i], Double.doubleToRawLongBits(dback[i]), "double " + i);
        assertArrayEquals(new int[]{2, 7}, c.get("f").toTensor().shape());
    }

    @Test
    void convertsHalfPrecisionAndDoublesToFloats() {
        TensorData f16 = TensorData.ofBytes(DType.F16, shorts(0x3C00, 0xC000, 0x7C00, 0x0001, 0x8000), 5);
        assertArrayEquals(new float[]{1f, -2f, Float.POSITIVE_INFINITY, 0x1p-24f, -0f}, f16.toFloats());
        TensorData bf16 = TensorData.ofBytes(DType.BF16, shorts(0x3F80, 0xC040, 0x0001, 0xFF80), 2, 2);
        assertArrayEquals(new float[]{1f, -3f, Float.intBitsToFloat(0x00010000), Float.NEGATIVE_INFINITY}, bf16.toFloats());
        assertArrayEquals(new double[]{1, -3, Float.intBitsToFloat(0x00010000), Double.NEGATIVE_INFINITY}, bf16.toDoubles());
        TensorData f64 = TensorData.doubles(new double[]{0.1, 1e300, -1e-300}, 3);
        assertArrayEquals(new float[]{0.1f, Float.POSITIVE_INFINITY, -0f}, f64.toFloats());
        assertEquals(new Tensor(new int[]{2, 2}, bf16.toFloats()), bf16.toTensor());
    }

    @Test
    void convertsIntegersWithRangeChecks() {
        assertArrayEquals(new int[]{-1, 2}, TensorData.longs(new long[]{-1, 2}, 2).toInts());
        assertArrayEquals(new long[]{-1, 255, 0, 1}, concatLongs(
                TensorData.ofBytes(DType.I8, new byte[]{-1}, 1).toLongs(),
                TensorData.ofBytes(DType.U8, new byte[]{-1}, 1).toLongs(),
                TensorData.ofBytes(DType.BOOL, new byte[]{0, 1}, 2).toLongs()));
        assertArrayEquals(new int[]{-32768}, TensorData.ofBytes(DType.I16, new byte[]{0, (byte) 0x80}).toInts());
        assertArrayEquals(new int[]{Integer.MIN_VALUE}, TensorData.ints(new int[]{Integer.MIN_VALUE}).toInts());
        assertBad(() -> TensorData.longs(new long[]{1, 1L << 31}, 2).toInts(), -1, "element 1 is 2147483648, outside the int range");
        assertBad(() -> TensorData.ofBytes(DType.BOOL, new byte[]{2}, 1).toLongs(), -1, "element 0 is 2, not a BOOL");
        assertBad(() -> TensorData.ints(new int[]{1}, 1).toFloats(), -1, "has dtype I32, expected F32, F64, F16 or BF16 (floating point)");
        assertBad(() -> TensorData.floats(new float[]{1}, 1).toInts(), -1, "has dtype F32, expected I64, I32, I16, I8, U8 or BOOL (integers)");
    }

    @Test
    void conversionErrorsOnFileDataNameTheTensorAndTheByte() throws IOException {
        Path f = dir.resolve("ids.safetensors");
        SafeTensors.write(f, Map.of("ids", TensorData.longs(new long[]{0, 5_000_000_000L}, 2)), null);
        // header {"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}} is 57 bytes, padded to 64: data
        // starts at 8 + 64 = 72, element 1 at 80
        assertBad(() -> SafeTensors.read(f).get("ids").toInts(), 80, "'ids': element 1 is 5000000000", f.toString());
    }

    @Test
    void missingTensorsAreNamedAlongsideWhatExists() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, Map.of("weight_ih_l0", Tensor.zeros(2), "bias_ih_l0", Tensor.zeros(1)), null);
        SafeTensors.Contents c = SafeTensors.read(f);
        assertBad(() -> c.get("weight_hh_l0"), -1, "no tensor 'weight_hh_l0'", "holds 2: ['bias_ih_l0', 'weight_ih_l0']");
        assertFalse(c.contains("weight_hh_l0"));
        assertThrows(UnsupportedOperationException.class, () -> c.names().remove("bias_ih_l0"));
        assertThrows(UnsupportedOperationException.class, () -> c.metadata().put("k", "v"));
    }

    @Test
    void metadataRoundTripsWithAnyCharacters() throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("type", "LSTM");
        meta.put("quote\"back\\slash", "line\nbreak\ttab\u0001 é 😀");
        meta.put("", "");
        Path f = dir.resolve("meta.safetensors");
        SafeTensors.write(f, Map.of("é 😀 \"x\"", Tensor.zeros(0, 3)), meta);
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(meta, c.metadata());
        assertArrayEquals(new int[]{0, 3}, c.get("é 😀 \"x\"").shape());
        assertEquals(meta, SafeTensors.metadata(f)); // the header alone
    }

    @Test
    void writeRejectsWhatItCannotStore() {
        Path f = dir.resolve("x.safetensors");
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, Map.of("__metadata__", Tensor.zeros(1)), null));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, Map.of("a", new float[1]), null));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, Map.of(), nullValue));
        assertThrows(IllegalArgumentException.class, () -> TensorData.floats(new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> TensorData.ofBytes(DType.F32, new byte[3], 1));
        assertFalse(Files.exists(f));
    }

    @Test
    void tensorsAreAlignedToTheirElementSize() throws IOException {
        Path f = dir.resolve("align.safetensors");
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("a_u8", TensorData.ofBytes(DType.U8, new byte[3], 3));
        t.put("b_f16", TensorData.ofBytes(DType.F16, new byte[6], 3));
        t.put("c_f32", Tensor.zeros(3));
        t.put("d_f64", TensorData.doubles(new double[3], 3));
        SafeTensors.write(f, t, null);
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(List.of("d_f64", "c_f32", "b_f16", "a_u8"), List.copyOf(c.names()));
    }

    /** Files written by PyTorch's safetensors (test fixtures of the nn module) read, convert and re-write. */
    @Test
    void readsAndRewritesFilesWrittenByPyTorch() throws IOException, URISyntaxException {
        URL url = getClass().getResource("/pytorch");
        assumeTrue(url != null, "no PyTorch fixtures on the class path");
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assumeTrue(!files.isEmpty());
        for (Path p : files) {
            SafeTensors.Contents c = SafeTensors.read(p);
            assertTrue(c.metadata().containsKey("type"), p.toString());
            for (String name : c.names()) {
                TensorData t = c.get(name);
                if (t.dtype().isFloatingPoint()) assertEquals(t.elementCount(), t.toDoubles().length);
                else assertEquals(t.elementCount(), t.toLongs().length);
            }
            Path copy = dir.resolve(p.getFileName());
            SafeTensors.write(copy, c.tensors(), c.metadata());
            SafeTensors.Contents again = SafeTensors.read(copy);
            assertEquals(c.tensors(), again.tensors(), p.toString());
            assertEquals(c.metadata(), again.metadata(), p.toString());
        }
    }

    @Test
    void readsAHandWrittenHeaderWithWhitespaceAndAnyKeyOrder() throws IOException {
        String header = " { \"x\" : { \"shape\" : [ 1 ] , \"data_offsets\" : [ 0 , 2 ] , \"dtype\" : \"BF16\" } ,"
                + " \"__metadata__\" : { } }\t\n ";
        Path f = put(dir, "ws.safetensors", IoFixtures.safetensors(header, new byte[]{(byte) 0x80, 0x3F}));
        assertArrayEquals(new float[]{1f}, SafeTensors.read(f).get("x").toFloats());
    }

    private static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : v) b.putShort((short) s);
        return b.array();
    }

    private static long[] concatLongs(long[]... parts) {
        return Stream.of(parts).flatMapToLong(java.util.Arrays::stream).toArray();
    }
}
