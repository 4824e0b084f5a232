package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.internal.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * evaluate's figures against the same figures computed here in double precision from predict's outputs on
 * the same held-out arrays: the mean cross-entropy, accuracy and per-class counts of a classifier, the MSE,
 * RMSE and MAE of a per-step regression over the valid steps only.
 */
class EvaluateCommandTest {

    @Test
    void classifierFiguresMatchTheLogitsPredictWrites(@TempDir Path dir) throws Exception {
        Random r = new Random(5);
        int n = 60, t = 4, f = 2;
        writeClasses(dir.resolve("x.npy"), dir.resolve("y.npy"), r, n, t, f);
        writeClasses(dir.resolve("xt.npy"), dir.resolve("yt.npy"), r, 30, t, f);
        ContractTest.Result fit = ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--hidden", "6", "--epochs", "3", "--lr", "0.01", "--out", dir.resolve("m").toString(), "--seed", "2");
        assertEquals(0, fit.code(), fit.err());
        ContractTest.Result ev = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("xt.npy").toString(),
                "--y", dir.resolve("yt.npy").toString(), "--task", "classification", "--json", dir.resolve("e.json").toString());
        assertEquals(0, ev.code(), ev.err());
        assertEquals(0, Main.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("xt.npy").toString(),
                "--out", dir.resolve("p.npy").toString()));
        float[] logits = Npy.read(dir.resolve("p.npy")).toFloats();
        long[] y = Npy.read(dir.resolve("yt.npy")).toLongs();
        int k = 3;
        double ce = 0;
        int right = 0;
        long[] support = new long[k], predicted = new long[k], correct = new long[k];
        for (int i = 0; i < y.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int j = 0; j < k; j++) {
                if (logits[i * k + j] > max) {
                    max = logits[i * k + j];
                    best = j;
                }
            }
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(logits[i * k + j] - max);
            ce += max + Math.log(sum) - logits[i * k + (int) y[i]];
            support[(int) y[i]]++;
            predicted[best]++;
            if (best == y[i]) {
                right++;
                correct[best]++;
            }
        }
        Map<String, Object> json = Json.readObject(dir.resolve("e.json"), 1 << 20);
        assertEquals(30L, json.get("sequences"));
        assertNull(json.get("steps"));
        assertEquals(ce / y.length, ((Number) json.get("loss")).doubleValue(), 1e-5);
        assertEquals((double) right / y.length, ((Number) json.get("accuracy")).doubleValue(), 1e-12);
        assertEquals(Math.exp(ce / y.length), ((Number) json.get("perplexity")).doubleValue(), 1e-4);
        List<?> classes = (List<?>) json.get("classes");
        double f1Sum = 0;
        int listed = 0;
        for (int j = 0; j < k; j++) {
            if (support[j] + predicted[j] == 0) continue;
            Map<?, ?> c = (Map<?, ?>) classes.get(listed++);
            assertEquals((long) j, c.get("class"));
            assertEquals(support[j], c.get("support"));
            assertEquals(predicted[j], c.get("predicted"));
            if (predicted[j] == 0) assertNull(c.get("precision"));
            else assertEquals((double) correct[j] / predicted[j], ((Number) c.get("precision")).doubleValue(), 1e-12);
            if (support[j] > 0) assertEquals((double) correct[j] / support[j], ((Number) c.get("recall")).doubleValue(), 1e-12);
            f1Sum += 2.0 * correct[j] / (support[j] + predicted[j]);
        }
        assertEquals(listed, classes.size());
        assertEquals(f1Sum / listed, ((Number) json.get("f1")).doubleValue(), 1e-12);  // macro over the classes present, as f1 is in fit
        assertTrue(ev.out().contains(String.format("accuracy %.4f", (double) right / y.length)), ev.out());
        assertTrue(ev.out().contains("precision") && ev.out().contains("recall"), ev.out());
    }

    @Test
    void perStepRegressionCountsOnlyTheValidSteps(@TempDir Path dir) throws Exception {
        Random r = new Random(8);
        int n = 24, t = 5, f = 1;
        float[] x = new float[n * t * f], y = new float[n * t];
        long[] len = new long[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) {
            len[i] = 1 + r.nextInt(t);
            float run = 0;
            for (int s = 0; s < t; s++) y[i * t + s] = run += x[i * t + s] * 0.5f;
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, f));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n, t));
        Npy.writeLongs(dir.resolve("len.npy"), len, n);
        assertEquals(0, Main.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--per-step",
                "--task", "regression", "--hidden", "5", "--epochs", "2", "--out", dir.resolve("m").toString(), "--seed", "3"));
        ContractTest.Result ev = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("y.npy").toString(), "--lengths", dir.resolve("len.npy").toString(), "--task", "regression",
                "--json", dir.resolve("e.json").toString());
        assertEquals(0, ev.code(), ev.err());
        assertEquals(0, Main.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--lengths", dir.resolve("len.npy").toString(), "--out", dir.resolve("p.npy").toString()));
        float[] p = Npy.read(dir.resolve("p.npy")).toFloats();
        double sq = 0, abs = 0;
        long steps = 0;
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < len[i]; s++) {
                double d = p[i * t + s] - y[i * t + s];
                sq += d * d;
                abs += Math.abs(d);
                steps++;
            }
        }
        Map<String, Object> json = Json.readObject(dir.resolve("e.json"), 1 << 20);
        assertEquals(sq / steps, ((Number) json.get("loss")).doubleValue(), 1e-5 * Math.max(1, sq / steps));
        assertEquals(Math.sqrt(sq / steps), ((Number) json.get("rmse")).doubleValue(), 1e-5);
        assertEquals(abs / steps, ((Number) json.get("mae")).doubleValue(), 1e-5);
        assertTrue(ev.out().contains("(" + steps + " steps)"), ev.out());
        assertEquals(steps, json.get("steps"));  // what the means are over, as the printed line says
    }

    /**
     * Targets of order 1e-5 give losses far below 1e-3: fit and evaluate printed every one as 0.0000, as if nothing
     * were left to learn. They print them as Keras does, in scientific notation, and the printed figure is the
     * --json file's.
     */
    @Test
    void smallLossesArePrintedInScientificNotation(@TempDir Path dir) throws Exception {
        Random r = new Random(0);
        int n = 48, t = 3;
        float[] x = new float[n * t], y = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = 1e-5f * x[i * t + t - 1];
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 1));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n));
        ContractTest.Result fit = ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "regression", "--hidden", "4", "--epochs", "15", "--lr", "0.05", "--out", dir.resolve("m").toString(), "--seed", "1");
        assertEquals(0, fit.code(), fit.err());
        ContractTest.Result ev = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("y.npy").toString(), "--json", dir.resolve("e.json").toString());
        assertEquals(0, ev.code(), ev.err());
        double loss = ((Number) Json.readObject(dir.resolve("e.json"), 1 << 20).get("loss")).doubleValue();
        assertTrue(loss > 0 && loss < 1e-3, "the case needs a loss below 1e-3, got " + loss);
        String printed = String.format(java.util.Locale.ROOT, "loss %.4e  rmse", loss);
        assertTrue(ev.out().contains(printed), printed + " in:\n" + ev.out());
        assertTrue(fit.out().contains("on all data: " + printed), printed + " in:\n" + fit.out());
        assertTrue(fit.out().matches("(?s).*epoch \\d+/15  loss \\d\\.\\d{4}e-\\d\\d  val_loss \\d\\.\\d{4}e-\\d\\d .*"), fit.out());
        assertEquals("0.5000", Progress.value(0.5));
        assertEquals("0.0000", Progress.value(0));
        assertEquals("-2.4517e-09", Progress.value(-2.4517e-9));
        assertEquals("1.0000e-03", Progress.value(1e-3));
        assertEquals("123456.0000", Progress.value(123456));
        assertEquals("9999999.0000", Progress.value(9_999_999));
        assertEquals("5.0559e+39", Progress.value(5.0558718e39));
        assertEquals("-1.0000e+07", Progress.value(-1e7));
        assertEquals("Infinity", Progress.value(Double.POSITIVE_INFINITY));
        assertEquals("NaN", Progress.value(Double.NaN));
    }

    @Test
    void refusalsNameWhatDoesNotFitTheModel(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], labels 0 and 1
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        String m = dir.resolve("m").toString(), x = dir.resolve("x.npy").toString();
        long[] three = new long[40];
        three[7] = 2;
        Npy.writeLongs(dir.resolve("y3.npy"), three, 40);
        ContractTest.run("evaluate", "--model", m, "--x", x, "--y", dir.resolve("y3.npy").toString(), "--task", "classification")
                .refused("--y", "y3.npy", "below 2", "label 2");
        // fit recorded the task: --task the other way is refused, and left out it is the file's
        ContractTest.run("evaluate", "--model", m, "--x", x, "--y", dir.resolve("y.npy").toString(), "--task", "regression")
                .refused("--task regression", "fitted for classification");
        ContractTest.Result fromFile = ContractTest.run("evaluate", "--model", m, "--x", x, "--y", dir.resolve("y.npy").toString());
        assertEquals(0, fromFile.code(), fromFile.err());
        assertTrue(fromFile.out().contains("accuracy"), fromFile.out());
        // quantize carries the task over to the copy
        assertEquals(0, ContractTest.run("quantize", "--model", m, "--out", dir.resolve("q").toString(), "--precision", "int8").code());
        assertEquals("classification", dev.vecrnn.nn.format.ModelFile.task(dir.resolve("q/model.safetensors")));
        assertEquals(0, ContractTest.run("evaluate", "--model", dir.resolve("q").toString(), "--x", x, "--y", dir.resolve("y.npy").toString()).code());
        // a file that does not say (saved without a task, or by an earlier version): --task is needed, and Y's width still checked
        String untagged = untagged(dir.resolve("m/model.safetensors"), dir.resolve("untagged.safetensors"));
        ContractTest.run("evaluate", "--model", untagged, "--x", x, "--y", dir.resolve("y.npy").toString())
                .refused("--task", "does not record");
        ContractTest.run("evaluate", "--model", untagged, "--x", x, "--y", dir.resolve("y.npy").toString(), "--task", "regression")
                .refused("--y", "expected 2 targets per sequence", "got 1");
        Npy.write(dir.resolve("x3.npy"), Tensor.zeros(40, 5, 3));
        ContractTest.run("evaluate", "--model", m, "--x", dir.resolve("x3.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification")
                .refused("--x", "2 features");
        Files.writeString(dir.resolve("old.json"), "keep");
        ContractTest.run("evaluate", "--model", m, "--x", x, "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--json", dir.resolve("old.json").toString()).refused("--json", "old.json");
        assertEquals("keep", Files.readString(dir.resolve("old.json")));
    }

    /**
     * A model of one output a sequence says how Y is laid out: one-hot rows [N, K] are one-hot rows even when X has
     * K steps (fit must guess there, evaluate need not), and a label per step is refused naming the model's head,
     * not advising --per-step, which evaluate does not take.
     */
    @Test
    void oneHotRowsAsWideAsXHasStepsAreReadAsTheModelsHeadSays(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], labels 0 and 1: a model of two outputs
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        String m = dir.resolve("m").toString();
        float[] x2 = new float[40 * 2 * 2];
        float[] hot = new float[40 * 2];
        long[] labels = new long[40];
        Random r = new Random(4);
        for (int i = 0; i < x2.length; i++) x2[i] = (float) r.nextGaussian();
        for (int i = 0; i < 40; i++) {
            labels[i] = r.nextInt(2);
            hot[i * 2 + (int) labels[i]] = 1;
        }
        Npy.write(dir.resolve("x2.npy"), Tensor.of(x2, 40, 2, 2));  // two steps, as many as the model has classes
        Npy.write(dir.resolve("hot.npy"), Tensor.of(hot, 40, 2));
        Npy.writeLongs(dir.resolve("labels.npy"), labels, 40);
        ContractTest.Result fromHot = ContractTest.run("evaluate", "--model", m, "--x", dir.resolve("x2.npy").toString(),
                "--y", dir.resolve("hot.npy").toString(), "--task", "classification");
        assertEquals(0, fromHot.code(), fromHot.err());
        ContractTest.Result fromLabels = ContractTest.run("evaluate", "--model", m, "--x", dir.resolve("x2.npy").toString(),
                "--y", dir.resolve("labels.npy").toString(), "--task", "classification");
        assertEquals(0, fromLabels.code(), fromLabels.err());
        String figures = fromLabels.out().lines().filter(l -> l.startsWith("evaluated on")).findFirst().orElseThrow();
        assertTrue(fromHot.out().contains("one-hot rows of 2 classes") && fromHot.out().contains(figures), fromHot.out());

        long[] perStep = new long[40 * 5];
        for (int i = 0; i < perStep.length; i++) perStep[i] = i % 3 == 0 ? 1 : 0;
        Npy.writeLongs(dir.resolve("steps.npy"), perStep, 40, 5);
        ContractTest.Result steps = ContractTest.run("evaluate", "--model", m, "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("steps.npy").toString(), "--task", "classification")
                .refused("--y", "steps.npy", "one output a sequence, not one a step");
        assertTrue(!steps.err().contains("--per-step"), steps.err());
        float[] steps3 = new float[40 * 5];
        Npy.write(dir.resolve("steps3.npy"), Tensor.of(steps3, 40, 5, 1));
        ContractTest.Result targets = ContractTest.run("evaluate", "--model", untagged(dir.resolve("m/model.safetensors"), dir.resolve("u.safetensors")),
                "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("steps3.npy").toString(), "--task", "regression")
                .refused("--y", "steps3.npy", "one output a sequence, not one a step");
        assertTrue(!targets.err().contains("--per-step"), targets.err());
    }

    /** Both kinds of n/a are explained under the table: scikit-learn prints 0 for them. */
    @Test
    void theTableSaysWhyARecallIsMissing() {
        String both = EvaluateCommand.report(List.of(new EvaluateCommand.ClassFigures(0, 0, 3, 0), new EvaluateCommand.ClassFigures(1, 3, 0, 0)), false);
        assertTrue(both.contains("never predicted has no precision") && both.contains("never a target (support 0) has no recall"), both);
        String recallOnly = EvaluateCommand.report(List.of(new EvaluateCommand.ClassFigures(0, 0, 3, 0), new EvaluateCommand.ClassFigures(1, 3, 0, 0))
                .subList(0, 1), false);
        assertTrue(recallOnly.contains("has no recall") && !recallOnly.contains("has no precision"), recallOnly);
    }

    /**
     * Past fifty classes the table shows the fifty with the most targets and predictions, in class order, and
     * says where the rest are: in the --json file, or with --json FILE when there is none.
     */
    @Test
    void manyClassesShowTheBusiestFifty() {
        List<EvaluateCommand.ClassFigures> classes = new java.util.ArrayList<>();
        for (int c = 0; c < 80; c++) classes.add(new EvaluateCommand.ClassFigures(c, c % 2 == 0 ? 100 + c : 1, 1, 1));
        String table = EvaluateCommand.report(classes, false);
        List<String> rows = table.lines().skip(1).filter(l -> l.matches("\\s*\\d+ .*")).toList();
        assertEquals(50, rows.size(), table);
        List<Integer> shown = rows.stream().map(l -> Integer.parseInt(l.trim().split("\\s+")[0])).toList();
        assertEquals(shown.stream().sorted().toList(), shown, table);  // in class order
        for (int c = 0; c < 80; c += 2) assertTrue(shown.contains(c), "class " + c + " (the busiest) in:\n" + table);
        assertTrue(table.contains("30 more with --json FILE"), table);
        assertTrue(EvaluateCommand.report(classes, true).contains("30 more are in the --json file"));
    }

    /** A copy of the model file at {@code from} that records no task, as files saved before fit recorded one. */
    private static String untagged(Path from, Path to) throws Exception {
        dev.vecrnn.nn.format.ModelFile.save(dev.vecrnn.nn.format.ModelFile.load(from), to);
        assertNull(dev.vecrnn.nn.format.ModelFile.task(to));
        assertEquals("classification", dev.vecrnn.nn.format.ModelFile.task(from));
        return to.toString();
    }

    /** n sequences of t steps and f features; the label (0, 1 or 2) is which third the first feature's sum falls in. */
    private static void writeClasses(Path xFile, Path yFile, Random r, int n, int t, int f) throws Exception {
        float[] x = new float[n * t * f];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < t * f; j++) {
                x[i * t * f + j] = (float) r.nextGaussian();
                if (j % f == 0) s += x[i * t * f + j];
            }
            y[i] = s < -1 ? 0 : s < 1 ? 1 : 2;
        }
        Npy.write(xFile, Tensor.of(x, n, t, f));
        Npy.writeLongs(yFile, y, n);
    }

    /**
     * A token id past a train-text model's vocabulary was refused as past "the model's embedding of 4 token ids (fit's
     * --vocab, recorded in --model)", naming an option the model never had: its ids are train-text's characters, in
     * the vocab.json beside it. Each source is named; a fit --vocab model's refusal still names --vocab.
     */
    @Test
    void aTokenIdPastTheVocabularyNamesWhereTheVocabularyCameFrom(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("t.txt"), "abcabc ".repeat(40));
        assertEquals(0, ContractTest.run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("text").toString(),
                "--hidden", "4", "--steps", "8", "--epochs", "1").code());
        long[] ids = new long[40 * 5];
        for (int i = 0; i < ids.length; i++) ids[i] = i % 4;
        ids[12] = 9;
        Npy.writeLongs(dir.resolve("ids.npy"), ids, 40, 5);
        Npy.writeLongs(dir.resolve("next.npy"), new long[40 * 5], 40, 5);
        String text = dir.resolve("text").toString(), x = dir.resolve("ids.npy").toString();
        for (ContractTest.Result r : List.of(
                ContractTest.run("predict", "--model", text, "--x", x, "--out", dir.resolve("p.npy").toString()),
                ContractTest.run("evaluate", "--model", text, "--x", x, "--y", dir.resolve("next.npy").toString()))) {
            r.refused("--x", "the model's embedding of 4 token ids (its vocab.json from train-text, one id a character", "got 9 at sequence 2, step 2");
            assertTrue(!r.err().contains("fit's --vocab"), r.err());
        }
        ContractTest.data(dir);
        for (int i = 0; i < ids.length; i++) ids[i] = i % 4;
        Npy.writeLongs(dir.resolve("tokens.npy"), ids, 40, 5);
        String[] fit = ContractTest.fit(dir, "--vocab", "4");
        fit[2] = dir.resolve("tokens.npy").toString();
        assertEquals(0, ContractTest.run(fit).code());
        ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", x, "--out", dir.resolve("p.npy").toString())
                .refused("--x", "the model's embedding of 4 token ids (fit's --vocab, recorded in --model)", "got 9");
        assertFalse(Files.exists(dir.resolve("p.npy")));
    }
}
