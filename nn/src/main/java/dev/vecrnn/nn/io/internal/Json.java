package dev.vecrnn.nn.io.internal;

import dev.vecrnn.nn.io.ModelFileException;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader and writer for configuration files ({@code config.json}) and safetensors
 * headers. No third-party parser: this one is written for hostile input.
 *
 * <p>Parsed values map to Java as: object to {@code Map<String, Object>} in member order (a fresh,
 * mutable {@link java.util.LinkedHashMap}), array to {@code List<Object>}, string to {@link String},
 * integer that fits a long to {@link Long}, any other number to a finite {@link Double}, {@code true}
 * and {@code false} to {@link Boolean}, {@code null} to null.
 *
 * <p>Limits: nesting depth at most {@value #MAX_DEPTH}, at most {@value #MAX_VALUES} values; duplicate
 * keys, trailing commas, comments, leading zeros, NaN/Infinity, raw control characters, invalid UTF-8,
 * unpaired surrogates and a byte order mark are errors. Every error is a {@link ModelFileException}
 * whose offset counts bytes of the UTF-8 input.
 */
public final class Json {

    /** The deepest nesting of objects and arrays accepted, by reader and writer. */
    public static final int MAX_DEPTH = 64;
    /** The most values (objects, arrays, strings, numbers, literals) one parse may create. */
    public static final int MAX_VALUES = 1 << 20;

    private static final String INPUT = "JSON input";

    private Json() {
    }

    /**
     * Parses one JSON value from {@code text}.
     *
     * @return a Map, List, String, Long, Double, Boolean or null (see the class comment)
     * @throws ModelFileException on a syntax error or an exceeded limit; the offset counts bytes of the
     *                            UTF-8 encoding of {@code text}
     */
    public static Object parse(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new ModelFileException(INPUT, -1, "unpaired surrogate U+" + Integer.toHexString(c).toUpperCase() + " at char index " + i);
            }
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return JsonParser.parse(utf8, 0, utf8.length, 0, INPUT, MAX_DEPTH, MAX_VALUES);
    }

    /**
     * Reads a UTF-8 JSON file whose top-level value must be an object, such as {@code config.json}.
     * The size is checked before anything is read into memory.
     *
     * @param maxBytes the largest file accepted (at most 2^31 - 9)
     * @throws ModelFileException   when the file is larger than {@code maxBytes} (at the first byte
     *                              past the limit; nothing is read then), is not valid JSON or breaks a
     *                              limit of the class comment (at the offending byte), or holds
     *                              something other than an object
     * @throws IllegalArgumentException (not a ModelFileException) when {@code maxBytes} is out of range
     * @throws IOException          when the file cannot be read, or is not a regular file (a FIFO,
     *                              directory or device: a {@link java.nio.file.FileSystemException}
     *                              saying "expected a regular file", before anything opens it)
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(Path file, long maxBytes) throws IOException {
        String source = file.toString();
        if (maxBytes < 0 || maxBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxBytes: expected in [0, 2^31 - 9], got " + maxBytes);
        }
        try (FileChannel ch = ChannelIo.openRegularFile(file)) {
            long size = ch.size();
            if (size > maxBytes) {
                throw new ModelFileException(source, maxBytes, "file is " + size + " bytes, more than the limit of " + maxBytes);
            }
            byte[] bytes = ChannelIo.readFully(ch, 0, (int) size, source);
            Object value = JsonParser.parse(bytes, 0, bytes.length, 0, source, MAX_DEPTH, MAX_VALUES);
            if (!(value instanceof Map<?, ?>)) {
                throw new ModelFileException(source, 0, "expected a JSON object at the top level, got " + typeName(value));
            }
            return (Map<String, Object>) value;
        }
    }

    /**
     * Writes {@code value} as compact JSON (no whitespace).
     *
     * @param value a Map with String keys, Iterable (List), String, Boolean, null, or a finite number
     *              (Integer, Long, Short, Byte, Double, Float, BigInteger, BigDecimal)
     * @throws IllegalArgumentException on another type, a non-String key, a NaN or infinite number, a
     *                                  string with an unpaired surrogate, or nesting deeper than
     *                                  {@value #MAX_DEPTH} (which also catches cycles)
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0, -1);
        return sb.toString();
    }

    /** Like {@link #write(Object)}, indented by two spaces per level and ending in a newline. */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0, 0);
        return sb.append('\n').toString();
    }

    /** {@code indent} -1 means compact; otherwise the current indentation level. */
    private static void write(StringBuilder sb, Object value, int depth, int indent) {
        // if-chains rather than a pattern switch: the library compiles for JDK 17 (issue 15)
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String s) {
            appendString(sb, s);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte || value instanceof BigInteger || value instanceof BigDecimal) {
            sb.append(value);
        } else if (value instanceof Double d) {
            sb.append(finite(d, d));
        } else if (value instanceof Float f) {
            sb.append(finite(f, f));
        } else if (value instanceof Map<?, ?> map) {
            checkDepth(depth);
            sb.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            boolean any = it.hasNext();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("JSON object keys must be strings, got " + typeName(e.getKey()));
                }
                newline(sb, indent, 1);
                appendString(sb, key);
                sb.append(indent < 0 ? ":" : ": ");
                write(sb, e.getValue(), depth + 1, indent < 0 ? -1 : indent + 1);
                if (it.hasNext()) sb.append(',');
            }
            if (any) newline(sb, indent, 0);
            sb.append('}');
        } else if (value instanceof Iterable<?> list) {
            checkDepth(depth);
            sb.append('[');
            Iterator<?> it = list.iterator();
            boolean any = it.hasNext();
            while (it.hasNext()) {
                newline(sb, indent, 1);
                write(sb, it.next(), depth + 1, indent < 0 ? -1 : indent + 1);
                if (it.hasNext()) sb.append(',');
            }
            if (any) newline(sb, indent, 0);
            sb.append(']');
        } else {
            throw new IllegalArgumentException("cannot write a " + typeName(value) + " as JSON");
        }
    }

    private static void checkDepth(int depth) {
        if (depth >= MAX_DEPTH) throw new IllegalArgumentException("JSON nesting deeper than " + MAX_DEPTH + " levels (a cycle?)");
    }

    private static void newline(StringBuilder sb, int indent, int extra) {
        if (indent < 0) return;
        sb.append('\n');
        for (int i = 2 * (indent + extra); i > 0; i--) sb.append(' ');
    }

    private static Object finite(double d, Object boxed) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d + "; expected a finite number");
        return boxed;
    }

    /** Appends {@code s} as a JSON string literal; non-ASCII characters are written as they are. */
    public static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException("string has an unpaired surrogate at index " + i + ": " + Untrusted.quote(s));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * Refuses a key of {@code object} not among {@code known}, naming it, where {@code object} is part of a file vecrnn writes
     * whole ({@code format} names what this version reads): a key it does not know comes from a later vecrnn (a setting that
     * changes what the file means, which ignoring would silently drop) or from an edit, so it is refused as Keras's
     * from_config refuses an unrecognized argument, not skipped. {@code where} begins the message.
     */
    public static void onlyKeys(Map<String, ?> object, String where, String format, String... known) {
        for (String key : object.keySet()) {
            if (!List.of(known).contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key " + Untrusted.quote(key) + " (this vecrnn reads " + format
                        + ", whose keys here are " + String.join(", ", known) + "; a file of a later vecrnn needs that version)");
            }
        }
    }

    /** The JSON name of a parsed value's type, for messages. */
    public static String typeName(Object v) {
        if (v == null) return "null";
        if (v instanceof Map<?, ?>) return "an object";
        if (v instanceof List<?>) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Number n) return "a number (" + n + ")";
        return v.getClass().getName();
    }
}
