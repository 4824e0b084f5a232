package dev.vecrnn.cli;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command-line contract fuzzer (issue 13). Each try draws a command line for one command from a
 * seed ({@link CliFuzzGen}: valid and cheap one time in five, otherwise with planted faults in options,
 * picocli usage, input files and outputs), lays its files out in a fresh directory, runs it in process
 * ({@link Main#run}) with System.out and System.err captured, and checks the contract of every
 * {@code vecrnn} command:
 * <ul>
 *   <li>the exit code is 0 or 2; a planted fault gets 2, a valid command line 0;</li>
 *   <li>on 2, stderr holds exactly one non-empty line starting with "vecrnn", without a stack trace
 *       ({@code "\tat "}, "Exception", "Caused by") or "internal error", that names the option or file
 *       at fault (any of {@link CliFuzzCase#names}) and no option the command does not have;</li>
 *   <li>on 2, no file under the case's directory appeared, changed or went away (outputs included: none
 *       is created or replaced by a failed command);</li>
 *   <li>on 0, only the declared outputs (and directories made for them) appeared or changed, an existing
 *       output only with --overwrite, and every required output exists; inputs are byte-identical;</li>
 *   <li>nothing appears in the working directory; no command blocks on a FIFO or runs past
 *       {@link #TIMEOUT_SECONDS}.</li>
 * </ul>
 * A violation fails the try with the command line, its files and what it printed (jqwik reports the
 * seed; {@code @Property(seed = "...")} replays it). With {@code -Dvecrnn.fuzz.survey=true} the run goes on
 * past violations, lists them all in the summary and fails at the end. Counts per command and outcome,
 * the planted faults and the time taken go to standard output and {@code target/cli-fuzz-summary.txt}.
 */
class ContractFuzzTest {

    static final long TIMEOUT_SECONDS = 30;
    /** The share of tries with nothing planted. */
    static final double VALID_SHARE = 0.2;
    /** A bound on the whole run's command time, against a fuzzer that slowly turns into a benchmark. */
    static final long WHOLE_RUN_SECONDS = 300;
    static final boolean SURVEY = Boolean.getBoolean("vecrnn.fuzz.survey");

    private static final Pattern OPTION = Pattern.compile("(?<![A-Za-z0-9_-])--[A-Za-z][A-Za-z0-9_-]*");

    private static Path root;
    private static Path cwd;
    private static ExecutorService worker;
    private static volatile Thread workerThread;
    private static long cases;
    private static long runStart;
    private static final Map<String, Set<String>> OPTIONS = new TreeMap<>();
    private static final Map<String, Tally> TALLIES = new TreeMap<>();
    private static final Map<String, Violation> VIOLATIONS = new LinkedHashMap<>();

    /** Counts and times of one command over the run. */
    private static final class Tally {
        long runs;
        long nanos;
        long maxNanos;
        String slowest = "";
        final Map<String, Long> outcomes = new TreeMap<>();
        final Map<String, long[]> planted = new TreeMap<>();  // kind -> {cases, exit 2}
    }

    /** One kind of violation: how often, the first example in brief and in full. */
    private record Violation(String signature, long[] count, String brief, String example) {
    }

    private record Result(int code, String out, String err, Throwable thrown, String hang, long nanos) {
    }

    // ---- lifecycle ----------------------------------------------------------------------------------------------

    @BeforeContainer
    static void setUp() throws Exception {
        runStart = System.nanoTime();
        cwd = Path.of("").toAbsolutePath();
        Path shm = Path.of("/dev/shm");
        root = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "vecrnn-cli-fuzz")
                : Files.createTempDirectory("vecrnn-cli-fuzz");
        CliFuzzFiles.setUp(root);
        newWorker();
        PrintStream out = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            CliFuzzTemplates.make(Files.createDirectories(root.resolve("templates")), fixture());
        } finally {
            System.setOut(out);
        }
        CommandLine cl = new CommandLine(new Main());
        OPTIONS.put("", new TreeSet<>(cl.getCommandSpec().optionsMap().keySet()));
        cl.getSubcommands().forEach((name, sub) -> OPTIONS.put(name, new TreeSet<>(sub.getCommandSpec().optionsMap().keySet())));
    }

    static Path fixture() throws URISyntaxException {
        return Path.of(ContractFuzzTest.class.getResource("/lstm-proj-bidir/x.npy").toURI()).getParent();
    }

    @AfterContainer
    static void report() throws IOException {
        worker.shutdownNow();
        CliFuzzFiles.deleteTree(root);
        StringBuilder sb = new StringBuilder();
        long runs = 0;
        long nanos = 0;
        for (Tally t : TALLIES.values()) {
            runs += t.runs;
            nanos += t.nanos;
        }
        sb.append(String.format("CLI contract fuzz summary: %d invocations, %.1f s in commands, %.1f s in all (generating, laying out"
                + " and checking files included); %d kinds of violation%n", runs, nanos / 1e9, (System.nanoTime() - runStart) / 1e9, VIOLATIONS.size()));
        sb.append(String.format("  FIFOs %s, permissions %s%n", CliFuzzFiles.fifos ? "made with mkfifo" : "unavailable (skipped)",
                CliFuzzFiles.permissionsEnforced ? "enforced" : "not enforced (root): mode-000 and read-only cases skipped"));
        for (Map.Entry<String, Tally> e : TALLIES.entrySet()) {
            Tally t = e.getValue();
            sb.append(String.format("%n  %-12s %6d runs, %7.2f s, mean %6.1f ms, slowest %7.1f ms (%s)%n", e.getKey(), t.runs, t.nanos / 1e9,
                    t.nanos / 1e6 / Math.max(1, t.runs), t.maxNanos / 1e6, t.slowest));
            t.outcomes.forEach((k, v) -> sb.append(String.format("      %6d  %s%n", v, k)));
            sb.append("    planted (cases, of which exit 2):\n");
            t.planted.forEach((k, v) -> sb.append(String.format("      %6d %6d  %s%n", v[0], v[1], k)));
        }
        StringBuilder full = new StringBuilder();
        if (!VIOLATIONS.isEmpty()) {
            sb.append(String.format("%nViolations (%d kinds; full reports in cli-fuzz-violations.txt):%n", VIOLATIONS.size()));
            for (Violation v : VIOLATIONS.values()) {
                sb.append(String.format("  %5d x  %s%n", v.count()[0], v.signature()));
                sb.append(v.brief().indent(12));
                full.append(v.signature()).append('\n').append(v.example().indent(4)).append('\n');
            }
        }
        System.out.print(sb);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("cli-fuzz-summary.txt"), sb);
            Files.writeString(target.resolve("cli-fuzz-violations.txt"), full);
        }
        assertTrue(nanos < TimeUnit.SECONDS.toNanos(WHOLE_RUN_SECONDS), "the fuzz run spent " + nanos / 1e9 + " s in commands");
        if (SURVEY && !VIOLATIONS.isEmpty()) {
            throw new AssertionError(VIOLATIONS.size() + " kinds of contract violation (see target/cli-fuzz-summary.txt): "
                    + String.join("; ", VIOLATIONS.keySet()));
        }
    }

    // ---- the properties -------------------------------------------------------------------------------------------

    @Property(tries = 500, shrinking = ShrinkingMode.OFF)
    void fit(@ForAll long seed) {
        fuzz("fit", seed);
    }

    /** A case the generator once got wrong: the huge --lr planter overwrote a planted --epochs fault. */
    @Example
    void fitWithPlantedEpochsAndHugeLearningRate() {
        fuzz("fit", 617937969L);
    }

    /** Another: one planter took --val-y away and a second --val-x, which left a valid command line expected to fail. */
    @Example
    void fitWithoutBothValidationArrays() {
        fuzz("fit", 1602409L);
    }

    @Property(tries = 120, shrinking = ShrinkingMode.OFF)
    void tune(@ForAll long seed) {
        fuzz("tune", seed);
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF)
    void predict(@ForAll long seed) {
        fuzz("predict", seed);
    }

    @Property(tries = 150, shrinking = ShrinkingMode.OFF)
    void evaluate(@ForAll long seed) {
        fuzz("evaluate", seed);
    }

    @Property(tries = 150, shrinking = ShrinkingMode.OFF)
    void quantize(@ForAll long seed) {
        fuzz("quantize", seed);
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF)
    void infer(@ForAll long seed) {
        fuzz("infer", seed);
    }

    @Property(tries = 250, shrinking = ShrinkingMode.OFF)
    void trainText(@ForAll long seed) {
        fuzz("train-text", seed);
    }

    @Property(tries = 250, shrinking = ShrinkingMode.OFF)
    void sample(@ForAll long seed) {
        fuzz("sample", seed);
    }

    @Property(tries = 200, shrinking = ShrinkingMode.OFF)
    void forecast(@ForAll long seed) {
        fuzz("forecast", seed);
    }

    @Property(tries = 100, shrinking = ShrinkingMode.OFF)
    void demoOnlyWithAFault(@ForAll long seed) {
        fuzz("demo", seed);
    }

    @Property(tries = 60, shrinking = ShrinkingMode.OFF)
    void noCommand(@ForAll long seed) {
        fuzz(null, seed);
    }

    // ---- one try -----------------------------------------------------------------------------------------------

    private static void fuzz(String command, long seed) {
        Path dir = root.resolve("c" + cases++);
        CliFuzzCase c = CliFuzzGen.generate(command, dir, seed, VALID_SHARE);
        Map<String, String> before = CliFuzzFiles.snapshot(dir);
        Set<String> cwdBefore = CliFuzzFiles.names(cwd);
        Result res = run(c);
        Map<String, String> after = CliFuzzFiles.snapshot(dir);
        Set<String> cwdAfter = CliFuzzFiles.names(cwd);
        Map<String, String> problems = check(c, res, before, after);
        if (!cwdBefore.equals(cwdAfter)) {
            Set<String> added = new TreeSet<>(cwdAfter);
            added.removeAll(cwdBefore);
            Set<String> gone = new TreeSet<>(cwdBefore);
            gone.removeAll(cwdAfter);
            problems.put("wrote to the working directory", cwd + ": new or changed " + added + (gone.isEmpty() ? "" : ", gone or changed " + gone));
            // leave the module as it was for the tries that follow: remove the new top-level entries
            Set<String> tops = new TreeSet<>();
            for (String b : cwdBefore) tops.add(Path.of(b.split("\t")[0]).getName(0).toString());
            for (String a : added) {
                String top = Path.of(a.split("\t")[0]).getName(0).toString();
                if (!tops.contains(top)) CliFuzzFiles.deleteTree(cwd.resolve(top));
            }
        }
        tally(c, res, problems);
        String report = problems.isEmpty() ? null : report(c, res, problems, before, after);
        CliFuzzFiles.deleteTree(dir);
        if (report != null) {
            String sig = (command == null ? "vecrnn" : command) + ": " + String.join(" + ", problems.keySet())
                    + "  [" + (c.kinds.isEmpty() ? "valid" : String.join("; ", new TreeSet<>(c.kinds))) + "]";
            String brief = c.shell() + "\n  -> exit " + res.code() + (res.hang() == null ? "" : " (" + res.hang() + ")") + ", stderr: "
                    + clip(res.err().strip().split("\n", 2)[0], 400);
            VIOLATIONS.computeIfAbsent(sig, k -> new Violation(k, new long[1], brief, report)).count()[0]++;
            if (!SURVEY) throw new AssertionError(report);
        }
    }

    private static void newWorker() {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vecrnn-cli-fuzz");
            t.setDaemon(true);
            workerThread = t;
            return t;
        });
    }

    /** Runs the case in process, sequentially, with System.out and System.err captured and restored. */
    private static Result run(CliFuzzCase c) {
        String[] args = c.argv().toArray(String[]::new);
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = -1;
        Throwable thrown = null;
        String hang = null;
        long start = System.nanoTime();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            Future<Integer> f = worker.submit(() -> Main.run(args));
            long deadline = start + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (true) {
                try {
                    code = f.get(25, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException notYet) {
                    if (!c.fifos.isEmpty() && blockedOpening(workerThread)) {
                        hang = "blocked opening a FIFO (unblocked by the test)";
                        c.fifos.forEach(CliFuzzFiles::unblock);
                    }
                    if (System.nanoTime() > deadline) {
                        hang = (hang == null ? "" : hang + "; ") + "no exit within " + TIMEOUT_SECONDS + " s";
                        f.cancel(true);
                        c.fifos.forEach(CliFuzzFiles::unblock);
                        newWorker();
                        break;
                    }
                } catch (ExecutionException e) {
                    thrown = e.getCause();
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), thrown, hang, System.nanoTime() - start);
    }

    /** Whether {@code t} sits in a native open (of a FIFO with no other end). */
    private static boolean blockedOpening(Thread t) {
        if (t == null) return false;
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(3, st.length); i++) {
            if (st[i].isNativeMethod() && st[i].getMethodName().startsWith("open")) return true;
        }
        return false;
    }

    // ---- the contract --------------------------------------------------------------------------------------------

    /** What the run broke: a short category (the key, which groups violations) and the details. */
    static Map<String, String> check(CliFuzzCase c, Result res, Map<String, String> before, Map<String, String> after) {
        Map<String, String> p = new LinkedHashMap<>();
        if (res.thrown() != null) p.put("Main.run threw", String.valueOf(res.thrown()));
        if (res.hang() != null) p.put(res.hang().startsWith("blocked") ? "blocked opening a FIFO" : "hung", res.hang());
        int code = res.code();
        if (res.thrown() == null && res.hang() == null && code != 0 && code != 2) p.put("exit code " + code, "expected 0 or 2");
        if (code == 0 && c.expect == CliFuzzCase.Expect.FAULT) p.put("exit 0 for a bad input or option", String.join("; ", c.kinds));
        if (code == 2 && c.expect == CliFuzzCase.Expect.VALID) p.put("exit 2 for a valid command line", res.err().strip());
        if (code != 0 && res.hang() == null && res.thrown() == null) errorLine(c, res.err(), p);
        // a refusal is the whole of the run (no summary, note or weights line before it), but for a run that diverged,
        // which had trained and printed its progress
        if (code == 2 && !res.out().isEmpty() && !res.err().contains("training diverged")) {
            p.put("stdout before a refusal", clip(res.out().strip(), 200));
        }

        if (code != 0) {
            // the model summary is printed when training starts: from then on a checkpoint may have been saved
            boolean trained = res.out().contains("parameters:");
            Map<String, String> afterButKept = new java.util.HashMap<>(after);
            for (Path k : c.keptOnFailure) {
                String key = c.dir.relativize(k).toString();
                if (trained && after.containsKey(key)) {
                    if (before.containsKey(key)) afterButKept.put(key, before.get(key));
                    else afterButKept.remove(key);
                    // and the directories fit made for it (as Keras's ModelCheckpoint makes them), which hold it
                    for (Path d = k.getParent(); d != null && d.startsWith(c.dir) && !d.equals(c.dir); d = d.getParent()) {
                        String dk = c.dir.relativize(d).toString();
                        if (!before.containsKey(dk)) afterButKept.remove(dk);
                    }
                }
            }
            List<String> diff = diff(before, afterButKept);
            if (!diff.isEmpty()) p.put("files changed by a failed command", String.join("; ", diff));
        } else {
            List<String> bad = new ArrayList<>();
            Set<String> keys = new TreeSet<>(before.keySet());
            keys.addAll(after.keySet());
            for (String k : keys) {
                String b = before.get(k), a = after.get(k);
                if (b != null && b.equals(a)) continue;
                Path path = c.dir.resolve(k);
                boolean output = c.outputs.contains(path);
                boolean madeDir = b == null && "dir".equals(a) && c.outputs.stream().anyMatch(o -> o.startsWith(path));
                if (madeDir || (output && (b == null || c.overwrite()))) continue;
                bad.add(k + ": " + (b == null ? "new " + a : a == null ? "removed (was " + b + ")" : b + " -> " + a));
            }
            if (!bad.isEmpty()) p.put("files other than the outputs changed by a successful command", String.join("; ", bad));
            List<String> missing = new ArrayList<>();
            for (Path o : c.required) if (!Files.isRegularFile(o, LinkOption.NOFOLLOW_LINKS)) missing.add(c.dir.relativize(o).toString());
            if (!missing.isEmpty()) p.put("a successful command without its outputs", "missing: " + missing);
        }
        return p;
    }

    /** The one error line of a failed command. */
    private static void errorLine(CliFuzzCase c, String err, Map<String, String> p) {
        String e = err.endsWith("\n") ? err.substring(0, err.length() - 1) : err;
        String[] lines = e.split("\n", -1);
        if (e.isBlank()) {
            p.put("nothing on stderr", "");
            return;
        }
        if (lines.length != 1) p.put("more than one line on stderr", lines.length + " lines");
        if (err.contains("\tat ") || err.contains("Exception") || err.contains("Caused by")) p.put("a stack trace or exception on stderr", firstLines(err));
        if (err.contains("internal error")) p.put("an internal error", lines[0]);
        String line = lines[0];
        if (!line.startsWith("vecrnn")) p.put("the error line does not start with 'vecrnn'", line);
        Set<String> names = acceptedNames(c);
        if (!names.isEmpty()) {
            boolean named = false;
            for (String n : names) named |= line.contains(n) || line.contains(Main.oneLine(n));
            if (!named && c.expect == CliFuzzCase.Expect.EITHER) {
                // a mutated file that still parses may mean something else (a flipped batch_first), and then
                // disagree with another input: naming that input is right too
                for (String a : c.argv()) {
                    if (a.startsWith("-") || a.contains("/")) named |= line.contains(a.split("=", 2)[0]);
                }
            }
            if (!named) p.put("the error names neither the option nor the file at fault", "expected one of " + names);
        } else if (c.expect != CliFuzzCase.Expect.VALID) {
            boolean named = false;
            for (String a : c.argv()) {
                if (a.startsWith("-") || a.contains("/")) named |= line.contains(a.split("=", 2)[0]);
            }
            if (!named) p.put("the error names no option or file of the command line", "");
        }
        Set<String> known = new TreeSet<>(OPTIONS.getOrDefault(c.command == null ? "" : c.command, Set.of()));
        for (String a : c.argv()) if (a.startsWith("-")) known.add(a.split("=", 2)[0]);
        known.addAll(c.names);
        Matcher m = OPTION.matcher(line);
        Set<String> foreign = new TreeSet<>();
        while (m.find()) if (!known.contains(m.group())) foreign.add(m.group());
        if (!foreign.isEmpty()) p.put("the error names an option the command does not have", foreign.toString());
    }

    /** The names a refusal may give: options, paths as planted, and paths as the command line gave them. */
    private static Set<String> acceptedNames(CliFuzzCase c) {
        Set<String> s = new LinkedHashSet<>();
        for (String n : c.names) {
            s.add(n);
            if (n.startsWith("/")) {
                for (String a : c.argv()) {
                    String v = a.contains("=") && a.startsWith("--") ? a.split("=", 2)[1] : a;
                    try {
                        if (!v.isEmpty() && !v.startsWith("/") && !v.startsWith("-") && cwd.resolve(v).normalize().equals(Path.of(n).normalize())) s.add(v);
                    } catch (java.nio.file.InvalidPathException notAPath) {
                        // a value with a NUL: no file's name
                    }
                }
            }
        }
        return s;
    }

    private static List<String> diff(Map<String, String> before, Map<String, String> after) {
        List<String> d = new ArrayList<>();
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (String k : keys) {
            String b = before.get(k), a = after.get(k);
            if (b == null) d.add(k + ": new " + a);
            else if (a == null) d.add(k + ": removed (was " + b + ")");
            else if (!a.equals(b)) d.add(k + ": " + b + " -> " + a);
        }
        return d;
    }

    private static String firstLines(String s) {
        String[] l = s.split("\n");
        return String.join(" | ", java.util.Arrays.copyOf(l, Math.min(4, l.length)));
    }

    // ---- bookkeeping ------------------------------------------------------------------------------------------------

    private static void tally(CliFuzzCase c, Result res, Map<String, String> problems) {
        String cmd = c.command == null ? "(none)" : c.command;
        Tally t = TALLIES.computeIfAbsent(cmd, k -> new Tally());
        t.runs++;
        t.nanos += res.nanos();
        if (res.nanos() > t.maxNanos) {
            t.maxNanos = res.nanos();
            t.slowest = c.kinds.isEmpty() ? c.expect.toString().toLowerCase() : String.join("; ", c.kinds);
        }
        String outcome = (res.hang() != null ? "hang" : res.thrown() != null ? "threw" : "exit " + res.code()) + ", "
                + c.expect.toString().toLowerCase() + (problems.isEmpty() ? "" : ", VIOLATION");
        t.outcomes.merge(outcome, 1L, Long::sum);
        for (String k : c.kinds.isEmpty() ? List.of("(nothing: " + c.expect.toString().toLowerCase() + ")") : c.kinds) {
            long[] v = t.planted.computeIfAbsent(k, x -> new long[2]);
            v[0]++;
            if (res.code() == 2) v[1]++;
        }
    }

    private static String report(CliFuzzCase c, Result res, Map<String, String> problems, Map<String, String> before, Map<String, String> after) {
        StringBuilder b = new StringBuilder("contract violated by: ").append(c.shell()).append('\n');
        problems.forEach((k, v) -> b.append("  - ").append(k).append(v.isEmpty() ? "" : ": " + v).append('\n'));
        b.append("  planted: ").append(c.kinds.isEmpty() ? "nothing (a valid command line)" : String.join("; ", c.kinds))
                .append(" (expected ").append(c.expect.toString().toLowerCase()).append(")\n");
        if (!c.notes.isEmpty()) b.append("  files: ").append(String.join("; ", c.notes)).append('\n');
        b.append("  in ").append(c.dir).append(": ").append(before.keySet().stream().filter(k -> !k.isEmpty())
                .map(k -> k + " (" + before.get(k) + ")").toList()).append('\n');
        b.append("  exit ").append(res.code()).append(res.hang() == null ? "" : " (" + res.hang() + ")")
                .append(res.thrown() == null ? "" : " (threw " + res.thrown() + ")").append('\n');
        b.append("  stderr: ").append(clip(res.err().strip(), 3000)).append('\n');
        b.append("  stdout: ").append(clip(res.out().strip(), 300)).append('\n');
        return b.toString();
    }

    private static String clip(String s, int max) {
        return s.length() > max ? s.substring(0, max) + "... (" + s.length() + " chars)" : s;
    }
}
