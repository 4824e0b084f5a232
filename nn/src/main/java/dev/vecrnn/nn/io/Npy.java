package dev.vecrnn.nn.io;

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
import java.util.Arrays;

/**
 * Reads and writes NumPy {@code .npy} files: the magic {@code \x93NUMPY}, a version byte pair, a
 * little-endian header length (2 bytes in version 1.0, 4 in 2.0 and 3.0), a header dict such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}, then the raw array.
 *
 * <p>Accepted: versions 1.0, 2.0 and 3.0; little-endian dtypes {@code <f8 <f4 <f2 <i8 <i4 <i2} and the
 * one-byte {@code |i1 |u1 |b1}, with the other spellings numpy.load reads as these (a one-byte type with any
 * byte-order character or none; {@code =f4}, {@code |f4} or {@code f4}, the machine's own order, where that is
 * little-endian); C order and {@code fortran_order: True} (what {@code numpy.save} writes for a
 * column-major array, such as a transpose or {@code numpy.asfortranarray}; it is read into C order, the
 * values at their indices, as {@code numpy.load} and {@code torch.from_numpy} see them). Rejected with a clear
 * {@link ModelFileException} naming the file, the problem and the byte offset: a wrong magic, another
 * version, big-endian or other dtypes, a malformed dict (see {@link NpyHeader}), and a data size that is
 * not exactly the shape's. The header length is checked against the file size before anything is
 * allocated.
 *
 * <p>Limits: header at most {@value #MAX_HEADER_BYTES} bytes, rank at most
 * {@value SafeTensors#MAX_RANK}, and those of {@link TensorData}. Writes are atomic like
 * {@link SafeTensors#write}; they produce version 1.0 with the header padded to 64 bytes, as NumPy does.
 */
public final class Npy {

    /** The largest header dict accepted (NumPy itself refuses more than 10,000 by default). */
    public static final int MAX_HEADER_BYTES = 1 << 20;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** A zip archive's first four bytes, {@code PK\3\4}, read little-endian: what numpy.savez writes. */
    private static final int ZIP_MAGIC = 0x04034B50;

    private Npy() {
    }

    /**
     * What a .npy header declares: the dtype, the shape and where the data begins. From {@link #readHeader},
     * which reads no data, so a caller can refuse an array too large for it before anything is allocated.
     *
     * @param dtype      the element type
     * @param shape      the dimensions (a copy is kept and handed out)
     * @param dataOffset the file offset of the first data byte
     */
    public record Header(DType dtype, int[] shape, long dataOffset) {
        public Header {
            shape = shape.clone();
        }

        /** A copy of the shape; {@code []} for a scalar. */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** The product of the shape. */
        public long elementCount() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        /** The bytes of the data, {@code elementCount() * dtype().size()}: what {@link #read} allocates for it. */
        public long payloadBytes() {
            return elementCount() * dtype.size();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h && dtype == h.dtype && Arrays.equals(shape, h.shape) && dataOffset == h.dataOffset;
        }

        @Override
        public int hashCode() {
            return (dtype.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(dataOffset);
        }

        @Override
        public String toString() {
            return "Npy.Header[" + dtype + Arrays.toString(shape) + ", data at byte " + dataOffset + "]";
        }
    }

