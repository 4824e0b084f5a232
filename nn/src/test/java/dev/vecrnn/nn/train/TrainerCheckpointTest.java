package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;

import dev.vecrnn.nn.io.SafeTensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerCheckpointTest {

    /** Thrown by a callback to simulate a crash. */
    static final class Crash extends RuntimeException {
        Crash(String m) {
            super(m);
        }
    }

    /** Many-to-one regression: the target is the mean of the first feature, plus noise. */
    static Dataset sums(int n, int steps, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * steps * 2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < steps; t++) {
                x[(i * steps + t) * 2] = (float) r.nextGaussian();
                x[(i * steps + t) * 2 + 1] = r.nextFloat();
                y[i] += x[(i * steps + t) * 2] / steps;
            }
        }
        return Dataset.regression(x, n, steps, 2, null, y, 1, false);
    }

    private static Model bpttModel(long seed) {
        return Model.builder(2).recurrent(CellType.LSTM, 6, 2, false, 0.3f, 0).dropout(0.25f).lastStep().dense(1).seed(seed).build();
    }

    private static Trainer bpttTrainer(boolean plateau) {
        Trainer t = new Trainer().epochs(4).batchSize(8).seed(11).validationSplit(0.2).earlyStopping(10, true)
                .optimizer(ps -> new Adam(ps, 3e-2));
        return plateau ? t.schedule(o -> new ReduceLROnPlateau(o, ReduceLROnPlateau.Mode.MIN, 0.5, 0))
                : t.schedule(o -> new StepLR(o, 1, 0.7));
    }

    @Test
    void bpttInterruptedMidEpochAndResumedEqualsAnUninterruptedRun(@TempDir Path dir) throws IOException {
        for (boolean plateau : new boolean[] {false, true}) {
            Dataset d = sums(40, 5, 1);
            Path ckpt = dir.resolve("run-" + plateau + ".ckpt");
            // 32 training rows: 4 batches per epoch; checkpoints after batch 3 and at each epoch's end
            assertInterruptedRunResumesExactly(d, () -> bpttTrainer(plateau), TrainerCheckpointTest::bpttModel, ckpt, 4, 3, 3, 4, 3, 3);
        }
    }

    @Test
    void tbpttInterruptedMidEpochAndResumedEqualsAnUninterruptedRunWithTwoThreads(@TempDir Path dir) throws IOException {
        Dataset d = TrainerTest.tokens(48, 16, 5, 7);
        Supplier<Trainer> trainer = () -> new Trainer().epochs(3).batchSize(16).seed(5).tbptt(4, 8).threads(2)
                .optimizer(ps -> new Adam(ps, 1e-2)).schedule(o -> new StepLR(o, 2, 0.5));
        LongFunction<Model> model = s -> Model.builder(1).embedding(5, 4).gru(8).dropout(0.2f).dense(5).seed(s).build();
        // 3 batches per epoch, a checkpoint after every batch; crash in batch 3 of epoch 2 (after batch 2's checkpoint)
        assertInterruptedRunResumesExactly(d, trainer, model, dir.resolve("tbptt.ckpt"), 3, 1, 2, 3, 2, 2);
    }

    /**
     * Trains once without interruption, once crashing in the callback of batch {@code crashBatch} of epoch
     * {@code crashEpoch} (so that batch's checkpoint is never written) and then resuming from the file, and
     * checks the checkpoint stood at (ckptEpoch, ckptBatch) and that weights and history agree bit for bit.
     */
    private static void assertInterruptedRunResumesExactly(Dataset d, Supplier<Trainer> trainer, LongFunction<Model> model,
                                                           Path ckpt, int perEpoch, int every, int crashEpoch, int crashBatch,
                                                           int ckptEpoch, int ckptBatch)
            throws IOException {
        Model whole = model.apply(21);
        Trainer.History expected = trainer.get().fit(whole, d);

        Model first = model.apply(21);
        Crash crash = assertThrows(Crash.class, () -> trainer.get().checkpoint(ckpt, every).onBatch(p -> {
            if (p.epoch() == crashEpoch && p.batch() == crashBatch) throw new Crash("simulated crash");
        }).fit(first, d));
        assertEquals("simulated crash", crash.getMessage());
        Map<String, String> meta = SafeTensors.read(ckpt).metadata();
        assertEquals(List.of(String.valueOf(ckptEpoch), String.valueOf(ckptBatch)), List.of(meta.get("epoch"), meta.get("batch")));

        Model resumed = model.apply(99); // other initial weights: everything must come from the checkpoint
        int[] batchesRun = {0};
        Trainer.History got = trainer.get().checkpoint(ckpt, every).resumeFrom(ckpt).onBatch(p -> batchesRun[0]++).fit(resumed, d);

        assertEquals(expected.epochs().size() * perEpoch - ((ckptEpoch - 1) * perEpoch + ckptBatch), batchesRun[0], "batches trained after resuming");
        assertSameWeights(whole, resumed);
        assertEquals(expected.bestEpoch(), got.bestEpoch());
        assertEquals(expected.epochs().size(), got.epochs().size());
        for (int i = 0; i < expected.epochs().size(); i++) {
            Trainer.Epoch a = expected.epochs().get(i), b = got.epochs().get(i);
            assertEquals(a.trainLoss(), b.trainLoss(), 0.0, "train loss of epoch " + (i + 1));
            assertEquals(a.learningRate(), b.learningRate(), 0.0, "learning rate of epoch " + (i + 1));
            assertEquals(a.improved(), b.improved());
            assertEquals(a.validation(), b.validation(), "validation of epoch " + (i + 1));
        }
    }

    static void assertSameWeights(Model expected, Model got) {
        Map<String, Tensor> a = expected.stateDict(), b = got.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).data(), b.get(k).data(), k + " must be equal bit for bit");
    }

    @Test
    void aSaveThatFailsMidWayLeavesThePreviousModelFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
        Model m = bpttModel(1);
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(m, file);
        byte[] before = Files.readAllBytes(file);
        m.params().get(0).data()[0] += 1f;
        // an interrupted thread makes the channel throw ClosedByInterruptException on the first write
        Thread.currentThread().interrupt();
        try {
            assertThrows(ClosedByInterruptException.class, () -> ModelFile.save(m, file));
        } finally {
            Thread.interrupted();
        }
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), list(dir));
        ModelFile.save(m, file);
        assertFalse(Arrays.equals(before, Files.readAllBytes(file)), "the retried save must write the new weights");
    }

    @Test
    void aCheckpointThatFailsLeavesTheLastOneWhichStillResumesExactly(@TempDir Path dir) throws IOException {
        Dataset d = sums(40, 5, 2);
        Path ckpt = dir.resolve("train.ckpt");
        Model whole = bpttModel(3);
        bpttTrainer(false).fit(whole, d);

        byte[][] epoch1 = {null};
        Model m = bpttModel(3);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
            try {
                bpttTrainer(false).checkpoint(ckpt).onBatch(p -> {
                    if (p.epoch() == 2 && p.batch() == 1) epoch1[0] = readAll(ckpt);
                }).onEpoch(ep -> {
                    if (ep.epoch() == 2) Thread.currentThread().interrupt(); // the epoch-2 checkpoint write fails
                }).fit(m, d);
            } finally {
                Thread.interrupted();
            }
        });
        assertInstanceOf(ClosedByInterruptException.class, e.getCause());
        assertTrue(e.getMessage().contains("epoch 3, batch 0") && e.getMessage().contains(ckpt.toString()), e.getMessage());
        assertArrayEquals(epoch1[0], Files.readAllBytes(ckpt), "the epoch-1 checkpoint must be intact");
        assertEquals(List.of(ckpt), list(dir));
        Model resumed = bpttModel(4);
        bpttTrainer(false).resumeFrom(ckpt).fit(resumed, d);
        assertSameWeights(whole, resumed);
    }

    @Test
    void resumingWithOtherSettingsOrAnotherFileIsRefusedByName(@TempDir Path dir) throws IOException {
        Dataset d = sums(40, 5, 3);
        Path ckpt = dir.resolve("a.ckpt");
        bpttTrainer(false).epochs(1).checkpoint(ckpt).fit(bpttModel(1), d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bpttTrainer(false).batchSize(4).resumeFrom(ckpt).fit(bpttModel(1), d));
        assertTrue(e.getMessage().contains("batch_size = '8', but this trainer has 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bpttTrainer(false).resumeFrom(ckpt).fit(bpttModel(1), sums(40, 5, 4)));
        assertTrue(e.getMessage().contains("data"), e.getMessage());
        Path model = dir.resolve("m.safetensors");
        ModelFile.save(bpttModel(1), model);
        e = assertThrows(IllegalArgumentException.class, () -> bpttTrainer(false).resumeFrom(model).fit(bpttModel(1), d));
        assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());
        // a finished run resumed with more epochs goes on from where it ended
        Trainer.History h = bpttTrainer(false).epochs(2).resumeFrom(ckpt).fit(bpttModel(1), d);
        assertEquals(List.of(1, 2), h.epochs().stream().map(Trainer.Epoch::epoch).toList());
    }

    /**
     * {@link Trainer#check} refuses what fit would refuse of a checkpoint, with the same exception and message, and
     * changes nothing: not the model, not the checkpoint, not the temporary file a killed save left beside it (fit
     * deletes that only once it resumes). A checkpoint that fits passes, and fit then resumes from it.
     */
    @Test
    void checkRefusesAResumeAsFitWouldAndChangesNothing(@TempDir Path dir) throws IOException {
        Dataset d = sums(40, 5, 3);
        SafeTensors.Contents c = twoEpochs(dir, d);
        Path ckpt = dir.resolve("a.ckpt");
        Path leftover = dir.resolve(".a.ckpt.vecrnn-0.tmp");
        Files.write(leftover, new byte[] {1, 2, 3});
        byte[] bytes = Files.readAllBytes(ckpt);
        Map<String, Supplier<Trainer>> refused = new java.util.LinkedHashMap<>();
        refused.put("batch_size", () -> bpttTrainer(false).epochs(3).batchSize(4));
        refused.put("seed", () -> bpttTrainer(false).epochs(3).seed(12));
        refused.put("validation_split", () -> bpttTrainer(false).epochs(3).validationSplit(0.25));
        refused.put("tbptt", () -> bpttTrainer(false).epochs(3).tbptt(2, 2));
        refused.put("schedule", () -> bpttTrainer(true).epochs(3));
        refused.put("optimizer", () -> bpttTrainer(false).epochs(3).optimizer(ps -> new Sgd(ps, 0.1, 0.9)));
        refused.put("init", () -> bpttTrainer(false).epochs(3).setting("init", "keras", "pytorch"));
        for (Map.Entry<String, Supplier<Trainer>> r : refused.entrySet()) {
            Model m = bpttModel(7);
            Map<String, Tensor> before = m.stateDict();
            Trainer t = r.getValue().get().resumeFrom(ckpt);
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> t.check(m, d), r.getKey());
            assertEquals(r.getKey(), e.setting());
            CheckpointMismatchException f = assertThrows(CheckpointMismatchException.class, () -> t.fit(m, d), r.getKey());
            assertEquals(e.getMessage(), f.getMessage(), "check refuses as fit does");
            assertSameWeights(modelWith(before), m);
            assertArrayEquals(bytes, Files.readAllBytes(ckpt), r.getKey());
            assertTrue(Files.exists(leftover), r.getKey() + ": a refused resume leaves the leftover for the run that resumes");
        }
        // another architecture, and a file that is not a checkpoint, are refused by check too
        assertEquals("architecture", assertThrows(CheckpointMismatchException.class,
                () -> bpttTrainer(false).epochs(3).resumeFrom(ckpt).check(Model.builder(2).recurrent(CellType.GRU, 6, 2, false, 0.3f, 0)
                        .dropout(0.25f).lastStep().dense(1).seed(1).build(), d)).setting());
        Path notOne = dir.resolve("m.safetensors");
        ModelFile.save(bpttModel(1), notOne);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> bpttTrainer(false).resumeFrom(notOne).check(bpttModel(1), d))
                .getMessage().contains("not a training checkpoint"));
        // a checkpoint that fits passes, changing nothing; fit then resumes it as it would have without the check
        Model m = bpttModel(7);
        Map<String, Tensor> before = m.stateDict();
        Trainer ok = bpttTrainer(false).epochs(3).resumeFrom(ckpt);
        ok.check(m, d);
        assertSameWeights(modelWith(before), m);
        assertTrue(Files.exists(leftover));
        assertArrayEquals(bytes, Files.readAllBytes(ckpt));
        Model plain = bpttModel(7);
        bpttTrainer(false).epochs(3).resumeFrom(ckpt).fit(plain, d);
        assertEquals(List.of(1, 2, 3), ok.fit(m, d).epochs().stream().map(Trainer.Epoch::epoch).toList());
        assertSameWeights(plain, m);
        assertFalse(Files.exists(leftover), "a resume deletes what a killed save left");
        assertEquals(c.metadata().keySet(), SafeTensors.read(ckpt).metadata().keySet());
    }

    /** A model of {@link #bpttModel}'s architecture holding {@code weights}. */
    private static Model modelWith(Map<String, Tensor> weights) {
        Model m = bpttModel(0);
        m.loadStateDict(weights);
        return m;
    }

    /**
     * Resuming from a checkpoint whose weights fit but whose optimizer state, best weights or metadata do not is
     * refused naming the file, and leaves the model as it was (the optimizer and schedule are the fit's own).
     */
    @Test
    void aRefusedCheckpointLeavesModelOptimizerAndScheduleAsTheyWere(@TempDir Path dir) throws IOException {
        Dataset d = sums(40, 5, 3);
        SafeTensors.Contents c = twoEpochs(dir, d);
        String bias = c.names().stream().filter(n -> n.startsWith("best.") && n.endsWith(".bias")).findFirst().orElseThrow();
        String moment = c.names().stream().filter(n -> n.startsWith("optimizer.")).findFirst().orElseThrow();
        List<java.util.function.Consumer<Map<String, Object>>> tensorEdits = List.of(
                t -> t.remove(moment),
                t -> t.put(bias, dev.vecrnn.nn.io.TensorData.floats(new float[7], 7)));
        List<java.util.function.Consumer<Map<String, String>>> metaEdits = List.of(
                m -> m.put("learning_rate", "-1"), m -> m.put("schedule_last_epoch", "-3"), m -> m.put("epoch", "99999999999"));
        int cases = tensorEdits.size() + metaEdits.size();
        for (int i = 0; i < cases; i++) {
            Map<String, Object> tensors = new java.util.LinkedHashMap<>(c.tensors());
            Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
            if (i < tensorEdits.size()) tensorEdits.get(i).accept(tensors);
            else metaEdits.get(i - tensorEdits.size()).accept(meta);
            Path bad = dir.resolve("bad-" + i + ".ckpt");
            SafeTensors.write(bad, tensors, meta);
            IllegalArgumentException e = refusedResume(bad, d, "case " + i);
            assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
        }
    }

    /** The checkpoint of two epochs of {@code d}, as written to {@code dir}. */
    private static SafeTensors.Contents twoEpochs(Path dir, Dataset d) throws IOException {
        Path ckpt = dir.resolve("a.ckpt");
        bpttTrainer(false).epochs(2).checkpoint(ckpt).fit(bpttModel(1), d);
        return SafeTensors.read(ckpt);
    }

    /** Resuming from {@code bad} is refused and leaves the model as it was; the refusal. */
    private static IllegalArgumentException refusedResume(Path bad, Dataset d, String what) {
        Model m = bpttModel(1);
        Map<String, Tensor> before = m.stateDict();
        Trainer t = bpttTrainer(false).epochs(3).resumeFrom(bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(m, d), what);
        assertEquals(before, m.stateDict(), what + ": " + e.getMessage());
        return e;
    }

    /**
     * The checkpoint's numbers are read as vecrnn writes them: Double.parseDouble trims whitespace and takes
     * Java's spellings ("0x1p-3", "1e-3d"), Long.parseLong a plus sign and non-ASCII digits ("\u0661" is 1), so a
     * learning_rate " 1" or an epoch "+2" resumed as if written so. Each is refused naming the file and the key.
     */
    @Test
    void checkpointNumbersAreReadOnlyAsVecrnnWritesThem(@TempDir Path dir) throws IOException {
        Dataset d = sums(40, 5, 3);
        SafeTensors.Contents c = twoEpochs(dir, d);
        String[][] edits = {{"learning_rate", " 1"}, {"learning_rate", "0.01 "}, {"learning_rate", "0x1p-3"}, {"learning_rate", "1e-3d"},
                {"learning_rate", "1f"}, {"epoch_loss_sum", "\t0.5"}, {"epoch", "+2"}, {"epoch", " 3"}, {"epoch", "\u0663"},
                {"best_epoch", "\uFF11"}, {"optimizer_steps", "4\n"}};
        for (String[] e : edits) {
            Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
            meta.put(e[0], e[1]);
            Path bad = dir.resolve("bad.ckpt");
            SafeTensors.write(bad, new java.util.LinkedHashMap<>(c.tensors()), meta);
            IllegalArgumentException x = refusedResume(bad, d, e[0] + " = " + e[1]);
            assertTrue(x.getMessage().startsWith(bad + ": checkpoint metadata '" + e[0] + "': expected "), x.getMessage());
        }
        // what vecrnn writes, and a hand-edited decimal, still resume
        for (String lr : new String[] {c.metadata().get("learning_rate"), "1.0E-4", "0.002", "2e-3"}) {
            Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
            meta.put("learning_rate", lr);
            Path ok = dir.resolve("ok.ckpt");
            SafeTensors.write(ok, new java.util.LinkedHashMap<>(c.tensors()), meta);
            assertEquals(List.of(1, 2, 3), bpttTrainer(false).epochs(3).resumeFrom(ok).fit(bpttModel(1), d).epochs().stream()
                    .map(Trainer.Epoch::epoch).toList(), lr);
        }
    }

    @Test
    void nonFiniteDataIsRefusedBeforeTrainingNamingWhere() {
        Dataset d = sums(10, 4, 5);
        d.x()[(6 * 4 + 2) * 2 + 1] = Float.NaN;
        Model m = bpttModel(1);
        float[] w = m.params().get(0).data().clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer().epochs(1).fit(m, d));
        assertTrue(e.getMessage().contains("input is NaN at row 6, step 2, feature 1"), e.getMessage());
        assertArrayEquals(w, m.params().get(0).data(), "nothing may be trained");
        Dataset y = sums(10, 4, 5);
        ((Dataset.Regression) y).targets()[3] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> new Trainer().epochs(1).validationData(y).fit(m, sums(10, 4, 6)));
        assertTrue(e.getMessage().contains("validation data: target is -Infinity at row 3, column 0"), e.getMessage());
    }

    @Test
    void stopPolicyNamesEpochAndBatchAndKeepsTheWeightsBeforeIt() {
        Dataset d = sums(32, 4, 6);
        Model m = bpttModel(2);
        float[][] seen = new float[1][];
        // a learning rate of 1e30 sends the weights to overflow within a few steps
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> new Trainer().epochs(3).batchSize(4).seed(1)
                .optimizer(ps -> new Sgd(ps, 1e30)).onBatch(p -> seen[0] = m.params().get(0).data().clone()).fit(m, d));
        assertEquals(1, e.epoch());
        assertTrue(e.batch() >= 2, "the first batch starts from finite weights, got batch " + e.batch());
        assertTrue(e.getMessage().startsWith("epoch 1, batch " + e.batch() + ": the "), e.getMessage());
        assertArrayEquals(seen[0], m.params().get(0).data(), "the faulty batch must not change the weights");
    }

    /**
     * A non-finite gradient was named by the optimizer's internal param ("the gradient of layers.0.packed_l0 is NaN at
     * index 17"), a name no state_dict has: it is named as gradDict and PyTorch name it, with its index in that shape.
     */
    @Test
    void aNonFiniteGradientIsNamedByItsStateDictName() {
        Model m = bpttModel(3);
        Loss poisoned = (in, y, grad) -> {   // a finite loss whose gradient is not
            if (grad != null) grad[0] = Float.NaN;
            return 1.0;
        };
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> new Trainer().epochs(1).batchSize(4).loss(poisoned)
                .validationSplit(0).fit(m, sums(8, 4, 5)));
        assertTrue(e.getMessage().matches("epoch 1, batch 1: the gradient of layers\\.0\\.weight_ih_l0 is NaN at \\[\\d+, \\d+\\]; .*"),
                e.getMessage());
    }

    @Test
    void skipPolicySkipsTheFaultyStepCountsItAndGoesOn() {
        Dataset d = sums(32, 4, 7);
        Model m = bpttModel(2);
        float[] head = m.params().get(m.params().size() - 1).data();
        float[][] snapshot = new float[2][];
        float[] saved = new float[1];
        Trainer.History h = new Trainer().epochs(2).batchSize(4).seed(1).nonFinite(NonFinitePolicy.SKIP_BATCH)
                .optimizer(ps -> new Sgd(ps, 0.05)).onBatch(p -> {
                    if (p.epoch() != 1) return;
                    if (p.batch() == 2) { // poison one weight: batch 3's loss is NaN
                        saved[0] = head[0];
                        head[0] = Float.NaN;
                        snapshot[0] = m.params().get(0).data().clone();
                    } else if (p.batch() == 3) {
                        snapshot[1] = m.params().get(0).data().clone();
                        head[0] = saved[0];
                    }
                }).fit(m, d);
        assertArrayEquals(snapshot[0], snapshot[1], "the skipped batch must not step");
        assertEquals(List.of(1, 0), h.epochs().stream().map(Trainer.Epoch::skippedSteps).toList());
        assertTrue(Double.isFinite(h.epochs().get(0).trainLoss()));
        assertFalse(Arrays.equals(snapshot[1], m.params().get(0).data()), "training must go on after the skip");
        for (float v : m.params().get(0).data()) assertTrue(Float.isFinite(v));
    }

    @Test
    void skipPolicyCountsTbpttWindows() {
        Dataset d = TrainerTest.tokens(8, 12, 4, 3);
        Model m = Model.builder(1).embedding(4, 3).gru(4).dense(4).seed(1).build();
        m.params().get(m.params().size() - 1).data()[0] = Float.POSITIVE_INFINITY; // every window's loss is NaN
        Trainer.History h = new Trainer().epochs(1).batchSize(4).tbptt(3, 6).nonFinite(NonFinitePolicy.SKIP_BATCH).fit(m, d);
        assertEquals(2 * 4, h.epochs().get(0).skippedSteps(), "2 batches of 4 windows");
        assertTrue(Double.isNaN(h.epochs().get(0).trainLoss()));
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** A checkpoint that cannot be written quoted the exception's class ('...: java.nio.file.NoSuchFileException: /proc/...'): it says why, in words. */
    @Test
    void anUnwritableCheckpointIsReportedInWords() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(Path.of("/proc/self")), "Linux's /proc");
        Path target = Path.of("/proc/vecrnn-ckpt.safetensors");
        Dataset d = Dataset.classification(new float[8], 4, 2, 1, null, new int[] {0, 1, 0, 1}, false);
        RuntimeException t = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> new Trainer().seed(1).batchSize(4).epochs(1)
                .optimizer(ps -> new Sgd(ps, 0.1)).checkpoint(target).fit(dev.vecrnn.nn.model.Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), d));
        org.junit.jupiter.api.Assertions.assertTrue(t.getMessage().startsWith(target + ": checkpoint at epoch")
                && t.getMessage().endsWith("cannot create a file in /proc") && !t.getMessage().contains("java."), t.getMessage());
    }
}
