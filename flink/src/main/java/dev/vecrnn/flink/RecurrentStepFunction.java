package dev.vecrnn.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Steps a vecrnn (or PyTorch) recurrent model once per event, per key, with each key's recurrent state in
 * Flink keyed state: it survives failures (restored from the last checkpoint), savepoints and rescaling
 * (key groups move with their state). Use on a stream keyed by {@link FeatureEvent#key}:
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Scored> scores = events.keyBy(FeatureEvent::getKey)
 *         .process(new RecurrentStepFunction(StepModel.vecrnn(Path.of("model.safetensors"))));
 * DataStream<Refused> refused = scores.getSideOutput(RecurrentStepFunction.REFUSED);
 * }</pre>
 *
 * <p>The model is loaded once per parallel task ({@link #open}) and shared by every key of that task; a
 * key's state is {@link KeyState} (its floats, step count, last event time and the model version), written
 * by {@link KeyStateSerializer}. Per event: an event whose features are not the model's input width or not
 * finite goes to {@link #REFUSED} with the reason and changes nothing; otherwise the key's state advances one
 * step and a {@link Scored} carries the outputs, the key, the event's id and the step count.
 *
 * <p>Options: {@link #resetAfterIdle} (a processing-time timer clears a key's state after that long without
 * events), {@link #maxSteps} (a key's state restarts after that many steps, as training on windows of that
 * length would expect) and {@link #onModelChange} (a state written by another model version: continue from it
 * when its size fits the new model, or start over). Metrics, in the operator's group: {@code vecrnnSteps},
 * {@code vecrnnRefused}, {@code vecrnnResets} (idle, length cap and model change together),
 * {@code vecrnnModelChanges} and the histogram {@code vecrnnStepNanos}.
 */
public class RecurrentStepFunction extends KeyedProcessFunction<String, FeatureEvent, Scored> {
    private static final long serialVersionUID = 1L;

    /** Events that were not stepped, with the reason. */
    public static final OutputTag<Refused> REFUSED = new OutputTag<>("vecrnn-refused") { };

    /** What a key's state written under another model version becomes. */
    public enum ModelChange {
        /** Continue from it when its size is the new model's (new weights, same shapes); else start over. */
        CONTINUE_IF_SAME_SIZE,
        /** Start over. */
        RESET
    }

    private final StepModel source;
    private long idleMillis;
    private long maxSteps;
    private ModelChange modelChange = ModelChange.CONTINUE_IF_SAME_SIZE;

    private transient StepModel.Stepper model;
    private transient ValueState<KeyState> state;
    private transient float[] out;
    private transient Counter steps;
    private transient Counter refused;
    private transient Counter resets;
    private transient Counter modelChanges;
    private transient Histogram stepNanos;

    public RecurrentStepFunction(StepModel model) {
        if (model == null) throw new IllegalArgumentException("model: expected a StepModel, got null");
        this.source = model;
    }

    /** Clears a key's state after {@code millis} of processing time without an event for it (0: never). */
    public RecurrentStepFunction resetAfterIdle(long millis) {
        if (millis < 0) throw new IllegalArgumentException("millis: expected >= 0, got " + millis);
        this.idleMillis = millis;
        return this;
    }

    /** Restarts a key's state after {@code n} steps (0: never). */
    public RecurrentStepFunction maxSteps(long n) {
        if (n < 0) throw new IllegalArgumentException("n: expected >= 0, got " + n);
        this.maxSteps = n;
        return this;
    }

    public RecurrentStepFunction onModelChange(ModelChange policy) {
        if (policy == null) throw new IllegalArgumentException("policy: expected a ModelChange, got null");
        this.modelChange = policy;
        return this;
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        model = source.load();
        out = new float[model.outputs()];
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("vecrnn-key-state", KeyStateSerializer.INSTANCE));
        var group = getRuntimeContext().getMetricGroup();
        steps = group.counter("vecrnnSteps");
        refused = group.counter("vecrnnRefused");
        resets = group.counter("vecrnnResets");
        modelChanges = group.counter("vecrnnModelChanges");
        stepNanos = group.histogram("vecrnnStepNanos", new DescriptiveStatisticsHistogram(1024));
    }

    @Override
    public void processElement(FeatureEvent e, Context ctx, Collector<Scored> collector) throws Exception {
        String why = refusal(e);
        if (why != null) {
            refused.inc();
            ctx.output(REFUSED, new Refused(ctx.getCurrentKey(), e == null ? -1 : e.id, why));
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        KeyState s = state.value();
        if (s != null && s.modelVersion != source.version()) {
            modelChanges.inc();
            if (modelChange == ModelChange.RESET || s.state.length != model.stateSize()) {
                resets.inc();
                s = null;
            } else {
                s.modelVersion = source.version();
            }
        }
        if (s != null && maxSteps > 0 && s.steps >= maxSteps) {
            resets.inc();
            s = null;
        }
        if (s == null) s = new KeyState(source.version(), 0, now, new float[model.stateSize()]);
        if (idleMillis > 0) {
            if (s.steps > 0) ctx.timerService().deleteProcessingTimeTimer(s.lastSeen + idleMillis);
            ctx.timerService().registerProcessingTimeTimer(now + idleMillis);
        }
        long t0 = System.nanoTime();
        model.step(e.features, s.state, out);
        stepNanos.update(System.nanoTime() - t0);
        s.steps++;
        s.lastSeen = now;
        state.update(s);
        steps.inc();
        collector.collect(new Scored(ctx.getCurrentKey(), e.id, s.steps, out.clone()));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Scored> collector) throws Exception {
        KeyState s = state.value();
        if (s != null && idleMillis > 0 && timestamp >= s.lastSeen + idleMillis) {
            state.clear();
            resets.inc();
        }
    }

    /** Why the event cannot be stepped, or null. */
    private String refusal(FeatureEvent e) {
        if (e == null || e.features == null) return "no features";
        if (e.features.length != model.inputs()) {
            return "expected " + model.inputs() + " features, got " + e.features.length;
        }
        for (int i = 0; i < e.features.length; i++) {
            if (!Float.isFinite(e.features[i])) return "feature " + i + " is " + e.features[i] + ", expected a finite number";
        }
        return null;
    }
}
