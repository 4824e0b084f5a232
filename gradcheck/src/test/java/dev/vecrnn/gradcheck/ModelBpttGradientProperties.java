package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Whole sequential models through BPTT: an embedding or float features, one or two recurrent stacks
 * (with layers, directions, inter-layer dropout, LSTM projection), a head (the whole sequence, the
 * last valid step or attention pooling), an optional Dropout layer and a Dense layer with its
 * activation, on sequences of different lengths. {@code Model.backward} from {@code dL/d output} for
 * {@code L = sum(output * R)} must give the gradient of every parameter of every layer; the training
 * forward re-seeds its Random each time so the dropout masks are fixed.
 */
class ModelBpttGradientProperties {
    enum Head { SEQUENCE, LAST_STEP, ATTENTION }

    @Provide
    Arbitrary<CellType> smoothCells() {
        return Arbitraries.of(CellType.LSTM, CellType.GRU, CellType.RNN_TANH);
    }

    @Provide
    Arbitrary<Activation> smoothActivations() {
        return Arbitraries.of(Activation.LINEAR, Activation.TANH, Activation.SIGMOID);
    }

    @Property(tries = 100)
    void modelBackwardMatchesFiniteDifferences(@ForAll boolean embedding, @ForAll("smoothCells") CellType type,
                                               @ForAll @IntRange(min = 1, max = 2) int layers, @ForAll boolean bidirectional,
                                               @ForAll boolean dropout, @ForAll boolean projected,
                                               @ForAll("smoothCells") CellType second, @ForAll boolean stacked,
                                               @ForAll Head head, @ForAll("smoothActivations") Activation act,
                                               @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 4) int steps,
                                               @ForAll long seed) {
        Data d = new Data(seed);
        int vocab = 5;
        int features = embedding ? 1 : 3;
        ModelBuilder mb = Model.builder(features);
        if (embedding) mb.embedding(vocab, 3);
        int proj = projected && type == CellType.LSTM ? 2 : 0;
        mb.recurrent(type, 3, layers, bidirectional, dropout ? 0.3f : 0f, proj);
        if (stacked) mb.recurrent(second, 2, 1, false, 0f, 0);
        if (head == Head.LAST_STEP) mb.lastStep();
        if (head == Head.ATTENTION) mb.attention();
        if (dropout) mb.dropout(0.25f);
        Model model = mb.dense(2, act).seed(d.nextLong()).build();
        float[] x = embedding ? new float[batch * steps] : d.signed(batch * steps * features, 1);
        if (embedding) for (int i = 0; i < x.length; i++) x[i] = d.nextInt(vocab);
        Batch in = Batch.sequences(x, batch, steps, features, d.lengths(batch, steps));
        long rngSeed = d.nextLong();
        Batch out = model.forward(in, true, new Random(rngSeed)).output();
        float[] r = d.signed(out.data().length, 1);
        GradCheck.LossFunction loss = new GradCheck.LossFunction() {
            @Override
            public double loss() {
                return Data.dot(output(), r);
            }

            @Override
            public double magnitude() { // r has both signs: the sum can cancel to far below its terms
                return Data.dotMagnitude(output(), r);
            }

            private float[] output() {
                model.params().forEach(Param::changed);  // GradCheck wrote the arrays
                return model.forward(in, true, new Random(rngSeed)).output().data();
            }
        };
        model.zeroGrad();
        Model.Trace t = model.forward(in, true, new Random(rngSeed));
        Batch o = t.output();
        model.backward(t, new Batch(r.clone(), o.batch(), o.steps(), o.features(), o.lengths(), o.sequence()));
        List<GradCheck.Input> inputs = new ArrayList<>();
        for (Param p : model.params()) inputs.add(GradCheck.Input.of(p.name(), p.data(), p.grad().clone()));
        Checks.assertGradients(d, model.summary().replace('\n', ';') + " on " + in + " lengths "
                + java.util.Arrays.toString(in.lengths()), loss, inputs, GradCheck.Options.defaults().sample(12, seed));
    }
}
