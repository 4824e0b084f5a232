package dev.vecrnn.nn.io.internal;

import java.util.Collection;

/**
 * Text taken from a file (tensor names, dtype strings, JSON keys and values, metadata), made safe to quote
 * in an exception message that may end up on a terminal or in a log: a hostile file must not be able to
 * clear the screen, move the cursor, forge a log line or reorder the text around it, nor make a message of
 * megabytes.
 *
 * <p>{@link #quote} escapes, as Java and C write them: {@code \n \r \t \b \f}, other ASCII control
 * characters and DEL as {@code \x1b}, {@code \x7f}; C1 controls (U+0080 to U+009F), line and paragraph
 * separators, bidirectional controls, other invisible format characters (zero-width spaces, joiners,
 * the byte order mark) and unpaired surrogates as {@code \u2028}; the quote and the backslash as
 * {@code \'} and {@code \\}, so the quoted text is unambiguous. Text longer than {@value #MAX_CHARS}
 * characters is cut there and says how long it was.
 */
public final class Untrusted {

    /** The most characters of the original quoted; more are cut with an ellipsis and the original length. */
    public static final int MAX_CHARS = 80;

    /** The most names {@link #list} quotes. */
    public static final int MAX_NAMES = 20;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Untrusted() {
    }

    /**
     * {@code s} escaped, cut to {@value #MAX_CHARS} characters and in single quotes, for example
     * {@code 'a\n\x1b[2Jb'}, or {@code 'aaa...'... (100000 characters)} when cut; {@code null} for null.
     */
    public static String quote(String s) {
        if (s == null) return "null";
        int end = cut(s);
        StringBuilder sb = new StringBuilder(end + 16).append('\'');
        escape(s, end, sb, true, Integer.MAX_VALUE);
        sb.append('\'');
        if (end < s.length()) sb.append("... (").append(s.length()).append(" characters)");
        return sb.toString();
    }

    /**
     * A parsed JSON value for a message: a string as {@link #quote} gives it, a number, boolean or null as
     * it is, anything else (an object or array) as its text, escaped and cut like a string but unquoted.
     */
    public static String describe(Object v) {
        if (v instanceof String s) return quote(s);
        if (v == null || v instanceof Number || v instanceof Boolean) return String.valueOf(v);
        String s = String.valueOf(v);
        int end = cut(s);
        StringBuilder sb = new StringBuilder(end + 16);
        escape(s, end, sb, true, Integer.MAX_VALUE);
        if (end < s.length()) sb.append("... (").append(s.length()).append(" characters)");
        return sb.toString();
    }

    /**
     * Names for a message, each as {@link #quote} gives it, in the collection's order: {@code ['a', 'b']},
     * at most {@value #MAX_NAMES} of them, then how many more there are: {@code ['a', ..., 't', ... (5 more)]}.
     */
    public static String list(Collection<String> names) {
        StringBuilder sb = new StringBuilder("[");
        int i = 0;
        for (String n : names) {
            if (i == MAX_NAMES) {
                sb.append(", ... (").append(names.size() - MAX_NAMES).append(" more)");
                break;
            }
            sb.append(i++ == 0 ? "" : ", ").append(quote(n));
        }
        return sb.append(']').toString();
    }

    /** Where to stop: {@link #MAX_CHARS}, moved back so that a surrogate pair is not split. */
    private static int cut(String s) {
        if (s.length() <= MAX_CHARS) return s.length();
        return Character.isHighSurrogate(s.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
    }

    /**
     * {@code s} as one printable line: control and invisible characters escaped as {@link #quote} escapes
     * them, but no quotes added and quotes and backslashes left as they are (so text that is already
     * escaped stays readable); cut once the result reaches {@code maxChars}, with the original length.
     * For a whole message that may quote file text, such as a command's error line.
     */
    public static String printable(String s, int maxChars) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), maxChars) + 16);
        int reached = escape(s, s.length(), sb, false, maxChars);
        if (reached < s.length()) {
            sb.setLength(Math.min(sb.length(), maxChars));
            sb.append("... (").append(s.length()).append(" characters)");
        }
        return sb.toString();
    }

    /**
     * Appends s[0, end) escaped to sb ({@code quoted}: quotes and backslashes too), stopping once sb holds
     * {@code maxOut} characters; returns the index reached.
     */
    private static int escape(String s, int end, StringBuilder sb, boolean quoted, int maxOut) {
        int i = 0;
        for (; i < end && sb.length() < maxOut; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\'' -> sb.append(quoted ? "\\'" : "'");
                case '\\' -> sb.append(quoted ? "\\\\" : "\\");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                        int cp = Character.toCodePoint(c, s.charAt(++i));
                        if (invisible(cp)) unicode(sb, c).append("\\u").append(hex4(s.charAt(i)));
                        else sb.appendCodePoint(cp);
                    } else if (Character.isSurrogate(c) || invisible(c)) {
                        unicode(sb, c);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return i;
    }

    /**
     * Characters that move, hide or reorder text rather than show: C1 controls, line and paragraph
     * separators, Unicode's format characters (bidirectional embeddings, overrides and isolates, the
     * marks LRM/RLM/ALM, zero-width spaces and joiners, the byte order mark, tags), and code points Unicode
     * has not assigned (a terminal may draw them as anything).
     */
    private static boolean invisible(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED;
    }

    private static StringBuilder unicode(StringBuilder sb, char c) {
        return sb.append("\\u").append(hex4(c));
    }

    private static String hex4(char c) {
        return new String(new char[] {HEX[c >> 12], HEX[c >> 8 & 0xF], HEX[c >> 4 & 0xF], HEX[c & 0xF]});
    }
}
