package dev.vecrnn.nn;

import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.AttentionPooling;
import dev.vecrnn.nn.layers.Dense;
import dev.vecrnn.nn.layers.Dropout;
import dev.vecrnn.nn.layers.Embedding;
import dev.vecrnn.nn.layers.LastStep;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.model.ModelState;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.SequenceWorkspace;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Trainer;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.TransposedGates;
import dev.vecrnn.nn.train.Adam;
import dev.vecrnn.nn.train.AdamW;
import dev.vecrnn.nn.train.ConfusionMatrix;
import dev.vecrnn.nn.train.CosineAnnealingLR;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Optimizer;
import dev.vecrnn.nn.train.ReduceLROnPlateau;
import dev.vecrnn.nn.train.RegressionStats;
import dev.vecrnn.nn.train.RmsProp;
import dev.vecrnn.nn.train.RunningMean;
import dev.vecrnn.nn.train.Sgd;
import dev.vecrnn.nn.train.StepLR;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every public constructor and method of the public classes in the kernels, nn and nn.train packages, called
 * with null in each reference-typed parameter (one at a time) and sample values elsewhere, must throw a
 * NullPointerException or IllegalArgumentException whose message names that parameter (by its name, as the
 * class files carry with {@code -parameters}, or its camel-case words: "batchSize" or "batch size") — not a
 * bare NPE from deep inside, and not succeed. Parameters where null has a documented meaning are listed in
 * {@link #NULLABLE}; there the call must succeed. A new public method is covered without touching this test;
 * if its parameter or receiver types have no sample yet, the test fails and says which to add.
 */
class PublicApiArgumentsTest {
    private static final List<String> PACKAGES = List.of("dev.vecrnn.kernels", "dev.vecrnn.nn", "dev.vecrnn.nn.recurrent",
            "dev.vecrnn.nn.layers", "dev.vecrnn.nn.model", "dev.vecrnn.nn.train", "dev.vecrnn.nn.format");

    /** Classes left out of the probe (none: every public class is probed). */
    private static final Set<String> EXCLUDED_CLASSES = Set.of();

    /** {@code Class.method(parameter)} (constructors as {@code Class.new}) where null is documented and accepted. */
    private static final Set<String> NULLABLE = Set.of(
            "PackedGates.pack(biasIh)", "PackedGates.pack(biasHh)",        // bias=False
            "PackedGates.setBias(biasIh)", "PackedGates.setBias(biasHh)",  // null means zero
            "QuantizedGates.ofInt8(biasIh)", "QuantizedGates.ofInt8(biasHh)", "QuantizedGates.ofBf16(biasIh)", "QuantizedGates.ofBf16(biasHh)",
            "Kernels.lstmForward(cPrev)", "Kernels.lstmBackward(cPrev)",   // null means a zero state
            "Kernels.gruForward(hPrev)", "Kernels.gruBackward(hPrev)",
            "Kernels.gatesBackwardData(dx)", "Kernels.gatesBackwardData(dh)",   // skip that side
            "Kernels.gatesBackwardWeights(x)", "Kernels.gatesBackwardWeights(h)", // zeros
            "Batch.new(lengths)", "Batch.sequences(lengths)",              // all of full length
            "ModelFile.save(task)",                                        // no task recorded
            "Evaluation.new(confusion)",                                   // values: no confusion matrix
            "Evaluation.new(labelCounts)",                                 // not multi-label: no per-label counts
            "Dataset.Sequences.new(lengths)",
            "Dense.new(act)", "ModelBuilder.dense(act)",                    // linear
            "CrossEntropyLoss.new(weight)",                                 // every class weighs 1
            "Dense.forward(rng)", "Embedding.forward(rng)", "Dropout.forward(rng)", "LastStep.forward(rng)",
            "AttentionPooling.forward(rng)", "RecurrentLayer.forward(rng)", // only training draws from it
            "Trainer.loss(loss)",                                           // the default for the targets
            "Trainer.validationData(data)", "Trainer.schedule(factory)",       // none
            "Trainer.resumeFrom(file)",                                     // train from scratch
            "Trainer.Epoch.new(validation)",                                // no validation data
            "CrossEntropyLoss.forward(grad)", "MseLoss.forward(grad)", "MaeLoss.forward(grad)",
            "BceWithLogitsLoss.forward(grad)",                              // loss only
            "ConfusionMatrix.addLogits(mask)", "Metrics.crossEntropy(mask)", "Metrics.perplexity(mask)",
            "Recurrent.forward(lengths)", "Recurrent.forward(h0)", "Recurrent.forward(c0)",   // full length, zeros
            "Recurrent.forward(output)", "Recurrent.forward(hN)", "Recurrent.forward(cN)",    // not wanted
            "Recurrent.forwardTrain(lengths)", "Recurrent.forwardTrain(h0)", "Recurrent.forwardTrain(c0)",
            "Recurrent.forwardTrain(dropoutRng)",                           // a fixed generator
            "Recurrent.backward(dhN)", "Recurrent.backward(dcN)",           // zero
            "Recurrent.Output.new(cN)", "Recurrent.InputGrads.new(dc0)",    // GRU and RNN have no cell state
            "Recurrent.InputGrads.new(dx)",                                 // backward told not to compute it
            "Model.forward(from)", "Model.forward(to)");                    // start from zeros; do not record // all rows

    /**
     * {@code Class.method(types)} (by the declaring class) that refuse every call by design: a loss for float
     * targets given class ids, and the reverse. Null anywhere must still give an IllegalArgumentException.
     */
    private static final Set<String> REFUSED = Set.of(
            "Loss.forward(float[], int[], float[])", "CrossEntropyLoss.forward(float[], float[], float[])");

    @TempDir
    static Path tmp;

    // ------------------------------------------------------------------ sample values

    private static final Map<String, Supplier<Object>> SAMPLES = new HashMap<>();

    private static void sample(Class<?> type, Supplier<Object> s) {
        SAMPLES.put(type.getName(), s);
    }

    private static void sample(String genericType, Supplier<Object> s) {
        SAMPLES.put(genericType, s);
    }

    private static List<Param> params() {
        return List.of(new Param("p", new float[1]));
    }

    private static Batch batch() {
        return Batch.sequences(new float[1], 1, 1, 1);
    }

    static {
        sample(int.class, () -> 4);
        sample(long.class, () -> 4L);
        sample(float.class, () -> 0.5f);
        sample(double.class, () -> 0.5);
        sample(boolean.class, () -> false);
        sample(float[].class, () -> new float[64]);
        sample(int[].class, () -> new int[]{0});
        sample(boolean[].class, () -> new boolean[]{true});
        sample(String.class, () -> "p");
        sample(Random.class, () -> new Random(1));
        sample(Path.class, () -> tmp.resolve("sample-" + System.nanoTime()));
        sample(Object.class, Object::new);
        sample("java.util.List<dev.vecrnn.nn.Param>", PublicApiArgumentsTest::params);
        sample("java.util.List<dev.vecrnn.nn.train.Trainer$Epoch>", List::of);
        sample("java.util.Map<java.lang.String, dev.vecrnn.nn.Tensor>", HashMap::new);
        sample("java.util.Map<java.lang.String, java.lang.Double>", () -> Map.of("loss", 1.0));
        sample("java.util.Map<java.lang.String, float[]>", HashMap::new);
        sample("java.util.function.Function<java.util.List<dev.vecrnn.nn.Param>, dev.vecrnn.nn.train.Optimizer>",
                () -> (Function<List<Param>, Optimizer>) ps -> new Sgd(ps, 0.1));
        sample("java.util.function.Function<dev.vecrnn.nn.train.Optimizer, ? extends dev.vecrnn.nn.train.Schedule>",
                () -> (Function<Optimizer, StepLR>) o -> new StepLR(o, 1));
        sample("java.util.function.Consumer<dev.vecrnn.nn.train.Trainer$Epoch>", () -> (java.util.function.Consumer<Trainer.Epoch>) e -> { });
        sample("java.util.function.Consumer<dev.vecrnn.nn.train.Trainer$Progress>", () -> (java.util.function.Consumer<Trainer.Progress>) p -> { });
        // kernels
        sample(Kernels.class, Kernels::get);
        sample(PackedGates.class, () -> PackedGates.zeros(PackedGates.Cell.LSTM, 1, 1, 1));
        sample(TransposedGates.class, () -> TransposedGates.of(PackedGates.zeros(PackedGates.Cell.LSTM, 1, 1, 1)));
        sample(dev.vecrnn.kernels.QuantizedGates.class, () -> dev.vecrnn.kernels.QuantizedGates.quantize(
                PackedGates.zeros(PackedGates.Cell.LSTM, 1, 1, 1), dev.vecrnn.kernels.Precision.INT8));
        // nn
        sample(Tensor.class, () -> Tensor.zeros(1));
        sample(Batch.class, PublicApiArgumentsTest::batch);
        sample(Dataset.class, () -> Dataset.regression(new float[1], 1, 1, 1, null, new float[1], 1, false));
        sample(Dataset.Regression.class, () -> Dataset.regression(new float[1], 1, 1, 1, null, new float[1], 1, false));
        sample(Dataset.Classification.class, () -> Dataset.classification(new float[1], 1, 1, 1, null, new int[1], false));
        sample(Dataset.Sequences.class, () -> new Dataset.Sequences(new float[1], 1, 1, 1, null));
        sample(Loss.class, Loss::mse);
        sample(Param.class, () -> new Param("p", new float[1]));
        sample(RecurrentConfig.class, () -> RecurrentConfig.of(CellType.LSTM, 1, 1));
        sample(Recurrent.class, () -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 1, 1), 1));
        sample(Model.class, () -> Model.builder(1).dense(1).build());
        sample(ModelBuilder.class, () -> Model.builder(1));
        sample(Trainer.class, Trainer::new);
        sample(Trainer.Plan.class, () -> new Trainer().check(Model.builder(1).dense(1).build(),
                Dataset.regression(new float[1], 1, 1, 1, null, new float[1], 1, true)));
        sample(Evaluation.class, () -> new Evaluation(1, Map.of("loss", 1.0)));
        sample(Dense.class, () -> new Dense(1, 1, Activation.LINEAR, new Random(1)));
        sample(Embedding.class, () -> new Embedding(1, 1, new Random(1)));
        sample(Dropout.class, () -> new Dropout(0.5f));
        sample(LastStep.class, LastStep::new);
        sample(AttentionPooling.class, () -> new AttentionPooling(1, new Random(1)));
        sample(RecurrentLayer.class, () -> new RecurrentLayer(RecurrentConfig.of(CellType.LSTM, 1, 1), true, 1));
        sample(Layer.class, LastStep::new);
        sample("java.util.List<dev.vecrnn.nn.layers.Layer>", () -> List.of(new LastStep()));
        sample(Recurrent.CellInit.class, () -> (Recurrent.CellInit) (type, h, in, outH, wih, whh, bih, bhh, whr) -> { });
        sample(Layer.Cache.class, () -> new LastStep().forward(batch(), false, null).cache());
        sample(Layer.Out.class, () -> new LastStep().forward(batch(), false, null));
        sample(dev.vecrnn.nn.recurrent.StreamState.class, () -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 1, 1), 1).newState());
        sample(dev.vecrnn.nn.recurrent.StepWorkspace.class, () -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 1, 1), 1).newStepWorkspace(1));
        sample(SequenceWorkspace.class, () -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 1, 1), 1).newSequenceWorkspace());
        sample(ModelState.class, () -> Model.builder(1).dense(1).build().newState());
        sample(dev.vecrnn.nn.model.ModelStepWorkspace.class, () -> Model.builder(1).dense(1).build().newStepWorkspace(1));
        sample(Model.Carry.class, Model.Carry::new);
        sample(Recurrent.Output.class, () -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 1, 1), 1)
                .forward(Tensor.zeros(1, 1, 1), null, null, null));
        sample(Recurrent.InputGrads.class, () -> new Recurrent.InputGrads(Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1), null));
        sample(Recurrent.Trace.class, () -> new Recurrent(RecurrentConfig.of(CellType.LSTM, 1, 1), 1)
                .forwardTrain(Tensor.zeros(1, 1, 1), null, null, null, new Random(1)));
        sample(Model.Trace.class, () -> Model.builder(1).dense(1).build().forward(batch(), true, new Random(1)));
        sample(Trainer.Epoch.class, () -> new Trainer.Epoch(1, 1, 0, null, 0.1, 0, false, 0));
        // nn.train
        sample(Optimizer.class, () -> new Sgd(params(), 0.1));
        sample(Sgd.class, () -> new Sgd(params(), 0.1));
        sample(Adam.class, () -> new Adam(params()));
        sample(AdamW.class, () -> new AdamW(params()));
        sample(RmsProp.class, () -> new RmsProp(params()));
        sample(StepLR.class, () -> new StepLR(new Sgd(params(), 0.1), 1));
        sample(CosineAnnealingLR.class, () -> new CosineAnnealingLR(new Sgd(params(), 0.1), 1));
        sample(ReduceLROnPlateau.class, () -> new ReduceLROnPlateau(new Sgd(params(), 0.1)));
        sample(CrossEntropyLoss.class, () -> new CrossEntropyLoss(1));
        sample(ConfusionMatrix.class, () -> new ConfusionMatrix(1));
        sample(dev.vecrnn.nn.train.LabelCounts.class, () -> new dev.vecrnn.nn.train.LabelCounts(1));
        sample(RegressionStats.class, RegressionStats::new);
        sample(RunningMean.class, RunningMean::new);
        sample(dev.vecrnn.nn.train.MseLoss.class, dev.vecrnn.nn.train.MseLoss::new);
        sample(dev.vecrnn.nn.train.MaeLoss.class, dev.vecrnn.nn.train.MaeLoss::new);
        sample(dev.vecrnn.nn.train.BceWithLogitsLoss.class, dev.vecrnn.nn.train.BceWithLogitsLoss::new);
    }

    /**
     * Whole argument lists for calls whose parameters depend on each other (keyed {@code Class.method/arity});
     * the receiver is passed in for the layers' backward, which needs that layer's own cache.
     */
    private static final Map<String, Function<Object, Object[]>> CALLS = new HashMap<>();

    private static void call(String key, Function<Object, Object[]> args) {
        CALLS.put(key, args);
    }

    static {
        float[] one = {0.5f};
        call("PackedGates.pack/8", r -> new Object[]{PackedGates.Cell.LSTM, 1, 1, 1, new float[4], new float[4], new float[4], new float[4]});
        call("PackedGates.setBias/2", r -> new Object[]{new float[4], new float[4]});
        call("PackedGates.unpackWeights/2", r -> new Object[]{new float[4], new float[4]});
        call("QuantizedGates.ofInt8/10", r -> new Object[]{PackedGates.Cell.LSTM, 1, 1, 1, new byte[4], new float[4], new byte[4], new float[4],
            new float[4], new float[4]});
        call("QuantizedGates.ofBf16/8", r -> new Object[]{PackedGates.Cell.LSTM, 1, 1, 1, new short[4], new short[4], new float[4], new float[4]});
        call("QuantizedGates.unpackInt8/4", r -> new Object[]{new byte[4], new float[4], new byte[4], new float[4]});
        call("QuantizedGates.unpackBf16/2", r -> new Object[]{new short[4], new short[4]});
        call("Batch.new/6", r -> new Object[]{new float[1], 1, 1, 1, new int[]{1}, true});
        call("Batch.sequences/5", r -> new Object[]{new float[1], 1, 1, 1, new int[]{1}});
        call("Batch.sequences/4", r -> new Object[]{new float[1], 1, 1, 1});
        call("Batch.vectors/3", r -> new Object[]{new float[1], 1, 1});
        call("Dataset.new/9", r -> new Object[]{new float[1], 1, 1, 1, new int[]{1}, null, new int[]{0}, 1, false});
        call("Dataset.regression/8", r -> new Object[]{new float[1], 1, 1, 1, new int[]{1}, new float[1], 1, false});
        call("Dataset.classification/7", r -> new Object[]{new float[1], 1, 1, 1, new int[]{1}, new int[]{0}, false});
        call("Dataset.subset/3", r -> new Object[]{new int[]{0}, 0, 1});
        call("Tensor.new/2", r -> new Object[]{new int[]{1}, new float[1]});
        call("Tensor.of/2", r -> new Object[]{new float[1], new int[]{1}});
        call("Tensor.requireShape/2", r -> new Object[]{"t", new int[]{1}});
        call("Param.new/2", r -> new Object[]{"p", new float[1]});
        call("Param.new/3", r -> new Object[]{"p", new float[1], new float[1]});
        call("Init.uniform/5", r -> new Object[]{new float[1], 0, 1, 0.5, new Random(1)});
        call("Init.xavier/5", r -> new Object[]{new float[1], 0, 1, 1, new Random(1)});
        call("Init.orthogonal/5", r -> new Object[]{new float[1], 0, 1, 1, new Random(1)});
        call("Layer.Out.new/2", r -> new Object[]{batch(), new LastStep().forward(batch(), false, null).cache()});
        for (String layer : List.of("Dense", "Embedding", "Dropout", "LastStep", "AttentionPooling", "RecurrentLayer")) {
            call(layer + ".forward/3", r -> new Object[]{batch(), false, new Random(1)});
            call(layer + ".backward/2", r -> {
                Layer.Out out = ((Layer) r).forward(batch(), false, null);
                return new Object[]{out.cache(), out.output()};
            });
        }
        // Recurrent (the receiver is an LSTM 1 -> 1) and its streams; Model (dense 1 -> 1)
        call("Recurrent.forward/4", r -> new Object[]{Tensor.zeros(1, 1, 1), new int[]{1}, Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1)});
        call("Recurrent.forward/8", r -> new Object[]{Tensor.zeros(1, 1, 1), new int[]{1}, Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1),
                Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1), ((Recurrent) r).newSequenceWorkspace()});
        call("Recurrent.forwardTrain/5", r -> new Object[]{Tensor.zeros(1, 1, 1), new int[]{1}, Tensor.zeros(1, 1, 1),
                Tensor.zeros(1, 1, 1), new Random(1)});
        call("Recurrent.backward/4", r -> new Object[]{((Recurrent) r).forwardTrain(Tensor.zeros(1, 1, 1), null, null, null,
                new Random(1)), Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1)});
        call("Recurrent.backward/5", r -> new Object[]{((Recurrent) r).forwardTrain(Tensor.zeros(1, 1, 1), null, null, null,
                new Random(1)), Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1), Tensor.zeros(1, 1, 1), false});
        call("Recurrent.step/3", r -> new Object[]{new float[1], ((Recurrent) r).newState(), new float[1]});
        call("Recurrent.stepMany/5", r -> new Object[]{1, new float[1], new dev.vecrnn.nn.recurrent.StreamState[]{((Recurrent) r).newState()},
                new float[1], ((Recurrent) r).newStepWorkspace(1)});
        call("Recurrent.loadStateDict/1", r -> new Object[]{((Recurrent) r).stateDict()});
        call("Recurrent.step/5", r -> new Object[]{new float[1], 0, ((Recurrent) r).newState(), new float[1], 0});
        call("Model.forward/3", r -> new Object[]{batch(), true, new Random(1)});
        call("Model.forward/5", r -> new Object[]{batch(), true, new Random(1), new Model.Carry(), new Model.Carry()});
        call("Model.backward/2", r -> {
            Model.Trace t = ((Model) r).forward(batch(), true, new Random(1));
            return new Object[]{t, t.output()};
        });
        call("Model.step/3", r -> new Object[]{new float[1], ((Model) r).newState(), new float[1]});
        call("Model.stepMany/5", r -> new Object[]{1, new float[1], new ModelState[]{((Model) r).newState()}, new float[1],
                ((Model) r).newStepWorkspace(1)});
        call("Model.loadStateDict/1", r -> new Object[]{((Model) r).stateDict()});
        call("Evaluation.of/4", r -> new Object[]{Model.builder(1).dense(1).build(),
                Dataset.regression(new float[1], 1, 1, 1, null, new float[1], 1, false), Loss.mse(), 1});
        call("Trainer.fit/2", r -> new Object[]{Model.builder(1).lastStep().dense(1).build(),
                Dataset.regression(new float[1], 1, 1, 1, null, new float[1], 1, false)});
        call("Trainer.evaluate/2", r -> new Object[]{Model.builder(1).lastStep().dense(1).build(),
                Dataset.regression(new float[1], 1, 1, 1, null, new float[1], 1, false)});
        call("ModelFile.save/2", r -> new Object[]{Model.builder(1).dense(1).build(), tmp.resolve("m" + System.nanoTime())});
        call("PyTorchFormat.write/2", r -> new Object[]{new Recurrent(RecurrentConfig.of(CellType.LSTM, 1, 1), 1),
                tmp.resolve("pt" + System.nanoTime())});
        for (String loss : List.of("MseLoss", "MaeLoss", "BceWithLogitsLoss")) {
            call(loss + ".forward/3", r -> new Object[]{one.clone(), one.clone(), new float[1]});
        }
        call("CrossEntropyLoss.forward(float[], int[], float[])", r -> new Object[]{one.clone(), new int[]{0}, new float[1]});
        call("CrossEntropyLoss.forward(float[], int[], boolean[], float[])", r -> new Object[]{one.clone(), new int[]{0}, new boolean[]{true}, new float[1]});
        call("CrossEntropyLoss.forward(float[], int[], float[], float[])", r -> new Object[]{one.clone(), new int[]{0}, new float[]{1}, new float[1]});
        call("ConfusionMatrix.add/2", r -> new Object[]{new int[]{0}, new int[]{0}});
        call("ConfusionMatrix.addLogits/3", r -> new Object[]{one.clone(), new int[]{0}, new boolean[]{true}});
        call("Metrics.accuracy/3", r -> new Object[]{one.clone(), 1, new int[]{0}});
        call("Metrics.f1Macro/3", r -> new Object[]{new int[]{0}, new int[]{0}, 1});
        call("Metrics.crossEntropy/4", r -> new Object[]{one.clone(), 1, new int[]{0}, new boolean[]{true}});
        call("Metrics.perplexity/4", r -> new Object[]{one.clone(), 1, new int[]{0}, new boolean[]{true}});
        for (String m : List.of("rmse", "mae", "mape")) call("Metrics." + m + "/2", r -> new Object[]{one.clone(), one.clone()});
        call("RegressionStats.add/2", r -> new Object[]{one.clone(), one.clone()});
        call("BaseOptimizer.loadState/2", r -> new Object[]{((Optimizer) r).state(), 0L});
    }

    // ------------------------------------------------------------------ the test

    private record Probe(String where, String parameter, boolean nullable, String outcome) {
    }

    @Test
    void everyReferenceParameterRejectsNullByName() throws Exception {
        List<Probe> probes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Class<?>> classes = publicClasses();
        Set<String> executables = new TreeSet<>();
        for (Class<?> c : classes) {
            for (Executable e : publicExecutables(c)) {
                Parameter[] ps = e.getParameters();
                if (Stream.of(ps).anyMatch(q -> !q.getType().isPrimitive())) executables.add(label(c, e) + signature(e));
                for (int i = 0; i < ps.length; i++) {
                    if (ps[i].getType().isPrimitive()) continue;
                    String where = label(c, e);
                    String param = ps[i].getName();
                    boolean nullable = NULLABLE.contains(where + "(" + param + ")");
                    String outcome = probe(c, e, i, nullable);
                    probes.add(new Probe(where, param, nullable, outcome));
                    if (outcome != null) problems.add(where + signature(e) + " with " + param + " = null: " + outcome);
                }
            }
        }
        System.out.println("PublicApiArgumentsTest: " + probes.size() + " reference parameters of " + executables.size()
                + " constructors and methods in " + classes.size() + " classes");
        assertTrue(probes.size() > 200, "expected to probe the whole public API, probed only " + probes.size() + " parameters");
        Set<String> probedNullable = new TreeSet<>();
        for (Probe p : probes) if (p.nullable) probedNullable.add(p.where + "(" + p.parameter + ")");
        Set<String> stale = new TreeSet<>(NULLABLE);
        stale.removeAll(probedNullable);
        if (!stale.isEmpty()) problems.add("NULLABLE lists parameters that no longer exist: " + stale);
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + probes.size() + " null arguments handled badly:\n  " + String.join("\n  ", problems));
        }
    }

    /** Null in parameter i: a description of what went wrong, or null if it behaved. */
    private static String probe(Class<?> owner, Executable e, int i, boolean nullable) {
        Object receiver = null;
        Object[] args;
        try {
            if (e instanceof Method m && !Modifier.isStatic(m.getModifiers())) receiver = make(owner, owner);
            args = arguments(owner, e, receiver);
        } catch (MissingSample missing) {
            return missing.getMessage();
        }
        args[i] = null;
        boolean refused = REFUSED.contains(key(owner, e) + types(e));
        Throwable thrown;
        try {
            if (e instanceof Constructor<?> k) {
                k.newInstance(args);
            } else {
                Method m = (Method) e;
                if (!Modifier.isPublic(m.getDeclaringClass().getModifiers())) m.setAccessible(true); // BaseOptimizer's
                m.invoke(receiver, args);
            }
            return nullable ? null : "accepted null (expected an exception naming it, or list it in NULLABLE)";
        } catch (InvocationTargetException ex) {
            thrown = ex.getCause();
        } catch (ReflectiveOperationException | IllegalArgumentException ex) {
            return "could not call (a wrong CALLS entry?): " + ex;
        }
        if (refused) return thrown instanceof IllegalArgumentException ? null : "threw " + describe(thrown) + " (expected the refusal)";
        if (nullable) return "null is documented as allowed but the call threw " + describe(thrown);
        if (!(thrown instanceof NullPointerException) && !(thrown instanceof IllegalArgumentException)) {
            return "threw " + describe(thrown) + " (expected NullPointerException or IllegalArgumentException)";
        }
        String name = e.getParameters()[i].getName();
        if (!names(thrown.getMessage(), name)) return "threw " + describe(thrown) + ", which does not name '" + name + "'";
        return null;
    }

    private static String describe(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        return t.getClass().getSimpleName() + "(" + t.getMessage() + ")" + (st.length > 0 ? " at " + st[0] : "");
    }

    /**
     * The message names the parameter as a word: "batchSize", or its words "batch size", any case. The JVM's
     * own NullPointerException messages ("Cannot invoke ... because "x" is null") do not count: they come
     * from wherever the null was first used, not from a check.
     */
    static boolean names(String message, String parameter) {
        if (message == null || message.startsWith("Cannot ")) return false;
        String words = parameter.replaceAll("([a-z0-9])([A-Z])", "$1 $2");
        for (String n : List.of(parameter, words)) {
            if (Pattern.compile("(?i)(^|[^A-Za-z0-9_])" + Pattern.quote(n) + "($|[^A-Za-z0-9_])").matcher(message).find()) return true;
        }
        return false;
    }

    @Test
    void namesMatchesTheParameterOrItsWords() {
        assertTrue(names("batchSize: expected >= 1, got 0", "batchSize"));
        assertTrue(names("batch size: expected >= 1, got 0", "batchSize"));
        assertTrue(!names("batch: expected >= 1, got 0", "batchSize"));
        assertTrue(!names(null, "x"));
        assertTrue(names("x: expected non-null, got null", "x"));
        assertTrue(!names("expected a tensor, got null", "x"), "a letter inside a word is not the name");
        assertTrue(!names("Cannot invoke \"dev.vecrnn.nn.Batch.features()\" because \"x\" is null", "x"));
    }

    private static Object[] arguments(Class<?> owner, Executable e, Object receiver) {
        Function<Object, Object[]> whole = CALLS.getOrDefault(key(owner, e) + types(e), CALLS.get(key(owner, e) + "/" + e.getParameterCount()));
        if (whole != null) {
            Object[] a = whole.apply(receiver);
            assertEquals(e.getParameterCount(), a.length, "CALLS entry " + key(owner, e));
            return a;
        }
        Object[] a = new Object[e.getParameterCount()];
        for (int j = 0; j < a.length; j++) {
            Class<?> t = e.getParameterTypes()[j];
            String generic = e.getGenericParameterTypes()[j].getTypeName();
            Supplier<Object> s = SAMPLES.get(generic);
            if (s == null) s = SAMPLES.get(t.getName());
            if (s == null && t.isEnum()) s = () -> t.getEnumConstants()[0];
            if (s == null) throw new MissingSample("no sample value for parameter type " + generic + "; add one to SAMPLES");
            a[j] = s.get();
        }
        return a;
    }

    private static Object make(Class<?> owner, Class<?> type) {
        Supplier<Object> s = SAMPLES.get(type.getName());
        if (s == null) throw new MissingSample("no sample receiver of type " + type.getName() + "; add one to SAMPLES");
        return s.get();
    }

    private static final class MissingSample extends RuntimeException {
        MissingSample(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ enumeration

    private static String simpleName(Class<?> c) {
        return c.getName().substring(c.getPackageName().length() + 1).replace('$', '.');
    }

    private static String label(Class<?> owner, Executable e) {
        return simpleName(owner) + "." + (e instanceof Constructor<?> ? "new" : e.getName());
    }

    /**
     * {@code Class.method}, by the declaring class for inherited methods (BaseOptimizer.loadState), else by the owner;
     * CALLS adds {@code /arity} or, to tell overloads apart, the parameter types.
     */
    private static String key(Class<?> owner, Executable e) {
        Class<?> by = e instanceof Method ? e.getDeclaringClass() : owner;
        return simpleName(by) + "." + (e instanceof Constructor<?> ? "new" : e.getName());
    }

    private static String types(Executable e) {
        List<String> t = new ArrayList<>();
        for (Class<?> p : e.getParameterTypes()) t.add(p.getSimpleName());
        return "(" + String.join(", ", t) + ")";
    }

    private static String signature(Executable e) {
        StringBuilder s = new StringBuilder("(");
        for (Parameter p : e.getParameters()) {
            if (s.length() > 1) s.append(", ");
            s.append(p.getType().getSimpleName()).append(' ').append(p.getName());
        }
        return s.append(')').toString();
    }

    /** Public constructors, and the public methods a public class declares or inherits from the packages under test. */
    private static List<Executable> publicExecutables(Class<?> c) {
        List<Executable> out = new ArrayList<>();
        if (!Modifier.isAbstract(c.getModifiers()) && !c.isEnum()) out.addAll(List.of(c.getConstructors()));
        for (Method m : c.getMethods()) {
            if (m.isSynthetic() || m.isBridge() || !PACKAGES.contains(m.getDeclaringClass().getPackageName())) continue;
            if (m.isAnnotationPresent(Internal.class)) continue;                         // not part of the supported API
            if (Modifier.isAbstract(m.getModifiers()) || m.getParameterCount() == 0) continue;
            if (m.getName().equals("equals") && m.getParameterCount() == 1) continue;   // equals(null) is false by contract
            if (c.isEnum() && m.getName().equals("valueOf")) continue;                  // Enum's own contract
            if (m.getDeclaringClass() != c && !Modifier.isStatic(m.getModifiers())
                    && Modifier.isPublic(m.getDeclaringClass().getModifiers()) && !m.getDeclaringClass().isInterface()) {
                continue;  // probed through its public declaring class
            }
            if (m.getDeclaringClass() != c && Modifier.isStatic(m.getModifiers())) continue;
            out.add(m);
        }
        out.sort(Comparator.comparing(Executable::toGenericString));
        return out;
    }

    private static List<Class<?>> publicClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        List<Class<?>> out = new ArrayList<>();
        for (String pkg : PACKAGES) {
            Class<?> anchor = pkg.endsWith("kernels") ? Kernels.class : pkg.endsWith("train") ? Sgd.class : Tensor.class;
            for (String name : classNames(anchor, pkg)) {
                if (EXCLUDED_CLASSES.contains(name)) continue;
                Class<?> c = Class.forName(name, false, anchor.getClassLoader());
                if (isPublicApi(c)) out.add(c);
            }
        }
        assertTrue(out.size() > 40, "expected the public classes of " + PACKAGES + ", found " + out);
        return out;
    }

    private static boolean isPublicApi(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) return false;
            if (k.isAnnotationPresent(Internal.class)) return false;                  // not part of the supported API
        }
        return !c.isInterface();
    }

    /** Class names in {@code pkg} (not sub-packages) at the code source of {@code anchor}: a directory or a jar. */
    private static List<String> classNames(Class<?> anchor, String pkg) throws IOException, URISyntaxException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        String dir = pkg.replace('.', '/');
        if (Files.isDirectory(root)) return classNames(root.resolve(dir), pkg);
        try (FileSystem jar = FileSystems.newFileSystem(root)) {
            return classNames(jar.getPath(dir), pkg);
        }
    }

    private static List<String> classNames(Path dir, String pkg) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".class") && !f.equals("package-info.class"))
                    .map(f -> pkg + "." + f.substring(0, f.length() - ".class".length()))
                    .sorted().toList();
        }
    }

    @Test
    void enumerationFindsNestedClassesAndSkipsInterfaces() throws Exception {
        List<Class<?>> classes = publicClasses();
        for (Class<?> c : List.of(Kernels.class, PackedGates.class, Trainer.class, Trainer.Epoch.class, Layer.Out.class, Sgd.class)) {
            assertTrue(classes.contains(c), c + " missing from " + classes);
        }
        assertTrue(!classes.contains(Layer.class), "interfaces are probed through their implementations");
        for (Class<?> c : List.of(dev.vecrnn.nn.recurrent.StreamState.class, dev.vecrnn.nn.recurrent.StepWorkspace.class, ModelState.class, Recurrent.class, Model.class)) {
            assertTrue(classes.contains(c), c + " missing from " + classes);
        }
    }
}
