package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operators misused: a stream keyed by something other than the event's own key field, and a model that
 * cannot be stepped one event at a time.
 */
class MisuseTest {
    @TempDir
    Path dir;

    private StepModel lstm() throws Exception {
        Path file = dir.resolve("lstm.safetensors");
        ModelFile.save(Model.builder(2).lstm(6).dense(1).seed(11).build(), file);
        return StepModel.vecrnn(file);
    }

    /** The outputs of events keyed by {@code selector} through {@code op}, in order. */
    private static List<Scored> through(OneInputStreamOperator<FeatureEvent, Scored> op, KeySelector<FeatureEvent, String> selector,
                                        List<FeatureEvent> events) throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(op, selector, Types.STRING)) {
            h.open();
            for (FeatureEvent e : events) h.processElement(e, 0);
            h.endInput();
            return List.copyOf(h.extractOutputValues());
        }
    }

    /**
     * A batched operator whose pass would not fit one Java array (maxEvents x the model's features past 2^31) was built,
     * and then failed in every task's open (NegativeArraySizeException from the overflowed product, a restart loop on
     * a cluster): refused when the job is built, naming maxEvents and the largest that fits.
     */
    @Test
    void aBatchTooLargeForOneArrayIsRefusedWhenTheJobIsBuilt() throws Exception {
        StepModel m = lstm();
        assertEquals(2, m.inputs());
        assertEquals(1, m.outputs());
        // the widest per-event row is the LSTM's gates, 4 x 6 floats, not its 2 inputs (found in review)
        int most = (Integer.MAX_VALUE - 8) / 24;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchedRecurrentStep(m, most + 1, 10));
        assertTrue(e.getMessage().startsWith("maxEvents: expected at most " + most + " for a model of 2 inputs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchedRecurrentStep(m, Integer.MAX_VALUE, 10));
        new BatchedRecurrentStep(m, most, 10); // the largest that fits is taken (its arrays are made in open)
        assertEquals(m.maxStreams(), m.withVersion(7).maxStreams());
    }

    // a job keys by a normalised device name; the events carry the raw one
    @Test
    void theBatchedOperatorKeysByTheStreamsKeyNotByTheEventsKeyField() throws Exception {
        StepModel m = lstm();
        KeySelector<FeatureEvent, String> lower = e -> e.key.toLowerCase(java.util.Locale.ROOT);
        List<FeatureEvent> events = List.of(new FeatureEvent("Dev-1", 1, new float[] {0.5f, -1}),
                new FeatureEvent("dev-1", 2, new float[] {0.25f, 2}), new FeatureEvent("DEV-1", 3, new float[] {-0.75f, 1}));
        List<Scored> perEvent = through(new KeyedProcessOperator<>(new RecurrentStepFunction(m)), lower, events);
        List<Scored> batched = through(new BatchedRecurrentStep(m, 4, 10), lower, events);
        assertEquals(List.of(1L, 2L, 3L), perEvent.stream().map(s -> s.step).toList(), "one stream: dev-1");
        assertEquals(3, batched.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(perEvent.get(i).key, batched.get(i).key, "output " + i + ": key");
            assertEquals(perEvent.get(i).step, batched.get(i).step, "output " + i + ": step");
            assertArrayEquals(perEvent.get(i).outputs, batched.get(i).outputs, "output " + i + ": outputs");
        }
    }

    @Test
    void aModelThatCannotStreamIsRefusedWhenTheJobIsBuilt() throws Exception {
        Path bi = dir.resolve("bi.safetensors");
        ModelFile.save(Model.builder(2).recurrent(CellType.GRU, 4, 1, true, 0f, 0).lastStep().dense(1).seed(1).build(), bi);
        var e = assertThrows(IllegalArgumentException.class, () -> StepModel.vecrnn(bi));
        assertTrue(e.getMessage().contains(bi.toString()), e.getMessage());
        Path att = dir.resolve("att.safetensors");
        ModelFile.save(Model.builder(2).lstm(4).attention().dense(1).seed(1).build(), att);
        e = assertThrows(IllegalArgumentException.class, () -> StepModel.vecrnn(att));
        assertTrue(e.getMessage().contains(att.toString()), e.getMessage());
        Path torch = dir.resolve("bi-lstm");
        PyTorchFormat.write(new Recurrent(new RecurrentConfig(CellType.LSTM, 2, 4, 1, true, false, true, 0f, 0), 2), torch);
        e = assertThrows(IllegalArgumentException.class, () -> StepModel.pytorch(torch));
        assertTrue(e.getMessage().contains(torch.toString()), e.getMessage());
    }

    /**
     * A file that is not a model (a CSV, a PyTorch state_dict without its config.json, a directory) is refused
     * for what it is, naming the file given: not as a model that "cannot be stepped one event at a time", nor by
     * the temporary copy the tasks load from.
     */
    @Test
    void aFileThatIsNotAModelIsRefusedNamingTheFileGiven() throws Exception {
        Path csv = dir.resolve("readings.csv");
        java.nio.file.Files.writeString(csv, "device,reading\n1,0.5\n");
        Path stateDict = dir.resolve("torch");
        PyTorchFormat.write(new Recurrent(new RecurrentConfig(CellType.LSTM, 2, 4, 1, true, false, false, 0f, 0), 2), stateDict);
        for (Path notAModel : List.of(csv, stateDict.resolve(PyTorchFormat.WEIGHTS), dir)) {
            Exception e = assertThrows(Exception.class, () -> StepModel.vecrnn(notAModel));
            String m = e.getMessage();
            assertTrue(e instanceof IllegalArgumentException || e instanceof java.io.IOException, e.toString());
            assertTrue(m.startsWith(notAModel.toString()), m);
            assertTrue(!m.contains("vecrnn-flink-model") && !m.contains("cannot be stepped"), m);
        }
        Path noConfig = dir.resolve("no-config");
        java.nio.file.Files.createDirectory(noConfig);
        java.nio.file.Files.copy(stateDict.resolve(PyTorchFormat.WEIGHTS), noConfig.resolve(PyTorchFormat.WEIGHTS));
        Exception e = assertThrows(java.io.IOException.class, () -> StepModel.pytorch(noConfig));
        assertTrue(e.getMessage().contains(noConfig.resolve(PyTorchFormat.CONFIG).toString()), e.getMessage());
    }

    /**
     * A job upgraded to a model of other shapes whose state has the same float count (LSTM 8: h and c, 16
     * floats; GRU 16: h, 16 floats): the state's layout fingerprint differs, so every key starts over under
     * either policy, where before the default continued from floats the GRU does not read as they were written.
     */
    @Test
    void aStateOfAnotherLayoutWithTheSameCountStartsOverUnderEitherPolicy() throws Exception {
        StepModel lstm8 = lstm8(), gru16 = gru16();
        FeatureEvent first = new FeatureEvent("k", 1, new float[] {0.5f, -1}), next = new FeatureEvent("k", 2, new float[] {1, 0.25f});
        OperatorSubtaskState snap;
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new RecurrentStepFunction(lstm8)),
                FeatureEvent::getKey, Types.STRING)) {
            h.open();
            h.processElement(first, 0);
            snap = h.snapshot(1, 1);
        }
        StepModel.Stepper a = lstm8.load(), b = gru16.load();
        assertEquals(a.stateSize(), b.stateSize());
        float[] fresh = new float[1];
        b.step(next.features, new float[b.stateSize()], fresh);
        for (RecurrentStepFunction.ModelChange policy : RecurrentStepFunction.ModelChange.values()) {
            try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                    new KeyedProcessOperator<>(new RecurrentStepFunction(gru16).onModelChange(policy)), FeatureEvent::getKey, Types.STRING)) {
                h.initializeState(snap);
                h.open();
                h.processElement(next, 0);
                Scored out = h.extractOutputValues().get(0);
                assertEquals(1, out.step, policy.toString());
                assertArrayEquals(fresh, out.outputs, policy.toString());
            }
        }
    }

    private StepModel lstm8() throws Exception {
        Path file = dir.resolve("lstm8.safetensors");
        ModelFile.save(Model.builder(2).lstm(8).dense(1).seed(5).build(), file);
        return StepModel.vecrnn(file);
    }

    private StepModel gru16() throws Exception {
        Path file = dir.resolve("gru16.safetensors");
        ModelFile.save(Model.builder(2).gru(16).dense(1).seed(6).build(), file);
        return StepModel.vecrnn(file);
    }

    /** The serializer's snapshot as a savepoint stores it: read back, it restores this serializer as is. */
    @Test
    void theSerializersSnapshotReadBackIsCompatibleAsIsAndAnotherSerializersIsNot() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, KeyStateSerializer.INSTANCE.snapshotConfiguration());
        TypeSerializerSnapshot<KeyState> back = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertTrue(back instanceof KeyStateSerializer.Snapshot, back.getClass().getName());
        assertTrue(back.restoreSerializer() == KeyStateSerializer.INSTANCE);
        assertTrue(KeyStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(back).isCompatibleAsIs());
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<KeyState> foreign = (TypeSerializerSnapshot) LongSerializer.INSTANCE.snapshotConfiguration();
        assertTrue(KeyStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(foreign).isIncompatible());
    }
}
