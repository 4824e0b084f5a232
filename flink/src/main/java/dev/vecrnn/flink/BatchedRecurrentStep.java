package dev.vecrnn.flink;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * {@link RecurrentStepFunction} with micro-batching: events of many keys are held back, up to
 * {@code maxEvents} of them or {@code maxDelayMillis} of processing time, and stepped together, one pass over
 * the weights for all of them ({@code Recurrent.stepMany}) instead of one per event. Same outputs, bit for
 * bit, the same per-key state, options, side output and metrics; what it trades is latency (an event waits
 * at most {@code maxDelayMillis}) for throughput where the step is the cost (LSTM 256: 2.2x to 2.9x the
 * events per second of one step per event in Flink, measured by the example's {@code MicroBatchBench}; LSTM
 * 64: 1.15x to 1.3x). A PyTorch network ({@link StepModel#pytorch}) is stepped by {@code Recurrent.stepMany},
 * a vecrnn model file ({@link StepModel#vecrnn}) by {@code Model.stepMany}: each recurrent layer in one pass
 * for all the events, the other layers event by event.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Scored> scores = new BatchedRecurrentStep(StepModel.pytorch(dir), 64, 5)
 *         .applyTo(events.keyBy(FeatureEvent::getKey));
 * DataStream<Refused> refused = scores.getSideOutput(RecurrentStepFunction.REFUSED);
 * }</pre>
 *
 * <p>Held events are stepped when {@code maxEvents} are held, when the oldest has waited
 * {@code maxDelayMillis}, before every checkpoint barrier (a checkpoint never holds events taken in but not
 * stepped, so recovery is exactly that of the per-event operator), before a watermark is passed on, at the
 * end of a bounded input and when the job finishes. A key met twice among held events is stepped twice, in
 * order: its later event goes in the next pass. An output keeps its event's timestamp. Bad events are
 * refused at once, as by {@link RecurrentStepFunction}. Besides that operator's metrics, the histogram
 * {@code vecrnnBatchSize} counts the events of each pass; {@code vecrnnStepNanos} gets a pass's time over its
 * events, once per event.
 */
public final class BatchedRecurrentStep extends AbstractStreamOperator<Scored>
        implements OneInputStreamOperator<FeatureEvent, Scored>, BoundedOneInput, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BatchedRecurrentStep.class);

    private final StepCore core;
    /** The largest Java array HotSpot makes. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    private final int maxEvents;
    private final long maxDelayMillis;

    private transient ValueState<KeyState> state;
    private transient InternalTimerService<VoidNamespace> idleTimers;
    private transient Histogram batchSizes;
    // the held events, in arrival order, with their keys (the stream's, which need not be the event's key
    // field), timestamps and processing times of arrival
    private transient FeatureEvent[] held;
    private transient String[] keys;
    private transient long[] timestamps;
    private transient boolean[] stamped;
    private transient long[] arrived;
    private transient int count;
    private transient boolean delayTimerSet;
    // one pass: indices into held, the keys' states, inputs and outputs
    private transient int[] pass;
    private transient int[] later;
    private transient KeyState[] keyStates;
    private transient float[][] floats;
    private transient float[] xs;
    private transient float[] outs;
    private transient Set<String> inPass;

    /**
     * @param maxEvents at most this many events are held and stepped in one pass (at least 1, and few enough that
     *                  a pass's inputs and outputs, maxEvents times the model's features, fit one Java array)
     * @param maxDelayMillis no event is held longer than this, in processing time (at least 1)
     * @throws IllegalArgumentException for a count out of range, here rather than in every task's open
     */
    public BatchedRecurrentStep(StepModel model, int maxEvents, long maxDelayMillis) {
        if (maxEvents < 1) throw new IllegalArgumentException("maxEvents: expected >= 1, got " + maxEvents);
        if (model != null) {
            // a pass holds maxEvents x the inputs (and outputs) in one array, and the model's workspace a row per event
            int features = Math.max(1, Math.max(model.inputs(), model.outputs()));
            long most = Math.min(MAX_ARRAY / features, model.maxStreams() > 0 ? model.maxStreams() : MAX_ARRAY);
            if (maxEvents > most) {
                throw new IllegalArgumentException("maxEvents: expected at most " + most + " for a model of " + model.inputs() + " inputs and "
                        + model.outputs() + " outputs (a pass's inputs, outputs and workspace rows must each fit one Java array), got " + maxEvents);
            }
        }
        if (maxDelayMillis < 1) throw new IllegalArgumentException("maxDelayMillis: expected >= 1, got " + maxDelayMillis);
        this.core = new StepCore(model);
        this.maxEvents = maxEvents;
        this.maxDelayMillis = maxDelayMillis;
    }

    /** Clears a key's state after {@code millis} of processing time without an event for it (0: never). */
    public BatchedRecurrentStep resetAfterIdle(long millis) {
        core.resetAfterIdle(millis);
        return this;
    }

    /** Restarts a key's state after {@code n} steps (0: never). */
    public BatchedRecurrentStep maxSteps(long n) {
        core.maxSteps(n);
        return this;
    }

    /** What a key's state written by another model version becomes (default: continue if the size fits). */
    public BatchedRecurrentStep onModelChange(RecurrentStepFunction.ModelChange policy) {
        core.onModelChange(policy);
        return this;
    }

    /**
     * This operator on a keyed stream (usually by {@link FeatureEvent#key}; whatever the key, it is the stream's
     * key that holds the state and that the outputs carry, as in {@link RecurrentStepFunction}); its side
     * output is {@link RecurrentStepFunction#REFUSED}.
     */
    public SingleOutputStreamOperator<Scored> applyTo(KeyedStream<FeatureEvent, String> events) {
        return events.transform("vecrnn batched step", TypeInformation.of(Scored.class), this);
    }

    @Override
    public void open() throws Exception {
        super.open();
        core.open(getMetricGroup(), LOG);
        batchSizes = getMetricGroup().histogram("vecrnnBatchSize", new DescriptiveStatisticsHistogram(1024));
        state = getPartitionedState(StepCore.stateDescriptor());
        idleTimers = getInternalTimerService("vecrnn-idle", VoidNamespaceSerializer.INSTANCE, this);
        held = new FeatureEvent[maxEvents];
        keys = new String[maxEvents];
        timestamps = new long[maxEvents];
        stamped = new boolean[maxEvents];
        arrived = new long[maxEvents];
        pass = new int[maxEvents];
        later = new int[maxEvents];
        keyStates = new KeyState[maxEvents];
        floats = new float[maxEvents][];
        xs = new float[maxEvents * core.model.inputs()];
        outs = new float[maxEvents * core.model.outputs()];
        inPass = new HashSet<>();
    }

    @Override
    public void processElement(StreamRecord<FeatureEvent> record) throws Exception {
        FeatureEvent e = record.getValue();
        String why = core.refusal(e);
        if (why != null) {
            core.refused.inc();
            output.collect(RecurrentStepFunction.REFUSED, stamp(new Refused((String) getCurrentKey(), e == null ? -1 : e.id, why), record));
            return;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        held[count] = e;
        keys[count] = (String) getCurrentKey();
        stamped[count] = record.hasTimestamp();
        timestamps[count] = record.hasTimestamp() ? record.getTimestamp() : 0;
        arrived[count] = now;
        count++;
        if (count == maxEvents) {
            flush();
        } else if (count == 1 && !delayTimerSet) {
            delayTimerSet = true;
            getProcessingTimeService().registerTimer(now + maxDelayMillis, this::onDelay);
        }
    }

    private static <T> StreamRecord<T> stamp(T value, StreamRecord<?> like) {
        return like.hasTimestamp() ? new StreamRecord<>(value, like.getTimestamp()) : new StreamRecord<>(value);
    }

    /** The delay timer: steps what is held if the oldest has waited long enough, else waits for it. */
    private void onDelay(long time) throws Exception {
        delayTimerSet = false;
        if (count == 0) return;
        long due = arrived[0] + maxDelayMillis;
        if (time >= due) {
            flush();
        } else {
            delayTimerSet = true;
            getProcessingTimeService().registerTimer(due, this::onDelay);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        // a held event of this key counts as its last event: step what is held before judging the key idle
        if (count > 0) {
            flush();
            setCurrentKey(timer.getKey());
        }
        if (core.expired(state.value(), timer.getTimestamp())) state.clear();
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        // no event-time timers are registered
    }

    /** Steps every held event: passes of distinct keys, each key's events in arrival order. */
    private void flush() throws Exception {
        int left = count;
        for (int i = 0; i < left; i++) later[i] = i;
        while (left > 0) {
            int n = 0, deferred = 0;
            inPass.clear();
            for (int i = 0; i < left; i++) {
                int idx = later[i];
                if (inPass.add(keys[idx])) pass[n++] = idx;
                else later[deferred++] = idx;
            }
            step(n);
            left = deferred;
        }
        Arrays.fill(held, 0, count, null);
        Arrays.fill(keys, 0, count, null);
        count = 0;
    }

    private void step(int n) throws Exception {
        int in = core.model.inputs(), o = core.model.outputs();
        for (int j = 0; j < n; j++) {
            int idx = pass[j];
            FeatureEvent e = held[idx];
            setCurrentKey(keys[idx]);
            KeyState s = core.begin(state.value(), arrived[idx]);
            if (core.idleMillis > 0) {
                if (s.steps > 0) idleTimers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, s.lastSeen + core.idleMillis);
                idleTimers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, arrived[idx] + core.idleMillis);
            }
            keyStates[j] = s;
            floats[j] = s.state;
            System.arraycopy(e.features, 0, xs, j * in, in);
        }
        long t0 = System.nanoTime();
        core.model.stepMany(n, xs, floats, outs);
        long perEvent = (System.nanoTime() - t0) / n;
        batchSizes.update(n);
        for (int j = 0; j < n; j++) {
            int idx = pass[j];
            FeatureEvent e = held[idx];
            KeyState s = keyStates[j];
            setCurrentKey(keys[idx]);
            core.stepNanos.update(perEvent);
            core.stepped(s, arrived[idx]);
            state.update(s);
            Scored scored = new Scored(keys[idx], e.id, s.steps, Arrays.copyOfRange(outs, j * o, (j + 1) * o));
            output.collect(stamped[idx] ? new StreamRecord<>(scored, timestamps[idx]) : new StreamRecord<>(scored));
            keyStates[j] = null;
            floats[j] = null;
        }
    }
}
