package dev.vecrnn.nn.io.internal;

import dev.vecrnn.nn.io.ModelFileException;

import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;

/**
 * A strict RFC 8259 parser over UTF-8 bytes. It rejects what lenient parsers let through (trailing
 * commas, comments, single quotes, leading zeros, NaN, raw control characters in strings, invalid or
 * overlong UTF-8, unpaired surrogates, duplicate keys, a byte order mark) and enforces a nesting depth
 * and a count of values, so a hostile input costs at most a small multiple of its own size.
 *
 * <p>Objects come back as {@link Obj} (insertion-ordered), arrays as {@link Arr}; both remember the
 * file offset of each member, so later checks of a file's structure can point at the offending byte.
 * Integers that fit a long are {@link Long}; every other number is a finite {@link Double}.
 */
public final class JsonParser {

    /** A JSON object in member order, with the file offset of each member's value. */
    public static final class Obj extends LinkedHashMap<String, Object> {
        @Serial private static final long serialVersionUID = 1L;
        final long offset;
        private final HashMap<String, Long> valueOffsets = new HashMap<>();

        Obj(long offset) {
            this.offset = offset;
        }

        /** The file offset of the value of {@code key}, or of this object when the key is absent. */
        public long offsetOf(String key) {
            Long o = valueOffsets.get(key);
            return o == null ? offset : o;
        }
    }

    /** A JSON array with the file offset of each element. */
    public static final class Arr extends ArrayList<Object> {
        @Serial private static final long serialVersionUID = 1L;
        final long offset;
        private long[] offsets = new long[0];

        Arr(long offset) {
            this.offset = offset;
        }

        public long offsetOf(int i) {
            return i < size() ? offsets[i] : offset;
        }

        void add(Object value, long at) {
            if (size() == offsets.length) offsets = Arrays.copyOf(offsets, Math.max(4, 2 * offsets.length));
            offsets[size()] = at;
            add(value);
        }
    }

    private final byte[] in;
    private final int end;
    private final long base;
    private final String source;
    private final int maxDepth;
    private final long maxValues;
    private int pos;
    private long values;

    private JsonParser(byte[] in, int start, int end, long base, String source, int maxDepth, long maxValues) {
        this.in = in;
        this.pos = start;
        this.end = end;
        this.base = base;
        this.source = source;
        this.maxDepth = maxDepth;
        this.maxValues = maxValues;
    }

    /**
     * Parses {@code in[start, end)} as one JSON value surrounded by optional whitespace.
     *
     * @param base the file offset of {@code in[0]}, added to every offset in errors and in {@link Obj}
     * @throws ModelFileException on any syntax error or exceeded limit, with the file offset
     */
    public static Object parse(byte[] in, int start, int end, long base, String source, int maxDepth, long maxValues) {
        JsonParser p = new JsonParser(in, start, end, base, source, maxDepth, maxValues);
        if (end - start >= 3 && (in[start] & 0xFF) == 0xEF && (in[start + 1] & 0xFF) == 0xBB && (in[start + 2] & 0xFF) == 0xBF) {
            throw p.fail(start, "a UTF-8 byte order mark is not allowed before JSON");
        }
        p.skipWhitespace();
        Object value = p.value(0);
        p.skipWhitespace();
        if (p.pos < end) throw p.fail(p.pos, "unexpected " + p.describe(p.pos) + " after the end of the JSON value");
        return value;
    }

