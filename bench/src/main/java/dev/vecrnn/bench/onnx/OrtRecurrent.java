package dev.vecrnn.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A vecrnn layer's weights run by ONNX Runtime for Java the way a latency-sensitive service would run
 * it: one intra-op and one inter-op thread, sequential execution, every input and output tensor made
 * once over a direct buffer and reused, outputs pinned (written by ONNX Runtime into those buffers, its
 * fastest mode), and the state fed back without a copy by swapping two state buffers each step.
 *
 * <p>{@link #step} advances one stream one step at batch 1; {@link #sequence} runs T steps of one sequence
 * from a zero state in one call. Not thread-safe; close it to free the native memory.
 */
public final class OrtRecurrent implements AutoCloseable {
    private final OrtSession session;
    private final boolean lstm;
    private final int inputSize, hiddenSize, steps;
    private final FloatBuffer x;
    private final FloatBuffer[] h = new FloatBuffer[2], c = new FloatBuffer[2];
    private final FloatBuffer y;
    private final OnnxTensor xT, yT;
    private final OnnxTensor[] hT = new OnnxTensor[2], cT = new OnnxTensor[2];
    private final Map<String, OnnxTensor>[] inputs, outputs;
    private int cur;

    /**
     * @param steps 1 for a streaming runner ({@link #step}); T for a sequence runner ({@link #sequence})
     */
    @SuppressWarnings("unchecked")
    public OrtRecurrent(Recurrent net, int steps) throws OrtException {
        if (steps < 1) throw new IllegalArgumentException("steps: expected >= 1, got " + steps);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        this.lstm = net.config().type() == CellType.LSTM;
        this.inputSize = net.config().inputSize();
        this.hiddenSize = net.config().hiddenSize();
        this.steps = steps;
        boolean sequence = steps > 1;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.setInterOpNumThreads(1);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(OnnxExport.model(net, sequence), so);
        }
        x = direct(steps * inputSize);
        xT = OnnxTensor.createTensor(env, x, new long[] {steps, 1, inputSize});
        long[] stateShape = {1, 1, hiddenSize};
        for (int k = 0; k < 2; k++) {
            h[k] = direct(hiddenSize);
            hT[k] = OnnxTensor.createTensor(env, h[k], stateShape);
            if (lstm) {
                c[k] = direct(hiddenSize);
                cT[k] = OnnxTensor.createTensor(env, c[k], stateShape);
            }
        }
        y = sequence ? direct(steps * hiddenSize) : null;
        yT = sequence ? OnnxTensor.createTensor(env, y, new long[] {steps, 1, 1, hiddenSize}) : null;
        inputs = new Map[2];
        outputs = new Map[2];
        for (int k = 0; k < 2; k++) {
            // A step reads state k and writes state 1 - k; a sequence always starts from state 0 (zeros).
            int in = sequence ? 0 : k, out = sequence ? 1 : 1 - k;
            inputs[k] = new HashMap<>();
            inputs[k].put("X", xT);
            inputs[k].put("initial_h", hT[in]);
            outputs[k] = new HashMap<>();
            outputs[k].put("Y_h", hT[out]);
            if (lstm) {
                inputs[k].put("initial_c", cT[in]);
                outputs[k].put("Y_c", cT[out]);
            }
            if (sequence) outputs[k].put("Y", yT);
        }
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** One step of the stream: x [I] in, the new h [H] into out. */
    public void step(float[] xs, float[] out) throws OrtException {
        if (steps != 1) throw new IllegalStateException("a sequence runner (T = " + steps + "); step needs T = 1");
        x.put(0, xs, 0, inputSize);
        session.run(inputs[cur], outputs[cur]).close();
        cur ^= 1;
        h[cur].get(0, out, 0, hiddenSize);
    }

    /** The whole sequence from a zero state: xs [T * I] in, every step's h [T * H] into out. */
    public void sequence(float[] xs, float[] out) throws OrtException {
        if (steps == 1) throw new IllegalStateException("a streaming runner (T = 1); sequence needs T > 1");
        x.put(0, xs, 0, steps * inputSize);
        session.run(inputs[0], outputs[0]).close();
        y.get(0, out, 0, steps * hiddenSize);
    }

    /** The final c of the last call (LSTM only): out [H]. */
    public void cell(float[] out) {
        if (!lstm) throw new IllegalStateException("only an LSTM has a cell state");
        c[steps == 1 ? cur : 1].get(0, out, 0, hiddenSize);
    }

    /** Sets the streaming state back to zeros. */
    public void reset() {
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < hiddenSize; i++) {
                h[k].put(i, 0f);
                if (lstm) c[k].put(i, 0f);
            }
        }
        cur = 0;
    }

    @Override
    public void close() throws OrtException {
        xT.close();
        if (yT != null) yT.close();
        for (int k = 0; k < 2; k++) {
            hT[k].close();
            if (cT[k] != null) cT[k].close();
        }
        session.close();
    }
}
