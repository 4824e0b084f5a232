package dev.vecrnn.nn.train;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evaluation held every output of the whole dataset at once before it counted a metric: for a per-step classifier,
 * N x T x K floats, 320 MB for 1,000 sequences of 40 steps over 2,000 classes, where a batch of 64 needs 20 MB. A
 * fit whose batches fit its heap trained a whole epoch, then ran out of memory in the validation or the final
 * figures on all data, and lost the run (a per-step language model of 2,000 tokens on a 512 MB heap). Here the same
 * evaluation runs in a fresh JVM of 160 MB; it finishes, and its figures are those of the dataset evaluated in
 * parts (the figures' counts add up).
 */
class EvaluationMemoryTest {
    static final int N = 1000, T = 40, K = 2000, VOCAB = 50;

    @Test
    void aPerStepClassifierOfManyClassesIsEvaluatedInTheHeapOfItsBatches() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx160m"));
        if (Kernels.panama() != null) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:") && !a.startsWith("-XX:MaxHeap") || a.startsWith("-Dvecrnn.kernels")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EvaluationMemoryTest.class.getName()));
        Path log = Files.createTempFile("EvaluationMemoryTest", ".txt");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = child.waitFor(5, TimeUnit.MINUTES);
        if (!finished) child.destroyForcibly().waitFor();
        String out = Files.readString(log);
        Files.delete(log);
        assertTrue(finished, "the 160 MB JVM did not finish:\n" + out);
        assertEquals(0, child.exitValue(), "the 160 MB JVM failed:\n" + out);
        assertTrue(out.contains("RESULT rows " + scoredSteps()), out);
    }

    /** The steps scored: every valid step (lengths 1 + i % T) but those labelled -100. */
    static long scoredSteps() {
        long n = 0;
        for (int i = 0; i < N; i++) {
            for (int s = 0; s < 1 + i % T; s++) if (label(i, s) != -100) n++;
        }
        return n;
    }

    static int label(int i, int s) {
        return (i + s) % 7 == 0 ? -100 : (i * 31 + s * 17) % K;
    }

    static Dataset data() {
        float[] x = new float[N * T];
        int[] labels = new int[N * T], lengths = new int[N];
        Random r = new Random(3);
        for (int i = 0; i < N; i++) {
            lengths[i] = 1 + i % T;
            for (int s = 0; s < T; s++) {
                x[i * T + s] = r.nextInt(VOCAB);
                labels[i * T + s] = s < lengths[i] ? label(i, s) : 0;
            }
        }
        return Dataset.classification(x, N, T, 1, lengths, labels, true);
    }

    /** In the fresh JVM: the evaluation, and its counts against those of its two halves evaluated on their own. */
    public static void main(String[] args) {
        Model model = Model.builder(1).embedding(VOCAB, 4).gru(4).dense(K).seed(1).build();
        Dataset data = data();
        Evaluation all = Evaluation.of(model, data, Loss.crossEntropy(), 64);
        int[] idx = Dataset.range(N);
        Evaluation first = Evaluation.of(model, data.subset(idx, 0, N / 2), Loss.crossEntropy(), 64);
        Evaluation second = Evaluation.of(model, data.subset(idx, N / 2, N), Loss.crossEntropy(), 64);
        long rows = all.confusion().total();
        if (rows != first.confusion().total() + second.confusion().total()) throw new AssertionError("rows do not add up");
        for (int c = 0; c < K; c++) {
            if (all.confusion().targetCount(c) != first.confusion().targetCount(c) + second.confusion().targetCount(c)
                    || all.confusion().predictedCount(c) != first.confusion().predictedCount(c) + second.confusion().predictedCount(c)) {
                throw new AssertionError("class " + c + "'s counts do not add up");
            }
        }
        double correct = first.metric("accuracy") * first.confusion().total() + second.metric("accuracy") * second.confusion().total();
        if (Math.abs(all.metric("accuracy") * rows - correct) > 1e-6) throw new AssertionError("accuracy " + all.metric("accuracy"));
        double loss = (first.loss() * first.confusion().total() + second.loss() * second.confusion().total()) / rows;
        if (Math.abs(all.loss() - loss) > 1e-9 * Math.abs(loss)) throw new AssertionError("loss " + all.loss() + ", halves " + loss);
        System.out.println("RESULT rows " + rows);
    }
}
