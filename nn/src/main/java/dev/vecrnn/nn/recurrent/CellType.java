package dev.vecrnn.nn.recurrent;

import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.nn.io.internal.Untrusted;

/** The recurrent cells, named as in PyTorch's {@code mode} strings and vecrnn's config files. */
public enum CellType {
    RNN_TANH(PackedGates.Cell.RNN), RNN_RELU(PackedGates.Cell.RNN), LSTM(PackedGates.Cell.LSTM), GRU(PackedGates.Cell.GRU);

    final PackedGates.Cell packing;

    CellType(PackedGates.Cell packing) {
        this.packing = packing;
    }

    public int gates() {
        return packing.gates;
    }

    /** Parses LSTM, GRU, RNN_TANH, RNN_RELU (also RNN = RNN_TANH), case-insensitively. */
    public static CellType parse(String name) {
        if (name == null) throw new IllegalArgumentException("cell type name: expected LSTM, GRU, RNN_TANH or RNN_RELU, got null");
        String u = name.trim().toUpperCase(java.util.Locale.ROOT);
        if (u.equals("RNN")) return RNN_TANH;
        for (CellType t : values()) if (t.name().equals(u)) return t;
        throw new IllegalArgumentException("cell type: expected LSTM, GRU, RNN_TANH or RNN_RELU, got " + Untrusted.quote(name));
    }
}
