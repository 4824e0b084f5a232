package dev.vecrnn.nn.format;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.Recurrent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Not a test: a search tool. Runs every fixture of a directory written by {@code scripts/search_pytorch_grads.py}
 * (the format of {@link PyTorchParityTest}'s fixtures) through {@link Recurrent#forward},
 * {@link Recurrent#forwardTrain} and {@link Recurrent#backward}, and prints, one line a fixture, the worst
 * {@code |actual - ref| / max(1, |ref|)} of the outputs and of the gradients (input, h0, c0, every parameter)
 * with the tensor it is in, then the worst of all ({@code -Dthreads=N}: the layers' thread count). Run it with nn's test class path at each vector width:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector [-XX:UseAVX=2 | -XX:MaxVectorSize=16 -Dvecrnn.kernels.registers=32] \
 *     -cp nn/target/test-classes:nn/target/classes:kernels/target/classes:... \
 *     dev.vecrnn.nn.format.PyTorchGradSearch DIR
 * </pre>
 */
public final class PyTorchGradSearch {

    /** The worst error of the gradients after a second backward on the same trace, against twice autograd's. */
    private static double worstAccum;

    private PyTorchGradSearch() {
    }

    public static void main(String[] args) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            files = s.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
        }
        int threads = Integer.getInteger("threads", 1);
        double worstFwd = 0;
        double worstGrad = 0;
        String worstFwdAt = "-";
        String worstGradAt = "-";
        for (Path f : files) {
            PyTorchParityTest.Case c = new PyTorchParityTest.Case(f);
            c.rnn.setThreads(threads);
            List<Object[]> fwd = new ArrayList<>();
            Recurrent.Output o = c.rnn.forward(c.x, c.lengths, c.h0, c.c0);
            fwd.add(err(c, "output", o.output()));
            fwd.add(err(c, "h_n", o.hN()));
            if (c.lstm) fwd.add(err(c, "c_n", o.cN()));

            c.rnn.zeroGrad();
            Recurrent.Trace tr = c.rnn.forwardTrain(c.x, c.lengths, c.h0, c.c0, new Random(7));
            fwd.add(err(c, "output", tr.output()));
            Recurrent.InputGrads g = c.rnn.backward(tr, c.fx.tensor("dout"), c.fx.tensor("dh_n"),
                    c.lstm ? c.fx.tensor("dc_n") : null);
            List<Object[]> grad = new ArrayList<>();
            grad.add(err(c, "grad.x", g.dx()));
            if (c.h0 != null) grad.add(err(c, "grad.h0", g.dh0()));
            if (c.c0 != null) grad.add(err(c, "grad.c0", g.dc0()));
            for (Map.Entry<String, Tensor> e : c.rnn.gradDict().entrySet()) {
                grad.add(err(c, "grad." + e.getKey(), e.getValue()));
            }
            variants(c, tr, g);
            Object[] wf = worst(fwd);
            Object[] wg = worst(grad);
            System.out.printf("%s\tfwd %.3e %s\tgrad %.3e %s%n", c.name, (double) wf[1], wf[0], (double) wg[1], wg[0]);
            if (!((double) wf[1] <= worstFwd)) {
                worstFwd = (double) wf[1];
                worstFwdAt = c.name + " " + wf[0];
            }
            if (!((double) wg[1] <= worstGrad)) {
                worstGrad = (double) wg[1];
                worstGradAt = c.name + " " + wg[0];
            }
        }
        System.out.printf("%d fixtures; worst forward %.3e (%s); worst gradient %.3e (%s); after two backward calls %.3e%n",
                files.size(), worstFwd, worstFwdAt, worstGrad, worstGradAt, worstAccum);
    }

    /**
     * What must hold beside PyTorch's numbers, printed where it does not: NaN on the padding changes no gradient;
     * {@code inputGrad = false} gives the same parameter and state gradients bit for bit; a second backward on
     * the same trace doubles the gradients (within the tolerance of {@link PyTorchParityTest}).
     */
    private static void variants(PyTorchParityTest.Case c, Recurrent.Trace tr, Recurrent.InputGrads g) {
        Map<String, Tensor> first = new java.util.TreeMap<>();
        c.rnn.gradDict().forEach((k, v) -> first.put(k, v.copy()));
        Tensor dout = c.fx.tensor("dout");
        Tensor dhn = c.fx.tensor("dh_n");
        Tensor dcn = c.lstm ? c.fx.tensor("dc_n") : null;

        c.rnn.backward(tr, dout, dhn, dcn);
        double worst = 0;
        for (Map.Entry<String, Tensor> e : c.rnn.gradDict().entrySet()) {
            PyTorchParityTest.Ref ref = c.fx.ref("grad." + e.getKey());
            double[] twice = ref.data().clone();
            for (int i = 0; i < twice.length; i++) twice[i] *= 2;
            worst = Math.max(worst, PyTorchParityTest.worstScaledError(new PyTorchParityTest.Ref(ref.shape(), twice), e.getValue()));
        }
        if (!(worst <= PyTorchParityTest.TOL)) System.out.printf("VARIANT %s: second backward: %.3e from 2 * autograd's%n", c.name, worst);
        worstAccum = Math.max(worstAccum, worst);

        c.rnn.zeroGrad();
        Recurrent.Trace t2 = c.rnn.forwardTrain(c.x, c.lengths, c.h0, c.c0, new Random(7));
        Recurrent.InputGrads g2 = c.rnn.backward(t2, dout, dhn, dcn, false);
        same(c, "inputGrad=false", first, g, g2);

        if (c.lengths != null) {
            Tensor xn = c.x.copy();
            int[] shape = xn.shape();
            boolean bf = c.config.batchFirst();
            int batch = shape[bf ? 0 : 1];
            int steps = shape[bf ? 1 : 0];
            int in = shape[2];
            for (int b = 0; b < batch; b++) {
                for (int t = c.lengths[b]; t < steps; t++) {
                    int off = (bf ? b * steps + t : t * batch + b) * in;
                    java.util.Arrays.fill(xn.data(), off, off + in, Float.NaN);
                }
            }
            c.rnn.zeroGrad();
            Recurrent.Trace t3 = c.rnn.forwardTrain(xn, c.lengths, c.h0, c.c0, new Random(7));
            Recurrent.InputGrads g3 = c.rnn.backward(t3, dout, dhn, dcn);
            same(c, "NaN padding", first, g, g3);
            if (!java.util.Arrays.equals(g.dx().data(), g3.dx().data())) System.out.println("VARIANT " + c.name + ": NaN padding: dx differs");
        }
    }

    private static void same(PyTorchParityTest.Case c, String what, Map<String, Tensor> first, Recurrent.InputGrads g,
                             Recurrent.InputGrads g2) {
        for (Map.Entry<String, Tensor> e : c.rnn.gradDict().entrySet()) {
            if (!java.util.Arrays.equals(e.getValue().data(), first.get(e.getKey()).data())) {
                System.out.println("VARIANT " + c.name + ": " + what + ": " + e.getKey() + " differs");
            }
        }
        if (g.dh0() != null && !java.util.Arrays.equals(g.dh0().data(), g2.dh0().data())) {
            System.out.println("VARIANT " + c.name + ": " + what + ": dh0 differs");
        }
        if (g.dc0() != null && !java.util.Arrays.equals(g.dc0().data(), g2.dc0().data())) {
            System.out.println("VARIANT " + c.name + ": " + what + ": dc0 differs");
        }
    }

    private static Object[] err(PyTorchParityTest.Case c, String name, Tensor actual) {
        return new Object[] {name, PyTorchParityTest.worstScaledError(c.fx.ref(name), actual)};
    }

    private static Object[] worst(List<Object[]> errs) {
        Object[] w = errs.get(0);
        for (Object[] e : errs) {
            if (!((double) e[1] <= (double) w[1])) w = e;
        }
        return w;
    }
}
