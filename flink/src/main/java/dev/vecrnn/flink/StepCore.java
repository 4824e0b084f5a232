package dev.vecrnn.flink;

import dev.vecrnn.kernels.Kernels;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;

import java.io.IOException;
import java.io.Serializable;

/**
 * What {@link RecurrentStepFunction} (one step per event) and {@link BatchedRecurrentStep} (many keys' events
 * in one step) share: the model, the options and their rules for a key's state, the refusal of bad events,
 * the metrics and the start-up log line. Options are set while the job is built; the rest once per task in
 * {@link #open}.
 */
final class StepCore implements Serializable {
    private static final long serialVersionUID = 1L;

    final StepModel source;
    long idleMillis;
    long maxSteps;
    RecurrentStepFunction.ModelChange modelChange = RecurrentStepFunction.ModelChange.CONTINUE_IF_SAME_SIZE;

    transient StepModel.Stepper model;
    /** The fingerprint of the model's state layout, computed once in {@link #open}. */
    transient long layout;
    transient Counter steps;
    transient Counter refused;
    transient Counter resets;
    transient Counter modelChanges;
    transient Histogram stepNanos;

    /**
     * Each key's state, under one name for both operators, so that a savepoint written by one restores into
     * the other (same uid).
     */
    static ValueStateDescriptor<KeyState> stateDescriptor() {
        return new ValueStateDescriptor<>("vecrnn-key-state", KeyStateSerializer.INSTANCE);
    }

    StepCore(StepModel source) {
        if (source == null) throw new IllegalArgumentException("model: expected a StepModel, got null");
        this.source = source;
    }

    void resetAfterIdle(long millis) {
        if (millis < 0) throw new IllegalArgumentException("millis: expected >= 0, got " + millis);
        this.idleMillis = millis;
    }

    void maxSteps(long n) {
        if (n < 0) throw new IllegalArgumentException("n: expected >= 0, got " + n);
        this.maxSteps = n;
    }

    void onModelChange(RecurrentStepFunction.ModelChange policy) {
        if (policy == null) throw new IllegalArgumentException("policy: expected a ModelChange, got null");
        this.modelChange = policy;
    }

    /** Loads the model and registers the metrics in the operator's group; logs which kernels step it. */
    void open(MetricGroup group, Logger log) throws IOException {
        model = source.load();
        String described = model.stateLayout();
        layout = StateLayout.fingerprint(described);
        steps = group.counter("vecrnnSteps");
        refused = group.counter("vecrnnRefused");
        resets = group.counter("vecrnnResets");
        modelChanges = group.counter("vecrnnModelChanges");
        stepNanos = group.histogram("vecrnnStepNanos", new DescriptiveStatisticsHistogram(1024));
        String why = Kernels.whyNoPanama();
        if (why == null) {
            log.info("vecrnn: model version {} loaded ({} inputs, {} outputs, {} state floats a key: {}), kernels {}: {}",
                    source.version(), model.inputs(), model.outputs(), model.stateSize(), described, Kernels.get().name(), Kernels.get().shape());
        } else {
            log.warn("vecrnn: model version {} loaded, on the scalar kernels: {}{}", source.version(), why, clusterHint(why));
        }
    }

    /**
     * Where a missing {@code --add-modules} goes on a cluster; nothing for the other reasons (no FMA, no C2, a
     * narrow vector), whose flag, if any, is to be removed rather than added.
     */
    static String clusterHint(String why) {
        return why.contains("--add-modules") ? "; on a cluster that option goes in env.java.opts.taskmanager" : "";
    }

    /** Why the event cannot be stepped, or null. */
    String refusal(FeatureEvent e) {
        if (e == null || e.features == null) return "no features";
        if (e.features.length != model.inputs()) {
            return "expected " + model.inputs() + " features, got " + e.features.length;
        }
        for (int i = 0; i < e.features.length; i++) {
            if (!Float.isFinite(e.features[i])) return "feature " + i + " is " + e.features[i] + ", expected a finite number";
        }
        return null;
    }

    /**
     * The state a key's next event steps from, given what Flink holds for it (null: nothing). A state of this
     * model version and layout steps on; one of another version or another layout is a model change
     * ({@link #modelChange}): under {@code CONTINUE_IF_SAME_SIZE} a state of the same layout continues and one of
     * another layout starts over, under {@code RESET} every one starts over. A state from a savepoint of before
     * layouts were kept (format 3, {@link StateLayout#UNKNOWN}) is judged as it was then: by its version, and on
     * a change by its float count; it takes this model's layout when it continues. A state at the length cap
     * starts over, and a new state is zeros. Counts model changes and resets. Per event, while nothing changes,
     * this is one comparison of the state's version and layout against this task's, and allocates nothing.
     */
    KeyState begin(KeyState s, long now) {
        long version = source.version();
        if (s != null && ((s.modelVersion ^ version) | (s.layout ^ layout)) != 0) s = changed(s, version);
        if (s != null && maxSteps > 0 && s.steps >= maxSteps) {
            resets.inc();
            s = null;
        }
        return s != null ? s : new KeyState(version, layout, 0, now, new float[model.stateSize()]);
    }

    /** A state of another model version or layout: the same state to continue from, now stamped as this model's, or null. */
    private KeyState changed(KeyState s, long version) {
        boolean unknown = s.layout == StateLayout.UNKNOWN, sameCount = s.state.length == model.stateSize();
        if (!(unknown && s.modelVersion == version && sameCount)) { // else: this model, restored from format 3
            modelChanges.inc();
            boolean sameLayout = unknown ? sameCount : s.layout == layout;
            if (modelChange == RecurrentStepFunction.ModelChange.RESET || !sameLayout) {
                resets.inc();
                return null;
            }
        }
        s.modelVersion = version;
        s.layout = layout;
        return s;
    }

    /** After a key's step at processing time {@code now}. */
    void stepped(KeyState s, long now) {
        s.steps++;
        s.lastSeen = now;
        steps.inc();
    }

    /** Whether the idle timer firing at {@code timestamp} clears {@code s} (counted as a reset when it does). */
    boolean expired(KeyState s, long timestamp) {
        if (s == null || idleMillis <= 0 || timestamp < s.lastSeen + idleMillis) return false;
        resets.inc();
        return true;
    }
}
