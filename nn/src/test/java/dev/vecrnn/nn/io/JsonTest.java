package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.io.internal.JsonParser;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.vecrnn.nn.io.IoFixtures.assertBad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {

    @TempDir
    Path dir;

    @Test
    void parsesEveryKindOfValueInOrder() {
        Object v = Json.parse(" {\"z\": [1, -2, 3.5, 1e3, -0.25E-2, true, false, null], \"a\": {\"s\": \"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\"}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("z", "a"), new ArrayList<>(m.keySet()));
        assertEquals(Arrays.asList(1L, -2L, 3.5, 1000.0, -0.0025, true, false, null), m.get("z"));
        assertEquals("x\"y\\z/\b\f\n\r\t", ((Map<?, ?>) m.get("a")).get("s"));
    }

    @Test
    void integersBeyondALongBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
    }

    @Test
    void decodesUnicodeEscapesAndRawUtf8() {
        assertEquals("é€😀", Json.parse("\"\\u00e9\\u20AC\\ud83d\\ude00\""));
        assertEquals("é€😀", Json.parse("\"é€😀\""));
        byte[] raw = "\"é€😀\"".getBytes(StandardCharsets.UTF_8);
        assertEquals("é€😀", JsonParser.parse(raw, 0, raw.length, 0, "t", 64, 100));
    }

    @Test
    void rejectsSyntaxErrorsWithTheirOffset() {
        assertBad(() -> Json.parse("{\"a\":1,}"), 7, "expected a string key");
        assertBad(() -> Json.parse("[1,]"), 3, "unexpected ']'", "expected a value");
        assertBad(() -> Json.parse("[1 2]"), 3, "expected ','");
        assertBad(() -> Json.parse("01"), 0, "leading zero");
        assertBad(() -> Json.parse("-"), 1, "expected a digit");
        assertBad(() -> Json.parse("1."), 2, "after the decimal point");
        assertBad(() -> Json.parse("1e+"), 3, "in the exponent");
        assertBad(() -> Json.parse("NaN"), 0, "expected a value");
        assertBad(() -> Json.parse("tru"), 0, "expected true");
        assertBad(() -> Json.parse("1e400"), 0, "out of the range of a double");
        assertBad(() -> Json.parse("'a'"), 0, "unexpected '''");
        assertBad(() -> Json.parse("\"abc"), 0, "unterminated string");
        assertBad(() -> Json.parse("[\"a\nb\"]"), 3, "control character 0x0A");
        assertBad(() -> Json.parse("\"\\x\""), 1, "invalid escape sequence \\'x'");
        assertBad(() -> Json.parse("\"\\u12G4\""), 1, "4 hex digits");
        assertBad(() -> Json.parse("\"\\ud800\""), 1, "unpaired surrogate \\uD800");
        assertBad(() -> Json.parse("\"\\ud800\\u0041\""), 1, "unpaired surrogate");
        assertBad(() -> Json.parse("\"\\udc00\""), 1, "unpaired surrogate \\uDC00");
        assertBad(() -> Json.parse("{} {}"), 3, "after the end of the JSON value");
        assertBad(() -> Json.parse(""), 0, "unexpected end of input");
        assertBad(() -> Json.parse("{\"a\" 1}"), 5, "expected ':'");
        assertBad(() -> Json.parse("\ufeff{}"), 0, "byte order mark");
        assertBad(() -> Json.parse("\ud800"), -1, "unpaired surrogate");
    }

    @Test
    void rejectsDuplicateKeysAtTheSecondKey() {
        assertBad(() -> Json.parse("{\"a\":1,\"b\":2,\"a\":3}"), 13, "duplicate key 'a'");
    }

    @Test
    void rejectsInvalidUtf8WithTheOffsetOfTheBadByte() {
        assertUtf8Error(new byte[]{'"', (byte) 0xC0, (byte) 0x80, '"'}, 1, "cannot start a character");
        assertUtf8Error(new byte[]{'"', (byte) 0xE0, (byte) 0x80, (byte) 0x80, '"'}, 1, "overlong");
        assertUtf8Error(new byte[]{'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, 1, "encoded surrogate");
        assertUtf8Error(new byte[]{'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}, 1, "above U+10FFFF");
        assertUtf8Error(new byte[]{'"', 'a', (byte) 0xE2, (byte) 0x82, '"'}, 4, "expected a continuation byte, got 0x22");
        assertUtf8Error(new byte[]{'"', (byte) 0xE2, (byte) 0x82}, 1, "truncated");
        assertUtf8Error(new byte[]{'"', (byte) 0xFF, '"'}, 1, "byte 0xFF cannot start");
        assertUtf8Error(new byte[]{(byte) 0xC3, (byte) 0xA9}, 0, "unexpected byte 0xC3");
    }

    private static void assertUtf8Error(byte[] in, long offset, String fragment) {
        assertBad(() -> JsonParser.parse(in, 0, in.length, 100, "t", 64, 100), 100 + offset, fragment);
    }

    @Test
    void limitsNestingDepth() {
        String deep = "[".repeat(10_000);
        assertBad(() -> Json.parse(deep), 64, "nesting deeper than 64 levels");
        String ok = "[".repeat(64) + "]".repeat(64);
        assertEquals(List.class, Json.parse(ok) instanceof List<?> ? List.class : null);
        String objects = "{\"a\":".repeat(65) + "1" + "}".repeat(65);
        assertBad(() -> Json.parse(objects), 5 * 64, "nesting deeper than 64 levels");
    }

    @Test
    void limitsTheNumberOfValues() {
        byte[] in = "[1,2,3,4]".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of(1L, 2L, 3L, 4L), JsonParser.parse(in, 0, in.length, 0, "t", 64, 5));
        assertBad(() -> JsonParser.parse(in, 0, in.length, 0, "t", 64, 4), 7, "more than 4 JSON values");
    }

    @Test
    void writesCompactAndPrettyJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "LSTM");
        m.put("hidden_size", 5);
        m.put("lr", 0.001);
        m.put("bias", true);
        m.put("dims", List.of(2L, 3L));
        m.put("none", null);
        m.put("empty", Map.of());
        m.put("esc", "a\"b\\c\n\u0001é😀");
        String compact = Json.write(m);
        assertEquals("{\"type\":\"LSTM\",\"hidden_size\":5,\"lr\":0.001,\"bias\":true,\"dims\":[2,3],\"none\":null,"
                + "\"empty\":{},\"esc\":\"a\\\"b\\\\c\\n\\u0001é😀\"}", compact);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("a", List.of(1, Map.of()));
        nested.put("b", List.of());
        assertEquals("{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}\n", Json.writePretty(nested));
        assertEquals(Json.parse(compact), Json.parse(Json.writePretty(m)));
    }

    @Test
    void refusesWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write("\ud800"));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.write(cycle));
        assertEquals(true, e.getMessage().contains("deeper than 64"));
    }

    @Test
    void readsAnObjectFileWithinItsSizeLimit() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"type\": \"GRU\", \"hidden_size\": 8}\n");
        Map<String, Object> cfg = Json.readObject(f, 1024);
        assertEquals("GRU", cfg.get("type"));
        assertEquals(8L, cfg.get("hidden_size"));
        assertNull(cfg.get("missing"));
        assertBad(() -> Json.readObject(f, 10), 10, "file is 34 bytes, more than the limit of 10");
        Files.writeString(f, "[1]");
        assertBad(() -> Json.readObject(f, 1024), 0, "expected a JSON object at the top level, got an array");
        Files.write(f, new byte[]{'{', '"', (byte) 0x80, '"', ':', '1', '}'});
        ModelFileException bad = assertBad(() -> Json.readObject(f, 1024), 2, "invalid UTF-8");
        assertEquals(f.toString(), bad.source());
    }

    @Property(tries = 200)
    void writeThenParseGivesTheSameValue(@ForAll("values") Object value) {
        assertEquals(value, Json.parse(Json.write(value)));
        assertEquals(value, Json.parse(Json.writePretty(value)));
    }

    @Provide
    Arbitrary<Object> values() {
        return Arbitraries.lazyOf(
                () -> Arbitraries.strings().withCharRange('\u0000', '\u07ff').ofMaxLength(8).map(s -> (Object) s),
                () -> Arbitraries.longs().map(l -> (Object) l),
                () -> Arbitraries.doubles().filter(Double::isFinite).map(d -> (Object) d),
                () -> Arbitraries.of(true, false).map(b -> (Object) b),
                () -> Arbitraries.just(null),
                () -> values().list().ofMaxSize(4).map(l -> (Object) l),
                () -> Arbitraries.maps(Arbitraries.strings().withCharRange(' ', '\u00ff').ofMaxLength(4), values()).ofMaxSize(4)
                        .map(m -> (Object) new LinkedHashMap<>(m)));
    }
}
