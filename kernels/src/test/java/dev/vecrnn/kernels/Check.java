package dev.vecrnn.kernels;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs one kernel call on every implementation and checks what it did: each output element against its
 * double reference within {@link #SLACK} times the reference's bound ({@link Fp}); every cell of an
 * output array outside its region still the guard; the read-only inputs unchanged; a second run giving
 * the same bits (horizontal sums add their lanes in a fixed order, not with reduceLanes, whose order
 * changes when C2 compiles it); and the two implementations within {@code 2 * SLACK} bounds of each other.
 *
 * <p>SLACK 2: the bounds are first order and follow one evaluation order; the kernels may fuse, reorder
 * and reassociate.
 */
final class Check {
    static final double SLACK = 2;

    private record Out(String name, int off, int rows, int cols, int ld, Fp[] ref, boolean guarded) {
    }

    private final String what;
    private final List<Out> outs = new ArrayList<>();
    private final Map<float[], float[]> readOnly = new IdentityHashMap<>();

    Check(String what) {
        this.what = what;
    }

    /** A {@code [rows, cols]} output at {@code off} with stride {@code ld}; {@code ref} row-major [rows * cols]. */
    Check matrix(String name, int off, int rows, int cols, int ld, Fp[] ref) {
        if (ref.length != rows * cols) throw new IllegalArgumentException("reference of " + name);
        outs.add(new Out(name, off, rows, cols, ld, ref, true));
        return this;
    }

    Check vector(String name, int off, Fp[] ref) {
        return matrix(name, off, 1, ref.length, ref.length, ref);
    }

    /** An output array with no guards, compared whole (an unpacked gradient, a returned scalar). */
    Check whole(String name, Fp[] ref) {
        outs.add(new Out(name, 0, 1, ref.length, ref.length, ref, false));
        return this;
    }

    Check value(String name, Fp ref) {
        return whole(name, new Fp[] {ref});
    }

    /** Arrays the call must not change. */
    Check readOnly(float[]... arrays) {
        for (float[] a : arrays) if (a != null) readOnly.put(a, a.clone());
        return this;
    }

    /**
     * {@code call} runs the kernel on k with fresh copies of its in/out arrays and returns them by the
     * names given to {@link #matrix} and the others.
     */
    void on(Function<Kernels, Map<String, float[]>> call) {
        Map<String, Map<String, float[]>> results = new LinkedHashMap<>();
        for (Kernels k : Impls.all()) {
            Map<String, float[]> got = call.apply(k);
            for (Out o : outs) {
                float[] a = got.get(o.name);
                assertNotNull(a, what + ": the call returned no " + o.name);
                againstReference(k.name(), o, a);
                if (o.guarded) guardsIntact(k.name(), o, a);
            }
            readOnly.forEach((a, before) -> {
                for (int i = 0; i < a.length; i++) {
                    if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(before[i])) {
                        fail(k.name() + " " + what + ": changed a read-only input at index " + i + " from "
                                + before[i] + " to " + a[i]);
                    }
                }
            });
            Map<String, float[]> again = call.apply(k);
            for (Out o : outs) {
                float[] a = got.get(o.name), b = again.get(o.name);
                for (int i = 0; i < a.length; i++) {
                    if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                        fail(k.name() + " " + what + ": not deterministic in " + o.name + " at index " + i + ": " + a[i] + ", then " + b[i]);
                    }
                }
            }
            results.put(k.name(), got);
        }
        if (results.size() == 2) {
            var it = results.entrySet().iterator();
            var first = it.next();
            var second = it.next();
            for (Out o : outs) twins(first.getKey(), first.getValue().get(o.name), second.getKey(), second.getValue().get(o.name), o);
        }
    }

    private void againstReference(String impl, Out o, float[] a) {
        Worst w = new Worst();
        for (int i = 0; i < o.rows; i++) {
            for (int j = 0; j < o.cols; j++) {
                Fp r = o.ref[i * o.cols + j];
                w.see(i, j, a[o.off + i * o.ld + j], r.v(), SLACK * r.e());
            }
        }
        w.report(impl + " " + what + ": " + o.name + " against the double reference");
    }

    private void twins(String n1, float[] a, String n2, float[] b, Out o) {
        Worst w = new Worst();
        for (int i = 0; i < o.rows; i++) {
            for (int j = 0; j < o.cols; j++) {
                int at = o.off + i * o.ld + j;
                w.see(i, j, a[at], b[at], 2 * SLACK * o.ref[i * o.cols + j].e());
            }
        }
        w.report(what + ": " + o.name + ", " + n1 + " (got) against " + n2 + " (reference)");
    }

    private void guardsIntact(String impl, Out o, float[] a) {
        int guard = Float.floatToRawIntBits(Data.GUARD);
        for (int idx = 0; idx < a.length; idx++) {
            int rel = idx - o.off;
            boolean inside = rel >= 0 && o.rows > 0 && o.cols > 0 && rel / o.ld < o.rows && rel % o.ld < o.cols;
            if (!inside && Float.floatToRawIntBits(a[idx]) != guard) {
                fail(impl + " " + what + ": wrote " + a[idx] + " outside " + o.name + " at index " + idx + " (region: offset "
                        + o.off + ", [" + o.rows + ", " + o.cols + "], stride " + o.ld + ")");
            }
        }
    }

    /** The element farthest outside its tolerance, relative to the tolerance. */
    static final class Worst {
        private double ratio = -1;
        private String detail;

        void see(int i, int j, float got, double ref, double tol) {
            double r;
            if (Double.isNaN(ref)) r = Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
            else if (Double.isInfinite(ref) || Double.isInfinite(tol)) r = got == ref || Double.isInfinite(tol) ? 0 : Double.POSITIVE_INFINITY;
            else if (Float.isNaN(got)) r = Double.POSITIVE_INFINITY;
            else r = Math.abs(got - ref) / tol;
            if (r > ratio) {
                ratio = r;
                detail = "[" + i + ", " + j + "]: got " + got + ", reference " + ref + ", error " + Math.abs(got - ref)
                        + ", tolerance " + tol;
            }
        }

        void report(String what) {
            if (ratio > 1) fail(what + ": worst element " + detail);
        }
    }
}
