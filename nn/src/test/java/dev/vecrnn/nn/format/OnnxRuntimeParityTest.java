package dev.vecrnn.nn.format;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.Recurrent;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same weights in ONNX Runtime (ONNX's LSTM/GRU/RNN ops: gate orders i, o, f, c and z, r, h, GRU with
 * linear_before_reset = 1, as torch.onnx.export writes them; scripts/make_onnx_fixtures.py) and in
 * vecrnn (the PyTorch state_dict beside it): outputs equal within 1e-5.
 */
class OnnxRuntimeParityTest {

    @TestFactory
    Stream<DynamicTest> sameOutputsAsOnnxRuntime() throws Exception {
        Path root = Path.of(OnnxRuntimeParityTest.class.getResource("/onnx").toURI());
        var dirs = Files.list(root).filter(Files::isDirectory).sorted().toList();
        assertTrue(dirs.size() >= 6, "expected the ONNX fixtures, found " + dirs);
        return dirs.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> check(d)));
    }

    private static void check(Path dir) throws Exception {
        Recurrent net = PyTorchFormat.read(dir);
        Tensor x = Npy.read(dir.resolve("x.npy")).toTensor();
        float[] ours = net.forward(x, null, null, null).output().data();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(1);
        long[] shape = {x.dim(0), x.dim(1), x.dim(2)};
        try (OrtSession s = env.createSession(dir.resolve("model.onnx").toString(), so);
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), shape);
             OrtSession.Result r = s.run(Map.of("x", in))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            long[] outShape = out.getInfo().getShape();
            assertArrayEquals(new long[] {x.dim(0), x.dim(1), net.config().outputSize()}, outShape, dir + ": output shape");
            FloatBuffer fb = out.getFloatBuffer();
            float[] theirs = new float[fb.remaining()];
            fb.get(theirs);
            assertEquals(ours.length, theirs.length);
            for (int i = 0; i < ours.length; i++) assertEquals(theirs[i], ours[i], 1e-5, dir.getFileName() + " output[" + i + "]");
        }
    }
}
