package dev.vecrnn.examples.flink;

import dev.vecrnn.flink.BatchedRecurrentStep;
import dev.vecrnn.flink.FeatureEvent;
import dev.vecrnn.flink.RecurrentStepFunction;
import dev.vecrnn.flink.StepModel;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Issue 17's micro-batching question, measured: does stepping the events of many keys together
 * ({@code Recurrent.stepMany}) beat one step per event inside Flink? On a local MiniCluster, generated events
 * over 1,000 keys (as {@link ThroughputBench}), one PyTorch-layout LSTM (I = H), heap or RocksDB state,
 * parallelism 1, outputs discarded, best of 3 whole jobs each:
 * <ul>
 *   <li><b>per event</b>: {@link RecurrentStepFunction}, the operator vecrnn offers;</li>
 *   <li><b>batched B</b>: {@link BatchedRecurrentStep} holding up to B events (and at most 100 ms), stepped in
 *   one pass over the weights.</li>
 * </ul>
 * A benchmark for an idle machine, not a test:
 *
 * <pre>
 * examples/flink-sensor-job/run --readings 1     # builds, and writes the class path file
 * cd examples/flink-sensor-job
 * java --add-modules jdk.incubator.vector -cp "target/classes:$(cat target/classpath.txt)" dev.vecrnn.examples.flink.MicroBatchBench
 * </pre> Options: sizes ("64,256"), batch sizes ("16,64"), events per job (400,000 at 64 units, 100,000 above).
 */
public final class MicroBatchBench {
    private MicroBatchBench() {
    }

    static double job(StepModel model, int size, long n, String backend, int batch) throws Exception {
        return ThroughputBench.bestOf3(size, n, backend, 1, batch == 1
                ? keyed -> keyed.process(new RecurrentStepFunction(model))
                : keyed -> new BatchedRecurrentStep(model, batch, 100).applyTo(keyed));
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {64, 256};
        int[] batches = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {16, 64};
        StringBuilder head = new StringBuilder("| LSTM | state | per event (events/s)");
        for (int b : batches) head.append(" | batched ").append(b).append(" | over per event");
        System.out.println(head.append(" |"));
        System.out.println("|---|---|---" + "|---|---".repeat(batches.length) + "|");
        for (int size : sizes) {
            long n = args.length > 2 ? Long.parseLong(args[2]) : size <= 64 ? 400_000 : 100_000;
            Path dir = Files.createTempDirectory("micro-batch-bench");
            PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.LSTM, size, size), 1), dir);
            StepModel model = StepModel.pytorch(dir);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
            for (String backend : new String[] {"hashmap", "rocksdb"}) {
                double one = job(model, size, n, backend, 1);
                StringBuilder row = new StringBuilder(String.format("| %d | %s | %,.0f", size, backend, one));
                for (int b : batches) {
                    double many = job(model, size, n, backend, b);
                    row.append(String.format(" | %,.0f | %.2f", many, many / one));
                }
                System.out.println(row.append(" |"));
            }
        }
    }
}
