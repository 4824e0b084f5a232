package dev.vecrnn.gradcheck;

import org.junit.jupiter.api.Test;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java examples, compiled and run exactly as the README prints them, so they cannot drift
 * from the API. Each example runs after a few lines of setup kept here (the values the README leaves to
 * the reader: weights, inputs, data); the example's own text is read from README.md at test time. Lives
 * in gradcheck because it is the one test module that sees both the nn API and GradCheck.
 */
class ReadmeExamplesTest {
    /** The imports every example gets: the public packages. */
    private static final String IMPORTS = """
            import dev.vecrnn.nn.*;
            import dev.vecrnn.nn.recurrent.*;
            import dev.vecrnn.nn.layers.*;
            import dev.vecrnn.nn.model.*;
            import dev.vecrnn.nn.format.*;
            import dev.vecrnn.nn.train.*;
            import dev.vecrnn.nn.io.*;
            import dev.vecrnn.gradcheck.GradCheck;
            import dev.vecrnn.kernels.Precision;
            import java.nio.file.Path;
            import java.util.*;
            """;

    /**
     * Setup for each java block of the README, in order; the examples of one section share a program
     * where a later block uses what an earlier one made ({@code lstm} and {@code state} in the state copy and
     * stepMany examples).
     */
    private static final List<String> SETUP = List.of(
            // streaming inference
            """
                    Map<String, Tensor> weights = new Recurrent(RecurrentConfig.of(CellType.LSTM, 64, 128).withLayers(2), 1).stateDict();
                    List<float[]> events = new ArrayList<>();
                    for (int i = 0; i < 5; i++) events.add(new float[64]);
                    """,
            // a state copied out and in: continues the streaming program
            "",
            // many streams: continues the streaming program
            """
                    float[] xs = new float[64 * 64];
                    StreamState[] states = new StreamState[64];
                    for (int i = 0; i < 64; i++) states[i] = lstm.newState();
                    float[] outs = new float[64 * 128];
                    """,
            // quantized weights: continues the streaming program
            "",
            // sequences
            """
                    Recurrent gru = new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 5), 2);
                    Tensor x = Tensor.zeros(4, 2, 3);
                    int[] lengths = {4, 2};
                    Tensor h0 = Tensor.zeros(1, 2, 5);
                    Tensor output = Tensor.zeros(4, 2, 5), hN = Tensor.zeros(1, 2, 5);
                    """,
            // training
            """
                    int vocab = 5, n = 8, steps = 64, tokenId = 1;
                    float[] x = new float[n * steps];
                    int[] nextChar = new int[n * steps];
                    for (int i = 0; i < x.length; i++) { x[i] = i % vocab; nextChar[i] = (i + 1) % vocab; }
                    Dataset heldOut = Dataset.classification(x.clone(), n, steps, 1, null, nextChar.clone(), true);
                    Path dir = java.nio.file.Files.createTempDirectory("readme");
                    """,
            // a loss of one's own, a model's gradients
            """
                    int n = 20, t = 6;
                    Random rnd = new Random(3);
                    float[] xs = new float[n * t * 3], ys = new float[n], dOut = new float[n];
                    for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextGaussian();
                    for (int i = 0; i < n; i++) { ys[i] = (float) rnd.nextGaussian(); dOut[i] = 1f / n; }
                    Batch batch = Batch.sequences(xs, n, t, 3);
                    """,
            // use it from your project: a PyTorch LSTM's directory, as PyTorch's state_dict would give it
            """
                    Path dir = java.nio.file.Files.createTempDirectory("readme");
                    PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 8), 3), dir.resolve("my-lstm"));
                    List<float[]> events = List.of(new float[4], new float[] {1, 2, 3, 4}, new float[] {-1, 0, 0.5f, 2});
                    """,
            // a gradient check of one's own layer
            """
                    float[] w = {0.5f, -1.25f, 2f}, dW = new float[3];
                    float[] params = w;
                    for (int i = 0; i < 3; i++) dW[i] = 2 * w[i];   // d/dw of sum(w^2)
                    """);

    /** Helpers an example calls by name. */
    private static final String MEMBERS = """
            static double myLoss(float[] p) {
                double s = 0;
                for (float v : p) s += (double) v * v;
                return s;
            }
            """;

    /** Indices into the README's java blocks that continue the program of the block before them. */
    private static final List<Integer> CONTINUES = List.of(1, 2, 3);

    @Test
    void everyJavaExampleInTheReadmeCompilesAndRuns() throws Exception {
        List<String> blocks = javaBlocks(Files.readString(readme()));
        assertEquals(SETUP.size(), blocks.size(), "README java blocks, each with its setup here");
        List<String> programs = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String body = SETUP.get(i) + blocks.get(i);
            if (CONTINUES.contains(i)) programs.set(programs.size() - 1, programs.get(programs.size() - 1) + body);
            else programs.add(body);
        }
        for (int p = 0; p < programs.size(); p++) run("ReadmeExample" + p, programs.get(p));
    }

    // the README writes paths relative to the working directory: run them in a temporary one by rewriting
    // Path.of("x") to a file under dir where the setup defines one
    private static String source(String name, String body) {
        String b = body.contains("Path dir =") ? body.replaceAll("Path\\.of\\(\"([^\"]+)\"\\)", "dir.resolve(\"$1\")") : body;
        return IMPORTS + "public class " + name + " {\n" + MEMBERS + "public static void main(String[] args) throws Exception {\n" + b + "\n}\n}\n";
    }

    private static void run(String name, String body) throws Exception {
        String src = source(name, body);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK (javac) runs the tests");
        Path out = Files.createTempDirectory("readme-examples");
        DiagnosticCollector<JavaFileObject> diag = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignore) {
                return src;
            }
        };
        List<String> options = List.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path"),
                "--add-modules", "jdk.incubator.vector", "-proc:none", "-Xlint:-options");
        boolean ok = javac.getTask(null, null, diag, options, null, List.of(file)).call();
        assertTrue(ok, () -> "README example " + name + " does not compile:\n" + diag.getDiagnostics() + "\n" + src);
        try (URLClassLoader cl = new URLClassLoader(new URL[] {out.toUri().toURL()}, ReadmeExamplesTest.class.getClassLoader())) {
            Method main = cl.loadClass(name).getMethod("main", String[].class);
            main.invoke(null, (Object) new String[0]);
        }
    }

    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("(?s)```java\\n(.*?)```").matcher(markdown);
        while (m.find()) blocks.add(m.group(1));
        return blocks;
    }

    private static Path readme() throws IOException {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isDirectory(d.resolve("gradcheck"))) return d.resolve("README.md");
        }
        throw new IOException("README.md not found above " + Path.of("").toAbsolutePath());
    }
}
