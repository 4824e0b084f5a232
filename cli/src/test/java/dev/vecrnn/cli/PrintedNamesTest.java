package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lines that name what a command wrote ("saved ...", "wrote ...") printed the user's name as it was: a newline in
 * it split the line (a script reading the last line got half a name), an ESC sequence in it drove the terminal. They
 * are escaped as a refusal's line is (and as sample escapes its text): the file keeps its name, the line shows it.
 */
class PrintedNamesTest {

    @Test
    void namesOnStdoutAreEscaped(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        String bad = "a\nsaved elsewhere\u001b[2J\u202e";
        String shown = "a\\nsaved elsewhere\\x1b[2J\\u202e";
        String[] fit = ContractTest.fit(dir);
        fit[10] = dir.resolve(bad).toString();
        ContractTest.Result r = ContractTest.run(fit);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve(bad).resolve("model.safetensors")), "the directory keeps its name");
        assertTrue(r.out().endsWith("saved " + dir.resolve(shown).resolve("model.safetensors") + System.lineSeparator()), r.out());

        String m = dir.resolve(bad).toString(), x = dir.resolve("x.npy").toString(), y = dir.resolve("y.npy").toString();
        r = ContractTest.run("predict", "--model", m, "--x", x, "--out", dir.resolve("p" + bad + ".npy").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("wrote " + dir.resolve("p" + shown + ".npy") + System.lineSeparator(), r.out());
        assertTrue(Files.isRegularFile(dir.resolve("p" + bad + ".npy")));

        r = ContractTest.run("evaluate", "--model", m, "--x", x, "--y", y, "--json", dir.resolve("e" + bad + ".json").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().endsWith(System.lineSeparator() + "wrote " + dir.resolve("e" + shown + ".json") + System.lineSeparator()), r.out());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\u202e"), r.out());
        assertTrue(Files.isRegularFile(dir.resolve("e" + bad + ".json")));
    }
}
