package dev.vecrnn.nn.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded edits of model files for the fuzz tests. Every choice comes from one {@link Random}, so a
 * failing seed replays exactly. Byte edits (bit flips, overwrites, deletions, insertions, copies,
 * truncation) know nothing of the format; structural edits rewrite a header as text (held as
 * ISO-8859-1, so every byte survives) to reach the checks behind the parser: wrong dtypes, huge shapes,
 * duplicated or out-of-range offsets, extra and renamed tensors, duplicate keys, deep nesting, huge strings.
 */
final class FileMutator {

    /** Edge values of every integer range the readers check. */
    static final String[] NUMBERS = {"0", "1", "-1", "7", "8", "255", "65536", "2147483647", "2147483648", "4294967295",
            "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775808",
            "1e3", "1.5", "00", "1e999", "-0"};
    static final String[] DTYPES = {"F32", "F64", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "C64",
            "U64", "f32", "", "F32 ", "\\u0046\\u0033\\u0032"};
    static final String[] SHAPES = {"[]", "[0]", "[1]", "[2,3]", "[-1]", "[1.5]", "[\"2\"]", "[null]", "[2147483647]",
            "[2147483648]", "[4294967296,4294967296]", "[65536,65536]", "[46341,46341]", "[9223372036854775807,2]",
            "[3037000500,3037000500]", "[18446744073709551615]", "{}", "7", "[" + "1,".repeat(64) + "1]",
            "[" + "2,".repeat(62) + "2]"};
    static final String[] NPY_DESCRS = {"<f4", "<f8", "<f2", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1", ">f4", ">i8", "<u8",
            "<c8", "|O", "<U3", "<f16", "", "f4", "<V8"};
    static final String[] NPY_SHAPES = {"()", "(0,)", "(6,)", "(3, 2)", "(2, 3)", "(3)", "(-1,)", "(1.5,)", "(2147483647,)",
            "(2147483648,)", "(65536, 65536)", "(46341, 46341)", "(3L, 2L)", "(03,)", "(,)", "((3,),)", "[3, 2]",
            "(" + "1, ".repeat(65) + ")", "(" + "2, ".repeat(62) + ")"};
    static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "\\", "'", "(", ")", "null", "true", "False", "-",
            "0", "1", "8", "-1", "1e999", "2147483648", "\"\\u0000\"", "\"\\ud800\"", "\"__metadata__\"", "\"dtype\"",
            "\"shape\"", "\"data_offsets\"", "\"F32\"", "\"a\"", "'descr'", "'<f4'", "'shape'", "'fortran_order'",
            "\"type\"", "\"LSTM\"", "\"hidden_size\"", " ", "\n", "\u00ff", "\u00c0\u0080", "\u00ef\u00bb\u00bf"};

    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Pattern STRING = Pattern.compile("\"[^\"\\\\]*\"|'[^']*'");
    private static final Pattern KEY = Pattern.compile("\"[^\"\\\\]*\":|'[^']*':");
    private static final Pattern ST_DTYPE = Pattern.compile("\"dtype\":\"[^\"]*\"");
    private static final Pattern ST_SHAPE = Pattern.compile("\"shape\":\\[[^\\]]*\\]");
    private static final Pattern ST_OFFSETS = Pattern.compile("\"data_offsets\":\\[[^\\]]*\\]");
    private static final Pattern ST_ENTRY = Pattern.compile("\"([^\"]*)\":(\\{\"dtype\"[^}]*\\})");
    private static final Pattern NPY_DESCR = Pattern.compile("'descr': *'[^']*'");
    private static final Pattern NPY_SHAPE = Pattern.compile("'shape': *\\([^)]*\\)");
    private static final Pattern NPY_FORTRAN = Pattern.compile("'fortran_order': *\\w+");

    final Random r;

    FileMutator(long seed) {
        r = new Random(seed);
    }

    <T> T pick(T[] options) {
        return options[r.nextInt(options.length)];
    }

    int between(int lo, int hi) {
        return lo + r.nextInt(hi - lo + 1);
    }

    // ---- byte edits -------------------------------------------------------------------------------

    /** One edit that knows nothing of the format. */
    byte[] byteEdit(byte[] b) {
        return switch (r.nextInt(7)) {
            case 0 -> flip(b);
            case 1 -> overwrite(b);
            case 2 -> splice(b, r.nextInt(b.length + 1), between(1, 16), new byte[0]);
            case 3 -> splice(b, r.nextInt(b.length + 1), 0, r.nextBoolean() ? randomBytes(between(1, 16)) : latin1(pick(TOKENS)));
            case 4 -> copyRange(b);
            case 5 -> replaceNumber(b);
            default -> java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
        };
    }

    byte[] flip(byte[] b) {
        if (b.length == 0) return b;
        byte[] c = b.clone();
        c[r.nextInt(c.length)] ^= (byte) (1 << r.nextInt(8));
        return c;
    }

    private byte[] overwrite(byte[] b) {
        if (b.length == 0) return b;
        byte[] c = b.clone();
        byte[] special = {0, (byte) 0xFF, (byte) 0x80, '"', '\\', '{', '[', ',', ':', '0', '9', '-', ' ', '\''};
        c[r.nextInt(c.length)] = r.nextBoolean() ? special[r.nextInt(special.length)] : (byte) r.nextInt();
        return c;
    }

    private byte[] copyRange(byte[] b) {
        if (b.length == 0) return b;
        int from = r.nextInt(b.length);
        int len = Math.min(b.length - from, between(1, 64));
        byte[] piece = java.util.Arrays.copyOfRange(b, from, from + len);
        return splice(b, r.nextInt(b.length + 1), r.nextBoolean() ? 0 : len, piece);
    }

    /** Replaces one run of digits with an edge value. */
    byte[] replaceNumber(byte[] b) {
        return replaceMatch(b, DIGITS, m -> pick(NUMBERS));
    }

    byte[] randomBytes(int n) {
        byte[] out = new byte[n];
        r.nextBytes(out);
        return out;
    }

    /** Tokens of JSON and of .npy dicts in random order: syntax a parser must walk into before failing. */
    byte[] tokenSoup(int tokens) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens; i++) sb.append(pick(TOKENS));
        return latin1(sb.toString());
    }

    // ---- structural edits ----------------------------------------------------------------------------

    /** One edit of a safetensors header (JSON); {@code data} is the data region, which some edits extend. */
    byte[][] safetensorsEdit(byte[] header, byte[] data) {
        String h = text(header);
        String original = h;
        byte[] d = data;
        int dataLen = data.length;
        switch (r.nextInt(10)) {
            case 0 -> h = replace(h, ST_DTYPE, m -> "\"dtype\":\"" + pick(DTYPES) + "\"");
            case 1 -> h = replace(h, ST_SHAPE, m -> "\"shape\":" + pick(SHAPES));
            case 2 -> h = replace(h, ST_OFFSETS, m -> "\"data_offsets\":" + offsets(original, dataLen));
            case 3 -> h = replace(h, ST_ENTRY, m -> m.group() + ",\"copy" + r.nextInt(3) + "\":" + m.group(2));
            case 4 -> h = replace(h, ST_ENTRY, m -> "\"" + rename(m.group(1)) + "\":" + m.group(2));
            case 5 -> {
                int n = pick(new Integer[]{1, 2, 4, 8});
                String dtype = n == 1 ? "U8" : n == 2 ? "F16" : n == 4 ? "F32" : "F64";
                String entry = "\"extra" + r.nextInt(3) + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":["
                        + d.length + "," + (d.length + n) + "]}";
                int close = h.lastIndexOf('}');
                if (close > 0) h = h.substring(0, close) + "," + entry + h.substring(close);
                d = IoFixtures.concat(d, randomBytes(n));
            }
            default -> h = text(jsonEdit(header));
        }
        return new byte[][]{latin1(h), d};
    }

    /** Offsets for a tensor: another entry's (overlap), or edges of the data region. */
    private String offsets(String h, int dataLen) {
        List<String> others = matches(h, ST_OFFSETS);
        if (!others.isEmpty() && r.nextBoolean()) return others.get(r.nextInt(others.size())).substring("\"data_offsets\":".length());
        long[] edges = {0, 1, 4, dataLen - 1, dataLen, dataLen + 1, Integer.MAX_VALUE, 1L << 32, Long.MAX_VALUE};
        long a = edges[r.nextInt(edges.length)];
        long b = edges[r.nextInt(edges.length)];
        return "[" + a + "," + b + "]";
    }

    private String rename(String name) {
        return switch (r.nextInt(4)) {
            case 0 -> name + "x";
            case 1 -> name.replace('0', '9');
            case 2 -> "";
            default -> "__metadata__";
        };
    }

    /** One edit of a .npy header dict. */
    byte[] npyEdit(byte[] header) {
        String h = text(header);
        h = switch (r.nextInt(7)) {
            case 0 -> replace(h, NPY_DESCR, m -> "'descr': '" + pick(NPY_DESCRS) + "'");
            case 1 -> replace(h, NPY_SHAPE, m -> "'shape': " + pick(NPY_SHAPES));
            case 2 -> replace(h, NPY_FORTRAN, m -> "'fortran_order': " + pick(new String[]{"True", "False", "1", "None", "'x'", "true"}));
            case 3 -> h.replaceFirst("\\{", "{" + pick(new String[]{"'descr': '<f4', ", "'shape': (), ", "'fortran_order': False, ",
                    "'extra': 1, ", "\"descr\": \"<f4\", "}));
            case 4 -> replace(h, STRING, m -> "'" + hugeContent() + "'");
            case 5 -> replace(h, NPY_SHAPE, m -> "'shape': (" + "(".repeat(between(1, 100)) + ")");
            default -> text(byteEdit(header));
        };
        return latin1(h);
    }

    /** One edit that applies to any JSON text: a number, a duplicate key, deep nesting, a huge string. */
    byte[] jsonEdit(byte[] json) {
        String s = text(json);
        s = switch (r.nextInt(5)) {
            case 0 -> text(replaceNumber(json));
            case 1 -> replace(s, KEY, m -> m.group() + pick(new String[]{"0", "\"x\"", "null", "{}"}) + "," + m.group());
            case 2 -> nest(s);
            case 3 -> replace(s, STRING, m -> "\"" + hugeContent() + "\"");
            default -> replace(s, KEY, m -> m.group() + pick(NUMBERS) + ",");
        };
        return latin1(s);
    }

    /** Wraps the value after one ':' in brackets, from a few levels to far past the depth limit. */
    private String nest(String s) {
        List<Integer> colons = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == ':') colons.add(i);
        if (colons.isEmpty()) return s;
        int at = colons.get(r.nextInt(colons.size())) + 1;
        int end = at;
        while (end < s.length() && s.charAt(end) != ',' && s.charAt(end) != '}') end++;
        int depth = pick(new Integer[]{2, 30, 62, 63, 64, 65, 1000, 100_000});
        boolean objects = r.nextBoolean();
        String open = objects ? "{\"k\":" : "[";
        String close = objects ? "}" : "]";
        return s.substring(0, at) + open.repeat(depth) + s.substring(at, end) + close.repeat(depth) + s.substring(end);
    }

    /** The content of a long string: plain, escaped, multi-byte or invalid UTF-8; rarely a megabyte. */
    private String hugeContent() {
        int n = r.nextInt(40) == 0 ? 1 << 20 : pick(new Integer[]{100, 5_000, 70_000});
        return switch (r.nextInt(4)) {
            case 0 -> "a".repeat(n);
            case 1 -> "\\u00e9".repeat(n / 6 + 1);
            case 2 -> "\u00c3\u00a9".repeat(n / 2 + 1);
            default -> "a".repeat(n) + "\u00c0\u0080";
        };
    }

    // ---- file-level edits ----------------------------------------------------------------------------

    /** Overwrites the little-endian length field at {@code at} ({@code width} bytes) with an edge value. */
    byte[] overwriteLength(byte[] file, int at, int width, long headerLen) {
        long[] edges = {0, 1, headerLen - 1, headerLen + 1, file.length - at - width, file.length, 1L << 20, (1L << 31) - 1,
                1L << 31, 100_000_001L, Long.MAX_VALUE, -1, r.nextLong()};
        long v = edges[r.nextInt(edges.length)];
        byte[] c = file.clone();
        ByteBuffer bb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        for (int i = 0; i < width && at + i < c.length; i++) c[at + i] = bb.get(i);
        return c;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private String replace(String s, Pattern p, java.util.function.Function<Matcher, String> with) {
        Matcher m = p.matcher(s);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) spans.add(new int[]{m.start(), m.end()});
        if (spans.isEmpty()) return s;
        int[] span = spans.get(r.nextInt(spans.size()));
        m = p.matcher(s);
        if (!m.find(span[0])) return s;
        return s.substring(0, m.start()) + with.apply(m) + s.substring(m.end());
    }

    private byte[] replaceMatch(byte[] b, Pattern p, java.util.function.Function<Matcher, String> with) {
        return latin1(replace(text(b), p, with));
    }

    private static List<String> matches(String s, Pattern p) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    static byte[] splice(byte[] in, int at, int remove, byte[] insert) {
        at = Math.min(at, in.length);
        remove = Math.min(remove, in.length - at);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(in, 0, at);
        out.writeBytes(insert);
        out.write(in, at + remove, in.length - at - remove);
        return out.toByteArray();
    }
}
