package dev.vecrnn.bench.onnx;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.io.TensorData;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Writes one vecrnn recurrent layer as an ONNX model (a single LSTM, GRU or RNN operator, opset 14, its
 * weights as initializers), so that ONNX Runtime runs the very weights vecrnn runs. Written for the
 * benchmarks and their parity test; it covers one unidirectional layer with biases and no projection.
 *
 * <p>The conversion follows the ONNX operator definitions: W [1, G*H, I] and R [1, G*H, H] hold the gate
 * blocks in ONNX's order (LSTM i, o, f, c from PyTorch's i, f, g, o; GRU z, r, h from PyTorch's r, z, n;
 * RNN one block), B [1, 2*G*H] is the input bias followed by the recurrent bias, and GRU gets
 * {@code linear_before_reset = 1}, which is PyTorch's GRU (the reset gate multiplies the recurrent product
 * after its bias).
 *
 * <p>Graph inputs: {@code X [T, B, I]} (T and B symbolic), {@code initial_h [1, B, H]} and, for LSTM,
 * {@code initial_c [1, B, H]}. Outputs: {@code Y [T, 1, B, H]} when asked for, {@code Y_h [1, B, H]} and,
 * for LSTM, {@code Y_c [1, B, H]}.
 */
public final class OnnxExport {
    // onnx.proto field numbers
    private static final int MODEL_IR_VERSION = 1, MODEL_PRODUCER = 2, MODEL_GRAPH = 7, MODEL_OPSET = 8;
    private static final int OPSET_VERSION = 2;
    private static final int GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP = 4, NODE_ATTRIBUTE = 5, NODE_DOMAIN = 7;
    private static final int OPSET_DOMAIN = 1;
    private static final int INT8 = 3;
    private static final int ATTR_NAME = 1, ATTR_I = 3, ATTR_STRINGS = 9, ATTR_TYPE = 20;
    private static final int ATTR_TYPE_INT = 2, ATTR_TYPE_STRINGS = 8;
    private static final int TENSOR_DIMS = 1, TENSOR_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW = 9;
    private static final int FLOAT = 1;
    private static final int VALUE_NAME = 1, VALUE_TYPE = 2, TYPE_TENSOR = 1, TENSOR_ELEM = 1, TENSOR_SHAPE = 2;
    private static final int SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2;

    /** IR version 8 (ONNX 1.10+) with opset 14: read by every ONNX Runtime since 1.10. */
    private static final long IR_VERSION = 8, OPSET = 14;

    private OnnxExport() {
    }

