package dev.vecrnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One generated command line for {@link ContractFuzzTest}: the command, its options (in a random order
 * when rendered, as {@code --opt value} or {@code --opt=value}), raw tokens, the files it was given, and
 * what the generator planted in it:
 * <ul>
 *   <li>{@link Expect#VALID}: nothing; the command must succeed (exit 0) and write its outputs;</li>
 *   <li>{@link Expect#FAULT}: at least one fault the contract says is refused; exit 2, and the one
 *       error line must name one of {@link #names} (the option or file at fault);</li>
 *   <li>{@link Expect#EITHER}: only changes that may or may not be refused (a byte-mutated file, an
 *       extreme value in range); exit 0 or 2, and on 2 the line must name one of {@link #names}.</li>
 * </ul>
 */
final class CliFuzzCase {
    enum Expect { VALID, EITHER, FAULT }

    final String command;
    final Path dir;
    final Random r;
    final Map<String, List<String>> opts = new LinkedHashMap<>();
    final List<String> raw = new ArrayList<>();
    /** Tokens that go last (an option that must lack its value). */
    final List<String> trailing = new ArrayList<>();
    Expect expect = Expect.VALID;
    /** The options and files at fault: on exit 2 the error line must contain one of them. */
    final Set<String> names = new LinkedHashSet<>();
    /** What was planted, for the summary and the failure report (no random values, so they aggregate). */
    final List<String> kinds = new ArrayList<>();
    /** The files a command may write (or replace, with --overwrite) when it succeeds. */
    final Set<Path> outputs = new LinkedHashSet<>();
    /**
     * Files a command may leave, new or changed, when it fails after its work began: the --checkpoint,
     * which fit writes as training goes so that --resume can continue after a crash (README, the contract).
     */
    final Set<Path> keptOnFailure = new LinkedHashSet<>();
    /** The outputs that must exist after a success. */
    final Set<Path> required = new LinkedHashSet<>();
    /** FIFOs in the case, to unblock a command that opened one. */
    final List<Path> fifos = new ArrayList<>();
    /** What the files hold, for the failure report. */
    final List<String> notes = new ArrayList<>();
    private List<String> argv;

    CliFuzzCase(String command, Path dir, Random r) {
        this.command = command;
        this.dir = dir;
        this.r = r;
    }

    /**
     * Sets {@code opt}'s value; an option the "repeat" planter gave twice stays given as often, with this value each time,
     * so that a later planter's value (or a decoy) does not take the planted repetition back out.
     */
    void put(String opt, String value) {
        List<String> old = opts.get(opt);
        opts.put(opt, new ArrayList<>(java.util.Collections.nCopies(old == null || old.isEmpty() ? 1 : old.size(), value)));
    }

    void flag(String opt) {
        opts.put(opt, new ArrayList<>());
    }

    void remove(String opt) {
        opts.remove(opt);
    }

    boolean has(String opt) {
        return opts.containsKey(opt);
    }

    String get(String opt) {
        List<String> v = opts.get(opt);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    boolean overwrite() {
        return opts.containsKey("--overwrite");
    }

    /** A fault the contract refuses: exit 2 naming one of {@code names}. */
    void fault(String kind, Object... names) {
        expect = Expect.FAULT;
        kinds.add(kind);
        for (Object n : names) this.names.add(n.toString());
    }

    /** A change that may be refused; if it is, the line must name one of {@code names}. */
    void maybe(String kind, Object... names) {
        if (expect == Expect.VALID) expect = Expect.EITHER;
        kinds.add("maybe: " + kind);
        for (Object n : names) this.names.add(n.toString());
    }

    /** Whether a planted fault or doubtful change already names {@code opt} (a later planter must leave it). */
    boolean planted(String opt) {
        return names.contains(opt);
    }

    void note(String s) {
        notes.add(s);
    }

    /** The command line (without "vecrnn"), fixed at the first call. */
    List<String> argv() {
        if (argv != null) return argv;
        List<List<String>> groups = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : opts.entrySet()) {
            List<String> g = new ArrayList<>();
            if (e.getValue().isEmpty()) {
                g.add(e.getKey());
            } else if (e.getValue().size() == 1 && r.nextInt(5) == 0 && !e.getValue().get(0).startsWith("@")) {
                g.add(e.getKey() + "=" + e.getValue().get(0));
            } else {
                for (String v : e.getValue()) {
                    g.add(e.getKey());
                    g.add(v);
                }
            }
            groups.add(g);
        }
        for (String t : raw) groups.add(List.of(t));
        Collections.shuffle(groups, r);
        List<String> a = new ArrayList<>();
        if (command != null) a.add(command);
        for (List<String> g : groups) a.addAll(g);
        a.addAll(trailing);
        argv = List.copyOf(a);
        return argv;
    }

    /** The command line as a shell would take it. */
    String shell() {
        StringBuilder b = new StringBuilder("vecrnn");
        for (String a : argv()) b.append(' ').append(quote(a));
        return b.toString();
    }

    static String quote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_./=:,+@%-]+")) return s;
        boolean plain = s.codePoints().allMatch(c -> c >= 0x20 && c < 0x7f);
        if (plain) return "'" + s.replace("'", "'\\''") + "'";
        StringBuilder b = new StringBuilder("$'");
        s.codePoints().forEach(c -> {
            if (c == '\'' || c == '\\') b.append('\\').appendCodePoint(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else if (c > 0x7e) b.append(c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.append('\'').toString();
    }
}
