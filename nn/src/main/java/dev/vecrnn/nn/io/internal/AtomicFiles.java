package dev.vecrnn.nn.io.internal;

import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.Npy;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old file or the complete new one: the bytes go to a
 * temporary file {@code .<name>.vecrnn-<hex>.tmp} in the target's directory, are forced to disk, and the temporary
 * file is renamed over the target. On any failure the temporary file is deleted and an existing target is
 * left as it was. A write killed mid-way (the process, not an exception) leaves its temporary file behind;
 * the next write to the same target deletes it, and so does {@link #deleteLeftovers}. A target that is a symbolic
 * link to a regular file is written through: the file it names is replaced, the link kept ({@link #writtenFile}).
 *
 * <p>Concurrent writers of the same target are not supported: each deletes the temporaries of the others,
 * whose renames then fail. Writers of different targets in one directory do not touch each other's files.
 * The writers of this package ({@link SafeTensors#write}, {@link Npy#write}) write through this class.
 */
public final class AtomicFiles {

    /** What writes the content; it may throw anything, which aborts the write. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel out) throws IOException;
    }

    /**
     * What every temporary file's name holds before its random hex digits, so that a file is deleted as a
     * leftover only when vecrnn made it: a user's {@code .model.safetensors.1a.tmp} is not vecrnn's.
     */
    public static final String MARK = "vecrnn-";

    private AtomicFiles() {
    }

    /**
     * Writes {@code target} atomically with the bytes {@code body} writes.
     *
     * @throws IOException when the target is a directory, its directory does not exist or is not writable (each
     *                     a {@link FileSystemException} naming the target), the disk is full, or the rename fails
     *                     (including file systems without atomic rename)
     */
    public static void write(Path target, Body body) throws IOException {
        Path abs = writtenFile(target.toAbsolutePath());
        Path dir = abs.getParent();
        // named by the target, not by the temporary file the user never asked for, and before any byte is written
        if (Files.isDirectory(abs)) throw new FileSystemException(target.toString(), null, "expected a file to write, got a directory");
        deleteLeftovers(abs);
        Path tmp;
        try {
            tmp = createTemporary(dir, abs.getFileName().toString());
        } catch (NoSuchFileException e) {
            // an existing directory that refuses files (/proc, whose permission bits allow them) says ENOENT too
            if (Files.isDirectory(dir)) throw new FileSystemException(target.toString(), null, "cannot create a file in " + dir);
            throw new NoSuchFileException(target.toString(), null, "no such directory: " + dir);
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(target.toString(), null, "cannot create a file in " + dir);
        }
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(target + ": the file system cannot rename atomically, so the file was not written", e);
            }
            done = true;
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure matters more than a leftover temporary file
                }
            }
        }
        syncDirectory(dir);
    }

    /**
     * The file a write to {@code target} replaces: where {@code target} is a symbolic link to a regular file, that file, as
     * open(2) and numpy.save write through a link, so that the rename replaces it and the link stays (renamed over, the link
     * itself became a file and the one it named was left stale); {@code target} itself otherwise (a dangling link, or one
     * to a device or FIFO, is left to the caller's checks, never followed).
     */
    public static Path writtenFile(Path target) {
        if (!Files.isSymbolicLink(target)) return target;
        try {
            Path real = target.toRealPath();
            return Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS) ? real : target;
        } catch (IOException | SecurityException e) {
            return target;
        }
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically, as {@link #write} writes bytes. */
    public static void writeString(Path target, String text) throws IOException {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        write(target, ch -> {
            while (bytes.hasRemaining()) ch.write(bytes);
        });
    }

    /**
     * Deletes what interrupted atomic writes to {@code target} left: the regular files in its directory named
     * {@code .<name>.vecrnn-<hex>.tmp}, where name is the target's file name and hex 1 to 16 lowercase hex
     * digits, as written by this class; nothing else (not {@code .<name>.notes.tmp}, not a user's
     * {@code .<name>.1a.tmp}: the {@value #MARK} in the name is what makes a file this class's, nor the
     * temporaries of {@code <name>.bak}). Best effort: a file that cannot be listed or deleted stays, and is not
     * an error.
     * Not safe while another thread or process writes the same target (see the class comment).
     *
     * @return how many were deleted
     */
    public static int deleteLeftovers(Path target) {
        if (target == null) throw new IllegalArgumentException("target: expected a path, got null");
        // the file a write through a link replaces, and so the one whose leftovers sit beside it (see writtenFile)
        Path abs = writtenFile(target.toAbsolutePath());
        Path name = abs.getFileName();
        if (name == null) return 0;
        String prefix = "." + name + ".";
        int deleted = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(abs.getParent(), p -> isTemporary(p.getFileName().toString(), prefix))) {
            for (Path p : entries) {
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(p)) deleted++;
                } catch (IOException stays) {
                    // best effort: a leftover that cannot be deleted costs disk space, not correctness
                }
            }
        } catch (IOException | DirectoryIteratorException unreadable) {
            // best effort, as above: the write that follows reports a directory it cannot use
        }
        return deleted;
    }

    /** {@code file} is {@code prefix + MARK + <1 to 16 lowercase hex digits> + ".tmp"}. */
    private static boolean isTemporary(String file, String prefix) {
        if (!file.startsWith(prefix + MARK) || !file.endsWith(".tmp")) return false;
        int from = prefix.length() + MARK.length(), to = file.length() - 4;
        if (to - from < 1 || to - from > 16) return false;
        for (int i = from; i < to; i++) {
            char c = file.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    /**
     * Creates a fresh, hidden file next to the target. Unlike {@link Files#createTempFile} (owner-only
     * permissions), it gets the permissions of any new file, so the renamed result looks like a file
     * written in place.
     */
    private static Path createTemporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + MARK + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 99) throw e;
            }
        }
    }

    /** Makes the rename itself durable where the platform allows opening a directory (not on Windows). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // durability of the directory entry is best effort; the content itself was forced above
        }
    }
}
