package dev.vecrnn.cli;

import dev.vecrnn.cli.CliFuzzFiles.Arr;
import dev.vecrnn.nn.io.DType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.vecrnn.cli.CliFuzzTemplates.PREDICT_MODELS;
import static dev.vecrnn.cli.CliFuzzTemplates.otherVocab;
import static dev.vecrnn.cli.CliFuzzTemplates.textAlphabet;
import static dev.vecrnn.cli.CliFuzzTemplates.textModel;
import static dev.vecrnn.cli.CliFuzzTemplates.textVocab;

/**
 * {@link CliFuzzGen} for the character model: train-text on a small UTF-8 text, and sample from a
 * train-text model directory.
 */
final class CliFuzzText extends CliFuzzOutputs {

    CliFuzzText(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    @Override
    void build() {
        if (c.command.equals("train-text")) trainText();
        else sample();
    }

    private void trainText() {
        String alphabet = pick("ab c\n", "the quick brown fox ", "héllo wörld ✓", "\u0001\u001b[31m ab\t", "😀 x 𝄞 y");
        int[] cps = alphabet.codePoints().toArray();
        int len = between(30, 80);
        StringBuilder s = new StringBuilder();
        if (r.nextInt(10) == 0) s.append('\uFEFF');
        for (int i = 0; i < len; i++) s.appendCodePoint(cps[r.nextInt(cps.length)]);
        byte[] text = s.toString().getBytes(StandardCharsets.UTF_8);
        Path tp = inPath("text.txt");
        input("--text", tp, text);
        c.note("text.txt: " + len + " characters from " + CliFuzzCase.quote(alphabet));
        int steps = between(2, 4);
        Map<String, Path> ins = Map.of("--text", tp);
        dirOutput("--out", List.of("model.safetensors", "vocab.json"), List.of("model.safetensors", "vocab.json"), ins);
        planters.add(new Planter("--text", () -> {
            int k = r.nextInt(4);
            String fault = switch (k) {
                case 0 -> {
                    byte[] b = text.clone();
                    b[r.nextInt(b.length)] = (byte) pick(new int[] {0xff, 0xfe, 0xc0, 0xc1, 0xf8});  // bytes UTF-8 never holds
                    files.put(tp, Node.file(b));
                    yield "not UTF-8";
                }
                case 1 -> {
                    files.put(tp, Node.file(Arrays.copyOf(text, between(1, 4))));
                    yield "too short to train on";
                }
                case 2 -> {
                    files.put(tp, Node.file(Arr.of(DType.F32, new double[] {1, 2, 3}, 3).npy()));
                    yield "a .npy file (not UTF-8)";
                }
                default -> {
                    byte[] b = Arrays.copyOf(text, text.length + 1);
                    b[text.length] = (byte) 0xe2;  // a 3-byte sequence cut short at the end
                    files.put(tp, Node.file(b));
                    yield "ends inside a UTF-8 sequence";
                }
            };
            c.fault("--text: " + fault, "--text", tp);
        }));
        planters.add(new Planter("--text", () -> {
            files.put(tp, Node.file(CliFuzzFiles.byteEdit(r, text)));
            c.maybe("--text: byte-mutated", "--text", tp);
        }));
        enumOpt("--cell", false, "lstm", "gru", "rnn", "rnn_tanh", "rnn_relu");
        intOpt("--hidden", true, 1, Integer.MAX_VALUE, 2, 4);
        decoy("--hidden", "1000");
        intOpt("--layers", false, 1, 64, 1, 2);
        intOpt("--embed", true, 1, Integer.MAX_VALUE, 2, 4);
        planters.add(new Planter("--embed", () -> {
            c.put("--embed", Integer.toString(Integer.MAX_VALUE));
            c.fault("--embed: too large for the heap", "--embed");
        }));
        intOpt("--steps", true, 1, Integer.MAX_VALUE, steps, steps);
        planters.add(new Planter("--steps", () -> {
            c.put("--steps", Integer.toString(pick(new int[] {100, 100_000, Integer.MAX_VALUE})));
            c.fault("--steps: longer than the text", "--steps", "--text");
        }));
        intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 1);
        decoy("--epochs", "1000");
        intOpt("--batch", false, 1, Integer.MAX_VALUE, 1, 8);
        planters.add(new Planter("--batch", () -> {
            c.put("--batch", Integer.toString(pick(new int[] {1_000_000, Integer.MAX_VALUE})));
            c.maybe("--batch huge (larger than the data)", "--batch");
        }));
        numOpt("--lr", false, 0, false, Double.POSITIVE_INFINITY, false, 0.005, 0.05);
        numOpt("--held-out", false, 0, false, 0.5, false, 0.1, 0.2, 0.3);
        int maxChars = r.nextBoolean() ? 0 : between(steps + 1, 60);
        option("--max-chars", false, Integer.toString(maxChars));
        planters.add(new Planter("--max-chars", () -> {
            c.put("--max-chars", Integer.toString(pick(new int[] {-1, Integer.MIN_VALUE})));
            c.fault("--max-chars: out of range", "--max-chars");
        }));
        planters.add(new Planter("--max-chars", () -> {
            c.put("--max-chars", Integer.toString(between(1, steps)));
            c.put("--steps", Integer.toString(steps));
            c.fault("--max-chars: not more than --steps", "--max-chars", "--steps");
        }));
        planters.add(new Planter("--max-chars", () -> {
            c.put("--max-chars", pick(NOT_INT));
            c.fault("--max-chars: not an integer", "--max-chars");
        }));
        longOpt("--seed");
        intOpt("--threads", false, 1, Check.MAX_THREADS, 1, 2);
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    private void sample() {
        Path mdir = path("tm"), mfile = mdir.resolve("model.safetensors"), vfile = mdir.resolve("vocab.json");
        files.put(mdir, Node.DIR);
        files.put(mfile, Node.file(textModel));
        files.put(vfile, Node.file(textVocab));
        c.put("--model", arg(mdir));
        int[] cps = textAlphabet.codePoints().distinct().toArray();
        StringBuilder prime = new StringBuilder();
        for (int i = between(0, 6); i > 0; i--) prime.appendCodePoint(cps[r.nextInt(cps.length)]);
        option("--prime", false, prime.toString());
        intOpt("--length", true, 0, 100_000_000, 0, 30);
        decoy("--length", "1000000");
        numOpt("--temperature", false, 0, false, Double.POSITIVE_INFINITY, true, 0.2, 0.8, 1.5);
        planters.add(new Planter("--temperature", () -> {
            c.put("--temperature", pick("Infinity", "1e308", "1e-300", "4.9e-324"));
            c.maybe("--temperature extreme", "--temperature");
        }));
        longOpt("--seed");
        planters.add(new Planter("--prime", () -> {
            c.put("--prime", pick("xyz", "\u001b[2J", "Z", "\u0007", "the cat\u202e", "😀", "\r\n", "Q".repeat(2000)));
            c.fault("--prime: characters not in the vocabulary", "--prime");
        }));
        planters.add(new Planter("--model", () -> {
            int k = r.nextInt(10);
            String fault = switch (k) {
                case 0 -> {
                    files.put(vfile, Node.MISSING);
                    yield "no vocab.json";
                }
                case 1 -> {
                    files.put(mfile, Node.MISSING);
                    yield "no model.safetensors";
                }
                case 2 -> {
                    files.put(vfile, Node.file(pick("{", "[]", "{\"code_points\": []}", "{\"code_points\": [-1]}", "{\"code_points\": [1, 1]}",
                            "{\"code_points\": [1114112]}", "{\"code_points\": \"abc\"}", "{\"code_points\": [1.5]}", "",
                            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[").getBytes(StandardCharsets.UTF_8)));
                    yield "a broken vocab.json";
                }
                case 3 -> {
                    files.put(vfile, Node.file(otherVocab));
                    yield "vocab.json of another model";
                }
                case 4 -> {
                    files.put(mfile, Node.file(Arrays.copyOf(textModel, r.nextInt(textModel.length))));
                    yield "model.safetensors truncated";
                }
                case 5 -> {
                    files.put(vfile, CliFuzzFiles.fifos && r.nextBoolean() ? Node.FIFO : Node.DIR);
                    yield "vocab.json is a directory or FIFO";
                }
                case 6 -> {
                    files.put(mfile, CliFuzzFiles.fifos && r.nextBoolean() ? Node.FIFO : Node.DIR);
                    yield "model.safetensors is a directory or FIFO";
                }
                case 7 -> {
                    c.put("--model", arg(mfile));
                    yield "the model file, not its directory";
                }
                case 8 -> {
                    files.put(mfile, Node.file(PREDICT_MODELS[0]));
                    yield "a model that is not a text model";
                }
                default -> {
                    c.put("--model", arg(path(fresh("no-model"))));
                    yield "no such directory";
                }
            };
            c.fault("--model: " + fault, "--model", mdir, mfile, vfile);
        }));
        planters.add(new Planter("--model", () -> {
            if (r.nextBoolean()) files.put(vfile, Node.file(CliFuzzFiles.byteEdit(r, textVocab)));
            else files.put(mfile, Node.file(CliFuzzFiles.byteEdit(r, textModel)));
            c.maybe("--model: byte-mutated", "--model", mdir, mfile, vfile);
        }));
    }
}
