package dev.vecrnn.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gate's baseline file, read strictly: one {@code key = value} per line, comments on their own lines
 * ({@code #} or {@code !}), and nothing else, so that a typo is an error naming its line rather than a
 * floor silently not checked. Keys:
 * <ul>
 *   <li>{@code speedup.<row> = F}, {@code alloc.<row> = B}: a floor at every vector width;</li>
 *   <li>{@code speedup.<row>@256 = F} (any kind, any width in bits): the floor at that width, in place of
 *       the one for every width (or alone: then the row is checked only at that width);</li>
 *   <li>{@code speedup.<row>@vnni = F}: the floor on a CPU with VNNI's integer dot products (AVX512_VNNI or
 *       AVX_VNNI), in place of any other: ONNX Runtime's int8 products run on them, and the Vector API has
 *       no operation that compiles to them, so there the int8 rows compare vecrnn with hardware it cannot
 *       use. Such a floor may be below 1; the file says why beside it.</li>
 *   <li>{@code quick.margin = M}, once, for every width.</li>
 * </ul>
 */
record GateBaseline(Path file, double quickMargin, List<Floor> floors) {

    /** One floor as written: {@code bits} 0 for every width; {@code line} in the file, for messages. */
    record Floor(String key, Comparison row, boolean speedup, int bits, boolean vnni, double limit, int line) {
        /** How specific the floor is: a CPU feature over a width over every width. */
        int rank() {
            return (vnni ? 2 : 0) + (bits != 0 ? 1 : 0);
        }
    }

    /** The CPU features a floor may be qualified by ({@code @vnni}). */
    static final String VNNI = "vnni";

    /** One check of a gate run: the floor chosen for the run's width. */
    record Check(String key, Comparison row, boolean speedup, double limit) {
    }

    private static final Pattern LINE = Pattern.compile("([^=\\s]+)\\s*=\\s*(.*)");
    private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");
    private static final Pattern FLOOR = Pattern.compile("(speedup|alloc)\\.([^@]+)(?:@(.*))?");

    static GateBaseline load(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IOException(file + ": a directory, not a baseline file");
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such baseline file");
        try {
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text (a baseline file is lines of key = value)");
        }
    }

    /** Parses the lines of {@code file}; an IllegalArgumentException says {@code file:line: key: what is wrong}. */
    static GateBaseline parse(List<String> lines, Path file) {
        double margin = Double.NaN;
        List<Floor> floors = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip(), at = file + ":" + (i + 1) + ": ";
            if (text.isEmpty() || text.startsWith("#") || text.startsWith("!")) continue;
            if (text.endsWith("\\")) throw new IllegalArgumentException(at + "a line ending in \\ (continuation lines are not read here)");
            Matcher m = LINE.matcher(text);
            if (!m.matches()) throw new IllegalArgumentException(at + "expected key = value, got '" + text + "'");
            String key = m.group(1);
            Integer before = seen.put(key, i + 1);
            if (before != null) throw new IllegalArgumentException(at + key + ": already set on line " + before);
            double v = number(at + key, m.group(2));
            if (key.equals("quick.margin")) {
                if (!(v > 0 && v <= 1)) throw new IllegalArgumentException(at + "quick.margin: expected a number in (0, 1], got " + v);
                margin = v;
                continue;
            }
            Matcher f = FLOOR.matcher(key);
            if (!f.matches()) {
                throw new IllegalArgumentException(at + key + ": expected speedup.<row>, alloc.<row> (either with @<bits> or @" + VNNI + ") or quick.margin");
            }
            Comparison row;
            try {
                row = Comparison.byId(f.group(2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + key + ": " + e.getMessage());
            }
            boolean speedup = f.group(1).equals("speedup");
            if (speedup && row.baseline() == null) throw new IllegalArgumentException(at + key + ": that row has no baseline to compare with");
            boolean vnni = VNNI.equals(f.group(3));
            int bits = f.group(3) == null || vnni ? 0 : bits(at + key, f.group(3));
            floors.add(new Floor(key, row, speedup, bits, vnni, v, i + 1));
        }
        if (Double.isNaN(margin)) throw new IllegalArgumentException(file + ": missing quick.margin");
        if (floors.isEmpty()) throw new IllegalArgumentException(file + ": no checks (expected lines like speedup.step-lstm-64 = 3)");
        return new GateBaseline(file, margin, List.copyOf(floors));
    }

    /** {@link #checks(int, boolean)} on a CPU without VNNI. */
    List<Check> checks(int bits) {
        return checks(bits, false);
    }

    /**
     * The checks at a width of {@code bits}, in the order of the table's rows, speed-ups before bytes: for each
     * row and kind, the floor written for a CPU with VNNI where {@code vnni} and the file has one, else the
     * one written for that width, else the one for every width.
     */
    List<Check> checks(int bits, boolean vnni) {
        List<Check> out = new ArrayList<>();
        for (Comparison c : Comparison.all(false)) {
            for (boolean speedup : new boolean[] {true, false}) {
                Floor chosen = null;
                for (Floor f : floors) {
                    if (f.row().id().equals(c.id()) && f.speedup() == speedup && (f.bits() == bits || f.bits() == 0)
                            && (vnni || !f.vnni()) && (chosen == null || f.rank() > chosen.rank())) {
                        chosen = f;
                    }
                }
                if (chosen != null) out.add(new Check(chosen.key(), c, speedup, chosen.limit()));
            }
        }
        return out;
    }

    private static double number(String where, String s) {
        // Plain decimals only: Double.parseDouble would also take 3f, 0x1p3 and Infinity.
        if (NUMBER.matcher(s).matches()) return Double.parseDouble(s);
        throw new IllegalArgumentException(where + ": expected a non-negative number, got '" + s + "'");
    }

    private static int bits(String where, String s) {
        for (int b = 64; b <= 2048; b *= 2) if (s.equals(Integer.toString(b))) return b;
        throw new IllegalArgumentException(where + ": expected a vector width in bits (64, 128, 256, 512, 1024 or 2048) or " + VNNI
                + " after @, got '" + s + "'");
    }
}
