package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.vecrnn.cli.ContractTest.data;
import static dev.vecrnn.cli.ContractTest.fit;
import static dev.vecrnn.cli.ContractTest.run;
import static dev.vecrnn.cli.ContractTest.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * An input path that names nothing says why, as the system does: a loop of links was called "a dangling link", and a
 * path through a file (x.npy/a, where the system says "not a directory") plain "no such file", as if a typo.
 */
class InputPathTest {

    @Test
    void aLinkLoopAndAPathThroughAFileAreNamedAsWhatTheyAre(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        Files.createSymbolicLink(dir.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(dir.resolve("loop2"), Path.of("loop1"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));
        List<String> before = snapshot(dir);
        String m = dir.resolve("m").toString(), x = dir.resolve("x.npy").toString(), out = dir.resolve("p.npy").toString();
        Path loop = dir.resolve("loop1");
        run("predict", "--model", m, "--x", loop.toString(), "--out", out)
                .refused("--x " + loop + ": no such file (a loop of symbolic links)");
        run("predict", "--model", m, "--x", loop + "/x.npy", "--out", out)
                .refused("--x " + loop + "/x.npy: no such file (a loop of symbolic links)");
        run("predict", "--model", m, "--x", dir.resolve("dangling").toString(), "--out", out)
                .refused("--x " + dir.resolve("dangling") + ": no such file (a dangling link)");
        run("predict", "--model", m, "--x", x + "/a", "--out", out)
                .refused("--x " + x + "/a: no such file (" + x + " is a file, not a directory)");
        run("evaluate", "--model", m, "--x", x, "--y", dir.resolve("y.npy/y.npy").toString())
                .refused("--y " + dir.resolve("y.npy/y.npy") + ": no such file (" + dir.resolve("y.npy") + " is a file, not a directory)");
        assertEquals(before, snapshot(dir));
        assertFalse(Files.exists(dir.resolve("p.npy")));
    }
}
