package dev.vecrnn.flink;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * {@link KeyState} in Flink state, written by hand rather than by Kryo or the POJO serializer: three longs,
 * the float count and the floats' raw bits (so a restored state is the saved one bit for bit), 28 + 4n bytes
 * for n floats. Its snapshot restores the same serializer; a change of this format must bump
 * {@link Snapshot#getCurrentVersion()}.
 */
public final class KeyStateSerializer extends TypeSerializerSingleton<KeyState> {
    private static final long serialVersionUID = 1L;
    public static final KeyStateSerializer INSTANCE = new KeyStateSerializer();
    /** More floats than any model's state holds: a corrupt or foreign stream, refused before allocating. */
    static final int MAX_FLOATS = 1 << 26;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public KeyState createInstance() {
        return new KeyState(0, 0, 0, new float[0]);
    }

    @Override
    public KeyState copy(KeyState from) {
        return new KeyState(from.modelVersion, from.steps, from.lastSeen, from.state.clone());
    }

    @Override
    public KeyState copy(KeyState from, KeyState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(KeyState s, DataOutputView out) throws IOException {
        out.writeLong(s.modelVersion);
        out.writeLong(s.steps);
        out.writeLong(s.lastSeen);
        out.writeInt(s.state.length);
        for (float f : s.state) out.writeInt(Float.floatToRawIntBits(f));
    }

    @Override
    public KeyState deserialize(DataInputView in) throws IOException {
        long version = in.readLong(), steps = in.readLong(), lastSeen = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > MAX_FLOATS) throw new IOException("vecrnn key state: float count " + n + " out of range [0, " + MAX_FLOATS + "]");
        float[] state = new float[n];
        for (int i = 0; i < n; i++) state[i] = Float.intBitsToFloat(in.readInt());
        return new KeyState(version, steps, lastSeen, state);
    }

    @Override
    public KeyState deserialize(KeyState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores {@link #INSTANCE}; Flink instantiates it by its no-argument constructor. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<KeyState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
