package dev.vecrnn.examples.flink;

import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job jar ({@code target/vecrnn-flink-example.jar}, made by {@code mvn package}) submitted with
 * {@code flink run} to a standalone cluster: a JobManager and a TaskManager in JVMs of their own, on Flink's
 * class path alone (no vecrnn on it: the job's classes come from the jar), the Vector API module given to
 * the TaskManager by {@code env.java.opts.taskmanager} in config.yaml as the README says. The flagged
 * readings the client prints must be exactly those of the same model stepped over the same readings in a
 * plain loop here, and the TaskManager's log must show the Vector API kernels.
 */
class JobJarOnClusterIT {
    static final int DEVICES = 12;
    static final int READINGS = 150;
    static final float THRESHOLD = 0.6f;

    @Test
    void theJobJarRunsOnAStandaloneCluster(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("jobJar", "target/vecrnn-flink-example.jar"));
        Path cpFile = Path.of(System.getProperty("clusterClasspath", "target/flink-cluster-classpath.txt"));
        assertTrue(Files.isRegularFile(jar), jar + ": the job jar should have been made by mvn package");
        String classpath = Files.readString(cpFile).trim();
        assertFalse(classpath.contains("vecrnn"), "the cluster's class path should be Flink's alone: " + classpath);

        Model model = SensorAnomalyJob.train();
        Path modelFile = dir.resolve("forecaster.safetensors");
        ModelFile.save(model, modelFile);
        List<String> expected = flaggedOffline(model);

        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("flink"), classpath, 2,
                "env.java.opts.taskmanager: --add-modules jdk.incubator.vector")) {
            StandaloneCluster.Run run = cluster.flinkRun(jar, Duration.ofMinutes(5), "--devices", "" + DEVICES,
                    "--readings", "" + READINGS, "--parallelism", "2", "--model", modelFile.toString());
            assertEquals(0, run.exit(), "flink run failed:\n" + run.output() + cluster.logs());
            List<String> flagged = new ArrayList<>();
            for (String line : run.output().split("\n")) if (line.startsWith("device-")) flagged.add(line);
            assertFalse(expected.isEmpty(), "the readings should hold spikes to flag");
            assertEquals(sorted(expected), sorted(flagged), "the cluster's flags should be the plain loop's:\n" + run.output());
            assertTrue(run.output().contains(String.format("%,d readings from %d devices: %d flagged", DEVICES * READINGS, DEVICES, expected.size())),
                    run.output());
            String tm = cluster.taskManagerLog();
            assertTrue(tm.contains("vecrnn: model version") && tm.contains("kernels panama-"),
                    "the TaskManager should log the Vector API kernels:\n" + cluster.logs());
        }
    }

    /** Each device's readings stepped through the model in order; a reading is flagged when it is further than the threshold from the prediction made one step before. */
    static List<String> flaggedOffline(Model model) {
        List<String> out = new ArrayList<>();
        float[] y = new float[1];
        for (int d = 0; d < DEVICES; d++) {
            ModelState s = model.newState();
            float previous = Float.NaN;
            for (int t = 0; t < READINGS; t++) {
                float v = SensorAnomalyJob.reading(d, t);
                model.step(new float[] {v}, s, y);
                float score = Math.abs(v - previous);
                if (t > 0 && score > THRESHOLD) {
                    out.add(String.format("device-%d t=%d reading=%.3f predicted=%.3f score=%.3f%s", d, t, v, previous, score,
                            SensorAnomalyJob.spike(d, t) ? " (injected spike)" : ""));
                }
                previous = y[0];
            }
        }
        return out;
    }

    private static List<String> sorted(List<String> lines) {
        List<String> s = new ArrayList<>(lines);
        s.sort(null);
        return s;
    }
}
