package dev.vecrnn.cli;

import java.nio.file.Path;

/** {@link CliFuzzGen} for no command: usage, help and version, an unknown command or option, an {@code @file} argument. */
final class CliFuzzTopLevel extends CliFuzzGen {

    CliFuzzTopLevel(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    @Override
    void build() {
        String[] cmds = {"fit", "predict", "evaluate", "quantize", "infer", "train-text", "sample", "demo", "tune", "forecast"};
        switch (r.nextInt(8)) {
            case 0 -> c.maybe("no arguments (usage)");
            case 1 -> {
                c.raw.add(pick("--help", "-h", "--version", "-V"));
                c.maybe("help or version");
            }
            case 2 -> {
                String cmd = pick(cmds);
                c.raw.add(cmd);
                c.raw.add(pick("--help", "-h", "-V", "--version"));
                c.maybe("a command's help or version");
            }
            case 3 -> {
                String u = pick("fitt", "FIT", "help", "Predict", "run", "train_text", "demo2", "-");
                c.raw.add(u);
                c.fault("unknown command", "'" + u + "'");
            }
            case 4 -> {
                String u = pick("\u001b[31mfit", "fit\nfit", "\u202efit", "fit\u0007");
                c.raw.add(u);
                c.fault("unknown command with control characters", Main.oneLine("'" + u + "'"));
            }
            case 5 -> {
                String u = pick(UNKNOWN);
                c.raw.add(u);
                c.fault("unknown option", u);
            }
            case 6 -> {
                c.raw.add("");
                c.fault("an empty command", "''");
            }
            default -> {
                Path d = path(fresh("argdir"));
                files.put(d, Node.DIR);
                c.raw.add("@" + d);
                c.fault("@file argument naming a directory", "@" + d, d);
            }
        }
    }

}
