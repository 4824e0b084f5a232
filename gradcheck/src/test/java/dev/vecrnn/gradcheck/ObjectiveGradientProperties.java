package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Param;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.Objective;
import dev.vecrnn.nn.train.Trainer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Every training objective end to end: the gradient the Trainer computes for one full batch (taken
 * by a {@link RecordingOptimizer}) against finite differences of the loss that {@link Evaluation}
 * reports for the same data. Covers the objectives' masking of padded steps (lengths), per-step and
 * per-sequence targets, and the gather/scatter of the gradient through the model. MAE targets sit at
 * least 0.3 from the model's predictions, away from the kink.
 */
class ObjectiveGradientProperties {
    enum Head { SEQUENCE, LAST_STEP, ATTENTION }

    @Provide
    Arbitrary<CellType> smoothCells() {
        return Arbitraries.of(CellType.LSTM, CellType.GRU, CellType.RNN_TANH);
    }

    @Property(tries = 80)
    void trainerGradientIsTheGradientOfTheEvaluatedLoss(@ForAll Objective objective, @ForAll("smoothCells") CellType type,
                                                        @ForAll Head head, @ForAll boolean variableLengths,
                                                        @ForAll @IntRange(min = 1, max = 4) int size,
                                                        @ForAll @IntRange(min = 1, max = 4) int steps,
                                                        @ForAll @IntRange(min = 1, max = 3) int width, @ForAll long seed) {
        Data d = new Data(seed);
        boolean classes = objective == Objective.CROSS_ENTROPY;
        int k = classes ? width + 1 : width;
        int features = 2;
        ModelBuilder mb = Model.builder(features).recurrent(type, 3, 1, false, 0f, 0);
        if (head == Head.LAST_STEP) mb.lastStep();
        if (head == Head.ATTENTION) mb.attention();
        Model model = mb.dense(k).seed(d.nextLong()).build();
        boolean perStep = head == Head.SEQUENCE;
        float[] x = d.signed(size * steps * features, 1);
        int[] lengths = variableLengths ? d.lengths(size, steps) : null;
        int rows = perStep ? size * steps : size;
        Dataset data;
        if (classes) {
            int[] labels = new int[rows];
            for (int i = 0; i < rows; i++) labels[i] = d.nextInt(k);
            data = Dataset.classification(x, size, steps, features, lengths, labels, perStep);
        } else {
            float[] y = switch (objective) {
                case BCE -> d.uniform(rows * k, 0, 1);
                case MAE -> {
                    float[] p = model.predict(Batch.sequences(x, size, steps, features, lengths)).data();
                    float[] off = d.awayFromZero(p.length, 0.3, 1);
                    for (int i = 0; i < p.length; i++) off[i] += p[i];
                    yield off;
                }
                default -> d.signed(rows * k, 1);
            };
            data = Dataset.regression(x, size, steps, features, lengths, y, k, perStep);
        }
        RecordingOptimizer[] rec = new RecordingOptimizer[1];
        new Trainer().objective(objective).epochs(1).batchSize(size).seed(d.nextLong())
                .optimizer(ps -> rec[0] = new RecordingOptimizer(ps)).fit(model, data);
        Dataset fixed = data;
        Checks.assertGradients(d, objective + " " + type + " " + head + " N=" + size + " T=" + steps + " K=" + k
                + " lengths=" + java.util.Arrays.toString(lengths), () -> {
                    model.params().forEach(Param::changed);  // GradCheck wrote the arrays
                    return Evaluation.of(model, fixed, objective, size).loss();
                }, rec[0].inputs(0));
    }
}
