package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.FreshJvm;
import dev.vecrnn.nn.Tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * Sequence forwards into a {@link SequenceWorkspace} allocate nothing once C2 has compiled them (before
 * that the Vector API boxes): two threads, each with its own workspace and outputs over one shared
 * network, measure themselves with {@code ThreadMXBean.getCurrentThreadAllocatedBytes} in rounds until one
 * allocates under one byte per call, or 60 s. Each round alternates a larger call with a smaller one, so a
 * workspace that grew once must serve both from then on. In a fresh JVM ({@link FreshJvm}).
 */
class SequenceAllocationTest {
    private static final int ROUND = 100;
    private static final int THREADS = 2;
    private static final long PATIENCE_NANOS = 60_000_000_000L;

    /** The shared networks and the two calls each round alternates. */
    enum Workload {
        LSTM_64_T100_BATCH1, GRU_TWO_LAYERS_BIDIRECTIONAL_BATCH_FIRST_LENGTHS, LSTM_PROJECTED_STATE_IN_PLACE, RNN_RELU_BATCH5;

        Recurrent build() {
            return switch (this) {
                case LSTM_64_T100_BATCH1 -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 64, 64), 1);
                case GRU_TWO_LAYERS_BIDIRECTIONAL_BATCH_FIRST_LENGTHS -> new Recurrent(RecurrentConfig.of(CellType.GRU, 12, 16)
                        .withLayers(2).withBidirectional(true).withBatchFirst(true), 2);
                case LSTM_PROJECTED_STATE_IN_PLACE -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 10, 24).withProjSize(8), 3);
                case RNN_RELU_BATCH5 -> new Recurrent(RecurrentConfig.of(CellType.RNN_RELU, 8, 20), 4);
            };
        }

        int steps() {
            return this == LSTM_64_T100_BATCH1 ? 100 : 30;
        }

        int batch() {
            return this == LSTM_64_T100_BATCH1 ? 1 : this == RNN_RELU_BATCH5 ? 5 : 3;
        }
    }

    /** One call's tensors: x, lengths, h0, c0 and the outputs (h_n over h0 and c_n over c0 when carried in place). */
    private record Call(Tensor x, int[] lengths, Tensor h0, Tensor c0, Tensor output, Tensor hN, Tensor cN) {
        static Call of(Workload kind, Recurrent net, int steps, int batch, Random rnd) {
            RecurrentConfig cfg = net.config();
            int n = cfg.numLayers() * cfg.directions();
            boolean bf = cfg.batchFirst(), lstm = cfg.type() == CellType.LSTM;
            Tensor x = bf ? Tensor.zeros(batch, steps, cfg.inputSize()) : Tensor.zeros(steps, batch, cfg.inputSize());
            for (int i = 0; i < x.data().length; i++) x.data()[i] = (float) rnd.nextGaussian();
            Tensor output = bf ? Tensor.zeros(batch, steps, cfg.outputSize()) : Tensor.zeros(steps, batch, cfg.outputSize());
            Tensor hN = Tensor.zeros(n, batch, cfg.outputHidden()), cN = lstm ? Tensor.zeros(n, batch, cfg.hiddenSize()) : null;
            return switch (kind) {
                case GRU_TWO_LAYERS_BIDIRECTIONAL_BATCH_FIRST_LENGTHS -> {
                    int[] len = new int[batch];
                    for (int b = 0; b < batch; b++) len[b] = 1 + rnd.nextInt(steps);
                    yield new Call(x, len, Tensor.zeros(n, batch, cfg.outputHidden()), null, output, hN, null);
                }
                case LSTM_PROJECTED_STATE_IN_PLACE -> new Call(x, null, hN, cN, output, hN, cN);
                default -> new Call(x, null, null, null, output, hN, cN);
            };
        }

        void run(Recurrent net, SequenceWorkspace ws) {
            net.forward(x, lengths, h0, c0, output, hN, cN, ws);
        }
    }

    @Test
    void forwardsIntoAWorkspaceDoNotAllocate() throws Exception {
        FreshJvm.assertAllocationFree(SequenceAllocationTest.class, Workload.values().length * THREADS, "call");
    }

    /** In the fresh JVM: per workload and thread, "RESULT workload thread bytes-per-call". */
    public static void main(String[] args) throws Exception {
        for (Workload kind : Workload.values()) {
            Recurrent net = kind.build();
            FreshJvm.measure(kind.name(), THREADS, ROUND, PATIENCE_NANOS, thread -> {
                Random rnd = new Random(thread);
                Call large = Call.of(kind, net, kind.steps(), kind.batch() + 1, rnd);
                Call small = Call.of(kind, net, kind.steps() / 2, kind.batch(), rnd);
                SequenceWorkspace ws = net.newSequenceWorkspace();
                return () -> {
                    for (int i = 0; i < ROUND; i++) (i % 2 == 0 ? large : small).run(net, ws);
                };
            });
        }
    }
}