    /**
     * Reads and checks the header of a .npy file, and the file's size against it, without reading the data:
     * everything {@link #read} checks but the heap. For refusing a file too large to load before loading it,
     * for example {@code Npy.readHeader(f).payloadBytes() > Runtime.getRuntime().maxMemory()}.
     *
     * @throws ModelFileException when the file breaks the format or a limit (see the class comment)
     * @throws IOException        when it cannot be read, or is not a regular file (as {@link #read})
     */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = ChannelIo.openRegularFile(file)) {
            return header(ch, file.toString()).header();
        }
    }

    /**
     * Reads a whole .npy file. The result's {@link TensorData#name()} is the file name. The size of the data is
     * checked against the Java heap's maximum before it is allocated ({@link #readHeader} gives it sooner).
     *
     * @throws ModelFileException when the file breaks the format or a limit (see the class comment), or its
     *                            data are larger than the Java heap's maximum ({@link Runtime#maxMemory()})
     * @throws IOException        when it cannot be read, or is not a regular file (a FIFO, directory or
     *                            device: a {@link java.nio.file.FileSystemException} saying "expected a
     *                            regular file", before anything opens it)
     */
    public static TensorData read(Path file) throws IOException {
        String src = file.toString();
        try (FileChannel ch = ChannelIo.openRegularFile(file)) {
            Layout layout = header(ch, src);
            Header h = layout.header();
            TensorData.requireHeap(src, (layout.fortranOrder() ? 2 : 1) * h.payloadBytes(), "data");
            byte[] data = ChannelIo.readFully(ch, h.dataOffset(), (int) h.payloadBytes(), src);
            if (layout.fortranOrder()) data = toCOrder(data, h.shape(), h.dtype().size());
            Path name = file.getFileName();
            return new TensorData(name == null ? src : name.toString(), src, h.dataOffset(), h.dtype(), h.shape(), data);
        }
    }

    /** A checked header and whether its data are in column-major (Fortran) order. */
    private record Layout(Header header, boolean fortranOrder) {
    }

    /**
     * {@code data}, the elements of an array of {@code shape} in column-major order (the first index varying
     * fastest), rearranged into row-major order (the last index varying fastest); {@code size} bytes an element.
     */
    static byte[] toCOrder(byte[] data, int[] shape, int size) {
        int rank = shape.length;
        if (rank < 2 || data.length == 0) return data;
        long[] stride = new long[rank];   // the column-major stride of each index, in elements
        long s = 1;
        for (int k = 0; k < rank; k++) {
            stride[k] = s;
            s *= shape[k];
        }
        byte[] out = new byte[data.length];
        int[] index = new int[rank];
        long from = 0;
        for (int to = 0; to < out.length; to += size) {
            System.arraycopy(data, (int) (from * size), out, to, size);
            for (int k = rank - 1; k >= 0; k--) {   // the next row-major index, and its column-major offset
                if (++index[k] < shape[k]) {
                    from += stride[k];
                    break;
                }
                from -= stride[k] * (shape[k] - 1);
                index[k] = 0;
            }
        }
        return out;
    }

    /** Whether {@code start}, a file's first bytes, is printable ASCII text with tabs and line breaks (a .npy begins with 0x93). */
    private static boolean isText(byte[] start) {
        for (byte b : start) {
            if (!(b >= 0x20 && b < 0x7F || b == '\t' || b == '\n' || b == '\r')) return false;
        }
        return true;
    }

    /** The checked header of the open file {@code ch}, its size included; reads no data. */
    private static Layout header(FileChannel ch, String src) throws IOException {
        long size = ch.size();
        byte[] start = ChannelIo.readFully(ch, 0, (int) Math.min(size, 64), src);
        if (size > 0 && isText(start)) {
            // a CSV or np.savetxt's output given where an array goes: the usual slip of a first run
            throw new ModelFileException(src, 0, "not a .npy file but text (a CSV, or np.savetxt's output?): expected one array saved by"
                    + " numpy.save (np.save(\"x.npy\", a); a table of numbers loads with np.loadtxt(f, delimiter=\",\"))");
        }
        if (size < 10) throw new ModelFileException(src, 0, "file is " + size + " bytes, too short for a .npy header");
        ByteBuffer pre = ByteBuffer.wrap(Arrays.copyOf(start, 12)).order(ByteOrder.LITTLE_ENDIAN);
        if (pre.getInt(0) == ZIP_MAGIC) {
            if (firstZipEntry(ch, size, src).endsWith("data.pkl")) {
                // torch.save writes a zip whose first entry is its pickle: a tensor saved from PyTorch as it is
                throw new ModelFileException(src, 0, "not a .npy file but a zip archive that torch.save writes: expected one array saved"
                        + " by numpy.save (np.save(\"x.npy\", t.numpy()) saves a tensor t)");
            }
            // numpy.savez writes a zip of .npy files: the usual slip from the .npy a command asks for
            throw new ModelFileException(src, 0, "not a .npy file but a zip archive (numpy.savez writes .npz ones): expected one array"
                    + " saved by numpy.save (np.save(\"x.npy\", np.load(f)[\"x\"]) takes one out of a .npz)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre.get(i) != MAGIC[i]) throw new ModelFileException(src, i, "not a .npy file: it does not begin with \\x93NUMPY");
        }
        int major = pre.get(6) & 0xFF;
        int minor = pre.get(7) & 0xFF;
        if (minor != 0 || major < 1 || major > 3) {
            throw new ModelFileException(src, 6, "unsupported .npy format version " + major + "." + minor + ", expected 1.0, 2.0 or 3.0");
        }
        int prefix = major == 1 ? 10 : 12;
        if (size < prefix) throw new ModelFileException(src, 8, "file ends inside the header length");
        long headerLen = major == 1 ? pre.getShort(8) & 0xFFFFL : pre.getInt(8) & 0xFFFF_FFFFL;
        if (headerLen > size - prefix) {
            throw new ModelFileException(src, 8, "header length " + headerLen + " is larger than the " + (size - prefix) + " bytes after it");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new ModelFileException(src, 8, "header length " + headerLen + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        NpyHeader h = NpyHeader.parse(ChannelIo.readFully(ch, prefix, (int) headerLen, src), prefix, src);
        DType dtype = dtype(src, h.descr(), h.descrAt());
        long dataStart = prefix + headerLen;
        long count = 1;
        long bytes;
        try {
            for (long d : h.shape()) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, dtype.size());
        } catch (ArithmeticException overflow) {
            throw new ModelFileException(src, h.shapeAt(), "shape " + Arrays.toString(h.shape()) + " holds more bytes than fit in 64 bits");
        }
        if (bytes != size - dataStart) {
            throw new ModelFileException(src, dataStart, "the file has " + (size - dataStart) + " data bytes after the header, but shape "
                    + Arrays.toString(h.shape()) + " of " + h.descr() + " needs " + bytes);
        }
        if (bytes > TensorData.MAX_BYTES || count > Integer.MAX_VALUE) {
            throw new ModelFileException(src, dataStart, bytes + " data bytes exceed the limit of " + TensorData.MAX_BYTES + " per array");
        }
        return new Layout(new Header(dtype, Arrays.stream(h.shape()).mapToInt(Math::toIntExact).toArray(), dataStart), h.fortranOrder());
    }

    /**
     * The name of the first entry of the zip archive {@code ch}, from its local header (the name's length at
     * byte 26, the name at byte 30), or "" where the file ends before it.
     */
    private static String firstZipEntry(FileChannel ch, long size, String src) throws IOException {
        if (size < 30) return "";
        ByteBuffer head = ByteBuffer.wrap(ChannelIo.readFully(ch, 0, 30, src)).order(ByteOrder.LITTLE_ENDIAN);
        int length = head.getShort(26) & 0xFFFF;
        if (size < 30L + length) return "";
        return new String(ChannelIo.readFully(ch, 30, length, src), StandardCharsets.ISO_8859_1);
    }

    private static DType dtype(String src, String descr, long at) {
        DType t = DType.fromNpyDescr(descr);
        if (t != null) return t;
        t = otherSpelling(descr);
        if (t != null) return t;
        if ((descr.startsWith("=") || descr.startsWith("|")) && ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN
                && DType.fromNpyDescr("<" + descr.substring(1)) != null) {
            throw new ModelFileException(src, at, "dtype " + Untrusted.quote(descr) + " is in this machine's own byte order, which is"
                    + " big-endian; only little-endian ('<') is supported");
        }
        if (descr.startsWith(">")) {
            throw new ModelFileException(src, at, "big-endian dtype " + Untrusted.quote(descr) + " is not supported; only little-endian ('<')"
                    + " (convert with .astype(a.dtype.newbyteorder('<')))");
        }
        StringBuilder known = new StringBuilder();
        for (DType d : DType.values()) if (d.npyDescr() != null) known.append(known.isEmpty() ? "" : ", ").append(d.npyDescr());
        // unsigned integers wider than a byte (uint16 class labels, uint32 token ids): a signed copy holds them
        String hint = descr.equals("<u2") || descr.equals("<u4") ? " (convert with .astype(np.int64))"
                : descr.equals("<u8") ? " (convert with .astype(np.int64) where every value is below 2^63)"
                // text (class names read from a CSV) and pandas' object columns: numbers first; an object array's pickle is never read
                : descr.matches("[<>|=]?[US]\\d*") ? " (text: number it first, e.g. np.unique(a, return_inverse=True)[1] for class names)"
                : descr.matches("[<>|=]?O") ? " (an object array, as pandas' to_numpy() gives for text or mixed columns: convert with"
                + " .astype(np.float32), or number text with np.unique(a, return_inverse=True)[1]; its pickled data is not read)" : "";
        throw new ModelFileException(src, at, "unsupported dtype " + Untrusted.quote(descr) + ", expected one of " + known + hint);
    }

    /**
     * The dtype {@code descr} spells other than as numpy.save writes it, as numpy.load reads it (with
     * {@code np.dtype}): a one-byte type with any byte-order character ({@code '<' '>' '=' '|'}) or none, since it
     * has no byte order; a wider one with {@code '='}, {@code '|'} or none, which mean the reading machine's own
     * order, where that is little-endian. Null for anything else.
     */
    private static DType otherSpelling(String descr) {
        boolean marked = !descr.isEmpty() && "<>=|".indexOf(descr.charAt(0)) >= 0;
        String code = marked ? descr.substring(1) : descr;
        boolean nativeOrder = !marked || descr.charAt(0) == '=' || descr.charAt(0) == '|';
        for (DType d : DType.values()) {
            if (d.npyDescr() == null || !d.npyDescr().substring(1).equals(code)) continue;
            if (d.size() == 1 || nativeOrder && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) return d;
        }
        return null;
    }

    /** Writes {@code t} as a float32 ({@code <f4}) array of its shape, atomically. */
    public static void write(Path file, Tensor t) throws IOException {
        int[] shape = t.shape();
        float[] data = t.data();
        writeRaw(file, DType.F32, shape, ch -> ChannelIo.writeFloats(ch, data));
    }

    /**
     * Writes {@code data} with its own dtype and shape, atomically.
     *
     * @throws IllegalArgumentException for BF16, which NumPy has no type for
     */
    public static void write(Path file, TensorData data) throws IOException {
        writeRaw(file, data.dtype(), data.shape(), ch -> ChannelIo.writeFully(ch, ByteBuffer.wrap(data.rawBytes())));
    }

    /**
     * Writes {@code data} as an int64 ({@code <i8}) array, PyTorch's default integer type, atomically.
     *
     * @throws IllegalArgumentException when {@code data.length} is not the product of {@code shape}
     */
    public static void writeInts(Path file, int[] data, int... shape) throws IOException {
        long[] wide = new long[data.length];
        for (int i = 0; i < data.length; i++) wide[i] = data[i];
        write(file, TensorData.longs(wide, shape));
    }

    /**
     * Writes {@code data} as an int64 ({@code <i8}) array, atomically.
     *
     * @throws IllegalArgumentException when {@code data.length} is not the product of {@code shape}
     */
    public static void writeLongs(Path file, long[] data, int... shape) throws IOException {
        write(file, TensorData.longs(data, shape));
    }

    private static void writeRaw(Path file, DType dtype, int[] shape, AtomicFiles.Body body) throws IOException {
        if (dtype.npyDescr() == null) throw new IllegalArgumentException("data: NumPy has no dtype for " + dtype);
        if (shape.length > SafeTensors.MAX_RANK) throw new IllegalArgumentException("data: rank " + shape.length + " is above " + SafeTensors.MAX_RANK);
        String dict = NpyHeader.format(dtype.npyDescr(), shape);
        // NumPy pads with spaces and a final newline so that the data starts at a multiple of 64 bytes.
        int headerLen = dict.length() + 1;
        headerLen += (64 - (10 + headerLen) % 64) % 64;
        ByteBuffer head = ByteBuffer.allocate(10 + headerLen).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLen).put(dict.getBytes(StandardCharsets.US_ASCII));
        while (head.position() < head.limit() - 1) head.put((byte) ' ');
        head.put((byte) '\n').flip();
        AtomicFiles.write(file, ch -> {
            ChannelIo.writeFully(ch, head);
            body.writeTo(ch);
        });
    }
}
