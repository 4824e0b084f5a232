package dev.vecrnn.cli;

import dev.vecrnn.cli.CliFuzzFiles.Arr;
import dev.vecrnn.nn.io.DType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link CliFuzzGen} for fit and tune: X, Y and (fit) lengths of a classification or regression, with
 * Keras's validation_data (--val-x, --val-y) or a --val split, --classes and --class-weight, fit's model
 * options and its checkpoint, tune's trials; and their faults.
 */
final class CliFuzzFit extends CliFuzzOutputs {

    CliFuzzFit(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    @Override
    void build() {
        fit(c.command.equals("tune"));
    }

    private static final double[] FRACTIONS = {0, 0.1, 0.2, 0.25, 0.3, 0.5};

    /** Whether --val f of n rows leaves rows on both sides, as Keras's validation_split counts them: floor(n * (1 - f)) train. */
    private static boolean splits(int n, double f) {
        long train = (long) Math.floor(n * (1.0 - f));
        return train >= 1 && train < n;
    }

    private void fit(boolean tune) {
        int n = between(4, 10), t = between(2, 4), f = between(1, 2);
        boolean classification = r.nextBoolean();
        boolean perStep = r.nextInt(4) == 0;
        boolean tokens = !tune && r.nextInt(5) == 0;
        int vocab = tokens ? between(3, 8) : 0;
        if (tokens) f = 1;

        // without --vocab, X is [N, T, F]: an [N, T] array is refused (token ids, or one feature a step to reshape)
        Arr x = tokens ? tokenIds(n, t, vocab) : features(n, t, f).withShape(n, t, f);
        Arr y = classification ? labels(perStep ? new int[] {n, t} : new int[] {n}, between(2, 3)) : targets(n, t, perStep, between(1, 2));
        Arr len = !tune && r.nextInt(3) == 0 ? lengthsArr(n, t) : null;
        Path xp = inPath("x.npy"), yp = inPath("y.npy"), lp = inPath("lengths.npy");
        input("--x", xp, x.npy());
        input("--y", yp, y.npy());
        c.note("x.npy " + x + ", y.npy " + y + (len == null ? "" : ", lengths.npy " + len));
        if (len != null) input("--lengths", lp, len.npy());
        c.put("--task", randomCase(classification ? "classification" : "regression"));
        if (perStep) c.flag("--per-step");
        Map<String, Path> ins = new LinkedHashMap<>();
        ins.put("--x", xp);
        ins.put("--y", yp);
        if (len != null) ins.put("--lengths", lp);
        // one time in four, Keras's validation_data: --val-x and --val-y (and --val-lengths), inputs no output may be
        int rows = perStep ? n * t : n;
        int width = classification ? labelWidth(y, len, t, perStep) : y.v().length / rows;
        // --classes K (one time in five for classification): the model's outputs, at least the labels' width; the
        // validation labels and --class-weight's count follow it
        if (classification && r.nextInt(5) == 0) {
            width = Math.max(2, width) + r.nextInt(3);
            c.put("--classes", Integer.toString(width));
        }
        boolean valArrays = r.nextInt(4) == 0;
        if (valArrays) ins.putAll(validationArrays(tune, t, f, tokens, vocab, classification, perStep, width));
        Path out = dirOutput("--out", List.of("model.safetensors"), List.of("model.safetensors"), ins);

        planters.add(new Planter("--task", () -> {
            c.put("--task", pick(JUNK));
            c.fault("--task: not one of its choices", "--task");
        }));
        npyFaults("--x", xp, x);
        npyFaults("--y", yp, y);
        if (len != null) npyFaults("--lengths", lp, len);
        xFaults(xp, x, tokens, vocab);
        yFaults(yp, y, xp, classification, perStep);
        if (len != null) lengthsFaults("--lengths", lp, len, t);
        if (!tune && len == null) {
            planters.add(new Planter("--lengths", () -> {
                Arr l = lengthsArr(n, t);
                input("--lengths", lp, l.npy());
                Arr bad = l.withValues(Arrays.stream(l.v()).map(v -> pickD(0, -1, t + 1, 1e9)).toArray());
                files.put(lp, Node.file(bad.withDtype(DType.I64).npy()));
                c.fault("--lengths: values outside [1, T]", "--lengths", lp);
            }));
        }
        planters.add(new Planter("--x,--y,--lengths", () -> {
            switch (r.nextInt(3)) {
                case 0 -> c.put("--y", arg(xp));
                case 1 -> c.put("--x", arg(yp));
                default -> {
                    if (tune) c.put("--y", arg(xp));
                    else c.put("--lengths", arg(r.nextBoolean() ? xp : yp));
                }
            }
            c.maybe("an input option given another input's file", "--x", "--y", "--lengths", xp, yp);
            // the training data read otherwise: the validation arrays may no longer fit them
            if (valArrays) c.names.addAll(List.of("--val-x", "--val-y"));
            if (c.has("--class-weight")) c.names.add("--class-weight");  // so may the count of its weights
            if (c.has("--classes")) c.names.add("--classes");  // and the labels' width
        }));

        if (tune) {
            intOpt("--trials", true, 1, 10_000, 1, 1);
            decoy("--trials", "20");
            intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 1);
            decoy("--epochs", "1000");
            intOpt("--patience", false, -1, Integer.MAX_VALUE, -1, 3);
            double[] vals = Arrays.stream(FRACTIONS).filter(v -> v > 0 && splits(n, v)).toArray();
            numOpt("--val", true, 0, false, 1, false, vals);
            planters.add(new Planter("--val", () -> {
                c.put("--val", num(pickD(0.01, 0.05, 0.95, 0.99)));
                c.maybe("--val leaving no validation or training rows", "--val");
            }));
            if (valArrays) c.remove("--val");
        } else {
            enumOpt("--cell", false, "lstm", "gru", "rnn", "rnn_tanh", "rnn_relu");
            intOpt("--hidden", true, 1, Integer.MAX_VALUE, 2, 4);
            decoy("--hidden", "1000");
            planters.add(new Planter("--hidden", () -> {
                c.put("--hidden", Integer.toString(pick(new int[] {100_000, 1_000_000, Integer.MAX_VALUE})));
                c.fault("--hidden: too large for the heap", "--hidden");
            }));
            intOpt("--layers", false, 1, 64, 1, 2);
            flagOpt("--bidirectional", r.nextBoolean());
            numOpt("--dropout", false, 0, true, 1, false, 0, 0.1, 0.5);
            if (perStep) enumOpt("--head", false, "last");  // attention pools the steps: refused with --per-step
            else enumOpt("--head", false, "last", "attention");
            intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 2);
            decoy("--epochs", "1000");
            enumOpt("--optimizer", false, "adam", "adamw", "sgd", "rmsprop");
            numOpt("--lr", false, 0, false, Double.POSITIVE_INFINITY, false, 0.001, 0.01, 0.1);
            planters.add(new Planter("--lr", () -> {
                c.put("--lr", pick("1e10", "1e30", "1e300"));
                if (!c.planted("--epochs")) c.put("--epochs", "2");   // short, unless --epochs holds a planted fault
                c.maybe("--lr huge (training may diverge)", "--lr");
            }));
            numOpt("--clip", false, 0, true, Double.MAX_VALUE, true, 0, 1, 5);
            double[] vals = Arrays.stream(FRACTIONS).filter(v -> v == 0 || splits(n, v)).toArray();
            numOpt("--val", false, 0, true, 1, false, vals);
            if (valArrays) c.remove("--val");
            if (!c.has("--val") && !valArrays && !splits(n, 0.1)) c.maybe("the default --val 0.1 on " + n + " rows", "--val");
            planters.add(new Planter("--val", () -> {
                c.put("--val", num(pickD(0.01, 0.05, 0.95, 0.99)));
                c.maybe("--val leaving no validation or training rows", "--val");
            }));
            enumOpt("--val-rows", false, "random", "last");
            if (valArrays) c.remove("--val-rows");
            intOpt("--patience", false, -1, Integer.MAX_VALUE, -1, 3);
            enumOpt("--on-non-finite", false, "stop", "skip");
            if (tokens) {
                c.put("--vocab", Integer.toString(vocab));
                intOpt("--embed", r.nextBoolean(), 1, Integer.MAX_VALUE, 2, 4);
                planters.add(new Planter("--vocab", () -> {
                    c.put("--vocab", Integer.toString(r.nextBoolean() ? -1 : Integer.MIN_VALUE));
                    c.fault("--vocab: out of range", "--vocab");
                }));
                planters.add(new Planter("--vocab", () -> {
                    c.put("--vocab", Integer.toString(Integer.MAX_VALUE));
                    c.put("--embed", "32");
                    c.fault("--vocab: too large for the heap", "--vocab", "--embed");
                }));
                planters.add(new Planter("--vocab", () -> {
                    c.put("--vocab", "1");
                    c.fault("--vocab: smaller than the token ids in --x", "--vocab", "--x", xp);
                }));
            } else {
                planters.add(new Planter("--vocab", () -> {
                    int vv = between(2, 5);
                    c.put("--vocab", Integer.toString(vv));
                    if (r.nextBoolean()) c.put("--embed", Integer.toString(between(1, 64)));
                    boolean oneFeature = x.rank() == 2 || x.dim(2) == 1;
                    boolean idsOk = Arrays.stream(x.v()).allMatch(v -> v >= 0 && v < vv && v == Math.rint(v));
                    if (!oneFeature || (!idsOk && !c.has("--lengths"))) {
                        c.fault("--vocab with features that are not token ids in --x", "--vocab", "--x", xp);
                    } else {
                        c.maybe("--vocab with features that may be token ids in --x", "--vocab", "--x", xp);
                    }
                    if (valArrays) c.names.add("--val-x");  // read as token ids too
                }));
                // --embed sizes the embedding --vocab adds: refused without it (it was dropped without a word)
                planters.add(new Planter("--embed,--vocab", () -> {
                    c.put("--embed", Integer.toString(between(1, 64)));
                    c.fault("--embed without --vocab", "--embed", "--vocab");
                }));
            }
            // the checkpoint: a second output, and an input with --resume
            if (r.nextInt(4) == 0) {
                Path cp = path(fresh("ckpt") + ".bin");
                c.put("--checkpoint", arg(cp));
                c.outputs.add(cp);
                c.keptOnFailure.add(cp);
                c.required.add(cp);
                if (r.nextBoolean()) c.put("--checkpoint-every", Integer.toString(between(0, 2)));
                if (r.nextInt(3) == 0) c.flag("--resume");  // no checkpoint yet: starts afresh
                checkpointFaults(cp, xp, out);
                planters.add(new Planter("--checkpoint", () -> {
                    Path deep = path(fresh("no-such-dir") + "/ckpt.bin");
                    c.put("--checkpoint", arg(deep));
                    c.outputs.add(deep);
                    c.keptOnFailure.add(deep);
                    c.required.remove(cp);
                    c.required.add(deep);
                    c.note("--checkpoint in a directory not there yet: fit makes it, as Keras's ModelCheckpoint");
                }));
                intOpt("--checkpoint-every", false, 0, Integer.MAX_VALUE, 0, 2);
            } else {
                planters.add(new Planter("--checkpoint", () -> {
                    if (r.nextBoolean()) {
                        c.flag("--resume");
                        c.fault("--resume without --checkpoint", "--resume", "--checkpoint");
                    } else {
                        c.put("--checkpoint-every", Integer.toString(between(1, 5)));
                        c.fault("--checkpoint-every without --checkpoint", "--checkpoint-every", "--checkpoint");
                    }
                }));
            }
        }
        classWeight(classification, width);
        classes(classification, width, y, len, t, perStep);
        intOpt("--batch", false, 1, Integer.MAX_VALUE, 1, n + 2);
        planters.add(new Planter("--batch", () -> {
            c.put("--batch", Integer.toString(pick(new int[] {1_000_000, 1 << 30, Integer.MAX_VALUE})));
            c.maybe("--batch huge (larger than the data)", "--batch");
        }));
        longOpt("--seed");
        intOpt("--threads", false, 1, Check.MAX_THREADS, 1, 2);
        flagOpt("--overwrite", c.has("--overwrite"));
        if (valArrays) {
            planters.add(new Planter("--val", () -> {
                c.put("--val", num(pickD(tune ? new double[] {0.2, 0.5} : new double[] {0, 0.1, 0.5})));
                c.fault("--val with --val-x", "--val", "--val-x");
            }));
            if (!tune) {
                planters.add(new Planter("--val-rows", () -> {
                    c.put("--val-rows", randomCase(pick("random", "last")));
                    c.fault("--val-rows with --val-x", "--val-rows", "--val-x");
                }));
            }
        } else {
            // one of the validation arrays alone
            planters.add(new Planter("--val-x,--val-y,--val-lengths", () -> {
                String o = pick("--val-x", "--val-y", "--val-lengths");
                c.put(o, arg(o.equals("--val-x") ? xp : o.equals("--val-y") ? yp : xp));
                c.fault(o + " alone", o, o.equals("--val-x") ? "--val-y" : "--val-x");
            }));
        }
    }

    /** Training label width as fit reads it: the largest label at a position that is read (not padding), plus one. */
    private static int labelWidth(Arr y, Arr len, int t, boolean perStep) {
        int w = 1;
        double[] v = y.v();
        for (int i = 0; i < v.length; i++) {
            if (perStep && len != null && i % t >= len.v()[i / t]) continue;
            w = Math.max(w, (int) v[i] + 1);
        }
        return w;
    }

    /**
     * Valid --val-x, --val-y (and one time in two --val-lengths) for training data of {@code f} features (token ids below
     * {@code vocab}), {@code width} classes or targets per row; other row and step counts than X's. Registers their
     * faults: the file and .npy faults of any input, features other than X's, a token id outside the vocabulary, a
     * label the model has no output for, targets of another width, a row count other than --val-x's, one option
     * without the other. Returns the files by option.
     */
    private Map<String, Path> validationArrays(boolean tune, int t, int f, boolean tokens, int vocab, boolean classification, boolean perStep, int width) {
        int n2 = between(1, 5), t2 = between(1, 4);
        Arr vx = tokens ? tokenIds(n2, t2, vocab) : features(n2, t2, f).withShape(n2, t2, f);
        Arr vy = classification ? labels(perStep ? new int[] {n2, t2} : new int[] {n2}, width) : targets(n2, t2, perStep, width);
        Arr vl = r.nextBoolean() ? lengthsArr(n2, t2) : null;
        Path vxp = inPath("val-x.npy"), vyp = inPath("val-y.npy"), vlp = inPath("val-lengths.npy");
        input("--val-x", vxp, vx.npy());
        input("--val-y", vyp, vy.npy());
        Map<String, Path> ins = new LinkedHashMap<>();
        ins.put("--val-x", vxp);
        ins.put("--val-y", vyp);
        npyFaults("--val-x", vxp, vx);
        npyFaults("--val-y", vyp, vy);
        if (vl != null) {
            input("--val-lengths", vlp, vl.npy());
            ins.put("--val-lengths", vlp);
            npyFaults("--val-lengths", vlp, vl);
            lengthsFaults("--val-lengths", vlp, vl, t2);
        }
        c.note("val-x.npy " + vx + ", val-y.npy " + vy + (vl == null ? "" : ", val-lengths.npy " + vl) + " (training: " + width
                + (classification ? " classes)" : " targets per row)"));
        // each removal claims both options: a second planting that removed the other would leave a valid command line
        planters.add(new Planter("--val-x,--val-y", () -> {
            c.remove("--val-y");
            c.fault("--val-x without --val-y", "--val-x", "--val-y");
        }));
        planters.add(new Planter("--val-x,--val-y", () -> {
            c.remove("--val-x");
            c.fault("--val-y without --val-x", "--val-y", "--val-lengths", "--val-x");
        }));
        planters.add(new Planter("--val-x", () -> {
            Arr bad;
            if (tokens) {
                double[] v = vx.v().clone();
                int perRow = v.length / n2;  // in a first step, which every length covers
                v[r.nextInt(n2) * perRow] = pickD(vocab, vocab + 7, -1, 0.5);
                bad = vx.withDtype(DType.F32).withValues(v);
            } else {
                bad = features(n2, t2, f + 1).withShape(n2, t2, f + 1);
            }
            files.put(vxp, Node.file(bad.npy()));
            c.note("val-x.npy now " + bad);
            c.fault(tokens ? "--val-x: a token id outside [0, --vocab)" : "--val-x: features other than X's", "--val-x", vxp);
        }));
        planters.add(new Planter("--val-y", () -> {
            Arr bad;
            String fault;
            if (r.nextBoolean()) {
                int m = n2 + (r.nextBoolean() || n2 == 1 ? 1 : -1);
                int[] s = vy.shape().clone();
                s[0] = m;
                bad = vy.withShape(s).withValues(Arrays.copyOf(vy.v(), Arrays.stream(s).reduce(1, (a, b) -> a * b)));
                fault = "a row count other than --val-x's";
            } else if (classification) {
                double[] v = vy.v().clone();
                v[validTarget(vy, perStep)] = width + pick(new int[] {0, 1, 1000});
                bad = vy.withDtype(DType.I64).withValues(v);
                fault = "a label at or above the training classes";
            } else {
                bad = targets(n2, t2, perStep, width + 1);
                fault = "targets wider than Y's";
            }
            files.put(vyp, Node.file(bad.npy()));
            c.note("val-y.npy now " + bad);
            c.fault("--val-y: " + fault, "--val-y", vyp);
        }));
        return ins;
    }

    /**
     * --class-weight (fit, one time in four for classification): balanced or one weight per class, as Keras's
     * class_weight; faults: a wrong count, a negative, NaN or junk weight, and any --class-weight for regression.
     */
    private void classWeight(boolean classification, int width) {
        if (!classification) {
            planters.add(new Planter("--class-weight", () -> {
                c.put("--class-weight", r.nextBoolean() ? "balanced" : "1,2");
                c.fault("--class-weight with --task regression", "--class-weight");
            }));
            return;
        }
        if (r.nextInt(4) == 0) {
            boolean balanced = r.nextBoolean();
            c.put("--class-weight", balanced ? randomCase("balanced") : weights(width));
            // balanced weighs a class absent from the training rows 0: the validation rows (drawn by --seed, or
            // --val-y's) may all be of such classes, and are then refused (their val_loss would be 0/0)
            if (balanced) c.maybe("--class-weight balanced: validation rows that may all weigh 0", "--class-weight");
        }
        planters.add(new Planter("--class-weight", () -> {
            String w;
            String fault;
            switch (r.nextInt(4)) {
                case 0 -> {
                    w = weights(width + (width > 1 && r.nextBoolean() ? -1 : 1));
                    fault = "a count other than the classes'";
                }
                case 1 -> {
                    String[] p = weights(width).split(",");
                    p[r.nextInt(p.length)] = pick("-1", "-0.5", "-1e-9");
                    w = String.join(",", p);
                    fault = "a negative weight";
                }
                case 2 -> {
                    String[] p = weights(width).split(",");
                    p[r.nextInt(p.length)] = pick("NaN", "Infinity", "1e39");
                    w = String.join(",", p);
                    fault = "a weight that is not finite (as a float)";
                }
                default -> {
                    w = pick(JUNK);
                    fault = "junk";
                }
            }
            c.put("--class-weight", w);
            c.fault("--class-weight: " + fault, "--class-weight");
        }));
    }

    /**
     * --classes (fit and tune): faults: fewer than 2, junk, fewer than the labels of Y, too many for the heap, and any
     * --classes for regression. Valid values are drawn in {@link #fit}, before the validation arrays that follow them.
     */
    private void classes(boolean classification, int width, Arr y, Arr len, int t, boolean perStep) {
        planters.add(new Planter("--classes", () -> {
            if (!classification) {
                c.put("--classes", Integer.toString(between(2, 4)));
                c.fault("--classes with --task regression", "--classes");
                return;
            }
            int labels = labelWidth(y, len, t, perStep);
            switch (r.nextInt(4)) {
                case 0 -> {
                    c.put("--classes", pick("1", "0", "-2", Integer.toString(Integer.MIN_VALUE)));
                    c.fault("--classes: below 2", "--classes");
                }
                case 1 -> {
                    c.put("--classes", pick(JUNK));
                    c.fault("--classes: junk", "--classes");
                }
                case 2 -> {
                    c.put("--classes", Integer.toString(Integer.MAX_VALUE));
                    c.fault("--classes: too large for the heap", "--classes");
                }
                default -> {
                    if (labels <= 2) {
                        c.put("--classes", "1");
                        c.fault("--classes: below 2", "--classes");
                    } else {
                        c.put("--classes", Integer.toString(labels - 1));
                        c.fault("--classes: fewer than the labels of --y", "--classes");
                    }
                }
            }
            if (c.has("--class-weight")) c.names.add("--class-weight");  // its count may be checked first
            c.names.add("--val-y");  // and the validation labels against the classes
        }));
    }

    /** {@code k} valid weights, each above 0, at times with spaces after the commas. */
    private String weights(int k) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < k; i++) b.append(i == 0 ? "" : r.nextInt(4) == 0 ? ", " : ",").append(num(pickD(0.5, 1, 2, 3.25)));
        return b.toString();
    }

    private void checkpointFaults(Path cp, Path xp, Path out) {
        planters.add(new Planter("--checkpoint", () -> {
            switch (r.nextInt(6)) {
                case 0 -> {
                    files.put(cp, Node.file("an old checkpoint".getBytes(StandardCharsets.US_ASCII)));
                    c.remove("--resume");
                    dropOverwrite();
                    c.fault("--checkpoint: exists, no --resume or --overwrite", "--checkpoint", cp);
                }
                case 1 -> {
                    c.put("--checkpoint", arg(xp));
                    if (r.nextBoolean()) c.flag("--overwrite");
                    c.fault("--checkpoint: is an input", "--checkpoint", xp);
                }
                case 2 -> {
                    c.put("--checkpoint", out.resolve("model.safetensors").toString());
                    c.fault("--checkpoint: the same file as --out's model", "--checkpoint", "--out");
                }
                case 3 -> {
                    files.put(cp, Node.DIR);
                    c.fault("--checkpoint: a directory", "--checkpoint", cp);
                }
                case 4 -> {
                    files.put(cp, Node.file(CliFuzzFiles.randomBytes(r, between(0, 100))));
                    c.flag("--resume");
                    c.fault("--checkpoint: --resume from garbage", "--checkpoint", "--resume", cp);
                }
                default -> {
                    if (CliFuzzFiles.fifos) {
                        files.put(cp, Node.FIFO);
                        c.flag("--resume");
                        c.fault("--checkpoint: --resume from a FIFO", "--checkpoint", cp);
                    } else {
                        files.put(cp, Node.DIR);
                        c.fault("--checkpoint: a directory", "--checkpoint", cp);
                    }
                }
            }
        }));
    }
}
