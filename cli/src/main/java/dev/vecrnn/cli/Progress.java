package dev.vecrnn.cli;

import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.Trainer;

import java.util.StringJoiner;

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
                + batch + "/" + batches + " loss " + (Double.isNaN(loss) ? "n/a" : value(loss)) + "   ");
        if (batch == batches) System.err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
    }

    /**
     * A loss or metric as Keras's progress bar prints one: four decimals, or where it is nonzero and at most 1e-3 in
     * magnitude four significant digits in scientific notation ({@code 2.4517e-09}), so that the loss of targets of
     * order 1e-4 does not read 0.0000 at every epoch; from 1e7 up in scientific notation too (where Keras keeps four
     * decimals: the MSE of targets of order 1e20 took 45 characters, 5058144526700790000000000000000000000000.0000);
     * 0, NaN and infinities as they are.
     */
    static String value(double v) {
        double a = Math.abs(v);
        boolean scientific = v != 0 && a <= 1e-3 || a >= 1e7 && a < Double.POSITIVE_INFINITY;
        return String.format(java.util.Locale.ROOT, scientific ? "%.4e" : "%.4f", v);
    }

    /**
     * An epoch's training loss as the per-epoch lines print it: where no batch gave one (each was skipped as non-finite, or
     * scored no row, PyTorch's 0/0), the library's NaN is a mean over nothing, and the line says so in words.
     */
    static String trainLoss(Trainer.Epoch e) {
        return Double.isNaN(e.trainLoss()) ? "n/a (a mean over no batch: each was skipped or scored no row)" : value(e.trainLoss());
    }

    /** An evaluation's loss and metrics, each {@code prefix}, its name and its value: "val_loss 0.6931  val_accuracy 0.5000". */
    static String figures(String prefix, Evaluation ev) {
        StringJoiner sj = new StringJoiner("  ");
        ev.metrics().forEach((k, v) -> sj.add(prefix + k + " " + value(v)));
        return sj.toString();
    }

    static void epoch(Trainer.Epoch e) {
        StringBuilder sb = new StringBuilder("epoch " + e.epoch() + "/" + e.epochs() + "  loss " + trainLoss(e));
        if (e.validation() != null) sb.append("  ").append(figures("val_", e.validation()));
        if (e.skippedSteps() > 0) sb.append("  skipped ").append(Inputs.count(e.skippedSteps(), "non-finite step"));
        sb.append(String.format("  lr %.2g  %d ms%s", e.learningRate(), e.millis(), e.improved() ? "  *" : ""));
        System.out.println(sb);
    }
}
