package dev.vecrnn.nn.io;

import dev.vecrnn.nn.Tensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Random mutations of valid files: whatever the bytes, a reader returns data or throws
 * {@link ModelFileException}, quickly; never another exception, an OutOfMemoryError or a hang.
 */
class FuzzTest {

    /** Candidate replacements of a number in a header: edges of every integer range the readers check. */
    private static final String[] NUMBERS = {"0", "1", "-1", "7", "65536", "2147483647", "2147483648", "4294967296",
            "9223372036854775807", "18446744073709551616", "1e3", "00"};

    /**
     * One edit. Kinds 0-5 edit the header (H) or data (D) before the file is assembled with a correct
     * length field, so they reach the structural checks: 0 sets a byte of H, 1 a byte of D, 2 deletes a
     * byte of H, 3 inserts one, 4 replaces a number in H, 5 deletes (even value) or inserts a byte of D.
     * Kinds 6 and 7 edit the assembled file: 6 truncates it, 7 overwrites its length field.
     */
    record Mutation(int kind, int position, long value) {
        void edit(ByteArrayOutputStream h, ByteArrayOutputStream d) {
            byte[] hb = h.toByteArray();
            byte[] db = d.toByteArray();
            switch (kind) {
                case 0 -> { if (hb.length > 0) hb[Math.floorMod(position, hb.length)] = (byte) value; }
                case 1 -> { if (db.length > 0) db[Math.floorMod(position, db.length)] = (byte) value; }
                case 2 -> hb = splice(hb, position, 1, new byte[0]);
                case 3 -> hb = splice(hb, position, 0, new byte[]{(byte) value});
                case 4 -> hb = replaceNumber(hb);
                case 5 -> db = (value & 1) == 0 ? splice(db, position, 1, new byte[0]) : splice(db, position, 0, new byte[]{(byte) value});
                default -> { }
            }
            h.reset();
            h.writeBytes(hb);
            d.reset();
            d.writeBytes(db);
        }

        byte[] editFile(byte[] file, int lengthAt, int lengthBytes) {
            if (kind == 6) return Arrays.copyOf(file, Math.floorMod(position, file.length + 1));
            if (kind == 7) {
                byte[] copy = file.clone();
                for (int i = 0; i < lengthBytes && lengthAt + i < copy.length; i++) copy[lengthAt + i] = (byte) (value >>> (8 * i));
                return copy;
            }
            return file;
        }

        private byte[] replaceNumber(byte[] hb) {
            List<int[]> runs = new ArrayList<>();
            for (int i = 0; i < hb.length; i++) {
                if (hb[i] < '0' || hb[i] > '9') continue;
                int j = i;
                while (j < hb.length && hb[j] >= '0' && hb[j] <= '9') j++;
                runs.add(new int[]{i, j});
                i = j;
            }
            if (runs.isEmpty()) return hb;
            int[] run = runs.get(Math.floorMod(position, runs.size()));
            String number = NUMBERS[(int) Math.floorMod(value, (long) NUMBERS.length)];
            return splice(hb, run[0], run[1] - run[0], number.getBytes(StandardCharsets.US_ASCII));
        }

        private static byte[] splice(byte[] in, int position, int remove, byte[] insert) {
            int at = Math.floorMod(position, in.length + 1);
            remove = Math.min(remove, in.length - at);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(in, 0, at);
            out.writeBytes(insert);
            out.write(in, at + remove, in.length - at - remove);
            return out.toByteArray();
        }
    }

    private static Path dir;
    private static byte[] stHeader;
    private static byte[] stData;
    private static byte[] npyHeader;
    private static byte[] npyData;

    @BeforeContainer
    static void makeValidFiles() throws IOException {
        dir = Files.createTempDirectory("vecrnn-fuzz");
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("weight", Tensor.of(new float[]{1, -2, Float.NaN, 0, 3, 4}, 2, 3));
        t.put("ids", TensorData.longs(new long[]{1, 1L << 40}, 2));
        t.put("mask", TensorData.ofBytes(DType.BOOL, new byte[]{0, 1, 1}, 3));
        t.put("half", TensorData.ofBytes(DType.F16, new byte[]{0, 0x3C, 0, (byte) 0xC0}, 2));
        t.put("brain", TensorData.ofBytes(DType.BF16, new byte[]{(byte) 0x80, 0x3F}, 1, 1));
        t.put("scalar", TensorData.ints(new int[]{-7}));
        Path st = dir.resolve("valid.safetensors");
        SafeTensors.write(st, t, Map.of("type", "LSTM", "hidden_size", "3"));
        byte[] file = Files.readAllBytes(st);
        int n = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        stHeader = Arrays.copyOfRange(file, 8, 8 + n);
        stData = Arrays.copyOfRange(file, 8 + n, file.length);
        Path npy = dir.resolve("valid.npy");
        Npy.write(npy, Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 3, 2));
        byte[] npyFile = Files.readAllBytes(npy);
        npyHeader = Arrays.copyOfRange(npyFile, 10, 128);
        npyData = Arrays.copyOfRange(npyFile, 128, npyFile.length);
    }

    @AfterContainer
    static void cleanUp() {
        IoFixtures.deleteTree(dir);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(
                Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.longs()).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    private static byte[] assemble(List<Mutation> mutations, byte[] header, byte[] data, boolean npy) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        h.writeBytes(header);
        d.writeBytes(data);
        for (Mutation m : mutations) m.edit(h, d);
        ByteBuffer prefix = ByteBuffer.allocate(npy ? 10 : 8).order(ByteOrder.LITTLE_ENDIAN);
        if (npy) prefix.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.size());
        else prefix.putLong(h.size());
        byte[] file = IoFixtures.concat(prefix.array(), h.toByteArray(), d.toByteArray());
        for (Mutation m : mutations) file = m.editFile(file, npy ? 8 : 0, npy ? 2 : 8);
        return file;
    }

    @Property(tries = 400)
    void mutatedSafetensorsFailOnlyWithModelFileException(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        Path f = Files.write(dir.resolve("mutated.safetensors"), assemble(mutations, stHeader, stData, false));
        String outcome = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                SafeTensors.Contents c = SafeTensors.read(f);
                for (String name : c.names()) convertAll(c.get(name));
                return "read";
            } catch (ModelFileException expected) {
                return "rejected";
            }
        });
        Statistics.collect(outcome);
    }

    @Property(tries = 200)
    void mutatedNpyFailsOnlyWithModelFileException(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        Path f = Files.write(dir.resolve("mutated.npy"), assemble(mutations, npyHeader, npyData, true));
        String outcome = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                convertAll(Npy.read(f));
                return "read";
            } catch (ModelFileException expected) {
                return "rejected";
            }
        });
        Statistics.collect(outcome);
    }

    /** Every conversion either works or refuses with ModelFileException. */
    private static void convertAll(TensorData t) {
        List<Runnable> conversions = List.of(t::toFloats, t::toDoubles, t::toInts, t::toLongs, t::toTensor);
        for (Runnable r : conversions) {
            try {
                r.run();
            } catch (ModelFileException refused) {
                // wrong dtype for this conversion, or a value out of range
            }
        }
    }
}
