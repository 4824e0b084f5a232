package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.TensorData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The files a command reads, checked before they are opened: each must be an existing, readable regular
 * file (a FIFO or device would block or never end), small enough for the heap. Every refusal names the
 * option and the file.
 */
final class Inputs {
    private Inputs() {
    }

    /**
     * The vecrnn model file (from fit, train-text or quantize) at {@code file}. A PyTorch state_dict with its
     * config.json beside it is refused with the command that runs it ({@code infer}), where the file reader's
     * refusal would only say what the file lacks.
     */
    static dev.vecrnn.nn.model.Model model(String option, Path file) throws IOException {
        try {
            return dev.vecrnn.nn.format.ModelFile.load(file);
        } catch (dev.vecrnn.nn.io.ModelFileException e) {
            Path config = file.resolveSibling(dev.vecrnn.nn.format.PyTorchFormat.CONFIG);
            if (Files.isRegularFile(config)
                    && !dev.vecrnn.nn.io.SafeTensors.metadata(file).containsKey(dev.vecrnn.nn.format.ModelFile.ARCHITECTURE_KEY)) {
                throw new IllegalArgumentException(option + " " + file + ": a PyTorch state_dict (" + config.getFileName()
                        + " beside it), not a vecrnn model file (from fit, train-text or quantize); ./vecrnn infer runs it");
            }
            // what an interrupted fit leaves: its checkpoint, whose model the resumed run saves
            java.util.Map<String, String> meta;
            try {
                meta = dev.vecrnn.nn.io.SafeTensors.metadata(file);
            } catch (IOException | IllegalArgumentException unreadable) {
                throw e;  // the reader's own refusal says what is wrong with it
            }
            String format = meta.get("format");
            if (format != null && format.startsWith("vecrnn-checkpoint/")) {
                throw new IllegalArgumentException(option + " " + file + ": a training checkpoint (fit --checkpoint), not a model file; the same"
                        + " fit with --checkpoint " + file + " --resume finishes its run and saves the model to its --out", e);
            }
            if (!meta.containsKey(dev.vecrnn.nn.format.ModelFile.ARCHITECTURE_KEY)
                    && !Files.exists(config, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // a state_dict saved on its own (safetensors' save_file): say what it lacks and how to make it
                throw new IllegalArgumentException(option + " " + file + ": not a vecrnn model file (from fit, train-text or quantize; no"
                        + " architecture in its metadata) and no " + config.getFileName() + " beside it, " + STATE_DICT_NEEDS
                        + "; ./vecrnn infer (or quantize) then takes the directory", e);
            }
            throw e;
        }
    }

    /**
     * What a PyTorch state_dict saved on its own (safetensors' {@code save_file}) lacks, and how to make it:
     * the end of the refusals of such a file by infer, quantize and the commands that take a vecrnn model.
     */
    static final String STATE_DICT_NEEDS = "which a PyTorch state_dict needs: its module's type and arguments"
            + " ({\"type\": \"LSTM\", \"input_size\": I, \"hidden_size\": H, ...}, see ./vecrnn infer --help), or run"
            + " scripts/export_pytorch.py FILE DIR on the file torch.save wrote";

    /** {@code n} and the noun, singular for one: "1 sequence", "3 sequences". */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** "1 feature per step", "3 features per step". */
    static String perStep(int features) {
        return count(features, "feature") + " per step";
    }

    /**
     * Refuses sequences of {@code features} a step that {@code m} does not take, saying what it takes: token ids
     * ([N, T], one id a step) where its first layer is an embedding, else its number of features.
     */
    static void requireFeatures(String option, Path file, dev.vecrnn.nn.model.Model m, int features) {
        if (features != m.inputFeatures()) {
            throw new IllegalArgumentException(option + " " + file + ": expected " + (vocabulary(m) > 0
                    ? "token ids for this model, [N, T] (it starts with an embedding)" : perStep(m.inputFeatures()) + " for this model")
                    + ", got " + perStep(features) + (vocabulary(m) > 0 ? "" : readAsSteps(file, m.inputFeatures())));
        }
    }

    /**
     * Where {@code file} is 2-D, how it was read and what to give instead: [N, T] is one value a step (token ids, or a
     * series), so an [N, F] array of F features a row was read as N sequences of F steps; "" for any other file.
     */
    private static String readAsSteps(Path file, int features) {
        int[] shape;
        try {
            shape = Npy.readHeader(file).shape();
        } catch (IOException | RuntimeException e) {
            return "";
        }
        if (shape.length != 2) return "";
        String read = ": the file is 2-D, " + java.util.Arrays.toString(shape) + ", read as [N, T], " + count(shape[0], "sequence") + " of "
                + count(shape[1], "step") + " of one value each; expected [N, T, " + features + "]";
        if (shape[1] != features) return read;
        return read + " (X[:, None, :] for " + count(shape[0], "sequence") + " of one step; X[None] for one sequence of "
                + count(shape[0], "step") + ", as PyTorch's LSTM reads a 2-D input)";
    }

    /** The vocabulary of the embedding a model starts with, or 0 when it does not start with one. */
    static int vocabulary(dev.vecrnn.nn.model.Model m) {
        if (m.spec().get("layers") instanceof java.util.List<?> layers && !layers.isEmpty() && layers.get(0) instanceof java.util.Map<?, ?> first
                && "embedding".equals(first.get("kind")) && first.get("vocab") instanceof Number v) {
            return v.intValue();
        }
        return 0;
    }

    /**
     * What says X holds token ids for a fitted model, as its refusals name it: the model's own embedding, of fit's --vocab or,
     * where train-text's vocab.json is beside {@code modelFile}, of its characters (predict and evaluate have no --vocab).
     */
    static String embeddingSource(int vocab, Path modelFile) {
        Path dir = modelFile.toAbsolutePath().getParent();
        boolean text = dir != null && Files.isRegularFile(dir.resolve(TextModel.VOCAB));
        return "the model's embedding of " + vocab + " token ids (" + (text ? "its " + TextModel.VOCAB + " from train-text, one id a character"
                : "fit's --vocab") + ", recorded in --model)";
    }

    /** {@code file} as given, once it is known to be a readable regular file; {@code option} names it in errors. */
    static Path file(String option, Path file) {
        String what = option + " " + file;
        if (!Files.exists(file)) throw new IllegalArgumentException(what + ": no such file" + whyMissing(file));
        if (Files.isDirectory(file)) throw new IllegalArgumentException(what + ": is a directory, expected a file");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + ": expected a regular file, got a "
                    + (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? "link" : "FIFO, socket or device"));
        }
        if (!Files.isReadable(file)) throw new IllegalArgumentException(what + ": not readable (permission denied)");
        return file;
    }

    /**
     * Why {@code file}, which Files.exists does not find, names nothing, where the system says more than "no such file":
     * a directory on its way that is a file (x.npy/a), a loop of links, a dangling link; "" where it says no more.
     */
    private static String whyMissing(Path file) {
        for (Path p = file.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) return " (" + p + " is a file, not a directory)";
                break;
            }
        }
        try {
            file.toRealPath();
        } catch (java.nio.file.FileSystemException e) {
            // ELOOP: the JDK adds "or unable to access attributes of symbolic link" to the system's words, in any locale
            if (!(e instanceof java.nio.file.NoSuchFileException) && String.valueOf(e.getReason()).endsWith("symbolic link")) {
                return " (a loop of symbolic links)";
            }
        } catch (IOException | SecurityException e) {
            // nothing more to say
        }
        return Files.isSymbolicLink(file) ? " (a dangling link)" : "";
    }

    /**
     * A .npy array, refused before it is read when holding it (the file's bytes and a converted copy)
     * would not fit in the heap. Errors from the format name the option too.
     */
    static TensorData npy(String option, Path file) throws IOException {
        file(option, file);
        HeapBudget.require(2 * Files.size(file), option + " " + file);
        try {
            return Npy.read(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);
        }
    }

    /**
     * The array {@code d}, read from {@code file}, as float32 values of its shape: floating-point dtypes as
     * {@link TensorData#toFloats} converts them, integer dtypes (token ids, integer targets) exactly, up to 2^24 in
     * magnitude, and bool as 0 and 1 (pandas' {@code get_dummies} columns, multi-hot targets), as numpy's
     * {@code astype(np.float32)} and PyTorch's {@code torch.from_numpy(x).float()} convert it.
     */
    static Tensor floats(String option, Path file, TensorData d) {
        if (d.dtype().isFloatingPoint()) return d.toTensor();
        long[] v;
        try {
            v = d.toLongs();  // BOOL: 0 and 1
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);  // a BOOL byte other than 0 or 1 (the message names the file)
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            if (Math.abs(v[i]) > 1 << 24) {
                throw new IllegalArgumentException(option + " " + file + ": element " + i + " is " + v[i]
                        + ", too large in magnitude for a float32 to hold exactly (expected at most 2^24)");
            }
            f[i] = v[i];
        }
        return Tensor.of(f, d.shape());
    }

    /** Integer labels (class ids, lengths): integer dtypes, or floating-point values that are whole numbers in the int range. */
    static int[] ints(String option, Path file, TensorData d) {
        if (d.dtype() == DType.BOOL || !d.dtype().isFloatingPoint()) {
            try {
                return d.toInts();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + " " + e.getMessage(), e);
            }
        }
        double[] v = d.toDoubles();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i]) || Math.abs(v[i]) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(option + " " + file + ": expected whole numbers, got " + Datasets.number(d.dtype(), v[i]) + " at element " + i);
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /** Sequence lengths: {@code n} whole numbers in [1, t], of an integer or floating-point dtype (not bool). */
    static int[] lengths(String option, Path file, int n, int t) throws IOException {
        TensorData d = npy(option, file);
        if (d.rank() != 1) {
            throw new IllegalArgumentException(option + " " + file + ": expected [" + n + "] (one length per sequence), got shape " + java.util.Arrays.toString(d.shape()));
        }
        if (d.dtype() == DType.BOOL) {
            // torch.as_tensor(lengths, dtype=torch.int64) would make True a length of 1: not lengths, whatever they are
            throw new IllegalArgumentException(option + " " + file + ": expected integer lengths (int64, as pack_padded_sequence takes them),"
                    + " got bool");
        }
        int[] len = ints(option, file, d);
        if (len.length != n) throw new IllegalArgumentException(option + " " + file + ": expected " + n + " lengths (one per sequence), got " + len.length);
        for (int i = 0; i < n; i++) {
            if (len[i] < 1 || len[i] > t) {
                throw new IllegalArgumentException(option + " " + file + ": expected lengths in [1, " + t + "], got " + len[i] + " at element " + i);
            }
        }
        return len;
    }

    /**
     * Refuses a NaN or infinity in a valid step of {@code x} ([n, t, f], or [t, n, f] when
     * {@code timeMajor}); steps past a sequence's length are padding and never read. {@code lengthsOption}: the
     * option that gives lengths to this command (null if none), named when none were given. {@code read}: the array
     * as the file holds it, x's source, for the refusal's wording (see {@link #got}; null if none).
     */
    static void finiteSteps(String option, Path file, TensorData read, float[] x, int n, int t, int f, int[] len, boolean timeMajor,
                            String lengthsOption) {
        for (int i = 0; i < n; i++) {
            int steps = len == null ? t : len[i];
            for (int s = 0; s < steps; s++) {
                int at = (timeMajor ? s * n + i : i * t + s) * f;
                for (int j = 0; j < f; j++) {
                    if (!Float.isFinite(x[at + j])) {
                        String where = len != null ? "in every step up to the sequence's length"
                                : "in every step" + (lengthsOption == null ? "" : " (without " + lengthsOption + " every step is read; NaN padding needs them)");
                        throw new IllegalArgumentException(option + " " + file + ": expected finite values " + where + ", "
                                + got(read, at + j, x[at + j], "at sequence " + i + ", step " + s + ", feature " + j));
                    }
                }
            }
        }
    }

    /**
     * "got V AT" for a refused non-finite float32 {@code v}, element {@code element} of {@code read} (in its C
     * order; null when unknown): where the file holds a finite float64 there, too large for float32 (1e39), V is
     * the file's value and the line says that it overflows float32, where "got Infinity" alone named a value the
     * file does not hold.
     */
    static String got(TensorData read, int element, float v, String at) {
        if (read != null && read.dtype() == DType.F64 && Float.isInfinite(v)) {
            double held = read.bytes().getDouble(8 * element);
            if (Double.isFinite(held)) {
                return "got " + held + " " + at + ", a float64 that overflows float32 (largest " + Float.MAX_VALUE + "): PyTorch's .float() makes it " + v;
            }
        }
        return "got " + v + " " + at;
    }

    /** A UTF-8 text file, refused with the offset of its first byte that is not UTF-8; a leading byte order mark is no part of the text. */
    static String utf8(String option, Path file) throws IOException {
        file(option, file);
        long size = Files.size(file);
        // the bytes, the decoded chars, and the code points commands make of them
        HeapBudget.require(size * 8, option + " " + file);
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(option + " " + file + ": " + size + " bytes, more than one text can hold (2 GiB)");
        return utf8(option + " " + file, Files.readAllBytes(file));
    }

    /**
     * {@code bytes} decoded as UTF-8, as Python's {@code open(encoding="utf-8")} and pandas' {@code read_csv}
     * decode them: a byte that is not UTF-8 is refused (they raise UnicodeDecodeError), naming {@code where},
     * its byte offset and its line, where a lenient decoder would put a replacement character in its place.
     */
    static String utf8(String where, byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            String text = dec.decode(in).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (MalformedInputException e) {
            int at = in.position(), line = 1;
            // lines end at \n, \r\n or a lone \r, as the CSV reader's do
            for (int i = 0; i < at; i++) if (bytes[i] == '\n' || bytes[i] == '\r' && bytes[i + 1] != '\n') line++;
            throw new IllegalArgumentException(where + ": expected UTF-8 text, got a byte sequence that is not UTF-8 at byte offset " + at
                    + " (line " + line + ")");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(where + ": expected UTF-8 text");
        }
    }
}
