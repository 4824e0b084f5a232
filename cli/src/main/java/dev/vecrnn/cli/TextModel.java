package dev.vecrnn.cli;

import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.train.Dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The character vocabulary of a text model, kept beside it as vocab.json (code points in id order). */
final class TextModel {
    static final String VOCAB = "vocab.json";
    final int[] codePoints;
    final Map<Integer, Integer> ids = new LinkedHashMap<>();

    TextModel(int[] codePoints) {
        this.codePoints = codePoints;
        for (int i = 0; i < codePoints.length; i++) ids.put(codePoints[i], i);
    }

    static TextModel of(String text) {
        TreeSet<Integer> cps = new TreeSet<>();
        text.codePoints().forEach(cps::add);
        return new TextModel(cps.stream().mapToInt(Integer::intValue).toArray());
    }

    int size() {
        return codePoints.length;
    }

    boolean contains(int codePoint) {
        return ids.containsKey(codePoint);
    }

    int[] encode(String text, String where) {
        int[] cps = text.codePoints().toArray();
        int[] out = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            Integer id = ids.get(cps[i]);
            if (id == null) {
                throw new IllegalArgumentException(where + ": character " + dev.vecrnn.nn.io.internal.Untrusted.quote(Character.toString(cps[i]))
                        + String.format(java.util.Locale.ROOT, " (U+%04X)", cps[i]) + " at position " + i + " is not in the model's vocabulary");
            }
            out[i] = id;
        }
        return out;
    }

    /** Non-overlapping windows of {@code steps} ids, each step predicting the next id. */
    static Dataset windows(int[] ids, int steps) {
        int n = (ids.length - 1) / steps;
        if (n < 1) throw new IllegalArgumentException("text: expected more than " + steps + " characters, got " + ids.length);
        float[] x = new float[n * steps];
        int[] y = new int[n * steps];
        for (int i = 0; i < n * steps; i++) {
            x[i] = ids[i];
            y[i] = ids[i + 1];
        }
        return Dataset.classification(x, n, steps, 1, null, y, true);
    }

    /**
     * The perplexity of {@code m} on {@code held} read as one stream, as {@code sample} reads a text: from a zero
     * state at its first character, the state carried to its last, every character but the first scored from all
     * those before it (the log-softmax of the logits in double). PyTorch's word_language_model example carries its
     * hidden state across the held-out text the same way; separate windows from a zero state score higher.
     */
    static double carriedPerplexity(dev.vecrnn.nn.model.Model m, int[] held) {
        dev.vecrnn.nn.model.ModelState state = m.newState();
        float[] x = new float[1], logits = new float[m.outputFeatures()];
        double nll = 0;
        for (int i = 0; i + 1 < held.length; i++) {
            x[0] = held[i];
            m.step(x, state, logits);
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float l : logits) max = Math.max(max, l);
            for (float l : logits) sum += Math.exp(l - max);
            nll += max + Math.log(sum) - logits[held[i + 1]];
        }
        return Math.exp(nll / (held.length - 1));
    }

    /**
     * The perplexity of {@code held} under the unigram model of {@code train} (character frequencies, an
     * unseen one counted as half an occurrence), over every character of {@code held} but the first, as a
     * language model is scored there: the baseline a trained model's held-out perplexity is set against.
     */
    static double unigramPerplexity(int[] train, int[] held, int vocabSize) {
        double[] freq = new double[vocabSize];
        for (int id : train) freq[id]++;
        double nll = 0;
        for (int i = 1; i < held.length; i++) nll -= Math.log(Math.max(freq[held[i]], 0.5) / train.length);
        return Math.exp(nll / (held.length - 1));
    }

    /** Writes the vocabulary to {@code file}, a new file (the command's staged output). */
    void save(Path file) throws IOException {
        List<Object> cps = new ArrayList<>();
        for (int c : codePoints) cps.add((long) c);
        Files.writeString(file, Json.write(Map.of("code_points", cps)), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE);
    }

    /**
     * The vocabulary in {@code dir}, checked against the model it goes with: one code point per output of
     * {@code m}, a model over token ids (one input feature).
     */
    static TextModel loadFor(Path dir, dev.vecrnn.nn.model.Model m) throws IOException {
        return load(dir).checkFor(dir, m);
    }

    /** This vocabulary (read from {@code dir}), checked against the model it goes with, as {@link #loadFor} checks it. */
    TextModel checkFor(Path dir, dev.vecrnn.nn.model.Model m) {
        if (m.outputFeatures() != size() || m.inputFeatures() != 1) {
            throw new IllegalArgumentException("--model " + dir.resolve(VOCAB) + ": holds " + size()
                    + " characters, expected one per output of the model (" + m.outputFeatures() + ") and a model over token ids");
        }
        return this;
    }

    static TextModel load(Path dir) throws IOException {
        Path f = dir.resolve(VOCAB);
        if (!Files.exists(f)) throw new IllegalArgumentException("--model " + f + ": no such file (a model from train-text has one)");
        Inputs.file("--model", f);
        Map<String, Object> json = Json.readObject(f, 16 << 20);
        // what train-text writes is the whole of it: a key it does not write is a later vecrnn's, which may change the ids
        Json.onlyKeys(json, "--model " + f, "the " + VOCAB + " train-text writes", "code_points");
        Object list = json.get("code_points");
        if (!(list instanceof List<?> l) || l.isEmpty()) throw new IllegalArgumentException("--model " + f + ": expected a non-empty 'code_points' list");
        int[] cps = new int[l.size()];
        for (int i = 0; i < cps.length; i++) {
            if (!(l.get(i) instanceof Long v) || v < 0 || v > Character.MAX_CODE_POINT) {
                throw new IllegalArgumentException("--model " + f + ": code_points[" + i + "] is not a code point: " + l.get(i));
            }
            if (Character.getType(v.intValue()) == Character.SURROGATE) {
                throw new IllegalArgumentException("--model " + f + ": code_points[" + i + "] is not a character: " + v + ", a UTF-16 surrogate");
            }
            cps[i] = v.intValue();
        }
        TextModel m = new TextModel(cps);
        if (m.ids.size() != cps.length) throw new IllegalArgumentException("--model " + f + ": expected distinct code_points, got repeats");
        return m;
    }
}