    /**
     * The ONNX model of {@code net}.
     *
     * @param sequenceOutput whether the graph outputs Y (every step's h) besides the final state; a
     *                       streaming step needs only the final state
     * @throws IllegalArgumentException when net has more than one layer, two directions, no biases or a
     *                                  projection
     */
    public static byte[] model(Recurrent net, boolean sequenceOutput) {
        if (net.precision() == Precision.INT8) return quantizedLstm(net, sequenceOutput);
        if (net.precision() != Precision.FP32) {
            throw new IllegalArgumentException("ONNX export: ONNX Runtime has no " + net.precision() + " LSTM; expected FP32 or INT8");
        }
        RecurrentConfig c = net.config();
        if (c.numLayers() != 1 || c.bidirectional() || !c.bias() || c.projSize() != 0) {
            throw new IllegalArgumentException("ONNX export: expected one unidirectional layer with biases and no"
                    + " projection, got " + c);
        }
        int in = c.inputSize(), h = c.hiddenSize(), g = c.type().gates();
        boolean lstm = c.type() == CellType.LSTM;
        int[] order = switch (c.type()) {
            case LSTM -> new int[] {0, 3, 1, 2};      // PyTorch i, f, g, o -> ONNX i, o, f, c
            case GRU -> new int[] {1, 0, 2};          // PyTorch r, z, n -> ONNX z, r, h
            case RNN_TANH, RNN_RELU -> new int[] {0};
        };
        Map<String, Tensor> sd = net.stateDict();
        float[] w = reorder(sd.get("weight_ih_l0").data(), order, h * in);
        float[] r = reorder(sd.get("weight_hh_l0").data(), order, h * h);
        float[] bi = reorder(sd.get("bias_ih_l0").data(), order, h);
        float[] bh = reorder(sd.get("bias_hh_l0").data(), order, h);
        float[] b = new float[2 * g * h];
        System.arraycopy(bi, 0, b, 0, g * h);
        System.arraycopy(bh, 0, b, g * h, g * h);

        Proto node = new Proto().string(NODE_NAME, "rnn").string(NODE_OP, switch (c.type()) {
            case LSTM -> "LSTM";
            case GRU -> "GRU";
            case RNN_TANH, RNN_RELU -> "RNN";
        });
        for (String s : new String[] {"X", "W", "R", "B", "", "initial_h"}) node.string(NODE_INPUT, s);
        if (lstm) node.string(NODE_INPUT, "initial_c");
        node.string(NODE_OUTPUT, sequenceOutput ? "Y" : "").string(NODE_OUTPUT, "Y_h");
        if (lstm) node.string(NODE_OUTPUT, "Y_c");
        node.message(NODE_ATTRIBUTE, intAttribute("hidden_size", h));
        if (c.type() == CellType.GRU) node.message(NODE_ATTRIBUTE, intAttribute("linear_before_reset", 1));
        if (c.type() == CellType.RNN_RELU) {
            node.message(NODE_ATTRIBUTE, new Proto().string(ATTR_NAME, "activations")
                    .string(ATTR_STRINGS, "Relu").varint(ATTR_TYPE, ATTR_TYPE_STRINGS));
        }

        Proto graph = new Proto().message(GRAPH_NODE, node).string(GRAPH_NAME, "vecrnn_" + c.type().name().toLowerCase());
        graph.message(GRAPH_INITIALIZER, floatTensor("W", w, 1, g * h, in));
        graph.message(GRAPH_INITIALIZER, floatTensor("R", r, 1, g * h, h));
        graph.message(GRAPH_INITIALIZER, floatTensor("B", b, 1, 2 * g * h));
        graph.message(GRAPH_INPUT, valueInfo("X", "T", "B", in));
        graph.message(GRAPH_INPUT, valueInfo("initial_h", 1, "B", h));
        if (lstm) graph.message(GRAPH_INPUT, valueInfo("initial_c", 1, "B", h));
        if (sequenceOutput) graph.message(GRAPH_OUTPUT, valueInfo("Y", "T", 1, "B", h));
        graph.message(GRAPH_OUTPUT, valueInfo("Y_h", 1, "B", h));
        if (lstm) graph.message(GRAPH_OUTPUT, valueInfo("Y_c", 1, "B", h));

        return new Proto().varint(MODEL_IR_VERSION, IR_VERSION).string(MODEL_PRODUCER, "vecrnn")
                .message(MODEL_GRAPH, graph)
                .message(MODEL_OPSET, new Proto().varint(OPSET_VERSION, OPSET))
                .toByteArray();
    }

