package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Json;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static dev.vecrnn.nn.io.IoFixtures.concat;
import static dev.vecrnn.nn.io.IoFixtures.le64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds every reader ({@link SafeTensors#read}, {@link Npy#read}, {@link Json#readObject} with
 * {@link PyTorchFormat#readConfig}, {@link ModelFile#load}, {@link PyTorchFormat#read}) 10,000 hostile
 * files per run: byte mutations of valid files, structural mutations of their headers, and random bytes.
 * Each file must be read completely or refused with a {@link ModelFileException} whose message names
 * the file and a byte offset inside it, within {@link #PER_FILE_SECONDS}; never another exception, an
 * OutOfMemoryError, a hang or a partial result. Outcomes go to jqwik's statistics and, per reader, to
 * standard output and {@code target/fuzz-summary.txt}.
 */
class FuzzTest {

    static final int PER_FILE_SECONDS = 5;
    static final long WHOLE_RUN_SECONDS = 240;
    static final int CONFIG_LIMIT = 1 << 20;

    /** Counts and times of one reader over the run. */
    private static final class Tally {
        long files;
        long nanos;
        long maxNanos;
        final Map<String, Long> outcomes = new TreeMap<>();
    }

    private static final Map<String, Tally> TALLIES = new TreeMap<>();
    private static ExecutorService worker;
    private static Path dir;
    private static byte[][] safetensorsSeed;
    private static byte[][] modelSeed;
    private static byte[][] torchWeightsSeed;
    private static byte[] torchConfigSeed;
    private static byte[][] npyDicts;
    private static byte[][] npyData;
    private static byte[] configSeed;

    @BeforeContainer
    static void makeValidFiles() throws IOException {
        worker = newWorker();
        // Tens of thousands of small files: in memory where the machine offers it (a disk costs ~1 ms a write).
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "vecrnn-fuzz")
                : Files.createTempDirectory("vecrnn-fuzz");
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("weight", Tensor.of(new float[]{1, -2, Float.NaN, 0, 3, 4}, 2, 3));
        t.put("ids", TensorData.longs(new long[]{1, 1L << 40}, 2));
        t.put("mask", TensorData.ofBytes(DType.BOOL, new byte[]{0, 1, 1}, 3));
        t.put("half", TensorData.ofBytes(DType.F16, new byte[]{0, 0x3C, 0, (byte) 0xC0}, 2));
        t.put("brain", TensorData.ofBytes(DType.BF16, new byte[]{(byte) 0x80, 0x3F}, 1, 1));
        t.put("scalar", TensorData.ints(new int[]{-7}));
        t.put("empty", TensorData.floats(new float[0], 0, 4));
        Path st = dir.resolve("valid.safetensors");
        SafeTensors.write(st, t, Map.of("type", "LSTM", "hidden_size", "3"));
        safetensorsSeed = split(Files.readAllBytes(st));

        Model model = Model.builder(1).embedding(5, 3).recurrent(CellType.LSTM, 2, 1, true, 0f, 1)
                .attention().dense(2, Activation.TANH).seed(3).build();
        Path mf = dir.resolve("model.safetensors");
        ModelFile.save(model, mf);
        modelSeed = split(Files.readAllBytes(mf));

        Path torch = dir.resolve("torch");
        PyTorchFormat.write(new Recurrent(new RecurrentConfig(CellType.GRU, 2, 3, 2, true, false, true, 0f, 0), 5), torch);
        torchWeightsSeed = split(Files.readAllBytes(torch.resolve(PyTorchFormat.WEIGHTS)));
        torchConfigSeed = Files.readAllBytes(torch.resolve(PyTorchFormat.CONFIG));
        configSeed = ("{\"type\": \"LSTM\", \"input_size\": 3, \"hidden_size\": 4, \"num_layers\": 2, \"bias\": true,"
                + " \"dropout\": 0.25, \"proj_size\": 0, \"notes\": {\"list\": [1, -2.5e-3, null, \"\\u00e9\\n\", [[]]],"
                + " \"name\": \"caf\u00c3\u00a9\"}}").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

        TensorData[] arrays = {TensorData.floats(new float[]{1, 2, 3, 4, 5, 6}, 3, 2), TensorData.longs(new long[]{-1}),
                TensorData.ofBytes(DType.BOOL, new byte[]{1, 0, 1, 1}, 2, 2), TensorData.ofBytes(DType.F16, new byte[0], 0, 5)};
        npyDicts = new byte[arrays.length][];
        npyData = new byte[arrays.length][];
        for (int i = 0; i < arrays.length; i++) {
            Path npy = dir.resolve("valid" + i + ".npy");
            Npy.write(npy, arrays[i]);
            byte[] f = Files.readAllBytes(npy);
            int headerLen = ByteBuffer.wrap(f, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
            npyDicts[i] = Arrays.copyOfRange(f, 10, 10 + headerLen);
            npyData[i] = Arrays.copyOfRange(f, 10 + headerLen, f.length);
        }
    }

    @AfterContainer
    static void report() throws IOException {
        worker.shutdownNow();
        IoFixtures.deleteTree(dir);
        StringBuilder sb = new StringBuilder("Fuzz summary (files per reader, time, outcomes):\n");
        long files = 0;
        long nanos = 0;
        for (Map.Entry<String, Tally> e : TALLIES.entrySet()) {
            Tally t = e.getValue();
            files += t.files;
            nanos += t.nanos;
            sb.append(String.format("  %-12s %6d files, %6.2f s reading, slowest file %5.1f ms%n", e.getKey(), t.files, t.nanos / 1e9, t.maxNanos / 1e6));
            t.outcomes.forEach((k, v) -> sb.append(String.format("      %6d  %s%n", v, k)));
        }
        sb.append(String.format("  total        %6d files, %6.2f s reading%n", files, nanos / 1e9));
        System.out.print(sb);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) Files.writeString(target.resolve("fuzz-summary.txt"), sb);
        assertTrue(nanos < TimeUnit.SECONDS.toNanos(WHOLE_RUN_SECONDS), "the fuzz run took " + nanos / 1e9 + " s reading");
    }

    // ---- safetensors ----------------------------------------------------------------------------------

    @Property(tries = 5000)
    void safetensorsByteMutations(@ForAll long seed) throws Exception {
        byte[] file = byteMutated(new FileMutator(seed), safetensorsSeed);
        fuzz("safetensors", file, "f.safetensors", FuzzTest::readSafetensors);
    }

    @Property(tries = 2500)
    void safetensorsStructuralMutations(@ForAll long seed) throws Exception {
        byte[] file = structurallyMutated(new FileMutator(seed), safetensorsSeed);
        fuzz("safetensors", file, "f.safetensors", FuzzTest::readSafetensors);
    }

    @Property(tries = 2500)
    void safetensorsRandomBytes(@ForAll long seed) throws Exception {
        fuzz("safetensors", randomSafetensors(new FileMutator(seed)), "f.safetensors", FuzzTest::readSafetensors);
    }

    // ---- .npy -----------------------------------------------------------------------------------------

    @Property(tries = 5000)
    void npyByteMutations(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        int k = m.r.nextInt(npyDicts.length);
        byte[] dict = npyDicts[k];
        byte[] data = npyData[k];
        for (int i = m.between(1, 3); i > 0; i--) {
            if (m.r.nextInt(4) == 0) data = m.byteEdit(data);
            else dict = m.byteEdit(dict);
        }
        fuzz("npy", npyFile(m, dict, data, true), "f.npy", FuzzTest::readNpy);
    }

    @Property(tries = 2500)
    void npyStructuralMutations(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        int k = m.r.nextInt(npyDicts.length);
        byte[] dict = npyDicts[k];
        for (int i = m.between(1, 2); i > 0; i--) dict = m.npyEdit(dict);
        fuzz("npy", npyFile(m, dict, npyData[m.r.nextInt(npyData.length)], false), "f.npy", FuzzTest::readNpy);
    }

    @Property(tries = 2500)
    void npyRandomBytes(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        byte[] file = switch (m.r.nextInt(3)) {
            case 0 -> m.randomBytes(m.between(0, 300));
            case 1 -> npyFile(m, m.tokenSoup(m.between(0, 40)), m.randomBytes(m.between(0, 64)), false);
            default -> concat(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'}, m.randomBytes(m.between(0, 200)));
        };
        fuzz("npy", file, "f.npy", FuzzTest::readNpy);
    }

    // ---- JSON (config.json) -----------------------------------------------------------------------------

    @Property(tries = 5000)
    void jsonByteMutations(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        byte[] json = m.r.nextBoolean() ? configSeed : torchConfigSeed;
        for (int i = m.between(1, 4); i > 0; i--) json = m.byteEdit(json);
        fuzz("json", json, "config.json", FuzzTest::readJson);
    }

    @Property(tries = 2500)
    void jsonStructuralMutations(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        byte[] json = m.r.nextBoolean() ? configSeed : torchConfigSeed;
        for (int i = m.between(1, 3); i > 0; i--) json = m.jsonEdit(json);
        if (m.r.nextInt(50) == 0) json = concat(json, " ".repeat(Math.max(0, CONFIG_LIMIT - json.length + m.between(-1, 1))).getBytes());
        fuzz("json", json, "config.json", FuzzTest::readJson);
    }

    @Property(tries = 2500)
    void jsonRandomBytes(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        byte[] json = m.r.nextBoolean() ? m.randomBytes(m.between(0, 300)) : m.tokenSoup(m.between(0, 60));
        fuzz("json", json, "config.json", FuzzTest::readJson);
    }

    // ---- ModelFile.load -----------------------------------------------------------------------------------

    @Property(tries = 5000)
    void modelFileByteMutations(@ForAll long seed) throws Exception {
        fuzz("ModelFile", byteMutated(new FileMutator(seed), modelSeed), "m.safetensors", FuzzTest::readModel);
    }

    @Property(tries = 2500)
    void modelFileStructuralMutations(@ForAll long seed) throws Exception {
        fuzz("ModelFile", structurallyMutated(new FileMutator(seed), modelSeed), "m.safetensors", FuzzTest::readModel);
    }

    @Property(tries = 2500)
    void modelFileRandomBytes(@ForAll long seed) throws Exception {
        fuzz("ModelFile", randomSafetensors(new FileMutator(seed)), "m.safetensors", FuzzTest::readModel);
    }

    // ---- PyTorchFormat.read ----------------------------------------------------------------------------------

    @Property(tries = 5000)
    void pyTorchByteMutations(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        fuzzTorch(m, m::byteEdit, () -> byteMutated(m, torchWeightsSeed));
    }

    @Property(tries = 2500)
    void pyTorchStructuralMutations(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        fuzzTorch(m, m::jsonEdit, () -> structurallyMutated(m, torchWeightsSeed));
    }

    @Property(tries = 2500)
    void pyTorchRandomBytes(@ForAll long seed) throws Exception {
        FileMutator m = new FileMutator(seed);
        fuzzTorch(m, c -> m.r.nextBoolean() ? m.randomBytes(m.between(0, 200)) : m.tokenSoup(m.between(0, 40)), () -> randomSafetensors(m));
    }

    /** Edits config.json, model.safetensors or both (one in three each) and reads the directory. */
    private static void fuzzTorch(FileMutator m, UnaryOperator<byte[]> editConfig, Supplier<byte[]> editWeights) throws Exception {
        int which = m.r.nextInt(3);
        byte[] config = which != 1 ? editConfig.apply(torchConfigSeed) : torchConfigSeed;
        byte[] weights = which != 0 ? editWeights.get() : concat(le64(torchWeightsSeed[0].length), torchWeightsSeed[0], torchWeightsSeed[1]);
        Path torch = Files.createDirectories(dir.resolve("t"));
        fuzz("PyTorch", Map.of("t/" + PyTorchFormat.CONFIG, config, "t/" + PyTorchFormat.WEIGHTS, weights), "t/" + PyTorchFormat.CONFIG,
                f -> readTorch(torch));
    }

    // ---- building hostile files ------------------------------------------------------------------------

    /** {header, data} of a safetensors file. */
    private static byte[][] split(byte[] file) {
        int n = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new byte[][]{Arrays.copyOfRange(file, 8, 8 + n), Arrays.copyOfRange(file, 8 + n, file.length)};
    }

    /** Byte edits of the header or data, assembled with a correct length field, then maybe a file-level edit. */
    private static byte[] byteMutated(FileMutator m, byte[][] seed) {
        byte[] h = seed[0];
        byte[] d = seed[1];
        for (int i = m.between(1, 3); i > 0; i--) {
            if (m.r.nextInt(4) == 0) d = m.byteEdit(d);
            else h = m.byteEdit(h);
        }
        byte[] file = concat(le64(h.length), h, d);
        return switch (m.r.nextInt(8)) {
            case 0 -> m.overwriteLength(file, 0, 8, h.length);
            case 1 -> m.byteEdit(file);
            default -> file;
        };
    }

    private static byte[] structurallyMutated(FileMutator m, byte[][] seed) {
        byte[] h = seed[0];
        byte[] d = seed[1];
        for (int i = m.between(1, 3); i > 0; i--) {
            byte[][] edited = m.safetensorsEdit(h, d);
            h = edited[0];
            d = edited[1];
        }
        return concat(le64(h.length), h, d);
    }

    /** Pure random bytes, or a valid-looking length field before random JSON tokens or bytes. */
    private static byte[] randomSafetensors(FileMutator m) {
        return switch (m.r.nextInt(3)) {
            case 0 -> m.randomBytes(m.between(0, 300));
            case 1 -> {
                byte[] h = m.tokenSoup(m.between(0, 60));
                yield concat(le64(h.length), h, m.randomBytes(m.between(0, 32)));
            }
            default -> {
                byte[] rest = m.randomBytes(m.between(0, 300));
                yield concat(le64(m.r.nextInt(rest.length + 1)), rest);
            }
        };
    }

    /** A .npy file of version 1.0 (2-byte length) or, sometimes, 2.0/3.0 (4-byte length); maybe with a bad prefix. */
    private static byte[] npyFile(FileMutator m, byte[] dict, byte[] data, boolean editPrefix) {
        int major = m.r.nextInt(4) == 0 ? 2 + m.r.nextInt(2) : 1;
        ByteBuffer prefix = ByteBuffer.allocate(major == 1 ? 10 : 12).order(ByteOrder.LITTLE_ENDIAN);
        prefix.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) prefix.putShort((short) dict.length);
        else prefix.putInt(dict.length);
        byte[] file = concat(prefix.array(), dict, data);
        if (!editPrefix) return file;
        return switch (m.r.nextInt(6)) {
            case 0 -> m.overwriteLength(file, 8, major == 1 ? 2 : 4, dict.length);
            case 1 -> {
                byte[] c = file.clone();
                c[m.between(0, 7)] = (byte) m.r.nextInt();
                yield c;
            }
            default -> file;
        };
    }

    // ---- reading and checking ------------------------------------------------------------------------------

    interface Read {
        String read(Path file) throws Exception;
    }

    /**
     * Writes {@code bytes} to {@code name}, reads it on the worker thread within {@link #PER_FILE_SECONDS}
     * and records the outcome. A ModelFileException must name the file and an offset within it.
     */
    private static void fuzz(String reader, byte[] bytes, String name, Read read) throws Exception {
        fuzz(reader, Map.of(name, bytes), name, read);
    }

    /** As above for a reader of several files ({@code files}: name to bytes); {@code name} is passed to it. */
    private static void fuzz(String reader, Map<String, byte[]> files, String name, Read read) throws Exception {
        long size = 0;
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
            size = Math.max(size, e.getValue().length);
        }
        Path file = dir.resolve(name);
        long largest = size;
        Callable<String> task = () -> {
            try {
                return read.read(file);
            } catch (ModelFileException e) {
                String m = e.getMessage();
                assertTrue(m.length() < 4000, () -> "a " + m.length() + "-character message");
                assertTrue(e.offset() == -1 || (e.offset() >= 0 && e.offset() <= largest),
                        () -> "offset " + e.offset() + " outside the " + largest + "-byte file: " + m);
                assertTrue(m.contains(e.offset() >= 0 ? "(at byte " + e.offset() + ")" : ": "), m);
                return "rejected: " + category(e.problem());
            }
        };
        long start = System.nanoTime();
        Future<String> f = worker.submit(task);
        String outcome;
        try {
            outcome = f.get(PER_FILE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException hang) {
            f.cancel(true);
            worker = newWorker();
            throw new AssertionError(reader + " took over " + PER_FILE_SECONDS + " s on " + keep(files));
        } catch (ExecutionException e) {
            throw new AssertionError(reader + " failed with " + e.getCause() + " on " + keep(files), e.getCause());
        }
        long nanos = System.nanoTime() - start;
        synchronized (TALLIES) {
            Tally t = TALLIES.computeIfAbsent(reader, k -> new Tally());
            t.files++;
            t.nanos += nanos;
            t.maxNanos = Math.max(t.maxNanos, nanos);
            t.outcomes.merge(outcome, 1L, Long::sum);
        }
        Statistics.collect(outcome);
    }

    /** Keeps a failing input for replay and names it in the failure. */
    private static String keep(Map<String, byte[]> files) throws IOException {
        Path out = Files.createDirectories(Path.of("target", "fuzz-failures", "input-" + Integer.toHexString(files.hashCode())));
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path f = out.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        return out.toAbsolutePath() + " " + files.keySet();
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-reader");
            t.setDaemon(true);
            return t;
        });
    }

    /** What a refusal was about, coarsely, for the statistics. */
    static String category(String problem) {
        String p = problem.toLowerCase(java.util.Locale.ROOT);
        String[][] table = {
                {"header length", "header length"}, {"too short", "file too short"}, {"file ends inside", "file too short"},
                {"not a .npy", "magic"}, {"format version", "version"}, {"utf-8", "invalid UTF-8"},
                {"byte order mark", "invalid UTF-8"}, {"nesting deeper", "nesting too deep"}, {"json values", "too many values"},
                {"duplicate key", "duplicate key"}, {"more than the limit", "file too large"}, {"unknown dtype", "dtype"},
                {"unsupported dtype", "dtype"}, {"big-endian", "dtype"}, {"has dtype", "dtype"}, {"fortran_order true", "fortran order"}, {"overlap", "overlapping offsets"}, {"belong to no tensor", "gap or trailing bytes"},
                {"data_offsets", "offsets"}, {"needs at least", "architecture larger than the file"},
                {"state dict", "missing, extra or misshapen tensor"}, {"shape", "shape"}, {"dimension", "shape"},
                {"data bytes", "data size"}, {"no tensor", "missing tensor"}, {"not a vecrnn model", "no architecture"},
                {"__metadata__", "metadata"}, {"field", "unknown, missing or mistyped field"},
                {"key", "unknown, missing or mistyped field"}, {"must be", "unknown, missing or mistyped field"},
                {"architecture", "invalid architecture or config"}, {"expected >", "invalid architecture or config"},
                {"projsize", "invalid architecture or config"}, {"cell type", "invalid architecture or config"},
                {"expected lstm", "invalid architecture or config"},
                {"expected a non-negative integer", "invalid architecture or config"}, {"expected an integer", "invalid architecture or config"},
                {"expected a number", "invalid architecture or config"}, {"expected true or false", "invalid architecture or config"},
                {"expected", "syntax"}, {"unexpected", "syntax"},
                {"unterminated", "syntax"}, {"invalid", "syntax"}, {"escape", "syntax"}, {"control character", "syntax"}};
        for (String[] row : table) if (p.contains(row[0])) return row[1];
        return "other";
    }

    private static String readSafetensors(Path f) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(f);
        byte[] file = Files.readAllBytes(f);
        long dataLen = file.length - 8 - ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long covered = 0;
        for (TensorData t : c.tensors().values()) {
            long count = 1;
            for (int d : t.shape()) count *= d;
            assertEquals(count * t.dtype().size(), t.bytes().remaining(), t.name());
            covered += t.bytes().remaining();
            convertAll(t);
        }
        assertEquals(dataLen, covered, "the tensors cover the data exactly");
        return "read";
    }

    private static String readNpy(Path f) throws IOException {
        TensorData t = Npy.read(f);
        byte[] file = Files.readAllBytes(f);
        long count = 1;
        for (int d : t.shape()) count *= d;
        int n = t.bytes().remaining();
        assertEquals(count * t.dtype().size(), n);
        assertTrue(file.length - n >= 10, "a header precedes the data");
        byte[] data = new byte[n];
        t.bytes().get(data);
        byte[] tail = Arrays.copyOfRange(file, file.length - n, file.length);
        int prefix = file[6] == 1 ? 10 : 12;
        int headerLen = file[6] == 1 ? (file[8] & 0xFF) | (file[9] & 0xFF) << 8 : ByteBuffer.wrap(file, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (NpyHeader.parse(Arrays.copyOfRange(file, prefix, prefix + headerLen), prefix, f.toString()).fortranOrder()) {
            // column-major: element f of the file, indices i0 = f % d0, i1 = f / d0 % d1, ..., sits at its row-major place
            int size = t.dtype().size();
            int[] shape = t.shape();
            byte[] rowMajor = new byte[n];
            for (int at = 0; at < count; at++) {
                long rest = at, c = 0;
                long[] idx = new long[shape.length];
                for (int k = 0; k < shape.length; k++) {
                    idx[k] = rest % shape[k];
                    rest /= shape[k];
                }
                for (int k = 0; k < shape.length; k++) c = c * shape[k] + idx[k];
                System.arraycopy(tail, at * size, rowMajor, (int) c * size, size);
            }
            tail = rowMajor;
        }
        assertArrayEquals(tail, data, "the data is the rest of the file (in row-major order)");
        convertAll(t);
        return "read";
    }

    private static String readJson(Path f) throws IOException {
        Map<String, Object> m = Json.readObject(f, CONFIG_LIMIT);
        assertEquals(m, Json.parse(Json.write(m)), "what was read writes back the same");
        try {
            PyTorchFormat.readConfig(f);
            return "read (and a valid config)";
        } catch (ModelFileException e) {
            assertTrue(e.getMessage().startsWith(f + ": "), e::getMessage);
            return "read (config refused: " + category(e.problem()) + ")";
        }
    }

    private static String readModel(Path f) throws IOException {
        Model model = ModelFile.load(f);
        assertSame(SafeTensors.read(f), model.stateDict());
        return "read";
    }

    private static String readTorch(Path dir) throws IOException {
        Recurrent net = PyTorchFormat.read(dir);
        assertSame(SafeTensors.read(dir.resolve(PyTorchFormat.WEIGHTS)), net.stateDict());
        return "read";
    }

    /** The loaded state holds exactly the file's tensors, value for value. */
    private static void assertSame(SafeTensors.Contents file, Map<String, Tensor> loaded) {
        assertEquals(new HashSet<>(file.names()), loaded.keySet());
        for (String k : loaded.keySet()) assertArrayEquals(file.get(k).toFloats(), loaded.get(k).data(), k);
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
