package dev.vecrnn.nn.io;

/**
 * A model or data file (safetensors, .npy, JSON) that this package refuses to read, or data that
 * cannot be converted as asked. Every format error in {@code dev.vecrnn.nn.io} is one of these, and so is
 * every refusal of the model loaders built on it ({@code ModelFile.load}, {@code PyTorchFormat.read} and
 * {@code readConfig}: missing, unexpected or misshapen tensors, invalid architectures or configs); it is
 * an {@link IllegalArgumentException}, so callers that only care about "bad input" can catch that. The
 * readers check sizes before they allocate (against the format's limits and the Java heap's maximum), so a
 * hostile file ends in one of these, never in an OutOfMemoryError, a hang or a partial result.
 *
 * <p>The message reads {@code "<source>: <problem> (at byte <offset>)"}: the source is the file's path
 * (or a label such as {@code "JSON input"}), and the offset, when known, counts bytes from the start of
 * the file. I/O failures (missing file, not a regular file, permission denied, disk full) are {@link java.io.IOException}s
 * instead, never this.
 */
public final class ModelFileException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final long offset;
    private final String problem;

    /**
     * @param source  the file path or a label naming the input
     * @param offset  the byte offset of the problem from the start of the file, or -1 when there is none
     * @param problem what is wrong, in words
     */
    public ModelFileException(String source, long offset, String problem) {
        super(source + ": " + problem + (offset >= 0 ? " (at byte " + offset + ")" : ""));
        this.source = source;
        this.offset = offset;
        this.problem = problem;
    }

    /** The file path or label of the input. */
    public String source() {
        return source;
    }

    /** The byte offset of the problem from the start of the file, or -1 when the problem has no place. */
    public long offset() {
        return offset;
    }

    /** The problem without the source and offset. */
    public String problem() {
        return problem;
    }
}
