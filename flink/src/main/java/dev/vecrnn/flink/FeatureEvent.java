package dev.vecrnn.flink;

import java.util.Arrays;

/**
 * One event of one stream: its key (the stream: a card, a device, a user), its own id (echoed in the output,
 * for deduplication by at-least-once sinks) and the feature vector the model steps on. A Flink POJO: public
 * fields and a no-argument constructor, serialized by Flink's POJO serializer (float[] by its primitive-array
 * serializer, not Kryo).
 */
public class FeatureEvent {
    public String key;
    public long id;
    public float[] features;

    public FeatureEvent() {
    }

    public FeatureEvent(String key, long id, float[] features) {
        this.key = key;
        this.id = id;
        this.features = features;
    }

    public String getKey() {
        return key;
    }

    @Override
    public String toString() {
        return "FeatureEvent{" + key + ", " + id + ", " + Arrays.toString(features) + "}";
    }
}
