package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Param;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Trainer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Every built-in loss, and a user's own (a Huber loss written here), end to end: the gradient the Trainer
 * computes for one full batch (taken by a {@link RecordingOptimizer}) against finite differences of the loss
 * that {@link Evaluation} reports for the same data. Covers the masking of padded steps (lengths), per-step
 * and per-sequence targets, and the gather/scatter of the gradient through the model. MAE targets sit at
 * least 0.3 from the model's predictions, away from the kink; the Huber loss's delta is 0.5 and its targets
 * leave residuals on both of its pieces, away from the seam.
 */
class TrainerLossGradientProperties {
    enum Head { SEQUENCE, LAST_STEP, ATTENTION }

    @Provide
    Arbitrary<CellType> smoothCells() {
        return Arbitraries.of(CellType.LSTM, CellType.GRU, CellType.RNN_TANH);
    }

    @Provide
    Arbitrary<String> losses() {
        return Arbitraries.of("mse", "mae", "cross_entropy", "bce", "huber");
    }

    /** A user's loss: Huber with delta 0.5, mean over the elements, written from its definition. */
    static final Loss HUBER = new Loss() {
        @Override
        public double forward(float[] input, float[] target, float[] grad) {
            double delta = 0.5, sum = 0;
            int n = input.length;
            for (int i = 0; i < n; i++) {
                double r = (double) input[i] - target[i];
                double a = Math.abs(r);
                sum += a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
                if (grad != null) grad[i] = (float) ((a <= delta ? r : delta * Math.signum(r)) / n);
            }
            return sum / n;
        }

        @Override
        public String toString() {
            return "huber";
        }
    };

    @Property(tries = 80)
    void trainerGradientIsTheGradientOfTheEvaluatedLoss(@ForAll("losses") String name, @ForAll("smoothCells") CellType type,
                                                        @ForAll Head head, @ForAll boolean variableLengths,
                                                        @ForAll @IntRange(min = 1, max = 4) int size,
                                                        @ForAll @IntRange(min = 1, max = 4) int steps,
                                                        @ForAll @IntRange(min = 1, max = 3) int width, @ForAll long seed) {
        Data d = new Data(seed);
        Loss loss = name.equals("huber") ? HUBER : Loss.parse(name);
        boolean classes = name.equals("cross_entropy");
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
            float[] y = switch (name) {
                case "bce" -> d.uniform(rows * k, 0, 1);
                case "huber" -> {
                    // residuals well inside (0.05 to 0.25) or outside (0.75 to 1.25) delta = 0.5, away from the kink
                    float[] p = model.predict(Batch.sequences(x, size, steps, features, lengths)).data();
                    float[] in = d.awayFromZero(p.length, 0.05, 0.25), out = d.awayFromZero(p.length, 0.75, 1.25);
                    for (int i = 0; i < p.length; i++) p[i] += i % 2 == 0 ? in[i] : out[i];
                    yield p;
                }
                case "mae" -> {
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
        new Trainer().loss(loss).epochs(1).batchSize(size).seed(d.nextLong())
                .optimizer(ps -> rec[0] = new RecordingOptimizer(ps)).fit(model, data);
        Dataset fixed = data;
        Checks.assertGradients(d, loss + " " + type + " " + head + " N=" + size + " T=" + steps + " K=" + k
                + " lengths=" + java.util.Arrays.toString(lengths), () -> {
                    model.params().forEach(Param::changed);  // GradCheck wrote the arrays
                    return Evaluation.of(model, fixed, loss, size).loss();
                }, rec[0].inputs(0));
    }
}
