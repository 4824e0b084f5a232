package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import static dev.vecrnn.nn.io.IoFixtures.ascii;
import static dev.vecrnn.nn.io.IoFixtures.assertBad;
import static dev.vecrnn.nn.io.IoFixtures.concat;
import static dev.vecrnn.nn.io.IoFixtures.le64;
import static dev.vecrnn.nn.io.IoFixtures.put;
import static dev.vecrnn.nn.io.IoFixtures.safetensors;

/** Files built by hand to break one rule each; every one must fail cleanly, naming the problem and byte. */
class SafeTensorsHostileTest {

    @TempDir
    Path dir;

    private static final String ENTRY = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    /** Reads {@code header + data}; the expected offset is where {@code marker} sits in the header (or -2). */
    private void bad(String header, int dataBytes, String marker, String... fragments) throws IOException {
        Path f = put(dir, "h.safetensors", safetensors(header, new byte[dataBytes]));
        long offset = marker == null ? -2 : 8 + header.indexOf(marker);
        if (marker != null && header.indexOf(marker) < 0) throw new AssertionError("marker not in header: " + marker);
        ModelFileException e = assertBad(() -> SafeTensors.read(f), offset, fragments);
        if (!e.getMessage().startsWith(f.toString() + ": ")) throw new AssertionError("message does not name the file: " + e.getMessage());
        assertBad(() -> SafeTensors.metadata(f), offset, fragments); // the header-only reader checks the header as read does
    }

    private void badBytes(byte[] file, long offset, String... fragments) throws IOException {
        Path f = put(dir, "b.safetensors", file);
        assertBad(() -> SafeTensors.read(f), offset, fragments);
        assertBad(() -> SafeTensors.metadata(f), offset, fragments);
    }

    @Test
    void truncatedOrImpossibleHeaderLengths() throws IOException {
        badBytes(new byte[0], 0, "file is 0 bytes, too short for the 8-byte header length");
        badBytes(new byte[]{2, 0, 0}, 0, "file is 3 bytes");
        badBytes(concat(le64(100), ascii("{}")), 0, "header length 100 is larger than the 2 bytes after the length field");
        badBytes(concat(le64(Long.MAX_VALUE), ascii("{}")), 0, "header length 9223372036854775807 is larger");
        badBytes(concat(le64(-1), ascii("{}")), 0, "header length 18446744073709551615 is larger");
        byte[] whole = safetensors("{\"a\":" + ENTRY + "}", new byte[8]);
        badBytes(java.util.Arrays.copyOf(whole, 30), 0, "is larger than the 22 bytes");
    }

