package dev.vecrnn.cli;

import dev.vecrnn.nn.train.NonFiniteException;

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
            String what = e.getMessage().replace("choose NonFinitePolicy.SKIP_BATCH", "--on-non-finite skip where the command has it");
            throw new IllegalArgumentException("--lr: training diverged (" + what
                    + "); lower --lr, clip gradients with --clip where the command has it, or check the data", e);
        }
    }
}
