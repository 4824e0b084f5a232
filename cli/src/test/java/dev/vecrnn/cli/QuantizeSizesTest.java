package dev.vecrnn.cli;

import dev.vecrnn.kernels.Precision;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** quantize's size line: a copy larger than its model (a tiny one, where the scales weigh) said "0.60x smaller". */
class QuantizeSizesTest {
    @Test
    void smallerAndLargerCopiesAreNamedSo() {
        assertEquals("int8: 1,000 bytes -> 400 bytes (2.50x smaller)", QuantizeCommand.sizes(Precision.INT8, 1000, 400));
        assertEquals("bf16: 600 bytes -> 1,000 bytes (1.67x larger)", QuantizeCommand.sizes(Precision.BF16, 600, 1000));
        assertEquals("int8: 500 bytes -> 500 bytes (1.00x smaller)", QuantizeCommand.sizes(Precision.INT8, 500, 500));
    }
}
