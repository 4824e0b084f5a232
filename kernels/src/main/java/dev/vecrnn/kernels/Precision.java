package dev.vecrnn.kernels;

/**
 * How a cell's gate weights are stored. Activations, states and biases are fp32 in every case; only the
 * weight matrices change.
 * <ul>
 *   <li>{@link #FP32}: as trained ({@link PackedGates}).</li>
 *   <li>{@link #BF16}: the upper 16 bits of each fp32 weight, rounded to nearest even: 8 bits of
 *       mantissa, the fp32 exponent range, half the bytes. Needs no calibration.</li>
 *   <li>{@link #INT8}: symmetric int8 with one scale per output row, separately for the input part
 *       ({@code W_ih}) and the recurrent part ({@code W_hh}): a quarter of the bytes.</li>
 * </ul>
 */
public enum Precision {
    FP32(4), BF16(2), INT8(1);

    private final int bytesPerWeight;

    Precision(int bytesPerWeight) {
        this.bytesPerWeight = bytesPerWeight;
    }

    /** Bytes one weight takes in this precision (scales and biases aside). */
    public int bytesPerWeight() {
        return bytesPerWeight;
    }
}
