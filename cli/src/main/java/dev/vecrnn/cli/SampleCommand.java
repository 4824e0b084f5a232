package dev.vecrnn.cli;

import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;

/** {@code vecrnn sample}: text from a model trained by train-text, one character per streaming step. */
@Command(name = "sample", mixinStandardHelpOptions = true, defaultValueProvider = SampleCommand.Defaults.class, description = "Generate text from a train-text model, step by step.")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODELDIR", description = "a directory from train-text (model.safetensors and vocab.json), or its quantized copy") Path model;
    static final String DEFAULT_PRIME = "The ";
    @Option(names = "--prime", description = "text to start from (default 'The ' where the model knows those characters, "
            + "else none: the first step reads the vocabulary's first character)") String prime;
    @Option(names = "--length", defaultValue = "300", description = "characters to generate (default ${DEFAULT-VALUE})") int length;
    @Option(names = "--temperature", defaultValue = "0.8", description = "softmax temperature: below 1 surer, above 1 more random (default ${DEFAULT-VALUE})") double temperature;
    @Mixin TrainingOptions.Seed seed;

    static final class Defaults extends TrainingOptions.Defaults {
        Defaults() {
            super("--seed", "0");
        }
    }

    @Override
    public Integer call() throws Exception {
        if (temperature == 0) {
            // llama.cpp and OpenAI's API take 0 for the likeliest token every step; PyTorch's generate.py divides by it
            throw new IllegalArgumentException("--temperature: expected a number > 0, got 0; to draw the likeliest character almost every step,"
                    + " give a small one, such as 0.01");
        }
        Check.positive("--temperature", temperature);
        Check.range("--length", length, 0, 100_000_000);
        if (!java.nio.file.Files.isDirectory(model)) throw new IllegalArgumentException("--model " + model + ": expected a directory from train-text");
        // a model dir without its vocabulary is named as such before the model is read
        TextModel vocab = TextModel.load(model);
        Path file = Inputs.file("--model", model.resolve("model.safetensors"));
        Model m = Inputs.model("--model", file);
        vocab.checkFor(model, m);
        if (prime == null) {
            // the default, unless the text had no 'T' (a lower-case corpus): then no prime rather than a refusal
            // of an option the user never gave
            prime = DEFAULT_PRIME.codePoints().allMatch(vocab::contains) ? DEFAULT_PRIME : "";
        }
        try {
            vocab.encode(prime, "--prime");
        } catch (IllegalArgumentException e) {
            // the default prime too: name the vocabulary, which may be the file at fault
            // under a locale that is not UTF-8 the JVM reads each non-ASCII character of an argument as U+FFFD
            String hint = prime.indexOf('\uFFFD') >= 0 && !vocab.contains('\uFFFD')
                    ? "; U+FFFD is what the JVM makes of characters the locale cannot decode: run it with LANG=C.UTF-8" : "";
            throw new IllegalArgumentException(e.getMessage() + " (" + model.resolve(TextModel.VOCAB) + ")" + hint);
        }
        // shown as it is drawn: --length 100000000 printed nothing for minutes, held all of it in memory, and ran on to its end
        // into a pipe that `| head` had closed
        Shown shown = new Shown(System.out);
        sample(m, vocab, prime, length, temperature, new Random(seed.get()), shown);
        shown.end();
        return 0;
    }

    /** Characters drawn between writes to the terminal. */
    static final int CHUNK = 4096;

    /**
     * The sample's characters written to {@code out} as they come, {@link #CHUNK} at a time, each part shown as
     * {@link #printable} shows the whole (a carriage return that ends a part waits for the next, which may make it a
     * line break); {@link #test} is false once {@code out} has failed (a closed pipe), which stops the sampling.
     */
    static final class Shown implements java.util.function.IntPredicate {
        private final java.io.PrintStream out;
        private final StringBuilder pending = new StringBuilder();

        Shown(java.io.PrintStream out) {
            this.out = out;
        }

        @Override
        public boolean test(int codePoint) {
            pending.appendCodePoint(codePoint);
            if (pending.length() < CHUNK) return true;
            int upTo = pending.length() - (pending.charAt(pending.length() - 1) == '\r' ? 1 : 0);
            write(out, printable(pending.substring(0, upTo)));
            pending.delete(0, upTo);
            return !out.checkError();
        }

        /** Writes what is left and the line break after the sample. */
        void end() {
            write(out, printable(pending.toString()) + System.lineSeparator());
            pending.setLength(0);
        }
    }

    /**
     * Writes {@code text} to {@code out} in its charset, but in UTF-8 where that charset is ASCII (the POSIX locale,
     * {@code LANG} unset, as in many containers), as Python 3 prints there: ASCII would turn every other character of
     * a sample into '?'. Flushed, so that the part shows at once.
     */
    static void write(java.io.PrintStream out, String text) {
        if (out.charset().equals(java.nio.charset.StandardCharsets.US_ASCII)) {
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.write(utf8, 0, utf8.length);
        } else {
            out.print(text);
        }
        out.flush();
    }

    /**
     * The text with what could drive or deceive a terminal shown escaped, as {@link Main#oneLine} escapes it: C0 and
     * C1 control characters other than line breaks and tabs (ESC starts the sequences that move the cursor, set the
     * title or rewrite the screen; a lone carriage return moves back over the line; 0x9B is CSI itself to some
     * terminals), the bidirectional embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069 (they reorder
     * what follows on the line, so the terminal shows text other than the text, as in "Trojan Source"), and halves of
     * surrogate pairs, which no encoder writes. A carriage return that ends a line ({@code \r\n}, a text with Windows
     * line ends) is a line break. Every other character is the model's output as it is: the zero-width joiner and
     * non-joiner (emoji sequences, Persian and Indic text), variation selectors, the marks LRM and RLM, and characters
     * newer than the JDK's Unicode tables.
     */
    static String printable(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean lineEnd = cp == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n';
            boolean escaped = Character.getType(cp) == Character.CONTROL && !(cp == '\n' || cp == '\t' || lineEnd)
                    || cp >= 0x202A && cp <= 0x202E || cp >= 0x2066 && cp <= 0x2069 || Character.getType(cp) == Character.SURROGATE;
            if (escaped) b.append(Main.oneLine(new String(Character.toChars(cp))));
            else b.appendCodePoint(cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    static String sample(Model m, TextModel vocab, String prime, int length, double temperature, Random rnd) {
        StringBuilder sb = new StringBuilder();
        sample(m, vocab, prime, length, temperature, rnd, cp -> {
            sb.appendCodePoint(cp);
            return true;
        });
        return sb.toString();
    }

    /** The prime's characters and then {@code length} drawn ones, each given to {@code sink} in turn, until it answers false. */
    static void sample(Model m, TextModel vocab, String prime, int length, double temperature, Random rnd, java.util.function.IntPredicate sink) {
        int[] ids = vocab.encode(prime.isEmpty() ? new String(Character.toChars(vocab.codePoints[0])) : prime, "--prime");
        ModelState state = m.newState();
        float[] logits = new float[m.outputFeatures()];
        float[] x = new float[1];
        for (int id : ids) {
            x[0] = id;
            m.step(x, state, logits);
        }
        if (!prime.codePoints().allMatch(sink)) return;
        double[] p = new double[logits.length];
        for (int i = 0; i < length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) max = Math.max(max, l / temperature);
            double sum = 0;
            for (int c = 0; c < p.length; c++) sum += p[c] = Math.exp(logits[c] / temperature - max);
            double u = rnd.nextDouble() * sum;
            int next = p.length - 1;
            for (int c = 0; c < p.length; c++) {
                u -= p[c];
                if (u <= 0) {
                    next = c;
                    break;
                }
            }
            if (!sink.test(vocab.codePoints[next])) return;
            x[0] = next;
            m.step(x, state, logits);
        }
    }
}
