package dev.vecrnn.bench;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Where the batch-1 int8 product's time goes: the streaming tile of {@code PanamaQuantized} (eight chunks of L rows,
 * one broadcast of x[k] and eight weight vectors per column) in three forms on one 4H x 2H matrix:
 * <ul>
 *   <li>{@link #fp32}: float weights, no widening at all;</li>
 *   <li>{@link #sext}: int8 weights sign-extended and converted to float as they are loaded (the library's form);</li>
 *   <li>{@link #magic}: four int8 weights to an int lane (four panels interleaved by byte, stored biased by 128), each
 *       widened by a shift and a mask-and-or into the mantissa of a float in [1, 2) (no conversion instruction; the
 *       and-or can be one vpternlogd at 512 bits), the bias taken out once per row: {@code 256 (sum - 1.5 sum(x))}.</li>
 * </ul>
 * At H = 32 the float weights (32 KiB) and at H = 64 the int8 ones sit in L1, so there the three read alike: were
 * the int8 forms slower than fp32 there, the widening would be what bounds them. The forms' expressions are written
 * inline in the loops: as small helper methods C2 did not always inline them, and boxed their vectors.
 * An experiment kept in the bench, as {@link Int8FormsBench} is: the library keeps {@link #sext} (see README).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class Int8TileBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    @Param({"32", "64", "256"})
    public int size;
    int st8, st32;
    int rows, cols;
    float[] w32;
    byte[] w8;       // panels of L rows: panel p, column k: L bytes at p*cols*L + k*L
    int[] wq;        // groups of 4 panels: group g, column k: L ints at g*cols*L + k*L; byte i of int j = panel 4g+i row j, +128
    float[] scale, x, out, out2;

    @Setup
    public void setup() {
        rows = 4 * size; cols = 2 * size;
        Random r = new Random(7);
        st8 = cols * L; st32 = cols * L; w8 = new byte[rows / L * st8 + 16]; w32 = new float[rows / L * st32];
        wq = new int[rows * cols / 4];
        int panels = rows / L;
        for (int p = 0; p < panels; p++)
            for (int k = 0; k < cols; k++)
                for (int j = 0; j < L; j++) {
                    byte b = (byte) (r.nextInt(255) - 127);
                    w8[p * st8 + k * L + j] = b; w32[p * st32 + k * L + j] = b;
                    int g = p / 4, i = p % 4;
                    wq[g * cols * L + k * L + j] |= ((b + 128) & 0xFF) << (8 * i);
                }
        scale = new float[rows];
        for (int i = 0; i < rows; i++) scale[i] = 0.01f;
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = r.nextFloat() * 2 - 1;
        out = new float[rows]; out2 = new float[rows];
        sext(); magic();
        double worst = 0, ref = 0;
        for (int i = 0; i < rows; i++) { worst = Math.max(worst, Math.abs(out[i] - out2[i])); ref = Math.max(ref, Math.abs(out[i])); }
        if (worst > 1e-3 * ref) throw new IllegalStateException("sext and magic differ by " + worst + " of " + ref);
    }

    static FloatVector i8(byte[] q, int off) {
        return (FloatVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2F, S, 0);
    }

    @Benchmark
    public float[] sext() {
        int panels = rows / L;
        for (int p = 0; p < panels; p += 8) {
            int w0 = p * st8, st = st8;
            int w1 = w0 + st, w2 = w1 + st, w3 = w2 + st, w4 = w3 + st, w5 = w4 + st, w6 = w5 + st, w7 = w6 + st;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0; k < cols; k++) {
                FloatVector v = FloatVector.broadcast(S, x[k]);
                int kk = k * L;
                a0 = i8(w8, w0 + kk).fma(v, a0);
                a1 = i8(w8, w1 + kk).fma(v, a1);
                a2 = i8(w8, w2 + kk).fma(v, a2);
                a3 = i8(w8, w3 + kk).fma(v, a3);
                a4 = i8(w8, w4 + kk).fma(v, a4);
                a5 = i8(w8, w5 + kk).fma(v, a5);
                a6 = i8(w8, w6 + kk).fma(v, a6);
                a7 = i8(w8, w7 + kk).fma(v, a7);
            }
            int o = p * L;
            a0.mul(FloatVector.fromArray(S, scale, o)).intoArray(out, o);
            a1.mul(FloatVector.fromArray(S, scale, o + L)).intoArray(out, o + L);
            a2.mul(FloatVector.fromArray(S, scale, o + 2 * L)).intoArray(out, o + 2 * L);
            a3.mul(FloatVector.fromArray(S, scale, o + 3 * L)).intoArray(out, o + 3 * L);
            a4.mul(FloatVector.fromArray(S, scale, o + 4 * L)).intoArray(out, o + 4 * L);
            a5.mul(FloatVector.fromArray(S, scale, o + 5 * L)).intoArray(out, o + 5 * L);
            a6.mul(FloatVector.fromArray(S, scale, o + 6 * L)).intoArray(out, o + 6 * L);
            a7.mul(FloatVector.fromArray(S, scale, o + 7 * L)).intoArray(out, o + 7 * L);
        }
        return out;
    }

    @Benchmark
    public float[] fp32() {
        int panels = rows / L;
        for (int p = 0; p < panels; p += 8) {
            int w0 = p * st32, st = st32;
            int w1 = w0 + st, w2 = w1 + st, w3 = w2 + st, w4 = w3 + st, w5 = w4 + st, w6 = w5 + st, w7 = w6 + st;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0; k < cols; k++) {
                FloatVector v = FloatVector.broadcast(S, x[k]);
                int kk = k * L;
                a0 = FloatVector.fromArray(S, w32, w0 + kk).fma(v, a0);
                a1 = FloatVector.fromArray(S, w32, w1 + kk).fma(v, a1);
                a2 = FloatVector.fromArray(S, w32, w2 + kk).fma(v, a2);
                a3 = FloatVector.fromArray(S, w32, w3 + kk).fma(v, a3);
                a4 = FloatVector.fromArray(S, w32, w4 + kk).fma(v, a4);
                a5 = FloatVector.fromArray(S, w32, w5 + kk).fma(v, a5);
                a6 = FloatVector.fromArray(S, w32, w6 + kk).fma(v, a6);
                a7 = FloatVector.fromArray(S, w32, w7 + kk).fma(v, a7);
            }
            int o = p * L;
            a0.mul(FloatVector.fromArray(S, scale, o)).intoArray(out, o);
            a1.mul(FloatVector.fromArray(S, scale, o + L)).intoArray(out, o + L);
            a2.mul(FloatVector.fromArray(S, scale, o + 2 * L)).intoArray(out, o + 2 * L);
            a3.mul(FloatVector.fromArray(S, scale, o + 3 * L)).intoArray(out, o + 3 * L);
            a4.mul(FloatVector.fromArray(S, scale, o + 4 * L)).intoArray(out, o + 4 * L);
            a5.mul(FloatVector.fromArray(S, scale, o + 5 * L)).intoArray(out, o + 5 * L);
            a6.mul(FloatVector.fromArray(S, scale, o + 6 * L)).intoArray(out, o + 6 * L);
            a7.mul(FloatVector.fromArray(S, scale, o + 7 * L)).intoArray(out, o + 7 * L);
        }
        return out;
    }

    /** A byte's place at the top of a float mantissa (bits 15-22), and the bits of 1.0f. */
    static final int MANT = 0x007F8000, ONE = 0x3F800000;

    @Benchmark
    public float[] magic() {
        float sx = 0;
        for (int k = 0; k < cols; k++) sx += x[k];
        float off = 1.5f * sx;
        int groups = rows / L / 4;
        for (int g = 0; g < groups; g += 2) {
            int w0 = g * cols * L, w1 = w0 + cols * L;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0; k < cols; k++) {
                FloatVector v = FloatVector.broadcast(S, x[k]);
                int kk = k * L;
                IntVector q0 = IntVector.fromArray(SI, wq, w0 + kk), q1 = IntVector.fromArray(SI, wq, w1 + kk);
                a0 = q0.lanewise(VectorOperators.LSHL, 15).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a0);
                a1 = q0.lanewise(VectorOperators.LSHL, 7).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a1);
                a2 = q0.lanewise(VectorOperators.LSHR, 1).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a2);
                a3 = q0.lanewise(VectorOperators.LSHR, 9).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a3);
                a4 = q1.lanewise(VectorOperators.LSHL, 15).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a4);
                a5 = q1.lanewise(VectorOperators.LSHL, 7).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a5);
                a6 = q1.lanewise(VectorOperators.LSHR, 1).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a6);
                a7 = q1.lanewise(VectorOperators.LSHR, 9).lanewise(VectorOperators.AND, MANT).lanewise(VectorOperators.OR, ONE).reinterpretAsFloats().fma(v, a7);
            }
            int o = g * 4 * L;
            FloatVector c = FloatVector.broadcast(S, off);
            a0.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o)).intoArray(out2, o);
            a1.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o + L)).intoArray(out2, o + L);
            a2.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o + 2 * L)).intoArray(out2, o + 2 * L);
            a3.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o + 3 * L)).intoArray(out2, o + 3 * L);
            a4.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o + 4 * L)).intoArray(out2, o + 4 * L);
            a5.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o + 5 * L)).intoArray(out2, o + 5 * L);
            a6.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o + 6 * L)).intoArray(out2, o + 6 * L);
            a7.sub(c).mul(256f).mul(FloatVector.fromArray(S, scale, o + 7 * L)).intoArray(out2, o + 7 * L);
        }
        return out2;
    }
}
