package dev.vecrnn.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * One row of the benchmark table: vecrnn's benchmark against a baseline measured in the same run (the
 * scalar kernels, ONNX Runtime, or another vecrnn path), and the machine bound it is up against.
 *
 * @param id        a short stable name, used by the gate's baseline file ({@code speedup.<id>}, {@code alloc.<id>})
 * @param ours      vecrnn's benchmark (class.method)
 * @param baseline  the baseline benchmark, or null for a row without one
 * @param baselineName what the baseline is, for the table's header
 * @param ourParams and {@code baseParams}: JMH parameters ("name=value") of each side
 * @param perCall   how many steps or elements one call does; times are divided by it (1 for most rows)
 * @param bound     the bound of this row (null for none)
 */
record Comparison(String id, String label, String ours, String[] ourParams, String baseline, String[] baseParams,
                  String baselineName, double perCall, Bound bound) {

    /** What limits the row: reading {@code bytes} of weights at the measured bandwidth, or {@code flops} at the FMA peak. */
    record Bound(double bytes, double flops) {
        static Bound bandwidth(double bytes, double flops) {
            return new Bound(bytes, flops);
        }

        static Bound fma(double flops) {
            return new Bound(Double.NaN, flops);
        }

        boolean isBandwidth() {
            return !Double.isNaN(bytes);
        }
    }

    private static final String K = "dev.vecrnn.bench.", N = "dev.vecrnn.bench.nn.";

    /** The gates of one cell: G blocks of H rows over I + H columns. */
    private static int gates(String cell) {
        return switch (cell) {
            case "LSTM" -> 4;
            case "GRU" -> 3;
            default -> 1;
        };
    }

    /** Bytes of packed weights and bias one batch-1 step reads, and its flops (2 per weight). */
    private static Bound gemv(String cell, int size) {
        double weights = (double) gates(cell) * size * (2.0 * size);
        return Bound.bandwidth(4 * (weights + gates(cell) * size), 2 * weights);
    }

    /**
     * The int8 step's read bound (issue 16): one byte per weight, plus the fp32 bias and the two row scales
     * (of W_ih and of W_hh) per gate row; flops as in fp32.
     */
    private static Bound gemvInt8(String cell, int size) {
        double weights = (double) gates(cell) * size * (2.0 * size);
        return Bound.bandwidth(weights + 3 * 4.0 * gates(cell) * size, 2 * weights);
    }

    static String cellName(String cell) {
        return cell.equals("RNN_TANH") || cell.equals("RNN") ? "RNN" : cell;
    }

    /** Every row of the full table, in order. */
    static List<Comparison> all(boolean quick) {
        int[] sizes = quick ? new int[] {64, 256} : new int[] {64, 256, 1024};
        List<Comparison> rows = new ArrayList<>();
        for (int size : sizes) {
            rows.add(new Comparison("gemv-lstm-" + size, "gate GEMV LSTM " + size + ", batch 1 (us)",
                    K + "GatesGemvBench.gates", new String[] {"cell=LSTM", "size=" + size, "impl=panama"},
                    K + "GatesGemvBench.gates", new String[] {"cell=LSTM", "size=" + size, "impl=scalar"},
                    "scalar", 1, gemv("LSTM", size)));
        }
        rows.add(new Comparison("gemm-lstm-256", "gate GEMM LSTM 256, B = 32 (us)",
                K + "GatesGemmBench.gates", new String[] {"size=256", "impl=panama"},
                K + "GatesGemmBench.gates", new String[] {"size=256", "impl=scalar"},
                "scalar", 1, Bound.fma(2.0 * 32 * 4 * 256 * 512)));
        rows.add(new Comparison("gemm-backward-data-lstm-256", "backward dG W LSTM 256, B = 32, transposed copy (us)",
                K + "GatesGemmBench.gatesBackwardDataTransposed", new String[] {"size=256", "impl=panama"},
                K + "GatesGemmBench.gatesBackwardData", new String[] {"size=256", "impl=panama"},
                "packed layout", 1, Bound.fma(2.0 * 32 * 4 * 256 * 512)));
        rows.add(new Comparison("gemm-backward-weights-lstm-256", "backward dG^T [x; h] LSTM 256, B = 32 (us)",
                K + "GatesGemmBench.gatesBackwardWeights", new String[] {"size=256", "impl=panama"},
                K + "GatesGemmBench.gatesBackwardWeights", new String[] {"size=256", "impl=scalar"},
                "scalar", 1, Bound.fma(2.0 * 32 * 4 * 256 * 512)));
        for (String f : new String[] {"tanh", "sigmoid"}) {
            rows.add(new Comparison(f, f + " (elements/ns)", K + "ActivationBench." + f, new String[] {"impl=panama"},
                    K + "ActivationBench." + f, new String[] {"impl=scalar"}, "scalar", 1, null));
        }
        for (String cell : new String[] {"LSTM", "GRU", "RNN_TANH"}) {
            for (int size : sizes) {
                String c = cellName(cell);
                rows.add(new Comparison("step-" + c.toLowerCase() + "-" + size, c + " step " + size + ", batch 1 (us)",
                        N + "StepBench.vecrnn", new String[] {"cell=" + cell, "size=" + size},
                        N + "StepBench.onnxruntime", new String[] {"cell=" + cell, "size=" + size},
                        "ONNX Runtime", 1, gemv(cell, size)));
            }
        }
        for (String cell : new String[] {"LSTM", "GRU", "RNN_TANH"}) {
            for (int size : sizes) {
                String c = cellName(cell);
                rows.add(new Comparison("sequence-" + c.toLowerCase() + "-" + size, c + " " + size + ", T = 100, per step (us)",
                        N + "SequenceBench.vecrnn", new String[] {"cell=" + cell, "size=" + size},
                        N + "SequenceBench.onnxruntime", new String[] {"cell=" + cell, "size=" + size},
                        "ONNX Runtime", 100, null));
            }
        }
        // issue 16: the int8 step against ONNX Runtime's DynamicQuantizeLSTM on the same int8 weights, and against fp32
        rows.add(new Comparison("step-lstm-256-int8", "LSTM step 256, int8 weights, batch 1 (us)",
                N + "StepBench.vecrnn", new String[] {"cell=LSTM", "size=256", "precision=INT8"},
                N + "StepBench.onnxruntime", new String[] {"cell=LSTM", "size=256", "precision=INT8"},
                "ONNX Runtime int8", 1, gemvInt8("LSTM", 256)));
        rows.add(new Comparison("step-lstm-1024-int8", "LSTM step 1024, int8 weights, batch 1 (us)",
                N + "StepBench.vecrnn", new String[] {"cell=LSTM", "size=1024", "precision=INT8"},
                N + "StepBench.vecrnn", new String[] {"cell=LSTM", "size=1024", "precision=FP32"},
                "vecrnn fp32", 1, gemvInt8("LSTM", 1024)));
        rows.add(new Comparison("streams-lstm-256", "64 LSTM streams at 256, one step each (us)",
                N + "StreamsBench.stepMany", new String[] {"size=256"},
                N + "StreamsBench.stepEach", new String[] {"size=256"}, "one by one", 1, null));
        rows.add(new Comparison("train-lstm-256", "training iteration LSTM 256, B = 32, T = 64 (ms)",
                N + "TrainIterationBench.iteration", new String[] {"size=256", "threads=2"},
                N + "TrainIterationBench.iteration", new String[] {"size=256", "threads=1"}, "1 thread", 1, null));
        return rows;
    }

    /**
     * Whether the baseline is native code that the forks' JVM options do not reach: ONNX Runtime picks its
     * kernels from the CPU itself, so under {@code -XX:UseAVX=2} on an AVX-512 machine it still runs its
     * AVX-512 code, and the ratio would set vecrnn at 256 bits against ONNX Runtime at 512.
     */
    boolean baselineIgnoresJvmOptions() {
        return baselineName.startsWith("ONNX Runtime");
    }

    /** The vector width the machine gives a JVM without options: this JVM's preferred species (it runs without the forks' options). */
    static int machineBits() {
        return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** Whether this row's ratio at {@code width} sets vecrnn at a narrower width than its native baseline runs. */
    boolean baselineWiderThan(WidthProfiler.Width width) {
        return baselineIgnoresJvmOptions() && width.vectorBits() < machineBits();
    }

    static Comparison byId(String id) {
        for (Comparison c : all(false)) if (c.id().equals(id)) return c;
        List<String> ids = all(false).stream().map(Comparison::id).toList();
        throw new IllegalArgumentException("no benchmark row '" + id + "'; the rows are " + ids);
    }

    /** Lower is better for times, higher for throughputs (JMH units ending in /ns, /us, /s). */
    static boolean higherIsBetter(String unit) {
        return unit.startsWith("ops/");
    }
}
