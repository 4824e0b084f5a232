package dev.vecrnn.nn.io.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/** Opening files to read, exact reads and complete writes on file channels, in bounded chunks. */
public final class ChannelIo {

    private ChannelIo() {
    }

    /**
     * Opens {@code file} to read after checking that it is a regular file (a symbolic link to one is
     * fine): opening a FIFO blocks until something writes to it, which may be never, and a directory or a
     * device is not a file this package reads. The check and the open are two steps, so a file swapped for
     * a FIFO in between by whoever can write to its directory still blocks.
     *
     * @throws java.nio.file.NoSuchFileException when it does not exist
     * @throws FileSystemException whose message reads {@code "<file>: expected a regular file, got a FIFO (named pipe)"}
     *                             (or a directory, a character device, ...) when it is something else
     */
    public static FileChannel openRegularFile(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) throw new FileSystemException(file.toString(), null, "expected a regular file, got " + kind(file, a));
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /** What a file that is not a regular file is, from its POSIX mode where the platform gives one. */
    private static String kind(Path file, BasicFileAttributes a) {
        if (a.isDirectory()) return "a directory";
        try {
            return switch ((Integer) Files.getAttribute(file, "unix:mode") & 0xF000) {
                case 0x1000 -> "a FIFO (named pipe)";
                case 0x2000 -> "a character device";
                case 0x6000 -> "a block device";
                case 0xC000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException noUnixView) {
            return "a special file (not a directory)";
        }
    }

    /**
     * Reads exactly {@code n} bytes at {@code position}, or fails naming the file as truncated. Reads
     * go in chunks of 1 MiB: the JDK copies heap-buffer I/O through a temporary direct buffer as large
     * as the request, and caches it per thread. Callers check {@code n} against the file size first.
     *
     * @throws java.io.EOFException when the file ends early (it shrank after its size was checked)
     */
    public static byte[] readFully(FileChannel ch, long position, int n, String source) throws IOException {
        byte[] out = new byte[n];
        ByteBuffer buf = ByteBuffer.wrap(out);
        while (buf.hasRemaining()) {
            buf.limit((int) Math.min(n, buf.position() + (1L << 20)));
            int r = ch.read(buf, position + buf.position());
            buf.limit(n);
            if (r < 0) throw new EOFException(source + ": file ended at byte " + (position + buf.position()) + " while reading " + n + " bytes at byte " + position);
        }
        return out;
    }

    /** Writes {@code data} as little-endian float32, bit patterns kept, through a small buffer. */
    public static void writeFloats(FileChannel ch, float[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.min(data.length, 1 << 14) * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.length; ) {
            int n = Math.min(data.length - i, buf.capacity() / 4);
            buf.clear();
            buf.asFloatBuffer().put(data, i, n);
            buf.limit(4 * n);
            writeFully(ch, buf);
            i += n;
        }
    }

    /** Writes all of {@code buf} to {@code ch}, 1 MiB at a time (see {@link #readFully} for why). */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        int end = buf.limit();
        while (buf.position() < end) {
            buf.limit((int) Math.min(end, buf.position() + (1L << 20)));
            while (buf.hasRemaining()) ch.write(buf);
        }
        buf.limit(end);
    }
}
