package dev.vecrnn.nn.train;

import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run's settings are those the trainer had when {@code fit} started, as Keras's {@code fit(epochs=..., batch_size=...)}
 * arguments are: a setter called while the run is under way (from its own callback) is refused, naming itself, and
 * changes nothing, neither this run nor the next; {@link Trainer#stopTraining} is the one deliberate way to end a
 * run early from a callback, as Keras's {@code model.stop_training = True}.
 */
class TrainerDuringFitTest {

    /** 32 rows in batches of 8: 4 batches an epoch. */
    private static final Dataset DATA = TrainerCheckpointTest.sums(32, 4, 11);

    private static Model model() {
        return Model.builder(2).gru(5).lastStep().dense(1).seed(6).build();
    }

    private static Trainer trainer() {
        return new Trainer().epochs(3).batchSize(8).seed(4).clipNorm(1).optimizer(ps -> new Adam(ps, 1e-2));
    }

    /**
     * Before, {@code epochs(1)} from the first epoch's callback ended the run there, and {@code batchSize(2)} from a
     * batch's callback cut the rest of the epoch into batches of 2 (its progress still counting 4): the run's
     * settings changed under it. Now each is refused with an IllegalStateException naming the setter, and the run goes
     * on as configured, to the weights of a run whose callbacks call nothing.
     */
    @Test
    void aSetterFromACallbackIsRefusedAndTheRunKeepsItsSettings() {
        Model plain = model();
        Trainer.History expected = trainer().fit(plain, DATA);

        Model m = model();
        Trainer t = trainer();
        List<RuntimeException> refused = new ArrayList<>();
        List<Integer> batchCounts = new ArrayList<>();
        t.onBatch(p -> {
            batchCounts.add(p.batches());
            if (p.epoch() == 1 && p.batch() == 1) {
                try {
                    t.batchSize(2);
                } catch (RuntimeException e) {
                    refused.add(e);
                }
                try {
                    t.clipNorm(0);
                } catch (RuntimeException e) {
                    refused.add(e);
                }
            }
        }).onEpoch(e -> {
            if (e.epoch() == 1) {
                try {
                    t.epochs(1);
                } catch (RuntimeException ex) {
                    refused.add(ex);
                }
            }
        });
        Trainer.History h = t.fit(m, DATA);

        assertEquals(3, refused.size(), "each setter is refused: " + refused);
        String[] names = {"batchSize", "clipNorm", "epochs"};
        for (int i = 0; i < names.length; i++) {
            assertInstanceOf(IllegalStateException.class, refused.get(i));
            String msg = refused.get(i).getMessage();
            assertTrue(msg.startsWith(names[i] + ": ") && msg.contains("fit") && msg.contains("stopTraining"), msg);
        }
        assertEquals(3, h.epochs().size(), "epochs(1) did not cut the run");
        assertEquals(List.of(4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4), batchCounts, "batchSize(2) did not re-batch it");
        TrainerCheckpointTest.assertSameWeights(plain, m);
        assertEquals(expected.epochs().stream().map(Trainer.Epoch::trainLoss).toList(),
                h.epochs().stream().map(Trainer.Epoch::trainLoss).toList());

        // outside a run the setters work, and the next run uses them
        assertEquals(1, t.epochs(1).onBatch(p -> { }).onEpoch(e -> { }).fit(model(), DATA).epochs().size());
    }

    /**
     * Every public setter (found by reflection, so one added later is held too), called from a callback during the
     * run, is refused naming itself and changes nothing: a plan the trainer checked before the run is still current
     * after it (a setter that had counted, or changed a setting, would make it stale).
     */
    @Test
    void everySetterIsRefusedDuringARunAndLeavesTheTrainerAsItWas() {
        Trainer t = trainer().epochs(1);
        List<String> tried = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        t.onEpoch(e -> {
            for (Method setter : Trainer.class.getMethods()) {
                if (setter.getReturnType() != Trainer.class || Modifier.isStatic(setter.getModifiers())) continue;
                Class<?>[] types = setter.getParameterTypes();
                Object[] args = new Object[types.length];
                for (int i = 0; i < types.length; i++) args[i] = TrainerPlanTest.anArgument(types[i], setter);
                tried.add(setter.getName());
                try {
                    setter.invoke(t, args);
                    wrong.add(setter + ": accepted");
                } catch (InvocationTargetException ex) {
                    Throwable c = ex.getCause();
                    if (!(c instanceof IllegalStateException) || !c.getMessage().startsWith(setter.getName() + ": ")) {
                        wrong.add(setter + ": " + c);
                    }
                } catch (IllegalAccessException ex) {
                    throw new AssertionError(ex);
                }
            }
        });
        Trainer.Plan before = t.check(model(), DATA);
        t.fit(model(), DATA);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(tried.size() >= 19, tried.size() + " setters");
        assertEquals(1, t.fit(before).epochs().size(), "a plan checked before the run is still this trainer's");
    }

    /**
     * stopTraining from an epoch's callback ends the run after that epoch (its history as an early stop's);
     * from a batch's callback, after that batch, the epoch then ending as usual (validated, its callback called), as
     * Keras's fit breaks its batch loop on stop_training. A request is for the run under way: the next fit starts
     * afresh, and one made outside a run does nothing.
     */
    @Test
    void stopTrainingEndsTheRunUnderWay() {
        Trainer t = new Trainer().epochs(5).batchSize(8).seed(4).validationSplit(0.25).optimizer(ps -> new Adam(ps, 1e-2));
        t.onEpoch(e -> {
            if (e.epoch() == 2) t.stopTraining();
        });
        Trainer.History h = t.fit(model(), DATA);
        assertEquals(List.of(1, 2), h.epochs().stream().map(Trainer.Epoch::epoch).toList());
        assertTrue(h.stoppedEarly());

        List<String> seen = new ArrayList<>();
        t.onEpoch(e -> seen.add("epoch " + e.epoch() + (e.validation() == null ? "" : " validated")))
                .onBatch(p -> {
                    seen.add(p.epoch() + "." + p.batch());
                    if (p.epoch() == 2 && p.batch() == 1) t.stopTraining();
                });
        h = t.fit(model(), DATA);
        // 24 training rows in batches of 8: 3 an epoch
        assertEquals(List.of("1.1", "1.2", "1.3", "epoch 1 validated", "2.1", "epoch 2 validated"), seen);
        assertTrue(h.stoppedEarly());

        t.stopTraining(); // outside a run
        t.onBatch(p -> { }).onEpoch(e -> { });
        h = t.fit(model(), DATA);
        assertEquals(5, h.epochs().size(), "neither an earlier run's request nor one made between runs carries over");
        assertFalse(h.stoppedEarly());
    }

    /**
     * A deliberate stop is not an early stop: the checkpoint of the epoch it ended does not record it (Keras does not
     * keep stop_training), so a resume goes on with the next epoch, to the weights of a run never stopped.
     */
    @Test
    void aRunStoppedByRequestResumesToTheWeightsOfOneNeverStopped(@TempDir Path dir) {
        Path ckpt = dir.resolve("run.ckpt");
        Model whole = model();
        trainer().epochs(4).fit(whole, DATA);

        Model stopped = model();
        Trainer first = trainer().epochs(4).checkpoint(ckpt);
        first.onEpoch(e -> {
            if (e.epoch() == 2) first.stopTraining();
        });
        assertEquals(2, first.fit(stopped, DATA).epochs().size());
        Trainer.History rest = trainer().epochs(4).checkpoint(ckpt).resumeFrom(ckpt).fit(stopped, DATA);
        assertEquals(List.of(1, 2, 3, 4), rest.epochs().stream().map(Trainer.Epoch::epoch).toList(), "the history goes on from the checkpoint's");
        assertFalse(rest.stoppedEarly());
        TrainerCheckpointTest.assertSameWeights(whole, stopped);
    }

    /** A fit started from a callback of the same trainer's fit is refused: the running one's settings are fixed. */
    @Test
    void aSecondFitOfTheSameTrainerDuringARunIsRefused() {
        Trainer t = trainer().epochs(1);
        Model other = model();
        RuntimeException[] got = {null};
        t.onEpoch(e -> {
            try {
                t.fit(other, DATA);
            } catch (RuntimeException ex) {
                got[0] = ex;
            }
        });
        t.fit(model(), DATA);
        assertInstanceOf(IllegalStateException.class, got[0]);
        assertTrue(got[0].getMessage().startsWith("fit: "), got[0].getMessage());
        TrainerCheckpointTest.assertSameWeights(model(), other);
    }
}
