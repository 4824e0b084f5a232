package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.io.internal.StateDicts;
import dev.vecrnn.nn.model.Model;

import dev.vecrnn.nn.io.internal.AtomicFiles;
import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.io.internal.Untrusted;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A training checkpoint of {@link Trainer}: one safetensors file (written atomically) holding
 * <ul>
 *   <li>the weights, {@code model.<name>}, and the best weights kept for early stopping, {@code best.<name>};</li>
 *   <li>the optimizer's buffers, {@code optimizer.<param>.<buffer>}, with its step count and learning rate;</li>
 *   <li>the epoch history, {@code history.*} (one entry per finished epoch);</li>
 *   <li>in {@code __metadata__}, as strings: the position (the epoch under way and the batches of it done,
 *   the running loss sum), the schedule's counters, the early-stopping bookkeeping, the architecture
 *   (key {@value ModelFile#ARCHITECTURE_KEY}) and the settings a resume must share (seed, batch size, data).</li>
 * </ul>
 * The shuffling and dropout randomness is derived from the seed, the epoch and the batch, so it needs no state.
 * Doubles are written with {@link Double#toString} and read back bit for bit.
 */
final class Checkpoint {
    static final String FORMAT = "vecrnn-checkpoint/1";

    /**
     * The setting of a weighted built-in loss (class weights, positive weights): the loss as its toString
     * names it. Written only when there are weights, so an absent key reads as {@link #NO_LOSS_WEIGHTS}, as
     * checkpoints written before weights existed have it.
     */
    static final String LOSS_WEIGHTS = "loss_weights";
    /** The setting a {@link CheckpointMismatchException} names for a checkpoint of another model (its spec as JSON). */
    static final String ARCHITECTURE = "architecture";
    static final String NO_LOSS_WEIGHTS = "none";

    /** The setting recording the rows a validation split holds out ("K of N rows", or "none"). */
    static final String VALIDATION_ROWS = "validation_rows";

    /**
     * Metadata keys of the trainer's own (its settings, the file's format, architecture, position and history),
     * which a caller's {@link Trainer#setting} may not take; so may no key beginning with "history" or "plateau_".
     */
    static final java.util.Set<String> RESERVED = java.util.Set.of("seed", "batch_size", "validation_split", VALIDATION_ROWS, "tbptt", "data",
            "validation_data", "optimizer", "schedule", LOSS_WEIGHTS, ARCHITECTURE, ModelFile.ARCHITECTURE_KEY, "format", "epoch", "batch",
            "epoch_loss_sum", "epoch_batches_counted", "epoch_skipped_steps", "epoch_millis", "best_loss", "best_epoch", "epochs_since_best",
            "stopped", "optimizer_steps", "learning_rate", "schedule_last_epoch");

    /** Whether a caller's setting may be called {@code name}: none of {@link #RESERVED}'s, nor a history or plateau key. */
    static boolean reserved(String name) {
        return name.isEmpty() || RESERVED.contains(name) || name.startsWith("history") || name.startsWith("plateau_");
    }

    /** Where a fit stands; mutated as training goes and written whole. */
    static final class Run {
        /** The epoch under way (from 1), or the next one when {@link #batch} is 0. */
        int epoch = 1;
        /** Batches of {@link #epoch} done. */
        int batch;
        double lossSum;
        int counted;
        int skipped;
        long millis;
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = -1;
        int since;
        Map<String, Tensor> bestWeights;
        boolean stopped;
        final List<Trainer.Epoch> history = new ArrayList<>();

        void nextEpoch() {
            epoch++;
            batch = 0;
            lossSum = 0;
            counted = 0;
            skipped = 0;
            millis = 0;
        }
    }

    private Checkpoint() {
    }

    /**
     * Writes the checkpoint atomically: a failure leaves an earlier checkpoint at {@code file} as it was.
     *
     * @param settings what a resume must match (compared by {@link #read})
     */
    static void write(Path file, Model model, Optimizer opt, dev.vecrnn.nn.train.Schedule schedule, Run run, Map<String, String> settings) throws IOException {
        Map<String, Object> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put("model." + k, v));
        if (run.bestWeights != null) run.bestWeights.forEach((k, v) -> tensors.put("best." + k, v));
        opt.state().forEach((k, v) -> tensors.put("optimizer." + k, TensorData.floats(v, v.length)));
        Map<String, String> meta = new LinkedHashMap<>(settings);
        meta.put("format", FORMAT);
        meta.put(ModelFile.ARCHITECTURE_KEY, Json.write(model.spec()));
        put(meta, "epoch", run.epoch);
        put(meta, "batch", run.batch);
        put(meta, "epoch_loss_sum", run.lossSum);
        put(meta, "epoch_batches_counted", run.counted);
        put(meta, "epoch_skipped_steps", run.skipped);
        put(meta, "epoch_millis", run.millis);
        put(meta, "best_loss", run.best);
        put(meta, "best_epoch", run.bestEpoch);
        put(meta, "epochs_since_best", run.since);
        put(meta, "stopped", run.stopped);
        put(meta, "optimizer_steps", opt.stepCount());
        put(meta, "learning_rate", opt.learningRate());
        if (schedule instanceof LrScheduler s) put(meta, "schedule_last_epoch", s.lastEpoch());
        if (schedule instanceof ReduceLROnPlateau p) {
            put(meta, "plateau_best", p.best());
            put(meta, "plateau_bad_epochs", p.numBadEpochs());
            put(meta, "plateau_cooldown", p.cooldownCounter());
            put(meta, "plateau_last_epoch", p.lastEpoch());
        }
        writeHistory(run.history, tensors, meta);
        SafeTensors.write(file, tensors, meta);
    }

    /**
     * Where the file's architecture first differs from this model's, as "; layers[0].hidden_size: 99 here,
     * 64 in the file", or null when the file's text is not JSON (the caller then shows both in full).
     */
    static String firstDifference(Map<String, Object> mine, String stored) {
        Object theirs;
        try {
            theirs = stored == null ? null : Json.parse(stored);
        } catch (RuntimeException e) {
            return null;
        }
        String path = difference("", mine, theirs);
        if (path == null) return null;
        return "; " + path;
    }

    private static String difference(String path, Object a, Object b) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            for (Object k : ma.keySet()) {
                String d = difference(path.isEmpty() ? String.valueOf(k) : path + "." + k, ma.get(k), mb.get(k));
                if (d != null) return d;
            }
            for (Object k : mb.keySet()) {
                if (!ma.containsKey(k)) return (path.isEmpty() ? "" : path + ".") + Untrusted.quote(String.valueOf(k)) + ": absent here, "
                        + Untrusted.quote(Json.write(mb.get(k))) + " in the file";
            }
            return null;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                String d = difference(path + "[" + i + "]", la.get(i), lb.get(i));
                if (d != null) return d;
            }
            return la.size() == lb.size() ? null : path + ": " + la.size() + " entries here, " + lb.size() + " in the file";
        }
        if (java.util.Objects.equals(a, b) || a instanceof Number x && b instanceof Number y && x.doubleValue() == y.doubleValue()) return null;
        return path + ": " + Untrusted.quote(Json.write(a)) + " here, " + (b == null ? "absent" : Untrusted.quote(Json.write(b))) + " in the file";
    }

    /**
     * Reads and checks {@code file} against {@code model} (its architecture and weight shapes), restores the
     * optimizer and schedule from it (both fresh, the trainer's own) and returns the position to go on from, with
     * the weights to load into the model ({@link Resumed#weights}): the model is not changed here, so a caller
     * can check a checkpoint without training. Everything is read and checked before the optimizer or schedule
     * changes. The file and any temporary files beside it are left as they are (a resume deletes those once it
     * has read the file: {@link AtomicFiles#deleteLeftovers}).
     *
     * @throws CheckpointMismatchException when the file was written with other settings or for another
     *                                     architecture (naming the setting, expected and got)
     * @throws IllegalArgumentException when the file is not a checkpoint, or holds
     *                                  weights, optimizer state or metadata that do not fit (naming the file)
     */
    static Resumed read(Path file, Model model, Optimizer opt, dev.vecrnn.nn.train.Schedule schedule, Map<String, String> settings) throws IOException {
        return read(file, model, opt, schedule, settings, Map.of());
    }

    /** What {@link #read} gives: the position to go on from, and the weights to load into the model before going on. */
    record Resumed(Run run, Map<String, Tensor> weights) {
    }

    /**
     * As {@link #read(Path, Model, Optimizer, dev.vecrnn.nn.train.Schedule, Map)}, where a setting of {@code absentAs}'s
     * keys that the file lacks (a checkpoint written before it was recorded) reads as the value given there.
     */
    static Resumed read(Path file, Model model, Optimizer opt, dev.vecrnn.nn.train.Schedule schedule, Map<String, String> settings,
                        Map<String, String> absentAs) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IllegalArgumentException(file + ": not a training checkpoint (expected format '" + FORMAT + "', got "
                    + Untrusted.quote(meta.get("format")) + ")");
        }
        String arch = Json.write(model.spec());
        if (!arch.equals(meta.get(ModelFile.ARCHITECTURE_KEY))) {
            String where = firstDifference(model.spec(), meta.get(ModelFile.ARCHITECTURE_KEY));
            String writtenArch = meta.get(ModelFile.ARCHITECTURE_KEY);
            throw new CheckpointMismatchException(file + ": written for another architecture" + (where != null ? where
                    : "; expected " + arch + ", got " + Untrusted.quote(writtenArch)), ARCHITECTURE,
                    writtenArch == null ? Map.of() : Map.of(ARCHITECTURE, writtenArch), Map.of(ARCHITECTURE, arch));
        }
        Map<String, String> expected = new LinkedHashMap<>(settings);
        expected.putIfAbsent(LOSS_WEIGHTS, NO_LOSS_WEIGHTS);
        Map<String, String> writtenSettings = new LinkedHashMap<>();
        for (String key : expected.keySet()) {
            String v = key.equals(LOSS_WEIGHTS) ? meta.getOrDefault(LOSS_WEIGHTS, NO_LOSS_WEIGHTS)
                    : absentAs.containsKey(key) ? meta.getOrDefault(key, absentAs.get(key)) : meta.get(key);
            if (v != null) writtenSettings.put(key, v);
        }
        for (String key : meta.keySet()) {
            // a caller's setting (Trainer.setting) that this trainer does not have: a resume that dropped it would go on unchecked
            if (!reserved(key) && !expected.containsKey(key)) {
                Map<String, String> written = new LinkedHashMap<>(writtenSettings);
                written.put(key, meta.get(key));
                throw new CheckpointMismatchException(file + ": written with " + Untrusted.quote(key) + " = " + Untrusted.quote(meta.get(key))
                        + " (Trainer.setting), which this trainer does not set; resume with the same settings and data", key, written, expected);
            }
        }
        for (Map.Entry<String, String> s : expected.entrySet()) {
            String written = writtenSettings.get(s.getKey());
            if (!s.getValue().equals(written)) {
                throw new CheckpointMismatchException(file + ": written with " + s.getKey() + " = " + Untrusted.quote(written)
                        + ", but this trainer has " + s.getValue() + "; resume with the same settings and data", s.getKey(), writtenSettings, expected);
            }
        }
        Map<String, float[]> state = new LinkedHashMap<>();
        for (String name : c.names()) {
            if (name.startsWith("optimizer.")) state.put(name.substring(10), c.get(name).toFloats());
            else if (!name.startsWith("model.") && !name.startsWith("best.") && !name.startsWith("history.")) {
                throw new IllegalArgumentException(file + ": unexpected tensor " + Untrusted.quote(name));
            }
        }
        Map<String, Tensor> weights = c.stateDict("model.");
        Map<String, Tensor> best = c.stateDict("best.");
        Run run = new Run();
        // the position counters as the trainer keeps them: a corrupted one would start at a negative batch
        // or epoch, or quietly change what early stopping and the best weights see
        run.epoch = atLeast(intOf(meta, "epoch", file), 1, "epoch", file);
        run.batch = atLeast(intOf(meta, "batch", file), 0, "batch", file);
        run.lossSum = notNaN(doubleOf(meta, "epoch_loss_sum", file), "epoch_loss_sum", file);
        run.counted = atLeast(intOf(meta, "epoch_batches_counted", file), 0, "epoch_batches_counted", file);
        run.skipped = atLeast(intOf(meta, "epoch_skipped_steps", file), 0, "epoch_skipped_steps", file);
        run.millis = longOf(meta, "epoch_millis", file);
        if (run.millis < 0) throw new IllegalArgumentException(file + ": checkpoint metadata 'epoch_millis': expected >= 0, got " + run.millis);
        run.best = notNaN(doubleOf(meta, "best_loss", file), "best_loss", file);
        run.bestEpoch = atLeast(intOf(meta, "best_epoch", file), -1, "best_epoch", file);
        if (run.bestEpoch == 0 || run.bestEpoch >= run.epoch) {
            throw new IllegalArgumentException(file + ": checkpoint metadata 'best_epoch': expected -1 (none yet) or an epoch from 1 to "
                    + (run.epoch - 1) + " (before 'epoch'), got " + run.bestEpoch);
        }
        run.since = atLeast(intOf(meta, "epochs_since_best", file), 0, "epochs_since_best", file);
        String stopped = string(meta, "stopped", file);
        if (!stopped.equals("true") && !stopped.equals("false")) {
            throw new IllegalArgumentException(file + ": checkpoint metadata 'stopped': expected true or false, got " + Untrusted.quote(stopped));
        }
        run.stopped = stopped.equals("true");
        run.bestWeights = best.isEmpty() ? null : best;
        run.history.addAll(readHistory(c, file));
        long steps = longOf(meta, "optimizer_steps", file);
        double lr = doubleOf(meta, "learning_rate", file);
        int lastEpoch = schedule instanceof LrScheduler ? intOf(meta, "schedule_last_epoch", file) : 0;
        double plateauBest = 0;
        int[] plateau = new int[3];
        if (schedule instanceof ReduceLROnPlateau) {
            plateauBest = doubleOf(meta, "plateau_best", file);
            plateau = new int[] {intOf(meta, "plateau_bad_epochs", file), intOf(meta, "plateau_cooldown", file),
                    intOf(meta, "plateau_last_epoch", file)};
        }
        // the checks the setters below would make, made first: the weights (the only check of them: the caller loads them
        // with load, as the best weights when training ends), the schedule's counters and the learning rate
        Map<String, int[]> shapes = StateDicts.shapes(model.stateDict());
        try {
            StateDicts.check(weights, "", shapes, true, "");
            if (run.bestWeights != null) StateDicts.check(run.bestWeights, "", shapes, true, "");
            if (schedule instanceof LrScheduler s) s.lrAt(lastEpoch);
            for (int v : plateau) if (v < 0) throw new IllegalArgumentException("checkpoint metadata 'plateau_*': expected counters >= 0, got " + v);
            if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("checkpoint metadata 'learning_rate': expected a finite value >= 0, got " + lr);
            }
            opt.loadState(state, steps);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        if (schedule instanceof LrScheduler s) s.setLastEpoch(lastEpoch);
        if (schedule instanceof ReduceLROnPlateau p) p.restore(plateauBest, plateau[0], plateau[1], plateau[2]);
        opt.setLearningRate(lr);
        return new Resumed(run, weights);
    }

    /**
     * Loads {@code checked} into {@code model}: weights whose names and shapes are the model's, as {@link #read} checked a
     * checkpoint's (or as the model's own {@code stateDict()} has them). Layer by layer, as {@link Model#loadStateDict}
     * loads them, without its check of the whole dict, which {@link #read} made already; each layer still takes only its own.
     */
    static void load(Model model, Map<String, Tensor> checked) {
        Map<String, Tensor> rest = new LinkedHashMap<>(checked);
        for (int i = 0; i < model.layers().size(); i++) model.layers().get(i).loadStateDict("layers." + i + ".", rest);
    }

    private static void writeHistory(List<Trainer.Epoch> history, Map<String, Object> tensors, Map<String, String> meta) {
        int n = history.size();
        put(meta, "history_epochs", n);
        if (n == 0) return;
        int[] epoch = new int[n], epochs = new int[n], improved = new int[n], skipped = new int[n];
        double[] loss = new double[n], lr = new double[n];
        long[] millis = new long[n];
        Evaluation first = history.get(0).validation();
        List<String> metrics = first == null ? List.of() : List.copyOf(first.metrics().keySet());
        double[] valLoss = new double[n];
        double[][] val = new double[metrics.size()][n];
        for (int i = 0; i < n; i++) {
            Trainer.Epoch e = history.get(i);
            epoch[i] = e.epoch();
            epochs[i] = e.epochs();
            improved[i] = e.improved() ? 1 : 0;
            skipped[i] = e.skippedSteps();
            loss[i] = e.trainLoss();
            lr[i] = e.learningRate();
            millis[i] = e.millis();
            if (first != null) {
                valLoss[i] = e.validation().loss();
                for (int m = 0; m < metrics.size(); m++) val[m][i] = e.validation().metric(metrics.get(m));
            }
        }
        tensors.put("history.epoch", TensorData.ints(epoch, n));
        tensors.put("history.epochs", TensorData.ints(epochs, n));
        tensors.put("history.improved", TensorData.ints(improved, n));
        tensors.put("history.skipped_steps", TensorData.ints(skipped, n));
        tensors.put("history.train_loss", TensorData.doubles(loss, n));
        tensors.put("history.learning_rate", TensorData.doubles(lr, n));
        tensors.put("history.millis", TensorData.longs(millis, n));
        if (first != null) {
            tensors.put("history.val_loss", TensorData.doubles(valLoss, n));
            for (int m = 0; m < metrics.size(); m++) tensors.put("history.val." + metrics.get(m), TensorData.doubles(val[m], n));
            meta.put("history_metrics", String.join(",", metrics));
        }
    }

    private static List<Trainer.Epoch> readHistory(SafeTensors.Contents c, Path file) {
        int n = intOf(c.metadata(), "history_epochs", file);
        List<Trainer.Epoch> out = new ArrayList<>();
        if (n == 0) return out;
        int[] epoch = c.get("history.epoch").toInts(), epochs = c.get("history.epochs").toInts();
        int[] improved = c.get("history.improved").toInts(), skipped = c.get("history.skipped_steps").toInts();
        double[] loss = c.get("history.train_loss").toDoubles(), lr = c.get("history.learning_rate").toDoubles();
        long[] millis = c.get("history.millis").toLongs();
        String names = c.metadata().get("history_metrics");
        List<String> metrics = names == null ? List.of() : names.isEmpty() ? List.of() : List.of(names.split(","));
        double[] valLoss = names == null ? null : c.get("history.val_loss").toDoubles();
        List<double[]> val = new ArrayList<>();
        for (String m : metrics) val.add(c.get("history.val." + m).toDoubles());
        int[] lengths = {epoch.length, epochs.length, improved.length, skipped.length, loss.length, lr.length, millis.length,
                valLoss == null ? n : valLoss.length};
        for (int len : lengths) {
            if (len != n) throw new IllegalArgumentException(file + ": history: expected " + n + " epochs in every history tensor, got " + len);
        }
        for (int k = 0; k < val.size(); k++) {
            if (val.get(k).length != n) {
                throw new IllegalArgumentException(file + ": " + Untrusted.quote("history.val." + metrics.get(k)) + ": expected " + n
                        + " epochs, got " + val.get(k).length);
            }
        }
        for (int i = 0; i < n; i++) {
            Evaluation ev = null;
            if (valLoss != null) {
                Map<String, Double> m = new LinkedHashMap<>();
                for (int k = 0; k < metrics.size(); k++) m.put(metrics.get(k), val.get(k)[i]);
                ev = new Evaluation(valLoss[i], m);
            }
            out.add(new Trainer.Epoch(epoch[i], epochs[i], loss[i], ev, lr[i], millis[i], improved[i] == 1, skipped[i]));
        }
        return out;
    }

    private static void put(Map<String, String> meta, String key, Object value) {
        meta.put(key, String.valueOf(value));
    }

    private static String string(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException(file + ": checkpoint metadata has no '" + key + "'");
        return v;
    }

    private static int intOf(Map<String, String> meta, String key, Path file) {
        long v = longOf(meta, key, file);
        if (v != (int) v) throw new IllegalArgumentException(file + ": checkpoint metadata '" + key + "': expected an int, got " + v);
        return (int) v;
    }

    private static int atLeast(int v, int min, String key, Path file) {
        if (v < min) throw new IllegalArgumentException(file + ": checkpoint metadata '" + key + "': expected >= " + min + ", got " + v);
        return v;
    }

    private static double notNaN(double v, String key, Path file) {
        if (Double.isNaN(v)) throw new IllegalArgumentException(file + ": checkpoint metadata '" + key + "': expected a number, got NaN");
        return v;
    }

    /**
     * The spellings a number is read in, those {@link #write} writes (Long.toString, Double.toString) and a
     * hand-edited decimal: Long.parseLong alone also took a plus sign and non-ASCII digits, Double.parseDouble
     * whitespace around, hexadecimal and a type suffix ("1e-3d").
     */
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+"),
            DECIMAL = Pattern.compile("-?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?|-?Infinity|NaN");

    private static long longOf(Map<String, String> meta, String key, Path file) {
        return parsed(meta, key, file, INTEGER, Long::parseLong, "an integer");
    }

    private static double doubleOf(Map<String, String> meta, String key, Path file) {
        return parsed(meta, key, file, DECIMAL, Double::parseDouble, "a number");
    }

    private static <T> T parsed(Map<String, String> meta, String key, Path file, Pattern form, Function<String, T> parse, String expected) {
        String v = string(meta, key, file);
        try {
            if (!form.matcher(v).matches()) throw new NumberFormatException();
            return parse.apply(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": checkpoint metadata '" + key + "': expected " + expected + ", got " + Untrusted.quote(v));
        }
    }
}
