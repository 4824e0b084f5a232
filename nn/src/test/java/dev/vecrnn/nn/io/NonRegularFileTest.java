package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Json;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every reader refuses a path that is not a regular file (a FIFO, a directory, a device) before it opens
 * it, with a message naming the file and saying "expected a regular file". Opening a FIFO to read blocks
 * until a writer comes, so a regression here would hang: each read runs under a timeout and fails instead.
 */
class NonRegularFileTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** A named pipe made by mkfifo(1); the test is skipped where there is none. */
    private Path fifo(String name) throws Exception {
        Path p = dir.resolve(name);
        int exit;
        try {
            Process mk = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            assumeTrue(mk.waitFor(30, TimeUnit.SECONDS), "mkfifo did not finish");
            exit = mk.exitValue();
        } catch (IOException noMkfifo) {
            exit = -1;
        }
        assumeTrue(exit == 0 && Files.exists(p) && !Files.isRegularFile(p), "no mkfifo here");
        return p;
    }

    /** {@code read} fails within the timeout with a FileSystemException naming {@code file} and what it is. */
    private static void refused(Path file, String kind, Executable read) {
        FileSystemException e = assertTimeoutPreemptively(PATIENCE, () -> assertThrows(FileSystemException.class, read),
                "the reader opened " + kind + " (and blocked) instead of refusing it");
        assertEquals(file + ": expected a regular file, got " + kind, e.getMessage());
    }

    @Test
    void theFormatReadersRefuseAFifoBeforeOpeningIt() throws Exception {
        Path p = fifo("x.npy");
        refused(p, "a FIFO (named pipe)", () -> Npy.read(p));
        refused(p, "a FIFO (named pipe)", () -> SafeTensors.read(p));
        refused(p, "a FIFO (named pipe)", () -> Json.readObject(p, 1024));
    }

    @Test
    void theModelLoadersRefuseAFifoBeforeOpeningIt() throws Exception {
        Path m = fifo("model.safetensors");
        refused(m, "a FIFO (named pipe)", () -> ModelFile.load(m));

        Path torch = dir.resolve("torch");
        PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 4), 1), torch);
        Path weights = torch.resolve(PyTorchFormat.WEIGHTS);
        Files.delete(weights);
        Files.move(fifo("w"), weights);
        refused(weights, "a FIFO (named pipe)", () -> PyTorchFormat.read(torch));
        Path config = torch.resolve(PyTorchFormat.CONFIG);
        Files.delete(config);
        Files.move(fifo("c"), config);
        refused(config, "a FIFO (named pipe)", () -> PyTorchFormat.readConfig(config));
        refused(config, "a FIFO (named pipe)", () -> PyTorchFormat.read(torch));
    }

    @Test
    void resumingFromAFifoIsRefusedBeforeOpeningIt() throws Exception {
        Path ckpt = fifo("run.ckpt");
        Model model = Model.builder(1).gru(2).lastStep().dense(1).seed(1).build();
        Map<String, Tensor> before = new LinkedHashMap<>(model.stateDict());
        Dataset data = Dataset.regression(new float[] {1, 2, 3, 4, 5, 6}, 3, 2, 1, null, new float[] {1, 2, 3}, 1, false);
        Trainer trainer = new Trainer().epochs(1).batchSize(2).resumeFrom(ckpt);
        UncheckedIOException e = assertTimeoutPreemptively(PATIENCE,
                () -> assertThrows(UncheckedIOException.class, () -> trainer.fit(model, data)));
        assertInstanceOf(FileSystemException.class, e.getCause());
        assertTrue(e.getMessage().contains(ckpt + ": expected a regular file, got a FIFO (named pipe)"), e.getMessage());
        assertEquals(before.keySet(), model.stateDict().keySet());
        before.forEach((k, v) -> assertEquals(v, model.stateDict().get(k), k));
    }

    @Test
    void directoriesAndDevicesAreRefusedByName() throws Exception {
        Path d = Files.createDirectory(dir.resolve("a.safetensors"));
        refused(d, "a directory", () -> Npy.read(d));
        refused(d, "a directory", () -> SafeTensors.read(d));
        refused(d, "a directory", () -> Json.readObject(d, 1024));
        refused(d, "a directory", () -> ModelFile.load(d));
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull) && !Files.isDirectory(devNull), "no /dev/null here");
        refused(devNull, "a character device", () -> Npy.read(devNull));
        refused(devNull, "a character device", () -> SafeTensors.read(devNull));
        refused(devNull, "a character device", () -> PyTorchFormat.readConfig(devNull));
    }
}
