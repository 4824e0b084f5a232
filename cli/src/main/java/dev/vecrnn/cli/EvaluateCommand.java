package dev.vecrnn.cli;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.train.ConfusionMatrix;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn evaluate}: a fitted model's loss and metrics on held-out data, as Keras's {@code model.evaluate(x, y)}
 * gives them, with a classifier's figures per class and a multi-label model's per label (as scikit-learn's
 * {@code classification_report}).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"A fitted model's loss and metrics on held-out X.npy and Y.npy (Keras's evaluate): the same figures fit prints"
                + " for its validation rows, and for a classifier the support, precision, recall and F1 of every class (for a"
                + " multilabel model, of every label).",
                "X and Y take the shapes fit takes; the model's own head says whether Y has a target per sequence or per step."})
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODELDIR", description = "a directory from fit or tune (model.safetensors) or the file")
    Path model;

    @Option(names = "--x", required = true, paramLabel = "X.npy", description = "inputs [N, T, F], or [N, T] token ids")
    Path x;

    @Option(names = "--y", required = true, paramLabel = "Y.npy", description = "targets, as fit takes them")
    Path y;

    @Option(names = "--lengths", paramLabel = "LENGTHS.npy", description = "valid length of each sequence [N]")
    Path lengths;

    @Option(names = "--task", paramLabel = "TASK", description = "regression, classification or multilabel: what the model was fitted for (default: what"
            + " its file says, which fit, tune, train-text and quantize record; older files need it)")
    String task;

    @Option(names = "--json", paramLabel = "FILE", converter = Main.OutputFile.class, description = "also write the figures to FILE as JSON")
    Path json;

    @Option(names = "--overwrite", description = "replace the --json FILE if it exists") boolean overwrite;

    /** Classes listed one per line on stdout at most; every class present goes to --json. */
    static final int CLASS_LINES = 50;

    @Override
    public Integer call() throws Exception {
        String given = task == null ? null : Check.oneOf("--task", task, "regression", "classification", MultiLabel.TASK);
        Path file = Files.isDirectory(model) ? model.resolve("model.safetensors") : model;
        Inputs.file("--model", file);
        String recorded = ModelFile.task(file);
        if (given == null && recorded == null) {
            throw new IllegalArgumentException("--task: expected regression, classification or multilabel (--model " + file
                    + " does not record what it was fitted for)");
        }
        if (given != null && recorded != null && !given.equals(recorded)) {
            throw new IllegalArgumentException("--task " + task + ": --model " + file + " was fitted for " + recorded
                    + " (leave --task out to use it)");
        }
        boolean classification = (given != null ? given : recorded).equals("classification");
        boolean multilabel = (given != null ? given : recorded).equals(MultiLabel.TASK);
        try (Outputs outs = new Outputs(overwrite).inputs(file, x, y, lengths)) {
            Path target = json == null ? null : outs.declare("--json", json);
            HeapBudget.require(3 * Files.size(file), "--model " + file);
            Model m = Inputs.model("--model", file);
            int vocab = Inputs.vocabulary(m);
            boolean perStep = m.outputIsSequence();
            requireRows(x);
            // [N, T] is token ids for a model with an embedding and one feature a step for any other, as predict reads it
            Datasets.Loaded in = Datasets.load("--", x, y, lengths, classification, perStep, null,
                    perStep ? null : "the model gives one output a sequence, not one a step");
            Dataset data = in.data();
            if (multilabel) MultiLabel.requireTargets("--y", y, data, false);
            Inputs.requireFeatures("--x", x, m, in.features());
            if (vocab > 0) {
                Datasets.tokenIds("--x", x, data.x(), data.size(), data.steps(), data.features(), data.lengths(), vocab, Inputs.embeddingSource(vocab, file));
            }
            int k = m.outputFeatures();
            if (classification && in.oneHot() && in.width() != k) {
                // Keras's evaluate refuses one-hot targets of another width than the model's outputs
                throw new IllegalArgumentException("--y " + y + ": expected one-hot rows of " + k + " columns, one a class (the model has " + k
                        + " outputs), got " + in.width());
            }
            if (classification && in.width() > k) {
                throw new IllegalArgumentException("--y " + y + ": expected class labels below " + k + " (the model has " + k + " outputs), got the label "
                        + (in.width() - 1) + (k == 1 ? " (a model of one output was fitted for --task regression)" : ""));
            }
            if (!classification && in.width() != k) {
                throw new IllegalArgumentException("--y " + y + ": expected " + Inputs.count(k, "target") + " per " + (perStep ? "step" : "sequence")
                        + " (the model's outputs), got " + in.width());
            }
            Evaluation ev;
            try {
                ev = multilabel ? MultiLabel.evaluate(m, data) : Trainer.evaluate(m, data);
            } catch (IllegalArgumentException e) {
                // the model was checked when it loaded: what it refuses now is in X (a token id out of range)
                throw new IllegalArgumentException("--x " + x + ": " + e.getMessage(), e);
            }
            int n = data.size();
            // the figures are over the scored rows: steps labelled -100 (PyTorch's ignore_index) are in none of them
            long rows = perStep ? rowsOf(data) : n, scored = ClassOptions.scoredRows(data);
            String count = perStep ? Inputs.count(scored, "step") : scored < rows ? scored + " scored" : "";
            if (scored < rows) count += (perStep ? " scored" : "") + "; " + (rows - scored) + " labelled -100 left out, as PyTorch's ignore_index";
            in.printNote();
            System.out.println("evaluated on " + Inputs.count(n, "sequence") + (count.isEmpty() ? "" : " (" + count + ")")
                    + ": " + Progress.figures("", ev));
            long steps = perStep ? scored : -1;
            List<ClassFigures> classes = classification ? perClass(ev.confusion()) : multilabel ? MultiLabel.perLabel(ev) : List.of();
            if (!classes.isEmpty()) System.out.print(report(classes, json != null, multilabel ? "label" : "class"));
            if (target != null) {
                Files.writeString(outs.stage(target), Json.write(toJson(n, steps, rows - scored, ev, classes, multilabel ? "label" : "class")) + "\n", StandardCharsets.UTF_8);
                outs.commit();
                System.out.println("wrote " + Main.shown(json));
            }
        }
        return 0;
    }

    /**
     * Refuses X of no sequences ({@code [0, T, F]} or {@code [0, T]}) as nothing to evaluate: Keras 3's evaluate runs no
     * batch over it and returns no figure ({@code []}, or {@code {}} with {@code return_dict=True}), and scikit-learn's
     * metrics refuse empty arrays. Only the header is read; a file it cannot read is refused by the full read, in its words.
     */
    private static void requireRows(Path x) {
        int[] shape;
        try {
            shape = dev.vecrnn.nn.io.Npy.readHeader(x).shape();
        } catch (java.io.IOException | RuntimeException e) {
            return;
        }
        if ((shape.length == 2 || shape.length == 3) && shape[0] == 0) {
            throw new IllegalArgumentException("--x " + x + ": expected at least one sequence, got " + java.util.Arrays.toString(shape)
                    + ": nothing to evaluate (a loss or metric over no row is not defined; Keras's evaluate returns no figure for it)");
        }
    }

    /** Support (true rows), predictions, and true positives of one class. */
    record ClassFigures(int label, long support, long predicted, long correct) {
        Double precision() {
            return predicted == 0 ? null : (double) correct / predicted;
        }

        Double recall() {
            return support == 0 ? null : (double) correct / support;
        }

        Double f1() {
            return support + predicted == 0 ? null : 2.0 * correct / (support + predicted);
        }
    }

    private static long rowsOf(Dataset d) {
        long rows = 0;
        for (int i = 0; i < d.size(); i++) rows += d.lengthOf(i);
        return rows;
    }

    /**
     * The figures of every class that is a target or a prediction somewhere (as classification_report lists
     * them), from the confusion matrix of the evaluation (the argmax of the model's logits on the valid rows).
     */
    static List<ClassFigures> perClass(ConfusionMatrix cm) {
        List<ClassFigures> out = new ArrayList<>();
        for (int j = 0; j < cm.classes(); j++) {
            long support = cm.targetCount(j), predicted = cm.predictedCount(j);
            if (support + predicted > 0) out.add(new ClassFigures(j, support, predicted, cm.count(j, j)));
        }
        return out;
    }

    /**
     * The table of {@code classes} (in class order); beyond {@link #CLASS_LINES} classes, those with the most rows
     * as targets or predictions (in class order), the ones a reader looks for first.
     */
    static String report(List<ClassFigures> classes, boolean json) {
        return report(classes, json, "class");
    }

    /** The table, its rows called {@code noun}: "class", or "label" for a multi-label model's labels. */
    static String report(List<ClassFigures> classes, boolean json, String noun) {
        StringBuilder sb = new StringBuilder(String.format("%8s %9s %10s %8s %8s%n", noun, "support", "precision", "recall", "f1"));
        List<ClassFigures> shown = classes;
        if (classes.size() > CLASS_LINES) {
            shown = classes.stream().sorted(java.util.Comparator.comparingLong((ClassFigures c) -> c.support() + c.predicted()).reversed())
                    .limit(CLASS_LINES).sorted(java.util.Comparator.comparingInt(ClassFigures::label)).toList();
        }
        for (ClassFigures c : shown) {
            sb.append(String.format("%8d %9d %10s %8s %8s%n", c.label(), c.support(), fixed(c.precision()), fixed(c.recall()), fixed(c.f1())));
        }
        if (shown.size() < classes.size()) {
            sb.append("(the ").append(CLASS_LINES).append(noun.equals("class") ? " classes" : " " + noun + "s").append(" with the most targets and predictions; ").append(classes.size() - shown.size())
                    .append(" more ").append(json ? "are in the --json file" : "with --json FILE").append(")\n");
        }
        // scikit-learn reports 0 for these, with an UndefinedMetricWarning
        if (classes.stream().anyMatch(c -> c.predicted() == 0)) sb.append("n/a: a ").append(noun).append(" never predicted has no precision\n");
        if (classes.stream().anyMatch(c -> c.support() == 0)) sb.append("n/a: a ").append(noun).append(" never a target (support 0) has no recall\n");
        if (noun.equals("label") && classes.stream().anyMatch(c -> c.f1() == null)) {
            sb.append("n/a: f1_macro counts a label never a target nor predicted as 0, as scikit-learn's f1_score does\n");
        }
        return sb.toString();
    }

    private static String fixed(Double v) {
        return v == null ? "n/a" : String.format("%.4f", v);
    }

    /**
     * The figures as JSON; {@code steps}, the valid steps the means are over, for a per-step model (else -1); {@code ignored},
     * the steps or sequences labelled -100 that they leave out (listed where there are any).
     */
    private static Map<String, Object> toJson(int n, long steps, long ignored, Evaluation ev, List<ClassFigures> classes, String noun) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("sequences", n);
        if (steps >= 0) o.put("steps", steps);
        if (ignored > 0) o.put("ignored", ignored);
        // a perplexity can overflow (a mean cross-entropy above 709 nats): JSON has no infinity, so null (a MAPE over a zero
        // target is divided by 1e-7, as Keras's: huge, but finite)
        ev.metrics().forEach((name, v) -> o.put(name, Double.isFinite(v) ? v : null));
        if (!classes.isEmpty()) {
            List<Object> list = new ArrayList<>();
            for (ClassFigures c : classes) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put(noun, c.label());
                e.put("support", c.support());
                e.put("predicted", c.predicted());
                e.put("precision", c.precision());
                e.put("recall", c.recall());
                e.put("f1", c.f1());
                list.add(e);
            }
            o.put(noun.equals("class") ? "classes" : noun + "s", list);
        }
        return o;
    }
}
