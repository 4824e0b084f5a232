package dev.vecrnn.flink;

import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a key's state floats mean, as text and as a 64-bit fingerprint kept with every {@link KeyState}: the
 * recurrent stacks in the order the model's state lays them out ({@code ModelState.copyTo}: each stack's h of
 * every layer, then for an LSTM its c), each by cell type, layers, directions, hidden size and projection
 * size. Derived from the model's configuration, never from its weights, so new weights of the same shapes
 * keep the fingerprint, and any change of the state's meaning (an LSTM of 8 units after a GRU of 16, both 16
 * floats; one stack of two layers after two stacks of one) changes it. A stack's input size, bias and dropout
 * are left out: they change the weights, not what the state floats are.
 */
final class StateLayout {
    /** The fingerprint of a state written before fingerprints were kept (format 3): unknown. */
    static final long UNKNOWN = 0;

    private StateLayout() {
    }

    /** One recurrent stack (a PyTorch network, or one recurrent layer of a model). */
    static String of(RecurrentConfig c) {
        return c.type().name() + "(layers " + c.numLayers() + ", directions " + c.directions() + ", hidden "
                + c.hiddenSize() + ", proj " + c.projSize() + ")";
    }

    /**
     * A model's recurrent layers in order, then, should the model's state hold more floats than they account
     * for (a stateful layer of another kind), that remainder, so that it is not silently ignored.
     */
    static String of(Model m, int stateSize) {
        StringBuilder sb = new StringBuilder();
        int floats = 0;
        for (Layer l : m.layers()) {
            if (!(l instanceof RecurrentLayer r)) continue;
            RecurrentConfig c = r.recurrent().config();
            if (sb.length() > 0) sb.append(" + ");
            sb.append(of(c));
            floats += floats(c);
        }
        if (floats != stateSize) sb.append(sb.length() > 0 ? " + " : "").append("other state (").append(stateSize - floats).append(" floats)");
        return sb.length() > 0 ? sb.toString() : "none";
    }

    /** The floats a unidirectional stack carries: h of every layer, and c of every layer for an LSTM. */
    private static int floats(RecurrentConfig c) {
        return c.numLayers() * c.outputHidden() + (c.type() == CellType.LSTM ? c.numLayers() * c.hiddenSize() : 0);
    }

    /** The first 8 bytes of the SHA-256 of the description's UTF-8, never {@link #UNKNOWN}. */
    static long fingerprint(String layout) {
        byte[] d;
        try {
            d = MessageDigest.getInstance("SHA-256").digest(("vecrnn-state-layout/1 " + layout).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
        long f = 0;
        for (int i = 0; i < 8; i++) f = f << 8 | (d[i] & 0xff);
        return f == UNKNOWN ? 1 : f;
    }
}
