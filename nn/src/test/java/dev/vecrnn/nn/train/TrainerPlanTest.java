package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Trainer#check} returns what it checked and built, and {@link Trainer#fit(Trainer.Plan)} trains with it: the
 * factories are called once and a checkpoint is read once per run, whether the caller checks first (as the command
 * line does) or calls {@link Trainer#fit(Model, Dataset)}; a plan that no longer fits its trainer or model is refused
 * before anything changes.
 */
class TrainerPlanTest {

    private static Model model(long seed) {
        return Model.builder(2).gru(5).lastStep().dense(1).seed(seed).build();
    }

    /** A trainer whose factories count their calls in {@code opts} and {@code scheds}. */
    private static Trainer counted(AtomicInteger opts, AtomicInteger scheds) {
        return new Trainer().epochs(2).batchSize(8).seed(3).validationSplit(0.25).earlyStopping(5, true)
                .optimizer(ps -> {
                    opts.incrementAndGet();
                    return new Adam(ps, 1e-2);
                })
                .schedule(o -> {
                    scheds.incrementAndGet();
                    return new StepLR(o, 1, 0.5);
                });
    }

    /** {@link #counted}, where the counts are not looked at. */
    private static Trainer trainer() {
        return counted(new AtomicInteger(), new AtomicInteger());
    }

    /** The checkpoint of two epochs on {@code d} from the model of seed 1, written to dir/run.ckpt. */
    private static Path twoEpochs(Path dir, Dataset d) {
        Path ckpt = dir.resolve("run.ckpt");
        trainer().checkpoint(ckpt).fit(model(1), d);
        return ckpt;
    }

    /** Every weight's bits, by name. */
    private static Map<String, int[]> bits(Model m) {
        Map<String, int[]> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> {
            float[] d = v.data();
            int[] b = new int[d.length];
            for (int i = 0; i < d.length; i++) b[i] = Float.floatToRawIntBits(d[i]);
            out.put(k, b);
        });
        return out;
    }

    private static void assertSameBits(Map<String, int[]> expected, Model got, String what) {
        Map<String, int[]> b = bits(got);
        assertEquals(expected.keySet(), b.keySet(), what);
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), b.get(k), what + ": " + k);
    }

    @Test
    void theFactoriesAreCalledOncePerRunAndCheckThenFitTrainsAsFitAlone() {
        Dataset d = TrainerCheckpointTest.sums(32, 4, 1);
        AtomicInteger opts = new AtomicInteger(), scheds = new AtomicInteger();
        Model alone = model(1);
        Trainer.History a = counted(opts, scheds).fit(alone, d);
        assertEquals(1, opts.get(), "fit(model, data): the optimizer factory");
        assertEquals(1, scheds.get(), "fit(model, data): the schedule factory");
        opts.set(0);
        scheds.set(0);
        // the command line's path: check before printing anything, then train what was checked
        Model twoStep = model(1);
        Trainer t = counted(opts, scheds);
        Trainer.Plan plan = t.check(twoStep, d);
        assertEquals(1, opts.get(), "check makes the optimizer");
        Trainer.History b = t.fit(plan);
        assertEquals(1, opts.get(), "check, then fit(plan): the optimizer factory once");
        assertEquals(1, scheds.get(), "check, then fit(plan): the schedule factory once");
        TrainerCheckpointTest.assertSameWeights(alone, twoStep);
        assertEquals(a.epochs().stream().map(Trainer.Epoch::trainLoss).toList(), b.epochs().stream().map(Trainer.Epoch::trainLoss).toList());
    }

    /**
     * fit(plan) resumes from what check read: the checkpoint replaced by garbage in between does not matter (it is not
     * read again), and the run ends on the weights a plain resume ends on.
     */
    @Test
    void aResumeReadsTheCheckpointOnceAtTheCheck(@TempDir Path dir) throws IOException {
        Dataset d = TrainerCheckpointTest.sums(32, 4, 2);
        Path ckpt = twoEpochs(dir, d);
        byte[] written = Files.readAllBytes(ckpt);
        Model plain = model(9);
        trainer().epochs(4).resumeFrom(ckpt).fit(plain, d);
        Files.write(ckpt, written);

        Model m = model(9);
        Map<String, int[]> before = bits(m);
        Trainer t = trainer().epochs(4).resumeFrom(ckpt);
        Trainer.Plan plan = t.check(m, d);
        assertSameBits(before, m, "check loads nothing into the model");
        Files.write(ckpt, new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'c', 'k', 'p', 't'});
        Trainer.History h = t.fit(plan);
        assertEquals(List.of(1, 2, 3, 4), h.epochs().stream().map(Trainer.Epoch::epoch).toList());
        TrainerCheckpointTest.assertSameWeights(plain, m);
    }

    /**
     * A plan runs once, on the trainer that made it as it was configured then, and on the model's weights as they
     * were then; each refusal comes before anything changes, and the plan that stays valid still runs.
     */
    @Test
    void aPlanThatNoLongerFitsIsRefusedBeforeAnythingChanges() {
        Dataset d = TrainerCheckpointTest.sums(32, 4, 3);
        Model m = model(4);
        Trainer t = trainer();
        Trainer.Plan plan = t.check(m, d);
        Map<String, int[]> before = bits(m);

        assertThrows(IllegalArgumentException.class, () -> trainer().fit(plan), "another trainer's plan");
        assertThrows(IllegalArgumentException.class, () -> t.fit((Trainer.Plan) null));
        assertSameBits(before, m, "a plan of another trainer");

        Trainer reconfigured = trainer();
        Trainer.Plan stale = reconfigured.check(m, d);
        reconfigured.epochs(3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> reconfigured.fit(stale));
        assertTrue(e.getMessage().contains("settings changed"), e.getMessage());
        assertSameBits(before, m, "a plan made before a setter");

        // the weights changed after the check: the optimizer the factory made was made for the ones before
        Model other = model(4);
        Trainer.Plan old = t.check(other, d);
        Param p = other.params().get(0);
        p.data()[0] += 1f;
        p.changed();
        Map<String, int[]> edited = bits(other);
        e = assertThrows(IllegalStateException.class, () -> t.fit(old));
        assertTrue(e.getMessage().contains("weights changed"), e.getMessage());
        assertSameBits(edited, other, "a plan of weights since changed");

        t.fit(plan);
        e = assertThrows(IllegalStateException.class, () -> t.fit(plan));
        assertTrue(e.getMessage().contains("runs once"), e.getMessage());
    }

    /**
     * Every public setter (each public method that returns the trainer, found by reflection, so that one added later
     * is held too) makes the plans checked before it stale: fit refuses them, the weights untouched.
     */
    @Test
    void everySetterRefusesThePlansMadeBeforeIt() throws ReflectiveOperationException {
        Dataset d = TrainerCheckpointTest.sums(32, 4, 3);
        Model m = model(4);
        Map<String, int[]> before = bits(m);
        int setters = 0;
        for (java.lang.reflect.Method setter : Trainer.class.getMethods()) {
            if (setter.getReturnType() != Trainer.class || java.lang.reflect.Modifier.isStatic(setter.getModifiers())) continue;
            Class<?>[] types = setter.getParameterTypes();
            Object[] args = new Object[types.length];
            for (int i = 0; i < types.length; i++) args[i] = anArgument(types[i], setter);
            Trainer t = trainer();
            Trainer.Plan plan = t.check(m, d);
            setter.invoke(t, args);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(plan), setter.toString());
            assertTrue(e.getMessage().contains("settings changed"), setter + ": " + e.getMessage());
            assertSameBits(before, m, setter.toString());
            setters++;
        }
        assertTrue(setters >= 19, setters + " setters");
    }

    /** A value a setter takes for a parameter of this type; a functional interface gets one that is never called here. */
    static Object anArgument(Class<?> type, java.lang.reflect.Method setter) {
        if (type == int.class) return 1;
        if (type == long.class) return 1L;
        if (type == double.class) return 0.0;
        if (type == boolean.class) return false;
        if (type == String.class) return "mine";
        if (type == Path.class) return Path.of("unused.ckpt");
        if (type == Loss.class) return Loss.mae();
        if (type == NonFinitePolicy.class) return NonFinitePolicy.SKIP_BATCH;
        if (type == Dataset.class) return TrainerCheckpointTest.sums(8, 4, 5);
        if (type.isInterface()) {
            return java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, a) -> {
                throw new AssertionError(setter + ": its " + type.getSimpleName() + " was called");
            });
        }
        throw new AssertionError(setter + ": no argument for a " + type + " here; add one");
    }

    /**
     * The checkpoint's weights are checked once, by check (fit loads them without Model.loadStateDict's second check):
     * a weight of another shape, a missing one, or an extra one is refused by check and by fit alike, naming the file,
     * and the model's weights stay bit for bit as they were.
     */
    @Test
    void checkpointWeightsThatDoNotFitAreRefusedByCheckWithTheWeightsUntouched(@TempDir Path dir) throws IOException {
        Dataset d = TrainerCheckpointTest.sums(32, 4, 5);
        Path ckpt = twoEpochs(dir, d);
        SafeTensors.Contents c = SafeTensors.read(ckpt);
        String weight = c.names().stream().filter(n -> n.startsWith("model.") && n.endsWith("weight_hh_l0")).findFirst().orElseThrow();
        String bestBias = c.names().stream().filter(n -> n.startsWith("best.") && n.endsWith(".bias")).findFirst().orElseThrow();
        List<java.util.function.Consumer<Map<String, Object>>> edits = List.of(
                t -> t.put(weight, TensorData.floats(new float[15 * 4], 15, 4)),
                t -> t.remove(weight),
                t -> t.put("model.layers.9.weight", TensorData.floats(new float[1], 1)),
                t -> t.put(bestBias, TensorData.floats(new float[3], 3)));
        for (int i = 0; i < edits.size(); i++) {
            Map<String, Object> tensors = new LinkedHashMap<>(c.tensors());
            edits.get(i).accept(tensors);
            Path bad = dir.resolve("bad-" + i + ".ckpt");
            SafeTensors.write(bad, tensors, c.metadata());
            Model m = model(8);
            Map<String, int[]> before = bits(m);
            Trainer t = trainer().epochs(3).resumeFrom(bad);
            IllegalArgumentException byCheck = assertThrows(IllegalArgumentException.class, () -> t.check(m, d), "case " + i);
            assertTrue(byCheck.getMessage().startsWith(bad + ": "), byCheck.getMessage());
            assertSameBits(before, m, "case " + i + ", check");
            IllegalArgumentException byFit = assertThrows(IllegalArgumentException.class, () -> t.fit(m, d), "case " + i);
            assertEquals(byCheck.getMessage(), byFit.getMessage(), "case " + i);
            assertSameBits(before, m, "case " + i + ", fit");
        }
        // the file as written resumes: with nothing left to train, fit loads its weights and then its best ones
        Model m = model(8);
        Trainer t = trainer().resumeFrom(ckpt);
        Trainer.History h = t.fit(t.check(m, d));
        assertEquals(2, h.epochs().size());
        Map<String, Tensor> best = c.stateDict("best."), got = m.stateDict();
        assertEquals(best.keySet(), got.keySet());
        for (String k : best.keySet()) assertArrayEquals(best.get(k).data(), got.get(k).data(), k);
    }
}
