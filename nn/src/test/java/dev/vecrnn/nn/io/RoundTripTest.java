package dev.vecrnn.nn.io;

import dev.vecrnn.nn.Tensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Whatever is written reads back byte for byte: every dtype, scalars, zero-size dimensions, any names. */
class RoundTripTest {

    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("vecrnn-roundtrip");
    }

    @AfterContainer
    static void cleanUp() {
        IoFixtures.deleteTree(dir);
    }

    /** Shapes of rank 0 to 4 with dimensions 0 to 4, so scalars and empty tensors come up often. */
    private static Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(0, 4).array(int[].class).ofMaxSize(4);
    }

    /** Data of {@code dtype} with random bytes (every bit pattern, NaN payloads included); BOOL gets 0 or 1. */
    private static Arbitrary<TensorData> data(DType dtype) {
        return shapes().flatMap(shape -> {
            int n = 1;
            for (int d : shape) n *= d;
            Arbitrary<Byte> b = dtype == DType.BOOL ? Arbitraries.of((byte) 0, (byte) 1) : Arbitraries.bytes();
            return b.array(byte[].class).ofSize(n * dtype.size()).map(bytes -> TensorData.ofBytes(dtype, bytes, shape));
        });
    }

    @Provide
    Arbitrary<TensorData> anyData() {
        return Arbitraries.of(DType.class).flatMap(RoundTripTest::data);
    }

    @Provide
    Arbitrary<Map<String, TensorData>> tensorMaps() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange(' ', '\u00ff').withChars('ж', '€').ofMaxLength(6)
                .filter(s -> !s.equals(SafeTensors.METADATA_KEY));
        return Arbitraries.maps(names, anyData()).ofMaxSize(6).map(LinkedHashMap::new);
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        Arbitrary<String> text = Arbitraries.strings().withCharRange('\u0000', '\u04ff').ofMaxLength(8);
        return Arbitraries.maps(text, text).ofMaxSize(4);
    }

    @Property(tries = 100)
    void safetensorsRoundTrip(@ForAll("tensorMaps") Map<String, TensorData> tensors,
                              @ForAll("metadata") Map<String, String> metadata) throws IOException {
        Path f = dir.resolve("rt.safetensors");
        SafeTensors.write(f, tensors, metadata);
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(tensors, c.tensors());
        assertEquals(metadata, c.metadata());
        // Writing what was read gives the same bytes: the output depends only on the contents.
        byte[] first = Files.readAllBytes(f);
        SafeTensors.write(f, c.tensors(), c.metadata());
        assertEquals(List.of(), diff(first, Files.readAllBytes(f)));
    }

    @Property(tries = 100)
    void npyRoundTrip(@ForAll("anyData") TensorData data) throws IOException {
        if (data.dtype() == DType.BF16) return; // NumPy has no bfloat16
        Path f = dir.resolve("rt.npy");
        Npy.write(f, data);
        assertEquals(data, Npy.read(f));
    }

    @Provide
    Arbitrary<Tensor> floatTensors() {
        return shapes().flatMap(shape -> {
            int n = 1;
            for (int d : shape) n *= d;
            return Arbitraries.integers().map(Float::intBitsToFloat).array(float[].class).ofSize(n)
                    .map(values -> new Tensor(shape, values));
        });
    }

    @Property(tries = 100)
    void tensorsRoundTripBitForBitThroughBothFormats(@ForAll("floatTensors") Tensor t) throws IOException {
        Path st = dir.resolve("t.safetensors");
        Path npy = dir.resolve("t.npy");
        SafeTensors.write(st, Map.of("t", t), null);
        Npy.write(npy, t);
        for (Tensor back : List.of(SafeTensors.read(st).get("t").toTensor(), Npy.read(npy).toTensor())) {
            assertEquals(TensorData.of(t), TensorData.of(back)); // compares raw bits, unlike float ==
        }
    }

    /** Indices where two arrays differ (or their lengths), empty when equal; a readable failure. */
    private static List<Integer> diff(byte[] a, byte[] b) {
        if (a.length != b.length) return List.of(-1, a.length, b.length);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < a.length && out.size() < 10; i++) if (a[i] != b[i]) out.add(i);
        return out;
    }
}
