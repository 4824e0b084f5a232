package dev.vecrnn.flink;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * {@link KeyState} in Flink state, written by hand rather than by Kryo or the POJO serializer. Format 4 (this
 * one): four longs (model version, layout fingerprint, steps, last event time), the float count and the floats'
 * raw bits (so a restored state is the saved one bit for bit), 36 + 4n bytes for n floats.
 *
 * <p>Format 3, which savepoints written before the layout fingerprint was kept hold, is the same without the
 * fingerprint (28 + 4n bytes). Its snapshot (version 3, an empty body) restores a serializer that reads it, and
 * this serializer's snapshot answers {@code compatibleAfterMigration} for it: Flink reads each state in format 3
 * and writes it in format 4 (RocksDB when the state is registered, heap state when the next checkpoint is
 * written). A state read from format 3 has no fingerprint ({@link StateLayout#UNKNOWN}) and is judged on its
 * next event as before, by its model version and float count, and then takes the model's fingerprint. A change
 * of this format must add a version to {@link Snapshot}.
 */
public final class KeyStateSerializer extends TypeSerializer<KeyState> {
    private static final long serialVersionUID = 2L;
    /** The format written before the layout fingerprint (snapshot version 3). */
    static final int FORMAT_3 = 3;
    /** The format written now (snapshot version 4). */
    static final int FORMAT_4 = 4;
    public static final KeyStateSerializer INSTANCE = new KeyStateSerializer(FORMAT_4);
    /** Reads (and writes) format 3: what a format-3 snapshot restores, for Flink to migrate from. */
    static final KeyStateSerializer FORMAT_3_SERIALIZER = new KeyStateSerializer(FORMAT_3);
    /** More floats than any model's state holds: a corrupt or foreign stream, refused before allocating. */
    static final int MAX_FLOATS = 1 << 26;

    private final int format;

    private KeyStateSerializer(int format) {
        this.format = format;
    }

    /** The format this serializer reads and writes, 3 or 4. */
    int format() {
        return format;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<KeyState> duplicate() {
        return this;
    }

    @Override
    public KeyState createInstance() {
        return new KeyState(0, StateLayout.UNKNOWN, 0, 0, new float[0]);
    }

    @Override
    public KeyState copy(KeyState from) {
        return new KeyState(from.modelVersion, from.layout, from.steps, from.lastSeen, from.state.clone());
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
        if (format >= FORMAT_4) out.writeLong(s.layout);
        out.writeLong(s.steps);
        out.writeLong(s.lastSeen);
        out.writeInt(s.state.length);
        for (float f : s.state) out.writeInt(Float.floatToRawIntBits(f));
    }

    @Override
    public KeyState deserialize(DataInputView in) throws IOException {
        long version = in.readLong();
        long layout = format >= FORMAT_4 ? in.readLong() : StateLayout.UNKNOWN;
        long steps = in.readLong(), lastSeen = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > MAX_FLOATS) throw new IOException("vecrnn key state: float count " + n + " out of range [0, " + MAX_FLOATS + "]");
        float[] state = new float[n];
        for (int i = 0; i < n; i++) state[i] = Float.intBitsToFloat(in.readInt());
        return new KeyState(version, layout, steps, lastSeen, state);
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
    public boolean equals(Object o) {
        return o instanceof KeyStateSerializer k && k.format == format;
    }

    @Override
    public int hashCode() {
        return KeyStateSerializer.class.hashCode() * 31 + format;
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new Snapshot(format);
    }

    /**
     * The serializer's snapshot: its version is the format (4 now, 3 in older savepoints), its body empty.
     * Flink instantiates it by its no-argument constructor and then reads the version.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<KeyState> {
        private int format;

        public Snapshot() {
            this(FORMAT_4);
        }

        Snapshot(int format) {
            this.format = format;
        }

        @Override
        public int getCurrentVersion() {
            return format;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) throws IOException {
            if (readVersion != FORMAT_3 && readVersion != FORMAT_4) {
                throw new IOException("vecrnn key state: snapshot version " + readVersion + " is not one this code reads (3 or 4): "
                        + "a savepoint of a newer vecrnn-flink?");
            }
            format = readVersion;
        }

        @Override
        public TypeSerializer<KeyState> restoreSerializer() {
            return format == FORMAT_3 ? FORMAT_3_SERIALIZER : INSTANCE;
        }

        /**
         * Called on the new serializer's snapshot with the one a savepoint holds: the same format is compatible
         * as is, format 3 after migration (its states gain an unknown fingerprint), anything else incompatible.
         */
        @Override
        public TypeSerializerSchemaCompatibility<KeyState> resolveSchemaCompatibility(TypeSerializerSnapshot<KeyState> old) {
            if (!(old instanceof Snapshot o) || o.format > format) return TypeSerializerSchemaCompatibility.incompatible();
            return o.format == format ? TypeSerializerSchemaCompatibility.compatibleAsIs() : TypeSerializerSchemaCompatibility.compatibleAfterMigration();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s && s.format == format;
        }

        @Override
        public int hashCode() {
            return format;
        }

        @Override
        public String toString() {
            return "KeyStateSerializer.Snapshot(format " + format + ")";
        }
    }
}
