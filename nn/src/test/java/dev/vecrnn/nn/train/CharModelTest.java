package dev.vecrnn.nn.train;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.model.Model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GRU character model on bundled public-domain text (KJV Genesis and Exodus, data/README.md) must
 * beat the unigram baseline's perplexity on held-out text (the last 10%, never trained on).
 */
class CharModelTest {

    @Test
    void gruBeatsUnigramPerplexity() throws IOException {
        String text = Files.readString(Path.of("../data/kjv-genesis-exodus.txt"), StandardCharsets.UTF_8);
        TreeSet<Character> chars = new TreeSet<>();
        for (char c : text.toCharArray()) chars.add(c);
        int vocab = chars.size();
        int[] map = new int[65536];
        int id = 0;
        for (char c : chars) map[c] = id++;
        int split = (int) (text.length() * 0.9);
        int steps = 64;
        Dataset train = windows(text.substring(0, Math.min(split, 200_000)), map, steps);
        Dataset held = windows(text.substring(split), map, steps);

        double[] freq = new double[vocab];
        for (int i = 0; i < split; i++) freq[map[text.charAt(i)]]++;
        double nll = 0;
        for (int i = split + 1; i < text.length(); i++) nll -= Math.log(Math.max(freq[map[text.charAt(i)]], 0.5) / split);
        double unigram = Math.exp(nll / (text.length() - split - 1));

        Model model = Model.builder(1).embedding(vocab, 24).gru(128).dense(vocab).seed(9).build();
        long t0 = System.nanoTime();
        new Trainer().epochs(2).batchSize(32).seed(4).clipNorm(1.0)
                .optimizer(ps -> new dev.vecrnn.nn.train.Adam(ps, 5e-3))
                .onEpoch(e -> System.out.printf("char GRU: epoch %d train loss %.3f%n", e.epoch(), e.trainLoss()))
                .fit(model, train);
        double ppl = Trainer.evaluate(model, held).metric("perplexity");
        System.out.printf("char GRU: held-out perplexity %.2f, unigram %.2f (%.1f s)%n", ppl, unigram, (System.nanoTime() - t0) / 1e9);
        assertTrue(unigram > 10, "unigram perplexity of English text should be above 10, got " + unigram);
        assertTrue(ppl < 0.6 * unigram, "GRU perplexity " + ppl + " should beat the unigram baseline " + unigram + " clearly");

        // the trained model's quantized copies on the same held-out text (issue 16): int8 within 2%, bf16 within 0.5%
        double int8 = Trainer.evaluate(model.quantized(Precision.INT8), held).metric("perplexity");
        double bf16 = Trainer.evaluate(model.quantized(Precision.BF16), held).metric("perplexity");
        System.out.printf("ACCURACY char GRU 128 held-out perplexity: fp32 %.4f, int8 %.4f (%+.3f%%), bf16 %.4f (%+.3f%%)%n",
                ppl, int8, 100 * (int8 / ppl - 1), bf16, 100 * (bf16 / ppl - 1));
        assertTrue(Math.abs(int8 / ppl - 1) <= 0.02, "int8 perplexity " + int8 + " should be within 2% of fp32 " + ppl);
        assertTrue(Math.abs(bf16 / ppl - 1) <= 0.005, "bf16 perplexity " + bf16 + " should be within 0.5% of fp32 " + ppl);
    }

    /** Non-overlapping windows of {@code steps} characters predicting the next character at each step. */
    static Dataset windows(String s, int[] map, int steps) {
        int n = (s.length() - 1) / steps;
        float[] x = new float[n * steps];
        int[] y = new int[n * steps];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < steps; t++) {
                x[i * steps + t] = map[s.charAt(i * steps + t)];
                y[i * steps + t] = map[s.charAt(i * steps + t + 1)];
            }
        }
        return Dataset.classification(x, n, steps, 1, null, y, true);
    }
}
