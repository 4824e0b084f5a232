package dev.vecrnn.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link CliFuzzGen} for the two commands that draw a plot: forecast (a CSV series, or the bundled one) and
 * demo (only ever with a fault, since it trains for --seconds).
 */
final class CliFuzzForecast extends CliFuzzOutputs {

    CliFuzzForecast(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    @Override
    void build() {
        if (c.command.equals("forecast")) forecast();
        else demo();
    }

    private void forecast() {
        Path csv = inPath("series.csv");
        boolean bundled = r.nextInt(20) == 0;
        int rows = between(12, 30);
        boolean third = r.nextInt(4) == 0;
        String nl = r.nextInt(5) == 0 ? "\r\n" : "\n";
        // one time in five quoted as pandas' to_csv(quoting=csv.QUOTE_ALL) writes it
        boolean quoted = r.nextInt(5) == 0;
        String q = quoted ? "\"" : "";
        StringBuilder s = new StringBuilder(r.nextInt(10) == 0 ? "\uFEFF" : "").append(third ? "t,v,w" : "t,v").append(nl);
        if (quoted) s.replace(s.indexOf("t"), s.length(), third ? "\"t\",\"v\",\"w\"" : "\"t\",\"v\"").append(nl);
        double level = 10;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            level += gauss();
            String line = q + i + q + "," + q + (r.nextInt(10) == 0 ? " " + num(Math.rint(level * 1000) / 1000) + " " : num(Math.rint(level * 1000) / 1000)) + q
                    + (third ? "," + q + gauss() + q : "");
            lines.add(line);
            s.append(line).append(nl);
            if (r.nextInt(15) == 0) s.append(nl);
        }
        byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
        if (!bundled) {
            input("--csv", csv, bytes);
            c.put("--column", r.nextBoolean() ? "v" : "1");
            c.note("series.csv: " + rows + " rows" + (third ? ", three columns" : "") + (quoted ? ", every field quoted" : ""));
        } else {
            c.note("the bundled series");
        }
        intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 1);
        decoy("--epochs", "1000");
        intOpt("--hidden", true, 1, Integer.MAX_VALUE, 2, 2);
        decoy("--hidden", "1000");
        intOpt("--window", true, 1, Integer.MAX_VALUE, 3, 3);
        intOpt("--horizon", true, 1, Integer.MAX_VALUE, 2, 2);
        intOpt("--season", true, 1, Integer.MAX_VALUE, 2, 2);
        numOpt("--lr", false, 0, false, Double.POSITIVE_INFINITY, false, 0.005, 0.05);
        longOpt("--seed");
        for (String o : new String[] {"--window", "--horizon", "--season"}) {
            planters.add(new Planter(o, () -> {
                c.put(o, Integer.toString(bundled ? pick(new int[] {1_000_000, Integer.MAX_VALUE}) : pick(new int[] {rows, 1_000_000, Integer.MAX_VALUE})));
                c.fault(o + ": more than the series holds", o);
            }));
        }
        planters.add(new Planter("--hidden", () -> {
            c.put("--hidden", Integer.toString(pick(new int[] {100_000, Integer.MAX_VALUE})));
            c.fault("--hidden: too large for the heap", "--hidden");
        }));
        planters.add(new Planter("--column", () -> {
            c.put("--column", pick("nope", "V", "", "3", "-1", "999999999999", "\u001b[31mv", "t,v", "a".repeat(3000)));
            c.fault("--column: no such column", "--column");
        }));
        if (!bundled) {
            planters.add(new Planter("--csv", () -> {
                int k = r.nextInt(6);
                String body;
                String fault;
                switch (k) {
                    case 0 -> {
                        int at = r.nextInt(lines.size());
                        List<String> l = new ArrayList<>(lines);
                        l.set(at, at + "," + pick("oops", "NaN", "Infinity", "-Infinity", "\"1.5\"x", "\"1.5", "", "0x1G", "1e999", "1.5.5"));
                        body = "t,v\n" + String.join("\n", l) + "\n";
                        fault = "a cell that is not a finite number";
                    }
                    case 1 -> {
                        body = "t,v\n";
                        fault = "a header only";
                    }
                    case 2 -> {
                        // below --window + 2 + --horizon (3 + 2 + 2 = 7) values, the least forecast trains and scores on
                        body = "t,v\n" + String.join("\n", lines.subList(0, between(1, 6))) + "\n";
                        fault = "too few rows";
                    }
                    case 3 -> {
                        body = "";
                        fault = "an empty file";
                    }
                    case 4 -> {
                        body = "t;v\n" + String.join("\n", lines).replace(',', ';') + "\n";
                        fault = "no column v (semicolons)";
                        c.put("--column", "v");
                    }
                    default -> {
                        body = "t,v\n" + "9,".repeat(200_000) + "\n";
                        fault = "a very long line without the value";
                    }
                }
                files.put(csv, Node.file(body.getBytes(StandardCharsets.UTF_8)));
                c.fault("--csv: " + fault, "--csv", csv);
            }));
            planters.add(new Planter("--csv", () -> {
                files.put(csv, Node.file(CliFuzzFiles.byteEdit(r, bytes)));
                c.maybe("--csv: byte-mutated", "--csv", csv);
            }));
        }
        fileOutput("--png", "forecast.png", bundled ? null : csv);
        if (!bundled) {
            planters.add(new Planter("--png", () -> {
                c.put("--png", arg(csv));
                c.flag("--overwrite");
                c.fault("--png: is the --csv input", "--png", csv);
            }));
        }
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    /** demo trains for --seconds: only ever with a fault that stops it first. */
    private void demo() {
        intOpt("--seconds", true, 1, 86_400, 1, 1);
        intOpt("--threads", false, 1, Check.MAX_THREADS, 1, 2);
        Path out = dirOutput("--out", List.of("loss.png"), List.of("loss.png"), Map.of("--out", dir));
        // dirOutput's faults involving inputs make no sense for demo (it reads no file): its own instead
        planters.removeIf(p -> p.target().equals("--out"));
        planters.add(new Planter("--out", () -> {
            Path t = out.resolve("loss.png");
            switch (r.nextInt(5)) {
                case 0 -> {
                    files.put(t, Node.file("precious".getBytes(StandardCharsets.US_ASCII)));
                    dropOverwrite();
                    c.fault("--out: loss.png exists, no --overwrite", "--out", t, out);
                }
                case 1 -> {
                    files.put(t, Node.DIR);
                    c.fault("--out: loss.png is a directory", "--out", t, out);
                }
                case 2 -> {
                    Path f = path(fresh("plainfile"));
                    files.put(f, Node.file("a file".getBytes(StandardCharsets.US_ASCII)));
                    c.put("--out", arg(f));
                    c.fault("--out: the directory is a regular file", "--out", f);
                }
                case 3 -> {
                    c.put("--out", "/dev/null");
                    c.fault("--out: the directory is /dev/null", "--out", "/dev/null");
                }
                default -> {
                    files.put(t, Node.link(path(fresh("nowhere"))));
                    c.fault("--out: loss.png is a dangling link", "--out", t, out);
                }
            }
        }));
        flagOpt("--overwrite", c.has("--overwrite"));
        c.outputs.clear();
        c.required.clear();
    }
}
