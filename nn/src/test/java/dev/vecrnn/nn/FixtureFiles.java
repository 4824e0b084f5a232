package dev.vecrnn.nn;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixture files that a script writes into a test-resources directory, for the parity tests that read them. */
public final class FixtureFiles {
    private FixtureFiles() {
    }

    /**
     * The {@code *.safetensors} files of the class-path directory {@code dir}, sorted by name. Fails unless there are
     * at least {@code min}, naming {@code script}, the generator to rerun.
     */
    public static List<Path> safetensors(String dir, int min, String script) throws IOException, URISyntaxException {
        URL url = FixtureFiles.class.getClassLoader().getResource(dir);
        assertNotNull(url, "test resources: expected a '" + dir + "' directory of fixtures on the classpath");
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        assertTrue(files.size() >= min, "fixtures: expected at least " + min + " in " + url + ", found " + files.size()
                + " (regenerate with /usr/bin/python3 " + script + ")");
        return files;
    }
}
