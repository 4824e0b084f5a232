package dev.vecrnn.flink;

/** An event the operator did not step (to the side output {@link RecurrentStepFunction#REFUSED}), and why. */
public class Refused {
    public String key;
    public long id;
    public String reason;

    public Refused() {
    }

    public Refused(String key, long id, String reason) {
        this.key = key;
        this.id = id;
        this.reason = reason;
    }

    @Override
    public String toString() {
        return "Refused{" + key + ", " + id + ": " + reason + "}";
    }
}
