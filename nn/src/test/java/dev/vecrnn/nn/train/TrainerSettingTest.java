package dev.vecrnn.nn.train;

import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Trainer#setting}: a caller's setting recorded in a checkpoint, which a resume must match. */
class TrainerSettingTest {

    private static final Dataset.Classification DATA = Dataset.classification(new float[16], 8, 2, 1, null, new int[] {0, 1, 0, 0, 0, 1, 0, 0}, false);

    private static Model model() {
        return Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build();
    }

    private static Trainer trainer(int epochs) {
        return new Trainer().seed(2).batchSize(4).epochs(epochs).optimizer(ps -> new Sgd(ps, 0.1));
    }

    @Test
    void resumeWithAnotherValueIsRefused(@TempDir Path dir) {
        Path ckpt = dir.resolve("c.safetensors");
        trainer(1).setting("init", "keras", "pytorch").checkpoint(ckpt).fit(model(), DATA);
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> trainer(2).setting("init", "pytorch", "pytorch").resumeFrom(ckpt).fit(model(), DATA));
        assertEquals("init", e.setting());
        assertEquals("keras", e.written().get("init"));
        assertEquals("pytorch", e.trainer().get("init"));
        assertTrue(e.getMessage().contains("written with init = 'keras', but this trainer has pytorch"), e.getMessage());
        // the same value resumes
        assertEquals(2, trainer(2).setting("init", "keras", "pytorch").resumeFrom(ckpt).fit(model(), DATA).epochs().size());
    }

    /** A checkpoint written before the caller recorded the setting reads as absentAs: the same resumes, another is refused. */
    @Test
    void absentSettingReadsAsGiven(@TempDir Path dir) {
        Path ckpt = dir.resolve("c.safetensors");
        trainer(1).checkpoint(ckpt).fit(model(), DATA);
        assertEquals(2, trainer(2).setting("init", "pytorch", "pytorch").resumeFrom(ckpt).fit(model(), DATA).epochs().size());
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> trainer(2).setting("init", "keras", "pytorch").resumeFrom(ckpt).fit(model(), DATA));
        assertEquals("pytorch", e.written().get("init"));
    }

    /**
     * The rows a validation split holds out are recorded; a checkpoint written before (no "validation_rows") held out
     * round(n * f) and reads so. Of these 8 rows, 0.3 held out round(2.4) = 2 then and 8 - floor(8 * 0.7) = 3 now
     * (8 * (1 - 0.3) is 5.6 in doubles): refused, naming the setting, the model untouched. At 0.25 both
     * counts are 2: it resumes.
     */
    @Test
    void aCheckpointOfTheOldValidationCountResumesOnlyWhereTheCountAgrees(@TempDir Path dir) throws java.io.IOException {
        for (double f : new double[] {0.3, 0.25}) {
            Path ckpt = dir.resolve("c" + f + ".safetensors");
            trainer(1).validationSplit(f).checkpoint(ckpt).fit(model(), DATA);
            dev.vecrnn.nn.io.SafeTensors.Contents c = dev.vecrnn.nn.io.SafeTensors.read(ckpt);
            java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
            assertEquals(f == 0.3 ? "3 of 8 rows" : "2 of 8 rows", meta.remove("validation_rows"), "the count recorded");
            java.nio.file.Files.delete(ckpt);
            dev.vecrnn.nn.io.SafeTensors.write(ckpt, new java.util.LinkedHashMap<>(c.tensors()), meta);
            if (f == 0.25) {
                assertEquals(2, trainer(2).validationSplit(f).resumeFrom(ckpt).fit(model(), DATA).epochs().size());
                continue;
            }
            Model m = model();
            java.util.Map<String, dev.vecrnn.nn.Tensor> before = m.stateDict();
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> trainer(2).validationSplit(f).resumeFrom(ckpt).fit(m, DATA));
            assertEquals("validation_rows", e.setting());
            assertEquals("2 of 8 rows", e.written().get("validation_rows"));
            assertEquals("3 of 8 rows", e.trainer().get("validation_rows"));
            for (var w : before.entrySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(w.getValue().data(), m.stateDict().get(w.getKey()).data(), "unchanged " + w.getKey());
            }
        }
    }

    /** A resume that no longer sets a setting the checkpoint records went on unchecked (a keras-started run resumed as any); refused naming it. */
    @Test
    void aSettingTheResumeDropsIsRefused(@TempDir Path dir) {
        Path ckpt = dir.resolve("c.safetensors");
        trainer(1).setting("init", "keras", "pytorch").checkpoint(ckpt).fit(model(), DATA);
        Model m = model();
        java.util.Map<String, dev.vecrnn.nn.Tensor> before = m.stateDict();
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> trainer(2).resumeFrom(ckpt).fit(m, DATA));
        assertEquals("init", e.setting());
        assertEquals("keras", e.written().get("init"));
        assertTrue(e.getMessage().contains("'init' = 'keras'") && e.getMessage().contains("does not set"), e.getMessage());
        for (var w : before.entrySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(w.getValue().data(), m.stateDict().get(w.getKey()).data(), "unchanged " + w.getKey());
        }
    }

    @Test
    void theTrainersOwnNamesAreRefused() {
        for (String name : new String[] {"seed", "batch_size", "validation_rows", "loss_weights", "format", "vecrnn", "epoch", "history_epochs", "plateau_best", ""}) {
            assertThrows(IllegalArgumentException.class, () -> new Trainer().setting(name, "x", "y"), name);
        }
        assertThrows(IllegalArgumentException.class, () -> new Trainer().setting("init", null, "y"));
        assertThrows(IllegalArgumentException.class, () -> new Trainer().setting(null, "x", "y"));
    }

    /**
     * Every metadata key the trainer writes into a checkpoint is one a caller's setting may not take
     * ({@link Checkpoint#RESERVED} is kept by hand): checkpoints written with validation, class weights,
     * clipping and either kind of schedule, each key but the caller's own checked against {@link Checkpoint#reserved}.
     */
    @Test
    void everyKeyTheTrainerWritesIsReserved(@TempDir Path dir) throws java.io.IOException {
        @SuppressWarnings("unchecked")
        java.util.function.Function<Optimizer, Schedule>[] schedules = new java.util.function.Function[] {
            (java.util.function.Function<Optimizer, Schedule>) ReduceLROnPlateau::new, (java.util.function.Function<Optimizer, Schedule>) o -> new StepLR(o, 1), null};
        int n = 0;
        for (var schedule : schedules) {
            Path ckpt = dir.resolve("c" + n++ + ".safetensors");
            Trainer t = new Trainer().seed(2).batchSize(2).epochs(2).validationSplit(0.25).clipNorm(1)
                    .loss(new CrossEntropyLoss(2, CrossEntropyLoss.DEFAULT_IGNORE_INDEX, new float[] {1f, 3f}))
                    .optimizer(ps -> new Adam(ps, 0.01)).setting("init", "keras", "pytorch").checkpoint(ckpt);
            if (schedule != null) t.schedule(schedule);
            t.fit(Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), DATA);
            java.util.Set<String> keys = dev.vecrnn.nn.io.SafeTensors.read(ckpt).metadata().keySet();
            assertTrue(keys.contains("init") && keys.contains("epoch") && keys.size() > 10, "the checkpoint's keys: " + keys);
            for (String key : keys) {
                if (!key.equals("init")) assertTrue(Checkpoint.reserved(key), "'" + key + "' is written by the trainer but not reserved");
            }
        }
    }
}
