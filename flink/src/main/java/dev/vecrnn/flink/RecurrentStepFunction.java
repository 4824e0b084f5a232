package dev.vecrnn.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * key's state is {@link KeyState} (its floats, step count, last event time, the model version and the
 * fingerprint of its layout), written
 * by {@link KeyStateSerializer}. Per event: an event whose features are not the model's input width or not
 * finite goes to {@link #REFUSED} with the reason and changes nothing; otherwise the key's state advances one
 * step and a {@link Scored} carries the outputs, the key, the event's id and the step count.
 *
 * <p>Options: {@link #resetAfterIdle} (a processing-time timer clears a key's state after that long without
 * events), {@link #maxSteps} (a key's state restarts after that many steps, as training on windows of that
 * length would expect) and {@link #onModelChange} (a state written by another model version: continue from it
 * when its layout is the new model's, or start over). Metrics, in the operator's group: {@code vecrnnSteps},
 * {@code vecrnnRefused}, {@code vecrnnResets} (idle, length cap and model change together),
 * {@code vecrnnModelChanges} and the histogram {@code vecrnnStepNanos}.
 */
public class RecurrentStepFunction extends KeyedProcessFunction<String, FeatureEvent, Scored> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RecurrentStepFunction.class);

    /** Events that were not stepped, with the reason. */
    public static final OutputTag<Refused> REFUSED = new OutputTag<>("vecrnn-refused") { };

    /**
     * What a key's state written by another model becomes: one of another model version, or of another state
     * layout (the fingerprint of what its floats are: the recurrent stacks' cell types, layers, directions,
     * hidden and projection sizes, in order; {@link StepModel.Stepper#stateLayout()}). A state of another layout
     * always starts over. States restored from savepoints written before the layout was kept (vecrnn-flink's
     * serializer format 3) carry none: for them, as then, only the float count can be compared.
     */
    public enum ModelChange {
        /**
         * Continue from it when it was written by a model of the same state layout (new weights of the same
         * shapes); else start over. An LSTM of 8 units after a GRU of 16 (16 floats each) starts over. A state
         * from a format-3 savepoint continues when its float count is the new model's, whatever its shapes
         * were, and then carries the new model's layout: for an upgrade of shapes from such a savepoint, give
         * {@link #RESET}.
         */
        CONTINUE_IF_SAME_SIZE,
        /** Start over. */
        RESET
    }

    private final StepCore core;

    private transient ValueState<KeyState> state;
    private transient float[] out;

    public RecurrentStepFunction(StepModel model) {
        this.core = new StepCore(model);
    }

    /** Clears a key's state after {@code millis} of processing time without an event for it (0: never). */
    public RecurrentStepFunction resetAfterIdle(long millis) {
        core.resetAfterIdle(millis);
        return this;
    }

    /** Restarts a key's state after {@code n} steps (0: never). */
    public RecurrentStepFunction maxSteps(long n) {
        core.maxSteps(n);
        return this;
    }

    /** What a key's state written by another model becomes (default: continue if its state layout is this model's). */
    public RecurrentStepFunction onModelChange(ModelChange policy) {
        core.onModelChange(policy);
        return this;
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        core.open(getRuntimeContext().getMetricGroup(), LOG);
        out = new float[core.model.outputs()];
        state = getRuntimeContext().getState(StepCore.stateDescriptor());
    }

    @Override
    public void processElement(FeatureEvent e, Context ctx, Collector<Scored> collector) throws Exception {
        String why = core.refusal(e);
        if (why != null) {
            core.refused.inc();
            ctx.output(REFUSED, new Refused(ctx.getCurrentKey(), e == null ? -1 : e.id, why));
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        KeyState s = core.begin(state.value(), now);
        if (core.idleMillis > 0) {
            if (s.steps > 0) ctx.timerService().deleteProcessingTimeTimer(s.lastSeen + core.idleMillis);
            ctx.timerService().registerProcessingTimeTimer(now + core.idleMillis);
        }
        long t0 = System.nanoTime();
        core.model.step(e.features, s.state, out);
        core.stepNanos.update(System.nanoTime() - t0);
        core.stepped(s, now);
        state.update(s);
        collector.collect(new Scored(ctx.getCurrentKey(), e.id, s.steps, out.clone()));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Scored> collector) throws Exception {
        if (core.expired(state.value(), timestamp)) state.clear();
    }
}
