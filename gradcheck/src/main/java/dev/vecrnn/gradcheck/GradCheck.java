package dev.vecrnn.gradcheck;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A finite-difference gradient checker in the spirit of {@code torch.autograd.gradcheck}, for the
 * float32 forward paths of vecrnn: each checked element of each input is perturbed in place, the loss
 * is re-evaluated through the production code, and the difference quotient is held against the
 * analytic gradient. The report names the worst element (largest error relative to its tolerance)
 * with both values and the tolerance used.
 *
 * <pre>{@code
 * GradCheck.Report r = GradCheck.check(() -> lossOf(net),
 *         List.of(GradCheck.Input.of("weight", w, dw), GradCheck.Input.of("x", x, dx)),
 *         GradCheck.Options.defaults().sample(40, seed));
 * r.assertPassed("seed " + seed);
 * }</pre>
 *
 * <h2>Why this step and evaluation</h2>
 * The forward runs in float32 (that is the code under test) and the loss is summed in double. Two
 * errors compete in a difference quotient with step h:
 * <ul>
 * <li><b>rounding</b>: float32 returns the loss with an error {@code e} of about
 *   {@code eps_f32 * |terms|} ({@code eps_f32 = 2^-24}; terms: the sizes of the values summed into the
 *   loss, grown by the depth of the computation). It behaves like noise (move an input by a few
 *   thousand ulps and the rounding pattern is new), and a difference quotient carries {@code e / h} of
 *   it: small steps are useless in float32 (torch's {@code h = 1e-6} would leave nothing but rounding).</li>
 * <li><b>truncation</b>: the central difference {@code D(h) = (f(x+h) - f(x-h)) / 2h} is
 *   {@code f' + h^2 f'''/6 + O(h^4)}. Richardson extrapolation over two steps,
 *   {@code R = (4 D(h/2) - D(h)) / 3}, cancels the {@code h^2} term and leaves about
 *   {@code h^4 f^(5) / 480}.</li>
 * </ul>
 * With Richardson the step can be large, and a large step divides the rounding by a large h. The
 * default {@code h = 2^-4} leaves a truncation near {@code 3e-8 |f^(5)|}, below what float32 resolves
 * for the smooth cells and activations here; a plain central difference would need {@code h} near
 * {@code 2^-8} to truncate as little and would carry ~6x more rounding (Richardson costs four
 * evaluations per element instead of two and its rounding is {@code 1.90 e/h} rather than
 * {@code 0.71 e/h}, as standard deviations). Where the function bends hard within a step
 * ({@code |D(h) - D(h/2)|} more than one tolerance) one more level is taken, {@code D(h/4)} and Romberg's
 * {@code (64 D(h/4) - 20 D(h/2) + D(h)) / 45}, with rounding {@code 4.07 e/h}. Richardson assumes the
 * {@code h^2} term dominates; where the {@code h^4} term is as large and of the other sign, the two cancel
 * in {@code D(h) - D(h/2)} and Richardson's own error ({@code h^4 f^(5) / 480} grown large) reached half
 * that difference (a tanh stack under two dropouts of 0.5: 2.5 tolerances apart, Richardson 1.17
 * tolerances off), so past one tolerance the third level decides. Steps are powers of two
 * (or 1024 ulps of x where that is larger, |x| > 2^10), so {@code x +- h} is usually exact in float32;
 * the quotient divides by the step actually taken, {@code (float)(x + h) - (float)(x - h)}, never the
 * intended one.
 *
 * <h2>Why these tolerances</h2>
 * An element passes when {@code |analytic - numeric| <= atol + rtol * |numeric| + noiseFactor * noise},
 * where {@code noise} is the standard deviation of the rounding in the numeric derivative
 * ({@code gain * sigma / h}, gains above) and {@code sigma} the rounding noise of the loss,
 * <em>measured</em> for each input before its elements are checked ({@link LossNoise}: ECnoise, the
 * sixth differences of 16 losses along each of 4 random directions) and floored at
 * {@code resolution * max(|f|, magnitude)} (float32's {@code 2^-24} by default: a loss of float32 values
 * cannot be resolved more finely than its terms, even where its arithmetic happens to be exact along the
 * probe; {@link LossFunction#magnitude()} gives the size of the terms where they cancel). So the
 * tolerance is as tight as the rounding of this very function allows: a loss computed in double is
 * checked almost exactly, a three-layer bidirectional LSTM within what its own rounding earns.
 * {@code noiseFactor = 10}: the worst of a few hundred elements is about 3.5 standard deviations out
 * for Gaussian noise, times the uncertainty of the estimate; in 15 runs of this module's suites
 * (29,000 checks of a few hundred elements each) the worst error reached 0.62 of its tolerance and one
 * check in a thousand passed 0.4, and, with the magnitude floor and the third level past one tolerance,
 * the recurrent suites at fifty times their tries at three vector widths (2,500 to 7,500 draws each)
 * reached 0.49. {@code rtol = 2e-4} absorbs the float32 rounding of the analytic
 * gradient itself (1e-6 to 1e-5 relative after a few steps of BPTT), the mismatch between the
 * derivative formulas and the approximate tanh/sigmoid kernels (2 ulp) and the truncation left after
 * extrapolation; it is fifty times tighter than a gradient off by 1%, and the suite proves that such
 * gradients (and a single wrong element, swapped elements, flipped signs) fail.
 *
 * <p>The function must be deterministic (the checker evaluates it twice at the start and refuses one
 * that is not; hold dropout masks fixed by re-seeding their random source inside the function) and
 * smooth within a step of every checked point (keep ReLU pre-activations and |x|'s kink more than a
 * step away). Every perturbed value is restored exactly, also when the function throws.
 */
public final class GradCheck {
    /** Standard deviations of the rounding in a numeric derivative, in units of sigma / h. */
    static final double PLAIN_GAIN = Math.sqrt(0.5);
    static final double RICHARDSON_GAIN = Math.sqrt(65.0 / 18.0);
    static final double ROMBERG_GAIN = Math.sqrt((64.0 * 64 * 8 + 20 * 20 * 2 + 0.5) / (45 * 45));
    /** Take the third step when D(h) and D(h/2) differ by more than this many tolerances. */
    private static final double REFINE = 1;

    private GradCheck() {
    }

    /**
     * The loss as a function of the current values of the inputs (named so as not to shadow
     * {@code java.util.function.Function}).
     */
    @FunctionalInterface
    public interface LossFunction {
        /**
         * The scalar loss at the current values of every input: the production float32 forward,
         * summed into a double. Must be deterministic.
         */
        double loss();

        /**
         * The size of what {@link #loss()} adds up, {@code sum |terms|}, at the current values: a float32
         * computation resolves the loss no finer than the resolution times this, however much the terms
         * cancel in the sum. By default {@code |loss()|}, right for a loss whose terms share a sign; a loss
         * such as {@code sum output_i * r_i} with weights of both signs can come out far smaller than its
         * terms, and then rounding that moves an output by an ulp moves the loss by far more than
         * {@code 2^-24 |loss|}.
         */
        default double magnitude() {
            return Math.abs(loss());
        }
    }

    /**
     * One input: its live values (perturbed in place and restored) and its analytic gradient, of the
     * same length, computed beforehand at the unperturbed values.
     */
    public record Input(String name, float[] values, float[] gradient) {
        public Input {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("name: expected a non-empty name, got " + name);
            if (values == null) throw new IllegalArgumentException(name + ": values expected non-null, got null");
            if (gradient == null || gradient.length != values.length) {
                throw new IllegalArgumentException(name + ": gradient expected length " + values.length + ", got "
                        + (gradient == null ? "null" : gradient.length));
            }
        }

        public static Input of(String name, float[] values, float[] gradient) {
            return new Input(name, values, gradient);
        }
    }

    /**
     * How to check: the step h, Richardson extrapolation or a plain central difference, the tolerances
     * (see the class javadoc), the loss's relative resolution and which elements. Immutable; each
     * {@code with...} returns a copy.
     */
    public record Options(double step, boolean richardson, double rtol, double atol, double noiseFactor,
                          double resolution, int maxElements, long sampleSeed) {
        public Options {
            if (!(step > 0 && step < 1)) throw new IllegalArgumentException("step: expected in (0, 1), got " + step);
            if (!(rtol >= 0 && rtol < 1)) throw new IllegalArgumentException("rtol: expected in [0, 1), got " + rtol);
            if (!(atol >= 0 && atol < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("atol: expected finite >= 0, got " + atol);
            if (!(noiseFactor >= 0 && noiseFactor < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("noiseFactor: expected finite >= 0, got " + noiseFactor);
            }
            if (!(resolution >= 0 && resolution < 1)) throw new IllegalArgumentException("resolution: expected in [0, 1), got " + resolution);
            if (maxElements < 1) throw new IllegalArgumentException("maxElements: expected >= 1, got " + maxElements);
        }

        /** h = 2^-4 with Richardson, rtol 2e-4, atol 0, noise factor 10, resolution 2^-24, every element. */
        public static Options defaults() {
            return new Options(0x1p-4, true, 2e-4, 0, 10, 0x1p-24, Integer.MAX_VALUE, 0);
        }

        /**
         * Plain central differences (two evaluations per element) with the step that suits them, 2^-8:
         * truncation {@code h^2 f'''/6} near {@code 3e-6 |f'''|}, rounding {@code 0.71 sigma / h}.
         */
        public static Options plainCentral() {
            return defaults().withRichardson(false).withStep(0x1p-8);
        }

        public Options withStep(double h) {
            return new Options(h, richardson, rtol, atol, noiseFactor, resolution, maxElements, sampleSeed);
        }

        /** Richardson's four evaluations per element, or a plain central difference's two; keeps the step. */
        public Options withRichardson(boolean on) {
            return new Options(step, on, rtol, atol, noiseFactor, resolution, maxElements, sampleSeed);
        }

        public Options withRtol(double r) {
            return new Options(step, richardson, r, atol, noiseFactor, resolution, maxElements, sampleSeed);
        }

        public Options withAtol(double a) {
            return new Options(step, richardson, rtol, a, noiseFactor, resolution, maxElements, sampleSeed);
        }

        /** 0 turns the noise term off (no noise is measured; then only atol and rtol count). */
        public Options withNoiseFactor(double k) {
            return new Options(step, richardson, rtol, atol, k, resolution, maxElements, sampleSeed);
        }

        /**
         * The relative resolution of the loss, a floor under the measured noise:
         * {@code sigma >= r * max(|f|, magnitude)} ({@link LossFunction#magnitude()}).
         * 2^-24 (float32's unit roundoff) by default, for a loss of float32 values; 2^-53 for a loss that
         * is computed in double from its (float) inputs.
         */
        public Options withResolution(double r) {
            return new Options(step, richardson, rtol, atol, noiseFactor, r, maxElements, sampleSeed);
        }

        /** Checks at most {@code max} elements per input, drawn without replacement from {@code seed} and the input's name. */
        public Options sample(int max, long seed) {
            return new Options(step, richardson, rtol, atol, noiseFactor, resolution, max, seed);
        }
    }

    /**
     * The outcome: the worst element (largest {@code |analytic - numeric| / tolerance}, the
     * {@code ratio}, at most 1 when passed) and what its check saw. {@code numericCoarse},
     * {@code numericFine} and {@code numericQuarter} are the central differences with steps h, h/2 and
     * h/4 (NaN where not taken); a large gap between them means the function bends hard, or is not
     * smooth, within a step of that point. {@code lossNoise} is the loss's rounding noise used for that
     * element's input (measured, floored at the resolution).
     */
    public record Report(boolean passed, String input, int index, double analytic, double numeric, double absError,
                         double relError, double tolerance, double ratio, int checked, int failed, double step,
                         double lossNoise, double numericCoarse, double numericFine, double numericQuarter,
                         Options options) {

        /** Throws an {@link AssertionError} whose message starts with {@code context} (say, the seed) unless passed. */
        public Report assertPassed(String context) {
            if (!passed) throw new AssertionError(context + ": " + this);
            return this;
        }

        @Override
        public String toString() {
            if (checked == 0) return "gradcheck: no element checked";
            double gain = !options.richardson() ? PLAIN_GAIN : Double.isNaN(numericQuarter) ? RICHARDSON_GAIN : ROMBERG_GAIN;
            StringBuilder sb = new StringBuilder();
            sb.append("gradcheck ").append(passed ? "passed" : "FAILED").append(": worst element ").append(input)
                    .append('[').append(index).append("] of ").append(checked).append(" checked");
            if (failed > 0) sb.append(", ").append(failed).append(" over tolerance");
            sb.append(String.format("%n  analytic %.9g, numeric %.9g", analytic, numeric));
            sb.append(String.format("%n  abs error %.3g (%.3g of the tolerance), rel error %.3g, tolerance %.3g"
                            + " = atol %.3g + rtol %.3g * |numeric| + %.3g * noise %.3g",
                    absError, ratio, relError, tolerance, options.atol(), options.rtol(), options.noiseFactor(),
                    gain * lossNoise / step));
            sb.append(String.format("%n  step %.6g, loss noise %.3g", step, lossNoise));
            if (options.richardson()) {
                sb.append(String.format(", D(h) %.9g, D(h/2) %.9g", numericCoarse, numericFine));
                if (!Double.isNaN(numericQuarter)) sb.append(String.format(", D(h/4) %.9g", numericQuarter));
            }
            return sb.toString();
        }
    }

    /** {@link #check(LossFunction, List, Options)} with the default options. */
    public static Report check(LossFunction f, List<Input> inputs) {
        return check(f, inputs, Options.defaults());
    }

    /**
     * Checks every input's analytic gradient against finite differences of {@code f}; see the class
     * javadoc for the step and tolerances. The values of every input are left exactly as found.
     *
     * @throws IllegalStateException    when {@code f} gives two different values at the same point
     * @throws IllegalArgumentException when {@code f} is not finite at the unperturbed point
     */
    public static Report check(LossFunction f, List<Input> inputs, Options opts) {
        if (f == null) throw new IllegalArgumentException("f: expected a function, got null");
        if (inputs == null || inputs.isEmpty()) throw new IllegalArgumentException("inputs: expected at least one input");
        if (opts == null) throw new IllegalArgumentException("opts: expected options, got null");
        double f0 = f.loss();
        double f1 = f.loss();
        if (!Double.isFinite(f0)) throw new IllegalArgumentException("f: expected a finite loss at the unperturbed point, got " + f0);
        if (Double.compare(f0, f1) != 0) {
            throw new IllegalStateException("f: not deterministic, gave " + f0 + " then " + f1
                    + " at the same point (re-seed every random source, dropout included, inside the function)");
        }
        double scale = opts.noiseFactor() > 0 ? Math.max(Math.abs(f0), f.magnitude()) : 0;
        Worst w = new Worst();
        for (Input in : inputs) {
            if (in.values().length == 0) continue;
            double sigma = 0;
            if (opts.noiseFactor() > 0) {
                double measured = LossNoise.sigma(f, in, opts.step(), new SplittableRandom(seedFor(in, opts) + 1));
                sigma = Math.max(measured, opts.resolution() * scale);
            }
            for (int i : sample(in, opts)) checkElement(f, in, i, sigma, opts, w);
        }
        return w.report(opts);
    }

    private static void checkElement(LossFunction f, Input in, int i, double sigma, Options o, Worst w) {
        float[] v = in.values();
        float x = v[i];
        double h = stepAt(x, o.step());
        double analytic = in.gradient()[i];
        double coarse;
        double fine = Double.NaN;
        double quarter = Double.NaN;
        double numeric;
        double tol;
        try {
            coarse = difference(f, v, i, x, h);
            if (!o.richardson()) {
                numeric = coarse;
                tol = tolerance(o, numeric, sigma, h, PLAIN_GAIN);
            } else {
                fine = difference(f, v, i, x, h / 2);
                numeric = fine + (fine - coarse) / 3;
                tol = tolerance(o, numeric, sigma, h, RICHARDSON_GAIN);
                if (Math.abs(fine - coarse) > REFINE * tol) {
                    quarter = difference(f, v, i, x, h / 4);
                    numeric = (64 * quarter - 20 * fine + coarse) / 45;
                    tol = tolerance(o, numeric, sigma, h, ROMBERG_GAIN);
                }
            }
        } finally {
            v[i] = x;
        }
        double err = Math.abs(analytic - numeric);
        double ratio;
        if (!Double.isFinite(numeric) || !Double.isFinite(analytic)) ratio = Double.POSITIVE_INFINITY;
        else if (tol == 0) ratio = err == 0 ? 0 : Double.POSITIVE_INFINITY;
        else ratio = err / tol;
        w.add(in.name(), i, analytic, numeric, err, tol, ratio, h, sigma, coarse, fine, quarter);
    }

    private static double tolerance(Options o, double numeric, double sigma, double h, double gain) {
        return o.atol() + o.rtol() * Math.abs(numeric) + o.noiseFactor() * gain * sigma / h;
    }

    /** (f(x + h) - f(x - h)) / (the step actually taken in float32); leaves v[i] at x. */
    private static double difference(LossFunction f, float[] v, int i, float x, double h) {
        float plus = (float) (x + h);
        float minus = (float) (x - h);
        v[i] = plus;
        double fp = f.loss();
        v[i] = minus;
        double fm = f.loss();
        v[i] = x;
        return (fp - fm) / ((double) plus - (double) minus);
    }

    /**
     * The step for value x: h, or 1024 ulps of x where that is larger (|x| > 2^10 for h = 2^-4), so that
     * x +- h always moves x by enough ulps to be resolved. Absolute rather than relative below that: the
     * scale on which a loss bends is set by the function (a logit of 20 bends as fast as one of 0), not
     * by |x|, and truncation grows with h^4.
     */
    static double stepAt(float x, double h) {
        double u = 1024.0 * Math.ulp(x);
        return Float.isFinite(x) && u > h ? u : h;
    }

    /** The indices of {@code in} that {@code opts} checks: all, or a seeded sample that depends on the input's name. */
    static int[] sample(Input in, Options opts) {
        return elements(in.values().length, opts.maxElements(), new SplittableRandom(seedFor(in, opts)));
    }

    private static long seedFor(Input in, Options opts) {
        return opts.sampleSeed() ^ (long) in.name().hashCode() * 0x9E3779B97F4A7C15L;
    }

    /** All indices, or max of them drawn without replacement (partial Fisher-Yates), in ascending order. */
    static int[] elements(int n, int max, SplittableRandom rnd) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (max >= n) return idx;
        for (int i = 0; i < max; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] pick = Arrays.copyOf(idx, max);
        Arrays.sort(pick);
        return pick;
    }

    /** The running worst element. */
    private static final class Worst {
        double ratio = -1;
        String input;
        int index;
        double analytic;
        double numeric;
        double err;
        double tol;
        double h;
        double sigma;
        double coarse;
        double fine;
        double quarter;
        int checked;
        int failed;

        void add(String in, int i, double a, double n, double e, double t, double r, double step, double s,
                 double c, double fi, double q) {
            checked++;
            if (!(r <= 1)) failed++;
            if (r > ratio) {
                ratio = r;
                input = in;
                index = i;
                analytic = a;
                numeric = n;
                err = e;
                tol = t;
                h = step;
                sigma = s;
                coarse = c;
                fine = fi;
                quarter = q;
            }
        }

        Report report(Options o) {
            if (checked == 0) return new Report(true, "", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Double.NaN, o);
            double rel = err / Math.max(Math.abs(numeric), Double.MIN_NORMAL);
            return new Report(failed == 0, input, index, analytic, numeric, err, rel, tol, ratio, checked, failed, h, sigma,
                    coarse, fine, quarter, o);
        }
    }
}
