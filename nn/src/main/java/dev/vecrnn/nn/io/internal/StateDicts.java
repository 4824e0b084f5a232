package dev.vecrnn.nn.io.internal;

import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The checks every {@code loadStateDict} makes before it copies anything, so that a refused dict leaves
 * the weights (and what is derived from them) exactly as they were: every expected name present, not null
 * and of its shape, and, for a whole model or stack, no other name.
 * <p>Internal: public for the recurrent, layers, model and train packages.
 */
@Internal
public final class StateDicts {
    private StateDicts() {
    }

    /** The names and shapes of {@code sd}, in its order. */
    public static Map<String, int[]> shapes(Map<String, Tensor> sd) {
        Map<String, int[]> out = new LinkedHashMap<>();
        sd.forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    /**
     * Checks that {@code given} holds {@code prefix + name} for every name of {@code expected}, not null and
     * of its shape, and, when {@code exact}, nothing else.
     *
     * @param context appended to the message about unexpected tensors (for example " for " + config)
     * @throws IllegalArgumentException naming the missing tensors, the first misshapen one, or the unexpected ones
     */
    public static void check(Map<String, Tensor> given, String prefix, Map<String, int[]> expected, boolean exact, String context) {
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) if (!given.containsKey(prefix + name)) missing.add(prefix + name);
        if (missing.size() == 1) throw new IllegalArgumentException("state dict: missing tensor " + Untrusted.quote(missing.get(0)));
        if (!missing.isEmpty()) throw new IllegalArgumentException("state dict: missing tensors " + Untrusted.list(missing));
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            String name = prefix + e.getKey();
            Tensor t = given.get(name);
            if (t == null) throw new IllegalArgumentException("state dict: tensor " + Untrusted.quote(name) + " is null");
            t.requireShape(name, e.getValue());
        }
        if (exact && given.size() != expected.size()) {
            TreeSet<String> unexpected = new TreeSet<>();
            for (String name : given.keySet()) {
                if (name == null) throw new IllegalArgumentException("state dict: expected tensor names, got a null name");
                if (!name.startsWith(prefix) || !expected.containsKey(name.substring(prefix.length()))) unexpected.add(name);
            }
            throw new IllegalArgumentException("state dict: unexpected tensors " + Untrusted.list(unexpected) + context);
        }
    }

    /**
     * Removes {@code prefix + name} for every name of {@code expected} from {@code in} and returns them by
     * name (without prefix), after checking them all as {@link #check} does: when one is missing or
     * misshapen, nothing is removed.
     */
    public static Map<String, Tensor> take(Map<String, Tensor> in, String prefix, Map<String, int[]> expected) {
        check(in, prefix, expected, false, "");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : expected.keySet()) out.put(name, in.remove(prefix + name));
        return out;
    }
}