    /**
     * An int8 LSTM ({@link Recurrent#quantized}) as ONNX Runtime's contrib operator {@code DynamicQuantizeLSTM}
     * (domain {@code com.microsoft}, version 1), on the very int8 weights and scales vecrnn runs: W
     * {@code [1, I, 4H]} and R {@code [1, H, 4H]} int8, transposed from PyTorch's rows and in ONNX's gate
     * order (i, o, f, c), with one scale per column ({@code W_scale}, {@code R_scale} {@code [1, 4H]}: vecrnn's
     * per-row scales) and zero points 0; B as for {@code LSTM}. ONNX Runtime quantizes X and h to uint8 on
     * every call and multiplies in integers, so its outputs differ from vecrnn's int8 ones by that rounding
     * too. Same graph inputs and outputs as the fp32 model.
     */
    static byte[] quantizedLstm(Recurrent net, boolean sequenceOutput) {
        RecurrentConfig c = net.config();
        if (c.type() != CellType.LSTM || c.numLayers() != 1 || c.bidirectional() || !c.bias() || c.projSize() != 0) {
            throw new IllegalArgumentException("ONNX export: DynamicQuantizeLSTM takes one unidirectional LSTM layer with biases and"
                    + " no projection, got " + c);
        }
        int in = c.inputSize(), h = c.hiddenSize();
        int[] order = {0, 3, 1, 2};   // PyTorch i, f, g, o -> ONNX i, o, f, c
        Map<String, TensorData> st = net.storedTensors();
        byte[][] w = new byte[2][];
        float[][] scale = new float[2][];
        for (int part = 0; part < 2; part++) {
            String name = part == 0 ? "weight_ih_l0" : "weight_hh_l0";
            int cols = part == 0 ? in : h;
            byte[] q = new byte[4 * h * cols];
            st.get(name).bytes().get(q);
            float[] s = st.get(name + "_scale").toFloats();
            w[part] = new byte[cols * 4 * h];
            scale[part] = new float[4 * h];
            for (int b = 0; b < 4; b++) {
                for (int u = 0; u < h; u++) {
                    int row = order[b] * h + u, col = b * h + u;
                    for (int k = 0; k < cols; k++) w[part][k * 4 * h + col] = q[row * cols + k];
                    scale[part][col] = s[row];
                }
            }
        }
        float[] bi = reorder(st.get("bias_ih_l0").toFloats(), order, h), bh = reorder(st.get("bias_hh_l0").toFloats(), order, h);
        float[] b = new float[8 * h];
        System.arraycopy(bi, 0, b, 0, 4 * h);
        System.arraycopy(bh, 0, b, 4 * h, 4 * h);

        Proto node = new Proto().string(NODE_NAME, "lstm").string(NODE_OP, "DynamicQuantizeLSTM").string(NODE_DOMAIN, "com.microsoft");
        for (String n : new String[] {"X", "W", "R", "B", "", "initial_h", "initial_c", "", "W_scale", "W_zero_point", "R_scale", "R_zero_point"}) {
            node.string(NODE_INPUT, n);
        }
        node.string(NODE_OUTPUT, sequenceOutput ? "Y" : "").string(NODE_OUTPUT, "Y_h").string(NODE_OUTPUT, "Y_c");
        node.message(NODE_ATTRIBUTE, intAttribute("hidden_size", h));
        Proto graph = new Proto().message(GRAPH_NODE, node).string(GRAPH_NAME, "vecrnn_lstm_int8");
        graph.message(GRAPH_INITIALIZER, int8Tensor("W", w[0], 1, in, 4 * h));
        graph.message(GRAPH_INITIALIZER, int8Tensor("R", w[1], 1, h, 4 * h));
        graph.message(GRAPH_INITIALIZER, floatTensor("B", b, 1, 8 * h));
        graph.message(GRAPH_INITIALIZER, floatTensor("W_scale", scale[0], 1, 4 * h));
        graph.message(GRAPH_INITIALIZER, int8Tensor("W_zero_point", new byte[4 * h], 1, 4 * h));
        graph.message(GRAPH_INITIALIZER, floatTensor("R_scale", scale[1], 1, 4 * h));
        graph.message(GRAPH_INITIALIZER, int8Tensor("R_zero_point", new byte[4 * h], 1, 4 * h));
        graph.message(GRAPH_INPUT, valueInfo("X", "T", "B", in));
        graph.message(GRAPH_INPUT, valueInfo("initial_h", 1, "B", h));
        graph.message(GRAPH_INPUT, valueInfo("initial_c", 1, "B", h));
        if (sequenceOutput) graph.message(GRAPH_OUTPUT, valueInfo("Y", "T", 1, "B", h));
        graph.message(GRAPH_OUTPUT, valueInfo("Y_h", 1, "B", h));
        graph.message(GRAPH_OUTPUT, valueInfo("Y_c", 1, "B", h));
        return new Proto().varint(MODEL_IR_VERSION, IR_VERSION).string(MODEL_PRODUCER, "vecrnn")
                .message(MODEL_GRAPH, graph)
                .message(MODEL_OPSET, new Proto().varint(OPSET_VERSION, OPSET))
                .message(MODEL_OPSET, new Proto().string(OPSET_DOMAIN, "com.microsoft").varint(OPSET_VERSION, 1))
                .toByteArray();
    }

    private static Proto int8Tensor(String name, byte[] data, long... dims) {
        Proto t = new Proto();
        for (long d : dims) t.varint(TENSOR_DIMS, d);
        return t.varint(TENSOR_TYPE, INT8).string(TENSOR_NAME, name).bytes(TENSOR_RAW, data.clone());
    }

    /** The gate blocks of a [G * block] array (each block {@code block} floats) in the given order. */
    private static float[] reorder(float[] a, int[] order, int block) {
        float[] out = new float[a.length];
        for (int k = 0; k < order.length; k++) System.arraycopy(a, order[k] * block, out, k * block, block);
        return out;
    }

    private static Proto intAttribute(String name, long value) {
        return new Proto().string(ATTR_NAME, name).varint(ATTR_I, value).varint(ATTR_TYPE, ATTR_TYPE_INT);
    }

    private static Proto floatTensor(String name, float[] data, long... dims) {
        Proto t = new Proto();
        for (long d : dims) t.varint(TENSOR_DIMS, d);
        ByteBuffer raw = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        return t.varint(TENSOR_TYPE, FLOAT).string(TENSOR_NAME, name).bytes(TENSOR_RAW, raw.array());
    }

    /** A float tensor's name and shape; each dimension an Integer (fixed) or a String (symbolic). */
    private static Proto valueInfo(String name, Object... dims) {
        Proto shape = new Proto();
        for (Object d : dims) {
            shape.message(SHAPE_DIM, d instanceof Integer n ? new Proto().varint(DIM_VALUE, n)
                    : new Proto().string(DIM_PARAM, (String) d));
        }
        Proto tensorType = new Proto().varint(TENSOR_ELEM, FLOAT).message(TENSOR_SHAPE, shape);
        return new Proto().string(VALUE_NAME, name).message(VALUE_TYPE, new Proto().message(TYPE_TENSOR, tensorType));
    }
}