    /**
     * A torch.save file, a .npy array or a config.json given where a safetensors file goes was refused as
     * "header length 578712552184433488 is larger than the 1479 bytes after the length field": true, but it
     * did not say what the file was, nor what was expected. Each is named now; a file whose first bytes are
     * none of these keeps the length message.
     */
    @Test
    void aFileOfAnotherFormatIsNamedAsSuch() throws IOException {
        byte[] zip = concat(new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0}, new byte[200]);
        badBytes(zip, 0, "not a safetensors file but a zip archive, as torch.save and torch.jit.save write", "scripts/export_pytorch.py");
        badBytes(concat(new byte[] {(byte) 0x80, 2, 0x63, 0x6f, 0x6c, 0x6c, 0x65, 0x63}, new byte[50]), 0, "not a safetensors file but a Python pickle");
        badBytes(concat(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, ascii("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")), 0,
                "not a safetensors file but a .npy array");
        badBytes(ascii("{\n  \"type\": \"LSTM\",\n  \"input_size\": 4\n}"), 0, "not a safetensors file but JSON text");
        // a CSV (ModelFile.load on the data, not the model) said "header length 7346982783540378... is larger than"
        badBytes(ascii("price,volume\n1.5,20\n1.6,21\n"), 0, "not a safetensors file but text (a CSV or other text file?)");
        badBytes(concat(le64(1L << 40), new byte[20]), 0, "header length 1099511627776 is larger than the 20 bytes after the length field");
    }

    @Test
    void headerLengthAboveTheLimitIsRefusedBeforeReading() throws IOException {
        Path f = dir.resolve("big.safetensors");
        long n = SafeTensors.MAX_HEADER_BYTES + 1;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(le64(n));
            raf.setLength(8 + n + 16); // sparse: costs no disk
        }
        assertBad(() -> SafeTensors.read(f), 0, "header length 100000001 exceeds the limit of 100000000 bytes");
    }

    @Test
    void aHeaderClaimingGigabytesInATinyFileIsRefusedAtTheLengthField() throws IOException {
        byte[] tiny = concat(le64(2L << 30), new byte[92]);
        badBytes(tiny, 0, "header length 2147483648 is larger than the 92 bytes after the length field");
        badBytes(concat(le64(Long.MIN_VALUE), new byte[92]), 0, "header length 9223372036854775808 is larger than the 92 bytes");
    }

    @Test
    void unknownDtypeIsNamedAndCutShort() throws IOException {
        String huge = "X".repeat(100_000);
        String header = "{\"a\":{\"dtype\":\"" + huge + "\",\"shape\":[0],\"data_offsets\":[0,0]}}";
        Path f = put(dir, "dtype.safetensors", safetensors(header, new byte[0]));
        ModelFileException e = assertBad(() -> SafeTensors.read(f), 8 + header.indexOf("\"XXX"), "tensor 'a': unknown dtype 'XXXX",
                "'... (100000 characters), expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
        if (e.getMessage().length() > 500) throw new AssertionError("a " + e.getMessage().length() + "-character message");
    }

    @Test
    void shapeProductBeyondAnIntButWithinALongMustStillMatchTheOffsets() throws IOException {
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", 8, "[0,8]",
                "tensor 'a': data_offsets [0, 8] span 8 bytes, but shape [65536, 65536] of F32 needs 17179869184");
        bad("{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296],\"data_offsets\":[0,8]}}", 8, "[0,8]",
                "span 8 bytes, but shape [4294967296] of U8 needs 4294967296");
    }

    @Test
    void duplicatedOffsetsOverlap() throws IOException {
        bad("{\"a\":" + ENTRY + ",\"b\":" + ENTRY + "}", 8, "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                "tensor 'b' data_offsets [0, 8] overlap tensor 'a' [0, 8]");
    }

    @Test
    void truncatedData() throws IOException {
        bad("{\"a\":" + ENTRY + "}", 7, "[0,8]", "tensor 'a': data_offsets [0, 8] reach past the 7 bytes of data");
    }

    @Test
    void headerThatIsNotJsonOrNotUtf8() throws IOException {
        byte[] h = concat(ascii("{\"a"), new byte[]{(byte) 0xFF}, ascii("\":1}"));
        badBytes(concat(le64(h.length), h), 8 + 3, "invalid UTF-8: byte 0xFF cannot start a character");
        byte[] bom = concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, ascii("{}"));
        badBytes(concat(le64(bom.length), bom), 8, "byte order mark");
        bad("{\"a\":", 0, null, "unexpected end of input");
        bad("", 0, null, "unexpected end of input");
        bad("        ", 0, null, "unexpected end of input");
        bad("{\"a\":" + ENTRY + ", 7}", 8, "7", "expected a string key", "got '7'");
        bad("{\"a\":" + ENTRY + "}x", 8, "x", "after the end of the JSON value");
        bad("[]", 0, "[]", "header must be a JSON object, got an array");
        bad("{\"a\":" + "[".repeat(10_000), 0, null, "nesting deeper than 64 levels (at byte " + (8 + 5 + 63) + ")");
    }

    @Test
    void entriesWithMissingUnknownOrMistypedFields() throws IOException {
        bad("{\"a\":3}", 0, "3", "tensor 'a': expected an object with dtype, shape and data_offsets, got a number (3)");
        bad("{\"a\":{\"shape\":[0],\"data_offsets\":[0,0]}}", 0, "{\"shape\"", "tensor 'a': missing field \"dtype\"");
        bad("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}", 0, "{\"dtype\"", "missing field \"shape\"");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[0]}}", 0, "{\"dtype\"", "missing field \"data_offsets\"");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0],\"extra\":true}}", 0, "true", "unknown field 'extra'");
        bad("{\"a\":{\"dtype\":4,\"shape\":[0],\"data_offsets\":[0,0]}}", 0, "4,", "dtype must be a string, got a number (4)");
        bad("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0, "\"F8_E4M3\"", "unknown dtype 'F8_E4M3'", "BF16");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8, "\"2\"", "shape must be an array of integers, got a string");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":null}}", 8, "null", "data_offsets must be an array");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "[0]", "data_offsets must have 2 elements, got 1");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", 8, "\"8\"", "data_offsets[1] must be an integer");
        bad("{\"__metadata__\":[],\"a\":" + ENTRY + "}", 8, "[]", "__metadata__ must be an object of strings, got an array");
        bad("{\"__metadata__\":{\"k\":1},\"a\":" + ENTRY + "}", 8, "1}", "__metadata__ value of 'k' must be a string, got a number (1)");
        bad("{\"a\":" + ENTRY + ",\"a\":" + ENTRY + "}", 8, "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "duplicate key 'a'");
    }

    @Test
    void badShapes() throws IOException {
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0, "-1", "shape[0] must be an integer in [0, 2^63 - 1], got a number (-1)");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 10, "2.5", "shape[0] must be an integer");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,0]}}", 0, "[1099",
                "shape [1099511627776, 1099511627776] of F32 holds more bytes than fit in 64 bits");
        bad("{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483648,2147483648],\"data_offsets\":[0,0]}}", 0, "[2147", "more bytes than fit in 64 bits");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483648,0],\"data_offsets\":[0,0]}}", 0, "[2147", "dimension 2147483648 is larger than 2^31 - 1");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[18446744073709551615],\"data_offsets\":[0,0]}}", 0, "1844", "shape[0] must be an integer");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + "1,".repeat(64) + "1],\"data_offsets\":[0,4]}}", 4, "[1,", "has 65 dimensions, more than 64");
    }

    @Test
    void badOffsets() throws IOException {
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,4]}}", 8, "[8,4]", "data_offsets [8, 4] end before they begin");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,1000]}}", 8, "[0,1000]", "reach past the 8 bytes of data");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "[0,8]", "span 8 bytes, but shape [3] of F32 needs 12");
        bad("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "[0,4]", "span 4 bytes, but shape [1] of I64 needs 8");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                12, "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}",
                "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]");
        bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
                8, "{\"dtype\":\"F32\",\"shape\":[0]", "tensor 'z' data_offsets [4, 4] overlap tensor 'a'");
    }

    @Test
    void holesAndTrailingBytes() throws IOException {
        String holed = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        Path f = put(dir, "hole.safetensors", safetensors(holed, new byte[12]));
        assertBad(() -> SafeTensors.read(f), 8 + holed.length() + 4, "data bytes [4, 8) belong to no tensor (a hole before tensor 'b')");
        String single = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        Path g = put(dir, "tail.safetensors", safetensors(single, new byte[8]));
        assertBad(() -> SafeTensors.read(g), 8 + single.length() + 4, "the last 4 data bytes belong to no tensor");
        Path h = put(dir, "none.safetensors", safetensors("{}", new byte[1]));
        assertBad(() -> SafeTensors.read(h), 8 + 2, "the last 1 data bytes belong to no tensor");
    }

    @Test
    void tooManyTensorsOrValues() throws IOException {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i <= SafeTensors.MAX_TENSORS; i++) {
            sb.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        String many = sb.append('}').toString();
        bad(many, 0, "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", "more than 65536 tensors");
        String values = "{\"x\":[" + "0,".repeat(Json.MAX_VALUES) + "0]}";
        bad(values, 0, null, "more than 1048576 JSON values");
    }
}
