package dev.vecrnn.examples.scoring;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The wire format, on Jackson's streaming API. Floats cross it exactly: they are written by
 * {@link JsonGenerator#writeNumber(float)} ({@link Float#toString}) and read back by {@link Float#parseFloat}
 * of the number's text, never through a double (whose second rounding could move a float by one ulp).
 */
final class Json {
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {
    }

    /**
     * The features of a step request, {@code {"x": [f0, f1, ...]}} with exactly {@code n} finite numbers and
     * nothing else.
     *
     * @throws HttpError 400 naming what is wrong
     */
    static float[] parseStep(byte[] body, int n) throws HttpError {
        float[] x = new float[n];
        try (JsonParser p = FACTORY.createParser(body)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "expected a JSON object {\"x\": [" + n + " numbers]}");
            boolean seen = false;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String field = p.currentName();
                expect("x".equals(field), "unexpected field " + quote(field) + ": expected only \"x\"");
                expect(p.nextToken() == JsonToken.START_ARRAY, "\"x\": expected an array of " + n + " numbers");
                int i = 0;
                for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                    expect(v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT,
                            "\"x\"[" + i + "]: expected a number, got " + describe(v));
                    expect(i < n, "\"x\": expected " + n + " numbers, got more");
                    float f = Float.parseFloat(p.getText());
                    expect(Float.isFinite(f), "\"x\"[" + i + "]: expected a finite float, got " + p.getText());
                    x[i++] = f;
                }
                expect(i == n, "\"x\": expected " + n + " numbers, got " + i);
                seen = true;
            }
            expect(seen, "missing field \"x\": expected {\"x\": [" + n + " numbers]}");
            expect(p.nextToken() == null, "unexpected content after the JSON object");
            return x;
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage().lines().findFirst().orElse("");
            int advice = m.indexOf(": enable `");   // Jackson's advice to the developer, not to the client
            throw new HttpError(400, "malformed JSON: " + (advice < 0 ? m : m.substring(0, advice)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // the body is in memory
        }
    }

    private static void expect(boolean ok, String message) throws HttpError {
        if (!ok) throw new HttpError(400, message);
    }

    private static String describe(JsonToken t) {
        if (t == null) return "the end of the body";
        switch (t) {
            case VALUE_STRING: return "a string";
            case VALUE_TRUE: case VALUE_FALSE: return "a boolean";
            case VALUE_NULL: return "null";
            case START_ARRAY: return "an array";
            case START_OBJECT: return "an object";
            default: return t.asString() == null ? t.name() : t.asString();
        }
    }

    /** A client-supplied name, quoted, cut to 40 characters, control characters escaped. */
    static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 40; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append(s.length() > 40 ? "...\"" : "\"").toString();
    }

    static byte[] step(String session, long step, float[] out) {
        return write(g -> {
            g.writeStringField("session", session);
            g.writeNumberField("step", step);
            g.writeArrayFieldStart("outputs");
            for (float v : out) g.writeNumber(v);
            g.writeEndArray();
        });
    }

    static byte[] error(String message) {
        return write(g -> g.writeStringField("error", message));
    }

    interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    /** One JSON object made of {@code fields}, then a newline. */
    static byte[] write(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    /** A step response as the clients read it. */
    record StepReply(String session, long step, float[] outputs) {
    }

    /** Reads a step response written by {@link #step}, expecting {@code n} outputs. */
    static StepReply parseReply(byte[] body, int n) throws IOException {
        float[] out = new float[n];
        int i = -1;
        long step = -1;
        String session = null;
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("expected a JSON object");
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("session".equals(field) && v == JsonToken.VALUE_STRING) {
                    session = p.getText();
                } else if ("step".equals(field) && v == JsonToken.VALUE_NUMBER_INT) {
                    step = p.getLongValue();
                } else if ("outputs".equals(field) && v == JsonToken.START_ARRAY) {
                    i = 0;
                    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                        if (i == n) throw new IOException("\"outputs\": expected " + n + " numbers, got more");
                        out[i++] = Float.parseFloat(p.getText());
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (i != n || step < 0 || session == null) {
            throw new IOException("expected {\"session\", \"step\", \"outputs\": [" + n + " numbers]}, got " + new String(body, java.nio.charset.StandardCharsets.UTF_8).strip());
        }
        return new StepReply(session, step, out);
    }
}
