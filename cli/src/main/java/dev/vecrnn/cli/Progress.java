package dev.vecrnn.cli;

import dev.vecrnn.nn.train.Trainer;

/** A one-line progress bar on stderr (on a terminal), redrawn in place, and a summary line per epoch on stdout. */
final class Progress {
    private static final int WIDTH = 30;

    private Progress() {
    }

    /** Only on a terminal: redrawn bars would flood a log file. */
    static final boolean TERMINAL = System.console() != null && System.console().isTerminal();

    static void bar(int epoch, int epochs, int batch, int batches, double loss) {
        if (!TERMINAL) return;
        int filled = (int) ((long) WIDTH * batch / batches);
        System.err.print("\repoch " + epoch + "/" + epochs + " [" + "=".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                + batch + "/" + batches + " loss " + String.format("%.4f", loss) + "   ");
        if (batch == batches) System.err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
    }

    static void epoch(Trainer.Epoch e) {
        StringBuilder sb = new StringBuilder(String.format("epoch %d/%d  loss %.4f", e.epoch(), e.epochs(), e.trainLoss()));
        if (e.validation() != null) {
            e.validation().metrics().forEach((k, v) -> sb.append(String.format("  val_%s %.4f", k, v)));
        }
        if (e.skippedSteps() > 0) sb.append("  skipped ").append(e.skippedSteps()).append(" non-finite steps");
        sb.append(String.format("  lr %.2g  %d ms%s", e.learningRate(), e.millis(), e.improved() ? "  *" : ""));
        System.out.println(sb);
    }
}
