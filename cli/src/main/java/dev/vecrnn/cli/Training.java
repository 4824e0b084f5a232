package dev.vecrnn.cli;

import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.NonFiniteException;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** Training as the commands run it: a run that diverges is refused naming the options that steer it. */
final class Training {
    private Training() {
    }

    static <T> T run(Callable<T> fit) throws Exception {
        try {
            return fit.call();
        } catch (NonFiniteException e) {
            // the library's advice names its API; the command line's names its option
            throw diverged(e.getMessage().replace("choose NonFinitePolicy.SKIP_BATCH", "--on-non-finite skip where the command has it"), e);
        }
    }

    /**
     * {@code ev}, the trained model's figures on {@code data}, once every one is finite. A loss that stayed finite
     * but whose perplexity overflows (a mean cross-entropy above 709 nats) diverged as surely as a NaN loss does.
     */
    static Evaluation finite(Evaluation ev, String data) {
        for (Map.Entry<String, Double> m : ev.metrics().entrySet()) {
            if (!Double.isFinite(m.getValue())) {
                throw diverged(String.format(Locale.ROOT, "the loss on %s is %.3g%s", data, ev.loss(),
                        m.getKey().equals("loss") ? "" : ", its " + m.getKey() + " " + m.getValue()), null);
            }
        }
        return ev;
    }

    private static IllegalArgumentException diverged(String what, Throwable cause) {
        return new IllegalArgumentException("--lr: training diverged (" + what
                + "); lower --lr, clip gradients with --clip where the command has it, or check the data", cause);
    }
}
