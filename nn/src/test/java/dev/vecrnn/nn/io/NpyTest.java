package dev.vecrnn.nn.io;

import dev.vecrnn.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.vecrnn.nn.io.IoFixtures.ascii;
import static dev.vecrnn.nn.io.IoFixtures.assertBad;
import static dev.vecrnn.nn.io.IoFixtures.concat;
import static dev.vecrnn.nn.io.IoFixtures.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NpyTest {

    @TempDir
    Path dir;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** A version 1.0 file from a header dict written by hand, padded with spaces as NumPy does (to 64). */
    static byte[] npy1(String dict, byte[] data) {
        byte[] d = ascii(dict);
        int len = d.length + 1;
        len += (64 - (10 + len) % 64) % 64;
        return concat(MAGIC, new byte[]{1, 0, (byte) len, (byte) (len >> 8)}, d, ascii(" ".repeat(len - d.length - 1) + "\n"), data);
    }

    /** A version 2.0 or 3.0 file (4-byte header length), unpadded. */
    static byte[] npy23(int major, String dict, byte[] data) {
        byte[] h = ascii(dict + "\n");
        byte[] len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length).array();
        return concat(MAGIC, new byte[]{(byte) major, 0}, len, h, data);
    }

    /** NumPy's own bytes for {@code np.save(f, np.array([1, -2], dtype='<f4'))}, worked out from the format. */
    @Test
    void writesTheExactBytesNumPyWrites() throws IOException {
        Path f = dir.resolve("a.npy");
        Npy.write(f, Tensor.of(new float[]{1f, -2f}, 2));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
        assertEquals(57, dict.length());
        byte[] expected = concat(MAGIC, new byte[]{1, 0, 118, 0}, ascii(dict), ascii(" ".repeat(60)), ascii("\n"),
                new byte[]{0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0});
        assertEquals(128 + 8, expected.length);
        assertArrayEquals(expected, Files.readAllBytes(f));
        TensorData back = Npy.read(f);
        assertEquals("a.npy", back.name());
        assertEquals(Tensor.of(new float[]{1f, -2f}, 2), back.toTensor());
    }

    /**
     * {@code np.save} of a column-major array (a transpose, {@code np.asfortranarray}) writes
     * {@code fortran_order: True} and the elements with the first index varying fastest; numpy.load and
     * torch.from_numpy give the same values at the same indices as for the C-order file, and so must read.
     */
    @Test
    void readsFortranOrderIntoCOrder() throws IOException {
        int[] shape = {2, 3, 4};
        ByteBuffer f32 = ByteBuffer.allocate(24 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 4; k++) for (int j = 0; j < 3; j++) for (int i = 0; i < 2; i++) f32.putFloat(100 * i + 10 * j + k);
        Path f = put(dir, "f.npy", npy1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", f32.array()));
        float[] expected = new float[24];
        for (int i = 0, n = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) expected[n++] = 100 * i + 10 * j + k;
        assertEquals(Tensor.of(expected, shape), Npy.read(f).toTensor());

        ByteBuffer i64 = ByteBuffer.allocate(6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < 3; j++) for (int i = 0; i < 2; i++) i64.putLong(10L * i + j);
        Path g = put(dir, "g.npy", npy1("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }", i64.array()));
        assertArrayEquals(new long[]{0, 1, 2, 10, 11, 12}, Npy.read(g).toLongs());
        // one dimension, or a size 1 everywhere but one: both orders are the same bytes
        Path h = put(dir, "h.npy", npy1("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", new byte[]{0, 0, (byte) 0x80, 0x3F, 0, 0, 0, 0x40}));
        assertEquals(Tensor.of(new float[]{1f, 2f}, 1, 2), Npy.read(h).toTensor());
        Path e = put(dir, "e.npy", npy1("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 0), }", new byte[0]));
        assertArrayEquals(new int[]{3, 0}, Npy.read(e).shape());
    }

    @Test
    void shapesAreWrittenAsPythonTuples() {
        assertEquals("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", NpyHeader.format("<i8", new int[0]));
        assertEquals("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 0, 3), }", NpyHeader.format("<f8", new int[]{2, 0, 3}));
    }

    @Test
    void readsVersions2And3AndOlderSpellings() throws IOException {
        byte[] one = {1, 0, 0, 0, 2, 0, 0, 0};
        Path v2 = put(dir, "v2.npy", npy23(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", one));
        assertArrayEquals(new int[]{1, 2}, Npy.read(v2).toInts());
        Path v3 = put(dir, "v3.npy", npy23(3, "{\"shape\":(1,2),\"descr\":\"<i4\",\"fortran_order\":False}", one));
        assertArrayEquals(new int[]{1, 2}, Npy.read(v3).shape());
        Path py2 = put(dir, "py2.npy", npy1("{'descr': '<i4', 'fortran_order': False, 'shape': (2L,), }", one));
        assertArrayEquals(new long[]{1, 2}, Npy.read(py2).toLongs());
        Path scalar = put(dir, "s.npy", npy1("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", new byte[8]));
        assertArrayEquals(new int[0], Npy.read(scalar).shape());
        assertArrayEquals(new double[]{0}, Npy.read(scalar).toDoubles());
    }

    @Test
    void roundTripsEveryNumPyDtypeBitForBit() throws IOException {
        int[] bits = {0x7FC00001, 0x7F800001, 0x80000000, 0x00000001, 0x807FFFFF, 0xFFFFFFFF};
        float[] f = new float[bits.length];
        for (int i = 0; i < bits.length; i++) f[i] = Float.intBitsToFloat(bits[i]);
        Path p = dir.resolve("f.npy");
        Npy.write(p, Tensor.of(f, 3, 2));
        float[] back = Npy.read(p).toFloats();
        for (int i = 0; i < bits.length; i++) assertEquals(bits[i], Float.floatToRawIntBits(back[i]), "element " + i);

        for (DType t : DType.values()) {
            if (t.npyDescr() == null) continue;
            byte[] raw = new byte[6 * t.size()];
            for (int i = 0; i < raw.length; i++) raw[i] = (byte) (t == DType.BOOL ? i & 1 : 31 * i + 7);
            TensorData d = TensorData.ofBytes(t, raw, 2, 3);
            Path q = dir.resolve(t + ".npy");
            Npy.write(q, d);
            assertEquals(d, Npy.read(q), t.toString());
            TensorData empty = TensorData.ofBytes(t, new byte[0], 4, 0);
            Npy.write(q, empty);
            assertEquals(empty, Npy.read(q), t + " empty");
        }
    }

    /**
     * numpy.load reads the descr with np.dtype, which takes '=' and '|' (and no character) for the machine's own
     * byte order, and any order character on a one-byte type: a hand-written '=f4' header, which numpy loads as
     * float32 here, was refused ("unsupported dtype '=f4'"), and so was '>i1', a plain int8 to numpy. Each reads
     * as its little-endian twin, the same bytes to the same values; '>f4' stays refused.
     */
    @Test
    void readsTheOtherSpellingsNumPyLoads() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "'=' is big-endian here");
        String[][] twins = {{"=f4", "<f4"}, {"|f4", "<f4"}, {"f4", "<f4"}, {"=f8", "<f8"}, {"=f2", "<f2"}, {"=i8", "<i8"}, {"|i4", "<i4"},
                {"=i2", "<i2"}, {">i1", "|i1"}, {"<i1", "|i1"}, {"=u1", "|u1"}, {">b1", "|b1"}, {"b1", "|b1"}};
        for (String[] t : twins) {
            DType d = DType.values()[0];
            for (DType k : DType.values()) if (t[1].equals(k.npyDescr())) d = k;
            byte[] raw = new byte[2 * d.size()];
            for (int i = 0; i < raw.length; i++) raw[i] = (byte) (d == DType.BOOL ? i & 1 : 37 * i + 3);
            String rest = "', 'fortran_order': False, 'shape': (2,), }";
            TensorData got = Npy.read(put(dir, "a.npy", npy1("{'descr': '" + t[0] + rest, raw)));
            TensorData want = Npy.read(put(dir, "b.npy", npy1("{'descr': '" + t[1] + rest, raw)));
            assertEquals(d, got.dtype(), t[0]);
            assertArrayEquals(want.rawBytes(), got.rawBytes(), t[0]);
        }
        badDict("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", 8, "'>i4'", "big-endian dtype '>i4' is not supported");
        badDict("{'descr': '=c8', 'fortran_order': False, 'shape': (2,), }", 16, "'=c8'", "unsupported dtype '=c8'");
    }

    @Test
    void writesIndexArraysAsInt64() throws IOException {
        Path p = dir.resolve("lengths.npy");
        Npy.writeInts(p, new int[]{5, 3, -1}, 3);
        TensorData d = Npy.read(p);
        assertEquals(DType.I64, d.dtype());
        assertArrayEquals(new int[]{5, 3, -1}, d.toInts());
        Npy.writeLongs(p, new long[]{Long.MIN_VALUE, 0}, 1, 2);
        assertArrayEquals(new long[]{Long.MIN_VALUE, 0}, Npy.read(p).toLongs());
        ModelFileException e = assertBad(() -> Npy.read(p).toInts(), 10 + 118, "element 0 is -9223372036854775808, outside the int range");
        // named once: the array's name is its file's
        assertEquals(p + ": element 0 is -9223372036854775808, outside the int range (at byte 128)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Npy.write(p, TensorData.ofBytes(DType.BF16, new byte[2], 1)));
        assertThrows(IllegalArgumentException.class, () -> Npy.writeInts(p, new int[3], 2));
    }

    private void bad(byte[] file, long offset, String... fragments) throws IOException {
        Path f = put(dir, "bad.npy", file);
        ModelFileException e = assertBad(() -> Npy.read(f), offset, fragments);
        assertEquals(f.toString(), e.source());
    }

    private void badDict(String dict, int dataBytes, String marker, String... fragments) throws IOException {
        if (!dict.contains(marker)) throw new AssertionError("marker not in dict: " + marker);
        bad(npy1(dict, new byte[dataBytes]), 10 + dict.indexOf(marker), fragments);
    }

    @Test
    void hostilePrefixes() throws IOException {
        bad(new byte[0], 0, "file is 0 bytes, too short for a .npy header");
        bad(concat(ascii("\u0092NUMPY"), new byte[]{1, 0, 0, 0}), 0, "not a .npy file");
        // a CSV (or np.savetxt's output), short or long, given where an array goes: said to be text, with the way to an array
        bad(ascii("a,b\n1,2\n"), 0, "not a .npy file but text", "np.save(", "np.loadtxt(f, delimiter=\",\")");
        bad(ascii("time,load\r\n" + "0,1.5\r\n".repeat(20)), 0, "not a .npy file but text", "np.loadtxt");
        bad(ascii("1.000000000000000000e+00 2.000000000000000000e+00\n"), 0, "not a .npy file but text");
        // numpy.savez's .npz: a zip archive, named as such rather than as bytes that are not the .npy magic
        bad(concat(ascii("PK"), new byte[]{3, 4, 20, 0, 0, 0, 0, 0, 0, 0}), 0, "not a .npy file but a zip archive", "numpy.save");
        // torch.save(t, "x.pt") writes a zip too, whose first entry is "x/data.pkl": the .npz advice fitted it badly
        // ("numpy.savez writes .npz ones"); named as torch.save's, with the line that saves a tensor as .npy
        byte[] local = new byte[30];
        ByteBuffer.wrap(local).order(ByteOrder.LITTLE_ENDIAN).putInt(0x04034B50).putShort(26, (short) 10);
        bad(concat(local, ascii("x/data.pkl"), new byte[16]), 0, "zip archive that torch.save writes", "t.numpy()");
        ByteBuffer.wrap(local).order(ByteOrder.LITTLE_ENDIAN).putShort(26, (short) 5);
        bad(concat(local, ascii("x.npy"), new byte[16]), 0, "(numpy.savez writes .npz ones)");
        bad(concat(local, ascii("x.n")), 0, "(numpy.savez writes .npz ones)");
        bad(concat(MAGIC, new byte[]{4, 0, 0, 0}), 6, "unsupported .npy format version 4.0");
        bad(concat(MAGIC, new byte[]{1, 1, 0, 0}), 6, "unsupported .npy format version 1.1");
        bad(concat(MAGIC, new byte[]{2, 0, 0, 0}), 8, "file ends inside the header length");
        bad(concat(MAGIC, new byte[]{1, 0, (byte) 0xFF, (byte) 0xFF}, ascii("{}")), 8, "header length 65535 is larger than the 2 bytes after it");
        bad(concat(MAGIC, new byte[]{2, 0, -1, -1, -1, -1}, ascii("{}")), 8, "header length 4294967295 is larger");
        byte[] whole = npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new byte[8]);
        bad(java.util.Arrays.copyOf(whole, 100), 8, "header length 118 is larger than the 90 bytes after it");
    }

    @Test
    void hostileDicts() throws IOException {
        String ok = "'fortran_order': False, 'shape': (2,), }";
        badDict("{'descr': '>f4', " + ok, 8, "'>f4'", "big-endian dtype '>f4' is not supported", ".astype(a.dtype.newbyteorder('<'))");
        badDict("{'descr': '<c8', " + ok, 16, "'<c8'", "unsupported dtype '<c8', expected one of <f8, <f4");
        badDict("{'descr': '<u2', " + ok, 4, "'<u2'", "unsupported dtype '<u2', expected one of <f8", "|u1", "convert with .astype(np.int64)");
        badDict("{'descr': '<u8', " + ok, 16, "'<u8'", "unsupported dtype '<u8'", "every value is below 2^63");
        // class names as text (pandas' to_numpy() of a label column) get a way to number them; object arrays are not unpickled
        badDict("{'descr': '<U3', " + ok, 24, "'<U3'", "unsupported dtype '<U3'", "number it first", "np.unique(a, return_inverse=True)[1]");
        badDict("{'descr': '|S5', " + ok, 10, "'|S5'", "unsupported dtype '|S5'", "np.unique(a, return_inverse=True)[1]");
        badDict("{'descr': '|O', " + ok, 16, "'|O'", "unsupported dtype '|O'", ".astype(np.float32)", "np.unique", "not read");
        badDict("{'descr': [('a', '<f4')], " + ok, 8, "[", "structured dtypes");
        badDict("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8, "0,", "fortran_order must be True or False");
        badDict("{'descr': '<f4', 'shape': (2,), }", 8, "{", "header dict has no 'fortran_order'");
        badDict("{'descr': '<f4', 'descr': '<f4', " + ok, 8, "'descr': '<f4', 'fortran", "duplicate key 'descr'");
        badDict("{'descr': '<f4', 'extra': 1, " + ok, 8, "'extra'", "unknown key 'extra'");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, "(2)", "a 1-D shape is written (n,)");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, "-2", "shape dimensions must be non-negative");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': (02,), }", 8, "02", "leading zero");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", 8, "[2]", "expected '('");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }", 0, "2147483648", "larger than 2^31 - 1");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }", 0, "(2147",
                "holds more bytes than fit in 64 bits");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': (" + "1, ".repeat(65) + "), }", 4, "1, )", "more than 64 dimensions");
        badDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8, "x", "unexpected 'x' after the header dict");
        badDict("{'descr': '<f\u00e94', " + ok, 8, "\u00e9", "unexpected byte 0xC3 in a string");
        // 53 characters, padded to a 54-byte header: the dict is cut off at its end, byte 10 + 54
        bad(npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", new byte[8]), 64, "header ends inside the dict");
    }

    @Test
    void dataSizeMustMatchTheShapeExactly() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        bad(npy1(dict, new byte[20]), 128, "the file has 20 data bytes after the header, but shape [2, 3] of <f4 needs 24");
        bad(npy1(dict, new byte[28]), 128, "the file has 28 data bytes");
        String wide = "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }";
        bad(npy1(wide, new byte[8]), 128, "the file has 8 data bytes after the header, but shape [65536, 65536] of <f4 needs 17179869184");
    }
}
