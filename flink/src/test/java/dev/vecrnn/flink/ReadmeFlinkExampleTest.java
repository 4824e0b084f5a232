package dev.vecrnn.flink;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.lang.reflect.Method;
import java.net.URI;
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
 * The README's Flink examples (its {@code ```java flink} and {@code ```java flink-batched} blocks) compile
 * against this module and run on a MiniCluster: two events of one key, one good and one with a feature
 * missing, give one output and one refusal. (The README's other java blocks are the gradcheck module's {@code ReadmeExamplesTest}.)
 */
public class ReadmeFlinkExampleTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    /** Results of the run, read back by the test. */
    public static final List<Object> RESULTS = new ArrayList<>();

    private static String head(String className) {
        return """
            import dev.vecrnn.flink.*;
            import dev.vecrnn.nn.format.ModelFile;
            import dev.vecrnn.nn.format.PyTorchFormat;
            import dev.vecrnn.nn.model.Model;
            import dev.vecrnn.nn.recurrent.*;
            import org.apache.flink.streaming.api.datastream.*;
            import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
            import java.nio.file.Path;
            import java.time.Duration;
            public class %s {
            public static void main(String[] args) throws Exception {
                Path dir = java.nio.file.Files.createTempDirectory("readme-flink");
                ModelFile.save(Model.builder(3).lstm(8).dense(2).seed(1).build(), dir.resolve("model.safetensors"));
                PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 2), 1), dir.resolve("lstm"));
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
                DataStream<FeatureEvent> events = env.fromData(new FeatureEvent("a", 1, new float[] {1, 2, 3}),
                        new FeatureEvent("a", 2, new float[] {1, 2}));
            """.formatted(className);
    }

    private static final String TAIL = """
                var out = scores.collectAsync();
                var bad = scores.getSideOutput(RecurrentStepFunction.REFUSED).collectAsync();
                env.execute("readme");
                out.forEachRemaining(dev.vecrnn.flink.ReadmeFlinkExampleTest.RESULTS::add);
                bad.forEachRemaining(dev.vecrnn.flink.ReadmeFlinkExampleTest.RESULTS::add);
            }
            }
            """;

    @Test
    void theReadmesFlinkExampleCompilesAndRuns() throws Exception {
        compileAndRun("flink", "ReadmeFlink");
    }

    @Test
    void theReadmesMicroBatchingExampleCompilesAndRuns() throws Exception {
        compileAndRun("flink-batched", "ReadmeFlinkBatched");
    }

    /**
     * The README's {@code ```java <tag>} block in a class of its own, run on the MiniCluster: two events of one
     * key, one good and one with a feature missing, must give one output and one refusal.
     */
    private static void compileAndRun(String tag, String className) throws Exception {
        Path readme = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("README.md")) && Files.exists(d.resolve("flink"))) {
                readme = d.resolve("README.md");
                break;
            }
        }
        assertNotNull(readme, "README.md above the working directory");
        Matcher m = Pattern.compile("(?s)```java " + tag + "\\n(.*?)```").matcher(Files.readString(readme));
        assertTrue(m.find(), "the README's ```java " + tag + " block");
        // the block's files are the test's: a vecrnn model file and a PyTorch LSTM directory
        String block = m.group(1).replaceAll("Path\\.of\\(\"([^\"]+)\"\\)", "dir.resolve(\"$1\")")
                .replace("StepModel.pytorch(dir)", "StepModel.pytorch(dir.resolve(\"lstm\"))");
        String src = head(className) + block + TAIL;
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        // compiled into this test's own class directory, so that the application class loader, which Flink
        // uses to deserialize the job's lambdas (FeatureEvent::getKey), finds the example's classes
        Path out = Path.of(ReadmeFlinkExampleTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        DiagnosticCollector<JavaFileObject> diag = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignore) {
                return src;
            }
        };
        boolean ok = javac.getTask(null, null, diag, List.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path"),
                "-proc:none"), null, List.of(file)).call();
        assertTrue(ok, () -> "the README's " + tag + " example does not compile:\n" + diag.getDiagnostics() + "\n" + src);
        RESULTS.clear();
        Method main = Class.forName(className).getMethod("main", String[].class);
        main.invoke(null, (Object) new String[0]);
        assertEquals(2, RESULTS.size(), RESULTS.toString());
        Scored s = (Scored) RESULTS.get(0);
        assertEquals(1, s.id);
        Refused r = (Refused) RESULTS.get(1);
        assertEquals("expected 3 features, got 2", r.reason);
    }
}
