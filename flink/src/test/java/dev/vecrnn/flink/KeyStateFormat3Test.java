package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Savepoints written before the layout fingerprint was kept (format 3; fixtures under
 * {@code src/test/resources/dev/vecrnn/flink}, see FIXTURES.md there, written by that code) are read by this
 * one, migrate to format 4, and their keys continue as they did then; format 4 round-trips bit for bit.
 */
class KeyStateFormat3Test {
    @TempDir
    Path dir;

    /** The states of keystates-format3.bin, as the code that wrote it was given them. */
    private static final KeyState[] WRITTEN = {
            new KeyState(7, 0, 3, 1000, new float[] {1.5f, -0.0f, Float.intBitsToFloat(0x7fc00123), Float.MIN_VALUE, -3.25e10f}),
            new KeyState(0xFFFFFFFFL, 0, 0, 0, new float[0]),
            new KeyState(Long.MIN_VALUE, 0, Long.MAX_VALUE, -42, new float[] {0.25f, -0.5f, 0.75f, -1f, 1.25f, -1.5f, 1.75f, -2f,
                    2.25f, -2.5f, 2.75f, -3f, 3.25f, -3.5f, 3.75f, -4f}),
    };

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = KeyStateFormat3Test.class.getResourceAsStream(name)) {
            assertTrue(in != null, name + " missing");
            return in.readAllBytes();
        }
    }

    private static void assertSameState(KeyState want, KeyState got, String what) {
        assertEquals(want.modelVersion, got.modelVersion, what + ": version");
        assertEquals(want.layout, got.layout, what + ": layout");
        assertEquals(want.steps, got.steps, what + ": steps");
        assertEquals(want.lastSeen, got.lastSeen, what + ": last seen");
        assertEquals(want.state.length, got.state.length, what + ": floats");
        for (int i = 0; i < want.state.length; i++) {
            assertEquals(Float.floatToRawIntBits(want.state[i]), Float.floatToRawIntBits(got.state[i]), what + ": float " + i);
        }
    }

    @Test
    void format3StatesAreReadWithNoFingerprintAndNeedAMigration() throws Exception {
        DataInputDeserializer in = new DataInputDeserializer(resource("keystates-format3.bin"));
        TypeSerializerSnapshot<KeyState> old = TypeSerializerSnapshot.readVersionedSnapshot(in, getClass().getClassLoader());
        assertTrue(old instanceof KeyStateSerializer.Snapshot, old.getClass().getName());
        assertEquals(3, old.getCurrentVersion());
        assertTrue(KeyStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(old).isCompatibleAfterMigration());
        TypeSerializer<KeyState> reader = old.restoreSerializer();
        assertNotEquals(KeyStateSerializer.INSTANCE, reader);
        int n = in.readInt();
        assertEquals(WRITTEN.length, n);
        for (int i = 0; i < n; i++) assertSameState(WRITTEN[i], reader.deserialize(in), "state " + i);
        assertEquals(0, in.available(), "every byte read");
        // migrated: written in format 4, read back the same
        for (KeyState s : WRITTEN) assertSameState(s, roundTrip(s), "migrated");
    }

    private static KeyState roundTrip(KeyState s) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        KeyStateSerializer.INSTANCE.serialize(s, out);
        byte[] bytes = out.getCopyOfBuffer();
        assertEquals(36 + 4 * s.state.length, bytes.length);
        KeyState back = KeyStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes));
        DataOutputSerializer again = new DataOutputSerializer(64);
        KeyStateSerializer.INSTANCE.serialize(back, again);
        assertArrayEquals(bytes, again.getCopyOfBuffer(), "written again: the same bytes");
        DataOutputSerializer copied = new DataOutputSerializer(64);
        KeyStateSerializer.INSTANCE.copy(new DataInputDeserializer(bytes), copied);
        assertArrayEquals(bytes, copied.getCopyOfBuffer(), "copy(in, out)");
        return back;
    }

    @Test
    void format4RoundTripsBitForBitAndItsSnapshotIsCompatibleAsIs() throws Exception {
        for (long layout : new long[] {StateLayout.UNKNOWN, 1, -1, 0xafdc5ad8e72f3b3eL, Long.MIN_VALUE}) {
            for (KeyState w : WRITTEN) {
                KeyState s = new KeyState(w.modelVersion, layout, w.steps, w.lastSeen, w.state);
                assertSameState(s, roundTrip(s), "layout " + layout);
            }
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, KeyStateSerializer.INSTANCE.snapshotConfiguration());
        TypeSerializerSnapshot<KeyState> back = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertEquals(4, back.getCurrentVersion());
        assertSame(KeyStateSerializer.INSTANCE, back.restoreSerializer());
        assertTrue(KeyStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(back).isCompatibleAsIs());
        // code of format 3 cannot read format 4, and says so rather than misreading it
        KeyStateSerializer.Snapshot three = new KeyStateSerializer.Snapshot();
        three.readSnapshot(3, new DataInputDeserializer(new byte[0]), getClass().getClassLoader());
        assertTrue(three.resolveSchemaCompatibility(back).isIncompatible());
        var e = assertThrows(IOException.class, () -> new KeyStateSerializer.Snapshot().readSnapshot(5, new DataInputDeserializer(new byte[0]), getClass().getClassLoader()));
        assertTrue(e.getMessage().contains("version 5"), e.getMessage());
    }

    // --- the harness savepoint: an LSTM of 6 units, version 7; key a stepped 3 times, b once

    private static final FeatureEvent[] A = {new FeatureEvent("a", 1, new float[] {0.5f, -1}), new FeatureEvent("a", 3, new float[] {1, 0.75f}),
            new FeatureEvent("a", 4, new float[] {-1.5f, 0.125f})};
    private static final FeatureEvent NEXT = new FeatureEvent("a", 5, new float[] {0.3f, -0.6f});

    private StepModel lstm6(long seed, long version) throws Exception {
        Path file = dir.resolve("lstm6-" + seed + ".safetensors");
        ModelFile.save(Model.builder(2).lstm(6).dense(1).seed(seed).build(), file);
        return StepModel.vecrnn(file).withVersion(version);
    }

    private StepModel gru12(long version) throws Exception {
        Path file = dir.resolve("gru12.safetensors");
        ModelFile.save(Model.builder(2).gru(12).dense(1).seed(3).build(), file);
        return StepModel.vecrnn(file).withVersion(version);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, Scored> restored(RecurrentStepFunction f, OperatorSubtaskState snap)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), FeatureEvent::getKey, Types.STRING);
        h.initializeState(snap);
        h.open();
        return h;
    }

    private static KeyState stateOf(KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, Scored> h, String key) throws Exception {
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
        op.setCurrentKey(key);
        ValueState<KeyState> v = op.getKeyedStateBackend()
                .getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, StepCore.stateDescriptor());
        return v.value();
    }

    private static OperatorSubtaskState format3Savepoint() throws Exception {
        Path copy = Files.createTempFile("savepoint-format3", ".bin");
        try {
            Files.write(copy, resource("savepoint-format3-lstm6.bin"));
            return OperatorSnapshotUtil.readStateHandle(copy.toString());
        } finally {
            Files.delete(copy);
        }
    }

    /** The outputs of {@code m} stepped on from {@code state} (copied) by {@code e}. */
    private static float[] from(StepModel m, float[] state, FeatureEvent e) throws Exception {
        StepModel.Stepper s = m.load();
        float[] y = new float[s.outputs()], st = state.clone();
        s.step(e.features, st, y);
        return y;
    }

    @Test
    void aFormat3SavepointRestoresAndItsKeysContinueAsTheyDidThen() throws Exception {
        OperatorSubtaskState snap = format3Savepoint();
        StepModel same = lstm6(11, 7), newWeights = lstm6(12, 8), gru = gru12(9);
        float[] saved;
        // the same model, even under RESET: not a model change; the state takes the model's fingerprint
        try (var h = restored(new RecurrentStepFunction(same).onModelChange(RecurrentStepFunction.ModelChange.RESET), snap)) {
            KeyState a = stateOf(h, "a");
            assertEquals(7, a.modelVersion);
            assertEquals(StateLayout.UNKNOWN, a.layout, "format 3 has none");
            assertEquals(3, a.steps);
            saved = a.state();
            // the fixture is what it says: the same model stepped on the same events (within rounding: another machine's kernels wrote it)
            StepModel.Stepper s = same.load();
            float[] st = new float[s.stateSize()], y = new float[1];
            for (FeatureEvent e : A) s.step(e.features, st, y);
            for (int i = 0; i < st.length; i++) assertEquals(st[i], saved[i], 1e-5f, "state float " + i);
            assertEquals(1, stateOf(h, "b").steps);
            h.processElement(NEXT, 0);
            Scored out = h.extractOutputValues().get(0);
            assertEquals(4, out.step);
            assertArrayEquals(from(same, saved, NEXT), out.outputs);
            assertEquals(StateLayout.fingerprint(s.stateLayout()), stateOf(h, "a").layout);
        }
        // new weights of the same shapes: continues, as it did
        try (var h = restored(new RecurrentStepFunction(newWeights), snap)) {
            h.processElement(NEXT, 0);
            Scored out = h.extractOutputValues().get(0);
            assertEquals(4, out.step);
            assertArrayEquals(from(newWeights, saved, NEXT), out.outputs);
        }
        // a GRU of 12 units, the same 12 floats: a format-3 state has no layout to compare, so by count it
        // continues under the default, as it did, and starts over under RESET
        OperatorSubtaskState migrated;
        try (var h = restored(new RecurrentStepFunction(gru), snap)) {
            h.processElement(NEXT, 0);
            Scored out = h.extractOutputValues().get(0);
            assertEquals(4, out.step);
            assertArrayEquals(from(gru, saved, NEXT), out.outputs);
            migrated = h.snapshot(2, 2);
        }
        try (var h = restored(new RecurrentStepFunction(gru).onModelChange(RecurrentStepFunction.ModelChange.RESET), snap)) {
            h.processElement(NEXT, 0);
            assertEquals(1, h.extractOutputValues().get(0).step);
        }
        // written again (format 4), key a now carries the GRU's layout: back to the LSTM, it starts over;
        // key b, never stepped since, still has none and continues by count
        try (var h = restored(new RecurrentStepFunction(same), migrated)) {
            assertEquals(StateLayout.fingerprint(gru.load().stateLayout()), stateOf(h, "a").layout);
            assertEquals(StateLayout.UNKNOWN, stateOf(h, "b").layout);
            h.processElement(NEXT, 0);
            h.processElement(new FeatureEvent("b", 6, new float[] {0.1f, 0.2f}), 0);
            assertEquals(1, h.extractOutputValues().get(0).step, "a: the GRU's state, not the LSTM's");
            assertEquals(2, h.extractOutputValues().get(1).step, "b: from format 3, same version, same count");
        }
    }
}
