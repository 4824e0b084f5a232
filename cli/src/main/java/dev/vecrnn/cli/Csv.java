package dev.vecrnn.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The records of a CSV text as RFC 4180 has them, and as Python's csv module (strict) and pandas read them:
 * fields separated by commas; a field that begins with a double quote runs to the next lone quote, may
 * hold commas and line breaks, and has {@code ""} for a quote inside; a quote elsewhere in an unquoted field
 * is an ordinary character. Lines end at \n, \r\n or \r. Lines that are blank (outside quotes) are skipped.
 * A quote never closed, or text after a closing quote, is refused naming the line and what was expected.
 */
final class Csv {
    private final String where;
    private final String text;
    private int pos;
    /** The physical line (from 1) that {@link #pos} is on. */
    private int line = 1;
    private int recordLine;

    /** @param where the file as refusals name it, such as {@code "--csv data.csv"} */
    Csv(String where, String text) {
        this.where = where;
        this.text = text;
    }

    /** The line (from 1) the record {@link #next} returned last begins on. */
    int line() {
        return recordLine;
    }

    /** The next record's fields, unquoted; null at the end of the text. */
    List<String> next() {
        while (pos < text.length() && blankLine()) skipLine();
        if (pos >= text.length()) return null;
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        while (true) {
            f.setLength(0);
            if (pos < text.length() && text.charAt(pos) == '"') {
                quoted(f, fields.size() + 1);
            } else {
                while (pos < text.length() && !endOfField(text.charAt(pos))) f.append(text.charAt(pos++));
            }
            fields.add(f.toString());
            if (pos >= text.length()) return fields;
            char c = text.charAt(pos);
            if (c == ',') {
                pos++;
                continue;
            }
            lineBreak();
            return fields;
        }
    }

    /** A quoted field from its opening quote at {@link #pos}; leaves {@link #pos} on what follows the closing one. */
    private void quoted(StringBuilder f, int field) {
        int opened = line;
        pos++;
        while (true) {
            if (pos >= text.length()) {
                throw new IllegalArgumentException(where + ": line " + opened + ": a quoted field opened on this line is never closed; expected a closing '\"'");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                if (pos + 1 < text.length() && text.charAt(pos + 1) == '"') {
                    f.append('"');
                    pos += 2;
                    continue;
                }
                pos++;
                if (pos < text.length() && !endOfField(text.charAt(pos))) {
                    // a quote left open closes at the next quote, lines further on: name where it opened
                    throw new IllegalArgumentException(where + ": line " + line + ": text after the closing quote of field " + field
                            + (opened != line ? ", a quoted field opened on line " + opened : "")
                            + "; expected a comma or the end of the line (a quote inside a quoted field is written \"\")");
                }
                return;
            }
            if (c == '\n' || c == '\r') {
                lineBreak();
                f.append('\n');
            } else {
                f.append(c);
                pos++;
            }
        }
    }

    private static boolean endOfField(char c) {
        return c == ',' || c == '\n' || c == '\r';
    }

    /** Steps over the line break at {@link #pos} (\n, \r\n or \r). */
    private void lineBreak() {
        if (text.charAt(pos) == '\r' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') pos++;
        pos++;
        line++;
    }

    private boolean blankLine() {
        for (int i = pos; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') return true;
            if (!Character.isWhitespace(c)) return false;
        }
        return true;
    }

    private void skipLine() {
        while (pos < text.length() && text.charAt(pos) != '\n' && text.charAt(pos) != '\r') pos++;
        if (pos < text.length()) lineBreak();
    }
}
