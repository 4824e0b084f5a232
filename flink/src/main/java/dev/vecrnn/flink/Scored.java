package dev.vecrnn.flink;

import java.util.Arrays;

/** The model's output for one event: the key, the event's id, the key's step count after it, and the outputs. */
public class Scored {
    public String key;
    public long id;
    /** Steps this key's state has taken since it was last (re)started, this event's included. */
    public long step;
    public float[] outputs;

    public Scored() {
    }

    public Scored(String key, long id, long step, float[] outputs) {
        this.key = key;
        this.id = id;
        this.step = step;
        this.outputs = outputs;
    }

    @Override
    public String toString() {
        return "Scored{" + key + ", " + id + ", step " + step + ", " + Arrays.toString(outputs) + "}";
    }
}
