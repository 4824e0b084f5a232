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
        System.out.printf("%d fixtures; worst forward %.3e (%s); worst gradient %.3e (%s)%n",
                files.size(), worstFwd, worstFwdAt, worstGrad, worstGradAt);
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
