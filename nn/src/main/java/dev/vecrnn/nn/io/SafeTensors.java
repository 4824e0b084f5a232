package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.io.internal.JsonParser;
import dev.vecrnn.nn.io.internal.AtomicFiles;
import dev.vecrnn.nn.io.internal.ChannelIo;
import dev.vecrnn.nn.io.internal.Untrusted;

import dev.vecrnn.nn.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes safetensors files: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative
 * to the first byte after the header) plus an optional {@code "__metadata__"} object of strings, then the
 * little-endian tensor bytes. Python's {@code safetensors} reads what {@link #write} writes.
 *
 * <p>The reader treats the file as hostile and checks everything before it allocates by a declared
 * size: the header length against the file size, the JSON (see {@link Json}), every entry's fields and
 * types, shape products (in 64 bits, exactly), offsets against the data size, each tensor's byte length
 * against its dtype and shape, and that the tensors cover the data exactly, with no overlap and no hole.
 * Unknown fields in a tensor entry are rejected. Every problem is a {@link ModelFileException} naming
 * the file, the problem and the file offset of the offending byte.
 *
 * <p>Limits: header at most {@value #MAX_HEADER_BYTES} bytes (and never more than the file), at most
 * {@value #MAX_TENSORS} tensors, rank at most {@value #MAX_RANK}, the JSON limits of {@link Json}, and
 * those of {@link TensorData} for each tensor (dimensions and element counts fit an int).
 */
public final class SafeTensors {

    /** The largest header accepted: 100,000,000 bytes, the limit of the reference (Rust) implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The most tensors one file may hold. */
    public static final int MAX_TENSORS = 65_536;
    /** The largest rank of one tensor. */
    public static final int MAX_RANK = 64;
    /** The header key of the string-to-string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {
    }

    /** The tensors and metadata of a file; immutable, tensors in header order. */
    public static final class Contents {
        private final String source;
        private final Map<String, String> metadata;
        private final Map<String, TensorData> tensors;

        Contents(String source, Map<String, String> metadata, Map<String, TensorData> tensors) {
            this.source = source;
            this.metadata = Collections.unmodifiableMap(metadata);
            this.tensors = Collections.unmodifiableMap(tensors);
        }

        /** The {@code __metadata__} entries in file order; empty when the file has none. */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** The tensor names in header order. */
        public Set<String> names() {
            return tensors.keySet();
        }

        /** Every tensor by name, in header order; unmodifiable. */
        public Map<String, TensorData> tensors() {
            return tensors;
        }

        public boolean contains(String name) {
            return tensors.containsKey(name);
        }

        /**
         * The tensors whose names start with {@code prefix}, as float32 tensors named without it, in header
         * order: the state dict that a model, a network or one part of a checkpoint loads from the file.
         *
         * @throws ModelFileException naming the file and the tensor when one has an integer or BOOL dtype, or
         *                            is larger than the heap's maximum (see {@link TensorData#toTensor()})
         */
        public Map<String, Tensor> stateDict(String prefix) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
                if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue().toTensor());
            }
            return out;
        }

        /**
         * The tensor called {@code name}.
         *
         * @throws ModelFileException naming the missing tensor and listing the ones the file holds
         */
        public TensorData get(String name) {
            TensorData t = tensors.get(name);
            if (t == null) {
                throw new ModelFileException(source, -1, "no tensor " + Untrusted.quote(name) + "; the file holds "
                        + (tensors.isEmpty() ? "no tensors" : tensors.size() + ": " + Untrusted.list(tensors.keySet())));
            }
            return t;
        }
    }

    /** Where a tensor lives, as its header entry declares. */
    private record Slot(String name, DType dtype, int[] shape, long begin, long end, long headerAt) {
    }

    /**
     * Reads a whole safetensors file into memory (a few hundred MB is fine).
     *
     * @throws ModelFileException when the file breaks the format or a limit (see the class comment):
     *                            header length beyond the file or the limit, invalid JSON, an unknown
     *                            dtype, a shape whose byte size overflows or does not match its offsets,
     *                            offsets out of range, overlapping, leaving a gap or trailing bytes; the
     *                            message names the tensor and the byte offset. Also when the tensors
     *                            together are larger than the Java heap's maximum ({@link Runtime#maxMemory()}),
     *                            before any is read
     * @throws IOException        when it cannot be read (an {@link java.io.EOFException} if it shrinks
     *                            while being read), or is not a regular file (a FIFO, directory or
     *                            device: a {@link java.nio.file.FileSystemException} saying "expected a
     *                            regular file", before anything opens it)
     */
    public static Contents read(Path file) throws IOException {
        String src = file.toString();
        try (FileChannel ch = ChannelIo.openRegularFile(file)) {
            Header h = header(ch, src);
            TensorData.requireHeap(src, h.dataLen, "tensor data");
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Slot s : h.slots) {
                byte[] bytes = ChannelIo.readFully(ch, h.dataStart + s.begin, (int) (s.end - s.begin), src);
                tensors.put(s.name, new TensorData(s.name, src, h.dataStart + s.begin, s.dtype, s.shape, bytes));
            }
            return new Contents(src, h.metadata, tensors);
        }
    }

    /**
     * The {@code __metadata__} entries of a safetensors file (empty when it has none), reading only its header:
     * what a caller needs to tell one kind of file from another before it reads the tensors. The header is
     * checked as {@link #read} checks it, so a file this accepts is one whose tensors {@code read} can place.
     *
     * @throws ModelFileException when the header breaks the format or a limit, as for {@link #read}
     * @throws IOException        when it cannot be read, or is not a regular file
     */
    public static Map<String, String> metadata(Path file) throws IOException {
        String src = file.toString();
        try (FileChannel ch = ChannelIo.openRegularFile(file)) {
            return Collections.unmodifiableMap(header(ch, src).metadata);
        }
    }

    /**
     * What a file given where a safetensors file was expected is, from its first bytes, or null: the files users
     * reach for by mistake (a {@code torch.save} checkpoint, an array, the config, a CSV) all read as a header length
     * beyond the file, a message that says nothing of the file they gave.
     */
    private static String otherFormat(byte[] first) {
        if (first[0] == 'P' && first[1] == 'K' && first[2] == 3 && first[3] == 4) {
            return "a zip archive, as torch.save and torch.jit.save write (scripts/export_pytorch.py FILE DIR exports a"
                    + " PyTorch module to the safetensors and config.json that vecrnn reads)";
        }
        if ((first[0] & 0xFF) == 0x80 && first[1] >= 2 && first[1] <= 5) {
            return "a Python pickle, as torch.save wrote before PyTorch 1.6 (scripts/export_pytorch.py FILE DIR exports it)";
        }
        if ((first[0] & 0xFF) == 0x93 && first[1] == 'N' && first[2] == 'U' && first[3] == 'M' && first[4] == 'P' && first[5] == 'Y') {
            return "a .npy array (numpy.save): expected model weights";
        }
        int i = 0;
        while (i < first.length && (first[i] == ' ' || first[i] == '\n' || first[i] == '\r' || first[i] == '\t')) i++;
        if (i < first.length && first[i] == '{') return "JSON text (a config.json?): expected the weights file beside it";
        // eight bytes of printable text read as a header length of some 10^18: a CSV, a log, a script
        boolean text = true;
        for (byte b : first) text &= b >= 0x20 && b < 0x7F || b == '\n' || b == '\r' || b == '\t';
        if (text) return "text (a CSV or other text file?): expected model weights";
        return null;
    }

    /** A checked header: the metadata, where each tensor lives, and where the data begins and how long it is. */
    private record Header(Map<String, String> metadata, List<Slot> slots, long dataStart, long dataLen) {
    }

    private static Header header(FileChannel ch, String src) throws IOException {
        long size = ch.size();
        if (size < 8) throw new ModelFileException(src, 0, "file is " + size + " bytes, too short for the 8-byte header length");
        byte[] first = ChannelIo.readFully(ch, 0, 8, src);
        long n = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (Long.compareUnsigned(n, size - 8) > 0) {
            String other = otherFormat(first);
            throw new ModelFileException(src, 0, other != null ? "not a safetensors file but " + other
                    : "header length " + Long.toUnsignedString(n) + " is larger than the " + (size - 8) + " bytes after the length field");
        }
        if (n > MAX_HEADER_BYTES) {
            throw new ModelFileException(src, 0, "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        byte[] header = ChannelIo.readFully(ch, 8, (int) n, src);
        Object root = JsonParser.parse(header, 0, header.length, 8, src, Json.MAX_DEPTH, Json.MAX_VALUES);
        long dataStart = 8 + n;
        long dataLen = size - dataStart;

        if (!(root instanceof JsonParser.Obj top)) {
            throw new ModelFileException(src, 8, "header must be a JSON object, got " + Json.typeName(root));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Slot> slots = new ArrayList<>();
        for (Map.Entry<String, Object> e : top.entrySet()) {
            long at = top.offsetOf(e.getKey());
            if (e.getKey().equals(METADATA_KEY)) {
                readMetadata(src, e.getValue(), at, metadata);
            } else {
                if (slots.size() == MAX_TENSORS) {
                    throw new ModelFileException(src, at, "header lists more than " + MAX_TENSORS + " tensors");
                }
                slots.add(slot(src, e.getKey(), e.getValue(), at, dataLen));
            }
        }
        checkCoverage(src, slots, dataStart, dataLen);
        return new Header(metadata, slots, dataStart, dataLen);
    }

    private static void readMetadata(String src, Object value, long at, Map<String, String> out) {
        if (!(value instanceof JsonParser.Obj meta)) {
            throw new ModelFileException(src, at, METADATA_KEY + " must be an object of strings, got " + Json.typeName(value));
        }
        for (Map.Entry<String, Object> m : meta.entrySet()) {
            if (!(m.getValue() instanceof String s)) {
                throw new ModelFileException(src, meta.offsetOf(m.getKey()), METADATA_KEY + " value of "
                        + Untrusted.quote(m.getKey()) + " must be a string, got " + Json.typeName(m.getValue()));
            }
            out.put(m.getKey(), s);
        }
    }

    /** Checks one header entry against the format and the data size; nothing is read yet. */
    private static Slot slot(String src, String name, Object value, long at, long dataLen) {
        String t = "tensor " + Untrusted.quote(name);
        if (!(value instanceof JsonParser.Obj e)) {
            throw new ModelFileException(src, at, t + ": expected an object with dtype, shape and data_offsets, got " + Json.typeName(value));
        }
        for (String key : e.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw new ModelFileException(src, e.offsetOf(key), t + ": unknown field " + Untrusted.quote(key));
            }
        }
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!e.containsKey(key)) throw new ModelFileException(src, at, t + ": missing field \"" + key + "\"");
        }
        if (!(e.get("dtype") instanceof String dtypeName)) {
            throw new ModelFileException(src, e.offsetOf("dtype"), t + ": dtype must be a string, got " + Json.typeName(e.get("dtype")));
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeName);
        } catch (IllegalArgumentException unknown) {
            throw new ModelFileException(src, e.offsetOf("dtype"), t + ": unknown dtype " + Untrusted.quote(dtypeName)
                    + ", expected one of " + DType.knownNames());
        }
        long[] dims = longs(src, t + ": shape", e.get("shape"), e.offsetOf("shape"), -1);
        long[] offsets = longs(src, t + ": data_offsets", e.get("data_offsets"), e.offsetOf("data_offsets"), 2);
        long offsetsAt = e.offsetOf("data_offsets");
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) throw new ModelFileException(src, offsetsAt, t + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        if (end > dataLen) {
            throw new ModelFileException(src, offsetsAt, t + ": data_offsets [" + begin + ", " + end + "] reach past the "
                    + dataLen + " bytes of data in the file");
        }
        long count = 1;
        long bytes;
        try {
            for (long d : dims) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, dtype.size());
        } catch (ArithmeticException overflow) {
            throw new ModelFileException(src, e.offsetOf("shape"), t + ": shape " + Arrays.toString(dims)
                    + " of " + dtype + " holds more bytes than fit in 64 bits");
        }
        if (end - begin != bytes) {
            throw new ModelFileException(src, offsetsAt, t + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin)
                    + " bytes, but shape " + Arrays.toString(dims) + " of " + dtype + " needs " + bytes);
        }
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE) {
                throw new ModelFileException(src, e.offsetOf("shape"), t + ": dimension " + dims[i] + " is larger than 2^31 - 1, the limit of this reader");
            }
            shape[i] = (int) dims[i];
        }
        if (bytes > TensorData.MAX_BYTES) {
            throw new ModelFileException(src, offsetsAt, t + ": " + bytes + " bytes exceed the limit of " + TensorData.MAX_BYTES + " per tensor");
        }
        return new Slot(name, dtype, shape, begin, end, at);
    }

    /** A JSON array of non-negative integers; {@code length} -1 allows any length up to {@link #MAX_RANK}. */
    private static long[] longs(String src, String what, Object value, long at, int length) {
        if (!(value instanceof JsonParser.Arr arr)) {
            throw new ModelFileException(src, at, what + " must be an array of integers, got " + Json.typeName(value));
        }
        if (length >= 0 && arr.size() != length) {
            throw new ModelFileException(src, at, what + " must have " + length + " elements, got " + arr.size());
        }
        if (arr.size() > MAX_RANK) throw new ModelFileException(src, at, what + " has " + arr.size() + " dimensions, more than " + MAX_RANK);
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(arr.get(i) instanceof Long v) || v < 0) {
                throw new ModelFileException(src, arr.offsetOf(i), what + "[" + i + "] must be an integer in [0, 2^63 - 1], got "
                        + Json.typeName(arr.get(i)));
            }
            out[i] = v;
        }
        return out;
    }

    /** The tensors must tile the data exactly: sorted by offsets, each begins where the previous ended. */
    private static void checkCoverage(String src, List<Slot> slots, long dataStart, long dataLen) {
        List<Slot> sorted = new ArrayList<>(slots);
        sorted.sort(Comparator.comparingLong(Slot::begin).thenComparingLong(Slot::end));
        long cursor = 0;
        Slot previous = null;
        for (Slot s : sorted) {
            if (s.begin > cursor) {
                throw new ModelFileException(src, dataStart + cursor, "data bytes [" + cursor + ", " + s.begin
                        + ") belong to no tensor (a hole before tensor " + Untrusted.quote(s.name) + ")");
            }
            if (s.begin < cursor) {
                throw new ModelFileException(src, s.headerAt, "tensor " + Untrusted.quote(s.name) + " data_offsets [" + s.begin + ", " + s.end
                        + "] overlap tensor " + Untrusted.quote(previous.name) + " [" + previous.begin + ", " + previous.end + "]");
            }
            cursor = s.end;
            previous = s;
        }
        if (cursor < dataLen) {
            throw new ModelFileException(src, dataStart + cursor, "the last " + (dataLen - cursor) + " data bytes belong to no tensor");
        }
    }

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} atomically (temporary file, fsync,
     * rename); on failure an existing file is left as it was. Tensors are laid out by dtype size, largest
     * first, then by name, so every tensor is aligned to its element size; the header is padded with
     * spaces to a multiple of 8 bytes. The output depends only on the arguments.
     *
     * @param tensors  name to {@link Tensor} (written as F32) or {@link TensorData} (its own dtype)
     * @param metadata string entries for {@code __metadata__}, written sorted by key; null or empty for none
     * @throws IllegalArgumentException on a null or {@code "__metadata__"} name, a value of another type,
     *                                  a null metadata value, or a limit of the reader exceeded
     * @throws IOException              when the file cannot be written
     */
    public static void write(Path file, Map<String, ?> tensors, Map<String, String> metadata) throws IOException {
        record Item(String name, DType dtype, int[] shape, Object value) {
        }
        List<Item> items = new ArrayList<>();
        for (Map.Entry<String, ?> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null) throw new IllegalArgumentException("tensors: names must not be null");
            if (name.equals(METADATA_KEY)) throw new IllegalArgumentException("tensors: \"" + METADATA_KEY + "\" is reserved for metadata");
            Object v = e.getValue();
            if (v instanceof Tensor t) {
                items.add(new Item(name, DType.F32, t.shape(), t));
            } else if (v instanceof TensorData d) {
                items.add(new Item(name, d.dtype(), d.shape(), d));
            } else {
                throw new IllegalArgumentException("tensors: the value of " + Untrusted.quote(name)
                        + " must be a Tensor or TensorData, got " + Json.typeName(v));
            }
            if (items.get(items.size() - 1).shape.length > MAX_RANK) throw new IllegalArgumentException("tensors: " + Untrusted.quote(name) + " has rank above " + MAX_RANK);
        }
        if (items.size() > MAX_TENSORS) throw new IllegalArgumentException("tensors: " + items.size() + " exceed the limit of " + MAX_TENSORS);
        items.sort(Comparator.comparingInt((Item i) -> -i.dtype.size()).thenComparing(Item::name));

        StringBuilder sb = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            Json.appendString(sb, METADATA_KEY);
            sb.append(":{");
            String sep = "";
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null) throw new IllegalArgumentException("metadata: keys must not be null");
                if (m.getValue() == null) throw new IllegalArgumentException("metadata: the value of \"" + m.getKey() + "\" is null");
            }
            for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
                Json.appendString(sb.append(sep), m.getKey());
                Json.appendString(sb.append(':'), m.getValue());
                sep = ",";
            }
            sb.append('}').append(items.isEmpty() ? "" : ",");
        }
        long offset = 0;
        for (int k = 0; k < items.size(); k++) {
            Item it = items.get(k);
            long bytes = TensorData.elementCount(it.shape, it.name) * it.dtype.size();
            Json.appendString(sb.append(k == 0 ? "" : ","), it.name);
            sb.append(":{\"dtype\":\"").append(it.dtype.name()).append("\",\"shape\":[");
            for (int i = 0; i < it.shape.length; i++) sb.append(i == 0 ? "" : ",").append(it.shape[i]);
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        if (padded > MAX_HEADER_BYTES) throw new IllegalArgumentException("tensors: the header would be " + padded + " bytes, above the limit");
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');

        AtomicFiles.write(file, ch -> {
            ChannelIo.writeFully(ch, head.flip());
            for (Item it : items) {
                if (it.value instanceof Tensor t) {
                    ChannelIo.writeFloats(ch, t.data());
                } else {
                    ChannelIo.writeFully(ch, ByteBuffer.wrap(((TensorData) it.value).rawBytes()));
                }
            }
        });
    }
}
