package dev.vecrnn.cli;

import dev.vecrnn.nn.train.CheckpointMismatchException;
import dev.vecrnn.nn.train.Trainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * fit's checkpoint as an output and as what --resume reads: the checks of the file before any work, what fit records
 * in it beyond the trainer's own settings, and a refused resume said in fit's options.
 */
final class FitResume {
    private FitResume() {
    }

    /**
     * The trainer's record of the rows a --val split holds out (Keras's count; a checkpoint from before it was recorded
     * held out round(N * F) and reads so, so a resume where that count differs is refused: 0.22 of 10 rows, 2 then, 3 now).
     */
    static final String HELD_OUT = "validation_rows";

    /**
     * Records in {@code tr}'s checkpoint what the trainer cannot see, so that a resume with another is refused: --init and
     * --task (checkpoints written before these were recorded read as --init pytorch, and as the task asked, but multilabel,
     * which did not exist).
     */
    static void record(Trainer tr, String init, String task) {
        tr.setting("init", init.toLowerCase(java.util.Locale.ROOT), "pytorch")
                .setting("task", task, task.equals(MultiLabel.TASK) ? "regression" : task);
    }

    /**
     * A checkpoint written with other settings, said in fit's options (the library names its own settings, such
     * as validation_split): what the checkpoint was written with and what this run has.
     */
    static String refusal(CheckpointMismatchException e, Path checkpoint) {
        String setting = e.setting();
        if (setting.equals("architecture")) {
            String where = e.getMessage().substring(e.getMessage().indexOf("architecture") + "architecture".length());
            return "--resume: --checkpoint " + checkpoint + " was written for another model" + where + "; resume with the --cell, --hidden, --layers,"
                    + " --bidirectional, --head, --vocab, --embed, --dropout and classes (--classes, or the labels of --y) it was written with";
        }
        if (setting.equals(HELD_OUT)) {
            // the same --val and data, counted otherwise: no option resumes it
            return "--resume: --checkpoint " + checkpoint + " was written when " + asOptions("validation_split", e.trainer()) + " held out " + e.written().get(HELD_OUT)
                    + " for validation (N * F rounded); fit now holds out " + e.trainer().get(HELD_OUT) + ", as Keras's validation_split"
                    + " counts them (all but the first floor(N * (1 - F))), so the run cannot go on: start afresh (--overwrite instead of --resume)";
        }
        String then = asOptions(setting, e.written()), now = asOptions(setting, e.trainer());
        if (then == null || now == null || then.equals(now)) return e.getMessage();  // a setting fit has no option for
        // the library stops at the first setting that differs; its maps hold them all, so one refusal names every option to
        // change, not one a run
        List<String> thens = new ArrayList<>(List.of(then)), nows = new ArrayList<>(List.of(now));
        for (String other : OPTION_SETTINGS) {
            String t = asOptions(other, e.written()), n = asOptions(other, e.trainer());
            // a setting differs where the library's does (its stored value), not where only its spelling as an option does:
            // no loss weights read "no --class-weight" or "no --pos-weight" after the task, which is named already
            boolean differs = !java.util.Objects.equals(e.written().get(other), e.trainer().get(other));
            if (differs && t != null && n != null && !t.equals(n) && !thens.contains(t)) {
                thens.add(t);
                nows.add(n);
            }
        }
        return "--resume: --checkpoint " + checkpoint + " was written with " + String.join(", ", thens) + ", but this run has "
                + String.join(", ", nows) + "; resume with the options and data it was written with (or start afresh: --overwrite instead of --resume)";
    }

    /** The trainer's settings that fit's options give ({@link #asOptions}), in the order a refusal names them. */
    private static final List<String> OPTION_SETTINGS = List.of("seed", "batch_size", "validation_split", "validation_data", "data",
            "optimizer", "loss_weights", "init", "task");

    /** The trainer setting {@code setting} of {@code s} as fit's options give it; null for one fit does not set. */
    static String asOptions(String setting, Map<String, String> s) {
        String v = s.get(setting);
        if (v == null) return null;
        return switch (setting) {
            case "seed" -> "--seed " + v;
            case "batch_size" -> "--batch " + v;
            case "validation_split", "validation_data" -> {
                String split = s.get("validation_split"), arrays = s.get("validation_data");
                if (split == null || arrays == null) yield null;
                if (!arrays.equals("none")) yield "--val-x and --val-y of " + arrays;
                boolean last = split.endsWith(" (last rows)");
                String fraction = last ? split.substring(0, split.length() - " (last rows)".length()) : split;
                yield fraction.equals("0.0") ? "no validation (--val 0)" : "--val " + fraction + (last ? " --val-rows last" : "");
            }
            case "data" -> "--x and --y (and --lengths) of " + v;
            case "init" -> "--init " + v;
            case "task" -> "--task " + v;
            case "optimizer" -> "--optimizer " + v.substring(v.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
            // BCEWithLogitsLoss's pos_weight is --task multilabel's --pos-weight; a cross-entropy's weight, --class-weight
            case "loss_weights" -> v.equals("none") ? (MultiLabel.TASK.equals(s.get("task")) ? "no --pos-weight" : "no --class-weight")
                    : v.startsWith("bce(pos_weight=") ? "--pos-weight " + v.substring("bce(pos_weight=".length()).replace(")", "")
                    : v.contains("weight=") ? "--class-weight weights " + v.substring(v.indexOf("weight=") + "weight=".length()).replace(")", "") : null;
            default -> null;
        };
    }

    /**
     * The checkpoint is both an output (written as training goes, atomically, so that it survives a
     * crash) and, with --resume, an input: never one of the data files, and an existing one is replaced
     * only with --resume (which reads it first) or --overwrite.
     */
    static void checkCheckpoint(Outputs outs, Path checkpoint, Path modelFile, boolean resume, boolean overwrite) {
        String what = "--checkpoint " + checkpoint;
        outs.checkInPlace("--checkpoint", checkpoint, abs -> abs.equals(modelFile) ? "--out's model.safetensors" : null, existing -> {
            if (Files.isSymbolicLink(existing) && !Files.exists(existing)) {
                throw new IllegalArgumentException(what + ": is a link to nothing (a dangling link)");
            }
            if (resume) Inputs.file("--checkpoint", checkpoint);
            else if (!overwrite) throw new IllegalArgumentException(what + ": exists (pass --resume to continue from it or --overwrite to replace it)");
        });
    }
}
