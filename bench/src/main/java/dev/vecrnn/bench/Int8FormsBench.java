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
 * Issue 16 asks for the fastest int8 product the Vector API allows, measured in both forms it offers, as
 * there is no widening int8 dot product (VNNI's vpdpbusd, AVX2's vpmaddubsw) to call:
 * <ul>
 *   <li>{@link #dequantizeInRegisters}: each weight sign-extended and converted to float, then the fp32
 *       FMA against x, the row's scale once at the end (what {@code QuantizedGates} does);</li>
 *   <li>{@link #integerLanes}: x quantized to int8 once per call (one scale, as ONNX Runtime's dynamic
 *       quantization does), weights sign-extended to int lanes and multiplied and added in int32; one
 *       conversion and both scales at the end.</li>
 * </ul>
 * Same layout for both (panels of L rows, L the float lanes; a column of a panel is L consecutive bytes),
 * a tile of 4 panels, batch 1, the LSTM shape: 4H rows by 2H columns. {@link #fp32} is the same tile on
 * float weights. This is an experiment kept in the bench: the library keeps the first form (see README).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class Int8FormsBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    /** H: the matrix is 4H x 2H (an LSTM's W_ih and W_hh side by side). */
    @Param({"256", "1024"})
    public int size;

    private int rows;
    private int cols;
    private byte[] w8;
    private float[] w32;
    private float[] rowScale;
    private float[] x;
    private byte[] xq;
    private float[] out;

    @Setup
    public void setup() {
        rows = 4 * size;
        cols = 2 * size;
        Random r = new Random(BenchInputs.SEED);
        w8 = new byte[rows * cols + 16]; // at 128 bits the 8-byte load of the last column reads 4 bytes past it
        w32 = new float[rows * cols];
        for (int i = 0; i < w32.length; i++) {
            w8[i] = (byte) (r.nextInt(255) - 127);
            w32[i] = w8[i] * 0.01f;
        }
        rowScale = new float[rows];
        for (int i = 0; i < rows; i++) rowScale[i] = 0.01f;
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = r.nextFloat() * 2 - 1;
        xq = new byte[cols];
        out = new float[rows];
        // each form against the product in double: fp32 and dequantized carry only float rounding; integer
        // lanes also x's quantization (at most half of x's step per element)
        double[] want = new double[rows];
        double worst = 0;
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) want[i] += (double) w32[(i / L * cols + k) * L + i % L] * x[k];
            worst = Math.max(worst, Math.abs(want[i]));
        }
        check("fp32", fp32(), want, 1e-4 * worst);
        check("dequantizeInRegisters", dequantizeInRegisters(), want, 1e-4 * worst);
        check("integerLanes", integerLanes(), want, 2e-2 * worst);
    }

    private static void check(String form, float[] got, double[] want, double tol) {
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(got[i] - want[i]) <= tol)) {
                throw new IllegalStateException(form + ": row " + i + " is " + got[i] + ", expected " + want[i] + " within " + tol);
            }
        }
    }

    @Benchmark
    public float[] dequantizeInRegisters() {
        for (int p = 0; p < rows / L; p += 4) {
            int b0 = p * cols * L, b1 = b0 + cols * L, b2 = b1 + cols * L, b3 = b2 + cols * L;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < cols; k++) {
                FloatVector v = FloatVector.broadcast(S, x[k]);
                int o = k * L;
                a0 = ((FloatVector) ByteVector.fromArray(B, w8, b0 + o).convertShape(VectorOperators.B2F, S, 0)).fma(v, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, w8, b1 + o).convertShape(VectorOperators.B2F, S, 0)).fma(v, a1);
                a2 = ((FloatVector) ByteVector.fromArray(B, w8, b2 + o).convertShape(VectorOperators.B2F, S, 0)).fma(v, a2);
                a3 = ((FloatVector) ByteVector.fromArray(B, w8, b3 + o).convertShape(VectorOperators.B2F, S, 0)).fma(v, a3);
            }
            int r = p * L;
            a0.mul(FloatVector.fromArray(S, rowScale, r)).intoArray(out, r);
            a1.mul(FloatVector.fromArray(S, rowScale, r + L)).intoArray(out, r + L);
            a2.mul(FloatVector.fromArray(S, rowScale, r + 2 * L)).intoArray(out, r + 2 * L);
            a3.mul(FloatVector.fromArray(S, rowScale, r + 3 * L)).intoArray(out, r + 3 * L);
        }
        return out;
    }

    @Benchmark
    public float[] integerLanes() {
        // x to int8 with one symmetric scale, every call (the activations change every step)
        float max = 0;
        for (float v : x) max = Math.max(max, Math.abs(v));
        float xScale = max == 0 ? 1 : max / 127;
        float inv = 1 / xScale;
        for (int k = 0; k < cols; k++) xq[k] = (byte) Math.round(x[k] * inv);
        for (int p = 0; p < rows / L; p += 4) {
            int b0 = p * cols * L, b1 = b0 + cols * L, b2 = b1 + cols * L, b3 = b2 + cols * L;
            IntVector a0 = IntVector.zero(I), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < cols; k++) {
                IntVector v = IntVector.broadcast(I, xq[k]);
                int o = k * L;
                a0 = a0.add(((IntVector) ByteVector.fromArray(B, w8, b0 + o).convertShape(VectorOperators.B2I, I, 0)).mul(v));
                a1 = a1.add(((IntVector) ByteVector.fromArray(B, w8, b1 + o).convertShape(VectorOperators.B2I, I, 0)).mul(v));
                a2 = a2.add(((IntVector) ByteVector.fromArray(B, w8, b2 + o).convertShape(VectorOperators.B2I, I, 0)).mul(v));
                a3 = a3.add(((IntVector) ByteVector.fromArray(B, w8, b3 + o).convertShape(VectorOperators.B2I, I, 0)).mul(v));
            }
            int r = p * L;
            ((FloatVector) a0.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(S, rowScale, r)).mul(xScale).intoArray(out, r);
            ((FloatVector) a1.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(S, rowScale, r + L)).mul(xScale).intoArray(out, r + L);
            ((FloatVector) a2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(S, rowScale, r + 2 * L)).mul(xScale)
                    .intoArray(out, r + 2 * L);
            ((FloatVector) a3.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(S, rowScale, r + 3 * L)).mul(xScale)
                    .intoArray(out, r + 3 * L);
        }
        return out;
    }

    @Benchmark
    public float[] fp32() {
        for (int p = 0; p < rows / L; p += 4) {
            int b0 = p * cols * L, b1 = b0 + cols * L, b2 = b1 + cols * L, b3 = b2 + cols * L;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < cols; k++) {
                FloatVector v = FloatVector.broadcast(S, x[k]);
                int o = k * L;
                a0 = FloatVector.fromArray(S, w32, b0 + o).fma(v, a0);
                a1 = FloatVector.fromArray(S, w32, b1 + o).fma(v, a1);
                a2 = FloatVector.fromArray(S, w32, b2 + o).fma(v, a2);
                a3 = FloatVector.fromArray(S, w32, b3 + o).fma(v, a3);
            }
            int r = p * L;
            a0.intoArray(out, r);
            a1.intoArray(out, r + L);
            a2.intoArray(out, r + 2 * L);
            a3.intoArray(out, r + 3 * L);
        }
        return out;
    }
}
