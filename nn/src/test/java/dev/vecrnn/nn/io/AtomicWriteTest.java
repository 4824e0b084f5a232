package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.AtomicFiles;
import dev.vecrnn.nn.io.internal.ChannelIo;

import dev.vecrnn.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

import static dev.vecrnn.nn.io.IoFixtures.listing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A write either replaces the target with the complete new file or leaves it alone, with no leftovers. */
class AtomicWriteTest {

    @TempDir
    Path dir;

    private static final byte[] OLD = {1, 2, 3};

    @Test
    void aFailureWhileWritingLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Files.write(target, OLD);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
            ChannelIo.writeFully(ch, ByteBuffer.wrap(new byte[1000]));
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", e.getMessage());
        assertArrayEquals(OLD, Files.readAllBytes(target));
        assertEquals("model.safetensors", listing(dir));

        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, ch -> {
            throw new IllegalStateException("bug in a writer (simulated)");
        }));
        assertArrayEquals(OLD, Files.readAllBytes(target));
        assertEquals("model.safetensors", listing(dir));
    }

    @Test
    void aFailedRenameLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("busy");
        Files.createDirectory(target);
        Files.write(target.resolve("inside"), OLD);
        // A directory is refused before anything is written, naming it (the rename would fail, naming the temporary file).
        IOException e = assertThrows(IOException.class, () -> SafeTensors.write(target, Map.of("w", Tensor.zeros(4)), null));
        assertEquals(target + ": expected a file to write, got a directory", e.getMessage());
        assertThrows(IOException.class, () -> Npy.write(target, Tensor.zeros(4)));
        assertEquals("busy", listing(dir));
        assertArrayEquals(OLD, Files.readAllBytes(target.resolve("inside")));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThrows(java.nio.file.FileSystemException.class, () -> Npy.write(empty, Tensor.zeros(4)));
        assertTrue(Files.isDirectory(empty));
    }

    @Test
    void aMissingDirectoryIsNamedWithTheTarget() {
        Path target = dir.resolve("no").resolve("such").resolve("m.safetensors");
        java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> SafeTensors.write(target, Map.of("w", Tensor.zeros(4)), null));
        assertEquals(target + ": no such directory: " + target.getParent(), e.getMessage());
    }

    /**
     * A directory that exists but refuses files though its permission bits allow them (/proc, as root) was reported as
     * 'no such directory: /proc': it says the directory refused the file (TrainerCheckpointTest: as the trainer reports it).
     */
    @Test
    void anExistingDirectoryThatRefusesFilesIsNotCalledMissing() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux's /proc");
        Path target = Path.of("/proc/vecrnn-ckpt.safetensors");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "x"));
        assertTrue(e.getMessage().contains("cannot create a file in /proc") && !e.getMessage().contains("no such directory"), e.getMessage());
    }

    @Test
    void invalidArgumentsFailBeforeAnyFileIsCreated() throws IOException {
        Path target = dir.resolve("m.safetensors");
        Files.write(target, OLD);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(target, Map.of("w", "not a tensor"), null));
        assertThrows(IllegalArgumentException.class, () -> Npy.write(target, TensorData.ofBytes(DType.BF16, new byte[2], 1)));
        assertArrayEquals(OLD, Files.readAllBytes(target));
        assertEquals("m.safetensors", listing(dir));
    }

    @Test
    void aReadOnlyDirectoryFailsWithoutTouchingTheTarget() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Path target = ro.resolve("x.npy");
        Files.write(target, OLD);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(ro), "running as a user that ignores permissions (root)");
            IOException e = assertThrows(java.nio.file.AccessDeniedException.class, () -> Npy.write(target, Tensor.zeros(2)));
            assertEquals(target + ": cannot create a file in " + ro, e.getMessage());
            assertArrayEquals(OLD, Files.readAllBytes(target));
            assertEquals("x.npy", listing(ro));
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void replacesAnExistingFileWholeWithOrdinaryPermissions() throws IOException {
        Path target = dir.resolve("x.safetensors");
        Files.write(target, OLD);
        SafeTensors.write(target, Map.of("w", Tensor.of(new float[]{3f}, 1)), null);
        assertArrayEquals(new float[]{3f}, SafeTensors.read(target).get("w").toFloats());
        assertEquals("x.safetensors", listing(dir));
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Path plain = Files.createFile(dir.resolve("plain"));
            Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
            assertEquals(expected, Files.getPosixFilePermissions(target), "a renamed temporary file keeps owner-only permissions");
        }
    }

    /**
     * A target that is a symbolic link to a regular file is written through, as open(2) and numpy.save write: the rename
     * replaced the link itself with a file, leaving the file it named stale (and, given /dev/stdout redirected to a file,
     * would have put a regular file in /dev in place of the system's link).
     */
    @Test
    void aLinkToAFileIsWrittenThroughAndKept() throws IOException {
        Files.createDirectories(dir.resolve("runs"));
        Path real = dir.resolve("runs/p.npy"), link = dir.resolve("latest.npy");
        Files.write(real, OLD);
        Files.createSymbolicLink(link, Path.of("runs/p.npy"));
        Npy.write(link, Tensor.of(new float[]{3f}, 1));
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertArrayEquals(new float[]{3f}, Npy.read(real).toFloats());
        assertEquals("latest.npy,runs", listing(dir));
        assertEquals("p.npy", listing(dir.resolve("runs")));
    }

    /** What an interrupted write through a link left sits beside the file the link names, and is found there. */
    @Test
    void leftoversOfAWriteThroughALinkAreDeletedBesideTheFileItNames() throws IOException {
        Files.createDirectories(dir.resolve("runs"));
        Files.write(dir.resolve("runs/c.ckpt"), OLD);
        Path link = Files.createSymbolicLink(dir.resolve("latest.ckpt"), Path.of("runs/c.ckpt"));
        Files.write(dir.resolve("runs/.c.ckpt.vecrnn-1a.tmp"), OLD);
        assertEquals(1, AtomicFiles.deleteLeftovers(link));
        assertEquals("c.ckpt", listing(dir.resolve("runs")));
        assertTrue(Files.isSymbolicLink(link));
    }
}
