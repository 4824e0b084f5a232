package dev.vecrnn.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.StreamState;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The model a job steps, carried inside the job graph as its files' bytes (read once when the job is built,
 * so task managers need no shared file system) and loaded once per task by {@link #load()}: a vecrnn model
 * file ({@code ModelFile}, fp32 or quantized) or a PyTorch recurrent network exported as {@code config.json}
 * and {@code model.safetensors} ({@code PyTorchFormat}). Its version, kept with every key's state, is the
 * CRC-32 of the files unless the job names one.
 */
public final class StepModel implements Serializable {
    private static final long serialVersionUID = 1L;

    private enum Kind { VECRNN, PYTORCH }

    private final Kind kind;
    private final LinkedHashMap<String, byte[]> files;
    private final long version;
    /** The loaded model's inputs and outputs a step, and the most streams one pass takes, known once {@link #checked} has loaded it (0 before). */
    private final int inputs, outputs, maxStreams;

    private StepModel(Kind kind, LinkedHashMap<String, byte[]> files, long version, int inputs, int outputs, int maxStreams) {
        this.kind = kind;
        this.files = files;
        this.version = version;
        this.inputs = inputs;
        this.outputs = outputs;
        this.maxStreams = maxStreams;
    }

    /**
     * A vecrnn model file (what {@code ModelFile.save} and {@code vecrnn fit} write). It is loaded once here, so
     * that a file the tasks could not step fails the job's construction rather than every task's start.
     *
     * @throws IllegalArgumentException naming the file, for a model that cannot be stepped one event at a time
     *                                  (a bidirectional recurrent layer or attention pooling: both need the
     *                                  whole sequence), or for a file that is not a vecrnn model (as
     *                                  {@code ModelFile.load} refuses it)
     * @throws IOException              naming the file, when it cannot be read
     */
    public static StepModel vecrnn(Path modelFile) throws IOException {
        ModelFile.load(modelFile); // a file that is no model is refused as what it is, by its own name (not the tasks' copy)
        LinkedHashMap<String, byte[]> f = new LinkedHashMap<>();
        f.put("model.safetensors", Files.readAllBytes(modelFile));
        return new StepModel(Kind.VECRNN, f, 0, 0, 0, 0).checked(modelFile);
    }

    /**
     * A PyTorch nn.RNN/LSTM/GRU directory: config.json and model.safetensors ({@code PyTorchFormat}), loaded
     * once here as {@link #vecrnn} loads its file.
     *
     * @throws IllegalArgumentException naming the directory, for a bidirectional network (it cannot be
     *                                  stepped one event at a time), or for files {@code PyTorchFormat.read}
     *                                  refuses
     * @throws IOException              naming the file, when one cannot be read
     */
    public static StepModel pytorch(Path dir) throws IOException {
        PyTorchFormat.read(dir); // as vecrnn(Path): what is refused is named by the path given
        LinkedHashMap<String, byte[]> f = new LinkedHashMap<>();
        f.put(PyTorchFormat.CONFIG, Files.readAllBytes(dir.resolve(PyTorchFormat.CONFIG)));
        f.put(PyTorchFormat.WEIGHTS, Files.readAllBytes(dir.resolve(PyTorchFormat.WEIGHTS)));
        return new StepModel(Kind.PYTORCH, f, 0, 0, 0, 0).checked(dir);
    }

    /**
     * This model, once it has loaded as the tasks will load it, with its feature counts and its files' CRC as the
     * version; a model that cannot stream is refused, naming {@code from}.
     */
    private StepModel checked(Path from) throws IOException {
        Stepper s;
        try {
            s = load();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(from + ": cannot be stepped one event at a time: " + e.getMessage(), e);
        }
        return new StepModel(kind, files, crc(), s.inputs(), s.outputs(), s.maxStreams());
    }

    /** The same model under another version (for example a release number). */
    public StepModel withVersion(long v) {
        return new StepModel(kind, files, v, inputs, outputs, maxStreams);
    }

    /** Features a step reads. */
    public int inputs() {
        return inputs;
    }

    /** Features a step gives. */
    public int outputs() {
        return outputs;
    }

    /** The most events one batched pass takes: its workspace's rows, one per event, must fit one Java array. */
    public int maxStreams() {
        return maxStreams;
    }

    public long version() {
        return version;
    }

    private long crc() {
        CRC32 c = new CRC32();
        for (byte[] b : files.values()) c.update(b);
        return c.getValue();
    }

    /** Loads the model (from a temporary copy of its files, deleted before this returns). */
    public Stepper load() throws IOException {
        Path dir = Files.createTempDirectory("vecrnn-flink-model");
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
            if (kind == Kind.VECRNN) return ScratchStepper.of(ModelFile.load(dir.resolve("model.safetensors")));
            return ScratchStepper.of(PyTorchFormat.read(dir));
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** One task's loaded model and its scratch state: steps a key's state floats in place. Not thread-safe. */
    public interface Stepper {
        int inputs();

        int outputs();

        /** Floats in one key's state. */
        int stateSize();

        /**
         * What those floats are, derived from the model's configuration: its recurrent stacks in order, each
         * by cell type, layers, directions, hidden and projection size (e.g. {@code LSTM(layers 1, directions
         * 1, hidden 8, proj 0)}). Its fingerprint is kept with every key's state and compared on restore.
         */
        String stateLayout();

        /** state (stateSize floats) and x (inputs) -> out (outputs); state is advanced in place. */
        void step(float[] x, float[] state, float[] out);

        /**
         * n streams one step each: xs {@code [n, inputs]}, states[j] advanced in place, outs {@code [n, outputs]};
         * bit for bit what n calls of {@link #step} give. No state may appear twice. A PyTorch network steps
         * them in one pass over its weights ({@code Recurrent.stepMany}), a vecrnn model likewise layer by
         * layer ({@code Model.stepMany}).
         */
        default void stepMany(int n, float[] xs, float[][] states, float[] outs) {
            int in = inputs(), o = outputs();
            float[] x = new float[in], y = new float[o];
            for (int j = 0; j < n; j++) {
                System.arraycopy(xs, j * in, x, 0, in);
                step(x, states[j], y);
                System.arraycopy(y, 0, outs, j * o, o);
            }
        }

        /** The most streams one {@link #stepMany} takes (its workspace's rows must fit one Java array). */
        default int maxStreams() {
            return Integer.MAX_VALUE;
        }
    }

    /**
     * A {@link Stepper} over the library's own per-stream state {@code S} ({@code ModelState} of a {@code Model},
     * {@code StreamState} of a {@code Recurrent}): a key's floats are copied into a scratch state, stepped and
     * copied back; a batch goes through {@code n} such states and a workspace {@code W}, grown as batches grow.
     * The two kinds of model differ only in the calls given here.
     */
    private static final class ScratchStepper<S, W> implements Stepper {
        interface Copy<S> {
            void apply(S state, float[] floats, int offset);
        }

        interface StepOne<S> {
            void apply(float[] x, S state, float[] out);
        }

        interface StepAll<S, W> {
            void apply(int n, float[] xs, S[] states, float[] outs, W ws);
        }

        private final int inputs, outputs, stateSize, maxStreams;
        private final String stateLayout;
        private final S scratch;
        private final Supplier<S> newState;
        private final IntFunction<W> newWorkspace;
        private final Copy<S> copyFrom, copyTo;
        private final StepOne<S> stepOne;
        private final StepAll<S, W> stepAll;
        private S[] many;
        private W workspace;

        private ScratchStepper(int inputs, int outputs, int stateSize, int maxStreams, String stateLayout, S scratch, S[] none, Supplier<S> newState,
                               IntFunction<W> newWorkspace, Copy<S> copyFrom, Copy<S> copyTo, StepOne<S> stepOne, StepAll<S, W> stepAll) {
            this.inputs = inputs;
            this.outputs = outputs;
            this.stateSize = stateSize;
            this.maxStreams = maxStreams;
            this.stateLayout = stateLayout;
            this.scratch = scratch;
            this.many = none;
            this.newState = newState;
            this.newWorkspace = newWorkspace;
            this.copyFrom = copyFrom;
            this.copyTo = copyTo;
            this.stepOne = stepOne;
            this.stepAll = stepAll;
        }

        static Stepper of(Model m) {
            ModelState s = m.newState();
            return new ScratchStepper<>(m.inputFeatures(), m.outputFeatures(), s.size(), m.maxStepStreams(), StateLayout.of(m, s.size()), s, new ModelState[0],
                    m::newState, m::newStepWorkspace, ModelState::copyFrom, ModelState::copyTo, m::step, m::stepMany);
        }

        static Stepper of(Recurrent r) {
            StreamState s = r.newState();
            return new ScratchStepper<>(r.config().inputSize(), r.config().outputHidden(), s.size(), r.maxStepStreams(), StateLayout.of(r.config()), s,
                    new StreamState[0], r::newState, r::newStepWorkspace, StreamState::copyFrom, StreamState::copyTo, r::step, r::stepMany);
        }

        public int inputs() {
            return inputs;
        }

        @Override
        public int maxStreams() {
            return maxStreams;
        }

        public int outputs() {
            return outputs;
        }

        public int stateSize() {
            return stateSize;
        }

        public String stateLayout() {
            return stateLayout;
        }

        public void step(float[] x, float[] state, float[] out) {
            copyFrom.apply(scratch, state, 0);
            stepOne.apply(x, scratch, out);
            copyTo.apply(scratch, state, 0);
        }

        @Override
        public void stepMany(int n, float[] xs, float[][] states, float[] outs) {
            if (many.length < n) {
                W ws = newWorkspace.apply(n); // first: if it fails, nothing has grown
                S[] grown = Arrays.copyOf(many, n);
                for (int j = many.length; j < n; j++) grown[j] = newState.get();
                workspace = ws;
                many = grown;
            }
            for (int j = 0; j < n; j++) copyFrom.apply(many[j], states[j], 0);
            stepAll.apply(n, xs, many, outs, workspace);
            for (int j = 0; j < n; j++) copyTo.apply(many[j], states[j], 0);
        }
    }
}
