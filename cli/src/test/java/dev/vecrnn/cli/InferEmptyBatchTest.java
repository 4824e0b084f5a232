package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A batch of no sequences, as a filter that kept no row leaves one. PyTorch 1.13 runs it: the fixture's module,
 * nn.LSTM(5, 7, num_layers=2, bidirectional=True, proj_size=3, batch_first=True), gives for an input of shape
 * [0, 6, 5] an output [0, 6, 6], h_n [4, 0, 3] and c_n [4, 0, 7], with or without an hx of that shape, where infer
 * refused the input as one of empty sequences "as PyTorch refuses them". What PyTorch refuses is still refused:
 * steps of none (PyTorch's "Expected sequence length to be larger than 0 in RNN") and lengths of no sequence
 * (pack_padded_sequence's "Cannot pack empty tensors").
 */
class InferEmptyBatchTest {

    @Test
    void runsABatchOfNoSequencesAsPyTorchDoes(@TempDir Path dir) throws Exception {
        Path m = InferCommandTest.fixture().resolve("m");
        Path x = noSequences(dir);
        Path out = dir.resolve("out");
        assertEquals(0, Main.run("infer", "--model", m.toString(), "--input", x.toString(), "--out", out.toString()));
        assertShapes(out);

        Path h0 = dir.resolve("h0.npy"), c0 = dir.resolve("c0.npy");
        Npy.write(h0, Tensor.zeros(4, 0, 3));
        Npy.write(c0, Tensor.zeros(4, 0, 7));
        Path withStates = dir.resolve("with-states");
        assertEquals(0, Main.run("infer", "--model", m.toString(), "--input", x.toString(), "--h0", h0.toString(),
                "--c0", c0.toString(), "--out", withStates.toString()));
        assertShapes(withStates);
    }

    @Test
    void refusesWhatPyTorchRefuses(@TempDir Path dir) throws Exception {
        Path m = InferCommandTest.fixture().resolve("m");
        Path x = noSequences(dir);
        Path lengths = dir.resolve("lengths.npy");
        Npy.writeLongs(lengths, new long[0], 0);
        ContractTest.run("infer", "--model", m.toString(), "--input", x.toString(), "--lengths", lengths.toString(),
                "--out", dir.resolve("no1").toString()).refused("--lengths " + lengths, "no sequence");
        assertFalse(Files.exists(dir.resolve("no1")), "nothing written for a refused run");

        Path noSteps = dir.resolve("no-steps.npy");
        Npy.write(noSteps, Tensor.zeros(3, 0, 5));
        ContractTest.run("infer", "--model", m.toString(), "--input", noSteps.toString(), "--out", dir.resolve("no2").toString())
                .refused("--input " + noSteps, "[3, 0, 5]", "PyTorch refuses");
        assertFalse(Files.exists(dir.resolve("no2")), "nothing written for a refused run");
    }

    /** x.npy in dir: [0, 6, 5], no sequence of 6 steps of the fixture's 5 features (batch first). */
    private static Path noSequences(Path dir) throws Exception {
        Path x = dir.resolve("x.npy");
        Npy.write(x, Tensor.zeros(0, 6, 5));
        return x;
    }

    private static void assertShapes(Path out) throws Exception {
        assertArrayEquals(new int[] {0, 6, 6}, Npy.read(out.resolve("output.npy")).shape(), "output.npy");
        assertArrayEquals(new int[] {4, 0, 3}, Npy.read(out.resolve("h_n.npy")).shape(), "h_n.npy");
        assertArrayEquals(new int[] {4, 0, 7}, Npy.read(out.resolve("c_n.npy")).shape(), "c_n.npy");
    }
}
