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
                + batch + "/" + batches + " loss " + String.format("%.4f", loss) + "   ");
        if (batch == batches) System.err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
    }

    /** An evaluation's loss and metrics, each {@code prefix}, its name and its value: "val_loss 0.6931  val_accuracy 0.5000". */
    static String figures(String prefix, Evaluation ev) {
        StringJoiner sj = new StringJoiner("  ");
        ev.metrics().forEach((k, v) -> sj.add(String.format("%s%s %.4f", prefix, k, v)));
        return sj.toString();
    }

    static void epoch(Trainer.Epoch e) {
        StringBuilder sb = new StringBuilder(String.format("epoch %d/%d  loss %.4f", e.epoch(), e.epochs(), e.trainLoss()));
        if (e.validation() != null) sb.append("  ").append(figures("val_", e.validation()));
        if (e.skippedSteps() > 0) sb.append("  skipped ").append(e.skippedSteps()).append(" non-finite steps");
        sb.append(String.format("  lr %.2g  %d ms%s", e.learningRate(), e.millis(), e.improved() ? "  *" : ""));
        System.out.println(sb);
    }
}
