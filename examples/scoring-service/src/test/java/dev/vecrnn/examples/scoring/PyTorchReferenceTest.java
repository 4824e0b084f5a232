package dev.vecrnn.examples.scoring;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The service against PyTorch itself: make_model.py ran torch.nn.LSTM over 25 events and saved its outputs
 * beside the model; stepping one session over the same events must give them within 1e-5.
 */
class PyTorchReferenceTest {

    @Test
    void stepsEqualPyTorchsOutputs() throws Exception {
        float[][] inputs, outputs;
        try (InputStream in = getClass().getResourceAsStream("/torch-reference.json");
             JsonParser p = Json.FACTORY.createParser(in)) {
            inputs = null;
            outputs = null;
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("inputs")) inputs = matrix(p);
                else if (f.equals("outputs")) outputs = matrix(p);
                else p.skipChildren();
            }
        }
        assertEquals(25, inputs.length);
        try (ScoringService s = ScoringService.start(ScoringService.Options.defaults(Http.MODEL).withPort(0))) {
            Http http = new Http(s);
            int p = s.config().outputHidden();
            assertEquals(outputs[0].length, p);
            double worst = 0;
            for (int t = 0; t < inputs.length; t++) {
                float[] got = http.stepOk("torch", inputs[t], t + 1, p);
                for (int j = 0; j < p; j++) {
                    assertEquals(outputs[t][j], got[j], 1e-5, "step " + (t + 1) + ", output " + j);
                    worst = Math.max(worst, Math.abs(outputs[t][j] - got[j]));
                }
            }
            System.out.printf("PyTorchReferenceTest: %d steps x %d outputs, largest difference from torch %.2e%n", inputs.length, p, worst);
        }
    }

    private static float[][] matrix(JsonParser p) throws Exception {
        List<float[]> rows = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_ARRAY) {
            List<Float> row = new ArrayList<>();
            // the reference holds float32 values written as exact doubles, so the cast is exact
            while (p.nextToken() != JsonToken.END_ARRAY) row.add((float) p.getDoubleValue());
            float[] r = new float[row.size()];
            for (int i = 0; i < r.length; i++) r[i] = row.get(i);
            rows.add(r);
        }
        return rows.toArray(new float[0][]);
    }
}
