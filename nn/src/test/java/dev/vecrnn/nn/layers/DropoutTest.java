package dev.vecrnn.nn.layers;

import dev.vecrnn.nn.Batch;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Dropout at the ends of PyTorch's range [0, 1]. */
class DropoutTest {
    private static final float[] X = {1.5f, -2f, 0.25f, 3f, -0.5f, 4f};

    /**
     * p = 1 is legal in torch.nn.Dropout: in training every value is zeroed and so is every gradient (torch 1.13:
     * {@code F.dropout(x, 1.0, training=True)} is all zeros, its grad too), where 1/(1-p) would have scaled by infinity.
     */
    @Test
    void pOneZeroesEveryValueAndGradientInTraining() {
        Dropout d = new Dropout(1f);
        Layer.Out out = d.forward(Batch.vectors(X.clone(), 2, 3), true, new Random(7));
        // zeros as torch gives them: -0.0 where x is negative (x * 0), so compared as numbers
        for (float v : out.output().data()) assertEquals(0f, v, 0f);
        Batch grad = d.backward(out.cache(), Batch.vectors(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertArrayEquals(new float[6], grad.data());
        // in inference it is the identity, as at any p
        assertArrayEquals(X, d.forward(Batch.vectors(X.clone(), 2, 3), false, null).output().data());
    }

    /** p = 0 keeps everything, unscaled. */
    @Test
    void pZeroKeepsEveryValue() {
        Layer.Out out = new Dropout(0f).forward(Batch.vectors(X.clone(), 2, 3), true, new Random(7));
        assertArrayEquals(X, out.output().data());
        assertEquals(6, out.output().data().length);
    }
}