    private Object value(int depth) {
        if (pos >= end) throw fail(pos, "unexpected end of input, expected a value");
        if (++values > maxValues) throw fail(pos, "more than " + maxValues + " JSON values");
        byte b = in[pos];
        return switch (b) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (b == '-' || (b >= '0' && b <= '9')) yield number();
                throw fail(pos, "unexpected " + describe(pos) + ", expected a value");
            }
        };
    }

    private Obj object(int depth) {
        int open = pos;
        if (depth > maxDepth) throw fail(open, "nesting deeper than " + maxDepth + " levels");
        pos++;
        Obj obj = new Obj(base + open);
        skipWhitespace();
        if (pos < end && in[pos] == '}') {
            pos++;
            return obj;
        }
        while (true) {
            skipWhitespace();
            if (pos >= end || in[pos] != '"') {
                throw fail(pos, "expected a string key in the object opened at byte " + (base + open) + ", got " + describe(pos));
            }
            int keyAt = pos;
            String key = string();
            if (obj.containsKey(key)) throw fail(keyAt, "duplicate key " + Untrusted.quote(key));
            skipWhitespace();
            expect(':', "after the key " + Untrusted.quote(key));
            skipWhitespace();
            long valueAt = base + pos;
            obj.put(key, value(depth));
            obj.valueOffsets.put(key, valueAt);
            skipWhitespace();
            if (pos < end && in[pos] == '}') {
                pos++;
                return obj;
            }
            expect(',', "or '}' in the object opened at byte " + (base + open));
        }
    }

    private Arr array(int depth) {
        int open = pos;
        if (depth > maxDepth) throw fail(open, "nesting deeper than " + maxDepth + " levels");
        pos++;
        Arr arr = new Arr(base + open);
        skipWhitespace();
        if (pos < end && in[pos] == ']') {
            pos++;
            return arr;
        }
        while (true) {
            skipWhitespace();
            long at = base + pos;
            arr.add(value(depth), at);
            skipWhitespace();
            if (pos < end && in[pos] == ']') {
                pos++;
                return arr;
            }
            expect(',', "or ']' in the array opened at byte " + (base + open));
        }
    }

    private String string() {
        int open = pos++;
        int scan = pos;
        // Fast path: printable ASCII without escapes, the usual case for names and dtypes.
        while (scan < end && in[scan] >= 0x20 && in[scan] != '"' && in[scan] != '\\') scan++;
        if (scan < end && in[scan] == '"') {
            String s = new String(in, pos, scan - pos, StandardCharsets.ISO_8859_1);
            pos = scan + 1;
            return s;
        }
        StringBuilder sb = new StringBuilder(Math.min(scan - pos + 16, end - pos));
        while (true) {
            if (pos >= end) throw fail(open, "unterminated string");
            int b = in[pos] & 0xFF;
            if (b == '"') {
                pos++;
                return sb.toString();
            } else if (b == '\\') {
                escape(sb);
            } else if (b < 0x20) {
                throw fail(pos, String.format("control character 0x%02X in a string (it must be escaped)", b));
            } else if (b < 0x80) {
                sb.append((char) b);
                pos++;
            } else {
                utf8(sb);
            }
        }
    }

    private void escape(StringBuilder sb) {
        int at = pos++;
        if (pos >= end) throw fail(at, "unterminated escape sequence");
        byte c = in[pos++];
        switch (c) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
                char u = hex4(at);
                if (Character.isHighSurrogate(u)) {
                    if (pos + 1 < end && in[pos] == '\\' && in[pos + 1] == 'u') {
                        int lowAt = pos;
                        pos += 2;
                        char low = hex4(lowAt);
                        if (!Character.isLowSurrogate(low)) throw fail(at, String.format("unpaired surrogate \\u%04X", (int) u));
                        sb.append(u).append(low);
                    } else {
                        throw fail(at, String.format("unpaired surrogate \\u%04X", (int) u));
                    }
                } else if (Character.isLowSurrogate(u)) {
                    throw fail(at, String.format("unpaired surrogate \\u%04X", (int) u));
                } else {
                    sb.append(u);
                }
            }
            default -> throw fail(at, "invalid escape sequence \\" + describe(pos - 1));
        }
    }

    private char hex4(int escapeAt) {
        if (end - pos < 4) throw fail(escapeAt, "\\u escape needs 4 hex digits");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(in[pos + i], 16);
            if (d < 0 || in[pos + i] < 0) throw fail(escapeAt, "\\u escape needs 4 hex digits, got " + describe(pos + i));
            v = v << 4 | d;
        }
        pos += 4;
        return (char) v;
    }

    private void utf8(StringBuilder sb) {
        int at = pos;
        int b0 = in[pos] & 0xFF;
        int n;
        int cp;
        int min;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            n = 1; cp = b0 & 0x1F; min = 0x80;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 2; cp = b0 & 0x0F; min = 0x800;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 3; cp = b0 & 0x07; min = 0x10000;
        } else {
            throw fail(at, String.format("invalid UTF-8: byte 0x%02X cannot start a character", b0));
        }
        for (int i = 1; i <= n; i++) {
            if (at + i >= end) throw fail(at, "invalid UTF-8: truncated multi-byte character");
            int c = in[at + i] & 0xFF;
            if ((c & 0xC0) != 0x80) throw fail(at + i, String.format("invalid UTF-8: expected a continuation byte, got 0x%02X", c));
            cp = cp << 6 | (c & 0x3F);
        }
        if (cp < min) throw fail(at, "invalid UTF-8: overlong encoding");
        if (cp >= 0xD800 && cp <= 0xDFFF) throw fail(at, "invalid UTF-8: encoded surrogate");
        if (cp > 0x10FFFF) throw fail(at, "invalid UTF-8: code point above U+10FFFF");
        sb.appendCodePoint(cp);
        pos = at + n + 1;
    }

    private Object number() {
        int start = pos;
        if (in[pos] == '-') pos++;
        if (pos >= end || !isDigit(in[pos])) throw fail(pos, "invalid number: expected a digit, got " + describe(pos));
        if (in[pos] == '0') {
            pos++;
            if (pos < end && isDigit(in[pos])) throw fail(start, "invalid number: leading zero");
        } else {
            while (pos < end && isDigit(in[pos])) pos++;
        }
        boolean integral = true;
        if (pos < end && in[pos] == '.') {
            pos++;
            integral = false;
            digits("after the decimal point");
        }
        if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
            pos++;
            integral = false;
            if (pos < end && (in[pos] == '+' || in[pos] == '-')) pos++;
            digits("in the exponent");
        }
        String text = new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
        if (integral) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooLong) {
                // beyond the range of a long: kept as a double, like most JSON readers
            }
        }
        double d = Double.parseDouble(text);
        if (Double.isInfinite(d)) throw fail(start, "number " + Untrusted.quote(text) + " is out of the range of a double");
        return d;
    }

    private void digits(String where) {
        if (pos >= end || !isDigit(in[pos])) throw fail(pos, "invalid number: expected a digit " + where + ", got " + describe(pos));
        while (pos < end && isDigit(in[pos])) pos++;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private Object literal(String word, Object value) {
        int n = word.length();
        if (end - pos < n || !new String(in, pos, n, StandardCharsets.ISO_8859_1).equals(word)) {
            throw fail(pos, "invalid literal, expected " + word);
        }
        pos += n;
        return value;
    }

    private void expect(char c, String context) {
        if (pos >= end || in[pos] != c) throw fail(pos, "expected '" + c + "' " + context + ", got " + describe(pos));
        pos++;
    }

    private void skipWhitespace() {
        while (pos < end && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) pos++;
    }

    private String describe(int at) {
        if (at >= end) return "end of input";
        int b = in[at] & 0xFF;
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02X", b);
    }

    private ModelFileException fail(int at, String problem) {
        return new ModelFileException(source, base + at, problem);
    }
}
