package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * BPTT of one recurrent layer for each cell (RNN tanh, RNN relu, LSTM, GRU): the gradients of every
 * packed weight, both PyTorch biases (or none), the input sequence and the initial states, under
 * {@code sum(output * R) + sum(h_n * Rh) + sum(c_n * Rc)}. RNN_RELU runs with margin weights
 * ({@link ReluMargins}) and always with biases, which hold its units away from the kink.
 */
class RecurrentCellGradientProperties {

    @Property(tries = 100)
    void bpttMatchesFiniteDifferences(@ForAll CellType type, @ForAll @IntRange(min = 1, max = 5) int input,
                                      @ForAll @IntRange(min = 1, max = 6) int hidden, @ForAll @IntRange(min = 1, max = 5) int steps,
                                      @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll boolean bias,
                                      @ForAll boolean initialStates, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(type, input, hidden).withBias(bias || type == CellType.RNN_RELU);
        RecurrentCase c = new RecurrentCase(cfg, steps, batch, false, initialStates, d);
        Checks.assertGradients(d, c.toString(), c, c.inputs());
    }

    /** Hidden sizes around the 8- and 16-lane vectors, so the gate rows fill whole panels and leave tails. */
    @Property(tries = 30)
    void bpttWithVectorWideLayersMatchesFiniteDifferences(@ForAll CellType type, @ForAll("wide") int hidden,
                                                          @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentCase c = new RecurrentCase(RecurrentConfig.of(type, 5, hidden), steps, 2, false, true, d);
        Checks.assertGradients(d, c.toString(), c, c.inputs());
    }

    @Provide
    Arbitrary<Integer> wide() {
        return Arbitraries.of(7, 8, 9, 15, 16, 17);
    }
}
