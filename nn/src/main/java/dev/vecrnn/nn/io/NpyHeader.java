package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Untrusted;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The header dict of a .npy file, with the file offsets of its three values, a Python literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}. The parser accepts exactly that
 * grammar: the three keys once each (quoted with ' or "), a string, True/False, and a tuple of
 * non-negative integers ({@code ()}, {@code (3,)}, {@code (2, 3)}; Python 2's {@code 3L} too), trailing
 * commas, and spaces and newlines around tokens. Nothing is evaluated.
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape, long descrAt, long fortranAt, long shapeAt) {

    private static final class Parser {
        private final byte[] in;
        private final long base;
        private final String src;
        private int pos;

        Parser(byte[] in, long base, String src) {
            this.in = in;
            this.base = base;
            this.src = src;
        }

        NpyHeader dict() {
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            int descrAt = 0;
            int fortranAt = 0;
            int shapeAt = 0;
            ws();
            expect('{');
            while (true) {
                ws();
                if (peek() == '}') break;
                int keyAt = pos;
                String key = string();
                ws();
                expect(':');
                ws();
                switch (key) {
                    case "descr" -> {
                        if (descr != null) throw fail(keyAt, "duplicate key 'descr'");
                        if (peek() == '[') throw fail(pos, "structured dtypes (a list as descr) are not supported");
                        descrAt = pos;
                        descr = string();
                    }
                    case "fortran_order" -> {
                        if (fortran != null) throw fail(keyAt, "duplicate key 'fortran_order'");
                        fortranAt = pos;
                        fortran = bool();
                    }
                    case "shape" -> {
                        if (shape != null) throw fail(keyAt, "duplicate key 'shape'");
                        shapeAt = pos;
                        shape = tuple();
                    }
                    default -> throw fail(keyAt, "unknown key " + Untrusted.quote(key) + " in the header dict");
                }
                ws();
                if (peek() == '}') break;
                expect(',');
            }
            pos++;
            ws();
            if (pos < in.length) throw fail(pos, "unexpected " + describe() + " after the header dict");
            if (descr == null) throw fail(0, "header dict has no 'descr'");
            if (fortran == null) throw fail(0, "header dict has no 'fortran_order'");
            if (shape == null) throw fail(0, "header dict has no 'shape'");
            return new NpyHeader(descr, fortran, shape, base + descrAt, base + fortranAt, base + shapeAt);
        }

        private String string() {
            int open = pos;
            byte quote = peek();
            if (quote != '\'' && quote != '"') throw fail(pos, "expected a quoted string, got " + describe());
            pos++;
            while (pos < in.length && in[pos] != quote) {
                if (in[pos] < 0x20 || in[pos] == '\\') throw fail(pos, "unexpected " + describe() + " in a string");
                pos++;
            }
            if (pos >= in.length) throw fail(open, "unterminated string");
            return new String(in, open + 1, pos++ - open - 1, StandardCharsets.US_ASCII);
        }

        private boolean bool() {
            if (word("True")) return true;
            if (word("False")) return false;
            throw fail(pos, "fortran_order must be True or False, got " + describe());
        }

        private boolean word(String w) {
            if (in.length - pos < w.length()) return false;
            for (int i = 0; i < w.length(); i++) if (in[pos + i] != w.charAt(i)) return false;
            pos += w.length();
            return true;
        }

        private long[] tuple() {
            int open = pos;
            expect('(');
            long[] dims = new long[0];
            boolean comma = false;
            while (true) {
                ws();
                if (peek() == ')') break;
                if (dims.length == SafeTensors.MAX_RANK) throw fail(pos, "shape has more than " + SafeTensors.MAX_RANK + " dimensions");
                dims = Arrays.copyOf(dims, dims.length + 1);
                dims[dims.length - 1] = integer();
                ws();
                comma = peek() == ',';
                if (!comma) break;
                pos++;
            }
            expect(')');
            if (dims.length == 1 && !comma) throw fail(open, "shape (n) is not a tuple; a 1-D shape is written (n,)");
            return dims;
        }

        private long integer() {
            int start = pos;
            if (peek() == '-') throw fail(pos, "shape dimensions must be non-negative");
            if (peek() < '0' || peek() > '9') throw fail(pos, "expected an integer in the shape, got " + describe());
            long v = 0;
            while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
                if (v > (Integer.MAX_VALUE - (in[pos] - '0')) / 10) {
                    throw fail(start, "shape dimension is larger than 2^31 - 1, the limit of this reader");
                }
                v = v * 10 + (in[pos++] - '0');
            }
            if (in[start] == '0' && pos - start > 1) throw fail(start, "leading zero in a shape dimension");
            if (pos < in.length && in[pos] == 'L') pos++;
            return v;
        }

        private void ws() {
            while (pos < in.length && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) pos++;
        }

        private byte peek() {
            if (pos >= in.length) throw fail(pos, "header ends inside the dict");
            return in[pos];
        }

        private void expect(char c) {
            if (peek() != c) throw fail(pos, "expected '" + c + "' in the header dict, got " + describe());
            pos++;
        }

        private String describe() {
            if (pos >= in.length) return "end of header";
            int b = in[pos] & 0xFF;
            return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02X", b);
        }

        private ModelFileException fail(int at, String problem) {
            return new ModelFileException(src, base + at, problem);
        }
    }

    /**
     * Parses the header dict {@code in}, which starts at file offset {@code base}.
     *
     * @throws ModelFileException on anything but the grammar in the class comment
     */
    static NpyHeader parse(byte[] in, long base, String src) {
        return new Parser(in, base, src).dict();
    }

    /** The dict as NumPy writes it, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }}. */
    static String format(String descr, int[] shape) {
        StringBuilder t = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) t.append(i == 0 ? "" : ", ").append(shape[i]);
        t.append(shape.length == 1 ? ",)" : ")");
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + t + ", }";
    }
}
