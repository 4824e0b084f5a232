package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.AtomicFiles;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static dev.vecrnn.nn.io.IoFixtures.listing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A save killed mid-way leaves its temporary file {@code .<name>.vecrnn-<hex>.tmp}; the next atomic write to
 * the same target, and resuming from a checkpoint, delete it. Files that merely look alike are left alone,
 * a user's {@code .<name>.<hex>.tmp} without the mark among them.
 */
class LeftoverTemporaryTest {

    @TempDir
    Path dir;

    private static final byte[] MINE = {7, 7, 7};

    /** Plants what a killed save of {@code name} leaves, and files that must survive; returns the survivors' listing. */
    private String plant(String name) throws IOException {
        Files.write(dir.resolve("." + name + ".vecrnn-3f9a1c2b4d5e6f70.tmp"), new byte[1000]);
        Files.write(dir.resolve("." + name + ".vecrnn-0.tmp"), new byte[10]);
        String[] unrelated = {"." + name + ".notes.tmp", "." + name + ".1a.tmp", "." + name + ".vecrnn-.tmp", "." + name + ".vecrnn-xyz.tmp", "." + name + ".ABC.tmp", "." + name + ".12345678901234567.tmp",
                "." + name + "..tmp", "." + name + ".bak.1a.tmp", ".other." + name + ".1a.tmp", name + ".1a.tmp", "." + name + ".1a.tmpx"};
        for (String u : unrelated) Files.write(dir.resolve(u), MINE);
        Files.createDirectory(dir.resolve("." + name + ".vecrnn-abc.tmp")); // a directory of that name is not ours to delete
        return listing(dir);
    }

    private static String without(String listing, String... names) {
        List<String> l = new ArrayList<>(List.of(listing.split(",")));
        l.removeAll(List.of(names));
        return String.join(",", l);
    }

    @Test
    void theNextWriteOfATargetDeletesItsLeftoversAndNothingElse() throws IOException {
        String before = plant("m.safetensors");
        SafeTensors.write(dir.resolve("m.safetensors"), Map.of("w", Tensor.zeros(2)), null);
        String after = listing(dir);
        assertEquals(sorted(without(before, ".m.safetensors.vecrnn-3f9a1c2b4d5e6f70.tmp", ".m.safetensors.vecrnn-0.tmp") + ",m.safetensors"), after);
        for (String f : after.split(",")) {
            if (f.contains("notes") || f.contains("ABC")) assertArrayEquals(MINE, Files.readAllBytes(dir.resolve(f)), f);
        }
        // another target in the same directory keeps its own
        plant("x.npy");
        Npy.write(dir.resolve("y.npy"), Tensor.zeros(1));
        assertTrue(Files.exists(dir.resolve(".x.npy.vecrnn-3f9a1c2b4d5e6f70.tmp")));
        Npy.write(dir.resolve("x.npy"), Tensor.zeros(1));
        assertFalse(Files.exists(dir.resolve(".x.npy.vecrnn-3f9a1c2b4d5e6f70.tmp")));
        assertEquals(0, AtomicFiles.deleteLeftovers(dir.resolve("x.npy")));
    }

    private static Dataset data() {
        return Dataset.regression(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2, 1, null, new float[] {1, 2, 3, 4}, 1, false);
    }

    private static Model model() {
        return Model.builder(1).gru(2).lastStep().dense(1).seed(1).build();
    }

    @Test
    void aCheckpointSaveAndAResumeDeleteTheCheckpointsLeftovers() throws IOException {
        Path ckpt = dir.resolve("run.ckpt");
        String before = plant("run.ckpt");
        new Trainer().epochs(1).batchSize(2).checkpoint(ckpt).fit(model(), data());
        String expected = without(before, ".run.ckpt.vecrnn-3f9a1c2b4d5e6f70.tmp", ".run.ckpt.vecrnn-0.tmp");
        assertEquals(sorted(expected + ",run.ckpt"), listing(dir));

        // a resume that writes nothing (the run is complete) still clears what a killed save left
        Files.write(dir.resolve(".run.ckpt.vecrnn-deadbeef.tmp"), new byte[100]);
        new Trainer().epochs(1).batchSize(2).resumeFrom(ckpt).fit(model(), data());
        assertEquals(sorted(expected + ",run.ckpt"), listing(dir));

        // and so does a model save
        Path m = dir.resolve("model.safetensors");
        Files.write(dir.resolve(".model.safetensors.vecrnn-1.tmp"), new byte[100]);
        ModelFile.save(model(), m);
        assertEquals(sorted(expected + ",model.safetensors,run.ckpt"), listing(dir));
    }

    private static String sorted(String csv) {
        return String.join(",", new TreeSet<>(List.of(csv.split(","))));
    }
}
